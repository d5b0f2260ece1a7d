"""``kpibot report team NAME`` and ``kpibot report org``: KPIs with statuses, check-in rates, blockers, evaluations.

Figures and statuses come from the one KPI state function (``bot.kpi_state``,
through ``bot.team_view`` like ``/kpi team``), at the period's end (or now while it runs).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time
from typing import Any

from sqlmodel import Session, col, select

from bot.charts import render_png, team_series
from bot.checkin import ANSWERED, CheckinStatus
from bot.evaluation import EvaluationStatus
from bot.periods import week_key
from bot.reports.model import Chart, Report, ReportError, ReportRequest, Table, register
from bot.team_view import team_summary
from storage.tables import Blocker, Checkin, Evaluation, Person, Team

KPI_COLUMNS = [
    "team",
    "person",
    "slack_id",
    "kpi",
    "unit",
    "direction",
    "weight",
    "target",
    "value",
    "on_track_value",
    "forecast",
    "attainment",
    "on_pace",
    "status",
    "source",
]
PEOPLE_COLUMNS = ["team", "person", "slack_id", "score", "checkins_answered", "checkins_asked", "checkin_rate", "open_blockers"]


@register("team", needs_name=True, description="one team and the teams below it")
def team_report(session: Session, request: ReportRequest) -> Report:
    team = session.exec(select(Team).where(Team.name == request.name)).first()
    if team is None:
        known = ", ".join(session.exec(select(Team.name).order_by(col(Team.name))).all()) or "none yet"
        raise ReportError(f"there is no team '{request.name}' (teams: {known})")
    return _report(session, request, _with_subteams(session, team), f"{team.name}: KPI report {request.period}")


@register("org", needs_name=False, description="every team")
def org_report(session: Session, request: ReportRequest) -> Report:
    teams = list(session.exec(select(Team).order_by(col(Team.name))).all())
    return _report(session, request, teams, f"Organisation KPI report {request.period}")


def _with_subteams(session: Session, team: Team) -> list[Team]:
    everyone = list(session.exec(select(Team).order_by(col(Team.name))).all())
    children: dict[int | None, list[Team]] = defaultdict(list)
    for t in everyone:
        children[t.parent_id].append(t)
    result, queue = [], [team]
    while queue:
        current = queue.pop(0)
        result.append(current)
        queue.extend(children.get(current.id, []))
    return result


def _report(session: Session, request: ReportRequest, teams: list[Team], title: str) -> Report:
    kpis = Table("kpis", "KPIs", KPI_COLUMNS)
    people = Table("people", "People", PEOPLE_COLUMNS)
    team_ids = [t.id for t in teams if t.id is not None]
    names = {t.id: t.name for t in teams}
    rates = _checkin_rates(session, team_ids, request)
    sources = _sources(session, team_ids)
    statuses: dict[str, int] = defaultdict(int)
    charts: list[Chart] = []
    # kpi_state measures each KPI at its owner's week end around ``now``: the period's last moment, or now while it runs.
    moment = min(request.now, datetime.combine(request.end, time(23, 59), tzinfo=UTC))
    for team in teams:
        assert team.id is not None
        for member in team_summary(session, team=team, now=moment, today=request.as_of).members:
            for k in member.kpis:
                statuses[k.status] += 1
                kpis.rows.append(
                    [
                        team.name,
                        member.name,
                        member.slack_id,
                        k.name,
                        k.unit,
                        k.direction,
                        k.weight,
                        k.target,
                        k.actual,
                        k.expected,
                        k.projected,
                        k.attainment,
                        k.state.pace_attainment,
                        str(k.status),
                        sources.get(k.kpi_id, ""),
                    ]
                )
            answered, asked = rates.get(member.slack_id, (0, 0))
            people.rows.append(
                [
                    team.name,
                    member.name,
                    member.slack_id,
                    member.score,
                    answered,
                    asked,
                    answered / asked if asked else None,
                    sum(member.blockers.values()),
                ]
            )
        series = team_series(session, team_id=team.id, day=request.as_of)
        if series:
            charts.append(Chart(f"{team.name}: team trend", render_png(series, f"{team.name} · {request.period}")))
    blockers = _blockers(session, team_ids, names, request)
    evaluations = _evaluations(session, team_ids, names, request)
    answered = sum(a for a, _ in rates.values())
    asked = sum(b for _, b in rates.values())
    summary: dict[str, Any] = {
        "teams": len(teams),
        "people": len(people.rows),
        "kpis": len(kpis.rows),
        **{f"kpis_{state}": count for state, count in sorted(statuses.items())},
        "checkin_rate": answered / asked if asked else None,
        "blockers_reported": len(blockers.rows),
        "evaluations": len(evaluations.rows),
    }
    return Report(
        kind=request.kind,
        title=title,
        period=request.period,
        generated_at=request.now,
        summary=summary,
        tables=[kpis, people, blockers, evaluations],
        charts=charts,
        csv_table="kpis",
    )


def _checkin_rates(session: Session, team_ids: list[int], request: ReportRequest) -> dict[str, tuple[int, int]]:
    """Per person: check-ins answered and asked in the period's weeks (skipped and away weeks not counted)."""
    first, last = week_key(request.start), week_key(request.as_of)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    rows = session.exec(
        select(Person.slack_id, Checkin.status)
        .join(Checkin, col(Checkin.person_id) == Person.id)
        .where(col(Person.team_id).in_(team_ids), Checkin.period_key >= first, Checkin.period_key <= last)
    ).all()
    for slack_id, state in rows:
        if state in {CheckinStatus.SKIPPED, CheckinStatus.AWAY}:
            continue
        counts[slack_id][1] += 1
        counts[slack_id][0] += state in ANSWERED
    return {k: (v[0], v[1]) for k, v in counts.items()}


