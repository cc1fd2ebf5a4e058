"""The ``simsvc`` command line: ``validate``, ``run``, ``plan``, ``promise`` and ``sweep``.

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

from simsvc import __version__
from simsvc.errors import ScenarioError
from simsvc.executors import EXECUTORS, ExecutorError, Workplace, open_executor
from simsvc.experiment import default_workers, run_experiment
from simsvc.limits import check_size
from simsvc.loading import load_scenario
from simsvc.output import OutputError, check_target, write_json, write_table, write_text
from simsvc.tables import results_summary, scenario_summary
from simsvc.variation import PATHS, VaryError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A command-line argument the user must fix."""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a seed cannot be negative, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(
        prog="simsvc",
        description="Simulate after-sales field service against the commitments of a tender.",
    )
    parser.add_argument("--version", action="version", version=f"simsvc {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    validate = commands.add_parser(
        "validate",
        help="check a scenario file and summarise it",
        description="Check a scenario file and print a one-screen summary of what it contains.",
    )
    validate.add_argument("file", type=Path, help="scenario file (TOML)")
    validate.set_defaults(handler=_validate)

    run = commands.add_parser(
        "run",
        help="simulate a scenario and report attainment of each commitment",
        description="Simulate a scenario's replications and print, for each commitment, its"
        " attainment with a confidence interval and whether it is met; then utilisations,"
        " fill rates and cost.",
    )
    run.add_argument("file", type=Path, help="scenario file (TOML)")
    _common_simulation_options(run)
    run.add_argument("--json", type=Path, metavar="OUT", help="write the results JSON here")
    run.add_argument(
        "--incidents",
        type=Path,
        metavar="OUT",
        help="write every incident record to OUT.csv or OUT.parquet",
    )
    run.set_defaults(handler=_run)

    plan = commands.add_parser(
        "plan",
        help="find the cheapest staffing and stock that meet every commitment",
        description="Find engineers per base, desk agents and stock per depot and part that meet"
        " every commitment at [plan] confidence for the least yearly cost ([costs]), within the"
        " bounds of [plan]; verify the plan on fresh seeds; compare it with the file's resources"
        " and with stock at 15% of the installed units.",
    )
    plan.add_argument("file", type=Path, help="scenario file (TOML)")
    _common_simulation_options(plan, " per evaluated plan")
    plan.add_argument(
        "--with-penalties",
        action="store_true",
        help="minimise resources plus expected penalties (default: resources only)",
    )
    plan.add_argument("--json", type=Path, metavar="OUT", help="write the plan as JSON here")
    plan.add_argument("--verbose", "-v", action="store_true", help="print each search step")
    plan.set_defaults(handler=_plan)

    promise = commands.add_parser(
        "promise",
        help="the tightest service table these resources can promise",
        description="For each severity (and zone) and each clock, the tightest tender bound"
        " (5, 10, 15, 30 min; 1, 2, 4, 6, 8, 12, 24, 36, 48, 72 h; ...) met at the goal with"
        " [plan] confidence, as a table to paste into a tender.",
    )
    promise.add_argument("file", type=Path, help="scenario file (TOML)")
    promise.add_argument(
        "--goal",
        type=_share,
        default=0.95,
        help="share of incidents that must meet each bound (default 0.95)",
    )
    promise.add_argument("--lang", choices=("en", "zh"), default="en", help="table language")
    promise.add_argument(
        "--format",
        choices=("table", "markdown", "csv", "json"),
        default="table",
        help="output format (default: table)",
    )
    promise.add_argument("--out", type=Path, metavar="FILE", help="also write the table here")
    _common_simulation_options(promise)
    promise.set_defaults(handler=_promise)

    report = commands.add_parser(
        "report",
        help="write a self-contained HTML report with charts and tables",
        description="Simulate a scenario and write OUT/report.html (charts embedded as PNG,"
        " tables as HTML, nothing loaded from the network), the PNGs and results.json;"
        " with --plan, also plan it and add the plan and its costs.",
    )
    report.add_argument("file", type=Path, help="scenario file (TOML)")
    report.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        required=True,
        help="folder for report.html, the PNGs and results.json",
    )
    report.add_argument("--plan", action="store_true", help="also plan and add the plan")
    report.add_argument("--lang", choices=("en", "zh"), default="en", help="chart language")
    _common_simulation_options(report)
    report.set_defaults(handler=_report)

    sweep = commands.add_parser(
        "sweep",
        help="simulate a grid of what-if variations of a scenario",
        description="Simulate the scenario at every point of a grid of variations (or a Latin"
        " hypercube sample of it) with the same seed for every point (common random numbers),"
        " and write one row per point and commitment: the varied values, attainment with its"
        " confidence interval, met, yearly cost. The output is rewritten atomically as each"
        " point finishes; running the same command again skips the points it already holds.",
        epilog="PATH is one of " + ", ".join(PATHS) + ". VALUES is a range of whole numbers"
        " a..b or a list a,b,c (durations such as 30min or 2h; stock such as 4 or 15%).",
    )
    sweep.add_argument("file", type=Path, help="scenario file (TOML)")
    sweep.add_argument(
        "--vary",
        action="append",
        required=True,
        metavar="PATH=VALUES",
        help="a field and its values, e.g. base.north.engineers=2..6 or travel.speed_kmh=30,40"
        " (repeat for more axes)",
    )
    sweep.add_argument(
        "--sample",
        type=_positive,
        metavar="K",
        help="simulate K Latin-hypercube points of the grid (seeded by --seed) instead of all",
    )
    sweep.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE",
        help="results table, .csv or .parquet; extended if it already holds this sweep's points",
    )
    _common_simulation_options(sweep, " per point")
    sweep.set_defaults(handler=_sweep)
    return parser


