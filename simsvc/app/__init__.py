"""The what-if page (``simsvc app``): a service manager's web page over the same seams.

The page (:mod:`simsvc.app.page`, a Streamlit script) only draws. What it does is plain
Python, tested without a browser: :mod:`.workbench` (baseline, named variants, cached
runs, plan and promise), :mod:`.controls` (form controls -> ``Scenario.evolve`` paths),
:mod:`.compare` (side-by-side tables, paired differences), :mod:`.files` (upload and
downloads), :mod:`.runs` (run cache, background task), :mod:`.words` (English and
Chinese) and :mod:`.launch` (the server command). Streamlit is the ``app`` extra.
"""
