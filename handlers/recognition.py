"""Recognition on Slack: `/kpi kudos @person for ...`, sharing a kudos, and confirming the star of the quarter."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, SectionBlock

from bot import i18n
from bot.messages import KudosNote
from bot.ports import UndeliverableError
from bot.recognition import RecognitionRefused, confirm_star, give_kudos, mark_shared, share_kudos
from bot.retro import team_locale
from bot.services import Services
from handlers import payload
from handlers.context import services_of
from handlers.errors import refusal_text
from storage.engine import session_scope
from storage.queries import person_by_slack_id
from storage.tables import Person

log = logging.getLogger(__name__)
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def ordinal(n: int, locale: str) -> str:
    if i18n.lang(locale) == "zh":
        return str(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def kudos_reply(services: Services, person: Person, words: list[str], now: datetime) -> list[Block]:
    """`/kpi kudos @person for ...`: stored in its own transaction, then (once committed) sent to the receiver."""
    with session_scope(services.engine) as session:
        giver = session.get(Person, person.id)
        if giver is None:
            raise LookupError("the giver is not stored")
        blocks, delivery = _kudos(session, services, giver, words, now)
    if delivery is not None:
        deliver_kudos(services, delivery)
    return blocks


def _kudos(
    session: Any, services: Services, person: Person, words: list[str], now: datetime
) -> tuple[list[Block], tuple[Person, KudosNote] | None]:
    locale = person.locale
    mentioned = MENTION.findall(" ".join(words))
    if not mentioned:
        return [SectionBlock(text=i18n.t("kudos_refused", locale, why=i18n.t("kudos_usage", locale)))], None
    text = " ".join(w for w in words if not MENTION.match(w))
    receiver = person_by_slack_id(session, slack_id=mentioned[0])
    is_bot = False
    if receiver is None:
        profile = services.gateway.profile(mentioned[0])
        is_bot = profile is not None and profile.is_bot
    try:
        kudos, count = give_kudos(session, giver=person, receiver=receiver, text=text, now=now, receiver_is_bot=is_bot)
    except RecognitionRefused as refusal:
        return [SectionBlock(text=i18n.t("kudos_refused", locale, why=refusal_text(refusal, locale)))], None
    if receiver is None:
        raise LookupError("give_kudos returned without a receiver")
    share = ButtonElement(text=i18n.t("kudos_share_button", locale), action_id="kudos_share", value=str(kudos.id))
    sent = i18n.t("kudos_sent", locale, receiver=receiver.slack_id, n=ordinal(count, locale))
    blocks: list[Block] = [SectionBlock(text=sent), ActionsBlock(block_id="kudos", elements=[share])]
    return blocks, (receiver, KudosNote(person.slack_id, kudos.text, count))


def deliver_kudos(services: Services, delivery: tuple[Person, KudosNote]) -> None:
    receiver, note = delivery
    try:
        services.gateway.send(services.gateway.dm(receiver), note, locale=receiver.locale)
    except UndeliverableError as exc:  # the kudos is stored and counted; the giver's answer does not depend on the DM
        log.warning("kudos could not be delivered (%s)", exc.reason)


def on_kudos_share(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    services = services_of(context)
    kudos_id = payload.optional_id(payload.action_value(body))
    with session_scope(services.engine) as session:
        giver = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = giver.locale if giver else None
        try:
            if giver is None or kudos_id is None:
                raise RecognitionRefused("kudos_not_yours")
            team, post = share_kudos(session, giver=giver, kudos_id=kudos_id)
            channel, channel_locale = team.channel_id or "", team_locale(team)
        except RecognitionRefused as refusal:
            respond(text=refusal_text(refusal, locale), response_type="ephemeral", replace_original=False)
            return
    try:
        ts = services.gateway.send(channel, post, locale=channel_locale)  # the channel's language, not the giver's
    except UndeliverableError:
        respond(text=i18n.t("kudos_no_channel", locale), response_type="ephemeral", replace_original=False)
        return
    with session_scope(services.engine) as session:
        mark_shared(session, kudos_id=kudos_id, channel=channel, ts=ts)
    respond(text=i18n.t("kudos_shared", locale, channel=channel), response_type="ephemeral", replace_original=False)


def _decide_star(body: dict[str, Any], context: BoltContext, respond: Respond, recognition: str, pick: str | None) -> None:
    services = services_of(context)
    recognition_id = payload.optional_id(recognition)
    with session_scope(services.engine) as session:
        manager = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = manager.locale if manager else None
        try:
            if manager is None or recognition_id is None:
                raise RecognitionRefused("star_not_yours")
            team, post = confirm_star(session, manager=manager, recognition_id=recognition_id, pick=pick, now=services.clock())
            channel, channel_locale = team.channel_id, team_locale(team)
        except RecognitionRefused as refusal:
            respond(text=refusal_text(refusal, locale), response_type="ephemeral", replace_original=False)
            return
    if channel is None:
        respond(text=i18n.t("star_confirmed_no_channel", locale), response_type="ephemeral", replace_original=False)
        return
    try:
        services.gateway.send(channel, post, locale=channel_locale)  # the team's language (organisation file)
    except UndeliverableError:
        respond(text=i18n.t("star_confirmed_no_channel", locale), response_type="ephemeral", replace_original=False)
        return
    respond(text=i18n.t("star_announced", locale, channel=channel), response_type="ephemeral", replace_original=False)


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