def _common_simulation_options(command: argparse.ArgumentParser, each: str = "") -> None:
    command.add_argument(
        "--replications",
        "-n",
        type=_positive,
        metavar="N",
        help=f"replications{each} (default: [scenario] replications)",
    )
    command.add_argument(
        "--seed", type=_seed, metavar="S", help="experiment seed (default: [scenario] seed)"
    )
    command.add_argument(
        "--workers",
        "-w",
        type=_positive,
        metavar="K",
        help="worker processes, local or dask-local (default: one per core; 1 runs in this"
        " process)",
    )
    command.add_argument(
        "--executor",
        choices=EXECUTORS,
        help="where replications run: local = worker processes here (default); dask = an"
        " existing Dask cluster (see --scheduler); dask-local = a Dask cluster of --workers"
        " processes started here for this run",
    )
    command.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="the Dask scheduler to use, e.g. tcp://10.0.0.5:8786 (implies --executor dask)",
    )
    command.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a share such as 0.95, got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a share in (0, 1], got {value}")
    return value


def _validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.file)
    print(scenario_summary(scenario))
    print(f"\n{args.file}: valid")
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
    scenario = load_scenario(args.file)
    check_size(
        scenario,
        args.replications or scenario.scenario.replications,
        workers=args.workers or default_workers(),
        keep_incidents=args.incidents is not None,
    )
    _check_folder(args.json)
    _check_folder(args.incidents)
    if args.incidents is not None and args.incidents.suffix.lower() not in (".csv", ".parquet"):
        raise UsageError(f"{args.incidents}: expected a .csv or .parquet file name")
    total = args.replications or scenario.scenario.replications
    with _executor(args) as place:
        update, close = _progress_bar(total, args.quiet)
        try:
            result = run_experiment(
                scenario,
                replications=args.replications,
                seed=args.seed,
                workers=args.workers,
                executor=place.executor,
                keep_incidents=args.incidents is not None,
                progress=update,
            )
        finally:
            close()
    print(results_summary(result))
    if args.json is not None:
        write_json(args.json, result.to_dict())
        print(f"results written to {args.json}")
    if args.incidents is not None:
        write_table(args.incidents, result.incidents)
        print(f"incident records written to {args.incidents}")
    return 0


