"""Block Kit for early warnings and the root-cause plan modal."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, SectionBlock
from slack_sdk.models.views import View

from bot import i18n
from bot.formats import format_pace_pair
from bot.messages import EarlyWarning, ManagerNote
from bot.names import local_name
from bot.retro import CAUSES
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import escape
from handlers.render.inputs import text_input


@render.register
def _warning(message: EarlyWarning, locale: str) -> Rendered:
    actual, expected = format_pace_pair(message.actual, message.expected or 0, message.unit, locale)  # shown when behind
    text = i18n.t(
        "retro_ask" if message.origin == "retro" else "warning",
        locale,
        kpi=escape(local_name(message.kpi, message.names, locale)),
        weeks=message.weeks,
        actual=actual,
        expected=expected,
    )
    buttons = [
        ButtonElement(
            text=i18n.t(f"cat_{cause}", locale),
            action_id=f"warning_cause_{cause}",
            value=f"{message.kpi_id}:{cause}:{message.origin}",
        )
        for cause in CAUSES
    ]
    return text, [SectionBlock(text=text), ActionsBlock(block_id="warning_causes", elements=buttons)]


@render.register
def _manager_note(message: ManagerNote, locale: str) -> Rendered:
    named = (escape(local_name(k, message.names.get(k), locale)) for k in message.kpis)
    kpis = f"*{i18n.join(named, locale)}*"  # one bold span: no marker against 、
    text = i18n.t("manager_note", locale, slack_id=message.slack_id, kpi=kpis, weeks=message.weeks)
    blocks: list[Block] = [SectionBlock(text=text)]
    return text, blocks


def plan_modal(kpi_id: int, cause: str, locale: str, origin: str = "warning") -> View:
    return View(
        type="modal",
        callback_id="warning_plan",
        private_metadata=f"{kpi_id}:{cause}:{origin}",
        title=i18n.t("plan_title", locale),
        submit=i18n.t("form_submit", locale),
        blocks=[
            text_input("step", i18n.t("plan_step", locale), max_length=1000, multiline=True, action_id="text"),
            text_input("due", i18n.t("plan_due", locale), max_length=100, action_id="text"),
        ],
    )
