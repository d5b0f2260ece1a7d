"""Where a team stands: a fixed handful of SQL aggregates, however large the team.

Who may look: the team's manager, the managers of the teams above it, and admins.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, bindparam, func
from sqlmodel import Session, col, select

from bot.checkin import CheckinStatus
from bot.followup import open_blockers
from bot.kpi_state import KpiSpec, KpiState, KpiStatus, Status, kpi_state, local_day, reporting_moment, weighted_pace
from bot.messages import OpenBlocker
from bot.periods import week_key, week_start
from bot.refusal import Mentions, Names, Refusal
from bot.scoring import split_totals
from storage.tables import Checkin, Kpi, KpiWarning, Measurement, Person, Team

NO_CHECKIN = "none"  # no check-in row for the week (not a stored status)
NOT_CHECKED_IN = {
    NO_CHECKIN,
    CheckinStatus.PROMPTED,
    CheckinStatus.REMINDED,
    CheckinStatus.SNOOZED,
    CheckinStatus.CLAIMED,
    CheckinStatus.MISSED,
    CheckinStatus.FAILED,
}

HISTORY_WEEKS = 6


@dataclass
class KpiProgress:
    """One KPI as the team view, goals and retro show it: its identity plus its ``KpiState``."""

    kpi_id: int
    name: str
    unit: str
    direction: str
    kind: str
    weight: float
    target: float
    state: KpiState
    names: dict[str, str] = field(default_factory=dict)  # the name per language (bot.names.local_name)

    @property
    def actual(self) -> float | None:
        return self.state.so_far

    @property
    def expected(self) -> float:
        return self.state.on_pace

    @property
    def projected(self) -> float | None:
        return self.state.forecast

    @property
    def attainment(self) -> float | None:
        """Of target (the weighted score's input)."""
        return self.state.target_attainment

    @property
    def status(self) -> Status:
        return self.state.status


@dataclass
class MemberRow:
    slack_id: str
    name: str
    kpis: list[KpiProgress] = field(default_factory=list)
    score: float | None = None  # weighted "of target"
    pace_score: float | None = None  # weighted "on pace"
    result_score: float | None = None
    behaviour_score: float | None = None
    checkin: str = NO_CHECKIN
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
        """The mean of the members' weighted "of target" scores (members without figures left out)."""
        scores = [m.score for m in self.members if m.score is not None]
        return sum(scores) / len(scores) if scores else None

    @property
    def average_pace(self) -> float | None:
        """The mean of the members' weighted "on pace" figures (members without figures left out)."""
        scores = [m.pace_score for m in self.members if m.pace_score is not None]
        return sum(scores) / len(scores) if scores else None

    @property
    def scored_members(self) -> int:
        return sum(1 for m in self.members if m.score is not None)

    @property
    def not_checked_in(self) -> list[MemberRow]:
        return [m for m in self.members if m.checkin in NOT_CHECKED_IN]

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


class NotAllowed(Refusal):
    """The asker may not see this team; ``managers`` (Slack ids) says who may."""

    def __init__(self, team: str, managers: list[str]) -> None:
        super().__init__("not_a_manager", who=Mentions(tuple(managers), empty="no_admins"))
        self.team, self.managers = team, managers


class UnknownTeam(Refusal):
    """No team by that name; ``known`` lists the ones the asker may see."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__("unknown_team", name=name[:100], known=Names(tuple(known), empty="no_teams"))
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


def _kpi_statement(scoped_to_team: bool) -> Any:
    """Active KPIs around a day, with their owner's timezone; built once, with bind parameters."""
    columns: list[Any] = [
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
        Person.tz,
        Kpi.names,
    ]
    statement = (
        select(*columns)
        .join(Person, col(Person.id) == Kpi.owner_id)
        .where(
            Kpi.status == KpiStatus.ACTIVE,
            Kpi.period_start <= bindparam("last", type_=Date),
            Kpi.period_end >= bindparam("first", type_=Date),
        )
        .order_by(col(Kpi.owner_id), col(Kpi.weight).desc(), col(Kpi.id))
    )
    return statement.where(Person.team_id == bindparam("team_id")) if scoped_to_team else statement


def _values_statement(scoped_to_team: bool) -> Any:
    """The weekly values of the same KPIs, as plain columns (no ORM objects: that was most of the time)."""
    statement = (
        select(col(Measurement.kpi_id), col(Measurement.week_start), col(Measurement.value))
        .join(Kpi, col(Kpi.id) == Measurement.kpi_id)
        .join(Person, col(Person.id) == Kpi.owner_id)
        .where(
            Kpi.status == KpiStatus.ACTIVE,
            Kpi.period_start <= bindparam("last", type_=Date),
            Kpi.period_end >= bindparam("first", type_=Date),
        )
    )
    return statement.where(Person.team_id == bindparam("team_id")) if scoped_to_team else statement


_STATEMENTS = {scoped: (_kpi_statement(scoped), _values_statement(scoped)) for scoped in (True, False)}


def _summary_statements() -> dict[str, Any]:
    """The team summary's other four queries, built once with bind parameters (building them was a cost per request)."""
    team_id: Any = bindparam("team_id")
    return {
        "members": select(Person.id, Person.slack_id, Person.name)
        .where(Person.team_id == team_id, col(Person.active))
        .order_by(col(Person.name)),
        "checkins": select(Checkin.person_id, Checkin.period_key, Checkin.status)
        .join(Person, col(Person.id) == Checkin.person_id)
        .where(Person.team_id == team_id, Checkin.period_key >= bindparam("since")),
        "warnings": select(Kpi.owner_id, Kpi.name)
        .join(KpiWarning, col(KpiWarning.kpi_id) == Kpi.id)
        .join(Person, col(Person.id) == Kpi.owner_id)
        .where(Person.team_id == team_id, KpiWarning.streak_start >= bindparam("recent")),
        "subteams": select(Team.name).where(Team.parent_id == team_id).order_by(col(Team.name)),
    }


_SUMMARY = _summary_statements()


def kpi_progress(
    session: Session, *, team_id: int | None, now: datetime | None = None, day: date | None = None
) -> list[tuple[int, KpiProgress]]:
    """(owner id, progress) for every active KPI of a team (or of everyone): two queries.

    With ``now``: each KPI at the end of its owner's current reporting week,
    in the owner's timezone, so every viewer sees the same. With ``day``: at
    the end of the reporting week containing that calendar day (a retro's
    month end).
    """
    if (now is None) == (day is None):
        raise ValueError("kpi_progress needs exactly one of now= or day=")
    around = day if day is not None else (now or datetime.min).date()
    params: dict[str, Any] = {"first": around - timedelta(days=1), "last": around + timedelta(days=1)}
    if team_id is not None:
        params["team_id"] = team_id
    kpi_sql, values_sql = _STATEMENTS[team_id is not None]
    # Core rows through the session's connection: same transaction, none of the ORM's per-row result work.
    connection = session.connection()
    weekly: dict[int, list[tuple[date, float]]] = defaultdict(list)
    for kpi_id, week, value in connection.execute(values_sql, params).all():
        weekly[kpi_id].append((week, value))
    result = []
    for kpi_id, owner_id, name, unit, direction, kind, weight, target, baseline, how, start, end, tz, names in connection.execute(
        kpi_sql, params
    ).all():
        local = day if day is not None else local_day(tz, now or datetime.min)
        if not start <= local <= end:
            continue  # the window above is +-1 day for timezones; the owner's own date decides
        spec = KpiSpec(unit, direction, how, target, baseline, start, end)
        state = kpi_state(spec, weekly.get(kpi_id, []), reporting_moment(spec, local))
        result.append((owner_id, KpiProgress(kpi_id, name, unit, direction, kind, weight, target, state, dict(names or {}))))
    return result


def team_summary(session: Session, *, team: Team, now: datetime, today: date) -> TeamSummary:
    """Members with KPI progress, score, check-in state, miss streaks, blockers and warnings.

    Seven queries whatever the team size: members, KPIs, their weekly values,
    recent check-ins, open blockers, recent warnings, sub-teams. KPI figures
    are each owner's (``now`` on their clock); ``today`` is the viewer's date
    and picks the check-in week shown.
    """
    this_week = week_key(today)
    db = session.connection()  # Core rows: these are plain columns, the ORM's per-row work bought nothing
    members = db.execute(_SUMMARY["members"], {"team_id": team.id}).all()
    rows = {person_id: MemberRow(slack_id, name) for person_id, slack_id, name in members}
    ids = list(rows)
    scored: dict[int, list[tuple[float | None, float, str]]] = defaultdict(list)
    for owner_id, progress in kpi_progress(session, team_id=team.id, now=now):
        if owner_id in rows:
            rows[owner_id].kpis.append(progress)
            scored[owner_id].append((progress.state.score, progress.weight, progress.kind))
    for person_id, items in scored.items():
        totals = split_totals(items)
        row = rows[person_id]
        row.score, row.result_score, row.behaviour_score = totals["total"], totals["result"], totals["behaviour"]
        row.pace_score = weighted_pace([(p.state, p.weight) for p in row.kpis])
    since = week_key(week_start(today) - timedelta(weeks=HISTORY_WEEKS))
    history: dict[int | None, dict[str, str]] = defaultdict(dict)
    for owner, key, state in db.execute(_SUMMARY["checkins"], {"team_id": team.id, "since": since}).all():
        history[owner][key] = state
    for member_id, row in rows.items():
        weeks = history.get(member_id, {})
        row.checkin = weeks.get(this_week, NO_CHECKIN)
        streak = 0
        for key in sorted((k for k in weeks if k < this_week), reverse=True):
            if weeks[key] != CheckinStatus.MISSED:
                break
            streak += 1
        row.missed_streak = streak
    # what blocks whom, oldest first: the rows themselves (the manager reads each), counted per member
    blocking = open_blockers(session, person_ids=[i for i in ids if i is not None], now=now)
    by_slack = {row.slack_id: row for row in rows.values()}
    for blocker in blocking:
        member = by_slack.get(blocker.owner_slack_id)
        if member is not None:
            member.blockers[blocker.category] = member.blockers.get(blocker.category, 0) + 1
    recent = week_key(week_start(today) - timedelta(weeks=3))
    for owner_id, name in db.execute(_SUMMARY["warnings"], {"team_id": team.id, "recent": recent}).all():
        if owner_id in rows and name not in rows[owner_id].warnings:
            rows[owner_id].warnings.append(name)
    subteams = list(db.execute(_SUMMARY["subteams"], {"team_id": team.id}).scalars())
    return TeamSummary(team=team.name, week=this_week, members=[rows[i] for i in ids], subteams=subteams, open_blockers=blocking)


def utc_today(now: datetime) -> date:
    return now.date()
