"""A scenario's installed base from a bid team's site list (``simsvc new --sites``).

:mod:`~simsvc.sites.site_list` reads the spreadsheet, :mod:`~simsvc.sites.gazetteer`
places addresses at their district, :mod:`~simsvc.sites.new_scenario` writes the scenario
file from a template and the sites.
"""
