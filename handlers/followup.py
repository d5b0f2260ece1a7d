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
from bot.followup import Outcome, Result
from bot.services import Services
from bot.use_cases.followup import close_item, comment, may_comment, may_drop, resolve, still
from handlers import payload
from handlers.context import services_of
from handlers.home import refresh_home
from handlers.metadata import secret_of, sign, verify
from handlers.render.escape import clip, escape
from handlers.render.followup import comment_modal, drop_modal


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


def _answer(outcome: Outcome, locale: str) -> str | None:
    return _refusal(Result(outcome), locale)


def on_blocker_resolved(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    services = services_of(context)
    _say(respond, _resolved(services, payload.user_id(body), payload.optional_id(payload.action_value(body))))
    refresh_home(services, payload.user_id(body))


def _resolved(services: Services, slack_id: str, blocker_id: int | None) -> str:
    """Resolve for the clicker; the answer to show them."""
    result, locale = resolve(services, slack_id=slack_id, blocker_id=blocker_id, now=services.clock())
    return _refusal(result, locale) or i18n.t("fu_resolved", locale, days=result.days, text=_short(result.text))


def on_blocker_still(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    services = services_of(context)
    blocker_id = payload.optional_id(payload.action_value(body))
    result, locale = still(services, slack_id=payload.user_id(body), blocker_id=blocker_id, now=services.clock())
    _say(respond, _refusal(result, locale) or i18n.t("fu_still", locale))


def _open_comment(services: Services, client: WebClient, body: dict[str, Any], blocker_id: int | None, respond: Respond) -> None:
    """Check the clicker may comment before opening the modal; the modal's metadata is signed."""
    outcome, locale = may_comment(services, slack_id=payload.user_id(body), blocker_id=blocker_id)
    refused = _answer(outcome, locale)
    if refused:
        _say(respond, refused)
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
    _say(respond, _resolved(services, payload.user_id(body), payload.optional_id(raw) if what == "resolve" else None))
    refresh_home(services, payload.user_id(body))


def on_comment_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    signed = verify(secret_of(services), payload.private_metadata(view)) or ""
    text = payload.input_text(payload.state_values(view), "comment", "text").strip()
    done = comment(
        services, slack_id=payload.user_id(body), blocker_id=payload.optional_id(signed), text=text, now=services.clock()
    )
    locale = done.locale
    if done.result.outcome is Outcome.NEEDS_REASON:
        ack(response_action="errors", errors={"comment": i18n.t("fu_need_comment", locale)})
        return
    if done.note is None or done.result.owner is None:
        ack(response_action="errors", errors={"comment": _refusal(done.result, locale) or i18n.t("fu_unknown", locale)})
        return
    ack()
    services.gateway.send(services.gateway.dm(done.result.owner), done.note, locale=done.result.owner.locale)


def _close(services: Services, slack_id: str, item_id: int | None, how: str, reason: str = "") -> tuple[Result, str]:
    return close_item(services, slack_id=slack_id, item_id=item_id, how=how, now=services.clock(), reason=reason)


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
    outcome, locale = may_drop(services, slack_id=payload.user_id(body), item_id=item_id)
    refused = _refusal(Result(outcome), locale, item=True)
    if refused:
        _say(respond, refused)
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
