"""Check-in buttons and forms: confirm, fill in / edit, skip, snooze, time off, blocker category.

Each checks that the clicker owns what they click. Validation errors in the
forms come back inline (response_action=errors) and nothing is saved.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import timedelta
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
from sqlmodel import Session

from bot import i18n
from bot.aliases import forget
from bot.checkin import (
    CheckinStatus,
    Outgoing,
    confirmation,
    format_value,
    handle_choice,
    kpi_lines,
    kpis_for_week,
    mark_confirmed,
    store_values,
    warnings_after,
)
from bot.people import local_now
from bot.ports import Recipient
from handlers import payload
from handlers.context import services_of
from handlers.conversation import deliver
from handlers.render import render
from handlers.render.escape import clip, escape
from storage.engine import session_scope
from storage.queries import by_id, person_by_slack_id
from storage.tables import Blocker, Checkin, Person

log = logging.getLogger(__name__)


def _owned_checkin(context: BoltContext, body: dict[str, Any]) -> tuple[Any, Any, Checkin | None]:
    services = services_of(context)
    user_id = payload.user_id(body)
    value = payload.action_value(body)
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=user_id)
        checkin = by_id(session, Checkin, payload.optional_id(value))
        if person is None or checkin is None or checkin.person_id != person.id:
            return services, person, None
        return services, person, checkin


def on_confirm(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    ack()
    services = services_of(context)
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=payload.user_id(body))
        checkin_id = payload.optional_id(payload.action_value(body))
        checkin = (
            mark_confirmed(session, person=person, checkin_id=checkin_id, now=services.clock())
            if person and checkin_id is not None
            else None
        )
        if checkin is None or person is None:
            say_not_yours(respond, person)
            return
        today = local_now(person, services.clock()).date()
        kpis = kpis_for_week(session, person_id=person.id or 0, period_key=checkin.period_key, today=today)
        message = confirmation(session, checkin=checkin, lines=kpi_lines(session, kpis, period_key=checkin.period_key))
        locale = person.locale
    text, blocks = render(message, locale)
    channel, ts = payload.message_location(body)
    client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)


def on_open_form(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    """Fill in form / Edit: the same modal, pre-filled with what is stored."""
    ack()
    services, person, checkin = _owned_checkin(context, body)
    if checkin is None:
        say_not_yours(respond, person)
        return
    with session_scope(services.engine) as session:
        view = checkin_modal(session, person=person, checkin=checkin, now=services.clock())
    client.views_open(trigger_id=payload.trigger_id(body), view=view)


def _update_own_checkin(body: dict[str, Any], context: BoltContext, respond: Respond, text_key: str, **changes: Any) -> None:
    """Skip and Snooze: change the clicker's own check-in, or say politely that it isn't theirs."""
    services, person, checkin = _owned_checkin(context, body)
    if checkin is None:
        say_not_yours(respond, person)
        return
    with session_scope(services.engine) as session:
        row = session.get(Checkin, checkin.id)
        if row is not None:
            for name, value in changes.items():
                setattr(row, name, value)
    respond(text=i18n.t(text_key, person.locale), response_type="ephemeral", replace_original=False)


def say_not_yours(respond: Respond, person: Any) -> None:
    respond(text=i18n.t("not_yours", person.locale if person else None), response_type="ephemeral", replace_original=False)


def on_skip(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    _update_own_checkin(body, context, respond, "skipped", status=CheckinStatus.SKIPPED)


def on_snooze(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    snoozed_until = services_of(context).clock() + timedelta(hours=2)
    _update_own_checkin(body, context, respond, "snoozed", status=CheckinStatus.SNOOZED, snoozed_until=snoozed_until)


def on_away(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ack()
    services = services_of(context)
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = person.locale if person else "en-US"
    client.views_open(trigger_id=payload.trigger_id(body), view=away_modal(locale))


def on_blocker_category(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """The person corrects the guessed root-cause category of their own blocker."""
    ack()
    services = services_of(context)
    blocker_id, _, category = payload.selected_value(body).partition(":")
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=payload.user_id(body))
        blocker = by_id(session, Blocker, payload.optional_id(blocker_id))
        if (
            person is None
            or blocker is None
            or blocker.person_id != person.id
            or category not in {"resources", "process", "capability", "other"}
        ):
            say_not_yours(respond, person)
            return
        blocker.category, blocker.category_confirmed = category, True
        locale = person.locale
    respond(
        text=i18n.t("category_set", locale, category=i18n.t(f"cat_{category}", locale)),
        response_type="ephemeral",
        replace_original=False,
    )


def checkin_modal(session: Session, *, person: Person, checkin: Checkin, now: Any) -> View:
    locale = person.locale
    today = local_now(person, now).date()
    kpis = kpis_for_week(session, person_id=person.id or 0, period_key=checkin.period_key, today=today)
    lines = kpi_lines(session, kpis, period_key=checkin.period_key)
    blocks: list[InputBlock] = []
    for line in [line for line in lines if not line.fed_by][:20]:  # fed KPIs come from their source
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
        private_metadata=str(checkin.id),
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
    services = services_of(context)
    now = services.clock()
    metadata = payload.private_metadata(view)
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=payload.user_id(body))
        checkin = by_id(session, Checkin, payload.optional_id(metadata))
        if person is None or checkin is None or checkin.person_id != person.id:
            first = next(iter(payload.state_values(view)), "kpi")
            ack(response_action="errors", errors={first: i18n.t("form_not_yours", person.locale if person else None)})
            return
        values: dict[str, float] = {}
        errors: dict[str, str] = {}
        state = payload.state_values(view)
        for block_id in state:
            if not block_id.startswith("kpi_"):
                continue
            field = payload.element(state, block_id, "value")
            raw = (
                payload.selected(state, block_id, "value")
                if field.get("type") == "static_select"
                else payload.input_text(state, block_id, "value")
            )
            if raw == "":
                continue
            try:
                number = float(raw)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                errors[block_id] = i18n.t("form_not_number", person.locale)
            else:
                values[block_id.removeprefix("kpi_")] = number
        if errors:
            ack(response_action="errors", errors=errors)
            return
        today = local_now(person, now).date()
        kpis = kpis_for_week(session, person_id=person.id or 0, period_key=checkin.period_key, today=today)
        store_values(session, checkin=checkin, kpis=kpis, values=values, ts="form", text="(form)", now=now)
        checkin.status, checkin.answered_at = CheckinStatus.STORED, checkin.answered_at or now
        checkin.state = {"pending": []}
        message = confirmation(
            session, checkin=checkin, lines=kpi_lines(session, kpis, period_key=checkin.period_key), updated=True
        )
        outgoing = [Outgoing(message, person.locale), *warnings_after(session, person, kpis, checkin, now)]
        to = Recipient(person.slack_id, person.dm_channel_id)
    ack()
    deliver(services, outgoing, services.gateway.dm(to))


def on_away_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    until = payload.picked_date(payload.state_values(view), "until", "date")
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=payload.user_id(body))
        if person is None:
            ack()
            return
        if until is None or until <= local_now(person, services.clock()).date():
            ack(response_action="errors", errors={"until": i18n.t("away_past", person.locale)})
            return
        person.away_from, person.away_until = None, until - timedelta(days=1)
    ack()


def on_which_kpi(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """The person picked the KPI a number was for: the domain stores it and learns their words."""
    ack()
    services = services_of(context)
    checkin_text, _, kpi_text = payload.action_value(body).partition(":")
    checkin_id, kpi_id = payload.optional_id(checkin_text), payload.optional_id(kpi_text)
    channel, _ = payload.message_location(body)
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=payload.user_id(body))
        outgoing = (
            handle_choice(session, person=person, checkin_id=checkin_id, kpi_id=kpi_id, now=services.clock())
            if person is not None and checkin_id is not None and kpi_id is not None
            else None
        )
        if outgoing is None:
            say_not_yours(respond, person)
            return
    deliver(services, outgoing, channel)


def on_alias_forget(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Remove one learned alias from `/kpi me`; only the person's own."""
    ack()
    services = services_of(context)
    alias_id = payload.optional_id(payload.action_value(body))
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=payload.user_id(body))
        removed = forget(session, person_id=person.id or 0, alias_id=alias_id) if person and alias_id is not None else None
        if person is None or removed is None:
            say_not_yours(respond, person)
            return
        text = i18n.t("alias_removed", person.locale, phrase=escape(removed.phrase))
    respond(text=text, response_type="ephemeral", replace_original=False)


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
