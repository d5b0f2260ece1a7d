"""Scheduled slower loops: the monthly retro and the quarterly evaluation."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import col, select

from bot.evaluation import evaluate_quarter, last_quarter, period_over
from bot.evaluation_review import EvaluationDrafts, evaluation_rows, take_released
from bot.messages import WatchQuestion
from bot.periods import period_bounds
from bot.ports import UndeliverableError
from bot.retro import due_retros
from bot.services import Services
from storage.engine import session_scope
from storage.tables import Person, Retro, Team

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
        manager = _manager(services, item.team.manager_id) if item.questions else None
        if manager is not None:
            ask_manager(services, manager, item.questions)
    return posted


def ask_manager(services: Services, manager: Person, questions: list[WatchQuestion]) -> None:
    """The gaming watch's questions go to the manager privately, never to the channel."""
    for question in questions:
        try:
            channel = manager.dm_channel_id or services.gateway.open_dm(manager.slack_id)
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
                outbox.append((manager, EvaluationDrafts(quarter, team.name, rows)))
        for team, proposal in work.stars:
            manager = session.get(Person, team.manager_id) if team.manager_id else None
            if manager is not None:
                outbox.append((manager, proposal))
        table = EvaluationDrafts(quarter, "", evaluation_rows(session, period=quarter))
        outbox += [(admin, table) for admin in session.exec(select(Person).where(col(Person.is_admin))).all()]
    for person, message in outbox:
        try:
            services.gateway.send(
                person.dm_channel_id or services.gateway.open_dm(person.slack_id), message, locale=person.locale
            )
        except UndeliverableError as exc:
            log.warning("an evaluation draft could not be delivered (%s)", exc.reason)
    return len(work.notes)


def deliver_released(services: Services, now: datetime) -> int:
    """Evaluations a manager released: each to its person, once (the row is claimed before sending)."""
    with session_scope(services.engine) as session:
        notes = take_released(session, now=now)
    for person, note in notes:
        try:
            services.gateway.send(person.dm_channel_id or services.gateway.open_dm(person.slack_id), note, locale=person.locale)
        except UndeliverableError as exc:
            log.warning("an evaluation could not be delivered (%s)", exc.reason)
    return len(notes)
