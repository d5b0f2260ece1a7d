"""The quarterly evaluation: weighted results and behaviour, 360 feedback, recognition, development.

Run once per person and quarter (the Evaluation row is unique), and only
after the quarter is over: figures are the final "of target" of each KPI from
bot.kpi_state at its period end. ``preview=True`` computes the same note at
any time from the figures so far (for an admin), marked as a preview and
stored nowhere. Results and behaviour are weighted separately and together
(bot.scoring), the 360 average is added when enough people answered, the
best total of each team is recognised as star of the quarter, and misses
come with development suggestions chosen by their recorded root cause.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from bot.feedback import min_raters, results
from bot.kpi_state import KpiSpec, kpi_state, local_day, reporting_moment, weekly_values
from bot.messages import EvaluationNote, StarPost
from bot.periods import period_bounds
from bot.scoring import split_totals
from storage.queries import insert_if_absent
from storage.tables import ActionItem, Evaluation, Kpi, Person, Recognition, Team

SUGGESTIONS = {
    "resources": "eval_tip_resources",
    "process": "eval_tip_process",
    "capability": "eval_tip_capability",
    "other": "eval_tip_other",
}


@dataclass
class EvaluationWork:
    notes: list[tuple[Person, EvaluationNote]]
    stars: list[tuple[Team, StarPost]]


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
        select(Kpi).where(Kpi.period_start >= start, Kpi.period_end <= end, col(Kpi.status).in_(["active", "retired"]))
    ).all()
    by_owner: dict[int, list[Kpi]] = {}
    for kpi in kpis:
        by_owner.setdefault(kpi.owner_id, []).append(kpi)
    values = weekly_values(session, [k.id for k in kpis if k.id is not None])
    notes: list[tuple[Person, EvaluationNote]] = []
    best: dict[int, tuple[float, Person]] = {}
    for owner_id, owned in by_owner.items():
        person = session.get(Person, owner_id)
        if person is None or not person.active:
            continue
        lines = []
        items = []
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
                        quarter, totals["total"], totals["result"], totals["behaviour"], feedback, lines, [], preview=True
                    ),
                )
            )
            continue
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
                "details": {"kpis": {n: a for n, a in lines}},
                "computed_at": now,
            },
        )
        if not row_id:
            continue  # evaluated already: once per person and quarter
        causes = Counter(
            session.exec(
                select(ActionItem.root_cause).where(
                    ActionItem.person_id == owner_id,
                    ActionItem.created_at >= datetime.combine(start, datetime.min.time()).astimezone(),
                )
            ).all()
        )
        missed = any(a is not None and a < 0.9 for _, a in lines)
        suggestions = [SUGGESTIONS[c] for c, _ in causes.most_common(2) if c in SUGGESTIONS] if missed else []
        if missed and not suggestions:
            suggestions = ["eval_tip_other"]
        notes.append(
            (
                person,
                EvaluationNote(quarter, totals["total"], totals["result"], totals["behaviour"], feedback, lines, suggestions),
            )
        )
        if (
            totals["total"] is not None
            and person.team_id
            and (person.team_id not in best or totals["total"] > best[person.team_id][0])
        ):
            best[person.team_id] = (totals["total"], person)
    stars = []
    for team_id, (score, person) in best.items():
        team = session.get(Team, team_id)
        if team is None or score < 1.0:
            continue  # a star is someone who met their targets, not merely the least behind
        session.add(
            Recognition(
                person_id=person.id or 0, period=quarter, kind="star", reason=f"{score:.0%} weighted score", created_at=now
            )
        )
        stars.append((team, StarPost(team.name, quarter, person.slack_id, f"{score:.0%}")))
        for index, (who, note) in enumerate(notes):
            if who.id == person.id:
                notes[index] = (who, EvaluationNote(**{**note.__dict__, "star": True}))
    return EvaluationWork(notes, stars)
