"""Scheduled slower loops: the monthly retro and the quarterly evaluation."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import col, select

from bot.evaluation import evaluate_quarter, last_quarter, period_over
from bot.outbox import send_claimed
from bot.periods import period_bounds
from bot.ports import UndeliverableError
from bot.retro import channel_problem, claim_due_retros, post_key, record_post
from bot.services import Services
from storage.engine import session_scope
from storage.tables import OutboundMessage, Retro

log = logging.getLogger(__name__)
EVALUATION_WINDOW_DAYS = 7
RECONCILE_FOR = timedelta(
    days=40
)  # a month's retro is looked after until the next one  # evaluations run in the first week of a quarter


def run(services: Services, now: datetime) -> tuple[int, int]:
    """(retros posted, evaluations sent)."""
    return retros(services, now), evaluations(services, now)


def retros(services: Services, now: datetime) -> int:
    """Claim due retros (post + one follow-up per person) in one transaction, then send; returns posts made.

    A post Slack refuses because of the channel (not invited, archived, gone)
    brings the manager one note on how to fix it; a claim left by a crash is
    finished by ``bot.outbox.recover`` and reconciled here on a later tick.
    """
    with session_scope(services.engine) as session:
        keys = claim_due_retros(session, now=now)
    send_claimed(services, keys, now=now)
    return reconcile(services, now)


def reconcile(services: Services, now: datetime) -> int:
    """Record the ts of retro posts that went out (for the answers' thread); tell the manager about refused ones."""
    posted = 0
    notes: list[str] = []
    with session_scope(services.engine) as session:
        pending = session.exec(
            select(Retro).where(
                col(Retro.ts).is_(None), col(Retro.channel_id).is_not(None), col(Retro.created_at) > now - RECONCILE_FOR
            )
        ).all()
        keys = {post_key(r.id or 0): r for r in pending}
        if not keys:
            return 0
        sent = session.exec(select(OutboundMessage).where(col(OutboundMessage.key).in_(list(keys)))).all()
        for row in sent:
            retro = keys[row.key]
            if row.ts:
                record_post(session, retro_id=retro.id or 0, ts=row.ts, now=now)
                posted += 1
            elif row.failure:
                key = channel_problem(session, retro_id=retro.id or 0, reason=row.failure, now=now)
                if key:
                    log.warning("the retro of team %s could not be posted: Slack says %s", retro.team_id, row.failure)
                    notes.append(key)  # once per team, channel and reason: the key says so
    send_claimed(services, notes, now=now)
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
                services.gateway.send(team.channel_id, star, locale="en-US")
            except UndeliverableError as exc:
                log.warning("the star of %s could not be posted (%s)", team.name, exc.reason)
    return len(work.notes)