def _plan(args: argparse.Namespace) -> int:
    from simsvc.planner.search import plan
    from simsvc.tables import plan_summary

    scenario = load_scenario(args.file)
    _check_folder(args.json)
    from tqdm import tqdm

    bar = tqdm(desc="planning", unit="sim", disable=args.quiet, file=sys.stderr, dynamic_ncols=True)

    def log(line: str) -> None:
        if args.verbose:
            bar.write(line, file=sys.stderr)

    def tick(_: int) -> None:
        bar.update(1)

    try:
        with _executor(args) as place:
            result = plan(
                scenario,
                replications=args.replications,
                seed=args.seed,
                workers=args.workers,
                executor=place.executor,
                with_penalties=args.with_penalties,
                progress=tick,
                log=log,
            )
    finally:
        bar.close()
    print(plan_summary(result))
    if args.json is not None:
        write_json(args.json, result.to_dict())
        print(f"plan written to {args.json}")
    return 0


def _promise(args: argparse.Namespace) -> int:
    from simsvc.planner.promise import promise

    scenario = load_scenario(args.file)
    _check_folder(args.out)
    total = args.replications or scenario.scenario.replications
    with _executor(args) as place:
        update, close = _progress_bar(total, args.quiet)
        try:
            table = promise(
                scenario,
                goal=args.goal,
                replications=args.replications,
                seed=args.seed,
                workers=args.workers,
                executor=place.executor,
                progress=update,
            )
        finally:
            close()
    text = table.render(args.format, args.lang)
    print(text)
    if args.out is not None:
        write_text(args.out, text if text.endswith("\n") else text + "\n")
    return 0


def _report(args: argparse.Namespace) -> int:
    from simsvc.report import write_report

    scenario = load_scenario(args.file)
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"{args.out}: exists and is not a folder")
    if not args.out.parent.is_dir():
        raise UsageError(f"{args.out}: the folder {args.out.parent} does not exist")
    total = args.replications or scenario.scenario.replications
    with _executor(args) as place:
        update, close = _progress_bar(total, args.quiet)
        try:
            page = write_report(
                scenario,
                args.out,
                args.replications,
                args.seed,
                args.workers,
                place.executor,
                args.lang,
                args.plan,
                update,
            )
        finally:
            close()
    print(f"report written to {page}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from simsvc.sweep import Sweep, describe_results, grid_points, sample_points
    from simsvc.variation import parse_axes

    scenario = load_scenario(args.file)
    axes = parse_axes(args.vary, scenario)
    seed = scenario.scenario.seed if args.seed is None else args.seed
    grid = grid_points(axes)
    points = grid if args.sample is None else sample_points(axes, args.sample, seed)
    sweep = Sweep(scenario, axes, points, args.out, args.replications, seed)
    what = f"{len(points)} points" + (f" sampled from {len(grid)}" if args.sample else "")
    skipped = len(points) - len(sweep.pending)
    if skipped:
        what += f", {skipped} already in {args.out}"
    print(f"sweep: {what}; {sweep.replications} replications each, seed {seed}", file=sys.stderr)
    if sweep.pending:
        with _executor(args) as place:
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
                sweep.run(args.workers, place.executor, place.slots, update)
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
def _executor(args: argparse.Namespace) -> Iterator[Workplace]:
    """The executor the options ask for, open for the duration of a ``with`` block."""
    name = args.executor or ("dask" if args.scheduler else "local")
    if name == "dask" and args.workers is not None:
        raise UsageError("--workers is for local and dask-local; a Dask cluster has its own")
    with open_executor(name, args.workers, args.scheduler) as place:
        if name != "local" and not args.quiet:
            print(f"running on {place.description}", file=sys.stderr)
        yield place


def _check_folder(target: Path | None) -> None:
    if target is not None:
        check_target(target)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``simsvc`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
        return code
    except ScenarioError as error:
        print(f"error: {error}", file=sys.stderr)
    except (UsageError, OutputError, VaryError, ExecutorError) as error:
        print(f"error: {error}", file=sys.stderr)
    except BrokenPipeError:
        # The reader of our output went away (``simsvc run ... | head``): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(
            "interrupted: files already reported as written are complete; nothing else was written",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
