"""Block Kit for the monthly retro, the quarterly evaluation and recognition."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)

from bot import i18n
from bot.evaluation import EvaluationStatus
from bot.evaluation_review import DraftRow, EvaluationDrafts, summary
from bot.formats import format_attainment, format_share, format_value
from bot.messages import EvaluationNote, KudosNote, KudosPost, Notice, StarPost, StarProposal, WatchQuestion
from bot.names import local_name
from bot.recognition import STAR_REASON, TYPED_REASON
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import clip, escape
from handlers.render.evaluation import draft_actions
from handlers.render.team import bar

DRAFT_KEY, RELEASED_KEY = i18n.N_("eval_status_draft"), i18n.N_("eval_status_released")


def local_lines(
    lines: list[tuple[str, float | None]], names: dict[str, dict[str, str]], locale: str
) -> list[tuple[str, float | None]]:
    """Each KPI of an evaluation under the reader's name for it (销售额 for a Chinese reader)."""
    return [(local_name(name, names.get(name), locale), achieved) for name, achieved in lines]


def evaluation_summary(lines: list[tuple[str, float | None]], locale: str) -> str:
    """The short plain-language text: KPIs met, the strongest, the one furthest behind."""
    facts = summary(lines)
    if "best" not in facts:
        return i18n.t("eval_summary_none", locale)
    return i18n.tn(
        "eval_summary",
        facts["n"],
        locale,
        met=facts["met"],
        best=escape(facts["best"]),
        best_pct=format_attainment(facts["best_pct"], locale),  # "met" is 100%: 99.6% must not read 100%
        worst=escape(facts["worst"]),
        worst_pct=format_attainment(facts["worst_pct"], locale),
    )


def _step(step: Notice | str, locale: str, names: dict[str, dict[str, str]]) -> str:
    """One development step; its ``kpis`` are stored by plain name, so each reader gets their language's."""
    if isinstance(step, str):
        return i18n.t(step, locale)
    params: dict[str, Any] = {}
    for key, value in step.params.items():
        if key == "kpis" and isinstance(value, list):
            params[key] = [escape(local_name(str(n), names.get(str(n)), locale)) for n in value]
        else:
            params[key] = escape(value) if isinstance(value, str) and key != "owner" else value
    return i18n.t(step.key, locale, **params)


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
    if message.band:
        scores += " · " + i18n.t(f"eval_band_{message.band}", locale)
    if message.adjusted is not None:
        scores += "\n" + i18n.t(
            "eval_adjusted_note",
            locale,
            computed=format_share(message.computed, locale),
            adjusted=format_share(message.adjusted, locale),
            reason=escape(message.reason),
        )
    named = local_lines(message.lines, message.names, locale)
    lines = "\n".join(f"• {escape(name)} `{bar(achieved)}`" for name, achieved in named)
    header: Block = SectionBlock(text=f":eyes: {title}") if message.preview else HeaderBlock(text=title)
    text = f"{scores}\n{evaluation_summary(named, locale)}\n{lines}"
    blocks: list[Block] = [header, SectionBlock(text=clip(text, 2900))]
    if message.star:
        blocks.append(SectionBlock(text=i18n.t("eval_star", locale)))
    if message.suggestions:
        steps = "\n".join(f"• {_step(s, locale, message.names)}" for s in message.suggestions)
        blocks.append(SectionBlock(text=clip(i18n.t("eval_tips", locale) + "\n" + steps, 2900)))
    return title, blocks


BUTTON_ROWS = 20  # a draft with its buttons takes two blocks; a message holds 50


@render.register
def _drafts(message: EvaluationDrafts, locale: str) -> Rendered:
    """The manager's team drafts, or the admins' organisation table: computed and adjusted side by side.

    Each draft still open gets Adjust and Release buttons under it (not a preview, and not in a table
    too long for one message: the slash commands in the footer work for every row).
    """
    key = "eval_drafts_preview" if message.preview else ("eval_drafts_team" if message.scope else "eval_drafts_org")
    title = i18n.t(key, locale, period=message.period, team=escape(message.scope))
    open_drafts = {r.evaluation_id for r in message.rows if message.reviewable(r)}
    buttons = 0 < len(open_drafts) <= BUTTON_ROWS
    blocks: list[Block] = [HeaderBlock(text=title[:150])]
    pending: list[str] = []

    def flush() -> None:
        for start in range(0, len(pending), 10):
            blocks.append(SectionBlock(text=clip("\n".join(pending[start : start + 10]), 2900)))
        pending.clear()

    for row in message.rows:
        line = _draft_line(row, message.scope, locale)
        if buttons and row.evaluation_id in open_drafts:
            flush()
            blocks.extend([SectionBlock(text=clip(line, 2900)), draft_actions(row, locale)])
        else:
            pending.append(line)
    flush()
    if not message.rows:
        blocks.append(SectionBlock(text=i18n.t("eval_none", locale)))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=i18n.t("eval_how", locale))]))
    return title, blocks


