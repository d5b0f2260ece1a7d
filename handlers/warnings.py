"""Early warnings (and retro questions): a root cause picked, then the next step in a modal."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import i18n
from bot.checkin import Outgoing
from bot.dates import read_date
from bot.messages import Notice
from bot.people import local_now
from bot.ports import Recipient
from handlers import payload
from handlers.checkin import say_not_yours
from handlers.context import services_of
from handlers.conversation import deliver
from handlers.render.escape import escape
from handlers.render.warnings import CAUSES, plan_modal
from storage.engine import session_scope
from storage.queries import by_id, person_by_slack_id
from storage.tables import ActionItem, Kpi


def on_warning_cause(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    """A root cause was picked for an early warning: ask for the next step in a modal."""
    ack()
    services = services_of(context)
    kpi_id, cause, origin = ([*payload.action_value(body).split(":"), "", ""])[:3]
    origin = "retro" if origin == "retro" else "warning"
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=payload.user_id(body))
        kpi = by_id(session, Kpi, payload.optional_id(kpi_id))
        if person is None or kpi is None or kpi.owner_id != person.id or cause not in CAUSES:
            say_not_yours(respond, person)
            return
        locale = person.locale
    client.views_open(trigger_id=payload.trigger_id(body), view=plan_modal(kpi.id or 0, cause, locale, origin))


def on_warning_plan(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """Store the next step for a KPI behind pace as an action item; the date is read with dateparser."""
    services = services_of(context)
    kpi_id, cause, origin = ([*payload.private_metadata(view).split(":"), "", ""])[:3]
    origin = "retro" if origin == "retro" else "warning"
    values = payload.state_values(view)
    step = payload.input_text(values, "step", "text").strip()
    due_text = payload.input_text(values, "due", "text").strip()
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=payload.user_id(body))
        kpi = by_id(session, Kpi, payload.optional_id(kpi_id))
        if person is None or kpi is None or kpi.owner_id != person.id or cause not in CAUSES:
            ack(response_action="errors", errors={"step": i18n.t("form_not_yours", person.locale if person else None)})
            return
        now = local_now(person, services.clock())
        due = read_date(due_text, now=now, prefer="future")
        errors = {}
        if not step:
            errors["step"] = i18n.t("plan_empty", person.locale)
        if due is None:
            errors["due"] = i18n.t("plan_bad_date", person.locale)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        session.add(
            ActionItem(person_id=person.id or 0, kpi_id=kpi.id, origin=origin, root_cause=cause, next_step=step[:1000], due=due)
        )
        notice = Outgoing(
            Notice("plan_saved", {"step": escape(step[:200]), "due": due.isoformat() if due else ""}), person.locale
        )
        to = Recipient(person.slack_id, person.dm_channel_id)
    ack()
    deliver(services, [notice], services.gateway.dm(to))


def register(app: App) -> None:
    app.action(re.compile(r"^warning_cause_"))(on_warning_cause)
    app.view("warning_plan")(on_warning_plan)
