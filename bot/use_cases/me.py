"""`/kpi me`: the asker's own page, nobody else's data; the same figures (``kpi_state``) as every other view."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, select

from bot.aliases import learned_aliases
from bot.checkin import measurements_for
from bot.evaluation import EvaluationStatus
from bot.evaluation_review import note_of
from bot.feedback import Results, min_raters, results
from bot.followup import my_actions
from bot.kpi_state import KpiState, states_for, weighted_pace, weighted_score
from bot.messages import ActionLine, AliasList, EvaluationNote
from bot.people import current_kpis, local_now
from bot.services import Services
from storage.tables import Evaluation, Kpi, Person

TREND_WEEKS = 4  # the last values shown beside each KPI


@dataclass
class MyKpi:
    kpi: Kpi
    state: KpiState
    trend: list[float | None]  # its latest values, oldest first


@dataclass
class MePage:
    """Everything `/kpi me` shows; ``kpis`` empty means the person has no current KPIs."""

    kpis: list[MyKpi] = field(default_factory=list)
    week: str = ""
    pace: float | None = None
    score: float | None = None
    aliases: AliasList = field(default_factory=lambda: AliasList([]))
    forbidden: list[str] = field(default_factory=list)  # the rules their KPIs forbid, once each
    actions: list[ActionLine] = field(default_factory=list)
    feedback: Results | None = None  # the latest released 360 round
    evaluation: EvaluationNote | None = None  # the latest released quarterly evaluation; a draft never shows


def my_page(services: Services, *, person: Person, now: datetime) -> MePage:
    page = MePage()
    with services.unit_of_work() as session:
        kpis = current_kpis(session, person_id=_id(person), day=local_now(person, now).date())
        if kpis:
            states = states_for(session, kpis, now=now)
            history = measurements_for(session, [_id(k) for k in kpis])
            page.kpis = [MyKpi(k, states[_id(k)], [m.value for m in history.get(_id(k), [])[-TREND_WEEKS:]]) for k in kpis]
            weighted = [(states[_id(k)], k.weight) for k in kpis]
            page.pace, page.score = weighted_pace(weighted), weighted_score(weighted)
            page.week = next(iter(states.values())).week
            learned = learned_aliases(session, person_id=_id(person))
            page.aliases = AliasList(
                [(_id(a), a.phrase, kpi.name) for a, kpi in learned],
                {kpi.name: dict(kpi.names) for _, kpi in learned if kpi.names},
            )
            page.forbidden = list(dict.fromkeys(rule for k in kpis for rule in k.forbidden))
        page.actions = my_actions(session, person=person, now=now)
        found = results(session, ratee=person, threshold=min_raters(services.settings.kpibot_feedback_min_raters))
        page.feedback = found if found.released else None
        latest = session.exec(
            select(Evaluation)
            .where(Evaluation.person_id == person.id, Evaluation.status == EvaluationStatus.RELEASED)
            .order_by(col(Evaluation.computed_at).desc())
        ).first()
        page.evaluation = note_of(latest) if latest is not None else None
    return page


def _id(row: Person | Kpi | object) -> int:
    ident = getattr(row, "id", None)
    if not isinstance(ident, int):
        raise ValueError("a stored row has an id")
    return ident
