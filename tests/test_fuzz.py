"""Fuzzing the scenario reader: no input may crash simsvc, every error must be actionable.

Each case starts from a valid scenario (``tests/data/small.toml`` and ``scenarios/*.toml``)
and breaks it, either in its parsed structure (wrong types, missing keys, unknown keys,
extreme, negative, NaN and infinite values, unicode and path-like ids, huge counts, empty
tables, duplicated entries, deeply nested junk), written back as TOML; or in its bytes
(edits, truncation, repeated or dropped lines, TOML punctuation, invalid UTF-8).

The property, for every case:

- :func:`simsvc.load_scenario` either returns a scenario or raises
  :class:`simsvc.ScenarioError`, each of whose problems has a message and a non-empty
  key path or a TOML line; nothing else escapes;
- a valid scenario cut to a few days and one replication, when cheap, simulates and
  summarises without an exception;
- ``simsvc validate FILE`` returns 0 for a valid file and 2 for the others, never
  printing a traceback.

- a valid scenario's yearly costs are finite, whatever it breaches.

Properties aimed at what earlier fuzzing found (issue 11): a boolean where a number is
expected is refused at its key path; money too large to sum is refused, or every total
stays finite; an id with an invisible character is refused naming its code point; an id
longer than 100 characters is refused at its key path.

Two modes: a few hundred cases on every run, and ``pytest -m fuzz``, at least 10,000.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import math
import os
import tempfile
import tomllib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simsvc
from simsvc import scenario as sc
from simsvc.cli.main import main
from simsvc.cost import yearly_cost
from simsvc.memory import check_size, expected_inspections
from simsvc.model.faults import expected_faults
from simsvc.results import RunResult, summarise

ROOT = Path(__file__).resolve().parents[1]
BASE_FILES = [
    ROOT / "tests" / "data" / "small.toml",
    *sorted((ROOT / "scenarios").glob("*.toml"), key=lambda p: p.stat().st_size),
]
TEXTS: dict[str, bytes] = {p.name: p.read_bytes() for p in BASE_FILES}
DATA: dict[str, dict[str, Any]] = {p.name: tomllib.loads(p.read_text("utf-8")) for p in BASE_FILES}
NAMES = list(TEXTS)  # the smallest first: hypothesis shrinks towards it
# provincial_hvac.toml (2,200 sites) takes about 0.9 s a case, the others 0.03-0.08 s: it is
# drawn 1 time in 14, small.toml 4 times, the other five twice.
WEIGHTED_NAMES = [NAMES[0]] * 4 + [n for n in NAMES[1:-1] for _ in range(2)] + [NAMES[-1]]

SMALL_EXAMPLES = 150
LARGE_EXAMPLES = 10_000

# -- values -----------------------------------------------------------------------------------

NAN, INF = math.nan, math.inf
EXTREME_NUMBERS: list[Any] = [
    0, -1, 1, 2, -0.0, 0.5, -0.5, 1.5, 5e-324, 1e-300, 1e15, 1e308, -1e308, NAN, INF, -INF,
    2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63), 10**30, -(10**30), 10**400,
]  # fmt: skip
DURATION_TEXTS = [
    "-1h", "0s", "0", "0h", "1e308d", "1e400h", "1e-320s", "5e-324h", "nanh", "infh", "inf",
    "5 parsecs", "", " ", "h", "1.5.5h", "1_000h", "0x10h", "+1h", "1e5w", "2 h", "١h", "1 y",
    "99999999999999999999d", "1e-300s", "24x7", "25:00-26:00", "09:00-09:00", "00:00-24:00",
    "15%", "-15%", "1e309%", "nan%", "100000%", "0%",
]  # fmt: skip
TRICKY_IDS = [
    "../x", "..", ".", "/", "/etc/passwd", "a/b", "..\\..\\x", "C:\\x", "a;rm -rf ~", "$(reboot)",
    "`id`", "x|y", "x&y", "x>y", "~", "-rf", "--help", "站点", "🛠", "\u202eevil", "\x00", "a\nb",
    "", " ", "a b", "x" * 101, "x" * 100, "NUL", "con", "L1", "all", "24x7", "%s%n", "{0}", "'",
    '"', "L\u200d1", "L\u200b1", "\ufeffL1", "L\u034f1", "L\ufe0f1", "\u3164", "e\u0301", "\u00e9",
    "站" * 100, "站" * 101, "x" * 1000,
]  # fmt: skip
INVISIBLE_CHARS = ["\u200d", "\u200c", "\u200b", "\u2060", "\ufeff", "\u00ad", "\u034f", "\ufe0f",
                   "\u3164", "\u115f", "\U000e0041", "\U000e0100"]  # fmt: skip
HUGE_MONEY = [1e12, 1e12 + 1, 1e13, 1e15, 1e300, 1e308, 10**30, 2**63]


def _keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _keys(value)
    elif isinstance(node, list):
        for value in node:
            yield from _keys(value)


# Every key the base files use, so that an added key is often a real one in the wrong place.
FIELD_NAMES = sorted({key for data in DATA.values() for key in _keys(data)})

safe_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=24)
scalars = st.one_of(
    st.booleans(),
    st.integers(),
    st.sampled_from(EXTREME_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True),
    safe_text,
    st.sampled_from(DURATION_TEXTS + TRICKY_IDS),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.times(),
)
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(safe_text, st.sampled_from(FIELD_NAMES)), inner, max_size=5),
    ),
    max_leaves=16,
)


# Values aimed at a field of the right kind: extreme durations, distributions, dates, profiles.
numbers = st.one_of(
    st.sampled_from(EXTREME_NUMBERS), st.floats(), st.integers(-(2**64), 2**64), st.booleans()
)
durations = st.one_of(numbers, st.sampled_from(DURATION_TEXTS))
# Valid but extreme: what validation lets through must simulate too.
TINY, HUGE = [5e-324, 1e-300, "1e-300s", 1e-9], [1e6, "1e5w", 1e15, 1e300]
valid_durations = st.sampled_from([*TINY, "1s", 1, "2h", *HUGE])
valid_cvs = st.sampled_from([1e300, 5e-324, 1e150, 1e-300, 0, 1e-10, 0.5, 10, 1e10])
mean_and_cv = st.fixed_dictionaries(
    {"dist": st.sampled_from(["lognormal", "gamma"]), "mean": valid_durations, "cv": valid_cvs}
)
valid_distributions = st.one_of(
    mean_and_cv,
    valid_durations,
    st.fixed_dictionaries({"dist": st.just("exponential"), "mean": valid_durations}),
    mean_and_cv,
    st.builds(
        lambda xs: dict(zip(("low", "mode", "high"), sorted(xs), strict=True), dist="triangular"),
        st.lists(st.sampled_from([0, *TINY[:2], 1, *HUGE[::2]]), min_size=3, max_size=3),
    ),
    st.fixed_dictionaries(
        {"dist": st.just("empirical"), "values": st.lists(valid_durations, min_size=1, max_size=4)}
    ),
)
distributions = st.one_of(
    valid_distributions,
    valid_distributions,
    valid_distributions,
    st.fixed_dictionaries({"dist": st.just("constant"), "value": durations}),
    st.fixed_dictionaries({"dist": st.just("exponential"), "mean": durations}),
    st.fixed_dictionaries(
        {"dist": st.sampled_from(["lognormal", "gamma"]), "mean": durations, "cv": numbers}
    ),
    st.fixed_dictionaries(
        {"dist": st.just("triangular"), "low": durations, "mode": durations, "high": durations}
    ),
    st.fixed_dictionaries(
        {"dist": st.just("empirical"), "values": st.lists(durations, max_size=6)}
    ),
)
EDGE_DATES = [dt.date(1, 1, 1), dt.date(1970, 1, 1), dt.date(9990, 1, 1), dt.date(9999, 12, 31)]
dates = st.one_of(st.sampled_from(EDGE_DATES), st.dates())


def _one_of(*values: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(values)


# Values each field accepts, at the edges: what validation lets through must simulate too.
EDGE_WEIGHTS = [0, 1, 5e-324, 1e-300, 1e300, 1e308]
VALID_KINDS: dict[str, st.SearchStrategy[Any]] = {
    **dict.fromkeys(
        ["horizon", "swap_after", "swap_time", "within", "every", "duration"], valid_durations
    ),
    "warmup": st.one_of(st.just(0), valid_durations),
    **dict.fromkeys(["remote_time", "onsite_time", "handle_time", "resupply"], valid_distributions),
    **dict.fromkeys(
        ["remote_fix", "part_need", "goal", "confidence"], _one_of(1, 5e-324, 1 - 2**-53, 0.5)
    ),
    "replications": _one_of(1, 100_000),
    "seed": _one_of(0, 2**32, 2**63 - 1, 2**64, 10**30),
    "priority": _one_of(0, 1, 2**31, 2**63),
    **dict.fromkeys(["agents", "engineers"], _one_of(0, 1, 10_000)),
    **dict.fromkeys(
        ["max_engineers_per_base", "max_desk_agents", "max_stock_per_part"], _one_of(0, 1, 10_000)
    ),
    "failures_per_year": _one_of(5e-324, 1e-300, 1e-9, 1e6),
    "speed_kmh": _one_of(5e-324, 1e-300, 1e-6, 2000),
    "road_factor": _one_of(1, 10),
    "cv": _one_of(0, 5e-324, 5),
    **dict.fromkeys(["unit_cost", "engineer_per_year", "desk_agent_per_year"], _one_of(0, 1e12)),
    "holding_rate": _one_of(0, 5e-324, 10),
    "start": st.sampled_from(EDGE_DATES),
    "holidays": st.lists(st.sampled_from(EDGE_DATES), max_size=3),
    "hourly_profile": st.lists(st.sampled_from(EDGE_WEIGHTS), min_size=24, max_size=24),
    "weekly_profile": st.lists(st.sampled_from(EDGE_WEIGHTS), min_size=7, max_size=7),
    "location": _one_of([-90, -180], [90, 180], [0, 0], [5e-324, -5e-324], [89.999999, 179.9]),
    "business_hours": _one_of("00:00-24:00", "00:00-00:01", "23:59-24:00"),
    "shift": _one_of("00:00-24:00", "23:59-00:00", "12:00-11:59", "00:00-00:01", "business"),
}
# The same kinds, valid or not: out of range, of the wrong type, badly written.
MONEY_FIELDS = ("unit_cost", "engineer_per_year", "desk_agent_per_year")
FIELD_KINDS: dict[str, st.SearchStrategy[Any]] = {
    name: st.one_of(
        valid,
        distributions if name in ("remote_time", "onsite_time", "handle_time") else durations,
        st.lists(numbers, max_size=25) if name.endswith(("profile", "location")) else numbers,
        dates if name in ("start", "holidays") else safe_text,
        st.sampled_from(HUGE_MONEY) if name in MONEY_FIELDS else st.booleans(),
    )
    for name, valid in VALID_KINDS.items()
}


def field_values(name: str, with_junk: bool = True) -> st.SearchStrategy[Any]:
    """Values for field ``name``: of its kind (valid or not) and junk, or only valid ones."""
    if not with_junk:
        return VALID_KINDS.get(name, st.nothing())
    kind = FIELD_KINDS.get(name)
    return junk if kind is None else st.one_of(kind, kind, kind, junk)


# The tables of a scenario file and the model of each: the fields a mutation may set.
TABLES = {
    "scenario": sc.ScenarioInfo,
    "calendar": sc.Calendar,
    "severity": sc.Severity,
    "commitment": sc.Commitment,
    "desk": sc.Desk,
    "base": sc.Base,
    "depot": sc.Depot,
    "part": sc.Part,
    "equipment": sc.Equipment,
    "site": sc.Site,
    "inspection": sc.Inspection,
    "travel": sc.Travel,
    "arrivals": sc.Arrivals,
    "costs": sc.Costs,
    "plan": sc.PlanBounds,
}


# The tables whose fields matter most to the simulation are drawn more often.
FIELD_TABLES = [*sorted(TABLES), "severity", "severity", "desk", "depot", "scenario", "calendar"]
FIELD_TABLES += ["arrivals", "travel", "inspection", "equipment", "site", "base"]


def _field_names(model: type[Any]) -> list[str]:
    return sorted(info.alias or name for name, info in model.model_fields.items())


KIND_FIELDS = [(t, name) for t in sorted(TABLES) for name in _field_names(TABLES[t])]
KIND_FIELDS = [(t, name) for t, name in KIND_FIELDS if name in VALID_KINDS]


@dataclass(frozen=True)
class Raw:
    """A TOML value written as is: deep nesting, or an integer too long for ``str(int)``."""

    text: str


def deep(depth: int, bracket: str) -> Raw:
    if bracket == "[":
        return Raw("[" * depth + "1" + "]" * depth)
    return Raw('{ "a" = ' * depth + "1" + " }" * depth)


raw_values = st.one_of(
    st.builds(deep, st.integers(2, 5000), st.sampled_from("[{")),
    st.integers(4000, 6000).map(lambda n: Raw("9" * n)),
    st.integers(4000, 6000).map(lambda n: Raw("1." + "5" * n)),
)

# -- writing TOML -----------------------------------------------------------------------------


def _string(text: str) -> str:
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _value(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_string(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def to_toml(data: dict[str, Any]) -> str:
    """Write a parsed scenario back as TOML: tables and arrays of tables at the top level."""
    lines = [
        f"{_string(k)} = {_value(v)}"
        for k, v in data.items()
        if not isinstance(v, dict) and not _is_table_array(v)
    ]
    for key, value in data.items():
        if isinstance(value, dict):
            lines += ["", f"[{_string(key)}]"]
            lines += [f"{_string(k)} = {_value(v)}" for k, v in value.items()]
        elif _is_table_array(value):
            for item in value:
                lines += ["", f"[[{_string(key)}]]"]
                lines += [f"{_string(k)} = {_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


# -- structured mutations ---------------------------------------------------------------------

Node = tuple[tuple[str | int, ...], Any]


def _walk(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[Node]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def _parent(data: dict[str, Any], path: tuple[str | int, ...]) -> Any:
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    return node


ID_KEYS = {"id", "severity", "zone", "depot", "spare_unit", "sites"}
KEYED_MAPS = {"severity_mix", "parts", "stock", "equipment", "penalty"}
OPERATIONS = ("field", "field", "replace", "delete", "add", "duplicate", "empty", "extreme")
OPERATIONS += ("id", "raw")


def _set_field(draw: st.DrawFn, data: dict[str, Any], with_junk: bool) -> None:
    """Set a field of a table, present or not, to a value aimed at its kind."""
    if with_junk:
        table = draw(st.sampled_from(FIELD_TABLES))
        name = draw(st.sampled_from(_field_names(TABLES[table])))
    else:  # one of the fields with a kind, all equally likely
        table, name = draw(st.sampled_from(KIND_FIELDS))
    node = data.setdefault(table, {} if table not in ("severity", "commitment") else [{}])
    if isinstance(node, list):
        if not node or not isinstance(node[0], dict):
            return
        node = node[draw(st.integers(0, len(node) - 1))]
    if isinstance(node, dict):
        node[name] = draw(field_values(name, with_junk))


def _mutate(draw: st.DrawFn, data: dict[str, Any]) -> None:
    """Apply one mutation to ``data`` in place."""
    nodes = list(_walk(data))[1:]
    op = draw(st.sampled_from(OPERATIONS))

    def pick(candidates: list[Node]) -> Node | None:
        if not candidates:
            return None
        return candidates[draw(st.integers(0, len(candidates) - 1))]

    if op == "field":
        _set_field(draw, data, with_junk=True)
        return
    if op == "add":
        found = pick([(p, n) for p, n in [((), data), *nodes] if isinstance(n, dict)])
        if found is not None:
            key = draw(st.one_of(st.sampled_from(FIELD_NAMES), safe_text))
            found[1][key] = draw(junk)
        return
    if op == "duplicate":
        found = pick([(p, n) for p, n in nodes if isinstance(n, list) and n])
        if found is not None:
            items = found[1]
            items.insert(
                draw(st.integers(0, len(items))),
                copy.deepcopy(items[draw(st.integers(0, len(items) - 1))]),
            )
        return
    if op == "empty":
        found = pick([(p, n) for p, n in nodes if isinstance(n, dict | list)])
        if found is not None:
            _parent(data, found[0])[found[0][-1]] = type(found[1])()
        return
    if op == "id":
        found = pick(
            [(p, n) for p, n in nodes if p[-1] in ID_KEYS or (len(p) > 1 and p[-2] in KEYED_MAPS)]
        )
        if found is None:
            return
        path, _ = found
        parent = _parent(data, path)
        new = draw(st.one_of(st.sampled_from(TRICKY_IDS), safe_text))
        renamable = isinstance(parent, dict) and len(path) > 1 and path[-2] in KEYED_MAPS
        if renamable and draw(st.booleans()):
            parent[new] = parent.pop(path[-1])  # rename the key: an unknown or tricky reference
        else:
            parent[path[-1]] = new
        return
    if op == "extreme":
        found = pick([(p, n) for p, n in nodes if isinstance(n, int | float | str)])
        if found is not None:
            new = draw(st.sampled_from(EXTREME_NUMBERS + DURATION_TEXTS))
            _parent(data, found[0])[found[0][-1]] = new
        return
    found = pick(nodes)
    if found is None:
        return
    path, _ = found
    parent = _parent(data, path)
    if op == "delete":
        del parent[path[-1]]
    elif op == "replace":
        parent[path[-1]] = draw(junk)
    else:  # raw
        parent[path[-1]] = draw(raw_values)


@st.composite
def mutated_scenarios(draw: st.DrawFn) -> bytes:
    """A scenario whose parsed structure is broken in 1-3 places, written back as TOML."""
    data = copy.deepcopy(DATA[draw(st.sampled_from(WEIGHTED_NAMES))])
    for _ in range(draw(st.integers(1, 3))):
        _mutate(draw, data)
    return to_toml(data).encode("utf-8")


@st.composite
def extreme_scenarios(draw: st.DrawFn) -> bytes:
    """A scenario with 1-3 fields set to valid values at the edges of what they accept."""
    data = copy.deepcopy(DATA[draw(st.sampled_from(WEIGHTED_NAMES))])
    for _ in range(draw(st.integers(1, 3))):
        _set_field(draw, data, with_junk=False)
    return to_toml(data).encode("utf-8")


# -- byte mutations ---------------------------------------------------------------------------

TOKENS = [
    b"[", b"]", b"[[", b"]]", b"=", b'"', b"'", b"'''", b'"""', b"\\", b"\n", b"\r", b"\r\n",
    b"#", b"{", b"}", b",", b".", b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\t", b"nan",
    b"inf", b"-", b"9" * 5000, b"[[site]]\n", b"[scenario]\n", b"[[severity]]\n", b"x = 1\n",
    b"id = \"../../etc\"\n", b"[" * 3000, b"{a=" * 2000, "é".encode(), "\u2028".encode(),
    b"\xef\xbb\xbf",
]  # fmt: skip
BYTE_OPERATIONS = ("truncate", "delete", "insert", "token", "replace", "dup", "drop", "swap")


