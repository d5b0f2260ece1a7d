"""Where a team stands: a fixed handful of SQL aggregates, however large the team.

Who may look: the team's manager, the managers of the teams above it, and admins.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, and_, bindparam, func
from sqlmodel import Session, col, select

from bot.followup import open_blockers
from bot.messages import OpenBlocker
from bot.periods import week_key, week_start
from bot.scoring import elapsed_fraction, expected_to_date, kpi_attainment, split_totals, status
from storage.tables import Checkin, Kpi, KpiWarning, Measurement, Person, Team

HISTORY_WEEKS = 6


@dataclass
class KpiProgress:
    kpi_id: int
    name: str
    unit: str
    direction: str
    kind: str
    weight: float
    target: float
    actual: float | None
    expected: float | None
    projected: float | None
    attainment: float | None
    status: str


@dataclass
class MemberRow:
    slack_id: str
    name: str
    kpis: list[KpiProgress] = field(default_factory=list)
    score: float | None = None
    result_score: float | None = None
    behaviour_score: float | None = None
    checkin: str = "none"
    missed_streak: int = 0
    blockers: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass
class TeamSummary:
    team: str
    week: str
    members: list[MemberRow]
    subteams: list[str] = field(default_factory=list)
    open_blockers: list[OpenBlocker] = field(default_factory=list)  # oldest first; never in a shared view

    @property
    def average_score(self) -> float | None:
        scores = [m.score for m in self.members if m.score is not None]
        return sum(scores) / len(scores) if scores else None

    @property
    def not_checked_in(self) -> list[MemberRow]:
        return [
            m for m in self.members if m.checkin in {"none", "prompted", "reminded", "snoozed", "claimed", "missed", "failed"}
        ]

    @property
    def behind_two_weeks(self) -> list[MemberRow]:
        return [m for m in self.members if m.warnings]

    @property
    def blockers_by_category(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for member in self.members:
            for category, count in member.blockers.items():
                totals[category] += count
        return dict(totals)

    @property
    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for member in self.members:
            for kpi in member.kpis:
                counts[kpi.status] += 1
        return dict(counts)


class NotAllowed(Exception):  # noqa: N818  (a refusal, not an error)
    """The asker may not see this team; ``managers`` says who may."""

    def __init__(self, team: str, managers: list[str]) -> None:
        super().__init__(team)
        self.team, self.managers = team, managers


class UnknownTeam(Exception):  # noqa: N818
    """No team by that name; ``known`` lists the ones the asker may see."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name, self.known = name, known


def visible_teams(session: Session, *, asker: Person) -> list[Team]:
    """Teams the asker manages and every team below them; all teams for an admin."""
    teams = list(session.exec(select(Team).order_by(col(Team.name))).all())
    if asker.is_admin:
        return teams
    children: dict[int | None, list[Team]] = defaultdict(list)
    for team in teams:
        children[team.parent_id].append(team)
    result: list[Team] = []
    stack = [t for t in teams if t.manager_id == asker.id]
    while stack:
        team = stack.pop(0)
        if team not in result:
            result.append(team)
            stack.extend(children[team.id])
    return result


def resolve_team(session: Session, *, asker: Person, name: str | None) -> Team:
    """The team ``/kpi team [NAME]`` means, or NotAllowed / UnknownTeam."""
    visible = visible_teams(session, asker=asker)
    if name is None:
        own = [t for t in visible if t.manager_id == asker.id] or visible
        if not own:
            raise NotAllowed("", [])
        return own[0]
    wanted = name.strip().casefold()
    match = session.exec(select(Team).where(func.lower(Team.name) == wanted)).first()
    if match is None:
        raise UnknownTeam(name, [t.name for t in visible])
    if match not in visible:
        managers = _managers_up(session, match)
        raise NotAllowed(match.name, managers)
    return match


def _managers_up(session: Session, team: Team) -> list[str]:
    ids: list[str] = []
    current: Team | None = team
    while current is not None:
        if current.manager_id:
            manager = session.get(Person, current.manager_id)
            if manager:
                ids.append(manager.slack_id)
        current = session.get(Team, current.parent_id) if current.parent_id else None
    return ids


def _progress_statement(scoped_to_team: bool) -> Any:
    """The aggregate query, built once: with bind parameters, not rebuilt per request."""
    latest = (
        select(Measurement.value)
        .where(Measurement.kpi_id == Kpi.id)
        .order_by(col(Measurement.period_key).desc())  # ISO week keys sort in time order; served by the unique index
        .limit(1)
        .correlate(Kpi)
        .scalar_subquery()
    )
    fields = (
        Kpi.id,
        Kpi.owner_id,
        Kpi.name,
        Kpi.unit,
        Kpi.direction,
        Kpi.kind,
        Kpi.weight,
        Kpi.target,
        Kpi.baseline,
        Kpi.aggregate,
        Kpi.period_start,
        Kpi.period_end,
    )
    today = bindparam("today", type_=Date)
    columns: list[Any] = [
        *fields,
        func.sum(Measurement.value),
        func.avg(Measurement.value),
        func.count(col(Measurement.id)),
        latest,
    ]
    statement = (
        select(*columns)
        .join(Person, col(Person.id) == Kpi.owner_id)
        .outerjoin(Measurement, and_(col(Measurement.kpi_id) == Kpi.id))
        .where(Kpi.status == "active", Kpi.period_start <= today, Kpi.period_end >= today)
        .group_by(col(Kpi.id))  # the other columns depend on the primary key (PostgreSQL accepts this too)
        .order_by(col(Kpi.owner_id), col(Kpi.weight).desc(), col(Kpi.id))
    )
    return statement.where(Person.team_id == bindparam("team_id")) if scoped_to_team else statement


