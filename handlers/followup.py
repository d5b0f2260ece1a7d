"""Closing the loop from Slack: Resolved / Still blocked, Done / Not yet / Drop, and the manager's
Resolve / Comment on what blocks their people. Thin: read the click, call bot.followup, answer.

Every id in a button is checked by the domain (who may act on it); the modals
carry signed metadata, so a forged id changes nothing and gets a clear answer.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import i18n
from bot.followup import (
    Outcome,
    Result,
    blocker_line,
    close_action,
    comment_blocker,
    may_act_for,
    resolve_blocker,
    still_blocked,
)
from bot.messages import BlockerComment
from bot.ports import Recipient
from bot.services import Services
from handlers import payload
from handlers.context import services_of
from handlers.home import refresh_home
from handlers.metadata import secret_of, sign, verify
from handlers.render.escape import clip, escape
from handlers.render.followup import comment_modal, drop_modal
from storage.engine import session_scope
from storage.queries import person_by_slack_id
from storage.tables import ActionItem, Blocker, Person


def _say(respond: Respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def _refusal(result: Result, locale: str, *, item: bool = False) -> str | None:
    if result.outcome is Outcome.UNKNOWN:
        return i18n.t("fu_unknown", locale)
    if result.outcome is Outcome.NOT_ALLOWED:
        return i18n.t("fu_not_your_item" if item else "fu_not_allowed", locale)
    if result.outcome is Outcome.ALREADY:
        return i18n.t("fu_item_closed" if item else "fu_already_resolved", locale)
    return None


def resolve(services: Services, slack_id: str, blocker_id: int | None) -> str:
    """Resolve for the clicker; the answer to show them."""
    now = services.clock()
    with session_scope(services.engine) as session:
        actor = person_by_slack_id(session, slack_id=slack_id)
        locale = actor.locale if actor else "en-US"
        if actor is None or blocker_id is None:
            return i18n.t("fu_unknown", locale)
        result = resolve_blocker(session, actor=actor, blocker_id=blocker_id, now=now)
    return _refusal(result, locale) or i18n.t("fu_resolved", locale, days=result.days, text=_short(result.text))


def on_blocker_resolved(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    services = services_of(context)
    _say(respond, resolve(services, payload.user_id(body), payload.optional_id(payload.action_value(body))))
    refresh_home(services, payload.user_id(body))


def on_blocker_still(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    services = services_of(context)
    blocker_id = payload.optional_id(payload.action_value(body))
    with session_scope(services.engine) as session:
        actor = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = actor.locale if actor else "en-US"
        if actor is None or blocker_id is None:
            _say(respond, i18n.t("fu_unknown", locale))
            return
        result = still_blocked(session, actor=actor, blocker_id=blocker_id, now=services.clock())
    _say(respond, _refusal(result, locale) or i18n.t("fu_still", locale))


def _open_comment(services: Services, client: WebClient, body: dict[str, Any], blocker_id: int | None, respond: Respond) -> None:
    """Check the clicker may comment before opening the modal; the modal's metadata is signed."""
    with session_scope(services.engine) as session:
        actor = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = actor.locale if actor else "en-US"
        blocker = session.get(Blocker, blocker_id) if blocker_id is not None else None
        owner = session.get(Person, blocker.person_id) if blocker else None
        if actor is None or blocker is None or owner is None:
            _say(respond, i18n.t("fu_unknown", locale))
            return
        if not may_act_for(session, actor, owner):
            _say(respond, i18n.t("fu_not_allowed", locale))
            return
    client.views_open(trigger_id=payload.trigger_id(body), view=comment_modal(sign(secret_of(services), str(blocker_id)), locale))


