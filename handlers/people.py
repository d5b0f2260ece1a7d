"""Profile changes from Slack: timezone, locale and deactivation keep scheduling right."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext

from bot.i18n import lang
from bot.use_cases.people import refresh_profile
from handlers.context import ack_event, services_of

log = logging.getLogger(__name__)


def on_user_change(event: dict[str, Any], context: BoltContext) -> None:
    """Slack tells us when someone's timezone or locale changes; keep scheduling right."""
    user = event.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        log.info("user_change without a user; ignored")
        return
    services = services_of(context)
    person = refresh_profile(
        services,
        slack_id=user["id"],
        tz=user.get("tz"),
        locale=user.get("locale"),
        deleted=bool(user.get("deleted")),
        now=services.clock(),
    )
    if person is not None:
        log.info("profile of %s refreshed (%s)", person.slack_id, lang(person.locale))


def register(app: App) -> None:
    app.event("user_change")(ack=ack_event, lazy=[on_user_change])
