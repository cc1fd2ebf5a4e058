"""The command line's arguments: every command, its options and their checks."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from simsvc import __version__
from simsvc.executors import EXECUTORS
from simsvc.scenario.paths import PATHS


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


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 1 to 65535, got {value}")
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

    commands.add_parser(
        "schema",
        help="print the JSON Schema of a scenario file (for editors)",
        description="Print the JSON Schema of the scenario file, for editors that validate"
        " TOML against one (the keys of docs/scenario-keys.md, with their descriptions).",
    )

    new = commands.add_parser(
        "new",
        help="make a scenario file from a site list (spreadsheet or CSV) and a template",
        description="Write a scenario file whose sites are the rows of a site list (.xlsx or"
        " .csv: name, address or lat/lon, zone, one column of units per equipment type; see"
        " docs/sites-spreadsheet.md) and whose severities, commitments, resources, parts and"
        " costs are those of a template (a bundled scenario or a file). Addresses are placed"
        " at their district offline (needs simsvc[places]); every row that cannot be placed"
        " is listed with its line.",
    )
    new.add_argument("--sites", type=Path, required=True, metavar="FILE", help="the site list")
    new.add_argument(
        "--template",
        metavar="NAME",
        help="a scenario file, or a bundled scenario's name (campus_av, city_network,"
        " hospital_his, lighting_48h, metro_line2, provincial_hvac; default city_network)",
    )
    new.add_argument("--name", metavar="TEXT", help="[scenario] name of the new file")
    new.add_argument(
        "--skip-unplaced",
        action="store_true",
        help="leave out the rows whose address cannot be placed (listed) instead of failing",
    )
    new.add_argument(
        "--out", "-o", type=Path, required=True, metavar="FILE", help="the scenario file to write"
    )

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
    run.add_argument(
        "--xlsx",
        type=Path,
        metavar="OUT",
        help="write the results tables as an Excel workbook (commitments, costs, per base,"
        " desk, per depot, stock; needs simsvc[office])",
    )
    run.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of the workbook's headers"
    )
    run.add_argument(
        "--until-decided",
        action="store_true",
        help="add replications in batches (doubling) until every commitment is met or not met"
        " (same seeds as a plain run of that size)",
    )
    run.add_argument(
        "--max-replications",
        type=_positive,
        metavar="N",
        help="with --until-decided: stop at N replications (default 10 x the first batch)",
    )
    run.add_argument(
        "--precision",
        type=_share,
        metavar="H",
        help="with --until-decided: also stop a commitment's count once its interval's"
        " half-width is at most H (a share, such as 0.005)",
    )

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
    plan.add_argument(
        "--format",
        choices=("table", "xlsx"),
        default="table",
        help="xlsx: also write the plan, its costs, commitments, bases and depots as an Excel"
        " workbook to --out (needs simsvc[office]); the table is printed either way",
    )
    plan.add_argument("--out", type=Path, metavar="FILE", help="with --format xlsx: the workbook")
    plan.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of the workbook's headers"
    )
    plan.add_argument("--verbose", "-v", action="store_true", help="print each search step")

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
        choices=("table", "markdown", "csv", "json", "xlsx", "docx"),
        default="table",
        help="output format (default: table); xlsx (an Excel workbook) and docx (a Word"
        " document with the table as tenders print it) are written to --out and need"
        " simsvc[office]",
    )
    promise.add_argument("--out", type=Path, metavar="FILE", help="also write the table here")
    _common_simulation_options(promise)

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

    fit = commands.add_parser(
        "fit",
        help="estimate a scenario's parameters from a ticket history",
        description="Read a ticket export (.csv or .xlsx; columns in docs/ticket-format.md) and"
        " estimate, with confidence intervals and the tickets behind each, the failure rate"
        " per equipment type, severity and part mixes, remote-fix and part-need shares, the"
        " on-site time distribution per severity (maximum likelihood, chosen by AIC), the"
        " report profiles (when they differ from flat) and travel; write them into a copy of"
        " the scenario.",
    )
    fit.add_argument("tickets", type=Path, help="the ticket file (.csv or .xlsx)")
    fit.add_argument(
        "--scenario", type=Path, required=True, metavar="BASE", help="the scenario to fit"
    )
    fit.add_argument(
        "--out", "-o", type=Path, metavar="FILE", help="write the fitted scenario (TOML) here"
    )
    fit.add_argument("--json", type=Path, metavar="OUT", help="write every estimate as JSON here")
    fit.add_argument(
        "--confidence",
        type=_share,
        default=0.95,
        help="confidence level of the intervals (default 0.95)",
    )
    _ticket_options(fit)

    backtest = commands.add_parser(
        "backtest",
        help="simulate a ticket history's period and compare with what happened",
        description="Simulate the scenario over the period of a ticket history and compare,"
        " per commitment and assessment period, the tickets' attainment with the simulated"
        " 90% band; compare the clocks' distributions per severity. Verdict per commitment:"
        " consistent, optimistic or pessimistic, and by how many points.",
    )
    backtest.add_argument("file", type=Path, help="scenario file (TOML)")
    backtest.add_argument("tickets", type=Path, help="the ticket file (.csv or .xlsx)")
    backtest.add_argument("--json", type=Path, metavar="OUT", help="write the comparison as JSON")
    backtest.add_argument(
        "--chart",
        type=Path,
        metavar="OUT.png",
        help="draw history against simulation (CDF of each clock per severity) as a PNG",
    )
    _ticket_options(backtest)
    _common_simulation_options(backtest)

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
    app = commands.add_parser(
        "app",
        help="start the what-if page in a web browser (needs simsvc[app])",
        description="Serve the what-if page on this machine: pick a bundled scenario or"
        " upload one, change engineers, shifts, desk agents, stock and the swap rule, run the"
        " variant against the baseline and compare, plan and promise. Needs the app extra:"
        " pip install 'simsvc[app]'.",
    )
    app.add_argument(
        "files", type=Path, nargs="*", metavar="SCENARIO", help="scenario files to offer first"
    )
    app.add_argument("--port", type=_port, default=8501, help="port to serve on (default 8501)")
    app.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to serve on (default 127.0.0.1, this machine only)",
    )
    app.add_argument(
        "--workers", "-w", type=_positive, metavar="N", help="local worker processes for runs"
    )
    return parser


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date such as 2027-01-01, got {text!r}"
        ) from None


def _ticket_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--columns",
        metavar="FIELD=HEADER,...",
        help="the file's own headers for ticket fields, e.g. reported=报修时间,site=站点名称",
    )
    command.add_argument(
        "--tz",
        metavar="ZONE",
        help="time zone of the scenario's calendar (IANA, e.g. Asia/Shanghai): stamps with a UTC"
        " offset are converted to it; without it they are refused",
    )
    command.add_argument(
        "--from",
        dest="since",
        type=_date,
        metavar="DATE",
        help="first day of the period (default: the day of the first report)",
    )
    command.add_argument(
        "--until",
        type=_date,
        metavar="DATE",
        help="the day after the period (default: the day after the last report)",
    )
    command.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="go on without the rows that cannot be used (listed either way; default: exit 2)",
    )


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
    command.add_argument(
        "--stall-timeout",
        type=_positive,
        metavar="SECONDS",
        help="on Dask, stop with an error when no replication finishes for this long (its"
        " workers may be gone; default 600)",
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