def on_blocker_comment(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    ack()
    _open_comment(services_of(context), client, body, payload.optional_id(payload.action_value(body)), respond)


def on_blocker_manage(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    """The overflow menu beside each blocker in /kpi team and App Home: Mark resolved / Comment…"""
    ack()
    services = services_of(context)
    what, _, raw = payload.selected_value(body).partition(":")
    if what == "comment":
        _open_comment(services, client, body, payload.optional_id(raw), respond)
        return
    _say(respond, resolve(services, payload.user_id(body), payload.optional_id(raw) if what == "resolve" else None))
    refresh_home(services, payload.user_id(body))


def on_comment_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    now = services.clock()
    signed = verify(secret_of(services), payload.private_metadata(view)) or ""
    text = payload.input_text(payload.state_values(view), "comment", "text").strip()
    with session_scope(services.engine) as session:
        actor = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = actor.locale if actor else "en-US"
        blocker_id = payload.optional_id(signed)
        if actor is None or blocker_id is None:
            ack(response_action="errors", errors={"comment": i18n.t("fu_unknown", locale)})
            return
        result = comment_blocker(session, actor=actor, blocker_id=blocker_id, text=text, now=now)
        if result.outcome is Outcome.NEEDS_REASON:
            ack(response_action="errors", errors={"comment": i18n.t("fu_need_comment", locale)})
            return
        refusal = _refusal(result, locale)
        if refusal or result.owner is None:
            ack(response_action="errors", errors={"comment": refusal or i18n.t("fu_unknown", locale)})
            return
        blocker = session.get(Blocker, blocker_id)
        assert blocker is not None  # comment_blocker just found it
        note = BlockerComment(blocker_line(blocker, result.owner, now), actor.slack_id, text)
        owner, owner_locale = Recipient(result.owner.slack_id, result.owner.dm_channel_id), result.owner.locale
    ack()
    services.gateway.send(services.gateway.dm(owner), note, locale=owner_locale)


def _close(services: Services, slack_id: str, item_id: int | None, how: str, reason: str = "") -> tuple[Result, str]:
    with session_scope(services.engine) as session:
        actor = person_by_slack_id(session, slack_id=slack_id)
        locale = actor.locale if actor else "en-US"
        if actor is None or item_id is None:
            return Result(Outcome.UNKNOWN), locale
        return close_action(session, actor=actor, item_id=item_id, how=how, now=services.clock(), reason=reason), locale


def _close_answer(result: Result, locale: str, how: str) -> str:
    key = {"done": "fu_item_done", "not_yet": "fu_item_not_yet", "drop": "fu_item_dropped"}[how]
    return _refusal(result, locale, item=True) or i18n.t(key, locale, text=_short(result.text))


def on_action_done(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    services = services_of(context)
    result, locale = _close(services, payload.user_id(body), payload.optional_id(payload.action_value(body)), "done")
    _say(respond, _close_answer(result, locale, "done"))
    refresh_home(services, payload.user_id(body))


def on_action_not_yet(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    services = services_of(context)
    result, locale = _close(services, payload.user_id(body), payload.optional_id(payload.action_value(body)), "not_yet")
    _say(respond, _close_answer(result, locale, "not_yet"))


def on_action_drop(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    """Drop asks for a reason first: a modal, opened only for the item's owner."""
    ack()
    services = services_of(context)
    item_id = payload.optional_id(payload.action_value(body))
    with session_scope(services.engine) as session:
        actor = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = actor.locale if actor else "en-US"
        item = session.get(ActionItem, item_id) if item_id is not None else None
        if actor is None or item is None:
            _say(respond, i18n.t("fu_unknown", locale))
            return
        if item.person_id != actor.id:
            _say(respond, i18n.t("fu_not_your_item", locale))
            return
    client.views_open(trigger_id=payload.trigger_id(body), view=drop_modal(sign(secret_of(services), str(item_id)), locale))


def on_drop_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    signed = verify(secret_of(services), payload.private_metadata(view)) or ""
    reason = payload.input_text(payload.state_values(view), "reason", "text").strip()
    result, locale = _close(services, payload.user_id(body), payload.optional_id(signed), "drop", reason)
    if result.outcome is Outcome.NEEDS_REASON:
        ack(response_action="errors", errors={"reason": i18n.t("fu_need_reason", locale)})
        return
    refusal = _refusal(result, locale, item=True)
    if refusal:
        ack(response_action="errors", errors={"reason": refusal})
        return
    ack()
    refresh_home(services, payload.user_id(body))


def _short(text: str) -> str:
    return escape(clip(text, 200))


def register(app: App) -> None:
    app.action("blocker_resolved")(on_blocker_resolved)
    app.action("blocker_still")(on_blocker_still)
    app.action("blocker_comment")(on_blocker_comment)
    app.action("blocker_manage")(on_blocker_manage)
    app.action("action_done")(on_action_done)
    app.action("action_not_yet")(on_action_not_yet)
    app.action("action_drop")(on_action_drop)
    app.view("blocker_comment")(on_comment_submitted)
    app.view("action_drop")(on_drop_submitted)
