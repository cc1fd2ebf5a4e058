"""A large synthetic service network for the speed benchmark.

A provincial-scale operation across the Qinling-Sichuan region (lat 30-36, lon
104-112): 25 service bases at real city centres sharing 110 engineers, about
1,500 sites around them (most in the city, some in county towns 20-70 km out),
four kinds of installed equipment reporting about 33,000 faults a year. It
exercises the whole model: four severities with priorities, remote fixes, a
24x7 service desk, six regional depots holding parts sized by Palm's theorem
(integers and "%" shares), lateral supply and resupply of several shapes, a
swap rule with spare units, quarterly inspections on the business clock, 24x7,
12-hour and business-hour bases mixed, an hourly and weekly arrival profile,
holidays, zone-specific commitments and business-clock commitments.

Everything is drawn from one fixed seed, so the same arguments always give the
same text::

    from large_network import large_network_toml
    text = large_network_toml(seed=20270104, sites=1500)

    python bench/large_network.py -o /tmp/large.toml --sites 1500
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

REGION = {"lat": (30.0, 36.0), "lon": (104.0, 112.0)}
KM_PER_DEGREE = 111.2

# Service bases: real city centres inside the region, with a relative market size
# (the engineers of the 110-engineer network).
CITIES: list[tuple[str, float, float, int]] = [
    ("xian", 34.34, 108.94, 12),
    ("chengdu", 30.66, 104.07, 12),
    ("mianyang", 31.47, 104.68, 6),
    ("yichang", 30.69, 111.29, 6),
    ("nanchong", 30.84, 106.11, 5),
    ("baoji", 34.36, 107.24, 5),
    ("deyang", 31.13, 104.40, 4),
    ("weinan", 34.50, 109.51, 4),
    ("hanzhong", 33.07, 107.02, 4),
    ("dazhou", 31.21, 107.47, 4),
    ("wanzhou", 30.81, 108.41, 4),
    ("shiyan", 32.63, 110.80, 4),
    ("tianshui", 34.58, 105.72, 4),
    ("yuncheng", 35.03, 111.00, 4),
    ("sanmenxia", 34.77, 111.20, 4),
    ("guangyuan", 32.44, 105.84, 3),
    ("suining", 30.53, 105.59, 3),
    ("ankang", 32.68, 109.03, 3),
    ("enshi", 30.27, 109.49, 3),
    ("bazhong", 31.87, 106.75, 3),
    ("pingliang", 35.54, 106.67, 3),
    ("qingyang", 35.71, 107.64, 3),
    ("shangluo", 33.87, 109.94, 3),
    ("tongchuan", 34.90, 108.95, 2),
    ("longnan", 33.40, 104.92, 2),
]

# Regional depots, at these bases; every base draws from the nearest one.
DEPOT_CITIES = ("xian", "chengdu", "yichang", "hanzhong", "nanchong", "tianshui")
DEPOT_RESUPPLY = (
    '{ dist = "constant", value = "7d" }',
    '{ dist = "lognormal", mean = "10d", cv = 0.4 }',
    '{ dist = "triangular", low = "5d", mode = "7d", high = "14d" }',
    '{ dist = "gamma", mean = "9d", cv = 0.5 }',
    '{ dist = "lognormal", mean = "8d", cv = 0.3 }',
    '{ dist = "constant", value = "12d" }',
)
DEPOT_RESUPPLY_MEAN_DAYS = (7.0, 10.0, 26 / 3, 9.0, 8.0, 12.0)

# (id, unit cost); the *-unit parts are whole spare units for the swap rule.
PARTS: list[tuple[str, float]] = [
    ("board", 3200.0),
    ("psu", 900.0),
    ("battery", 1500.0),
    ("sfp", 400.0),
    ("display", 1800.0),
    ("ctrl-unit", 18000.0),
    ("switch-unit", 6500.0),
]
SPARE_UNIT_STOCK = {"ctrl-unit": "5%", "switch-unit": 2}

SEVERITIES = [
    # id, name, priority, remote_fix, remote_time, onsite_time, part_need, swap_after, swap_time
    (
        "L1",
        "System down",
        1,
        0.05,
        '{ dist = "lognormal", mean = "30min", cv = 0.5 }',
        '{ dist = "lognormal", mean = "2.5h", cv = 0.6 }',
        0.6,
        "4h",
        "40min",
    ),
    (
        "L2",
        "Risk of outage",
        2,
        0.15,
        '{ dist = "lognormal", mean = "45min", cv = 0.5 }',
        '{ dist = "lognormal", mean = "2h", cv = 0.6 }',
        0.5,
        "12h",
        "40min",
    ),
    (
        "L3",
        "Partial degradation",
        3,
        0.3,
        '{ dist = "exponential", mean = "40min" }',
        '{ dist = "gamma", mean = "1.5h", cv = 0.8 }',
        0.35,
        None,
        None,
    ),
    (
        "L4",
        "Minor or advisory",
        4,
        0.5,
        '{ dist = "exponential", mean = "30min" }',
        '{ dist = "triangular", low = "30min", mode = "1h", high = "3h" }',
        0.2,
        None,
        None,
    ),
]

# id, base failures per unit and year (scaled to the target), severity mix, parts, spare unit,
# (lognormal median, sigma) of units per site.
EQUIPMENT = [
    (
        "ctrl",
        1.2,
        {"L1": 0.25, "L2": 0.35, "L3": 0.3, "L4": 0.1},
        {"board": 0.6, "psu": 0.4},
        "ctrl-unit",
        (1.6, 0.4),
    ),
    (
        "ups",
        0.6,
        {"L1": 0.1, "L2": 0.3, "L3": 0.4, "L4": 0.2},
        {"battery": 0.8, "psu": 0.2},
        None,
        (2.0, 0.5),
    ),
    (
        "switch",
        0.5,
        {"L1": 0.15, "L2": 0.35, "L3": 0.3, "L4": 0.2},
        {"sfp": 0.5, "psu": 0.3, "board": 0.2},
        "switch-unit",
        (4.0, 0.5),
    ),
    (
        "terminal",
        0.3,
        {"L1": 0.02, "L2": 0.18, "L3": 0.4, "L4": 0.4},
        {"display": 0.5, "board": 0.3, "psu": 0.2},
        None,
        (25.0, 0.7),
    ),
]

COMMITMENTS = [
    # severity, metric, within, goal, clock, zone
    ("L1", "response", "10min", 0.95, "24x7", None),
    ("L1", "arrival", "2h", 0.9, "24x7", "city"),
    ("L1", "arrival", "4h", 0.9, "24x7", "county"),
    ("L1", "resolution", "8h", 0.9, "24x7", None),
    ("L2", "response", "15min", 0.95, "24x7", None),
    ("L2", "arrival", "4h", 0.9, "24x7", None),
    ("L2", "resolution", "24h", 0.9, "24x7", None),
    ("L3", "arrival", "24h", 0.9, "24x7", None),
    ("L3", "resolution", "48h", 0.9, "24x7", None),
    ("L4", "resolution", "27h", 0.9, "business", None),
]

HOLIDAYS = [
    "2027-01-01",
    "2027-02-05",
    "2027-02-08",
    "2027-02-09",
    "2027-02-10",
    "2027-02-11",
    "2027-04-05",
    "2027-05-03",
    "2027-05-04",
    "2027-05-05",
    "2027-06-09",
    "2027-09-15",
    "2027-10-01",
    "2027-10-04",
    "2027-10-05",
    "2027-10-06",
    "2027-10-07",
]
HOURLY_PROFILE = [
    0.3,
    0.25,
    0.2,
    0.2,
    0.25,
    0.35,
    0.6,
    0.9,
    1.3,
    1.6,
    1.7,
    1.6,
    1.4,
    1.5,
    1.6,
    1.6,
    1.5,
    1.4,
    1.2,
    1.0,
    0.8,
    0.6,
    0.45,
    0.35,
]
WEEKLY_PROFILE = [1.1, 1.1, 1.05, 1.05, 1.05, 0.85, 0.8]


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder), each at least 1."""
    raw = np.asarray(weights, float) / sum(weights) * total
    counts = np.maximum(np.floor(raw).astype(int), 1)
    order = np.argsort(-(raw - np.floor(raw)), kind="stable")
    k = 0
    while counts.sum() < total:
        counts[order[k % len(order)]] += 1
        k += 1
    while counts.sum() > total:
        j = int(np.argmax(counts))
        counts[j] -= 1
    return [int(c) for c in counts]


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, a)))


