"""Every report kind, registered by importing its module here (``load`` is what the CLI calls)."""

from __future__ import annotations


def load() -> None:
    """Import the modules that register report kinds. Add a line for a new kind."""
    from bot.reports import evaluations, teams  # noqa: F401
