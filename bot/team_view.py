"""Where a team stands: a fixed handful of SQL aggregates, however large the team.

Who may look: the team's manager, the managers of the teams above it, and admins.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, String, bindparam, case, func, true, type_coerce
from sqlmodel import Session, col, select

from bot.checkin import CheckinStatus
from bot.followup import team_blockers
from bot.kpi_state import (
    WINDOW,
    KpiSpec,
    KpiState,
    KpiStatus,
    PeriodFigures,
    Status,
    behind_weeks_running,
    counted_weeks,
    kpi_state,
    local_day,
    reporting_moment,
    state_of,
    weekly_values,
    weighted_pace,
)
from bot.messages import OpenBlocker
from bot.periods import week_key, week_start
from bot.refusal import Mentions, Names, Refusal
from bot.scoring import split_totals
from storage.tables import Checkin, Kpi, Measurement, Person, Team

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
    spec: KpiSpec | None = None  # what the state was computed from (for judging earlier weeks the same way)

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
    behind_running: list[KpiProgress] = field(default_factory=list)  # behind two reporting weeks running (kpi_state)


@dataclass(eq=False)  # compared and hashed by identity: a rendering is kept per summary (handlers.team)
class TeamSummary:
    team: str
    week: str
    members: list[MemberRow]
    subteams: list[str] = field(default_factory=list)
    open_blockers: list[OpenBlocker] = field(default_factory=list)  # oldest first; never in a shared view
    clocks: dict[str | None, date] = field(default_factory=dict)  # each member's timezone -> the day it was computed for

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
        return [m for m in self.members if m.behind_running]

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


_OWN_TEAM = select(Team).where(Team.manager_id == bindparam("manager_id")).order_by(col(Team.name)).limit(1)
_FIRST_TEAM = select(Team).order_by(col(Team.name)).limit(1)


def resolve_team(session: Session, *, asker: Person, name: str | None) -> Team:
    """The team ``/kpi team [NAME]`` means, or NotAllowed / UnknownTeam.

    The asker's own team (the first they manage by name; an admin who manages
    none: the first team) and the permission check read a row or two, not every
    team of the organisation; the full list is built only to word a refusal.
    """
    if name is None:
        own = session.exec(_OWN_TEAM, params={"manager_id": asker.id}).first()
        if own is None and asker.is_admin:
            own = session.exec(_FIRST_TEAM).first()
        if own is None:
            raise NotAllowed("", [])
        return own
    wanted = name.strip().casefold()
    match = session.exec(select(Team).where(func.lower(Team.name) == wanted)).first()
    if match is None:
        raise UnknownTeam(name, [t.name for t in visible_teams(session, asker=asker)])
    if not asker.is_admin and not _manages_or_above(session, asker, match):
        raise NotAllowed(match.name, _managers_up(session, match))
    return match


def _manages_or_above(session: Session, asker: Person, team: Team) -> bool:
    """Whether the asker manages ``team`` or a team above it (what ``visible_teams`` means, walked upwards)."""
    current: Team | None = team
    seen: set[int | None] = set()
    while current is not None and current.id not in seen:
        if current.manager_id == asker.id:
            return True
        seen.add(current.id)
        current = session.get(Team, current.parent_id) if current.parent_id else None
    return False


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


def _active_around(statement: Any, scoped_to_team: bool) -> Any:
    """Only active KPIs whose period touches the day (+-1 for timezones); of one team or of everyone."""
    statement = statement.where(
        Kpi.status == KpiStatus.ACTIVE,
        Kpi.period_start <= bindparam("last", type_=Date),
        Kpi.period_end >= bindparam("first", type_=Date),
    )
    return statement.where(Person.team_id == bindparam("team_id")) if scoped_to_team else statement


def _figures_subquery(scoped_to_team: bool) -> Any:
    """Per KPI, how many values count, their sum and lowest, and the first and last week: one grouped pass.

    Weeks up to ``upper`` (the latest reporting week any owner's clock can be
    in) are added up; ``kpi_progress`` checks the first and last week against
    the owner's own reporting week and the period before trusting the sums.
    """
    kpis = _active_around(select(Kpi.id).join(Person, col(Person.id) == Kpi.owner_id), scoped_to_team)
    week = col(Measurement.week_start)
    return (
        select(col(Measurement.kpi_id).label("kpi_id"), *_figure_columns())
        .where(col(Measurement.kpi_id).in_(kpis), week <= bindparam("upper", type_=Date))
        .group_by(col(Measurement.kpi_id))
        .subquery("figures")
    )


def _figure_columns() -> list[Any]:
    """What ``PeriodFigures`` needs of a KPI's counted weeks, added up by the database (both query forms)."""
    week = col(Measurement.week_start)
    return [
        func.count().label("count"),
        func.sum(col(Measurement.value)).label("total"),
        func.min(col(Measurement.value)).label("lowest"),
        func.min(week).label("first_week"),
        func.max(week).label("last_week"),
    ]


