"""The check-in conversation: DMs to the bot (check-in replies and their edits).

Each listener acks at once and does the work in a Bolt lazy listener, so the
HTTP response is back in milliseconds and Slack never retries for a timeout.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext

from bot.checkin import Outgoing
from bot.services import Services
from bot.use_cases.conversation import answer_message, still_true
from handlers.context import ack_event, services_of
from handlers.home import refresh_home

log = logging.getLogger(__name__)

IGNORED_USERS = {"USLACKBOT"}


def classify(event: dict[str, Any]) -> str | None:
    """ "reply", "edit" or None (ignore): only people's own DMs and their real edits count.

    Ignored: anything from a bot (bot_id, even without a subtype; this covers
    our own messages too), Slackbot, channel messages, joins and other
    subtypes, and message_changed events that only add a link preview (the
    text is unchanged).
    """
    if event.get("channel_type") != "im" or not isinstance(event.get("channel"), str):
        return None
    subtype = event.get("subtype")
    if subtype is None or subtype == "file_share":
        if event.get("bot_id") or not _from_a_person(event):
            return None
        return "reply"
    if subtype == "message_changed":
        message = event.get("message") or {}
        previous = event.get("previous_message") or {}
        if not isinstance(message, dict) or not isinstance(previous, dict):
            return None
        if message.get("bot_id") or not _from_a_person(message):
            return None
        if message.get("text") == previous.get("text"):
            return None
        return "edit"
    return None


def _from_a_person(message: dict[str, Any]) -> bool:
    """A person's message with what a reply needs: a user id, a ts and text (when any) as strings."""
    user, ts, text = message.get("user"), message.get("ts"), message.get("text")
    return (
        isinstance(user, str)
        and bool(user)
        and user not in IGNORED_USERS
        and isinstance(ts, str)
        and (text is None or isinstance(text, str))
    )


def on_message(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
    """A DM: stored once per event id (bot.use_cases.conversation), then answered."""
    kind = classify(event)
    if kind is None:
        return
    services = services_of(context)
    source = event if kind == "reply" else event["message"]
    user_id = source["user"]
    answered = answer_message(
        services,
        event_id=str(body.get("event_id") or f"{event['channel']}:{event.get('ts')}"),
        slack_id=user_id,
        text=source.get("text") or "",
        ts=source["ts"],
        edit=kind == "edit",
        now=services.clock(),
    )
    if answered is None:
        log.info("event %s already processed; Slack retried it", body.get("event_id"))
        return
    deliver(services, answered.outgoing, event["channel"])
    if answered.known and answered.outgoing:
        refresh_home(services, user_id)


def deliver(services: Services, outgoing: list[Outgoing], channel: str | None) -> None:
    """Send what the domain said, after its transaction committed: in the conversation or as a DM.

    An answer of the check-in conversation (``item.turn``) is checked against the database right
    before it goes: one that a later message made untrue is dropped (that message's answer follows).
    """
    for item in outgoing:
        if item.turn is not None and not still_true(services, item.turn):
            log.info("answer %s of check-in %s superseded by a later message; not sent", item.turn.turn, item.turn.checkin_id)
            continue
        target = channel if item.to_user is None else services.gateway.dm(item.to_user)
        if target:
            services.gateway.send(target, item.message, locale=item.locale)


def register(app: App) -> None:
    app.event("message")(ack=ack_event, lazy=[on_message])
