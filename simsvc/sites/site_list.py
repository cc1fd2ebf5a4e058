"""A site list as bid teams keep it: one row per site, in a spreadsheet or a CSV file.

Columns (headers in English or Chinese, in any case and order; see
``docs/sites-spreadsheet.md``): a name (``name``/``site``/``名称``/``站点``), an optional
``id`` (``编号``), an ``address`` (``地址``) or ``lat`` and ``lon`` (``纬度``, ``经度``,
decimal degrees, WGS84), an optional ``zone`` (``区域``), and one column per kind of
installed equipment, headed by the equipment's id or name in the template, holding the
number of units (empty = 0). The first row is the header; a row's *line* is its line in
the file (the header is line 1), so that every message can point at it. Entirely empty
rows are not sites and are passed over.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simsvc.extras import require
from simsvc.sites.errors import SiteListError

COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "站点编号", "site_id"),
    "name": ("name", "site", "site name", "名称", "站点", "站点名称", "单位", "单位名称"),
    "address": ("address", "地址", "详细地址", "站点地址"),
    "lat": ("lat", "latitude", "纬度"),
    "lon": ("lon", "lng", "long", "longitude", "经度"),
    "zone": ("zone", "区域", "服务区域", "片区"),
}
"""The headers each field is known by (compared without case and surrounding spaces)."""


@dataclass(frozen=True)
class SiteRow:
    """One site as the list gives it; ``lat``/``lon`` in decimal degrees, ``None`` if absent."""

    line: int
    name: str
    id: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    zone: str | None = None
    equipment: dict[str, int] = field(default_factory=dict)
    """Units installed, by the template's equipment id."""


@dataclass
class SiteList:
    """The rows of a site list, and the problems of the rows that could not be read."""

    source: str
    rows: list[SiteRow]
    problems: list[tuple[int, str]]
    """(line, message) of each row that could not be read."""


def _normal(header: str) -> str:
    return " ".join(str(header).replace("\ufeff", "").split()).casefold()


