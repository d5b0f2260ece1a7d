"""The half-year review: does each KPI still earn its place? Evidence from its own history.

For every KPI of a team (grouped by name across members) over the half:
how often it was on pace (always = too easy, rarely even half way = out of
reach), how often it went unreported, and for a leading indicator how well
it moved with the lagging KPIs it is meant to drive (Pearson correlation of
the weekly values, per person, averaged). The manager keeps, reweights or
retires each one; retiring keeps the history and stops the questions.
"""

from __future__ import annotations

import contextlib
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from bot.feedback import can_manage
from bot.kpi_state import KpiStatus, Status, state_for_week
from bot.periods import week_key, week_start, week_start_of_key
from bot.refusal import Refusal
from storage.queries import insert_if_absent
from storage.tables import Kpi, KpiReview, Measurement, Person, Team

MIN_WEEKS = 4
WEAK_LINK = 0.2  # |r| below this: the leading KPI barely moves with the results it should drive


@dataclass
class KpiEvidence:
    name: str
    owners: int
    horizon: str
    weeks_expected: int
    weeks_reported: int
    on_pace_share: float | None  # share of reported weeks at or above pace
    half_way_share: float | None  # share of reported weeks at least half of pace
    correlation: float | None  # leading KPIs only: Pearson r of its values with the same person's lagging KPIs
    # the same on "goodness" scales (a lower-is-better KPI's values negated): positive = it improves when the
    # results improve, as a leading indicator should; a falling complaint rate with rising revenue is +, not -
    alignment: float | None = None
    names: dict[str, str] = field(default_factory=dict)  # the name per language (bot.names.local_name)

    @property
    def unreported_share(self) -> float:
        return 1 - self.weeks_reported / self.weeks_expected if self.weeks_expected else 0.0

    @property
    def verdict(self) -> str:
        """too_easy / out_of_reach / unreported / weak_link / wrong_way / fine / too_little_data."""
        if self.weeks_reported < MIN_WEEKS:
            return "too_little_data"
        if self.unreported_share > 0.4:
            return "unreported"
        if self.on_pace_share is not None and self.on_pace_share >= 0.95:
            return "too_easy"
        if self.half_way_share is not None and self.half_way_share < 0.5:
            return "out_of_reach"
        if self.horizon == "leading" and self.correlation is not None:
            aligned = self.correlation if self.alignment is None else self.alignment
            if aligned <= -WEAK_LINK:  # a strong link the wrong way round is not "no link"
                return "wrong_way"
            if abs(aligned) < WEAK_LINK:
                return "weak_link"
        return "fine"


def half_of(day: date) -> tuple[str, date, date]:
    """The half-year ``day`` falls in: ("2026-H2", 1 Jul, 31 Dec)."""
    if day.month <= 6:
        return f"{day.year}-H1", date(day.year, 1, 1), date(day.year, 6, 30)
    return f"{day.year}-H2", date(day.year, 7, 1), date(day.year, 12, 31)


def evidence(session: Session, *, team_id: int, start: date, end: date, today: date) -> list[KpiEvidence]:
    people = [p for p in session.exec(select(Person.id).where(Person.team_id == team_id)).all()]
    if not people:
        return []
    kpis = session.exec(
        select(Kpi).where(
            col(Kpi.owner_id).in_(people), Kpi.period_end >= start, Kpi.period_start <= end, Kpi.status == KpiStatus.ACTIVE
        )
    ).all()
    rows = session.exec(select(Measurement).where(col(Measurement.kpi_id).in_([k.id for k in kpis]))).all() if kpis else []
    values: dict[int, dict[str, float]] = defaultdict(dict)
    for m in rows:
        values[m.kpi_id][m.period_key] = m.value
    by_name: dict[str, list[Kpi]] = defaultdict(list)
    for kpi in kpis:
        by_name[kpi.name].append(kpi)
    lagging_by_owner: dict[int, list[Kpi]] = defaultdict(list)
    for kpi in kpis:
        if kpi.horizon == "lagging":
            lagging_by_owner[kpi.owner_id].append(kpi)
    result = []
    for name, group in by_name.items():
        expected_weeks = reported = on_pace = half_way = 0
        correlations: list[float] = []
        alignments: list[float] = []
        for kpi in group:
            weeks = _weeks(max(kpi.period_start, start), min(kpi.period_end, end, today))
            expected_weeks += len(weeks)
            series = values.get(kpi.id or 0, {})
            keys = sorted(k for k in series if k in weeks)
            reported += len(keys)
            weekly = [(week_start_of_key(k), v) for k, v in series.items()]
            for key in keys:
                state = state_for_week(kpi, weekly, key)  # what the prompt and /kpi team said that week
                ratio = state.pace_attainment
                on_pace += state.status is Status.ON_TRACK
                half_way += state.status is Status.ON_TRACK if ratio is None else ratio >= 0.5
            if kpi.horizon == "leading":
                for lagging in lagging_by_owner.get(kpi.owner_id, []):
                    other = values.get(lagging.id or 0, {})
                    paired = [k for k in keys if k in other]
                    if len(paired) >= 3:
                        with contextlib.suppress(statistics.StatisticsError):  # a constant series has no correlation
                            r = statistics.correlation([series[k] for k in paired], [other[k] for k in paired])
                            correlations.append(r)
                            # on "goodness" scales: a falling complaint rate is the leading indicator improving,
                            # so for a lower-is-better KPI (or result) the expected sign flips
                            lead_sign = -1 if kpi.direction == "lower" else 1
                            lag_sign = -1 if lagging.direction == "lower" else 1
                            alignments.append(lead_sign * lag_sign * r)
        result.append(
            KpiEvidence(
                name=name,
                owners=len({k.owner_id for k in group}),
                horizon=group[0].horizon,
                weeks_expected=expected_weeks,
                weeks_reported=reported,
                on_pace_share=on_pace / reported if reported else None,
                half_way_share=half_way / reported if reported else None,
                correlation=sum(correlations) / len(correlations) if correlations else None,
                alignment=sum(alignments) / len(alignments) if alignments else None,
                names=next((dict(k.names) for k in group if k.names), {}),
            )
        )
    return sorted(result, key=lambda e: e.name)


