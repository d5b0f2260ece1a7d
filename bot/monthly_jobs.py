"""Scheduled slower loops: the monthly retro and the quarterly evaluation."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import col, select

from bot.evaluation import evaluate_quarter, last_quarter, period_over
from bot.evaluation_review import EvaluationDrafts, evaluation_rows, take_released
from bot.messages import WatchQuestion
from bot.outbox import send_claimed
from bot.periods import period_bounds
from bot.ports import UndeliverableError
from bot.retro import channel_problem, claim_due_retros, post_key, record_post
from bot.services import Services
from storage.engine import session_scope
from storage.tables import OutboundMessage, Person, Retro, Team

log = logging.getLogger(__name__)
EVALUATION_WINDOW_DAYS = 7  # evaluations run in the first week of a quarter
RECONCILE_FOR = timedelta(days=40)  # a month's retro is looked after until the next one


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


def ask_manager(services: Services, manager: Person, questions: list[WatchQuestion]) -> None:
    """The gaming watch's questions go to the manager privately, never to the channel."""
    for question in questions:
        try:
            channel = services.gateway.dm(manager)
            services.gateway.send(channel, question, locale=manager.locale)
        except UndeliverableError as exc:
            log.warning("a gaming-watch question could not be delivered (%s)", exc.reason)


def _manager(services: Services, manager_id: int | None) -> Person | None:
    with session_scope(services.engine) as session:
        return session.get(Person, manager_id) if manager_id else None


def evaluations(services: Services, now: datetime) -> int:
    """Drafts at quarter end to each manager (and the organisation's table to admins); released ones to their person.

    Returns how many drafts were made. Nothing reaches a person before their
    manager releases it (bot.evaluation_review); delivery is claimed per row.
    """
    drafted = draft_evaluations(services, now)
    deliver_released(services, now)
    return drafted


def draft_evaluations(services: Services, now: datetime) -> int:
    if now.month not in (1, 4, 7, 10) or now.day > EVALUATION_WINDOW_DAYS:
        return 0
    quarter = last_quarter(now.date())
    if not period_over(period_bounds(quarter)[1], now):
        return 0  # the quarter's last day is still running somewhere: wait, never evaluate on partial data
    with session_scope(services.engine) as session:
        work = evaluate_quarter(
            session, quarter=quarter, now=now, feedback_threshold=services.settings.kpibot_feedback_min_raters
        )
        if not work.notes:
            return 0
        outbox: list[tuple[Person, object]] = []
        for team in session.exec(select(Team).order_by(col(Team.name))).all():
            manager = session.get(Person, team.manager_id) if team.manager_id else None
            rows = evaluation_rows(session, period=quarter, teams=[team])
            if manager is not None and rows:
                reader = "" if manager.is_admin else manager.slack_id
                outbox.append((manager, EvaluationDrafts(quarter, team.name, rows, reader=reader)))
        for team, proposal in work.stars:
            manager = session.get(Person, team.manager_id) if team.manager_id else None
            if manager is not None:
                outbox.append((manager, proposal))
        table = EvaluationDrafts(quarter, "", evaluation_rows(session, period=quarter))
        outbox += [(admin, table) for admin in session.exec(select(Person).where(col(Person.is_admin))).all()]
    for person, message in outbox:
        try:
            services.gateway.send(services.gateway.dm(person), message, locale=person.locale)
        except UndeliverableError as exc:
            log.warning("an evaluation draft could not be delivered (%s)", exc.reason)
    return len(work.notes)


def deliver_released(services: Services, now: datetime) -> int:
    """Evaluations a manager released: each to its person, once (the row is claimed before sending)."""
    with session_scope(services.engine) as session:
        notes = take_released(session, now=now)
    for person, note in notes:
        try:
            services.gateway.send(services.gateway.dm(person), note, locale=person.locale)
        except UndeliverableError as exc:
            log.warning("an evaluation could not be delivered (%s)", exc.reason)
    return len(notes)
