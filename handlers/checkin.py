"""Check-in buttons and forms: confirm, fill in / edit, skip, snooze, time off, blocker category.

Each listener reads the payload and calls one use case (bot/use_cases/checkin.py),
which checks that the clicker owns what they click; its refusal ("not yours")
is answered by handlers.errors. Validation errors in the forms come back
inline (response_action=errors) and nothing is saved.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    NumberInputElement,
    Option,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import i18n
from bot.checkin import format_value
from bot.use_cases.asker import locale_of
from bot.use_cases.checkin import (
    CheckinForm,
    choose_kpi,
    confirm,
    forget_alias,
    go_away,
    open_form,
    save_form,
    set_blocker_category,
    skip,
    snooze,
)
from handlers import payload
from handlers.context import services_of
from handlers.conversation import deliver
from handlers.errors import shown_under
from handlers.render import render
from handlers.render.escape import clip, escape

log = logging.getLogger(__name__)


def on_confirm(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ack()
    services = services_of(context)
    checkin_id = payload.optional_id(payload.action_value(body))
    message, locale = confirm(services, slack_id=payload.user_id(body), checkin_id=checkin_id, now=services.clock())
    text, blocks = render(message, locale)
    channel, ts = payload.message_location(body)
    client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)


def on_open_form(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Fill in form / Edit: the same modal, pre-filled with what is stored."""
    ack()
    services = services_of(context)
    checkin_id = payload.optional_id(payload.action_value(body))
    form = open_form(services, slack_id=payload.user_id(body), checkin_id=checkin_id, now=services.clock())
    client.views_open(trigger_id=payload.trigger_id(body), view=checkin_modal(form))


def say_not_yours(respond: Respond, person: Any) -> None:
    respond(text=i18n.t("not_yours", person.locale if person else None), response_type="ephemeral", replace_original=False)


def on_skip(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    checkin_id = payload.optional_id(payload.action_value(body))
    locale = skip(services_of(context), slack_id=payload.user_id(body), checkin_id=checkin_id)
    respond(text=i18n.t("skipped", locale), response_type="ephemeral", replace_original=False)


def on_snooze(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    services = services_of(context)
    checkin_id = payload.optional_id(payload.action_value(body))
    locale = snooze(services, slack_id=payload.user_id(body), checkin_id=checkin_id, now=services.clock())
    respond(text=i18n.t("snoozed", locale), response_type="ephemeral", replace_original=False)


def on_away(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ack()
    locale = locale_of(services_of(context), payload.user_id(body)) or "en-US"
    client.views_open(trigger_id=payload.trigger_id(body), view=away_modal(locale))


def on_blocker_category(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """The person corrects the guessed root-cause category of their own blocker."""
    ack()
    blocker_id, _, category = payload.selected_value(body).partition(":")
    locale = set_blocker_category(
        services_of(context), slack_id=payload.user_id(body), blocker_id=payload.optional_id(blocker_id), category=category
    )
    respond(
        text=i18n.t("category_set", locale, category=i18n.t(f"cat_{category}", locale)),
        response_type="ephemeral",
        replace_original=False,
    )


def checkin_modal(form: CheckinForm) -> View:
    locale = form.locale
    blocks: list[InputBlock] = []
    for line in [line for line in form.lines if not line.fed_by][:20]:  # fed KPIs come from their source
        hint = i18n.t("form_target", locale, target=format_value(line.target, line.unit, locale))
        if line.anchors:
            options = [Option(text=clip(f"{i + 1} – {a}", 75), value=str(i + 1)) for i, a in enumerate(line.anchors)]
            initial = next((o for o in options if line.value is not None and o.value == str(int(line.value))), None)
            element: Any = StaticSelectElement(action_id="value", options=options, initial_option=initial)
        else:
            element = NumberInputElement(
                action_id="value", is_decimal_allowed=True, initial_value=None if line.value is None else f"{line.value:g}"
            )
        blocks.append(
            InputBlock(block_id=f"kpi_{line.kpi_id}", label=clip(line.name, 2000), element=element, hint=hint, optional=True)
        )
    return View(
        type="modal",
        callback_id="checkin_form",
        private_metadata=str(form.checkin_id),
        title=i18n.t("form_title", locale),
        submit=i18n.t("form_submit", locale),
        close=i18n.t("form_cancel", locale),
        blocks=blocks,
    )


def away_modal(locale: str) -> View:
    return View(
        type="modal",
        callback_id="away_form",
        title=i18n.t("away_title", locale),
        submit=i18n.t("form_submit", locale),
        blocks=[InputBlock(block_id="until", label=i18n.t("away_label", locale), element=DatePickerElement(action_id="date"))],
    )


def on_checkin_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """Someone else's check-in is refused under the first field; a value that is no number, under its own."""
    services = services_of(context)
    state = payload.state_values(view)
    checkin_id = payload.optional_id(payload.private_metadata(view))
    with shown_under(next(iter(state), "kpi")):
        typed: dict[str, str] = {}
        for block_id in state:
            if not block_id.startswith("kpi_"):
                continue
            field = payload.element(state, block_id, "value")
            typed[block_id.removeprefix("kpi_")] = (
                payload.selected(state, block_id, "value")
                if field.get("type") == "static_select"
                else payload.input_text(state, block_id, "value")
            )
        saved = save_form(services, slack_id=payload.user_id(body), checkin_id=checkin_id, typed=typed, now=services.clock())
    if saved.not_numbers:
        ack(
            response_action="errors",
            errors={f"kpi_{kpi_id}": i18n.t("form_not_number", saved.person.locale) for kpi_id in saved.not_numbers},
        )
        return
    ack()
    deliver(services, saved.outgoing, services.gateway.dm(saved.person))


def on_away_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    with shown_under("until"):
        until = payload.picked_date(payload.state_values(view), "until", "date")
        go_away(services, slack_id=payload.user_id(body), until=until, now=services.clock())
    ack()


def on_which_kpi(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The person picked the KPI a number was for: the domain stores it and learns their words."""
    ack()
    services = services_of(context)
    checkin_text, _, kpi_text = payload.action_value(body).partition(":")
    channel, _ = payload.message_location(body)
    outgoing = choose_kpi(
        services,
        slack_id=payload.user_id(body),
        checkin_id=payload.optional_id(checkin_text),
        kpi_id=payload.optional_id(kpi_text),
        now=services.clock(),
    )
    deliver(services, outgoing, channel)


def on_alias_forget(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Remove one learned alias from `/kpi me`; only the person's own."""
    ack()
    alias_id = payload.optional_id(payload.action_value(body))
    phrase, locale = forget_alias(services_of(context), slack_id=payload.user_id(body), alias_id=alias_id)
    respond(text=i18n.t("alias_removed", locale, phrase=escape(phrase)), response_type="ephemeral", replace_original=False)


def register(app: App) -> None:
    app.action(re.compile(r"^which_kpi_\d+$"))(on_which_kpi)
    app.action("alias_forget")(on_alias_forget)
    app.action("checkin_confirm")(on_confirm)
    app.action("checkin_edit")(on_open_form)
    app.action("checkin_form")(on_open_form)
    app.action("checkin_skip")(on_skip)
    app.action("checkin_snooze")(on_snooze)
    app.action("checkin_away")(on_away)
    app.action("blocker_category")(on_blocker_category)
    app.view("checkin_form")(on_checkin_form)
    app.view("away_form")(on_away_form)
