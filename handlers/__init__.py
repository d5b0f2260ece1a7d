"""The Slack surface: Bolt listeners and Block Kit rendering. Thin: read, call bot/, render."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, events, feedback, followup, review, setup, views


def register(app: App) -> None:
    """Attach every listener to ``app``."""
    for surface in (events, commands, actions, views, feedback, setup, review, followup):
        surface.register(app)