def _sources(session: Session, team_ids: list[int]) -> dict[int, str]:
    from storage.tables import Kpi

    rows = session.exec(
        select(Kpi.id, Kpi.fed_by)
        .join(Person, col(Person.id) == Kpi.owner_id)
        .where(col(Person.team_id).in_(team_ids), col(Kpi.fed_by).is_not(None))
    ).all()
    return {kid: fed for kid, fed in rows if kid is not None and fed}


def _blockers(session: Session, team_ids: list[int], names: dict[int | None, str], request: ReportRequest) -> Table:
    table = Table("blockers", "Blockers", ["team", "person", "reported", "category", "text", "resolved"])
    rows = session.exec(
        select(Person.team_id, Person.name, Blocker)
        .join(Blocker, col(Blocker.person_id) == Person.id)
        .where(col(Person.team_id).in_(team_ids))
        .order_by(col(Blocker.reported_at))
    ).all()
    for team_id, name, blocker in rows:
        reported = blocker.reported_at.date()
        if not request.start <= reported <= request.end:
            continue
        resolved = blocker.resolved_at.date() if blocker.resolved_at else None
        table.rows.append([names.get(team_id, ""), name, reported, blocker.category, blocker.text, resolved])
    return table


def _evaluations(session: Session, team_ids: list[int], names: dict[int | None, str], request: ReportRequest) -> Table:
    """Evaluations of quarters inside the period, only once released to the person."""
    table = Table("evaluations", "Evaluations", ["team", "person", "period", "total", "results", "behaviour", "feedback_360"])
    quarters = _quarters(request)
    rows = session.exec(
        select(Person.team_id, Person.name, Evaluation)
        .join(Evaluation, col(Evaluation.person_id) == Person.id)
        .where(col(Person.team_id).in_(team_ids), col(Evaluation.period).in_(quarters))
        .order_by(col(Person.name))
    ).all()
    for team_id, name, evaluation in rows:
        if not _released(evaluation):
            continue
        table.rows.append(
            [
                names.get(team_id, ""),
                name,
                evaluation.period,
                evaluation.total_score,
                evaluation.result_score,
                evaluation.behaviour_score,
                evaluation.feedback_score,
            ]
        )
    return table


def _released(evaluation: Evaluation) -> bool:
    """Released to the person by their manager (bot.evaluation_review); drafts stay out of the report."""
    return evaluation.status != EvaluationStatus.DRAFT


def _quarters(request: ReportRequest) -> list[str]:
    keys = []
    year, quarter = request.start.year, (request.start.month - 1) // 3 + 1
    while (year, quarter) <= (request.end.year, (request.end.month - 1) // 3 + 1):
        keys.append(f"{year}-Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return keys
