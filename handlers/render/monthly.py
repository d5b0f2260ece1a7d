"""Block Kit for the monthly retro, the quarterly evaluation and recognition."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot import i18n
from bot.messages import EvaluationNote, RetroPost, StarPost
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import escape
from handlers.render.team import bar


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


@render.register
def _retro(message: RetroPost, locale: str) -> Rendered:
    title = i18n.t("retro_title", locale, team=escape(message.team), month=message.month)
    blockers = ", ".join(f"{i18n.t(f'cat_{c}', locale)} {n}" for c, n in sorted(message.blockers.items())) or i18n.t(
        "retro_none", locale
    )
    counts = message.status_counts
    body = i18n.t(
        "retro_body",
        locale,
        rate=_pct(message.checkin_rate),
        on=counts.get("on_track", 0),
        risk=counts.get("at_risk", 0),
        off=counts.get("off_track", 0),
        blockers=blockers,
        done=message.actions_done,
        open=message.actions_open,
    )
    blocks: list[Block] = [HeaderBlock(text=title[:150]), SectionBlock(text=body)]
    if message.missed_kpis:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=i18n.t("retro_asks", locale, n=message.missed_kpis))]))
    return title, blocks


@render.register
def _evaluation(message: EvaluationNote, locale: str) -> Rendered:
    title = i18n.t("eval_preview" if message.preview else "eval_title", locale, period=message.period)
    feedback = i18n.t("eval_feedback", locale, score=f"{message.feedback:.1f}") if message.feedback is not None else ""
    scores = i18n.t(
        "eval_scores",
        locale,
        total=_pct(message.total),
        result=_pct(message.result),
        behaviour=_pct(message.behaviour),
        feedback=feedback,
    )
    lines = "\n".join(f"• {escape(name)} `{bar(achieved)}`" for name, achieved in message.lines)
    header: Block = SectionBlock(text=f":eyes: {title}") if message.preview else HeaderBlock(text=title)
    blocks: list[Block] = [header, SectionBlock(text=f"{scores}\n{lines}")]
    if message.star:
        blocks.append(SectionBlock(text=i18n.t("eval_star", locale)))
    if message.suggestions:
        blocks.append(
            SectionBlock(
                text=i18n.t("eval_tips", locale) + "\n" + "\n".join(f"• {i18n.t(s, locale)}" for s in message.suggestions)
            )
        )
    return title, blocks


@render.register
def _star(message: StarPost, locale: str) -> Rendered:
    text = i18n.t(
        "star_post", locale, period=message.period, team=escape(message.team), slack_id=message.slack_id, reason=message.reason
    )
    return text, [SectionBlock(text=text)]
