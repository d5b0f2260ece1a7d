"""Scheduled half-year reviews: each team's manager is asked once, two weeks before the half ends."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.messages import ReviewMessage
from bot.ports import Recipient, UndeliverableError
from bot.review import due_reviews, evidence, half_of
from bot.services import Services
from storage.engine import session_scope

log = logging.getLogger(__name__)


def run(services: Services, now: datetime) -> int:
    with session_scope(services.engine) as session:
        outgoing = []
        for review, team, manager in due_reviews(session, now=now):
            _, start, end = half_of(now.date())
            found = evidence(session, team_id=team.id or 0, start=start, end=end, today=now.date())
            if found:
                review.decisions = {"_kpis": [e.name for e in found]}  # the order the message's menus refer to
                outgoing.append(
                    (
                        manager.dm_channel_id,
                        manager.slack_id,
                        manager.locale,
                        ReviewMessage(review.id or 0, team.name, review.half, found),
                    )
                )
    sent = 0
    for channel, slack_id, locale, message in outgoing:
        try:
            services.gateway.send(services.gateway.dm(Recipient(slack_id, channel)), message, locale=locale)
            sent += 1
        except UndeliverableError as exc:
            log.warning("a half-year review could not be delivered (%s)", exc.reason)
    return sent
