"""The `facilitator` command's entry point: patch for the async library, then run the CLI."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the command line; `serve` first makes the standard library cooperative."""
    if sys.argv[1:2] == ["serve"]:
        from facilitator.config import Settings
        from facilitator.serving import patch_for

        # Before Flask and the rest load, so that every socket and lock is patched.
        patch_for(Settings.from_env().async_mode)
    from facilitator.cli import main as cli

    cli()
