"""`/kpi me`: the person's own KPIs and their latest evaluation, nobody else's data."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block, SectionBlock
from sqlmodel import Session, col, select

from bot import i18n
from bot.checkin import format_value, measurements_for, nice
from bot.messages import EvaluationNote
from bot.people import current_kpis, local_now
from bot.periods import week_key
from bot.scoring import aggregate, expected_to_date, forecast, kpi_attainment, split_totals, status
from bot.team_view import KpiProgress
from handlers.render import render
from handlers.render.escape import clip, escape
from handlers.render.team import kpi_line
from storage.tables import Evaluation, Person


def me_blocks(session: Session, person: Person, now: datetime) -> list[Block]:
    """The person's own KPIs: progress bar, forecast and status, nobody else's data."""
    today = local_now(person, now).date()
    kpis = current_kpis(session, person_id=person.id or 0, day=today)
    locale = person.locale
    if not kpis:
        return [SectionBlock(text=i18n.t("home_none", locale))]
    history = measurements_for(session, [k.id or 0 for k in kpis])
    rows = []
    items = []
    for kpi in kpis:
        values = [m.value for m in history.get(kpi.id or 0, [])]
        actual = aggregate(values, kpi.aggregate)
        expected = expected_to_date(kpi.target, kpi.aggregate, kpi.period_start, kpi.period_end, today, kpi.baseline)
        projected = forecast(values, kpi.aggregate, kpi.period_start, kpi.period_end, today)
        achieved = kpi_attainment(actual, kpi.target, kpi.direction, kpi.baseline, kpi.unit)
        items.append((achieved, kpi.weight, kpi.kind))
        state = status(actual, expected, projected, kpi.target, kpi.direction, kpi.baseline)
        trend = " ".join(format_value(v, kpi.unit) for v in values[-4:]) or "–"
        progress = KpiProgress(
            kpi.id or 0,
            kpi.name,
            kpi.unit,
            kpi.direction,
            kpi.kind,
            kpi.weight,
            kpi.target,
            actual,
            expected,
            projected,
            achieved,
            state,
        )
        rows.append(
            f"{kpi_line(progress)} · {i18n.t('me_forecast', locale, value=format_value(nice(projected) if projected is not None else None, kpi.unit))}\n      _{trend}_"
        )
    score = split_totals(items)["total"]
    title = i18n.t("me_title", locale, week=week_key(today), score="–" if score is None else f"{score:.0%}")
    blocks: list[Block] = [SectionBlock(text=clip(title + "\n" + "\n".join(rows), 2900))]
    forbidden = list(dict.fromkeys(rule for k in kpis for rule in k.forbidden))
    if forbidden:
        blocks.append(
            SectionBlock(text=clip(i18n.t("forbidden", locale) + "\n" + "\n".join(f"• {escape(r)}" for r in forbidden), 2900))
        )
    return blocks


def last_evaluation(session: Session, person: Person) -> list[Block]:
    """The person's latest quarterly evaluation, as they received it (without the suggestions)."""
    row = session.exec(
        select(Evaluation).where(Evaluation.person_id == person.id).order_by(col(Evaluation.computed_at).desc())
    ).first()
    if row is None:
        return []
    kpis = (row.details or {}).get("kpis", {})
    note = EvaluationNote(
        row.period, row.total_score, row.result_score, row.behaviour_score, row.feedback_score, list(kpis.items()), []
    )
    return list(render(note, person.locale)[1])
