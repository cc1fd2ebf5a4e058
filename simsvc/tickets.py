"""Ticket histories: the service desk's export, one row per ticket, read and checked.

A ticket is the real counterpart of an incident record (:mod:`simsvc.records`): where and
on what the fault was (``site``, ``equipment``, ``severity``: the scenario's ids), when it
was ``reported``, and as the desk stamped them ``responded``, ``dispatched`` (an engineer
assigned and sent), ``arrived`` and ``resolved``; ``remote_fixed`` (yes/no), ``part`` (the
part used, empty for none), ``engineer`` and ``base``. Columns are in any order, headed in
English or Chinese (:data:`COLUMNS`), or by any header mapped with ``columns``
(``{"reported": "报修时间"}``). Timestamps are ISO text (``2027-03-01 09:30``,
``2027-03-01T09:30:00+08:00``) or Excel dates (a date cell, or its serial number).

Every row that cannot be used is kept in :attr:`TicketHistory.problems` with its line
(the header is line 1) and the reason; none is dropped silently. A missing stamp is not a
problem: the ticket feeds the estimates that do not need it. See ``docs/ticket-format.md``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from simsvc.sites.errors import SiteListError

if TYPE_CHECKING:
    import pandas as pd

    from simsvc.scenario.schema import Scenario

STAMPS = ("reported", "responded", "dispatched", "arrived", "resolved")
"""The timestamp columns, in the order of a ticket's life."""

REQUIRED = ("ticket", "site", "equipment", "severity", "reported")

COLUMNS: dict[str, tuple[str, ...]] = {
    "ticket": ("ticket", "ticket_id", "id", "工单号", "工单编号", "单号", "编号"),
    "site": ("site", "site_id", "站点", "站点编号", "地点"),
    "equipment": ("equipment", "equipment_type", "设备", "设备类型", "设备类别"),
    "severity": ("severity", "level", "故障级别", "级别", "故障等级"),
    "reported": ("reported", "report", "报修时间", "报障时间", "故障时间"),
    "responded": ("responded", "response", "响应时间", "受理时间"),
    "dispatched": ("dispatched", "dispatch", "assigned", "派工时间", "派单时间", "出发时间"),
    "arrived": ("arrived", "arrival", "到场时间", "到达时间"),
    "resolved": ("resolved", "resolution", "解决时间", "修复时间", "恢复时间"),
    "remote_fixed": ("remote_fixed", "remote", "远程解决", "远程处理"),
    "part": ("part", "spare_part", "备件", "更换备件"),
    "engineer": ("engineer", "工程师", "维修人员"),
    "base": ("base", "服务站", "驻点", "base_id"),
}
"""Each field and the headers it is known by (compared without case and spaces)."""

_TRUE = {"1", "yes", "y", "true", "t", "是", "对", "√", "远程"}
_FALSE = {"0", "no", "n", "false", "f", "否", "", "现场"}
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
"""Day 0 of Excel's date serial numbers (1900 system, with its 1900 leap-year bug absorbed)."""


class TicketFileError(Exception):
    """A ticket file that cannot be read at all (the message names the file and line)."""


@dataclass
class TicketHistory:
    """The usable tickets of a file and the rows left out.

    ``table`` has one row per usable ticket: ``line``, ``ticket``, ``site``,
    ``equipment``, ``severity``, the :data:`STAMPS` as ``datetime64[s]`` (NaT where not
    stamped; local time of the scenario's calendar), ``remote_fixed`` (bool: as given, or
    resolved without an arrival when the column is absent), ``part``, ``engineer`` and
    ``base`` (text, empty where not given). ``start`` and ``end`` bound the period the
    tickets cover (midnight to midnight).
    """

    source: str
    table: pd.DataFrame
    problems: list[tuple[int, str]]
    rows: int
    start: dt.date
    end: dt.date
    present: frozenset[str]
    """The fields the file has a column for."""
    unused_columns: list[str] = field(default_factory=list)

    @property
    def days(self) -> int:
        """Length of the period (days)."""
        return (self.end - self.start).days

    def hours(self, stamp: str, *, warmup: float = 0.0) -> np.ndarray:
        """A stamp as simulated hours: hour ``warmup`` is midnight at :attr:`start`."""
        values = self.table[stamp].to_numpy("datetime64[s]")
        origin = np.datetime64(self.start.isoformat(), "s")
        hours = (values - origin).astype("timedelta64[s]").astype(np.float64) / 3600.0
        return np.where(np.isnat(values), np.nan, hours + warmup)

    def summary(self) -> str:
        """Rows read, used and left out, by reason and line."""
        lines = [
            f"{self.source}: {self.rows} rows, {len(self.table)} tickets used from"
            f" {self.start} to {self.end} ({self.days} days)"
        ]
        if self.problems:
            lines.append(f"  {len(self.problems)} rows left out:")
            lines += [f"    line {line}: {reason}" for line, reason in self.problems]
        if self.unused_columns:
            lines.append("  columns not used: " + ", ".join(self.unused_columns))
        return "\n".join(lines)


