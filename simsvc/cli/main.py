"""The ``simsvc`` command line: ``validate``, ``run``, ``plan``, ``promise``, ``sweep``, ``fit``
and ``backtest``.

Exit status: 0 success, 2 a scenario or argument the user must fix (the message
names the key path), 130 interrupted. A user never sees a traceback for their
own mistake.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simsvc.cli.arguments import build_parser
from simsvc.result_files import (
    OutputError,
    check_writable,
    one_set,
    write_bytes,
    write_json,
    write_table,
    write_text,
)

if TYPE_CHECKING:
    from simsvc.runner import Runner
    from simsvc.scenario.schema import Scenario
    from simsvc.tickets import TicketHistory

# Only what ``simsvc --help`` needs is imported here: each command imports its own
# modules (the scenario's pydantic models, numpy, the engine) when it runs.

EXIT_USAGE = 2
EXIT_FAILED = 1
DASK_STALL_SECONDS = 600.0
"""On Dask, how long the run waits for any replication to finish before it gives up."""
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A command-line argument the user must fix."""


def _fits(scenario: Scenario, path: Path, replications: int, **options: Any) -> None:
    """Refuse up front (file and line named) a run that would not fit in memory."""
    from simsvc.memory import check_size
    from simsvc.scenario.errors import ScenarioError
    from simsvc.scenario.loading import locate

    try:
        check_size(scenario, replications, **options)
    except ScenarioError as error:
        raise locate(error, path) from None


def _load(path: Path) -> Scenario:
    """The scenario in the file at ``path`` (imports the scenario package on first use)."""
    from simsvc.scenario.loading import load_scenario

    return load_scenario(path)


MAX_NOTICES = 20
"""Warnings ``simsvc validate`` prints one by one; the rest are counted."""


