"""How listeners reach kpibot's services: a global middleware puts them in Bolt's context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.services import Services

KEY = "kpibot"


def services_middleware(services: Services) -> Callable[..., Any]:
    def inject(context: BoltContext, next: Callable[[], Any]) -> Any:  # noqa: A002  (Bolt's argument name)
        context[KEY] = services
        return next()

    return inject


def services_of(context: BoltContext) -> Services:
    return context[KEY]


def ack_event(ack: Ack) -> None:
    """Events are acked at once; the work runs in a lazy listener, so Slack never retries for a timeout."""
    ack()
