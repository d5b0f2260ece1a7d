"""Block Kit for the quarterly evaluation and recognition (the monthly retro is in handlers.render.retro)."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, HeaderBlock, SectionBlock

from bot import i18n
from bot.formats import format_share
from bot.messages import EvaluationNote, StarPost
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import escape
from handlers.render.team import bar


@render.register
def _evaluation(message: EvaluationNote, locale: str) -> Rendered:
    title = i18n.t("eval_preview" if message.preview else "eval_title", locale, period=message.period)
    feedback = i18n.t("eval_feedback", locale, score=f"{message.feedback:.1f}") if message.feedback is not None else ""
    scores = i18n.t(
        "eval_scores",
        locale,
        total=format_share(message.total, locale),
        result=format_share(message.result, locale),
        behaviour=format_share(message.behaviour, locale),
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