@st.composite
def corrupted_files(draw: st.DrawFn) -> bytes:
    """A scenario file with 1-4 edits of its bytes."""
    data = bytearray(TEXTS[draw(st.sampled_from(WEIGHTED_NAMES))])
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(BYTE_OPERATIONS))
        pos = draw(st.integers(0, len(data)))
        if op == "truncate":
            del data[pos:]
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 64))]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif op == "token":
            data[pos:pos] = draw(st.sampled_from(TOKENS))
        elif op == "replace" and pos < len(data):
            data[pos] = draw(st.integers(0, 255))
        else:
            lines = bytes(data).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if op == "dup":
                lines.insert(j, lines[i])
            elif op == "drop":
                del lines[i]
            elif op == "swap":
                lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


# -- the property -----------------------------------------------------------------------------

CHEAP_INCIDENTS = 3_000  # fault reports plus inspections of the cut-down replication
CHEAP_PEOPLE = 1_000  # engineers plus desk agents
CHEAP_SITES = 3_000


def cut_down(scenario: simsvc.Scenario) -> simsvc.Scenario:
    """The scenario over a few days, one replication."""
    info = scenario.scenario
    short = info.model_copy(
        update={"horizon": min(info.horizon, 72.0), "warmup": min(info.warmup, 24.0)}
    )
    return scenario.model_copy(update={"scenario": short.model_copy(update={"replications": 1})})