def _draft_line(row: DraftRow, scope: str, locale: str) -> str:
    state = i18n.t(DRAFT_KEY if row.status == EvaluationStatus.DRAFT else RELEASED_KEY, locale)
    team = f"{escape(row.team)} · " if not scope and row.team else ""
    line = i18n.t(
        "eval_row",
        locale,
        team=team,
        slack_id=row.slack_id,
        computed=format_share(row.computed, locale),
        result=format_share(row.result, locale),
        behaviour=format_share(row.behaviour, locale),
        feedback="–" if row.feedback is None else f"{row.feedback:.1f}",
        band=i18n.t(f"eval_band_{row.band}", locale),
        state=state,
    )
    if row.adjusted is not None:
        line += "\n      " + i18n.t(
            "eval_row_adjusted", locale, adjusted=format_share(row.adjusted, locale), reason=escape(row.reason)
        )
    line += "\n      " + evaluation_summary(local_lines(row.lines, row.names, locale), locale)
    if row.development_list:
        named = (local_name(n, row.names.get(n), locale) for n in row.development_list)
        line += "\n      " + i18n.t("eval_row_development", locale, kpis=escape(i18n.join(named, locale)))
    return line


@render.register
def _star_proposal(message: StarProposal, locale: str) -> Rendered:
    text = i18n.t(
        "star_proposal",
        locale,
        team=escape(message.team),
        period=message.period,
        slack_id=message.slack_id,
        score=format_share(message.score, locale),
        kudos=message.kudos,
    )
    confirm = ButtonElement(
        text=i18n.t("star_confirm_button", locale, name=clip(message.name, 40)),
        action_id="star_confirm",
        value=str(message.recognition_id),
        style="primary",
    )
    elements: list[Any] = [confirm]
    if message.others:
        options = [
            Option(text=clip(name, 75), value=f"{message.recognition_id}:{slack_id}") for slack_id, name in message.others[:100]
        ]
        elements.append(
            StaticSelectElement(action_id="star_pick", placeholder=i18n.t("star_pick_placeholder", locale), options=options)
        )
    return text, [SectionBlock(text=text), ActionsBlock(block_id="star", elements=elements)]


def star_reason_text(reason: Notice, locale: str) -> str:
    """ "120% weighted score, 3 kudos" / "加权得分 120%，本季度 3 个点赞": the stored figures in the reader's words."""
    if reason.key == TYPED_REASON:
        return escape(str(reason.params.get("text", "")))
    score = reason.params.get("score")
    shown = format_share(score if isinstance(score, int | float) else None, locale)
    kudos = int(reason.params.get("kudos") or 0)
    if reason.key == STAR_REASON and not kudos:  # a public post does not announce "0 kudos": the score alone
        return i18n.t("star_reason_no_kudos", locale, score=shown)
    return i18n.t(reason.key, locale, score=shown, kudos=kudos)


@render.register
def _star(message: StarPost, locale: str) -> Rendered:
    key = "star_post" if message.reason else "star_post_picked"
    reason = star_reason_text(message.reason, locale) if message.reason else ""
    text = i18n.t(key, locale, period=message.period, team=escape(message.team), slack_id=message.slack_id, reason=reason)
    return text, [SectionBlock(text=text)]


@render.register
def _kudos_note(message: KudosNote, locale: str) -> Rendered:
    text = i18n.t("kudos_note", locale, giver=message.giver_slack_id, text=escape(message.text), n=message.count)
    return text, [SectionBlock(text=text)]


@render.register
def _kudos_post(message: KudosPost, locale: str) -> Rendered:
    text = i18n.t(
        "kudos_post", locale, giver=message.giver_slack_id, receiver=message.receiver_slack_id, text=escape(message.text)
    )
    return text, [SectionBlock(text=text)]


@render.register
def _watch(message: WatchQuestion, locale: str) -> Rendered:
    text = i18n.t(
        "watch_question",
        locale,
        slack_id=message.slack_id,
        month=message.month,
        result=escape(local_name(message.result_kpi, message.result_names, locale)),
        result_before=format_value(message.result_before, message.result_unit, locale),
        result_now=format_value(message.result_now, message.result_unit, locale),
        behaviour=escape(local_name(message.behaviour_kpi, message.behaviour_names, locale)),
        behaviour_before=format_value(message.behaviour_before, message.behaviour_unit, locale),
        behaviour_now=format_value(message.behaviour_now, message.behaviour_unit, locale),
    )
    return text, [SectionBlock(text=text)]
