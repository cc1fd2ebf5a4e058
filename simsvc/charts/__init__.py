"""Matplotlib figures for notebooks and reports.

Every function returns a :class:`matplotlib.figure.Figure` built with the
object-oriented API (no ``pyplot``, no ``show()``): save it with
``fig.savefig("chart.png")`` or let a notebook display it. ``lang="zh"`` draws the
labels in Chinese when a CJK font is installed (see :mod:`simsvc.charts.text`).
Charts only draw: they read a :class:`~simsvc.results.RunResult`, a level table or a
plan, and never simulate.

=====================  ==============================================================
staffing_curve         attainment of each commitment against engineers (one base or all)
spares_curve           fill rate (simulated and Palm's theorem) and resolution against stock
promise_frontier       share of a severity's incidents within x hours, per clock
time_breakdown         where the hours to resolution go, per severity
load_profile           reports by hour and weekday; utilisation of bases and desk
site_map               sites, bases and depots; sites coloured by attainment
plan_costs             yearly cost of the plan, the current resources and the 15% rule
=====================  ==============================================================

The staffing and spares curves draw the tables of :mod:`simsvc.sweep.levels`
(``staffing_table``, ``spares_table``); ``breakdown_table``, ``report_profile`` and
``site_attainment`` give the numbers of the other charts.
"""

from simsvc.charts.clocks import breakdown_table, promise_frontier, time_breakdown
from simsvc.charts.operation import load_profile, report_profile, site_attainment, site_map
from simsvc.charts.plan import plan_costs
from simsvc.charts.spares import spares_curve
from simsvc.charts.staffing import staffing_curve
from simsvc.charts.text import cjk_font

__all__ = [
    "breakdown_table",
    "cjk_font",
    "load_profile",
    "plan_costs",
    "promise_frontier",
    "report_profile",
    "site_attainment",
    "site_map",
    "spares_curve",
    "staffing_curve",
    "time_breakdown",
]