def _normal(header: object) -> str:
    return " ".join(str(header).replace("\ufeff", "").split()).casefold()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            value = int(value)
    return str(value).strip()


def parse_mapping(text: str) -> dict[str, str]:
    """``--columns reported=报修时间,site=站点名`` as ``{field: header}``.

    Raises ``ValueError`` naming an unknown field or a pair without ``=``.
    """
    aliases = {_normal(a): f for f, names in COLUMNS.items() for a in names if a.isascii()}
    mapping: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        name, sep, header = pair.partition("=")
        if not sep or not header.strip():
            raise ValueError(f"expected FIELD=HEADER, got {pair!r}")
        key = aliases.get(_normal(name))
        if key is None:
            raise ValueError(f"unknown ticket field {name.strip()!r} (known: {', '.join(COLUMNS)})")
        mapping[key] = header.strip()
    return mapping


class _StampReader:
    """Reads one timestamp cell into naive local time (``datetime``), or ``None``."""

    def __init__(self, zone: ZoneInfo | None) -> None:
        self.zone = zone

    def __call__(self, value: Any) -> dt.datetime | None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if isinstance(value, bool):
            raise ValueError(f"expected a date and time, got {value!r}")
        if isinstance(value, dt.datetime):
            return self._local(value)
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day)
        if isinstance(value, int | float):
            return self._serial(float(value))
        text = str(value).strip()
        if not text:
            return None
        if re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
            return self._serial(float(text))
        normalised = re.sub(r"^(\d{4})/(\d{1,2})/(\d{1,2})", _dashes, text)
        normalised = re.sub(r"^(\d{4})-(\d)(?=\D)", r"\1-0\2", normalised)
        normalised = re.sub(r"^(\d{4}-\d{2})-(\d)(?=\D|$)", r"\1-0\2", normalised)
        normalised = re.sub(r"([ T])(\d):", r"\g<1>0\2:", normalised)
        try:
            stamp = dt.datetime.fromisoformat(normalised.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"cannot read {text!r} as a date and time (expected ISO text such as"
                " 2027-03-01 09:30 or an Excel date)"
            ) from None
        return self._local(stamp)

    def _serial(self, days: float) -> dt.datetime:
        if not 1 <= days < 2958466:
            raise ValueError(f"{days:g} is not an Excel date serial number")
        return (EXCEL_EPOCH + dt.timedelta(days=days)).replace(microsecond=0)

    def _local(self, stamp: dt.datetime) -> dt.datetime:
        if stamp.tzinfo is None:
            return stamp.replace(microsecond=0)
        if self.zone is None:
            raise _NeedsZone(stamp.isoformat())
        return stamp.astimezone(self.zone).replace(tzinfo=None, microsecond=0)


def _dashes(match: re.Match[str]) -> str:
    return f"{match[1]}-{int(match[2]):02d}-{int(match[3]):02d}"


class _NeedsZone(Exception):
    """A timestamp with a UTC offset and no time zone to convert it to."""


def _flag(value: Any) -> bool:
    text = _text(value).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"remote_fixed: expected yes or no (1/0, 是/否), got {_text(value)!r}")


def _header(
    cells: list[Any], source: str, line: int, columns: Mapping[str, str]
) -> tuple[dict[int, str], list[str]]:
    """Which column holds which field, and the headers not used."""
    known = {_normal(a): f for f, names in COLUMNS.items() for a in names}
    mapped = {_normal(h): f for f, h in columns.items()}
    fields: dict[int, str] = {}
    unused: list[str] = []
    for k, title in enumerate(cells):
        name = _text(title)
        if not name:
            continue
        key = _normal(name)
        found = mapped.get(key) or (known.get(key) if key not in mapped else None)
        if found is None or (found in columns and key not in mapped):
            unused.append(name)
            continue
        if found in fields.values():
            raise TicketFileError(f"{source}, line {line}: two columns for {found!r} ({name!r})")
        fields[k] = found
    missing_mapped = [
        h for h in columns.values() if _normal(h) not in map(_normal, map(_text, cells))
    ]
    if missing_mapped:
        raise TicketFileError(
            f"{source}, line {line}: no column headed "
            + ", ".join(repr(h) for h in missing_mapped)
            + " (named in --columns); the headers are: "
            + ", ".join(_text(c) for c in cells if _text(c))
        )
    missing = [f for f in REQUIRED if f not in fields.values()]
    if missing:
        raise TicketFileError(
            f"{source}, line {line}: no column for "
            + ", ".join(missing)
            + " (headers such as "
            + "; ".join(f"{f}: {' / '.join(COLUMNS[f][:1] + COLUMNS[f][-2:])}" for f in missing)
            + "; or map yours with --columns FIELD=HEADER)"
        )
    return fields, unused