def _figures_lateral() -> Any:
    """The same figures per KPI as a LATERAL subquery (PostgreSQL): one index range per KPI of the view.

    PostgreSQL's planner scans the whole measurement table for the grouped
    form while the table is small (a 50-person organisation: ten times
    slower); a lateral join walks each KPI's index entries whatever the size.
    SQLite has no LATERAL and does best with the grouped pass.
    """
    week = col(Measurement.week_start)
    return (
        select(*_figure_columns())
        .where(Measurement.kpi_id == Kpi.id, week <= Kpi.period_end, week <= bindparam("upper", type_=Date))
        .lateral("figures")
    )


def _recent(newest: int) -> Any:
    """The ``newest``-th latest counted value (0 = the latest) of the outer query's KPI; only averages and
    latest values need them for their forecast, so sums skip the lookup."""
    week = col(Measurement.week_start)
    value = (
        select(col(Measurement.value))
        .where(Measurement.kpi_id == Kpi.id, week <= Kpi.period_end, week <= bindparam("upper", type_=Date))
        .order_by(week.desc())
        .limit(1)
        .offset(newest)
        .scalar_subquery()
    )
    return case((col(Kpi.aggregate) != "sum", value)).label(f"recent{newest}")


def _kpi_statement(scoped_to_team: bool, lateral: bool) -> Any:
    """Active KPIs around a day, with their owner's timezone and their figures; built once, with bind parameters."""
    figures = _figures_lateral() if lateral else _figures_subquery(scoped_to_team)
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
        type_coerce(Kpi.names, String),  # decoded by _names: mostly the same few texts ("{}")
        figures.c.count,
        figures.c.total,
        figures.c.lowest,
        figures.c.first_week,
        figures.c.last_week,
        *(_recent(n) for n in range(WINDOW)),
    ]
    statement = (
        select(*columns)
        .join(Person, col(Person.id) == Kpi.owner_id)
        .outerjoin(figures, true() if lateral else figures.c.kpi_id == Kpi.id)
        .order_by(col(Kpi.owner_id), col(Kpi.weight).desc(), col(Kpi.id))
    )
    return _active_around(statement, scoped_to_team)


# (scoped to one team, lateral) -> statement; lateral where the database has it (PostgreSQL)
_STATEMENTS = {(scoped, lateral): _kpi_statement(scoped, lateral) for scoped in (True, False) for lateral in (True, False)}


def _summary_statements() -> dict[str, Any]:
    """The team summary's other four queries, built once with bind parameters (building them was a cost per request)."""
    team_id: Any = bindparam("team_id")
    return {
        "members": select(Person.id, Person.slack_id, Person.name, Person.tz)
        .where(Person.team_id == team_id, col(Person.active))
        .order_by(col(Person.name)),
        "checkins": select(Checkin.person_id, Checkin.period_key, Checkin.status)
        .join(Person, col(Person.id) == Checkin.person_id)
        .where(Person.team_id == team_id, Checkin.period_key >= bindparam("since")),
        "behind_weekly": select(col(Measurement.kpi_id), col(Measurement.week_start), col(Measurement.value)).where(
            col(Measurement.kpi_id).in_(bindparam("kpi_ids", expanding=True))
        ),
        "subteams": select(Team.name).where(Team.parent_id == team_id).order_by(col(Team.name)),
    }


_SUMMARY = _summary_statements()


def _names(raw: str | dict[str, str] | None) -> dict[str, str]:
    """The KPI's names per language from the JSON column: PostgreSQL's driver decodes it, SQLite gives text."""
    if isinstance(raw, dict):
        return dict(raw)
    return dict(_decoded_names(raw or "{}"))


@lru_cache(maxsize=4096)
def _decoded_names(text: str) -> dict[str, str]:
    """Decoded once per distinct text (read-only: ``_names`` hands out copies)."""
    found = json.loads(text)
    return found if isinstance(found, dict) else {}


