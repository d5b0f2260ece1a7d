"""Button and menu clicks. Each checks that the clicker owns what they click."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import i18n
from bot.checkin import confirmation, kpi_lines, mark_confirmed
from bot.people import current_kpis, local_now
from bot.periods import week_start_of_key
from handlers.context import services_of
from handlers.render import render
from handlers.render.warnings import CAUSES, plan_modal
from handlers.views import away_modal, checkin_modal
from storage.engine import session_scope
from storage.queries import person_by_slack_id
from storage.tables import Blocker, Checkin, Kpi

log = logging.getLogger(__name__)


def _owned_checkin(context: BoltContext, body: dict[str, Any]) -> tuple[Any, Any, Checkin | None]:
    services = services_of(context)
    user_id = body["user"]["id"]
    value = body["actions"][0].get("value", "")
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=user_id)
        checkin = session.get(Checkin, int(value)) if value.isdigit() else None
        if person is None or checkin is None or checkin.person_id != person.id:
            return services, person, None
        return services, person, checkin


def on_confirm(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    ack()
    services = services_of(context)
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=body["user"]["id"])
        checkin = (
            mark_confirmed(session, person=person, checkin_id=int(body["actions"][0]["value"]), now=services.clock())
            if person
            else None
        )
        if checkin is None or person is None:
            say_not_yours(respond, person)
            return
        today = local_now(person, services.clock()).date()
        kpis = current_kpis(
            session, person_id=person.id or 0, day=min(today, week_start_of_key(checkin.period_key) + timedelta(days=6))
        )
        message = confirmation(
            session, checkin=checkin, lines=kpi_lines(session, kpis, period_key=checkin.period_key, today=today)
        )
        locale = person.locale
    text, blocks = render(message, locale)
    client.chat_update(channel=body["container"]["channel_id"], ts=body["container"]["message_ts"], text=text, blocks=blocks)


def on_open_form(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    """Fill in form / Edit: the same modal, pre-filled with what is stored."""
    ack()
    services, person, checkin = _owned_checkin(context, body)
    if checkin is None:
        say_not_yours(respond, person)
        return
    with session_scope(services.engine) as session:
        view = checkin_modal(session, person=person, checkin=checkin, now=services.clock())
    client.views_open(trigger_id=body["trigger_id"], view=view)


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
    _update_own_checkin(body, context, respond, "skipped", status="skipped")


def on_snooze(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    snoozed_until = services_of(context).clock() + timedelta(hours=2)
    _update_own_checkin(body, context, respond, "snoozed", status="snoozed", snoozed_until=snoozed_until)


def on_away(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ack()
    services = services_of(context)
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=body["user"]["id"])
        locale = person.locale if person else "en-US"
    client.views_open(trigger_id=body["trigger_id"], view=away_modal(locale))


def on_blocker_category(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """The person corrects the guessed root-cause category of their own blocker."""
    ack()
    services = services_of(context)
    blocker_id, _, category = body["actions"][0]["selected_option"]["value"].partition(":")
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=body["user"]["id"])
        blocker = session.get(Blocker, int(blocker_id)) if blocker_id.isdigit() else None
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


def on_warning_cause(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    """A root cause was picked for an early warning: ask for the next step in a modal."""
    ack()
    services = services_of(context)
    kpi_id, cause, origin = ([*body["actions"][0]["value"].split(":"), "", ""])[:3]
    origin = "retro" if origin == "retro" else "warning"
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=body["user"]["id"])
        kpi = session.get(Kpi, int(kpi_id)) if kpi_id.isdigit() else None
        if person is None or kpi is None or kpi.owner_id != person.id or cause not in CAUSES:
            say_not_yours(respond, person)
            return
        locale = person.locale
    client.views_open(trigger_id=body["trigger_id"], view=plan_modal(int(kpi_id), cause, locale, origin))


def register(app: App) -> None:
    app.action("checkin_confirm")(on_confirm)
    app.action("checkin_edit")(on_open_form)
    app.action("checkin_form")(on_open_form)
    app.action("checkin_skip")(on_skip)
    app.action("checkin_snooze")(on_snooze)
    app.action("checkin_away")(on_away)
    app.action("blocker_category")(on_blocker_category)
    app.action(re.compile(r"^warning_cause_"))(on_warning_cause)