def _cells(path: Path) -> list[tuple[int, list[Any]]]:
    from simsvc.sites.site_list import _cells as spreadsheet_cells

    try:
        return spreadsheet_cells(path)
    except SiteListError as error:
        raise TicketFileError(str(error)) from None


def read_tickets(
    path: str | Path,
    scenario: Scenario,
    *,
    columns: Mapping[str, str] | None = None,
    time_zone: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> TicketHistory:
    """Read and check the ticket file at ``path`` (``.csv`` or ``.xlsx``) against ``scenario``.

    ``columns`` maps fields to the file's own headers; ``time_zone`` (an IANA name such as
    ``Asia/Shanghai``) is the zone of the scenario's calendar: stamps with a UTC offset are
    converted to it (without it they are refused), stamps without one are taken as in it.
    ``start`` and ``end`` (dates, ``end`` exclusive) bound the period; by default the day
    of the first report and the day after the last. Raises :class:`TicketFileError` for a
    file that cannot be read or whose header lacks a required column.
    """
    import pandas as pd

    path = Path(path)
    source = str(path)
    zone = None
    if time_zone is not None:
        try:
            zone = ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise TicketFileError(
                f"unknown time zone {time_zone!r} (an IANA name such as Asia/Shanghai)"
            ) from None
    rows = _cells(path)
    while rows and all(not _text(c) for c in rows[0][1]):
        rows.pop(0)
    if not rows:
        raise TicketFileError(f"{source}: the file is empty; the first row must be the header")
    header_line, header = rows[0]
    fields, unused = _header(header, source, header_line, columns or {})
    present = frozenset(fields.values())
    read_stamp = _StampReader(zone)
    sites = {s.id: s for s in scenario.site}
    kinds = {e.id for e in scenario.equipment}
    severities = {s.id for s in scenario.severity}
    parts = {p.id for p in scenario.part}
    bases = {b.id for b in scenario.base}
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    good: list[dict[str, Any]] = []
    count = 0
    for line, values in rows[1:]:
        if all(not _text(v) for v in values):
            continue
        count += 1
        cell = {name: values[k] if k < len(values) else None for k, name in fields.items()}
        try:
            ticket = _ticket(cell, read_stamp, sites, kinds, severities, parts, bases, present)
        except _NeedsZone as aware:
            raise TicketFileError(
                f"{source}, line {line}: the timestamp {aware} carries a UTC offset; say which"
                " time zone the scenario's calendar keeps with --tz (such as Asia/Shanghai)"
            ) from None
        except ValueError as error:
            problems.append((line, str(error)))
            continue
        first = seen.get(ticket["ticket"])
        if first is not None:
            problems.append(
                (line, f"duplicate ticket {ticket['ticket']!r} (first at line {first})")
            )
            continue
        seen[ticket["ticket"]] = line
        ticket["line"] = line
        good.append(ticket)
    reported = [t["reported"] for t in good]
    first_day = start or (min(reported).date() if reported else dt.date.today())
    last_day = end or (max(reported).date() + dt.timedelta(days=1) if reported else first_day)
    if last_day <= first_day:
        raise TicketFileError(f"{source}: the period {first_day} to {last_day} is empty")
    kept = []
    begin, stop = (
        dt.datetime.combine(first_day, dt.time()),
        dt.datetime.combine(last_day, dt.time()),
    )
    for ticket in good:
        if not begin <= ticket["reported"] < stop:
            problems.append(
                (ticket["line"], f"reported {ticket['reported']} outside {first_day} to {last_day}")
            )
        else:
            kept.append(ticket)
    problems.sort()
    names = ["line", "ticket", "site", "equipment", "severity", *STAMPS]
    names += ["remote_fixed", "part", "engineer", "base"]
    table = pd.DataFrame(kept, columns=names)
    for stamp in STAMPS:
        table[stamp] = pd.to_datetime(table[stamp]).astype("datetime64[s]")
    table["remote_fixed"] = table["remote_fixed"].astype(bool)
    table = table.sort_values(["reported", "line"], kind="stable").reset_index(drop=True)
    return TicketHistory(source, table, problems, count, first_day, last_day, present, unused)


def _ticket(
    cell: dict[str, Any],
    read_stamp: _StampReader,
    sites: Mapping[str, Any],
    kinds: set[str],
    severities: set[str],
    parts: set[str],
    bases: set[str],
    present: frozenset[str],
) -> dict[str, Any]:
    """One row as a ticket; ``ValueError`` says why it cannot be used."""
    ticket = _text(cell.get("ticket"))
    if not ticket:
        raise ValueError("no ticket number")
    site, kind = _text(cell.get("site")), _text(cell.get("equipment"))
    severity = _text(cell.get("severity"))
    if site not in sites:
        raise ValueError(f"ticket {ticket}: site {site!r} is not in the scenario")
    if kind not in kinds:
        raise ValueError(f"ticket {ticket}: equipment {kind!r} is not in the scenario")
    if severity not in severities:
        raise ValueError(f"ticket {ticket}: severity {severity!r} is not in the scenario")
    installed = set(sites[site].equipment) | {c.equipment for c in sites[site].changes}
    if kind not in installed:
        raise ValueError(f"ticket {ticket}: the scenario has no {kind} at site {site}")
    stamps: dict[str, dt.datetime | None] = {}
    for stamp in STAMPS:
        try:
            stamps[stamp] = read_stamp(cell.get(stamp))
        except ValueError as error:
            raise ValueError(f"ticket {ticket}: {stamp}: {error}") from None
    if stamps["reported"] is None:
        raise ValueError(f"ticket {ticket}: no reported time")
    order = [(s, stamps[s]) for s in STAMPS if stamps[s] is not None]
    for (earlier, a), (later, b) in itertools.pairwise(order):
        if (
            a is not None
            and b is not None
            and b < a
            and not (
                earlier == "dispatched" and later == "resolved"  # a visit withdrawn by a remote fix
            )
        ):
            raise ValueError(f"ticket {ticket}: {later} {b} is before {earlier} {a}")
    if "remote_fixed" in present and _text(cell.get("remote_fixed")):
        remote = _flag(cell.get("remote_fixed"))
    else:
        remote = stamps["resolved"] is not None and stamps["arrived"] is None
    part, base = _text(cell.get("part")), _text(cell.get("base"))
    if part and part not in parts:
        raise ValueError(f"ticket {ticket}: part {part!r} is not in the scenario")
    if base and base not in bases:
        raise ValueError(f"ticket {ticket}: base {base!r} is not in the scenario")
    return {
        "ticket": ticket,
        "site": site,
        "equipment": kind,
        "severity": severity,
        **stamps,
        "remote_fixed": remote,
        "part": part,
        "engineer": _text(cell.get("engineer")),
        "base": base,
    }


def tickets_from_incidents(scenario: Scenario, incidents: pd.DataFrame) -> pd.DataFrame:
    """The counted incident records of one replication as a ticket file's table.

    Stamps become local times (hour ``warmup`` is midnight at ``[calendar] start``), ISO
    text to the second; ``dispatched`` is when the first engineer was assigned and set
    out; ``engineer`` is ``E<number>``. The table written as CSV is a ticket file
    :func:`read_tickets` reads back against ``scenario``: the honest test of the fit.
    """
    import pandas as pd

    table = incidents[incidents["counted"]].reset_index(drop=True)
    origin = pd.Timestamp(scenario.calendar.start)
    warmup = scenario.scenario.warmup

    def stamp(column: str) -> pd.Series[str]:
        hours = table[column].to_numpy(float)
        times = origin + pd.to_timedelta(np.round((hours - warmup) * 3600.0), unit="s")
        text = pd.Series(times).dt.strftime("%Y-%m-%d %H:%M:%S")
        return text.where(~np.isnan(hours), "")

    engineers = table["engineer"].to_numpy(float)
    visited = ~np.isnan(table["arrival"].to_numpy(float))
    return pd.DataFrame(
        {
            "ticket": [f"T{k + 1:06d}" for k in range(len(table))],
            "site": table["site"].astype(str),
            "equipment": table["equipment"].astype(str),
            "severity": table["severity"].astype(str),
            "reported": stamp("report"),
            "responded": stamp("response"),
            "dispatched": stamp("assigned"),
            "arrived": stamp("arrival"),
            "resolved": stamp("resolution"),
            "remote_fixed": np.where(table["remote"].to_numpy(bool), "yes", "no"),
            "part": np.where(table["part"].notna() & visited, table["part"].astype(str), ""),
            "engineer": [
                f"E{int(e)}" if v and not math.isnan(e) and e >= 0 else ""
                for e, v in zip(engineers, visited, strict=True)
            ],
            "base": np.where(visited & table["base"].notna(), table["base"].astype(str), ""),
        }
    )


__all__ = [
    "COLUMNS",
    "STAMPS",
    "TicketFileError",
    "TicketHistory",
    "parse_mapping",
    "read_tickets",
    "tickets_from_incidents",
]
