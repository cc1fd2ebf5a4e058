"""The errors of making a scenario from a site list (light: the command line imports them)."""

from __future__ import annotations


class SiteListError(Exception):
    """A site list that cannot be read (the message names the file, and the line)."""


class NewScenarioError(Exception):
    """A site list and template that do not make a scenario (the message lists every line)."""
