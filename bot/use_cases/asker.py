"""Who is asking: the person behind a Slack user id, for routing and for the language of an answer."""

from __future__ import annotations

from bot.refusal import Refusal
from bot.services import Services
from storage.queries import person_by_slack_id
from storage.tables import Person


def asker(services: Services, slack_id: str) -> Person | None:
    """The person with this Slack id, or None when they are not in the organisation file."""
    with services.unit_of_work() as session:
        return person_by_slack_id(session, slack_id=slack_id)


def locale_of(services: Services, slack_id: str) -> str | None:
    """The person's Slack locale; None (English) for someone not in the organisation."""
    person = asker(services, slack_id)
    return person.locale if person else None


def known(person: Person | None, *, refusal: str = "not_yours") -> Person:
    """The asker, or a refusal when they are not in the organisation (the answer is the same "not yours")."""
    if person is None:
        raise Refusal(refusal)
    return person
