"""Scheduled slower loops: the monthly retro and the quarterly evaluation."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.evaluation import evaluate_quarter, last_quarter, period_over
from bot.names import channel_locale
from bot.periods import period_bounds
from bot.ports import UndeliverableError
from bot.retro import due_retros
from bot.services import Services
from storage.engine import session_scope
from storage.tables import Retro

log = logging.getLogger(__name__)
EVALUATION_WINDOW_DAYS = 7  # evaluations run in the first week of a quarter


def run(services: Services, now: datetime) -> tuple[int, int]:
    """(retros posted, evaluations sent)."""
    return retros(services, now), evaluations(services, now)


def retros(services: Services, now: datetime) -> int:
    with session_scope(services.engine) as session:
        work = due_retros(session, now=now)
    posted = 0
    for item in work:
        if item.channel:
            try:
                ts = services.gateway.send(item.channel, item.post, locale="en-US")
                with session_scope(services.engine) as session:
                    row = session.get(Retro, item.retro_id)
                    if row is not None:
                        row.ts, row.posted_at = ts, now
                posted += 1
            except UndeliverableError as exc:
                log.warning(
                    "the retro for %s could not be posted (%s): invite the bot to the channel", item.team.name, exc.reason
                )
        for owner, ask in item.asks:
            try:
                services.gateway.send(owner.dm_channel_id or services.gateway.open_dm(owner.slack_id), ask, locale=owner.locale)
            except UndeliverableError as exc:
                log.warning("a retro question could not be delivered (%s)", exc.reason)
    return posted


def evaluations(services: Services, now: datetime) -> int:
    if now.month not in (1, 4, 7, 10) or now.day > EVALUATION_WINDOW_DAYS:
        return 0
    quarter = last_quarter(now.date())
    if not period_over(period_bounds(quarter)[1], now):
        return 0  # the quarter's last day is still running somewhere: wait, never evaluate on partial data
    with session_scope(services.engine) as session:
        work = evaluate_quarter(
            session, quarter=quarter, now=now, feedback_threshold=services.settings.kpibot_feedback_min_raters
        )
    for person, note in work.notes:
        try:
            services.gateway.send(person.dm_channel_id or services.gateway.open_dm(person.slack_id), note, locale=person.locale)
        except UndeliverableError as exc:
            log.warning("an evaluation could not be delivered (%s)", exc.reason)
    for team, star in work.stars:
        if team.channel_id:
            try:
                services.gateway.send(team.channel_id, star, locale=channel_locale(team))
            except UndeliverableError as exc:
                log.warning("the star of %s could not be posted (%s)", team.name, exc.reason)
    return len(work.notes)
