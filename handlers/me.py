"""`/kpi me`: the person's own KPIs and their latest evaluation, nobody else's data."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block, SectionBlock
from sqlmodel import Session, col, select

from bot import i18n
from bot.aliases import learned_aliases
from bot.checkin import format_value, measurements_for, nice
from bot.evaluation import EvaluationStatus
from bot.evaluation_review import note_of
from bot.formats import format_share
from bot.kpi_state import states_for, weighted_pace, weighted_score
from bot.messages import AliasList
from bot.people import current_kpis, local_now
from bot.team_view import KpiProgress
from handlers.render import render
from handlers.render.checkin import alias_blocks
from handlers.render.escape import clip, escape
from handlers.render.team import kpi_line, legend_block
from storage.tables import Evaluation, Kpi, LearnedAlias, Person


def me_blocks(session: Session, person: Person, now: datetime) -> list[Block]:
    """The person's own KPIs as ``kpi_state`` sees them: the same figures as every other view."""
    today = local_now(person, now).date()
    kpis = current_kpis(session, person_id=_id(person), day=today)
    locale = person.locale
    if not kpis:
        return [SectionBlock(text=i18n.t("home_none", locale))]
    states = states_for(session, kpis, now=now)
    history = measurements_for(session, [_id(k) for k in kpis])
    rows = []
    for kpi in kpis:
        state = states[_id(kpi)]
        progress = KpiProgress(
            _id(kpi), kpi.name, kpi.unit, kpi.direction, kpi.kind, kpi.weight, kpi.target, state, dict(kpi.names)
        )
        trend = " ".join(format_value(m.value, kpi.unit, locale) for m in history.get(_id(kpi), [])[-4:]) or "–"
        projected = format_value(nice(state.forecast) if state.forecast is not None else None, kpi.unit, locale)
        fed = f" · {i18n.t('fed_from', locale, source=escape(kpi.fed_by))}" if kpi.fed_by else ""
        rows.append(f"{kpi_line(progress, locale)}{fed} · {i18n.t('me_forecast', locale, value=projected)}\n      _{trend}_")
    weighted = [(states[_id(k)], k.weight) for k in kpis]
    pace, score = weighted_pace(weighted), weighted_score(weighted)
    week = next(iter(states.values())).week
    title = i18n.t("me_title", locale, week=week, pace=format_share(pace, locale), score=format_share(score, locale))
    blocks: list[Block] = [SectionBlock(text=clip(title + "\n" + "\n".join(rows), 2900)), legend_block(locale)]
    learned = learned_aliases(session, person_id=_id(person))
    blocks += alias_blocks(AliasList([(_id(a), a.phrase, kpi.name) for a, kpi in learned]), locale)
    forbidden = list(dict.fromkeys(rule for k in kpis for rule in k.forbidden))
    if forbidden:
        blocks.append(
            SectionBlock(text=clip(i18n.t("forbidden", locale) + "\n" + "\n".join(f"• {escape(r)}" for r in forbidden), 2900))
        )
    return blocks


def _id(row: Person | Kpi | LearnedAlias) -> int:
    if row.id is None:
        raise ValueError("a stored row has an id")
    return row.id


def last_evaluation(session: Session, person: Person) -> list[Block]:
    """The person's latest RELEASED quarterly evaluation, as they received it; a draft never shows."""
    row = session.exec(
        select(Evaluation)
        .where(Evaluation.person_id == person.id, Evaluation.status == EvaluationStatus.RELEASED)
        .order_by(col(Evaluation.computed_at).desc())
    ).first()
    if row is None:
        return []
    return list(render(note_of(row), person.locale)[1])
