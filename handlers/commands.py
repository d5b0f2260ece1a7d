"""The /kpi slash command. Answers go back in the ack (ephemeral): private and fast."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.models.blocks import Block, SectionBlock

from bot import i18n
from bot.checkin import format_value, kpi_lines
from bot.people import current_kpis, local_now
from bot.periods import week_key
from handlers.context import services_of
from handlers.home import bar
from handlers.render.escape import escape
from storage.engine import session_scope
from storage.queries import person_by_slack_id

SUBCOMMANDS = ("help", "me")

i18n.register(
    {
        "help": {
            "en": "*kpibot commands*\n• `/kpi me`: your KPIs, progress and status. Example: `/kpi me`\n• `/kpi help`: this list. Example: `/kpi help`\nTo check in, just DM me your numbers, e.g. _revenue 45k, 2 new clients_.",
            "zh": "*kpibot 命令*\n• `/kpi me`：我的 KPI、进度和状态。例如：`/kpi me`\n• `/kpi help`：显示本列表。例如：`/kpi help`\n签到时直接私信我数字即可，例如：_销售额4.5万，新客户2个_。",
        },
        "unknown_sub": {"en": "I don't know `/kpi {sub}`.", "zh": "我不认识 `/kpi {sub}`。"},
        "me_title": {"en": "*Your KPIs ({week})*", "zh": "*我的 KPI（{week}）*"},
    }
)


def help_blocks(locale: str, unknown: str | None = None) -> list[Block]:
    text = i18n.t("help", locale)
    if unknown:
        text = i18n.t("unknown_sub", locale, sub=escape(unknown[:50])) + "\n" + text
    return [SectionBlock(text=text)]


def me_blocks(context: BoltContext, user_id: str) -> list[Block]:
    services = services_of(context)
    now = services.clock()
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=user_id)
        if person is None:
            return [SectionBlock(text=i18n.t("home_unknown", "en-US"))]
        today = local_now(person, now).date()
        lines = kpi_lines(
            session, current_kpis(session, person_id=person.id or 0, day=today), period_key=week_key(today), today=today
        )
        locale = person.locale
    if not lines:
        return [SectionBlock(text=i18n.t("home_none", locale))]
    rows = [i18n.t("me_title", locale, week=week_key(today))]
    for line in lines:
        progress = (line.so_far / line.target) if line.so_far is not None and line.target and line.direction == "higher" else None
        rows.append(
            f"• *{escape(line.name)}* `{bar(progress)}` {format_value(line.so_far, line.unit)} / {format_value(line.target, line.unit)}"
        )
    return [SectionBlock(text="\n".join(rows))]


def handle_kpi(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    words = (command.get("text") or "").split()
    sub = words[0].lower() if words else "help"
    services = services_of(context)
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=command["user_id"])
        locale = person.locale if person else "en-US"
    if sub == "me":
        blocks = me_blocks(context, command["user_id"])
    elif sub == "help":
        blocks = help_blocks(locale)
    else:
        blocks = help_blocks(locale, unknown=sub)
    ack(response_type="ephemeral", blocks=blocks, text="kpibot")


def register(app: App) -> None:
    app.command("/kpi")(handle_kpi)
