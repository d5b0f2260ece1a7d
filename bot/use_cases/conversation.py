"""A DM to the bot (a check-in reply or its edit): stored once per Slack event, answered after the commit.

Slack retries an event it thinks was lost; the event id is claimed in the same
unit of work as the reply, so a retry is recognised and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.checkin import Outgoing, Turn, answer_is_current, handle_edit, handle_reply, unknown_person
from bot.services import Services
from storage.queries import claim_event, person_by_slack_id


@dataclass
class Answered:
    """What to send (in the conversation or as DMs) once the reply is stored."""

    outgoing: list[Outgoing] = field(default_factory=list)
    known: bool = False  # the sender is in the organisation file (even deactivated): their App Home may change


def answer_message(
    services: Services, *, event_id: str, slack_id: str, text: str, ts: str, edit: bool, now: datetime
) -> Answered | None:
    """A person's DM (``edit``: they changed an earlier one); None when this event was already processed.

    Someone the organisation does not know (or no longer active) gets the
    friendly "ask an admin" answer to a new message, in their Slack language;
    their edits are ignored.
    """
    with services.unit_of_work() as session:
        if not claim_event(session, event_id=event_id):
            return None
        person = person_by_slack_id(session, slack_id=slack_id)
        if person is None or not person.active:
            if edit:
                return Answered([], known=person is not None)
            profile = services.gateway.profile(slack_id)
            return Answered([unknown_person(session, locale=profile.locale if profile else "en-US")], known=person is not None)
        if edit:
            return Answered(handle_edit(session, person=person, text=text, ts=ts, now=now), known=True)
        return Answered(handle_reply(session, person=person, text=text, ts=ts, now=now), known=True)


def still_true(services: Services, turn: Turn) -> bool:
    """Checked just before an answer of the check-in conversation is sent, in its own short transaction.

    Replies are answered in parallel threads, so by the time this answer goes
    out a later message may have been handled: then its question may be
    answered already, its "Here is what I stored" out of date, and the later
    answer (which reflects both) is the one to send. A compare-and-set on the
    check-in decides, so exactly one answer per turn gets out, and none after a newer one was let out.
    """
    with services.unit_of_work() as session:
        return answer_is_current(session, turn)
