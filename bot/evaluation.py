"""The quarterly evaluation: weighted results and behaviour, 360 feedback, recognition, development.

Run once per person and quarter (the Evaluation row is unique), and only
after the quarter is over: figures are the final "of target" of each KPI from
bot.kpi_state at its period end. ``preview=True`` computes the same note at
any time from the figures so far (for an admin), marked as a preview and
stored nowhere. Results and behaviour are weighted separately and together
(bot.scoring), the 360 average of the last released round is added, and
development steps follow the recorded root causes (bot.development).

The run writes DRAFTS: nothing reaches the person until their manager
releases it (bot.evaluation_review); each team's manager is proposed a star
of the quarter (bot.recognition) to confirm or change before any announcement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, col, select

from bot.development import development as _development
from bot.feedback import min_raters, results
from bot.kpi_state import KpiSpec, KpiStatus, kpi_state, local_day, reporting_moment, weekly_values
from bot.messages import EvaluationNote, StarProposal
from bot.periods import period_bounds
from bot.recognition import propose_stars
from bot.scoring import split_totals
from storage.queries import insert_if_absent
from storage.tables import Evaluation, Kpi, Person, Team


class EvaluationStatus(StrEnum):
    """``Evaluation.status``: only released evaluations ever reach their person."""

    DRAFT = "draft"
    RELEASING = "releasing"  # claimed by a release, being sent
    RELEASED = "released"


@dataclass
class EvaluationWork:
    """Drafts (not sent to anyone: the manager releases them) and a star proposal per team for its manager."""

    notes: list[tuple[Person, EvaluationNote]]
    stars: list[tuple[Team, StarProposal]]


def last_quarter(day: date) -> str:
    """The quarter that ended most recently before ``day``."""
    previous = day.replace(day=1) - timedelta(days=1)
    while previous.month % 3:
        previous = previous.replace(day=1) - timedelta(days=1)
    return f"{previous.year}-Q{previous.month // 3}"


class PeriodNotOverError(ValueError):
    """An evaluation was asked for before its period ended; ``ends`` says when it may run."""

    def __init__(self, period: str, ends: date) -> None:
        super().__init__(f"{period} is not over until the end of {ends.isoformat()}; only a preview can be computed now")
        self.period, self.ends = period, ends


def period_over(period_end: date, now: datetime) -> bool:
    """Over everywhere: the last day has ended even at UTC-12, the last timezone to finish a day."""
    return local_day("Etc/GMT+12", now) > period_end


def evaluate_quarter(
    session: Session, *, quarter: str, now: datetime, feedback_threshold: int, preview: bool = False
) -> EvaluationWork:
    """The quarter's evaluation notes and stars; raises PeriodNotOverError before the quarter ended unless ``preview``.

    A preview writes nothing (no Evaluation, no Recognition row) and every
    note says it is a preview; the real run later is unaffected by it.
    """
    start, end = period_bounds(quarter)
    if not preview and not period_over(end, now):
        raise PeriodNotOverError(quarter, end)
    if not preview and session.exec(select(Evaluation.id).where(Evaluation.period == quarter).limit(1)).first() is not None:
        return EvaluationWork([], [])  # evaluated already (the whole quarter commits at once)
    kpis = session.exec(
        select(Kpi).where(
            Kpi.period_start >= start, Kpi.period_end <= end, col(Kpi.status).in_([KpiStatus.ACTIVE, KpiStatus.RETIRED])
        )
    ).all()
    by_owner: dict[int, list[Kpi]] = {}
    for kpi in kpis:
        by_owner.setdefault(kpi.owner_id, []).append(kpi)
    values = weekly_values(session, [k.id for k in kpis if k.id is not None])
    notes: list[tuple[Person, EvaluationNote]] = []
    for owner_id, owned in by_owner.items():
        person = session.get(Person, owner_id)
        if person is None or not person.active:
            continue
        lines = []
        items = []
        names = {kpi.name: dict(kpi.names) for kpi in owned if kpi.names}  # each reader sees their language's
        for kpi in owned:
            spec = KpiSpec.of(kpi)
            # the final figure at the period end; a preview: where it stands at the end of the owner's week
            moment = reporting_moment(spec, local_day(person.tz, now)) if preview else spec.period_end
            state = kpi_state(spec, values.get(kpi.id or 0, []), moment)
            lines.append((kpi.name, state.score))
            items.append((state.score, kpi.weight, kpi.kind))
        totals = split_totals(items)
        found = results(session, ratee=person, threshold=min_raters(feedback_threshold))
        feedback = sum(found.averages.values()) / len(found.averages) if found.shown and found.averages else None
        if preview:
            notes.append(
                (
                    person,
                    EvaluationNote(
                        quarter,
                        totals["total"],
                        totals["result"],
                        totals["behaviour"],
                        feedback,
                        lines,
                        [],
                        preview=True,
                        names=names,
                    ),
                )
            )
            continue
        development, development_list = _development(session, person, owned, values, start, end, lines)
        row_id = insert_if_absent(
            session,
            Evaluation,
            {
                "person_id": owner_id,
                "period": quarter,
                "result_score": totals["result"],
                "behaviour_score": totals["behaviour"],
                "feedback_score": feedback,
                "total_score": totals["total"],
                "details": {
                    "kpis": {n: a for n, a in lines},
                    "names": names,
                    "development": [{"key": d.key, "params": d.params} for d in development],
                    "development_list": development_list,
                },
                "computed_at": now,
                "status": EvaluationStatus.DRAFT,
                "adjust_reason": "",
            },
        )
        if not row_id:
            continue  # evaluated already: once per person and quarter
        notes.append(
            (
                person,
                EvaluationNote(
                    quarter, totals["total"], totals["result"], totals["behaviour"], feedback, lines, development, names=names
                ),
            )
        )
    stars = propose_stars(session, quarter=quarter, start=start, end=end, now=now)
    return EvaluationWork(notes, stars)
