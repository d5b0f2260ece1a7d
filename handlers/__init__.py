"""The Slack surface, one module per feature: Bolt listeners and Block Kit rendering. Thin: read, call bot/, render."""

from __future__ import annotations

from slack_bolt import App

from handlers import (
    checkin,
    conversation,
    disputes,
    evaluation,
    feedback,
    followup,
    history,
    home,
    kpi,
    people,
    recognition,
    retro,
    review,
    settings,
    setup,
    warnings,
)


def register(app: App) -> None:
    """Attach every listener to ``app``."""
    for surface in (
        conversation,
        home,
        people,
        kpi,
        checkin,
        warnings,
        feedback,
        setup,
        review,
        settings,
        history,
        recognition,
        evaluation,
        followup,
        retro,
        disputes,
    ):
        surface.register(app)
