"""The error of writing a fitted scenario (light: the command line imports it up front)."""


class FittedFileError(Exception):
    """The base scenario's text is written in a way the fitted values cannot be put into."""
