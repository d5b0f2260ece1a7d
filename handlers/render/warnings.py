"""Block Kit for early warnings and the root-cause plan modal."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, InputBlock, PlainTextInputElement, SectionBlock
from slack_sdk.models.views import View

from bot import i18n
from bot.checkin import format_value, nice
from bot.messages import EarlyWarning, ManagerNote
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import escape

CAUSES = ("resources", "process", "capability", "other")

i18n.register(
    {
        "warning": {
            "en": ":warning: *{kpi}* has been behind pace {weeks} weeks running ({actual} vs {expected} on track). What is holding it back?",
            "zh": ":warning: *{kpi}* 已连续 {weeks} 周落后于进度（{actual}，按进度应为 {expected}）。主要原因是什么？",
        },
        "retro_ask": {
            "en": ":mag: Monthly retro: *{kpi}* ended the month behind ({actual} vs {expected} on track). What held it back?",
            "zh": ":mag: 月度复盘：*{kpi}* 本月落后（{actual}，按进度应为 {expected}）。主要原因是什么？",
        },
        "manager_note": {
            "en": "Heads-up: <@{slack_id}>'s {kpi} behind pace {weeks}+ weeks running. I've asked them for the root cause and a next step.",
            "zh": "提醒：<@{slack_id}> 的 {kpi} 已连续 {weeks} 周以上落后于进度。我已请对方说明原因和下一步。",
        },
        "plan_title": {"en": "Next step", "zh": "下一步"},
        "plan_step": {"en": "What will you do next?", "zh": "下一步打算怎么做？"},
        "plan_due": {"en": "By when? (e.g. next Friday, 下周五, 12 Dec)", "zh": "什么时候完成？（例如：下周五、12月12日）"},
        "plan_bad_date": {
            "en": 'I couldn\'t read that date; try "next Friday" or "12 Dec".',
            "zh": "没看懂这个日期，试试“下周五”或“12月12日”。",
        },
        "plan_empty": {"en": "Please describe a next step.", "zh": "请写下下一步。"},
        "plan_saved": {
            "en": "Saved: {step} (by {due}). I'll show it in your check-ins until it's done.",
            "zh": "已保存：{step}（{due} 前）。完成前会在签到中提醒你。",
        },
    }
)


@render.register
def _warning(message: EarlyWarning, locale: str) -> Rendered:
    text = i18n.t(
        "retro_ask" if message.origin == "retro" else "warning",
        locale,
        kpi=escape(message.kpi),
        weeks=message.weeks,
        actual=format_value(message.actual, message.unit),
        expected=format_value(nice(message.expected or 0), message.unit),
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
    kpis = ", ".join(f"*{escape(k)}*" for k in message.kpis)
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
            InputBlock(
                block_id="step",
                label=i18n.t("plan_step", locale),
                element=PlainTextInputElement(action_id="text", multiline=True, max_length=1000),
            ),
            InputBlock(
                block_id="due", label=i18n.t("plan_due", locale), element=PlainTextInputElement(action_id="text", max_length=100)
            ),
        ],
    )
