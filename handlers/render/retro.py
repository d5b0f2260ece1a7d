"""Block Kit for the monthly retro: the channel post, the one follow-up DM, its modal and the thread of answers."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot import i18n
from bot.formats import format_day, format_pace_pair, format_share
from bot.kpi_state import Status
from bot.messages import RetroAnswers, RetroAskMessage, RetroKpi, RetroPost
from bot.names import local_name
from bot.retro import CAUSES
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import clip, escape

MAX_KPIS_IN_MODAL = 20  # 4 inputs each: under a modal's 100 blocks


def _names(names: list[str], locale: str, per_language: dict[str, dict[str, str]]) -> str:
    """KPI names in running text, each in the reader's language (the post reads the team channel's)."""
    return i18n.join((escape(clip(local_name(n, per_language.get(n), locale), 100)) for n in names), locale)


@render.register
def _retro(message: RetroPost, locale: str) -> Rendered:
    """Team-level figures only: never one person's name or number."""
    title = i18n.t("retro_title", locale, team=escape(message.team), month=message.month)
    blockers = i18n.join((f"{i18n.t(f'cat_{c}', locale)} {n}" for c, n in sorted(message.blockers.items())), locale) or i18n.t(
        "retro_none", locale
    )
    counts = message.status_counts
    body = i18n.t(
        "retro_body",
        locale,
        rate=format_share(message.checkin_rate, locale),
        on=counts.get(Status.ON_TRACK, 0),
        risk=counts.get(Status.AT_RISK, 0),
        off=counts.get(Status.BEHIND, 0),
        blockers=blockers,
    )
    lines = [
        i18n.t(
            "rt_actions",
            locale,
            done=message.actions_done,
            open=message.actions_open,
            overdue=message.actions_overdue,
            dropped=message.actions_dropped,
        )
    ]
    if message.resolution_days:
        items = i18n.join(
            (
                i18n.t("rt_days", locale, category=i18n.t(f"cat_{c}", locale), days=f"{d:g}")
                for c, d in sorted(message.resolution_days.items())
            ),
            locale,
        )
        lines.append(i18n.t("rt_resolution", locale, items=items))
    if message.improved:
        lines.append(i18n.t("rt_improved", locale, names=_names(message.improved, locale, message.names)))
    if message.slipped:
        lines.append(i18n.t("rt_slipped", locale, names=_names(message.slipped, locale, message.names)))
    if message.watch:
        lines.append(i18n.t("rt_watch", locale, names=_names(message.watch, locale, message.names)))
    blocks: list[Block] = [
        HeaderBlock(text=title[:150]),
        SectionBlock(text=body),
        SectionBlock(text=clip("\n".join(lines), 2900)),
    ]
    if message.missed_kpis:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=i18n.tn("retro_asks", message.missed_kpis, locale))]))
    return title, blocks


def _status(kpi: RetroKpi, locale: str) -> str:
    status = f"rt_status_{kpi.status}"
    return i18n.t(status, locale) if i18n.has(status) else kpi.status


def _figures(kpi: RetroKpi, locale: str) -> dict[str, str] | None:
    """Value so far and on-pace value exactly as bot.kpi_state gave them (rounded like every surface), or None."""
    if kpi.on_pace is None or not kpi.moment:
        return None  # an ask stored before the figures were kept
    actual, expected = format_pace_pair(kpi.so_far, kpi.on_pace, kpi.unit, locale)  # asked only when behind or at risk
    return {
        "actual": actual,
        "expected": expected,
        "day": format_day(date.fromisoformat(kpi.moment), locale),
    }


def _kpi_line(kpi: RetroKpi, locale: str) -> str:
    """ "• Revenue (behind): CNY 300k so far, CNY 437k on pace by Dec 6" in the reader's language."""
    name, status = escape(local_name(kpi.name, kpi.names, locale)), _status(kpi, locale)
    figures = _figures(kpi, locale)
    if figures is None:
        return i18n.t("rt_kpi_status", locale, kpi=name, status=status)
    return i18n.t("rt_kpi_figures", locale, kpi=name, status=status, **figures)


def _kpi_hint(kpi: RetroKpi, locale: str) -> str | None:
    """The same figures under the KPI's question in the modal (plain text: no escaping)."""
    figures = _figures(kpi, locale)
    return None if figures is None else i18n.t("rt_kpi_hint", locale, status=_status(kpi, locale), **figures)


@render.register
def _ask(message: RetroAskMessage, locale: str) -> Rendered:
    text = i18n.t("rt_ask", locale, month=message.month)
    lines = "\n".join(_kpi_line(k, locale) for k in message.kpis)
    button = ButtonElement(
        text=i18n.t("rt_ask_button", locale), action_id="retro_answer", value=str(message.ask_id), style="primary"
    )
    return text, [
        SectionBlock(text=text),
        SectionBlock(text=clip(lines, 2900)),
        ActionsBlock(block_id="retro_ask", elements=[button]),
    ]


@render.register
def _answers(message: RetroAnswers, locale: str) -> Rendered:
    head = i18n.t("rt_thread", locale, slack_id=message.slack_id)
    lines = [
        i18n.t(
            "rt_thread_line",
            locale,
            kpi=escape(local_name(a.kpi, a.names, locale)),
            cause=i18n.t(f"cat_{a.cause}", locale),
            change=escape(clip(a.change, 300)),
            owner=a.owner_slack_id,
            due=a.due,
        )
        for a in message.answers
    ]
    text = clip(head + "\n" + "\n".join(lines), 2900)
    return text, [SectionBlock(text=text)]


def gaming_watch_blocks(kpis: list[RetroKpi], locale: str) -> list[Block]:
    """The place for issue 13's gaming-watch question in the retro modal (none yet).

    Return extra InputBlocks (block ids starting ``watch_``); their answers reach
    ``handlers.retro.on_answers_submitted`` in ``view.state.values``.
    """
    return []


def answer_modal(metadata: str, month: str, kpis: list[RetroKpi], owner_slack_id: str, locale: str) -> View:
    """ONE modal for all of a person's missed or at-risk KPIs: cause, change, owner and due date for each."""
    blocks: list[Block] = []
    for kpi in kpis[:MAX_KPIS_IN_MODAL]:
        options = [Option(text=i18n.t(f"cat_{c}", locale), value=c) for c in CAUSES]
        blocks.extend(
            [
                InputBlock(
                    block_id=f"k{kpi.kpi_id}_cause",
                    label=clip(i18n.t("rt_cause", locale, kpi=local_name(kpi.name, kpi.names, locale)), 2000),
                    element=StaticSelectElement(action_id="v", options=options),
                    hint=_kpi_hint(kpi, locale),
                ),
                InputBlock(
                    block_id=f"k{kpi.kpi_id}_change",
                    label=i18n.t("rt_change", locale),
                    element=PlainTextInputElement(action_id="v", multiline=True, max_length=1000),
                ),
                InputBlock(
                    block_id=f"k{kpi.kpi_id}_owner",
                    label=i18n.t("rt_owner", locale),
                    element=UserSelectElement(action_id="v", initial_user=owner_slack_id),
                ),
                InputBlock(
                    block_id=f"k{kpi.kpi_id}_due",
                    label=i18n.t("rt_due", locale),
                    element=PlainTextInputElement(action_id="v", max_length=100),
                ),
            ]
        )
    blocks.extend(gaming_watch_blocks(kpis, locale))
    return View(
        type="modal",
        callback_id="retro_answers",
        private_metadata=metadata,
        title=clip(i18n.t("rt_modal_title", locale, month=month), 24),
        submit=i18n.t("fu_save", locale),
        blocks=blocks,
    )
