"""The scenario: an after-sales service operation and the commitments of its tender.

These pydantic models mirror the TOML file described in ``docs/scenario-format.md``
(every key with its ``description``: ``docs/scenario-keys.md``, generated from them)
table by table. They are pure data: validated once, frozen, and never written to
by the simulation. Durations are hours (see :mod:`simsvc.scenario.units`).

Unknown keys are errors, and every error names its key path
(``site[3].equipment.gate``); see :mod:`simsvc.scenario.errors`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict

from simsvc.scenario.errors import Problem, ScenarioError
from simsvc.scenario.ids import Id, IdRef, clean_sites, distinct_keys
from simsvc.scenario.units import (
    Constant,
    Distribution,
    Duration,
    Exponential,
    Lognormal,
    not_a_bool,
)

WEEKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_PERCENT = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*%\s*$")


def _check_span(value: str) -> str:
    match = _SPAN.match(value)
    if not match:
        raise ValueError(f"expected hours as 'HH:MM-HH:MM', got {value!r}")
    start = int(match[1]) * 60 + int(match[2])
    end = int(match[3]) * 60 + int(match[4])
    if end > 24 * 60 or start == end:
        raise ValueError(f"expected two different times of day in 'HH:MM-HH:MM', got {value!r}")
    return value


def _check_business_hours(value: str) -> str:
    start, end = (int(x[:2]) * 60 + int(x[3:]) for x in _check_span(value).split("-"))
    if end <= start:
        raise ValueError(f"business hours must end after they start on the same day, got {value!r}")
    return value


def _check_start(value: dt.date) -> dt.date:
    if not 1900 <= value.year <= 2200:
        raise ValueError(f"expected a date between 1900 and 2200, got {value}")
    return value


def _check_shift(value: str) -> str:
    if value in ("24x7", "business"):
        return value
    try:
        return _check_span(value)
    except ValueError:
        raise ValueError(f"expected '24x7', 'business' or 'HH:MM-HH:MM', got {value!r}") from None


def _check_stock_level(value: object) -> int | str:
    if isinstance(value, bool):
        raise ValueError(f"expected a number of units or a share such as '15%', got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"a stock level cannot be negative, got {value}")
        if value > 10_000_000:
            raise ValueError("a stock level above 10,000,000 units is not plausible")
        return value
    if isinstance(value, str) and (match := _PERCENT.match(value)):
        if float(match[1]) > 1000:
            raise ValueError(f"a stock share above 1000% is not plausible, got {value!r}")
        return value.strip()
    raise ValueError(f"expected a number of units or a share such as '15%', got {value!r}")


def _check_location(value: tuple[float, float]) -> tuple[float, float]:
    lat, lon = value
    if not -90 <= lat <= 90:
        raise ValueError(f"latitude must be within [-90, 90] degrees, got {lat}")
    if not -180 <= lon <= 180:
        raise ValueError(f"longitude must be within [-180, 180] degrees, got {lon}")
    return value


MAX_MONEY = 1e12
"""The largest amount of money a scenario may state for one unit (a year of an engineer,
a part, a breach): it keeps every total finite."""


def _check_money(value: float) -> float:
    if value > MAX_MONEY:
        raise ValueError(
            f"an amount above 1e12 ({MAX_MONEY:,.0f}) for one engineer, agent, part or breach"
            f" is not plausible; money is bounded so that every total stays finite, got {value:g}"
        )
    return value


Number = Annotated[float, BeforeValidator(not_a_bool)]
"""A number (an integer is read as one); ``true`` and ``false`` are refused."""
WholeNumber = Annotated[int, BeforeValidator(not_a_bool)]
"""A whole number; ``true`` and ``false`` are refused."""
Money = Annotated[
    float,
    BeforeValidator(not_a_bool),
    Field(ge=0, allow_inf_nan=False),
    AfterValidator(_check_money),
]
"""An amount of money in the scenario's currency: 0 to :data:`MAX_MONEY`."""


def _share(value: object) -> object:
    """A share as a number in [0, 1] or a percentage (``"95%"``); a number above 1 that
    reads as a percentage (``95``) is refused with the share it probably means."""
    value = not_a_bool(value)
    if isinstance(value, str) and (match := _PERCENT.match(value)):
        return float(match[1]) / 100
    if isinstance(value, int | float) and 2 <= value <= 100:
        raise ValueError(
            f"a share is at most 1: write {value / 100:g} for {value:g}% (or '{value:g}%')"
        )
    return value


def _goal(value: object) -> object:
    """A commitment's goal: a share, and a number above 1 says how to write a percentage."""
    value = _share(value)
    if (
        isinstance(value, int | float)
        and value > 1
        and (isinstance(value, int) or math.isfinite(value))
    ):
        # an int of any size is finite; a huge one is not shown in full (nor as a float)
        shown = f"{value:g}" if value < 1e15 else "a number above 1e15"
        raise ValueError(f"a goal is a share between 0 and 1: write 0.95 for 95%, got {shown}")
    return value


