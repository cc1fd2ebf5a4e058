"""Fitting a scenario to ticket history (``simsvc fit``).

- :mod:`~simsvc.fitting.rates`: failure rates, mixes, shares and report profiles;
- :mod:`~simsvc.fitting.durations`: on-site time distributions by maximum likelihood and AIC;
- :mod:`~simsvc.fitting.travel`: hours per kilometre and the trip factor's cv;
- :mod:`~simsvc.fitting.calibration`: every estimate together (:func:`fit_tickets`);
- :mod:`~simsvc.fitting.scenario_text`: the fitted scenario file (:func:`fitted_text`);
- :mod:`~simsvc.fitting.summary`: the printed table of estimates (:func:`fit_summary`).

Nothing is imported here, so that the command line can name :mod:`.errors` without
loading scipy.
"""
