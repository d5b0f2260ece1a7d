"""Profile changes from Slack (``user_change``): timezone, locale and deactivation keep scheduling right."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.schedule import locale_for
from bot.services import Services
from storage.queries import person_by_slack_id
from storage.tables import Person

MAX_LOCALE = 16


def known_zone(name: object) -> bool:
    """Only a timezone the scheduler can use replaces the stored one."""
    if not isinstance(name, str) or not name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        return False
    return True


def refresh_profile(
    services: Services, *, slack_id: str, tz: object, locale: object, deleted: bool, now: datetime
) -> Person | None:
    """Store what Slack says about the person (values it cannot use are ignored); None when they are not ours."""
    with services.unit_of_work() as session:
        person = person_by_slack_id(session, slack_id=slack_id)
        if person is None:
            return None
        if known_zone(tz) and isinstance(tz, str):
            person.tz = tz
        if isinstance(locale, str) and 0 < len(locale) <= MAX_LOCALE:
            person.locale = locale_for(person.language, locale)
        if deleted:
            person.active = False
        person.tz_checked_at = now
        return person
