"""Disputes in Slack: the owner's Dispute button and form (their value, their reason) go to the manager,
whose message has Accept and Reject (with a reason) buttons; the owner hears the answer.

Every check lives in ``bot.use_cases.disputes`` (one lookup for the button and
the form alike); a refusal there is answered by ``handlers.errors``.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock
from slack_sdk.models.views import View

from bot import i18n
from bot.disputes import MAX_REASON, DisputeNote, Resolution
from bot.formats import format_value
from bot.names import local_name
from bot.ports import Recipient
from bot.refusal import BadRequest
from bot.services import Services
from bot.use_cases.disputes import DisputeForm, answer_dispute, check_answer, dispute_form, submit_dispute
from handlers import payload
from handlers.context import services_of
from handlers.conversation import deliver
from handlers.metadata import secret_of, sign, verify
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import clip, escape
from handlers.render.inputs import text_input

ACCEPT, REJECT = "dispute_accept", "dispute_reject"


def on_dispute(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """The owner clicked Dispute: the form asks what the value should be and why (their own fed KPI only)."""
    ack()
    services = services_of(context)
    form = dispute_form(services, slack_id=payload.user_id(body), target=payload.action_value(body))
    client.views_open(trigger_id=payload.trigger_id(body), view=_dispute_view(form, sign(secret_of(services), form.token)))


def on_dispute_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    values = payload.state_values(view)
    sent = submit_dispute(
        services,
        slack_id=payload.user_id(body),
        target=verify(secret_of(services), payload.private_metadata(view)) or "",
        value=payload.input_text(values, "value", "text"),
        reason=payload.input_text(values, "reason", "text"),
    )
    ack()
    deliver(services, sent.outgoing, services.gateway.dm(Recipient(sent.to, sent.dm_channel_id)))


def on_answer(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """The manager clicked Accept (done at once) or Reject (a form asks why)."""
    ack()
    services = services_of(context)
    dispute_id = payload.numeric_id(payload.action_value(body), "dispute id")
    channel, ts = payload.message_location(body)
    slack_id = payload.user_id(body)
    if payload.action(body).get("action_id") == ACCEPT:
        _answered(services, answer_dispute(services, slack_id=slack_id, dispute_id=dispute_id, accept=True), channel, ts)
        return
    locale = check_answer(services, slack_id=slack_id, dispute_id=dispute_id)
    view = View(
        type="modal",
        callback_id=REJECT,
        private_metadata=sign(secret_of(services), f"{dispute_id}:{channel}:{ts}"),
        title=i18n.t("dispute_reject_title", locale),
        submit=i18n.t("form_submit", locale),
        blocks=[
            text_input("answer", i18n.t("dispute_reject_reason", locale), max_length=MAX_REASON, multiline=True, action_id="text")
        ],
    )
    client.views_open(trigger_id=payload.trigger_id(body), view=view)


def on_reject_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    signed = verify(secret_of(services), payload.private_metadata(view)) or ""
    dispute_id, _, where = signed.partition(":")
    channel, _, ts = where.partition(":")
    if not dispute_id.isdigit() or not channel or not ts:
        raise BadRequest("private_metadata", field="answer")
    answer = payload.input_text(payload.state_values(view), "answer", "text")
    done = answer_dispute(services, slack_id=payload.user_id(body), dispute_id=int(dispute_id), accept=False, answer=answer)
    ack()
    _answered(services, done, channel, ts)


def _answered(services: Services, done: Resolution, channel: str, ts: str) -> None:
    """The manager's copy shows the answer instead of the buttons; the owner is told (after the commit)."""
    services.gateway.update(channel, ts, done.note, locale=done.manager_locale)
    deliver(services, done.outgoing, None)


def _dispute_view(form: DisputeForm, metadata: str) -> View:
    locale = form.locale
    intro = i18n.t(
        "dispute_intro",
        locale,
        kpi=escape(form.kpi),
        week=form.week,
        value=escape(format_value(form.value, form.unit, locale)),
        source=escape(form.source),
    )
    return View(
        type="modal",
        callback_id="value_dispute",
        private_metadata=metadata,
        title=i18n.t("dispute_title", locale),
        submit=i18n.t("form_submit", locale),
        blocks=[
            SectionBlock(text=clip(intro, 3000)),
            text_input("value", i18n.t("dispute_value", locale), max_length=40, action_id="text"),
            text_input("reason", i18n.t("dispute_reason", locale), max_length=MAX_REASON, multiline=True, action_id="text"),
        ],
    )


@render.register
def _dispute_note(message: DisputeNote, locale: str) -> Rendered:
    text = i18n.t(
        "dispute_note" if message.corrected else "dispute_note_no_value",
        locale,
        owner=message.owner_slack_id,
        kpi=escape(local_name(message.kpi, message.names, locale)),
        week=message.week,
        value=escape(message.value),
        corrected=escape(message.corrected),
        source=escape(message.source),
        reason=escape(clip(message.reason, 1000)),
    )
    blocks: list[Any] = [SectionBlock(text=clip(text, 3000))]
    outcome = message.outcome
    if outcome is not None:
        key = "dispute_note_accepted" if outcome.accepted else "dispute_note_rejected"
        said = i18n.t(key, locale, manager=outcome.manager_slack_id, reason=escape(clip(outcome.answer, 1000)))
        blocks.append(SectionBlock(text=clip(said, 3000)))
        return f"{text}\n{said}", blocks
    buttons = []
    if message.corrected:
        accept = i18n.t("btn_dispute_accept", locale, value=message.corrected)
        buttons.append(ButtonElement(text=clip(accept, 75), action_id=ACCEPT, value=str(message.dispute_id), style="primary"))
    reject = i18n.t("btn_dispute_reject", locale)
    buttons.append(ButtonElement(text=clip(reject, 75), action_id=REJECT, value=str(message.dispute_id)))
    blocks.append(ActionsBlock(block_id="dispute_answer", elements=buttons))
    return text, blocks


def register(app: App) -> None:
    app.action(re.compile(r"^value_dispute_\d+$"))(on_dispute)
    app.view("value_dispute")(on_dispute_submit)
    app.action(ACCEPT)(on_answer)
    app.action(REJECT)(on_answer)
    app.view(REJECT)(on_reject_submit)
