"""The /kpi slash command: routes each subcommand to its feature. Answers go back in the ack (ephemeral): private and fast."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block, SectionBlock

from bot import i18n
from bot.charts import alt_text, render_png
from bot.feedback_jobs import announce_releases, send_pending
from bot.monthly_jobs import deliver_released
from bot.ports import Recipient
from bot.refusal import Refusal
from bot.use_cases.asker import asker
from bot.use_cases.charts import my_chart, team_chart
from bot.use_cases.goals import goals_for
from bot.use_cases.me import my_page
from bot.use_cases.team import check_team
from handlers import payload
from handlers.context import services_of
from handlers.evaluation import handle_eval
from handlers.feedback import handle_360, open_unsolicited
from handlers.history import history_reply
from handlers.me import me_blocks
from handlers.recognition import kudos_reply
from handlers.render.escape import escape
from handlers.render.goals import goals_blocks
from handlers.settings import open_settings
from handlers.setup import open_setup
from handlers.team import team_reply

SUBCOMMANDS = ("me", "team", "goals", "setup", "360", "feedback", "eval", "kudos", "settings", "history", "help")


def help_blocks(locale: str, unknown: str | None = None) -> list[Block]:
    text = i18n.t("help", locale)
    if unknown:
        text = i18n.t("unknown_sub", locale, sub=escape(unknown[:50])) + "\n" + text
    return [SectionBlock(text=text)]


def handle_kpi(ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """/kpi: answered in the ack itself, so the reply is immediate and private by default.

    Each subcommand is one use case (bot/use_cases/); a refusal it raises is answered by handlers.errors.
    """
    words = (command.get("text") or "").split()
    sub = words[0].lower() if words else "help"
    services = services_of(context)
    now = services.clock()
    response_type = "ephemeral"
    person = asker(services, payload.text(command.get("user_id"), "user_id"))
    locale = person.locale if person else "en-US"
    blocks: Sequence[Block | dict[str, Any]]
    if sub == "help":
        blocks = help_blocks(locale)
    elif sub not in SUBCOMMANDS:
        blocks = help_blocks(locale, unknown=sub)
    elif person is None:
        blocks = [SectionBlock(text=i18n.t("not_in_org", locale))]
    elif sub in {"me", "team"} and words[-1].lower() == "chart":
        if sub == "team":
            check_team(services, asker=person, name=" ".join(words[1:-1]) or None)
        blocks = [SectionBlock(text=i18n.t("chart_coming", locale))]  # the picture follows from the lazy listener
    elif sub == "me":
        blocks = me_blocks(my_page(services, person=person, now=now), locale)
    elif sub == "team":
        response_type, blocks = team_reply(services, person, words[1:], command.get("channel_id", ""), now)
    elif sub == "goals":
        blocks = goals_blocks(goals_for(services, asker=person, now=now), locale)
    elif sub == "360":
        blocks = handle_360(services, person, words[1:], now)
    elif sub == "eval":
        blocks = handle_eval(services, person, words[1:], now)
    elif sub == "kudos":
        blocks = kudos_reply(services, person, words[1:], now)
    elif sub == "setup":
        refusal = open_setup(services, client, person, words[1:], command.get("trigger_id", ""))
        if refusal is None:
            ack()
            return
        blocks = refusal
    elif sub == "history":
        blocks = history_reply(services, person, words[1:])
    elif sub == "settings":
        open_settings(services, client, person, command.get("trigger_id", ""))
        ack()
        return
    elif sub == "feedback":
        open_unsolicited(services, client, person, words[1:], command.get("trigger_id", ""), now)
        ack()
        return
    ack(response_type=response_type, blocks=blocks, text="kpibot")


def after_command(command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """The lazy part of /kpi: slow work off the request path (360 invitations, charts)."""
    words = (command.get("text") or "").split()
    if words and words[0] == "360":
        send_pending(services_of(context), services_of(context).clock())
        announce_releases(services_of(context), services_of(context).clock())
        return
    if words and words[0] == "eval":
        deliver_released(services_of(context), services_of(context).clock())
        return
    draw_chart(command, context, client)


def draw_chart(command: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """`/kpi me chart` and `/kpi team chart`: render off the request path, upload to the DM."""
    words = (command.get("text") or "").split()
    if len(words) < 2 or words[0].lower() not in {"me", "team"} or words[-1].lower() != "chart":
        return
    services = services_of(context)
    person = asker(services, payload.text(command.get("user_id"), "user_id"))
    if person is None:
        return
    try:
        if words[0].lower() == "me":
            series, title = my_chart(services, asker=person, now=services.clock())
        else:
            series, title = team_chart(services, asker=person, name=" ".join(words[1:-1]) or None, now=services.clock())
    except Refusal:
        return  # the ack already said why
    png = render_png(series, title, person.locale)
    channel = services.gateway.dm(Recipient(person.slack_id, person.dm_channel_id))
    client.files_upload_v2(
        channel=channel, file=png, filename="kpi-trend.png", title=title, alt_txt=alt_text(series, title, person.locale)
    )


def needs_background(command: dict[str, Any]) -> bool:
    """Charts and 360 invitations have slow work after the answer; the rest answers in the ack alone.

    Only these get a lazy listener: Bolt copies the request for each lazy
    call, which would otherwise cost every /kpi a few milliseconds.
    """
    words = (command.get("text") or "").lower().split()
    return bool(words) and (
        words[0] == "360"
        or (words[0] == "eval" and words[1:2] == ["release"])
        or (words[0] in {"me", "team"} and words[-1] == "chart")
    )


def register(app: App) -> None:
    app.command("/kpi", matchers=[needs_background])(ack=handle_kpi, lazy=[after_command])
    app.command("/kpi")(handle_kpi)
