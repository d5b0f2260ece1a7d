"""Profile changes from Slack: timezone, locale and deactivation keep scheduling right."""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt import App, BoltContext

from bot.i18n import lang
from bot.schedule import locale_for
from handlers.context import ack_event, services_of
from storage.engine import session_scope
from storage.queries import person_by_slack_id

log = logging.getLogger(__name__)


def on_user_change(event: dict[str, Any], context: BoltContext) -> None:
    """Slack tells us when someone's timezone or locale changes; keep scheduling right."""
    user = event.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        log.info("user_change without a user; ignored")
        return
    services = services_of(context)
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=user["id"])
        if person is None:
            return
        if _known_zone(user.get("tz")):
            person.tz = user["tz"]
        if isinstance(user.get("locale"), str) and 0 < len(user["locale"]) <= 16:
            person.locale = locale_for(person.language, user["locale"])
        if user.get("deleted"):
            person.active = False
        person.tz_checked_at = services.clock()
    log.info("profile of %s refreshed (%s)", person.slack_id, lang(person.locale))


def _known_zone(name: object) -> bool:
    """Only a timezone the scheduler can use replaces the stored one."""
    if not isinstance(name, str) or not name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        return False
    return True


def register(app: App) -> None:
    app.event("user_change")(ack=ack_event, lazy=[on_user_change])
