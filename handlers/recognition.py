"""Recognition on Slack: `/kpi kudos @person for ...`, sharing a kudos, and confirming the star of the quarter."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, SectionBlock

from bot import i18n
from bot.recognition import RecognitionRefused
from bot.services import Services
from bot.use_cases.recognition import decide_star, kudos, share
from handlers import payload
from handlers.context import services_of
from handlers.errors import refusal_text
from storage.tables import Person

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def ordinal(n: int, locale: str) -> str:
    if i18n.lang(locale) == "zh":
        return str(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def kudos_reply(services: Services, person: Person, words: list[str], now: datetime) -> list[Block]:
    """`/kpi kudos @person for ...`: the answer to the giver (the kudos is stored and sent by the use case)."""
    locale = person.locale
    mentioned = MENTION.findall(" ".join(words))
    if not mentioned:
        return [SectionBlock(text=i18n.t("kudos_refused", locale, why=i18n.t("kudos_usage", locale)))]
    text = " ".join(w for w in words if not MENTION.match(w))
    try:
        given = kudos(services, giver=person, receiver_slack_id=mentioned[0], text=text, now=now)
    except RecognitionRefused as refusal:
        return [SectionBlock(text=i18n.t("kudos_refused", locale, why=refusal_text(refusal, locale)))]
    share_button = ButtonElement(text=i18n.t("kudos_share_button", locale), action_id="kudos_share", value=str(given.kudos_id))
    sent = i18n.t("kudos_sent", locale, receiver=given.receiver_slack_id, n=ordinal(given.count, locale))
    return [SectionBlock(text=sent), ActionsBlock(block_id="kudos", elements=[share_button])]


def on_kudos_share(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Share in the team channel (refusals answered by handlers.errors)."""
    ack()
    shared = share(services_of(context), slack_id=payload.user_id(body), kudos_id=payload.optional_id(payload.action_value(body)))
    if shared.channel is None:
        text = i18n.t("kudos_no_channel", shared.locale)
    else:
        text = i18n.t("kudos_shared", shared.locale, channel=shared.channel)
    respond(text=text, response_type="ephemeral", replace_original=False)


def _decide_star(body: dict[str, Any], context: BoltContext, respond: Respond, recognition: str, pick: str | None) -> None:
    services = services_of(context)
    decided = decide_star(
        services, slack_id=payload.user_id(body), recognition_id=payload.optional_id(recognition), pick=pick, now=services.clock()
    )
    if decided.channel is None:
        text = i18n.t("star_confirmed_no_channel", decided.locale)
    else:
        text = i18n.t("star_announced", decided.locale, channel=decided.channel)
    respond(text=text, response_type="ephemeral", replace_original=False)


def on_star_confirm(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    _decide_star(body, context, respond, payload.action_value(body), None)


def on_star_pick(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    recognition, _, pick = payload.selected_value(body).partition(":")
    _decide_star(body, context, respond, recognition, pick or None)


def register(app: App) -> None:
    app.action("kudos_share")(on_kudos_share)
    app.action("star_confirm")(on_star_confirm)
    app.action("star_pick")(on_star_pick)