def kpi_progress(
    session: Session, *, team_id: int | None, now: datetime | None = None, day: date | None = None
) -> list[tuple[int, KpiProgress]]:
    """(owner id, progress) for every active KPI of a team (or of everyone): one query.

    With ``now``: each KPI at the end of its owner's current reporting week,
    in the owner's timezone, so every viewer sees the same. With ``day``: at
    the end of the reporting week containing that calendar day (a retro's
    month end). The database adds up each KPI's counted weeks
    (``PeriodFigures``) and ``state_of`` decides, as for every other surface.
    A KPI whose added-up weeks do not match its owner's own reporting week
    (a value already in for a week that has not begun on the owner's clock)
    is computed from its weekly rows instead: one more query, only then.
    """
    if (now is None) == (day is None):
        raise ValueError("kpi_progress needs exactly one of now= or day=")
    around = day if day is not None else (now or datetime.min).date()
    upper = week_start(around + timedelta(days=1 if day is None else 0))  # no owner's reporting week starts later
    params: dict[str, Any] = {"first": around - timedelta(days=1), "last": around + timedelta(days=1), "upper": upper}
    if team_id is not None:
        params["team_id"] = team_id
    # Core rows through the session's connection: same transaction, none of the ORM's per-row result work.
    connection = session.connection()
    lateral = connection.dialect.name == "postgresql"
    rows = connection.execute(_STATEMENTS[team_id is not None, lateral], params).all()
    local_days: dict[str | None, date] = {}
    moments: dict[tuple[date, date, date], tuple[date, date, date]] = {}  # (start, end, local) -> moment, counted weeks
    result: list[tuple[int, KpiProgress]] = []
    recount: dict[int, tuple[int, KpiSpec, date]] = {}  # position -> (kpi id, spec, moment)
    for row in rows:
        kpi_id, owner_id, name, unit, direction, kind, weight, target, baseline, how, start, end, tz, names = row[:14]
        count, total, lowest, first_week, last_week = row[14:19]
        local = day if day is not None else local_days.get(tz)
        if local is None:
            local = local_days[tz] = local_day(tz, now or datetime.min)  # once per timezone, not per KPI
        if not start <= local <= end:
            continue  # the window above is +-1 day for timezones; the owner's own date decides
        spec = KpiSpec(unit, direction, how, target, baseline, start, end)
        timing = moments.get((start, end, local))
        if timing is None:  # the same few periods and days recur for every KPI of a team
            moment = reporting_moment(spec, local)
            timing = moments[start, end, local] = (moment, *counted_weeks(spec, moment))
        moment, first, last = timing
        if count:
            if first_week < first or last_week > last:
                recount[len(result)] = (kpi_id, spec, moment)
            recent = () if how == "sum" else tuple(reversed(row[19 : 19 + min(count, WINDOW)]))  # a sum reads none
            figures = PeriodFigures(count, float(total), lowest, recent)
        else:
            figures = PeriodFigures(0, 0.0, 0.0, ())
        state = state_of(spec, figures, moment)
        progress = KpiProgress(kpi_id, name, unit, direction, kind, weight, target, state, _names(names), spec)
        result.append((owner_id, progress))
    if recount:
        weekly = weekly_values(session, [kpi_id for kpi_id, _, _ in recount.values()])
        for position, (kpi_id, spec, moment) in recount.items():
            owner_id, progress = result[position]
            progress.state = kpi_state(spec, weekly.get(kpi_id, []), moment)
    return result


def team_summary(session: Session, *, team: Team, now: datetime, today: date) -> TeamSummary:
    """Members with KPI progress, score, check-in state, miss streaks, blockers and warnings.

    Six queries whatever the team size: members, KPIs with their figures
    added up, recent check-ins, open blockers, the weekly rows of KPIs behind now
    (to judge last week the same way), sub-teams. KPI figures
    are each owner's (``now`` on their clock); ``today`` is the viewer's date
    and picks the check-in week shown.
    """
    this_week = week_key(today)
    db = session.connection()  # Core rows: these are plain columns, the ORM's per-row work bought nothing
    members = db.execute(_SUMMARY["members"], {"team_id": team.id}).all()
    rows = {person_id: MemberRow(slack_id, name) for person_id, slack_id, name, _ in members}
    clocks = {tz: local_day(tz, now) for tz in {tz for *_, tz in members}}  # what the figures depend on of ``now``
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
    blocking = team_blockers(session, team_id=team.id, now=now)  # the members' open blockers
    by_slack = {row.slack_id: row for row in rows.values()}
    for blocker in blocking:
        member = by_slack.get(blocker.owner_slack_id)
        if member is not None:
            member.blockers[blocker.category] = member.blockers.get(blocker.category, 0) + 1
    _mark_behind_running(db, list(rows.values()))
    subteams = list(db.execute(_SUMMARY["subteams"], {"team_id": team.id}).scalars())
    return TeamSummary(
        team=team.name,
        week=this_week,
        members=[rows[i] for i in ids],
        subteams=subteams,
        open_blockers=blocking,
        clocks=clocks,
    )


def _mark_behind_running(db: Any, members: list[MemberRow]) -> None:
    """Each member's KPIs behind two reporting weeks running (``kpi_state.behind_weeks_running``).

    Only a KPI behind now can have been behind twice, so only those KPIs'
    weekly rows are read: one query, always run (an empty list included), so
    the view's query count does not depend on the figures.
    """
    behind = [(m, k) for m in members for k in m.kpis if k.status is Status.BEHIND and k.spec is not None]
    weekly: dict[int, list[tuple[date, float]]] = defaultdict(list)
    for kpi_id, week, value in db.execute(_SUMMARY["behind_weekly"], {"kpi_ids": [k.kpi_id for _, k in behind]}).all():
        weekly[kpi_id].append((week, value))
    for member, kpi in behind:
        assert kpi.spec is not None
        if behind_weeks_running(kpi.spec, weekly[kpi.kpi_id], kpi.state.moment, now=kpi.state):
            member.behind_running.append(kpi)


def utc_today(now: datetime) -> date:
    return now.date()