def _shift(engineers: int, index: int) -> str:
    if engineers >= 5:
        return "24x7"
    return "08:00-20:00" if index % 2 == 0 else "business"


def large_network_toml(
    seed: int = 20270104,
    sites: int = 1500,
    engineers: int = 110,
    faults_per_year: float = 33_000.0,
    horizon: str = "365d",
    warmup: str = "7d",
    desk_agents: int = 3,
) -> str:
    """The scenario file (TOML text) of the synthetic network; same arguments, same text.

    ``faults_per_year`` is the expected number of fault reports a year: the
    equipment's failure rates are scaled so that the installed base reports it.
    """
    rng = np.random.default_rng(seed)
    names = [c[0] for c in CITIES]
    staff = _allocate(engineers, [float(c[3]) for c in CITIES])

    # Sites: a base chosen by market size, then a position around it.
    share = np.asarray(staff, float) / sum(staff)
    home = rng.choice(len(CITIES), size=sites, p=share)
    county = rng.uniform(size=sites) < 0.3
    radius = np.where(county, rng.uniform(20.0, 70.0, sites), np.abs(rng.normal(0.0, 7.0, sites)))
    angle = rng.uniform(0.0, 2 * math.pi, sites)
    site_rows = []
    for i in range(sites):
        _, blat, blon, _ = CITIES[home[i]]
        lat = blat + radius[i] * math.sin(angle[i]) / KM_PER_DEGREE
        lon = blon + radius[i] * math.cos(angle[i]) / (KM_PER_DEGREE * math.cos(math.radians(blat)))
        lat = min(max(lat, REGION["lat"][0]), REGION["lat"][1])
        lon = min(max(lon, REGION["lon"][0]), REGION["lon"][1])
        zone = "city" if _km(lat, lon, blat, blon) < 15.0 else "county"
        units = {}
        for kind, _, _, _, _, (median, sigma) in EQUIPMENT:
            units[kind] = max(1, round(median * math.exp(sigma * rng.standard_normal())))
        site_rows.append((f"site-{i + 1:04d}", names[home[i]], lat, lon, zone, units))

    # Failure rates scaled so that the installed base reports ``faults_per_year``.
    installed = {kind: sum(row[5][kind] for row in site_rows) for kind, *_ in EQUIPMENT}
    base_rate = sum(installed[kind] * rate for kind, rate, *_ in EQUIPMENT)
    scale = faults_per_year / base_rate
    rates = {kind: round(rate * scale, 6) for kind, rate, *_ in EQUIPMENT}

    # Depots: each base draws from the nearest regional depot; stock per part sized by
    # Palm's theorem for the expected demand of the bases it serves.
    city = {c[0]: c for c in CITIES}
    base_depot = []
    for _, lat, lon, _ in CITIES:
        km = [_km(lat, lon, city[d][1], city[d][2]) for d in DEPOT_CITIES]
        base_depot.append(DEPOT_CITIES[int(np.argmin(km))])
    sev = {s[0]: s for s in SEVERITIES}
    part_per_year: dict[str, float] = {p: 0.0 for p, _ in PARTS}
    for kind, _, mix, parts, _, _ in EQUIPMENT:
        visits = (
            installed[kind]
            * rates[kind]
            * sum(share_ * (1 - sev[s][3]) * sev[s][6] for s, share_ in mix.items())
        )
        for part, part_share in parts.items():
            part_per_year[part] += visits * part_share
    depot_share = {d: 0.0 for d in DEPOT_CITIES}
    for b, d in enumerate(base_depot):
        depot_share[d] += staff[b] / sum(staff)

    out: list[str] = []
    w = out.append
    w("# Synthetic provincial service network for the speed benchmark (bench/large_network.py).")
    w(
        f"# Generated with seed={seed}, sites={sites}, engineers={engineers}, "
        f"faults_per_year={faults_per_year:g}. Not a real operation."
    )
    w("")
    w("[scenario]")
    w(f'name = "Benchmark network: {len(CITIES)} bases, {engineers} engineers, {sites} sites"')
    w('description = "Synthetic network over lat 30-36, lon 104-112, generated for bench/."')
    w(f'horizon = "{horizon}"')
    w(f'warmup = "{warmup}"')
    w("replications = 10")
    w(f"seed = {seed}")
    w('currency = "CNY"')
    w("")
    w("[calendar]")
    w('business_hours = "08:30-17:30"')
    w('business_days = ["Mon", "Tue", "Wed", "Thu", "Fri"]')
    w('start = "2027-01-04"')
    w("holidays = [" + ", ".join(f'"{h}"' for h in HOLIDAYS) + "]")
    for sid, name, priority, remote, remote_time, onsite, need, swap_after, swap_time in SEVERITIES:
        w("")
        w("[[severity]]")
        w(f'id = "{sid}"')
        w(f'name = "{name}"')
        w(f"priority = {priority}")
        w(f"remote_fix = {remote}")
        w(f"remote_time = {remote_time}")
        w(f"onsite_time = {onsite}")
        w(f"part_need = {need}")
        if swap_after:
            w(f'swap_after = "{swap_after}"')
            w(f'swap_time = "{swap_time}"')
    for sid, metric, within, goal, clock, zone in COMMITMENTS:
        w("")
        w("[[commitment]]")
        w(f'severity = "{sid}"')
        w(f'metric = "{metric}"')
        w(f'within = "{within}"')
        w(f"goal = {goal}")
        w(f'clock = "{clock}"')
        if zone:
            w(f'zone = "{zone}"')
    w("")
    w("[desk]")
    w(f"agents = {desk_agents}")
    w('shift = "24x7"')
    w('handle_time = { dist = "lognormal", mean = "8min", cv = 0.5 }')
    for b, (name, lat, lon, _) in enumerate(CITIES):
        w("")
        w("[[base]]")
        w(f'id = "{name}"')
        w(f"location = [{lat:.4f}, {lon:.4f}]")
        w(f"engineers = {staff[b]}")
        w(f'shift = "{_shift(staff[b], b)}"')
        w(f'depot = "{base_depot[b]}-depot"')
    for k, d in enumerate(DEPOT_CITIES):
        lead_hours = DEPOT_RESUPPLY_MEAN_DAYS[k] * 24
        stock = []
        for part, _ in PARTS:
            if part in SPARE_UNIT_STOCK:
                level = SPARE_UNIT_STOCK[part]
                stock.append(
                    f'{part} = "{level}"' if isinstance(level, str) else f"{part} = {level}"
                )
                continue
            on_order = part_per_year[part] / 8760 * lead_hours * depot_share[d]
            level = math.ceil(on_order + 1.5 * math.sqrt(on_order))
            stock.append(f"{part} = {level}")
        w("")
        w("[[depot]]")
        w(f'id = "{d}-depot"')
        w(f"location = [{city[d][1]:.4f}, {city[d][2]:.4f}]")
        w("stock = { " + ", ".join(stock) + " }")
        w(f"resupply = {DEPOT_RESUPPLY[k]}")
    for part, cost in PARTS:
        w("")
        w("[[part]]")
        w(f'id = "{part}"')
        w(f"unit_cost = {cost:g}")
    for kind, _, mix, parts, spare, _ in EQUIPMENT:
        w("")
        w("[[equipment]]")
        w(f'id = "{kind}"')
        w(f"failures_per_year = {rates[kind]}")
        w("severity_mix = { " + ", ".join(f"{s} = {v}" for s, v in mix.items()) + " }")
        w("parts = { " + ", ".join(f"{p} = {v}" for p, v in parts.items()) + " }")
        if spare:
            w(f'spare_unit = "{spare}"')
    for sid, name, lat, lon, zone, units in site_rows:
        w("")
        w("[[site]]")
        w(f'id = "{sid}"')
        w(f'name = "{name} {zone} {sid}"')
        w(f"location = [{lat:.5f}, {lon:.5f}]")
        w(f'zone = "{zone}"')
        w("equipment = { " + ", ".join(f"{k} = {v}" for k, v in units.items()) + " }")
    w("")
    w("[[inspection]]")
    w('id = "quarterly"')
    w('every = "91d"')
    w('duration = "2h"')
    w('sites = "all"')
    w('clock = "business"')
    w("")
    w("[travel]")
    w("speed_kmh = 45")
    w("road_factor = 1.35")
    w("cv = 0.3")
    w("")
    w("[arrivals]")
    w("hourly_profile = [" + ", ".join(f"{x:g}" for x in HOURLY_PROFILE) + "]")
    w("weekly_profile = [" + ", ".join(f"{x:g}" for x in WEEKLY_PROFILE) + "]")
    w("")
    w("[costs]")
    w("engineer_per_year = 150000")
    w("desk_agent_per_year = 80000")
    w("holding_rate = 0.2")
    w("penalty = { L1 = 5000, L2 = 2000, L3 = 500 }")
    w("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the benchmark's synthetic network.")
    parser.add_argument("-o", "--output", help="file to write (default: standard output)")
    parser.add_argument("--seed", type=int, default=20270104)
    parser.add_argument("--sites", type=int, default=1500)
    parser.add_argument("--engineers", type=int, default=110)
    parser.add_argument("--faults-per-year", type=float, default=33_000.0)
    parser.add_argument("--horizon", default="365d")
    parser.add_argument("--warmup", default="7d")
    parser.add_argument("--no-validate", action="store_true", help="skip simsvc.parse_scenario")
    args = parser.parse_args(argv)
    text = large_network_toml(
        seed=args.seed,
        sites=args.sites,
        engineers=args.engineers,
        faults_per_year=args.faults_per_year,
        horizon=args.horizon,
        warmup=args.warmup,
    )
    if not args.no_validate:
        import simsvc
        from simsvc.model.faults import expected_faults

        scenario = simsvc.parse_scenario(text, args.output or "<large network>")
        print(
            f"valid: {len(scenario.base)} bases, "
            f"{sum(b.engineers for b in scenario.base)} engineers, {len(scenario.site)} sites, "
            f"{expected_faults(scenario):,.0f} expected fault reports (warm-up + horizon)",
            file=sys.stderr,
        )
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
