"""The monthly retro: team-level figures in the channel, root-cause questions to owners of missed KPIs.

Posted once per team and month (the Retro row is the claim), on the team's
retro day, about the month that just ended. The channel sees only team
totals; each owner of a KPI that ended the month behind gets a private
root-cause prompt, whose answer becomes an action item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.gaming_watch import watch_questions
from bot.kpi_state import Status
from bot.messages import EarlyWarning, RetroPost, WatchQuestion
from bot.people import local_now
from bot.periods import week_key
from bot.team_view import kpi_progress
from storage.queries import insert_if_absent
from storage.tables import ActionItem, Blocker, Checkin, Person, Retro, Team


@dataclass
class RetroWork:
    team: Team
    channel: str | None
    post: RetroPost
    asks: list[tuple[Person, EarlyWarning]]
    retro_id: int
    questions: list[WatchQuestion] = field(default_factory=list)  # the gaming watch, for the manager


def previous_month(day: date) -> tuple[str, date, date]:
    first_this = day.replace(day=1)
    last = first_this - timedelta(days=1)
    return f"{last:%Y-%m}", last.replace(day=1), last


def due_retros(session: Session, *, now: datetime) -> list[RetroWork]:
    """Teams whose retro day has come (manager's local date) and whose retro for last month is not claimed."""
    work = []
    recent = {previous_month((now + timedelta(days=d)).date())[0] for d in (-1, 0, 1)}
    done = set(session.exec(select(Retro.team_id, Retro.month).where(col(Retro.month).in_(recent))).all())
    # one query for every team and its manager: this runs on every scheduler tick
    for team, manager in session.exec(select(Team, Person).join(Person, col(Person.id) == Team.manager_id)).all():
        today = local_now(manager, now).date()
        month, first, last = previous_month(today)
        if today.day < team.retro_day or (team.id, month) in done:
            continue  # a read, not a write, on every tick of the month
        retro_id = insert_if_absent(
            session, Retro, {"team_id": team.id, "month": month, "channel_id": team.channel_id, "summary": {}, "created_at": now}
        )
        if not retro_id:
            continue
        item = _build(session, team, month, first, last, retro_id, now)
        if item.post.checkin_rate is None and not item.post.status_counts:
            continue  # nothing happened that month (a new team, or one without KPIs): no empty post
        work.append(item)
    return work


def _build(session: Session, team: Team, month: str, first: date, last: date, retro_id: int, now: datetime) -> RetroWork:
    members = list(session.exec(select(Person).where(Person.team_id == team.id, col(Person.active))).all())
    ids = [p.id for p in members]
    weeks = [week_key(first + timedelta(days=d)) for d in range(0, (last - first).days + 1, 7)] + [week_key(last)]
    states = (
        session.exec(select(Checkin.status).where(col(Checkin.person_id).in_(ids), col(Checkin.period_key).in_(weeks))).all()
        if ids
        else []
    )
    answered = sum(1 for s in states if s in {"stored", "confirmed", "answering"})
    counted = sum(1 for s in states if s not in {"away", "skipped"})
    progress = kpi_progress(session, team_id=team.id, day=last)  # at the end of the reporting week holding the month end
    counts: dict[str, int] = {}
    for _, p in progress:
        counts[p.status] = counts.get(p.status, 0) + 1
    blockers = (
        dict(
            session.exec(
                select(Blocker.category, func.count(col(Blocker.id)))
                .where(
                    col(Blocker.person_id).in_(ids),
                    Blocker.reported_at >= _start(first),
                    Blocker.reported_at < _start(last + timedelta(days=1)),
                )
                .group_by(col(Blocker.category))
            ).all()
        )
        if ids
        else {}
    )
    done = (
        session.exec(
            select(func.count(col(ActionItem.id))).where(col(ActionItem.person_id).in_(ids), col(ActionItem.done_at).is_not(None))
        ).one()
        if ids
        else 0
    )
    open_items = (
        session.exec(
            select(func.count(col(ActionItem.id))).where(col(ActionItem.person_id).in_(ids), col(ActionItem.done_at).is_(None))
        ).one()
        if ids
        else 0
    )
    by_id = {p.id: p for p in members}
    asks = [
        (by_id[owner], EarlyWarning(0, p.kpi_id, p.name, p.unit, 0, p.actual, p.expected, origin="retro", names=p.names))
        for owner, p in progress
        if p.status is Status.BEHIND and owner in by_id
    ]
    post = RetroPost(
        team.name,
        month,
        answered / counted if counted else None,
        counts,
        blockers,
        int(done or 0),
        int(open_items or 0),
        len(asks),
    )
    questions = watch_questions(session, team_id=team.id, month=month, first=first, last=last) if team.id else []
    return RetroWork(team, team.channel_id, post, asks, retro_id, questions)


def _start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
