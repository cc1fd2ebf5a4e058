"""A country's official days off and make-up working days, and the file's lists over them.

China moves working days around its statutory holidays (调休): a holiday of three days
becomes a week off, and the weekend days next to it become working days to make up for
the weekdays given away. The State Council publishes each year's schedule in the autumn
before; the ``chinese-calendar`` package keeps those notices as two tables of dates (days
off, and weekend days that are working days) and knows only the years published when it
was released.

The file's ``[calendar] holidays`` and ``workdays`` lists come on top of the package and
win over it: a date the file lists as a holiday is a day off even if the package makes it
a working day, and the other way round.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from simsvc.scenario.schema import Calendar

COUNTRY_NAMES = {"CN": "China"}
"""The countries ``[calendar] country`` takes, by ISO 3166 code."""

PACKAGES = {"CN": ("chinese_calendar", "chinese-calendar")}
"""Per country: the module that knows its calendar, and the package that installs it."""


class CalendarPackageMissing(ImportError):
    """The package that knows a country's calendar is not installed."""

    def __init__(self, country: str) -> None:
        module, package = PACKAGES[country]
        self.country = country
        super().__init__(
            f"calendar.country = {country!r} needs the package {package!r} (import"
            f" {module}), which is not installed: pip install {package}"
        )


@dataclass(frozen=True)
class OfficialDays:
    """What the package knows of a country's working calendar."""

    country: str
    holidays: frozenset[dt.date]
    """Days off: statutory holidays and the days moved next to them, weekends included."""
    workdays: frozenset[dt.date]
    """Weekend days that are working days (the make-up days of 调休)."""
    first_year: int
    last_year: int
    """The years the package knows (both included); outside them it knows nothing."""
    source: str
    """The package and its version, for messages: ``chinese-calendar 1.11.0``."""

    def covers(self, year: int) -> bool:
        """Whether the package knows ``year``'s holidays and make-up working days."""
        return self.first_year <= year <= self.last_year


def official_days(country: str) -> OfficialDays:
    """The official days of ``country`` (a key of :data:`COUNTRY_NAMES`).

    Raises :class:`CalendarPackageMissing` when the package is not installed.
    """
    if country not in PACKAGES:
        raise ValueError(f"no calendar package known for country {country!r}")
    try:
        import chinese_calendar
    except ImportError:
        raise CalendarPackageMissing(country) from None
    holidays = frozenset(_dates(chinese_calendar.holidays))
    workdays = frozenset(_dates(chinese_calendar.workdays))
    years = [d.year for d in holidays]
    version = str(getattr(chinese_calendar, "__version__", "")).strip()
    return OfficialDays(
        country=country,
        holidays=holidays,
        workdays=workdays,
        first_year=min(years),
        last_year=max(years),
        source=f"{PACKAGES[country][1]} {version}".strip(),
    )


def _dates(table: object) -> list[dt.date]:
    """The dates (keys) of one of the package's tables."""
    if not isinstance(table, dict):
        raise TypeError(f"expected a table of dates from the calendar package, got {type(table)}")
    return [d for d in table if isinstance(d, dt.date)]


def days_off_and_on(calendar: Calendar) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """The days off and the extra working days of ``calendar``.

    Without ``country`` these are the file's ``holidays`` and ``workdays``. With it, the
    country's official days, overridden by the file: a date in the file's ``holidays`` is
    a day off, a date in its ``workdays`` a working day, whatever the package says. (A
    date in both file lists is refused when the scenario is validated.)
    """
    holidays, workdays = frozenset(calendar.holidays), frozenset(calendar.workdays)
    if calendar.country is None:
        return holidays, workdays
    official = official_days(calendar.country)
    return (official.holidays - workdays) | holidays, (official.workdays - holidays) | workdays
