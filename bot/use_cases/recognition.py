"""Recognition: giving and sharing a kudos, confirming the star of the quarter.

Each use case stores in its own unit of work and only then talks to Slack
(through the gateway port), so a message is never sent for something that was
rolled back. A "no" is a ``RecognitionRefused`` and nothing is stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.messages import KudosNote
from bot.ports import UndeliverableError
from bot.recognition import RecognitionRefused, confirm_star, give_kudos, mark_shared, share_kudos
from bot.retro import team_locale
from bot.services import Services
from storage.queries import person_by_slack_id
from storage.tables import Person

log = logging.getLogger(__name__)


@dataclass
class KudosGiven:
    """The stored kudos (for the Share button) and the receiver's count this quarter, this one included."""

    kudos_id: int
    receiver_slack_id: str
    count: int


@dataclass
class Posted:
    """Where a kudos or a star went out; ``channel`` None when the team has no channel or it refused the post."""

    locale: str | None  # the clicker's, for their answer
    channel: str | None


def kudos(services: Services, *, giver: Person, receiver_slack_id: str, text: str, now: datetime) -> KudosGiven:
    """`/kpi kudos @person for ...`: stored and counted, then sent to the receiver as a DM.

    A DM that cannot be delivered is only logged: the kudos is stored and
    counted, and the giver's answer does not depend on it.
    """
    with services.unit_of_work() as session:
        fresh = session.get(Person, giver.id)
        if fresh is None:
            raise LookupError("the giver is not stored")
        receiver = person_by_slack_id(session, slack_id=receiver_slack_id)
        is_bot = False
        if receiver is None:  # a bot gets its own refusal, not "not in the organisation"
            profile = services.gateway.profile(receiver_slack_id)
            is_bot = profile is not None and profile.is_bot
        row, count = give_kudos(session, giver=fresh, receiver=receiver, text=text, now=now, receiver_is_bot=is_bot)
        if receiver is None:
            raise LookupError("give_kudos returned without a receiver")
        note = KudosNote(fresh.slack_id, row.text, count)
        given = KudosGiven(row.id or 0, receiver.slack_id, count)
    try:
        services.gateway.send(services.gateway.dm(receiver), note, locale=receiver.locale)
    except UndeliverableError as exc:
        log.warning("kudos could not be delivered (%s)", exc.reason)
    return given


def share(services: Services, *, slack_id: str, kudos_id: int | None) -> Posted:
    """The giver's Share button: the kudos goes to the team channel in the team's language, recorded once sent."""
    with services.unit_of_work() as session:
        giver = person_by_slack_id(session, slack_id=slack_id)
        if giver is None or kudos_id is None:
            raise RecognitionRefused("kudos_not_yours")
        team, post = share_kudos(session, giver=giver, kudos_id=kudos_id)
        locale, channel, channel_locale = giver.locale, team.channel_id or "", team_locale(team)
    try:
        ts = services.gateway.send(channel, post, locale=channel_locale)  # the channel's language, not the giver's
    except UndeliverableError:
        return Posted(locale, None)
    with services.unit_of_work() as session:
        mark_shared(session, kudos_id=kudos_id, channel=channel, ts=ts)
    return Posted(locale, channel)


def decide_star(services: Services, *, slack_id: str, recognition_id: int | None, pick: str | None, now: datetime) -> Posted:
    """The manager confirms the proposed star (``pick`` None) or picks another member; announced once stored.

    The choice stands even when the channel cannot take the post (``channel`` None).
    """
    with services.unit_of_work() as session:
        manager = person_by_slack_id(session, slack_id=slack_id)
        if manager is None or recognition_id is None:
            raise RecognitionRefused("star_not_yours")
        team, post = confirm_star(session, manager=manager, recognition_id=recognition_id, pick=pick, now=now)
        locale, channel, channel_locale = manager.locale, team.channel_id, team_locale(team)
    if channel is None:
        return Posted(locale, None)
    try:
        services.gateway.send(channel, post, locale=channel_locale)  # the team's language (organisation file)
    except UndeliverableError:
        return Posted(locale, None)
    return Posted(locale, channel)
