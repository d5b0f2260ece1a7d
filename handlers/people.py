"""Profile changes from Slack: timezone, locale and deactivation keep scheduling right."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext

from bot.i18n import lang
from handlers.context import ack_event, services_of
from storage.engine import session_scope
from storage.queries import person_by_slack_id

log = logging.getLogger(__name__)


def on_user_change(event: dict[str, Any], context: BoltContext) -> None:
    """Slack tells us when someone's timezone or locale changes; keep scheduling right."""
    user = event.get("user") or {}
    services = services_of(context)
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=str(user.get("id")))
        if person is None:
            return
        person.tz = user.get("tz") or person.tz
        if user.get("locale"):
            person.locale = user["locale"]
        if user.get("deleted"):
            person.active = False
        person.tz_checked_at = services.clock()
    log.info("profile of %s refreshed (%s)", person.slack_id, lang(person.locale))


def register(app: App) -> None:
    app.event("user_change")(ack=ack_event, lazy=[on_user_change])
