"""`/kpi me`: renders the asker's own page (``bot.use_cases.me``): KPIs, actions, 360 results, latest evaluation."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, SectionBlock

from bot import i18n
from bot.checkin import format_value
from bot.formats import format_share, shown_forecast
from bot.team_view import KpiProgress
from bot.use_cases.me import MePage
from handlers.feedback import results_blocks
from handlers.render import render
from handlers.render.checkin import alias_blocks
from handlers.render.escape import clip, escape
from handlers.render.followup import actions_list
from handlers.render.team import kpi_line, legend_block


def me_blocks(page: MePage, locale: str) -> list[Block]:
    """The whole `/kpi me` answer, in the order the person reads it."""
    blocks = kpi_blocks(page, locale) + actions_list(page.actions, locale)
    if page.feedback is not None:
        blocks += results_blocks(page.feedback, locale)
    if page.evaluation is not None:
        blocks += list(render(page.evaluation, locale)[1])
    return blocks


def kpi_blocks(page: MePage, locale: str) -> list[Block]:
    """The person's own KPIs as ``kpi_state`` sees them: the same figures as every other view."""
    if not page.kpis:
        return [SectionBlock(text=i18n.t("home_none", locale))]
    rows = []
    for mine in page.kpis:
        kpi, state = mine.kpi, mine.state
        progress = KpiProgress(
            kpi.id or 0, kpi.name, kpi.unit, kpi.direction, kpi.kind, kpi.weight, kpi.target, state, dict(kpi.names)
        )
        # the recent weeks in plain words: an italic span around 万/¥ figures would touch CJK text and not render
        trend = i18n.t(
            "me_trend", locale, values=i18n.join([format_value(v, kpi.unit, locale) for v in mine.trend], locale) or "–"
        )
        projected = format_value(None if state.forecast is None else shown_forecast(state.forecast, kpi.unit), kpi.unit, locale)
        fed = f" · {i18n.t('fed_from', locale, source=escape(kpi.fed_by))}" if kpi.fed_by else ""
        rows.append(f"{kpi_line(progress, locale)}{fed} · {i18n.t('me_forecast', locale, value=projected)}\n      {trend}")
    pace, score = format_share(page.pace, locale), format_share(page.score, locale)
    title = i18n.t("me_title", locale, week=page.week, pace=pace, score=score)
    blocks: list[Block] = [SectionBlock(text=clip(title + "\n" + "\n".join(rows), 2900)), legend_block(locale)]
    blocks += alias_blocks(page.aliases, locale)
    if page.forbidden:
        rules = "\n".join(f"• {escape(r)}" for r in page.forbidden)
        blocks.append(SectionBlock(text=clip(i18n.t("forbidden", locale) + "\n" + rules, 2900)))
    return blocks