Share = Annotated[
    float,
    BeforeValidator(_share, json_schema_input_type=float | str),
    Field(ge=0, le=1, allow_inf_nan=False),
]
"""A share in [0, 1]: a number such as ``0.95`` or a percentage such as ``"95%"``."""
PositiveDuration = Annotated[Duration, Field(gt=0)]
Shift = Annotated[str, AfterValidator(_check_shift)]
Location = Annotated[
    tuple[
        Annotated[Number, Field(allow_inf_nan=False)],
        Annotated[Number, Field(allow_inf_nan=False)],
    ],
    AfterValidator(_check_location),
]
StockLevel = Annotated[int | str, BeforeValidator(_check_stock_level)]
StockLevelUnits = Annotated[WholeNumber, Field(ge=0, le=1_000)]
"""Units of a part (van stock: a whole number, no shares)."""
Weekday = Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_WORKWEEK: tuple[Weekday, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri")
Metric = Literal["response", "arrival", "resolution", "remote", "assigned", "visit"]
"""A commitment's clock: ``response`` (report to the desk's answer), ``arrival`` (report to
the first engineer on site), ``resolution`` (report to service restored), ``remote`` (hand-over
to the remote login, for incidents with a remote attempt), ``assigned`` (report to the
dispatch decision that sends the first engineer), ``visit`` (the decision to send an engineer,
after a failed remote attempt say, to the engineer on site)."""
Clock = Literal["24x7", "business"]
Country = Literal["CN"]
"""Countries whose official working calendar is known (ISO 3166 codes)."""
_SHIFT = "'24x7', 'business' or 'HH:MM-HH:MM' every day"
_PER_YEAR: JsonDict = {"unit": "CNY/yr"}
Period = Literal["month", "quarter", "year", "horizon"]
Criterion = Literal["mean", "risk"]
"""``mean``: met when attainment's lower bound reaches the goal; ``risk``: met when the
breach risk's upper bound is at most ``[plan] max_breach_risk``."""


def _check_monthly(weights: list[float]) -> list[float]:
    if len(weights) != 12:
        raise ValueError(f"expected 12 weights (January first), got {len(weights)}")
    if not any(w > 0 for w in weights):
        raise ValueError("at least one weight must be positive")
    return weights


MonthlyWeights = Annotated[
    list[Annotated[Number, Field(ge=0, allow_inf_nan=False)]], AfterValidator(_check_monthly)
]
"""12 relative weights of the fault rate, January first; scaled so that their mean over
the days of a 365-day year is 1 (see :mod:`simsvc.model.demand`)."""


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioInfo(_Table):
    """``[scenario]``: name, simulated period and replications."""

    name: str = Field(min_length=1, description="the scenario's name, shown on every output")
    name_zh: str = Field(default="", description="its Chinese name, for --lang zh outputs")
    description: str = Field(default="", description="free text shown in reports")
    horizon: Annotated[Duration, Field(ge=1.0)] = Field(
        default=365 * 24.0, description="simulated period whose incidents are counted"
    )
    warmup: Duration = Field(
        default=0.0, description="simulated before the horizon, its incidents not counted"
    )
    replications: WholeNumber = Field(
        default=10, ge=1, le=100_000, description="independent runs of the horizon"
    )
    seed: WholeNumber = Field(
        default=20261122, ge=0, lt=2**128, description="seed of every random draw"
    )
    currency: str = Field(default="CNY", description="the currency of every amount of money")


class Calendar(_Table):
    """``[calendar]``: business hours and days, the first day of the horizon, the
    country whose official calendar applies, and the file's own holidays and workdays.

    Precedence: the file's ``holidays`` and ``workdays`` override the country's package
    (:mod:`simsvc.model.official_days`); a date may not be in both file lists.
    """

    business_hours: Annotated[str, AfterValidator(_check_business_hours)] = Field(
        default="09:00-18:00", description="business hours of a business day, 'HH:MM-HH:MM'"
    )
    business_days: list[Weekday] = Field(
        default_factory=lambda: list(_WORKWEEK), description="days with business hours"
    )
    start: Annotated[dt.date, AfterValidator(_check_start)] = Field(
        default=dt.date(2027, 1, 4), description="the first day of the horizon"
    )
    country: Country | None = Field(
        default=None, description="official holidays and make-up working days of a country"
    )
    holidays: list[dt.date] = Field(default_factory=list, description="days without business hours")
    workdays: list[dt.date] = Field(
        default_factory=list, description="working days even on a weekend or official holiday"
    )


class Severity(_Table):
    """``[[severity]]``: a fault level, its handling and its on-site work (hours)."""

    id: Id = Field(description="referenced by commitments, equipment and penalties")
    name: str = Field(default="", description="free text shown beside the id")
    name_zh: str = Field(default="", description="its Chinese name, for --lang zh outputs")
    priority: WholeNumber = Field(
        default=0,
        ge=0,
        le=1_000_000,
        description="1 is served first; equal priority is first come, first served; 0 means"
        " by file order",
    )
    remote_fix: Share = Field(default=0.0, description="share of incidents fixed remotely")
    remote_attempt: Share | None = Field(
        default=None,
        description="share of incidents with a remote attempt (at least remote_fix; "
        "default remote_fix: every attempt succeeds)",
    )
    remote_time: Distribution = Field(
        default=Constant(value=1.0), description="a remote attempt, fixed or not"
    )
    dispatch_during_remote: StrictBool = Field(
        default=False,
        description="send an engineer at once while the remote attempt runs (else only "
        "after it fails)",
    )
    onsite_time: Distribution = Field(
        default=Lognormal(dist="lognormal", mean_=2.0, cv_=0.5),
        description="diagnosis and repair on site",
    )
    part_need: Share = Field(default=0.0, description="share of visits that need a spare part")
    diagnosis_time: Distribution | None = Field(
        default=None,
        description="on site at a first visit that lacks the part, before the engineer leaves"
        " and the part is ordered (default: none, the engineer leaves at once)",
    )
    swap_after: PositiveDuration | None = Field(
        default=None,
        description="if the repair would end later than this from the report, swap in a spare"
        " unit (the equipment's spare_unit)",
    )
    swap_time: PositiveDuration = Field(default=0.5, description="time to swap in a spare unit")
    escalate: Share = Field(
        default=0.0,
        description="share of visits the own engineer cannot fix: escalated to the manufacturer",
    )
    vendor_time: Distribution = Field(
        default=Constant(value=24.0),
        description="from the escalation (end of the diagnosis on site) to the fix",
    )
    vendor_visit: StrictBool = Field(
        default=True,
        description="the manufacturer's engineer fixes it (own engineer leaves); false: the"
        " own engineer stays on site until the fix",
    )

    @property
    def attempt_share(self) -> float:
        """The share of incidents with a remote attempt: ``remote_attempt``, else ``remote_fix``."""
        return self.remote_fix if self.remote_attempt is None else self.remote_attempt


class Commitment(_Table):
    """``[[commitment]]``: one row of the tender's service table."""

    id: Id | None = Field(
        default=None,
        description="default: a readable label (severity-metric-bound-clock-zone)",
    )
    severity: IdRef = Field(description="the severity id it applies to")
    metric: Metric = Field(description="the clock: see 'Meaning of the clocks'")
    within: PositiveDuration = Field(description="the bound the clock must stay within")
    goal: Annotated[
        float, BeforeValidator(_goal, json_schema_input_type=float | str), Field(gt=0, le=1)
    ] = Field(default=0.95, description="share of counted incidents that must meet it")
    clock: Clock = Field(
        default="24x7",
        description="'24x7' (elapsed time) or 'business' (only business hours count)",
    )
    zone: Id | None = Field(
        default=None, description="only incidents at sites of this zone (default: all)"
    )
    period: Period | None = Field(
        default=None,
        description="assessment period: month, quarter, year or horizon; default [plan] period",
    )

    @property
    def label(self) -> str:
        """A short name such as ``L1 arrival <= 2h (city)``."""
        from simsvc.scenario.units import format_hours

        zone = f" ({self.zone})" if self.zone else ""
        clock = " business" if self.clock == "business" else ""
        return f"{self.severity} {self.metric} <= {format_hours(self.within)}{clock}{zone}"

    @property
    def default_id(self) -> str:
        """The id a commitment without one gets: ``L1-arrival-2h-business-city``."""
        from simsvc.scenario.units import format_hours

        parts = [self.severity, self.metric, format_hours(self.within)]
        parts += ["business"] if self.clock == "business" else []
        parts += [self.zone] if self.zone else []
        return "-".join(parts)


class Desk(_Table):
    """``[desk]``: the service desk that answers fault reports."""

    agents: WholeNumber = Field(default=1, ge=0, le=10_000, description="agents who answer reports")
    shift: Shift = Field(default="24x7", description=_SHIFT)
    handle_time: Distribution = Field(
        default=Exponential(dist="exponential", mean_=10 / 60),
        description="an agent's handling of one report",
    )


class Remote(_Table):
    """``[remote]``: the second-line remote engineers who take the remote attempts.

    Without it, the desk agent who answered does the remote attempt (and stays busy
    for it); without a desk either, remote attempts start at once and use nobody's time.
    """

    agents: WholeNumber = Field(
        default=1, ge=0, le=10_000, description="remote engineers who make the attempts"
    )
    shift: Shift = Field(default="24x7", description=_SHIFT + "; off shift, attempts wait")


class Roster(_Table):
    """``[[roster]]``: a rota of people: a working day's hours, days on and off in a cycle
    from ``[calendar] start``, and whether holidays are worked."""

    id: Id = Field(description="the roster's id, named by a base's roster")
    name: str = Field(default="", description="free text shown beside the id")
    shift: Annotated[str, AfterValidator(_check_span)] = Field(
        description="a working day's hours, HH:MM-HH:MM (past midnight for a night shift)"
    )
    days_on: WholeNumber = Field(default=5, ge=1, le=366, description="working days in a row")
    days_off: WholeNumber = Field(default=2, ge=0, le=366, description="then days off in a row")
    holidays: Literal["worked", "off"] = Field(
        default="worked", description="whether the rota works on holidays or takes them off"
    )
    crews: WholeNumber = Field(
        default=1,
        ge=1,
        le=366,
        description="crews the people are split into, each starting the cycle a share of it"
        " later (2 crews on 4 on, 4 off: one crew on every day)",
    )


class OnCall(_Table):
    """``[base.on_call]``: engineers on call outside the base's hours for listed severities."""

    engineers: WholeNumber = Field(default=1, ge=0, le=10_000, description="posts on call")
    severities: list[IdRef] = Field(
        min_length=1, description="severity ids they are called out for"
    )
    callout: Duration = Field(
        default=0.5, description="hours from the call to setting off from base"
    )


class Base(_Table):
    """``[[base]]``: a service centre where engineers start and return."""

    id: Id = Field(description="the base's id")
    name: str = Field(default="", description="free text shown beside the id")
    name_zh: str = Field(default="", description="its Chinese name, for --lang zh outputs")
    location: Location = Field(description="[latitude, longitude]")
    engineers: WholeNumber = Field(
        ge=0,
        le=10_000,
        description="posts on duty whenever the shift is on; with a roster, the people on it",
    )
    shift: Shift = Field(default="24x7", description=_SHIFT)
    roster: IdRef | None = Field(
        default=None, description="a [[roster]] id: the engineers are people on that rota"
    )
    depot: IdRef | None = Field(
        default=None,
        description="the depot its engineers draw parts from (default: the nearest that"
        " supplies no other)",
    )
    on_call: OnCall | None = Field(
        default=None,
        description="engineers on call outside the base's daily hours, for some severities",
    )
    van: Annotated[dict[IdRef, StockLevelUnits], BeforeValidator(distinct_keys)] = Field(
        default_factory=dict,
        description="units of each part every engineer of the base carries in the van",
    )
    van_restock: Duration = Field(
        default=24.0,
        description="hours from the depot handing out a van's replacement to its being in the van",
    )
    skills: list[Id] = Field(
        default_factory=list,
        description="skills its engineers have (they also take jobs that need none)",
    )


class Depot(_Table):
    """``[[depot]]``: spare stock per part and its one-for-one resupply.

    A depot with a ``supplier`` (another depot's id) is resupplied from that depot's
    stock, each unit ``supply_time`` hours after it leaves the supplier (default: the
    courier time between the two depots); a depot without one is resupplied after
    ``resupply`` hours from an unlimited source (see :mod:`simsvc.model.depots`). A depot
    with a ``repair_time`` repairs failed repairable units in its shop, ``repair_capacity``
    at once (see :mod:`simsvc.model.repair`).
    """

    id: Id = Field(description="the depot's id")
    name: str = Field(default="", description="free text shown beside the id")
    name_zh: str = Field(default="", description="its Chinese name, for --lang zh outputs")
    location: Location = Field(description="[latitude, longitude]")
    stock: Annotated[dict[IdRef, StockLevel], BeforeValidator(distinct_keys)] = Field(
        default_factory=dict,
        description="base stock per part id: units, or '15%' of the installed units that use it",
        json_schema_extra={"unit": "units"},
    )
    resupply: Distribution = Field(
        default=Constant(value=14 * 24.0),
        description="time to replace a unit taken from stock (a depot without supplier)",
    )
    supplier: IdRef | None = Field(
        default=None, description="a depot id: replacement units come from that depot's stock"
    )
    supply_time: Distribution | None = Field(
        default=None, description="from the supplier to here; default: the courier time"
    )
    repair_time: Distribution | None = Field(
        default=None,
        description="repair of a failed unit of a repairable part here; without it failed"
        " units are replaced",
    )
    repair_capacity: Annotated[WholeNumber | None, Field(ge=1, le=100_000)] = Field(
        default=None,
        description="units the repair shop repairs at once; more wait first come, first"
        " served (default: no limit)",
        json_schema_extra={"unit": "units"},
    )
    nff_time: Distribution = Field(
        default=Constant(value=24.0),
        description="a returned unit with no fault found: from its return to back in stock"
        " (tested, not repaired)",
    )


class Part(_Table):
    """``[[part]]``: a spare part (or a whole replacement unit).

    A ``repairable`` part's failed unit goes back to the depot that gave the good one and,
    where that depot has a ``repair_time``, is repaired there and returns to its stock; a
    ``condemnation`` share of failed units is scrapped and replaced as a consumable is. A
    ``no_fault_found`` share of returned units has no fault: tested, it is back in stock
    after the depot's ``nff_time``.
    """

    id: Id = Field(description="referenced by stock, equipment parts and spare_unit")
    name: str = Field(default="", description="free text shown beside the id")
    name_zh: str = Field(default="", description="its Chinese name, for --lang zh outputs")
    unit_cost: Money = Field(
        default=0.0, description="the cost of one unit", json_schema_extra={"unit": "CNY"}
    )
    repairable: StrictBool = Field(
        default=False, description="a failed unit goes back to the depot that gave the good one"
    )
    condemnation: Share = Field(
        default=0.0,
        description="share of failed repairable units (with a fault found) scrapped and replaced",
    )
    no_fault_found: Share = Field(
        default=0.0,
        description="share of returned repairable units with no fault: back in stock after"
        " the depot's nff_time, never repaired nor condemned",
    )


class Equipment(_Table):
    """``[[equipment]]``: a kind of installed unit, its failure rate and fault mix."""

    id: Id = Field(description="referenced by sites, bursts and changes")
    name: str = Field(default="", description="free text shown beside the id")
    name_zh: str = Field(default="", description="its Chinese name, for --lang zh outputs")
    failures_per_year: Annotated[Number, Field(gt=0, le=1e6, allow_inf_nan=False)] = Field(
        description="fault reports per installed unit", json_schema_extra={"unit": "per unit/yr"}
    )
    severity_mix: Annotated[dict[IdRef, Share], BeforeValidator(distinct_keys)] = Field(
        min_length=1, description="share of its faults per severity id; the shares sum to 1"
    )
    parts: Annotated[dict[IdRef, Share], BeforeValidator(distinct_keys)] = Field(
        default_factory=dict,
        description="which part a visit needs, when it needs one: share per part id",
    )
    spare_unit: IdRef | None = Field(
        default=None, description="the part that is a whole replacement unit (the swap rule)"
    )
    skill: IdRef | None = Field(
        default=None, description="the skill an engineer needs to work on it (a base's skills)"
    )
    monthly: MonthlyWeights | None = Field(
        default=None,
        description="12 relative weights of its fault rate by month, January first; default"
        " [arrivals] monthly_profile",
    )


class InstalledChange(_Table):
    """An entry of ``[[site]] changes``: units of one equipment added from a date (or
    retired, when ``units`` is negative), from midnight at the start of that date."""

    date: Annotated[dt.date, AfterValidator(_check_start)] = Field(
        description="the day the change takes effect (from midnight)"
    )
    equipment: IdRef = Field(description="the equipment id added or retired")
    units: Annotated[WholeNumber, Field(ge=-10_000_000, le=10_000_000)] = Field(
        description="units added (> 0) or retired (< 0)", json_schema_extra={"unit": "units"}
    )


class Site(_Table):
    """``[[site]]``: a place with installed equipment."""

    id: Id = Field(description="the site's id")
    name: str = Field(default="", description="free text shown beside the id")
    location: Location = Field(description="[latitude, longitude]")
    zone: Id | None = Field(
        default=None,
        description="a zone name, for commitments, inspections and bursts by zone"
        " (its Chinese name: [names.zh])",
    )
    equipment: Annotated[
        dict[IdRef, Annotated[WholeNumber, Field(ge=0, le=10_000_000)]],
        BeforeValidator(distinct_keys),
    ] = Field(
        min_length=1,
        description="installed units per equipment id at the start",
        json_schema_extra={"unit": "units"},
    )
    changes: list[InstalledChange] = Field(
        default_factory=list,
        description="units added or retired on dates; equipment is the start",
    )


class Inspection(_Table):
    """``[[inspection]]``: preventive visits to sites every ``every`` hours."""

    id: IdRef | None = Field(default=None, description="a name for the inspection")
    every: PositiveDuration = Field(description="time between two inspections of a site")
    duration: PositiveDuration = Field(description="time on site for one inspection")
    sites: Annotated[str | list[str], BeforeValidator(clean_sites)] = Field(
        default="all", description="'all', a zone name, or a list of site ids"
    )
    clock: Clock = Field(
        default="business",
        description="'business': done in business hours; '24x7': at any hour",
    )
    months: list[Annotated[WholeNumber, Field(ge=1, le=12)]] | None = Field(
        default=None, description="only in these months (1 is January); default every month"
    )


def _names(value: object) -> object:
    """One name (``"ahu"``) or a list of names."""
    return [value] if isinstance(value, str) else value


class Burst(_Table):
    """``[[burst]]``: spells of raised fault rates (storms, power cuts).

    Spells start as a Poisson process of ``per_year`` a year and each lasts ``duration``
    hours; while one is on, the fault rate of the equipment it covers (``equipment`` at
    sites in ``zones``; all when left out) is multiplied by ``factor``. Spells that
    overlap add their excess: two at once give ``1 + 2 (factor - 1)``.
    """

    id: Id | None = Field(default=None, description="the burst's id")
    name: str = Field(default="", description="free text shown beside the id")
    per_year: Annotated[Number, Field(gt=0, le=1000, allow_inf_nan=False)] = Field(
        description="spells a year on average (a Poisson process)",
        json_schema_extra={"unit": "per yr"},
    )
    duration: Annotated[Duration, Field(gt=0, le=366 * 24.0)] = Field(
        description="how long each spell lasts (at most 366 days)"
    )
    factor: Annotated[Number, Field(ge=1, le=1000, allow_inf_nan=False)] = Field(
        description="while a spell is on, the rate of what it covers is multiplied by this",
        json_schema_extra={"unit": "x"},
    )
    equipment: Annotated[list[IdRef] | None, BeforeValidator(_names), Field(min_length=1)] = Field(
        default=None, description="only these equipment ids (default every kind)"
    )
    zones: Annotated[list[Id] | None, BeforeValidator(_names), Field(min_length=1)] = Field(
        default=None, description="only sites of these zones (default every site)"
    )


class Travel(_Table):
    """``[travel]``: how engineers get to sites."""

    speed_kmh: Annotated[Number, Field(gt=0, le=2000, allow_inf_nan=False)] = Field(
        default=40.0, description="mean driving speed", json_schema_extra={"unit": "km/h"}
    )
    road_factor: Annotated[Number, Field(ge=1, le=10, allow_inf_nan=False)] = Field(
        default=1.3, description="road distance / straight-line distance"
    )
    cv: Annotated[Number, Field(ge=0, le=5, allow_inf_nan=False)] = Field(
        default=0.25,
        description="coefficient of variation of each trip's time (lognormal, mean 1)",
    )
    part_delivery: Literal["instant", "courier", "engineer"] = Field(
        default="instant",
        description="how a part not in the van reaches the site from the depot: at hand,"
        " by courier (the engineer waits), or the engineer drives to the depot and back",
    )
    lookahead: Annotated[Duration, Field(ge=0, le=24 * 7)] = Field(
        default=0.0,
        description="a job waits up to this long (hours) for a nearer engineer about to free",
    )
    dispatch_radius_km: Annotated[Number | None, Field(gt=0, le=20_000, allow_inf_nan=False)] = (
        Field(
            default=None,
            description="km of road: no engineer is sent from farther (a job waits for one nearer)",
        )
    )


class Arrivals(_Table):
    """``[arrivals]``: relative weights of fault reports by hour of day, day of week and
    (for equipment without its own ``monthly``) calendar month."""

    hourly_profile: list[Annotated[Number, Field(ge=0, allow_inf_nan=False)]] = Field(
        default_factory=lambda: [1.0] * 24,
        description="24 relative weights of fault reports, midnight to 1:00 first",
    )
    weekly_profile: list[Annotated[Number, Field(ge=0, allow_inf_nan=False)]] = Field(
        default_factory=lambda: [1.0] * 7, description="7 relative weights, Monday first"
    )
    monthly_profile: MonthlyWeights | None = Field(
        default=None,
        description="12 weights by calendar month, January first, for equipment without monthly",
    )

    @field_validator("hourly_profile")
    @classmethod
    def _hourly(cls, weights: list[float]) -> list[float]:
        if len(weights) != 24:
            raise ValueError(f"expected 24 weights (one per hour), got {len(weights)}")
        if sum(weights) <= 0:
            raise ValueError("at least one weight must be positive")
        return weights

    @field_validator("weekly_profile")
    @classmethod
    def _weekly(cls, weights: list[float]) -> list[float]:
        if len(weights) != 7:
            raise ValueError(f"expected 7 weights (Monday first), got {len(weights)}")
        if sum(weights) <= 0:
            raise ValueError("at least one weight must be positive")
        return weights


class Costs(_Table):
    """``[costs]``: yearly costs of resources and penalties per breach."""

    engineer_per_year: Money = Field(
        default=0.0,
        description="the yearly cost of one person (a post costs the people it takes, [staffing])",
        json_schema_extra=_PER_YEAR,
    )
    desk_agent_per_year: Money = Field(
        default=0.0, description="the yearly cost of one desk person", json_schema_extra=_PER_YEAR
    )
    remote_agent_per_year: Money = Field(
        default=0.0,
        description="the yearly cost of one remote engineer ([remote])",
        json_schema_extra=_PER_YEAR,
    )
    callout: Money = Field(default=0.0, description="cost of one call-out of an engineer on call")
    on_call_per_year: Money = Field(
        default=0.0,
        description="allowance a year for each post on call",
        json_schema_extra=_PER_YEAR,
    )
    holding_rate: Annotated[Number, Field(ge=0, le=10, allow_inf_nan=False)] = Field(
        default=0.25,
        description="yearly cost of holding a part, as a share of its unit cost",
        json_schema_extra={"unit": "share/yr"},
    )
    penalty: Annotated[dict[IdRef, Money], BeforeValidator(distinct_keys)] = Field(
        default_factory=dict,
        description="money per breached incident (one whose clock missed its commitment),"
        " per severity id",
        json_schema_extra={"unit": "CNY"},
    )


class Names(_Table):
    """``[names]``: names in other languages of things that have no table of their own."""

    zh: Annotated[dict[Id, str], BeforeValidator(distinct_keys)] = Field(
        default_factory=dict,
        description="Chinese name per zone (zone = name_zh), for --lang zh outputs",
    )


class Staffing(_Table):
    """``[staffing]``: what a person gives a post: paid hours a year, less shrinkage."""

    hours_per_year: Annotated[Number, Field(ge=100, le=8760, allow_inf_nan=False)] = Field(
        default=2000.0,
        description="paid working hours of one person a year (China: 250 days x 8 h = 2000)",
    )
    shrinkage: Annotated[float, BeforeValidator(_share), Field(ge=0, le=0.9)] = Field(
        default=0.0,
        description="share of paid hours lost to leave, training and sickness",
    )


class PlanBounds(_Table):
    """``[plan]``: how verdicts are reached (confidence, period, criterion) and the
    planner's search bounds."""

    confidence: Annotated[Number, Field(ge=0.5, le=0.9999)] = Field(
        default=0.95,
        description="confidence of every interval and verdict (0.5 to 0.9999)",
        json_schema_extra={"unit": "share"},
    )
    period: Period = Field(
        default="horizon", description="the default assessment period of commitments"
    )
    criterion: Criterion = Field(
        default="mean",
        description="'mean': met when attainment's lower bound reaches the goal; 'risk': met"
        " when the breach risk's upper bound is at most max_breach_risk",
    )
    max_breach_risk: Annotated[
        float, BeforeValidator(_share, json_schema_input_type=float | str), Field(gt=0, lt=1)
    ] = Field(
        default=0.05,
        description="under 'risk': the largest share of periods allowed to miss the goal",
        json_schema_extra={"unit": "share"},
    )
    max_engineers_per_base: WholeNumber = Field(
        default=20, ge=0, le=10_000, description="the planner's bound on engineers per base"
    )
    max_desk_agents: WholeNumber = Field(
        default=20, ge=0, le=10_000, description="the planner's bound on desk agents"
    )
    max_remote_agents: WholeNumber = Field(
        default=20, ge=0, le=10_000, description="the planner's bound on remote engineers"
    )
    max_stock_per_part: WholeNumber = Field(
        default=50,
        ge=0,
        le=1_000_000,
        description="the planner's bound on stock per depot and part",
        json_schema_extra={"unit": "units"},
    )


class _Memo:
    """A value computed once from a field, kept beside a frozen model.

    It takes no part in the model's equality (two equal scenarios are equal whether or
    not either has computed it), and it remembers which field value it was computed
    from, so a ``model_copy`` with that field changed computes it afresh.
    """

    def __init__(self) -> None:
        self.source: object = None
        self.value: dict[str, int] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Memo)

    __hash__ = None  # type: ignore[assignment]


