"""The /kpi slash command: routes each subcommand to its feature. Answers go back in the ack (ephemeral): private and fast."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block, SectionBlock
from sqlmodel import Session

from bot import i18n
from bot.charts import person_series, render_png, team_series
from bot.feedback_jobs import send_pending
from bot.followup import my_actions
from bot.goals import goal_tree
from bot.people import current_kpis, local_now
from bot.periods import week_key
from bot.team_view import NotAllowed, UnknownTeam, resolve_team
from handlers.context import services_of
from handlers.feedback import handle_360, open_unsolicited, own_results
from handlers.me import last_evaluation, me_blocks
from handlers.render.escape import escape
from handlers.render.followup import actions_list
from handlers.render.goals import goals_blocks
from handlers.setup import open_setup
from handlers.team import team_reply
from storage.engine import session_scope
from storage.queries import person_by_slack_id
from storage.tables import Person

SUBCOMMANDS = ("me", "team", "goals", "setup", "360", "feedback", "help")

i18n.register(
    {
        "help": {
            "en": "*kpibot commands*\n"
            "• `/kpi me`: your KPIs with progress, forecast and status. Example: `/kpi me`\n"
            "• `/kpi team [NAME]`: your team (or a sub-team), privately. Example: `/kpi team Sales East`\n"
            "• `/kpi setup [@person]`: propose your KPI set (or, as a manager, counter-propose someone's) in a form; your manager approves. Example: `/kpi setup`\n"
            "• `/kpi goals`: the goal pyramid with the KPIs that support each goal. Example: `/kpi goals`\n"
            "• `/kpi team share`: post team-level totals (never one person's numbers) to this channel. Example: `/kpi team share`\n"
            "• `/kpi me chart`, `/kpi team chart`: a trend picture with target lines, sent to our DM. Example: `/kpi me chart`\n"
            "• `/kpi 360 start @person [closing date]`: a 360 round (managers, admins). Example: `/kpi 360 start @li.wei 18 Dec`\n"
            "• `/kpi 360 results [@person]`: 360 results, once enough people answered. Example: `/kpi 360 results`\n"
            "• `/kpi feedback @person`: give anyone feedback, anonymously. Example: `/kpi feedback @emma`\n"
            "• `/kpi help`: this list. Example: `/kpi help`\n"
            "To check in, just DM me your numbers, e.g. _revenue 45k, 2 new clients, waiting on leads_.",
            "zh": "*kpibot 命令*\n"
            "• `/kpi me`：我的 KPI、进度、预测和状态。例如：`/kpi me`\n"
            "• `/kpi team [名称]`：查看我的团队（或下属团队），仅自己可见。例如：`/kpi team Sales East`\n"
            "• `/kpi setup [@某人]`：在表单中提议自己的 KPI（经理可为下属提出修改），经理批准后生效。例如：`/kpi setup`\n"
            "• `/kpi goals`：目标金字塔及支撑每个目标的 KPI。例如：`/kpi goals`\n"
            "• `/kpi team share`：在本频道发布团队汇总（不含个人数据）。例如：`/kpi team share`\n"
            "• `/kpi me chart`、`/kpi team chart`：带目标线的趋势图，发到私信。例如：`/kpi me chart`\n"
            "• `/kpi 360 start @某人 [截止日期]`：发起 360（经理、管理员）。例如：`/kpi 360 start @li.wei 12月18日`\n"
            "• `/kpi 360 results [@某人]`：足够多人回答后查看 360 结果。例如：`/kpi 360 results`\n"
            "• `/kpi feedback @某人`：匿名给任何人反馈。例如：`/kpi feedback @emma`\n"
            "• `/kpi help`：显示本列表。例如：`/kpi help`\n"
            "签到时直接私信我数字即可，例如：_销售额4.5万，新客户2个，在等市场部线索_。",
        },
        "chart_coming": {
            "en": "Drawing the chart; it will arrive in our DM in a moment.",
            "zh": "正在生成图表，稍后会发到我们的私信里。",
        },
        "unknown_sub": {"en": "I don't know `/kpi {sub}`.", "zh": "我不认识 `/kpi {sub}`。"},
        "not_in_org": {
            "en": "You're not in the organisation file yet; an admin can add you.",
            "zh": "组织文件里还没有你，请联系管理员添加。",
        },
    }
)


def help_blocks(locale: str, unknown: str | None = None) -> list[Block]:
    text = i18n.t("help", locale)
    if unknown:
        text = i18n.t("unknown_sub", locale, sub=escape(unknown[:50])) + "\n" + text
    return [SectionBlock(text=text)]


def handle_kpi(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """/kpi: answered in the ack itself, so the reply is immediate and private by default."""
    words = (command.get("text") or "").split()
    sub = words[0].lower() if words else "help"
    services = services_of(context)
    response_type = "ephemeral"
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=command["user_id"])
        locale = person.locale if person else "en-US"
        if sub == "help":
            blocks = help_blocks(locale)
        elif sub not in SUBCOMMANDS:
            blocks = help_blocks(locale, unknown=sub)
        elif person is None:
            blocks = [SectionBlock(text=i18n.t("not_in_org", locale))]
        elif sub in {"me", "team"} and words[-1].lower() == "chart":
            blocks = chart_ack(session, person, sub, words[1:-1])
        elif sub == "me":
            blocks = (
                me_blocks(session, person, services.clock())
                + actions_list(my_actions(session, person=person, now=services.clock()), locale)
                + own_results(session, services, person)
                + last_evaluation(session, person)
            )
        elif sub == "team":
            response_type, blocks = team_reply(session, person, words[1:], command.get("channel_id", ""), services.clock())
        elif sub == "goals":
            blocks = goals_blocks(goal_tree(session, asker=person, today=local_now(person, services.clock()).date()), locale)
        elif sub == "360":
            blocks = handle_360(session, services, person, words[1:], services.clock())
        elif sub == "setup":
            refusal = open_setup(services, client, person, words[1:], command.get("trigger_id", ""))
            if refusal is None:
                ack()
                return
            blocks = refusal
        elif sub == "feedback":
            refusal = open_unsolicited(services, client, person, words[1:], command.get("trigger_id", ""), services.clock())
            if refusal is None:
                ack()
                return
            blocks = refusal
    ack(response_type=response_type, blocks=blocks, text="kpibot")


def chart_ack(session: Session, person: Person, sub: str, words: list[str]) -> list[Block]:
    """Charts take a moment to draw: say so now, send the picture from the lazy listener."""
    if sub == "team":
        try:
            resolve_team(session, asker=person, name=" ".join(words) or None)
        except NotAllowed as refusal:
            who = ", ".join(f"<@{m}>" for m in refusal.managers) or i18n.t("no_admins", person.locale)
            return [SectionBlock(text=i18n.t("not_a_manager", person.locale, who=who))]
        except UnknownTeam as unknown:
            return [
                SectionBlock(
                    text=i18n.t("unknown_team", person.locale, name=escape(unknown.name[:100]), known=", ".join(unknown.known))
                )
            ]
    return [SectionBlock(text=i18n.t("chart_coming", person.locale))]


def after_command(command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """The lazy part of /kpi: slow work off the request path (360 invitations, charts)."""
    words = (command.get("text") or "").split()
    if words and words[0] == "360":
        send_pending(services_of(context), services_of(context).clock())
        return
    draw_chart(command, context, client)


def draw_chart(command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """`/kpi me chart` and `/kpi team chart`: render off the request path, upload to the DM."""
    words = (command.get("text") or "").split()
    if len(words) < 2 or words[0].lower() not in {"me", "team"} or words[-1].lower() != "chart":
        return
    services = services_of(context)
    now = services.clock()
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=command["user_id"])
        if person is None:
            return
        today = local_now(person, now).date()
        if words[0].lower() == "me":
            series = person_series(
                session, person_id=person.id or 0, kpis=current_kpis(session, person_id=person.id or 0, day=today)
            )
            title = f"{person.name} · {week_key(today)}"
        else:
            try:
                team = resolve_team(session, asker=person, name=" ".join(words[1:-1]) or None)
            except (NotAllowed, UnknownTeam):
                return  # the ack already said why
            series = team_series(session, team_id=team.id or 0, day=today)
            title = f"{team.name} · {week_key(today)}"
        slack_id = person.slack_id
    png = render_png(series, title)
    channel = services.gateway.open_dm(slack_id)
    client.files_upload_v2(channel=channel, file=png, filename="kpi-trend.png", title=title)


def needs_background(command: dict[str, Any]) -> bool:
    """Charts and 360 invitations have slow work after the answer; the rest answers in the ack alone.

    Only these get a lazy listener: Bolt copies the request for each lazy
    call, which would otherwise cost every /kpi a few milliseconds.
    """
    words = (command.get("text") or "").lower().split()
    return bool(words) and (words[0] == "360" or (words[0] in {"me", "team"} and words[-1] == "chart"))


def register(app: App) -> None:
    app.command("/kpi", matchers=[needs_background])(ack=handle_kpi, lazy=[after_command])
    app.command("/kpi")(handle_kpi)
