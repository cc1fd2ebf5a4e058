"""The key paths a sweep can vary, named in ``simsvc sweep --help`` and in its errors.

A module of its own, with no imports, so that the command line's help does not load the
scenario's models.
"""

PATHS = (
    "base.<id>.engineers",
    "base.<id>.shift",
    "desk.agents",
    "desk.shift",
    "depot.<id>.stock.<part>",
    "depot.<id>.resupply|supply_time|repair_time|repair_capacity",
    "travel.speed_kmh",
    "travel.road_factor",
    "travel.cv",
    "commitment[<i>].within",
    "commitment[<i>].goal",
    "severity.<id>.priority|remote_fix|part_need|swap_after|swap_time",
)
"""The paths a sweep can vary (shown in errors)."""