def _validate(args: argparse.Namespace) -> int:
    from simsvc.scenario.notices import duration_notices
    from simsvc.terminal import scenario_summary

    scenario = _load(args.file)
    _fits(scenario, args.file, scenario.scenario.replications)  # what run would refuse
    print(scenario_summary(scenario))
    notices = duration_notices(args.file.read_bytes().decode("utf-8-sig"))
    for notice in notices[:MAX_NOTICES]:
        print(f"warning: {args.file}: {notice}", file=sys.stderr)
    if len(notices) > MAX_NOTICES:
        more = len(notices) - MAX_NOTICES
        print(
            f"warning: {args.file}: ... and {more} more bare numbers read as hours", file=sys.stderr
        )
    warned = f" ({len(notices)} warning{'s' if len(notices) != 1 else ''})" if notices else ""
    print(f"\n{args.file}: valid{warned}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    import json

    from simsvc.scenario.reference import editor_schema

    print(json.dumps(editor_schema(), indent=2, ensure_ascii=False))
    return 0


def _new(args: argparse.Namespace) -> int:
    from simsvc.sites.new_scenario import new_scenario

    check_writable(args.out)
    made = new_scenario(args.sites, args.template, name=args.name, skip_unplaced=args.skip_unplaced)
    for line, reason in made.skipped:
        print(f"left out: {args.sites}, line {line}: {reason}", file=sys.stderr)
    for warning in made.warnings:
        print(f"warning: {args.sites}, {warning}", file=sys.stderr)
    write_text(args.out, made.text)
    left = f" ({len(made.skipped)} rows left out)" if made.skipped else ""
    print(f"{args.out}: {made.sites} sites{left}; check it with: simsvc validate {args.out}")
    return 0


def _tickets(args: argparse.Namespace, scenario: Scenario) -> TicketHistory:
    """The ticket file the options name, its rows left out listed on stderr.

    Rows that cannot be used stop the command (exit 2) unless ``--skip-bad-rows``.
    """
    from simsvc.tickets import TicketFileError, parse_mapping, read_tickets

    try:
        columns = parse_mapping(args.columns) if args.columns else None
    except ValueError as error:
        raise UsageError(f"--columns: {error}") from None
    history = read_tickets(
        args.tickets,
        scenario,
        columns=columns,
        time_zone=args.tz,
        start=args.since,
        end=args.until,
    )
    print(history.summary(), file=sys.stderr)
    if history.problems and not args.skip_bad_rows:
        raise TicketFileError(
            f"{args.tickets}: {len(history.problems)} of {history.rows} rows cannot be used"
            " (listed above); correct them, or go on without them with --skip-bad-rows"
        )
    if len(history.table) == 0:
        raise TicketFileError(f"{args.tickets}: no usable tickets")
    return history


def _fit(args: argparse.Namespace) -> int:
    from simsvc.fitting.calibration import fit_tickets
    from simsvc.fitting.scenario_text import fitted_text
    from simsvc.fitting.summary import fit_summary

    scenario = _load(args.scenario)
    for target in (args.out, args.json):
        _check_folder(target)
    history = _tickets(args, scenario)
    result = fit_tickets(scenario, history, args.confidence)
    print(fit_summary(result))
    text = None
    if args.out is not None:
        text = fitted_text(result, args.scenario.read_text("utf-8-sig"))
    with one_set() as together:
        if text is not None:
            write_text(args.out, text, together=together)
        if args.json is not None:
            write_json(args.json, result.to_dict(), together=together)
    if args.out is not None:
        print(f"fitted scenario written to {args.out} ({len(result.changes)} keys fitted)")
    if args.json is not None:
        print(f"estimates written to {args.json}")
    return 0


def _backtest(args: argparse.Namespace) -> int:
    from simsvc.backtest import backtest

    scenario = _load(args.file)
    _check_folder(args.json)
    _check_folder(args.chart)
    history = _tickets(args, scenario)
    total = args.replications or scenario.scenario.replications
    with _runner(args) as runner:
        update, close = _progress_bar(total, args.quiet)
        try:
            result = backtest(
                scenario, history, replications=args.replications, seed=args.seed,
                runner=runner, progress=update,
            )  # fmt: skip
        finally:
            close()
    print(result.summary())
    with one_set() as together:
        if args.json is not None:
            write_json(args.json, result.to_dict(), together=together)
        if args.chart is not None:
            from simsvc.charts.backtest import backtest_chart, figure_png

            write_bytes(args.chart, figure_png(backtest_chart(result)), together=together)
    if args.json is not None:
        print(f"backtest written to {args.json}")
    if args.chart is not None:
        print(f"chart written to {args.chart}")
    return 0


def _progress_bar(total: int, quiet: bool) -> tuple[Callable[[int], None], Callable[[], None]]:
    from tqdm import tqdm

    bar = tqdm(
        total=total,
        desc="replications",
        unit="rep",
        disable=quiet,
        file=sys.stderr,
        dynamic_ncols=True,
    )

    def update(done: int) -> None:
        bar.update(done - bar.n)

    return update, bar.close


def _run(args: argparse.Namespace) -> int:
    from simsvc.experiment import run_experiment, run_until_decided
    from simsvc.runner import default_workers
    from simsvc.terminal import results_summary

    scenario = _load(args.file)
    _fits(  # before opening an executor: a clear refusal at once
        scenario,
        args.file,
        args.replications or scenario.scenario.replications,
        workers=args.workers or default_workers(),
        keep_incidents=args.incidents is not None,
    )
    _check_folder(args.json)
    _check_folder(args.incidents)
    _check_office(args.xlsx, ".xlsx")
    if args.incidents is not None and args.incidents.suffix.lower() not in (".csv", ".parquet"):
        raise UsageError(f"{args.incidents}: expected a .csv or .parquet file name")
    total = args.replications or scenario.scenario.replications
    if not args.until_decided and (args.max_replications or args.precision is not None):
        raise UsageError("--max-replications and --precision go with --until-decided")
    if args.until_decided:
        most = args.max_replications or 10 * total
        if most < total:
            raise UsageError(f"--max-replications {most} is below the first batch of {total}")
        _fits(
            scenario,
            args.file,
            most,
            workers=args.workers or default_workers(),
            keep_incidents=args.incidents is not None,
        )
    with _runner(args) as runner:
        update, close = _progress_bar(
            args.max_replications or 10 * total if args.until_decided else total, args.quiet
        )
        try:
            if args.until_decided:
                result = run_until_decided(
                    scenario,
                    args.replications,
                    args.seed,
                    max_replications=args.max_replications,
                    precision=args.precision,
                    runner=runner,
                    keep_incidents=args.incidents is not None,
                    progress=update,
                )
            else:
                result = run_experiment(
                    scenario,
                    replications=args.replications,
                    seed=args.seed,
                    runner=runner,
                    keep_incidents=args.incidents is not None,
                    progress=update,
                )
        finally:
            close()
    print(results_summary(result))
    with one_set() as together:  # the JSON and the incident records of one run, or neither
        if args.json is not None:
            write_json(args.json, result.to_dict(), together=together)
        if args.incidents is not None:
            write_table(args.incidents, result.incidents, together=together)
        if args.xlsx is not None:
            from simsvc.workbook import result_workbook, write_workbook

            write_workbook(args.xlsx, result_workbook(result, args.lang), together=together)
    if args.json is not None:
        print(f"results written to {args.json}")
    if args.xlsx is not None:
        print(f"results workbook written to {args.xlsx}")
    if args.incidents is not None:
        print(f"incident records written to {args.incidents}")
    return 0


def _plan(args: argparse.Namespace) -> int:
    from simsvc.planner.search import plan
    from simsvc.terminal import plan_summary

    scenario = _load(args.file)
    _check_folder(args.json)
    if args.format == "xlsx":
        if args.out is None:
            raise UsageError("--format xlsx needs --out FILE.xlsx")
        _check_office(args.out, ".xlsx")
    elif args.out is not None:
        raise UsageError("--out goes with --format xlsx (the plan's JSON: --json)")
    from tqdm import tqdm

    bar = tqdm(
        total=0,
        desc="planning",
        unit="rep",
        disable=args.quiet,
        file=sys.stderr,
        dynamic_ncols=True,
    )

    def log(line: str) -> None:
        if args.verbose:
            bar.write(line, file=sys.stderr)

    def tick(done: int) -> None:
        bar.update(done - bar.n)

    def planned(total: int) -> None:
        bar.total = total  # what the search has asked for so far: it grows
        bar.refresh()

    try:
        with _runner(args) as runner:
            result = plan(
                scenario,
                replications=args.replications,
                seed=args.seed,
                runner=runner,
                with_penalties=args.with_penalties,
                progress=tick,
                log=log,
                planned=planned,
            )
    finally:
        bar.close()
    print(plan_summary(result))
    with one_set() as together:
        if args.json is not None:
            write_json(args.json, result.to_dict(), together=together)
        if args.out is not None:
            from simsvc.workbook import plan_workbook, write_workbook

            write_workbook(args.out, plan_workbook(result, args.lang), together=together)
    if args.json is not None:
        print(f"plan written to {args.json}")
    if args.out is not None:
        print(f"plan workbook written to {args.out}")
    return 0


def _promise(args: argparse.Namespace) -> int:
    from simsvc.planner.promise import promise

    scenario = _load(args.file)
    office = args.format in ("xlsx", "docx")
    if office:
        if args.out is None:
            raise UsageError(f"--format {args.format} needs --out FILE.{args.format}")
        _check_office(args.out, f".{args.format}")
    _check_folder(args.out)
    total = args.replications or scenario.scenario.replications
    with _runner(args) as runner:
        update, close = _progress_bar(total, args.quiet)
        try:
            table = promise(
                scenario,
                goal=args.goal,
                replications=args.replications,
                seed=args.seed,
                runner=runner,
                progress=update,
            )
        finally:
            close()
    text = table.render("table" if office else args.format, args.lang)
    print(text)
    if args.format == "xlsx":
        from simsvc.workbook import promise_workbook, write_workbook

        write_workbook(args.out, promise_workbook(table, args.lang))
        print(f"promise workbook written to {args.out}")
    elif args.format == "docx":
        from simsvc.tender_document import write_promise_document

        write_promise_document(args.out, table, args.lang)
        print(f"promise document written to {args.out}")
    elif args.out is not None:
        write_text(args.out, text if text.endswith("\n") else text + "\n")
    return 0


def _report(args: argparse.Namespace) -> int:
    import warnings

    from simsvc.charts.text import MissingFontWarning
    from simsvc.report import write_report

    scenario = _load(args.file)
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"{args.out}: exists and is not a folder")
    try:  # a missing parent folder is made (out/x), before anything is simulated
        args.out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = error.strerror or str(error)
        raise UsageError(
            f"{args.out}: cannot make the folder {args.out.parent}: {reason}"
        ) from None
    total = args.replications or scenario.scenario.replications
    with _runner(args) as runner, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MissingFontWarning)
        update, close = _progress_bar(total, args.quiet)
        try:
            page = write_report(
                scenario,
                args.out,
                replications=args.replications,
                seed=args.seed,
                runner=runner,
                lang=args.lang,
                with_plan=args.plan,
                progress=update,
            )
        finally:
            close()
    for message in dict.fromkeys(str(w.message) for w in caught):  # each once, no source line
        print(f"warning: {message}", file=sys.stderr)
    print(f"report written to {page}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from simsvc.scenario.variation import parse_axes
    from simsvc.sweep.grid import Sweep, describe_results, grid_points, grid_size, sample_points

    scenario = _load(args.file)
    axes = parse_axes(args.vary, scenario)
    seed = scenario.scenario.seed if args.seed is None else args.seed
    check_writable(args.out)
    points = grid_points(axes) if args.sample is None else sample_points(axes, args.sample, seed)
    sweep = Sweep(scenario, axes, points, args.out, replications=args.replications, seed=seed)
    what = f"{len(points):,} points" + (f" sampled from {grid_size(axes):,}" if args.sample else "")
    skipped = len(points) - len(sweep.pending)
    if skipped:
        what += f"; skipped {skipped} already in {args.out}"
    print(f"sweep: {what}; {sweep.replications} replications each, seed {seed}", file=sys.stderr)
    if skipped and not sweep.pending:
        print(f"sweep: every point is already in {args.out}: nothing to simulate", file=sys.stderr)
    if sweep.pending:
        with _runner(args) as runner:
            bar = tqdm(
                total=len(sweep.pending),
                desc="points",
                unit="point",
                disable=args.quiet,
                file=sys.stderr,
                dynamic_ncols=True,
            )

            finished = 0

            def update(done: int) -> None:
                nonlocal finished
                finished = done
                bar.update(done - bar.n)

            try:
                sweep.run(runner, update)
            except KeyboardInterrupt:
                bar.close()
                print(
                    f"interrupted: {finished + skipped} of {len(points)} points are in {args.out};"
                    " run the same command again to simulate the rest",
                    file=sys.stderr,
                )
                return EXIT_INTERRUPTED
            finally:
                bar.close()
    print(describe_results(sweep.results(), axes, scenario.scenario.currency))
    print(f"results written to {args.out}")
    return 0


@contextlib.contextmanager
def _runner(args: argparse.Namespace) -> Iterator[Runner]:
    """The replication runner on the executor the options ask for, open for a ``with`` block."""
    from simsvc.executors import open_executor
    from simsvc.runner import Runner

    name = args.executor or ("dask" if args.scheduler else "local")
    if name == "dask" and args.workers is not None:
        raise UsageError("--workers is for local and dask-local; a Dask cluster has its own")
    with open_executor(name, args.workers, args.scheduler) as place:
        if name != "local" and not args.quiet:
            print(f"running on {place.description}", file=sys.stderr)
        stall = args.stall_timeout or (DASK_STALL_SECONDS if name != "local" else None)
        with Runner(workers=place.slots, executor=place.executor, stall_timeout=stall) as runner:
            yield runner


def _check_office(target: Path | None, suffix: str) -> None:
    """Refuse, before anything is simulated, an Excel or Word output that could not be written:
    its package missing (:class:`MissingExtra`), a name with another suffix, or no way to
    write it (:func:`check_writable`)."""
    if target is None:
        return
    from simsvc.extras import require

    if suffix == ".docx":
        require("docx", "python-docx", "office", "writing Word files")
    else:
        require("openpyxl", "openpyxl", "office", "writing Excel files")
    check_writable(target)
    if target.suffix.lower() != suffix and not _is_device(target):
        raise UsageError(f"{target}: expected a {suffix} file name")


def _is_device(target: Path) -> bool:
    """Whether ``target`` is a character device or a FIFO (``/dev/null``): any name goes."""
    import stat

    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _check_folder(target: Path | None) -> None:
    """Refuse, before anything is simulated, an output that could not be written."""
    if target is not None:
        check_writable(target)


def _app(args: argparse.Namespace) -> int:
    from simsvc.app.launch import serve

    try:
        return serve(args.files, port=args.port, host=args.host, workers=args.workers)
    except KeyboardInterrupt:
        print("simsvc app: stopped", file=sys.stderr)
        return EXIT_INTERRUPTED


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "validate": _validate,
    "schema": _schema,
    "new": _new,
    "run": _run,
    "plan": _plan,
    "promise": _promise,
    "report": _report,
    "sweep": _sweep,
    "fit": _fit,
    "backtest": _backtest,
    "app": _app,
}


