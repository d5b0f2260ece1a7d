"""Disputing a value a source system delivered: a button in the prompt, a reason in a modal, a DM to the manager."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, SectionBlock
from slack_sdk.models.views import View

from bot import i18n
from bot.disputes import MAX_REASON, DisputeNote, disputable, raise_dispute
from bot.ports import Recipient
from handlers import payload
from handlers.checkin import say_not_yours
from handlers.context import services_of
from handlers.conversation import deliver
from handlers.metadata import secret_of, sign, verify
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import clip, escape
from storage.engine import session_scope
from storage.queries import person_by_slack_id


def on_dispute(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    """The owner clicked Dispute: ask for the reason (only for their own fed KPI with a value)."""
    ack()
    services = services_of(context)
    kpi_id, _, period_key = payload.action_value(body).partition(":")
    kpi = payload.optional_id(kpi_id)
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=payload.user_id(body))
        target = (
            disputable(session, person=person, kpi_id=kpi, period_key=period_key)
            if person is not None and kpi is not None
            else None
        )
        if person is None or target is None:
            say_not_yours(respond, person)
            return
        locale, m, fed = person.locale, target.measurement, target.kpi
        metadata = sign(secret_of(services), f"{fed.id}:{m.period_key}")
        intro = i18n.t(
            "dispute_intro",
            locale,
            kpi=escape(fed.name),
            week=m.period_key,
            value=f"{m.value:g}",
            source=escape(m.source or fed.fed_by or ""),
        )
    view = View(
        type="modal",
        callback_id="value_dispute",
        private_metadata=metadata,
        title=i18n.t("dispute_title", locale),
        submit=i18n.t("form_submit", locale),
        blocks=[
            SectionBlock(text=clip(intro, 3000)),
            InputBlock(
                block_id="reason",
                label=i18n.t("dispute_reason", locale),
                element=PlainTextInputElement(action_id="text", multiline=True, max_length=MAX_REASON),
            ),
        ],
    )
    client.views_open(trigger_id=payload.trigger_id(body), view=view)


def on_dispute_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    signed = verify(secret_of(services), payload.private_metadata(view)) or ""
    kpi_id, _, period_key = signed.partition(":")
    kpi = payload.optional_id(kpi_id)
    reason = payload.input_text(payload.state_values(view), "reason", "text").strip()
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=payload.user_id(body))
        target = (
            disputable(session, person=person, kpi_id=kpi, period_key=period_key)
            if person is not None and kpi is not None
            else None
        )
        if person is None or target is None:
            ack(response_action="errors", errors={"reason": i18n.t("form_not_yours", person.locale if person else None)})
            return
        if not reason:
            ack(response_action="errors", errors={"reason": i18n.t("dispute_empty", person.locale)})
            return
        outgoing = raise_dispute(session, person=person, target=target, reason=reason, now=services.clock())
        to = Recipient(person.slack_id, person.dm_channel_id)
    ack()
    deliver(services, outgoing, services.gateway.dm(to))


@render.register
def _dispute_note(message: DisputeNote, locale: str) -> Rendered:
    text = i18n.t(
        "dispute_note",
        locale,
        owner=message.owner_slack_id,
        kpi=escape(message.kpi),
        week=message.week,
        value=escape(message.value),
        source=escape(message.source),
        reason=escape(clip(message.reason, 1000)),
    )
    return text, [SectionBlock(text=clip(text, 3000))]


def register(app: App) -> None:
    app.action(re.compile(r"^value_dispute_\d+$"))(on_dispute)
    app.view("value_dispute")(on_dispute_submit)
