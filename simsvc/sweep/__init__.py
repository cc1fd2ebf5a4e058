"""Sweeps: a scenario simulated at many variants with common random numbers.

- :mod:`~simsvc.sweep.grid`: ``simsvc sweep``, grids or Latin-hypercube samples of
  ``--vary`` axes, resumable output files;
- :mod:`~simsvc.sweep.levels`: one resource stepped through levels (engineers, stock),
  the tables the staffing and spares charts draw.
"""