def _weeks(start: date, end: date) -> dict[str, date]:
    """Week keys from ``start`` to ``end`` with the day each week's pace is judged on (its Sunday or ``end``)."""
    weeks: dict[str, date] = {}
    monday = week_start(start)
    while monday <= end:
        weeks[week_key(monday)] = min(monday + timedelta(days=6), end)
        monday += timedelta(days=7)
    return weeks


def due_reviews(session: Session, *, now: datetime) -> list[tuple[KpiReview, Team, Person]]:
    """Teams whose half ends within two weeks and have not been asked yet: claimed, one row per team and half."""
    today = now.date()
    half, _, end = half_of(today)
    if (end - today).days > 14:
        return []
    due = []
    asked = set(session.exec(select(KpiReview.team_id).where(KpiReview.half == half)).all())
    for team in session.exec(select(Team).where(col(Team.manager_id).is_not(None))).all():
        if team.id in asked:
            continue
        review_id = insert_if_absent(
            session, KpiReview, {"team_id": team.id, "half": half, "decisions": {}, "asked_at": now, "created_at": now}
        )
        manager = session.get(Person, team.manager_id) if review_id else None
        if review_id and manager is not None and manager.active:
            review = session.get(KpiReview, review_id)
            if review is not None:
                due.append((review, team, manager))
    return due


def decide(session: Session, *, review_id: int, kpi_name: str, decision: str, by: Person, now: datetime) -> int:
    """Record keep / reweight / retire for one KPI name. Retire deactivates it for the team (history kept)."""
    review = session.get(KpiReview, review_id)
    team = session.get(Team, review.team_id) if review else None
    if review is None or team is None or decision not in {"keep", "reweight", "retire"}:
        raise Refusal("review_not_found")
    manager = session.get(Person, team.manager_id) if team.manager_id else None
    if not (
        by.is_admin
        or (manager is not None and manager.id == by.id)
        or (manager is not None and can_manage(session, asker=by, ratee=manager))
    ):
        raise Refusal("prop_not_allowed")
    review.decisions = {**review.decisions, kpi_name: {"decision": decision, "by": by.slack_id, "at": now.isoformat()}}
    if decision != "retire":
        return 0
    members = session.exec(select(Person.id).where(Person.team_id == team.id)).all()
    retired = session.exec(
        select(Kpi).where(col(Kpi.owner_id).in_(members), Kpi.name == kpi_name, Kpi.status == KpiStatus.ACTIVE)
    ).all()
    for kpi in retired:
        kpi.status, kpi.updated_at = KpiStatus.RETIRED, now
    return len(retired)


def batch_reweight(
    session: Session, *, team_id: int, weights: dict[str, float], by: Person, now: datetime
) -> list[tuple[Person, int]]:
    """A strategy shift: new weights for the team's KPI names, proposed to each member as a counter-proposal.

    It goes through the same agreement flow as any set (bot.proposals): each
    member accepts or answers. Returns (member, proposal id) pairs.
    """
    from bot.periods import next_quarter_start
    from bot.proposals import propose

    members = session.exec(select(Person).where(Person.team_id == team_id, col(Person.active))).all()
    today = now.date()
    start = next_quarter_start(today)
    end = next_quarter_start(start) - timedelta(days=1)
    created = []
    for member in members:
        current = session.exec(
            select(Kpi).where(Kpi.owner_id == member.id, Kpi.status == KpiStatus.ACTIVE, Kpi.period_end >= today)
        ).all()
        if not current:
            continue
        kpis = [
            {
                "name": k.name,
                "unit": k.unit,
                "direction": k.direction,
                "target": k.target,
                "weight": weights.get(k.name, k.weight),
                "kind": k.kind,
                "horizon": k.horizon,
                "goal": None,
                "source": k.source,
            }
            for k in current
        ]
        proposal = propose(
            session,
            owner=member,
            by=by,
            kpis=kpis,
            period=f"{start.isoformat()}..{end.isoformat()}",
            forbidden=list(dict.fromkeys(r for k in current for r in k.forbidden)),
            now=now,
        )
        created.append((member, proposal.id or 0))
    return created
