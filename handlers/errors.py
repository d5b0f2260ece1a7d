"""The app's one error handler: refusals get a polite answer, real failures a logged traceback.

A ``Refusal`` raised by a listener (or by a payload reader, as ``BadRequest``)
is an expected outcome: the person is told why in their language, in the
form the request kind allows (the slash command's answer, an inline modal
error, an ephemeral message for a click), nothing was changed (the session
rolled back), and the log gets one line. A form Slack will not open
(views.open or views.push refused: an expired trigger, invalid_arguments) is
answered the same way with "sorry_error", its Slack error in one log line.
Anything else is a bug: logged with its traceback (never the request's token)
and answered with HTTP 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_bolt.context.respond import Respond
from slack_sdk.errors import SlackApiError

from bot import i18n
from bot.refusal import BadRequest, Mentions, Names, Refusal
from bot.use_cases.asker import locale_of
from handlers.context import KEY
from handlers.render.escape import escape

log = logging.getLogger("kpibot")


def on_error(error: Exception, body: dict[str, Any], context: BoltContext, respond: Respond | None) -> BoltResponse | None:
    if isinstance(error, SlackApiError) and _form_call(error):
        # Slack would not open a form (expired trigger, invalid_arguments...): the person is told, nothing had changed
        log.error("Slack refused to open a form for %s: %s", _kind(body), _slack_error(error))
        error = Refusal("sorry_error")
    if not isinstance(error, Refusal):
        log.error("listener failed for %s", _kind(body), exc_info=error)
        return None
    if isinstance(error, BadRequest):
        log.info("refused a malformed %s: %s", _kind(body), error.what)
    locale = _locale(context, body)
    message = refusal_text(error, locale)
    kind = body.get("type") if isinstance(body, dict) else None
    if kind == "view_submission":
        field = error.field or _first_block(body)
        if field is None:
            return BoltResponse(status=200, body="")
        return _json({"response_action": "errors", "errors": {field: message}})
    if kind == "block_actions":
        if respond is not None and getattr(respond, "response_url", None):
            respond(text=message, response_type="ephemeral", replace_original=False)
        return BoltResponse(status=200, body="")
    if isinstance(body, dict) and body.get("command"):
        section = {"type": "section", "text": {"type": "mrkdwn", "text": message}}
        return _json({"response_type": "ephemeral", "text": message, "blocks": [section]})
    return BoltResponse(status=200, body="")


def refusal_text(refusal: Refusal, locale: str | None) -> str:
    """The one wording of a refusal in the reader's language; what a person typed is escaped."""
    return i18n.t(refusal.key, locale, **{name: _param(value, locale) for name, value in refusal.params.items()})


def _param(value: object, locale: str | None) -> object:
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, Mentions):
        return i18n.join((f"<@{m}>" for m in value.slack_ids), locale) or i18n.t(value.empty, locale)
    if isinstance(value, Names):
        return i18n.join((escape(n) for n in value.names), locale) or i18n.t(value.empty, locale)
    return value


@contextmanager
def shown_under(field: str) -> Iterator[None]:
    """Refusals raised inside a modal submission show under this block (unless they name their own)."""
    try:
        yield
    except Refusal as refusal:
        if refusal.field is None:
            refusal.field = field
        raise


def _form_call(error: SlackApiError) -> bool:
    url = str(getattr(error.response, "api_url", ""))
    return url.endswith(("/views.open", "/views.push"))


def _slack_error(error: SlackApiError) -> str:
    data = error.response.data if isinstance(error.response.data, dict) else {}
    messages = (data.get("response_metadata") or {}).get("messages") or []
    return " ".join([str(data.get("error", "unknown")), *map(str, messages)])[:500]


def _json(content: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(content), headers={"content-type": "application/json;charset=utf-8"})


def _kind(body: Any) -> str:
    if not isinstance(body, dict):
        return "request"
    return str(body.get("type") or body.get("command") or "request")[:40]


def _first_block(body: dict[str, Any]) -> str | None:
    view = body.get("view")
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    if isinstance(values, dict) and values:
        return str(next(iter(values)))
    return None


def _locale(context: BoltContext, body: dict[str, Any]) -> str | None:
    """The asker's locale when they are in the organisation; English otherwise."""
    user = context.user_id
    services = context.get(KEY)
    if not isinstance(user, str) or services is None:
        return None
    return locale_of(services, user)