def _cells(path: Path) -> list[tuple[int, list[Any]]]:
    """(line, cells) of every row of a ``.csv`` or ``.xlsx`` file, the header first."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            content = path.read_bytes()
        except OSError as error:
            raise SiteListError(f"{path}: cannot read it: {error.strerror or error}") from None
        for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise SiteListError(f"{path}: not UTF-8 or GBK text; save it as CSV UTF-8")
        reader = csv.reader(io.StringIO(text, newline=""))
        rows = []
        try:
            for cells in reader:
                rows.append((reader.line_num, list(cells)))
        except csv.Error as error:
            raise SiteListError(f"{path}, line {reader.line_num}: {error}") from None
        return rows
    if suffix in (".xlsx", ".xlsm"):
        require("openpyxl", "openpyxl", "office", "reading Excel files")
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except OSError as error:
            raise SiteListError(f"{path}: cannot read it: {error.strerror or error}") from None
        except Exception as error:  # openpyxl raises many kinds for a file it cannot read
            raise SiteListError(
                f"{path}: not an Excel workbook openpyxl can read: {error}"
            ) from None
        sheet = book.worksheets[0]
        found = [(n, list(cells)) for n, cells in enumerate(sheet.iter_rows(values_only=True), 1)]
        book.close()
        return found
    raise SiteListError(f"{path}: expected a .xlsx or .csv file")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{what}: expected a number, got {value!r}")
    if isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(str(value).strip().replace("°", ""))
        except ValueError:
            raise ValueError(f"{what}: expected a number, got {str(value).strip()!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{what}: expected a finite number, got {value!r}")
    return number


def _units(value: Any, what: str) -> int:
    if _text(value) is None:
        return 0
    number = _number(value, what)
    if not number.is_integer() or number < 0:
        raise ValueError(f"{what}: expected a whole number of units (0 or more), got {value!r}")
    return int(number)


def read_site_list(path: str | Path, equipment: dict[str, str]) -> SiteList:
    """Read the site list at ``path``; ``equipment`` maps each header an equipment column may
    have (the template's equipment ids and names, case-folded) to the equipment id.

    Raises :class:`SiteListError` for a file that cannot be read or whose header is wrong
    (an unknown column, a missing name column); problems of single rows are collected in
    :attr:`SiteList.problems`.
    """
    path = Path(path)
    cells = _cells(path)
    while cells and all(_text(c) is None for c in cells[0][1]):
        cells.pop(0)  # blank lines above the header
    if not cells:
        raise SiteListError(f"{path}: the file is empty; the first row must be the header")
    header_line, header = cells[0]
    known = {_normal(alias): key for key, aliases in COLUMNS.items() for alias in aliases}
    fields: dict[int, str] = {}
    kinds: dict[int, str] = {}
    unknown = []
    for k, title in enumerate(header):
        name = _text(title)
        if name is None:
            continue
        key = _normal(name)
        if key in known:
            if known[key] in fields.values():
                raise SiteListError(
                    f"{path}, line {header_line}: two columns for {known[key]!r} ({name!r})"
                )
            fields[k] = known[key]
        elif key in equipment:
            if equipment[key] in kinds.values():
                raise SiteListError(
                    f"{path}, line {header_line}: two columns for equipment {equipment[key]!r}"
                )
            kinds[k] = equipment[key]
        else:
            unknown.append(name)
    named: dict[str, list[str]] = {}
    for header_name, kind in equipment.items():
        named.setdefault(kind, []).append(header_name)
    listed = "; ".join(f"{kind} ({' or '.join(names)})" for kind, names in sorted(named.items()))
    if unknown:
        raise SiteListError(
            f"{path}, line {header_line}: unknown column{'s' if len(unknown) > 1 else ''} "
            + ", ".join(repr(u) for u in unknown)
            + f"; an equipment column is headed by the template's equipment id or name"
            f" (known: {listed}); other columns: name, id, address, lat, lon, zone (or 名称, 编号,"
            " 地址, 纬度, 经度, 区域): see docs/sites-spreadsheet.md"
        )
    if "name" not in fields.values():
        raise SiteListError(
            f"{path}, line {header_line}: no name column (name, site, 名称 or 站点)"
        )
    if not kinds:
        raise SiteListError(
            f"{path}, line {header_line}: no equipment column; head one column per kind of"
            f" equipment with its id or name in the template (known: {listed})"
        )
    rows, problems = [], []
    for line, values in cells[1:]:
        if all(_text(v) is None for v in values):
            continue
        cell = {fields[k]: values[k] for k in fields if k < len(values)}
        try:
            rows.append(_row(line, cell, {kinds[k]: values[k] for k in kinds if k < len(values)}))
        except ValueError as error:
            problems.append((line, str(error)))
    return SiteList(str(path), rows, problems)


def _row(line: int, cell: dict[str, Any], equipment: dict[str, Any]) -> SiteRow:
    name = _text(cell.get("name"))
    if name is None:
        raise ValueError("no name")
    lat, lon = _text(cell.get("lat")), _text(cell.get("lon"))
    if (lat is None) != (lon is None):
        raise ValueError("give both latitude and longitude, or neither (then the address)")
    latitude = longitude = None
    if lat is not None and lon is not None:
        latitude, longitude = _number(lat, "latitude"), _number(lon, "longitude")
        if not -90 <= latitude <= 90:
            raise ValueError(f"latitude {latitude:g} is outside -90..90")
        if not -180 <= longitude <= 180:
            raise ValueError(f"longitude {longitude:g} is outside -180..180")
    address = _text(cell.get("address"))
    if latitude is None and address is None:
        raise ValueError("no address and no latitude/longitude")
    units = {kind: _units(value, kind) for kind, value in equipment.items()}
    if not any(units.values()):
        raise ValueError("no equipment (every quantity is empty or 0)")
    return SiteRow(
        line=line,
        name=name,
        id=_text(cell.get("id")),
        address=address,
        lat=latitude,
        lon=longitude,
        zone=_text(cell.get("zone")),
        equipment={k: n for k, n in units.items() if n},
    )