def is_cheap(scenario: simsvc.Scenario) -> bool:
    desk = scenario.desk.agents if scenario.desk else 0
    people = sum(b.engineers for b in scenario.base) + desk
    incidents = expected_faults(scenario) + expected_inspections(scenario)
    return (
        incidents <= CHEAP_INCIDENTS
        and people <= CHEAP_PEOPLE
        and len(scenario.site) <= CHEAP_SITES
    )


def simulate_briefly(scenario: simsvc.Scenario) -> None:
    short = cut_down(scenario)
    if not is_cheap(short):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        outcome = simsvc.simulate(short, 1)
        result = RunResult(scenario=short, seed=1, replications=[summarise(short, outcome)])
        result.to_dict()


def check_costs(scenario: simsvc.Scenario) -> None:
    """A valid scenario's yearly costs are finite, even with 10^9 breaches of everything."""
    breaches = dict.fromkeys(scenario.commitment_ids(), 1e9)
    cost = yearly_cost(scenario, breaches)
    assert all(math.isfinite(amount) for amount in cost.values()), cost


def check_file(content: bytes) -> None:
    """The fuzz property for one scenario file's content."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scenario.toml"
        path.write_bytes(content)
        try:
            scenario = simsvc.load_scenario(path)
            # validate also refuses what run would: a run too big for memory or the cap
            check_size(scenario, scenario.scenario.replications)
        except simsvc.ScenarioError as error:
            valid = False
            assert error.problems, "a ScenarioError without problems"
            for problem in error.problems:
                assert problem.message.strip(), f"a problem without a message: {problem!r}"
                assert problem.path or problem.line is not None, (
                    f"a problem with neither key path nor line: {problem}"
                )
        else:
            valid = True
            check_costs(scenario)
            simulate_briefly(scenario)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["validate", str(path)])
        assert "Traceback" not in err.getvalue()
        assert code == (0 if valid else 2), err.getvalue()
        if not valid:
            assert err.getvalue().startswith("error: "), err.getvalue()


FUZZ_SETTINGS: dict[str, Any] = {
    # The same cases on every run (CI must be reproducible); SIMSVC_FUZZ_RANDOM=1 explores anew.
    "derandomize": not os.environ.get("SIMSVC_FUZZ_RANDOM"),
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
    "print_blob": True,
}


@settings(max_examples=SMALL_EXAMPLES, **FUZZ_SETTINGS)
@given(mutated_scenarios())
def test_broken_structure_is_an_error_or_runs(content: bytes) -> None:
    check_file(content)


@settings(max_examples=SMALL_EXAMPLES, **FUZZ_SETTINGS)
@given(corrupted_files())
def test_broken_bytes_are_an_error_or_run(content: bytes) -> None:
    check_file(content)


@settings(max_examples=SMALL_EXAMPLES, **FUZZ_SETTINGS)
@given(extreme_scenarios())
def test_extreme_values_are_an_error_or_run(content: bytes) -> None:
    check_file(content)


@pytest.mark.fuzz
@pytest.mark.skipif(
    "'fuzz' not in (config.getoption('markexpr') or '')",
    reason="10,000 cases: run with pytest -m fuzz",
)
@settings(max_examples=LARGE_EXAMPLES, **FUZZ_SETTINGS)
@given(st.one_of(mutated_scenarios(), extreme_scenarios(), corrupted_files()))
def test_fuzz_many(content: bytes) -> None:
    check_file(content)


# -- properties aimed at what earlier fuzzing found (issue 11) -------------------------------


def load_data(data: dict[str, Any]) -> simsvc.Scenario | simsvc.ScenarioError:
    """The scenario ``data`` written as a TOML file and loaded, or the error loading it."""
    try:
        return simsvc.parse_scenario(to_toml(data), "fuzzed.toml")
    except simsvc.ScenarioError as error:
        return error


def _number_leaves(data: dict[str, Any]) -> list[tuple[str | int, ...]]:
    return [p for p, n in _walk(data) if isinstance(n, int | float) and not isinstance(n, bool)]


def _id_leaves(data: dict[str, Any]) -> list[tuple[str | int, ...]]:
    return [
        p
        for p, n in _walk(data)
        if isinstance(n, str)
        and any(isinstance(part, str) and part in ID_KEYS for part in p[-2:])
        and p[0] not in ("scenario", "calendar")
    ]


def _named(error: simsvc.ScenarioError, path: tuple[str | int, ...]) -> list[str]:
    """Messages of the problems at ``path`` or at a key path that holds it."""
    return [p.message for p in error.problems if p.path and path[: len(p.path)] == p.path]


@st.composite
def booleans_for_numbers(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[str | int, ...]]:
    """A base file with one of its numbers (a count, a share, a duration...) set to a boolean."""
    data = copy.deepcopy(DATA[draw(st.sampled_from(WEIGHTED_NAMES))])
    leaves = _number_leaves(data)
    path = leaves[draw(st.integers(0, len(leaves) - 1))]
    _parent(data, path)[path[-1]] = draw(st.booleans())
    return data, path


@settings(max_examples=40, **FUZZ_SETTINGS)
@given(booleans_for_numbers())
def test_a_boolean_is_never_a_number(case: tuple[dict[str, Any], tuple[str | int, ...]]) -> None:
    data, path = case
    outcome = load_data(data)
    assert isinstance(outcome, simsvc.ScenarioError), f"{path} accepted a boolean"
    messages = _named(outcome, path)
    assert messages, (path, str(outcome))
    assert any("expected a" in m or "true" in m or "false" in m for m in messages), messages


MONEY_PATHS = [("costs", "engineer_per_year"), ("costs", "desk_agent_per_year")]


@st.composite
def huge_money(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[str | int, ...]]:
    """A base file with an amount of money set to a large or huge value, and staff to many."""
    data = copy.deepcopy(DATA[draw(st.sampled_from(WEIGHTED_NAMES))])
    paths: list[tuple[str | int, ...]] = list(MONEY_PATHS)
    paths += [("part", i, "unit_cost") for i in range(len(data.get("part", [])))]
    paths += [("costs", "penalty", str(s["id"])) for s in data["severity"]]
    path = draw(st.sampled_from(paths))
    amount = draw(st.one_of(st.sampled_from(HUGE_MONEY), st.floats(min_value=0, max_value=1e14)))
    node: Any = data
    for part in path[:-1]:
        node = node.setdefault(part, {}) if isinstance(node, dict) else node[part]
    node[path[-1]] = amount
    if draw(st.booleans()):
        for base in data["base"]:
            base["engineers"] = 10_000
    return data, path


@settings(max_examples=40, **FUZZ_SETTINGS)
@given(huge_money())
def test_money_is_refused_or_every_total_is_finite(
    case: tuple[dict[str, Any], tuple[str | int, ...]],
) -> None:
    data, path = case
    outcome = load_data(data)
    if isinstance(outcome, simsvc.ScenarioError):
        assert _named(outcome, path), (path, str(outcome))
    else:
        check_costs(outcome)


@st.composite
def confusable_ids(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[str | int, ...], str]:
    """A base file with an invisible character put into one of its ids or references."""
    data = copy.deepcopy(DATA[draw(st.sampled_from(WEIGHTED_NAMES))])
    leaves = _id_leaves(data)
    path = leaves[draw(st.integers(0, len(leaves) - 1))]
    char = draw(st.one_of(st.sampled_from(INVISIBLE_CHARS), st.characters(categories=["Cf"])))
    old = _parent(data, path)[path[-1]]
    at = draw(st.integers(0, len(old)))
    _parent(data, path)[path[-1]] = old[:at] + char + old[at:]
    return data, path, char


@settings(max_examples=40, **FUZZ_SETTINGS)
@given(confusable_ids())
def test_an_invisible_character_in_an_id_is_refused_by_its_code_point(
    case: tuple[dict[str, Any], tuple[str | int, ...], str],
) -> None:
    data, path, char = case
    outcome = load_data(data)
    assert isinstance(outcome, simsvc.ScenarioError), f"{path} accepted U+{ord(char):04X}"
    code = f"U+{ord(char):04X}"
    assert any(code in m for m in _named(outcome, path)), (path, code, str(outcome))


@st.composite
def long_ids(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[str | int, ...], str]:
    """A base file with one of its ids replaced by a long one, in any script."""
    data = copy.deepcopy(DATA[draw(st.sampled_from(WEIGHTED_NAMES))])
    leaves = [p for p in _id_leaves(data) if p[-1] == "id" and p[0] != "inspection"]
    path = leaves[draw(st.integers(0, len(leaves) - 1))]
    letters = st.sampled_from(["a", "Z", "站", "é", "ß", "ᄀ", "_", "-", "7"])
    new = draw(st.sampled_from(["x", "站"])) + "".join(
        draw(st.lists(letters, min_size=80, max_size=400))
    )
    _parent(data, path)[path[-1]] = new
    return data, path, new


@settings(max_examples=30, **FUZZ_SETTINGS)
@given(long_ids())
def test_an_id_longer_than_100_characters_is_refused(
    case: tuple[dict[str, Any], tuple[str | int, ...], str],
) -> None:
    data, path, new = case
    outcome = load_data(data)
    too_long = _named(outcome, path) if isinstance(outcome, simsvc.ScenarioError) else []
    if len(new) > 100:
        assert any("at most 100 characters" in m for m in too_long), (path, str(outcome))
    else:
        assert not any("at most 100" in m for m in too_long), too_long


def test_the_writer_round_trips_every_base_file() -> None:
    """The structured mutations start from an exact copy of each valid file."""
    for name, data in DATA.items():
        assert tomllib.loads(to_toml(data)) == data, name
        simsvc.parse_scenario(to_toml(data), name)
