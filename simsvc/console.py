"""The ``simsvc`` console script: a light shim that catches Ctrl-C during start-up."""

from __future__ import annotations

import sys


def main() -> int:
    """Run the command line; Ctrl-C at any moment exits with status 130, no traceback."""
    try:
        from simsvc.cli.main import main as run_command

        return run_command()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