USER_ERRORS = {
    "simsvc.executors": ("ExecutorError",),
    "simsvc.extras": ("MissingExtra",),
    "simsvc.fitting.errors": ("FittedFileError",),
    "simsvc.scenario.errors": ("ScenarioError",),
    "simsvc.scenario.variation": ("VaryError",),
    "simsvc.sites.errors": ("NewScenarioError", "SiteListError"),
    "simsvc.tickets": ("TicketFileError",),
}
"""Errors the user can act on (exit status 2), by the module that defines them."""


def _failure_code(error: Exception) -> int | None:
    """The exit status of a failure the user can act on, or None for a bug (re-raised).

    The modules of :data:`USER_ERRORS` are not imported here (``simsvc --help`` needs
    none of them): an error of one of their classes means its module is already loaded,
    so only loaded modules are looked at.
    """
    if isinstance(error, (UsageError, OutputError)):
        return EXIT_USAGE
    runner = sys.modules.get("simsvc.runner")
    if runner is not None and isinstance(error, runner.RunnerStalled):
        return EXIT_FAILED
    for module, names in USER_ERRORS.items():
        loaded = sys.modules.get(module)
        if loaded is not None and isinstance(error, tuple(getattr(loaded, n) for n in names)):
            return EXIT_USAGE
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``simsvc`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = HANDLERS[args.command](args)
        return code
    except BrokenPipeError:
        # The reader of our output went away (``simsvc run ... | head``): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as error:
        failure = _failure_code(error)
        if failure is None:
            raise
        print(f"error: {error}", file=sys.stderr)
        return failure
    except KeyboardInterrupt:
        print(
            "interrupted: files already reported as written are complete; nothing else was written",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