_STATEMENTS = {True: _progress_statement(True), False: _progress_statement(False)}


def kpi_progress(session: Session, *, team_id: int | None, today: date) -> list[tuple[int, KpiProgress]]:
    """(owner id, progress) for every active KPI of a team (or of everyone), in one query.

    Aggregates are computed in SQL (sum, average and the latest value per
    KPI); plain columns, not ORM entities: building objects and parsing
    their JSON columns was most of the time of a 50-person view.
    """
    params: dict[str, Any] = {"today": today}
    if team_id is not None:
        params["team_id"] = team_id
    rows = session.execute(_STATEMENTS[team_id is not None], params).all()
    result = []
    for (
        kpi_id,
        owner_id,
        name,
        unit,
        direction,
        kind,
        weight,
        target,
        baseline,
        how,
        start,
        end,
        total,
        average,
        count,
        last,
    ) in rows:
        actual = None if not count else {"sum": total, "average": average, "latest": last}[how]
        actual = None if actual is None else float(actual)
        expected = expected_to_date(target, how, start, end, today, baseline)
        fraction = elapsed_fraction(start, end, today)
        projected = (actual / fraction if how == "sum" and fraction else actual) if actual is not None else None
        achieved = kpi_attainment(actual, target, direction, baseline, unit)
        state = status(actual, expected, projected, target, direction, baseline)
        result.append(
            (
                owner_id,
                KpiProgress(kpi_id, name, unit, direction, kind, weight, target, actual, expected, projected, achieved, state),
            )
        )
    return result


def team_summary(session: Session, *, team: Team, today: date, now: datetime | None = None) -> TeamSummary:
    """Members with KPI progress, score, check-in state, miss streaks, blockers and warnings.

    Six queries whatever the team size: members, KPI aggregates, recent
    check-ins, open blockers, recent warnings, sub-teams.
    """
    this_week = week_key(today)
    members = session.exec(
        select(Person.id, Person.slack_id, Person.name)
        .where(Person.team_id == team.id, col(Person.active))
        .order_by(col(Person.name))
    ).all()
    rows = {person_id: MemberRow(slack_id, name) for person_id, slack_id, name in members}
    ids = list(rows)
    scored: dict[int, list[tuple[float | None, float, str]]] = defaultdict(list)
    for owner_id, progress in kpi_progress(session, team_id=team.id, today=today):
        if owner_id in rows:
            rows[owner_id].kpis.append(progress)
            scored[owner_id].append((progress.attainment, progress.weight, progress.kind))
    for person_id, items in scored.items():
        totals = split_totals(items)
        row = rows[person_id]
        row.score, row.result_score, row.behaviour_score = totals["total"], totals["result"], totals["behaviour"]
    since = week_key(week_start(today) - timedelta(weeks=HISTORY_WEEKS))
    history: dict[int | None, dict[str, str]] = defaultdict(dict)
    for owner, key, state in session.exec(
        select(Checkin.person_id, Checkin.period_key, Checkin.status)
        .join(Person, col(Person.id) == Checkin.person_id)
        .where(Person.team_id == team.id, Checkin.period_key >= since)
    ).all():
        history[owner][key] = state
    for member_id, row in rows.items():
        weeks = history.get(member_id, {})
        row.checkin = weeks.get(this_week, "none")
        streak = 0
        for key in sorted((k for k in weeks if k < this_week), reverse=True):
            if weeks[key] != "missed":
                break
            streak += 1
        row.missed_streak = streak
    # what blocks whom, oldest first: the rows themselves (the manager reads each), counted per member
    blocking = open_blockers(
        session, person_ids=[i for i in ids if i is not None], now=now or datetime.combine(today, time(12), tzinfo=UTC)
    )
    by_slack = {row.slack_id: row for row in rows.values()}
    for blocker in blocking:
        member = by_slack.get(blocker.owner_slack_id)
        if member is not None:
            member.blockers[blocker.category] = member.blockers.get(blocker.category, 0) + 1
    recent = week_key(week_start(today) - timedelta(weeks=3))
    for owner_id, name in session.exec(
        select(Kpi.owner_id, Kpi.name)
        .join(KpiWarning, col(KpiWarning.kpi_id) == Kpi.id)
        .join(Person, col(Person.id) == Kpi.owner_id)
        .where(Person.team_id == team.id, KpiWarning.streak_start >= recent)
    ).all():
        if owner_id in rows and name not in rows[owner_id].warnings:
            rows[owner_id].warnings.append(name)
    subteams = list(session.exec(select(Team.name).where(Team.parent_id == team.id).order_by(col(Team.name))).all())
    return TeamSummary(team=team.name, week=this_week, members=[rows[i] for i in ids], subteams=subteams, open_blockers=blocking)


def utc_today(now: datetime) -> date:
    return now.date()