class Scenario(_Table):
    """A whole scenario file. Build it with :func:`simsvc.load_scenario`."""

    _priorities: _Memo = PrivateAttr(default_factory=_Memo)
    _shift_hours: dict[tuple[str, int, int], float] = PrivateAttr(default_factory=dict)

    scenario: ScenarioInfo = Field(description="name, simulated period and replications")
    calendar: Calendar = Field(
        default=Calendar(), description="business hours and days, the first day, holidays"
    )
    severity: list[Severity] = Field(min_length=1, description="the fault levels")
    commitment: list[Commitment] = Field(
        min_length=1, description="the rows of the tender's service table"
    )
    desk: Desk | None = Field(
        default=None, description="the service desk; without it reports are answered at once"
    )
    remote: Remote | None = Field(
        default=None,
        description="second-line remote engineers; without it the desk agent makes the attempt",
    )
    roster: list[Roster] = Field(
        default_factory=list, description="rotas of people that bases may staff with"
    )
    base: list[Base] = Field(min_length=1, description="service centres with engineers")
    depot: list[Depot] = Field(
        default_factory=list, description="spare stock; without depots visits never need parts"
    )
    part: list[Part] = Field(default_factory=list, description="spare parts and their costs")
    equipment: list[Equipment] = Field(
        min_length=1, description="kinds of installed unit, their failure rates and fault mixes"
    )
    site: list[Site] = Field(min_length=1, description="places with installed equipment")
    inspection: list[Inspection] = Field(
        default_factory=list, description="preventive visits, after every fault in priority"
    )
    burst: list[Burst] = Field(
        default_factory=list, description="spells of raised fault rates (storms, power cuts)"
    )
    travel: Travel = Field(default=Travel(), description="how engineers get to sites")
    arrivals: Arrivals | None = Field(
        default=None, description="the shape of fault reports by hour, weekday and month"
    )
    costs: Costs = Field(default=Costs(), description="yearly costs and penalties")
    staffing: Staffing = Field(
        default=Staffing(), description="what a person gives a post: paid hours, shrinkage"
    )
    names: Names = Field(
        default=Names(), description="names in other languages of zones (no table of their own)"
    )
    plan: PlanBounds = Field(
        default=PlanBounds(), description="verdicts (confidence, period, criterion) and bounds"
    )

    @model_validator(mode="after")
    def _cross_check(self) -> Scenario:
        from simsvc.scenario.references import cross_check

        problems = list(cross_check(self))
        if problems:
            raise ScenarioError(problems)
        return self

    def commitment_ids(self) -> tuple[str, ...]:
        """Each commitment's ``id``, or its :attr:`~Commitment.default_id`; all distinct.

        A default that repeats another id gets ``-2``, ``-3`` ... in file order.
        """
        given = {c.id for c in self.commitment if c.id is not None}
        ids: list[str] = []
        for commitment in self.commitment:
            if commitment.id is not None:
                ids.append(commitment.id)
                continue
            candidate, n = commitment.default_id, 1
            while candidate in given or candidate in ids:
                n += 1
                candidate = f"{commitment.default_id}-{n}"
            ids.append(candidate)
        return tuple(ids)

    def evolve(self, changes: Mapping[str, Any]) -> Scenario:
        """A variant with each path of ``changes`` set to its value, validated like a file.

        ``scenario.evolve({"base.north.engineers": 4, "depot.central.stock.psu": "15%"})``;
        see :mod:`simsvc.scenario.variant` for the paths. Raises
        :class:`~simsvc.scenario.errors.ScenarioError` naming the key path of a bad value.
        """
        from simsvc.scenario.variant import evolve

        return evolve(self, changes)

    @property
    def shift_hours_memo(self) -> dict[tuple[str, int, int], float]:
        """On-shift hours a year by shift, as :func:`simsvc.staffing.shift_hours_per_year`
        computed them for this scenario (a private memo; variants start afresh)."""
        return self._shift_hours

    def period_of(self, commitment: Commitment) -> Period:
        """The period a commitment is assessed over: its own, else ``[plan] period``."""
        return commitment.period or self.plan.period

    def priority_of(self, severity_id: str) -> int:
        """The dispatch priority of a severity (1 first); by file order when not given."""
        memo = self._priorities
        if memo.source is not self.severity:  # computed once per list of severities
            priorities: dict[str, int] = {}
            for index, severity in enumerate(self.severity):
                priorities.setdefault(severity.id, severity.priority or index + 1)
            memo.value, memo.source = priorities, self.severity
        return memo.value[severity_id]

    def with_resources(
        self,
        engineers: Mapping[str, int] | None = None,
        agents: int | None = None,
        stock: Mapping[tuple[str, str], int | str] | None = None,
        remote: int | None = None,
        van: Mapping[tuple[str, str], int] | None = None,
    ) -> Scenario:
        """A variant with other engineers per base id, desk agents, stock per (depot, part),
        remote engineers or van stock per (base, part) (units every engineer carries).

        Built by :meth:`evolve`: an unknown base, depot or part, or a value the file could
        not hold, raises :class:`~simsvc.scenario.errors.ScenarioError` with its key path.
        """
        changes: dict[str, Any] = {}
        for base, count in (engineers or {}).items():
            changes[f"base.{base}.engineers"] = count
        if agents is not None:
            if self.desk is None:
                raise ScenarioError(
                    [Problem(("desk",), "the scenario has no [desk] to staff with agents")],
                    "variant",
                )
            changes["desk.agents"] = agents
        if remote is not None:
            if self.remote is None:
                raise ScenarioError(
                    [Problem(("remote",), "the scenario has no [remote] tier to staff")],
                    "variant",
                )
            changes["remote.agents"] = remote
        for (depot, part), level in (stock or {}).items():
            changes[f"depot.{depot}.stock.{part}"] = level
        for (base, part), units in (van or {}).items():
            changes[f"base.{base}.van.{part}"] = units
        return self.evolve(changes) if changes else self


def keys_at(path: tuple[str | int, ...]) -> list[str]:
    """The keys the table at a key path of the file takes (``[]`` if it is not a table)."""
    model: type[BaseModel] = Scenario
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        inner = _table_type(field.annotation)
        if inner is None:
            return []
        model = inner
    return [field.alias or name for name, field in model.model_fields.items()]


def _table_type(annotation: Any) -> type[BaseModel] | None:
    """The table (model) an annotation holds: ``Desk``, ``list[Site]``, ``Desk | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _table_type(argument)
        if found is not None:
            return found
    return None
