"""Fitting a scenario to ticket history (``simsvc fit``).

- :mod:`~simsvc.fitting.rates`: failure rates, mixes, shares and report profiles;
- :mod:`~simsvc.fitting.durations`: on-site time distributions by maximum likelihood and AIC;
- :mod:`~simsvc.fitting.travel`: hours per kilometre and the trip factor's cv;
- :mod:`~simsvc.fitting.calibration`: every estimate together (:func:`fit_tickets`);
- :mod:`~simsvc.fitting.scenario_text`: the fitted scenario file;
- :mod:`~simsvc.fitting.summary`: the printed table of estimates.
"""

from simsvc.fitting.calibration import FitResult, Fitted, fit_tickets
from simsvc.fitting.durations import DurationFit, Interval, fit_duration
from simsvc.fitting.scenario_text import FittedFileError, fitted_text
from simsvc.fitting.summary import fit_summary

__all__ = [
    "DurationFit",
    "FitResult",
    "Fitted",
    "FittedFileError",
    "Interval",
    "fit_duration",
    "fit_summary",
    "fit_tickets",
    "fitted_text",
]
