"""The ``simsvc`` command line: ``validate`` and ``run``.

Exit status: 0 success, 2 a scenario or argument the user must fix (the message
names the key path), 130 interrupted. A user never sees a traceback for their
own mistake.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from simsvc import __version__
from simsvc.errors import ScenarioError
from simsvc.experiment import run_experiment
from simsvc.loading import load_scenario
from simsvc.output import OutputError, write_json, write_table
from simsvc.tables import results_summary, scenario_summary

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
    run.add_argument(
        "--replications",
        "-n",
        type=_positive,
        metavar="N",
        help="number of replications (default: the file's [scenario] replications)",
    )
    run.add_argument(
        "--seed",
        type=_seed,
        metavar="S",
        help="experiment seed (default: the file's [scenario] seed)",
    )
    run.add_argument(
        "--workers",
        "-w",
        type=_positive,
        metavar="K",
        help="worker processes (default: one per core; 1 runs in this process)",
    )
    run.add_argument("--json", type=Path, metavar="OUT", help="write the results JSON here")
    run.add_argument(
        "--incidents",
        type=Path,
        metavar="OUT",
        help="write every incident record to OUT.csv or OUT.parquet",
    )
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    run.set_defaults(handler=_run)
    return parser


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
    for target in (args.json, args.incidents):
        if target is not None and not (target.parent if str(target.parent) else Path(".")).is_dir():
            raise UsageError(f"{target}: the folder {target.parent} does not exist")
    if args.incidents is not None and args.incidents.suffix.lower() not in (".csv", ".parquet"):
        raise UsageError(f"{args.incidents}: expected a .csv or .parquet file name")
    total = args.replications or scenario.scenario.replications
    update, close = _progress_bar(total, args.quiet)
    try:
        result = run_experiment(
            scenario,
            replications=args.replications,
            seed=args.seed,
            workers=args.workers,
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``simsvc`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
        return code
    except ScenarioError as error:
        print(f"error: {error}", file=sys.stderr)
    except (UsageError, OutputError) as error:
        print(f"error: {error}", file=sys.stderr)
    except KeyboardInterrupt:
        print(
            "interrupted: files already reported as written are complete; nothing else was written",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
