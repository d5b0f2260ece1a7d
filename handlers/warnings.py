"""Early warnings (and retro questions): a root cause picked, then the next step in a modal."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import i18n
from bot.checkin import Outgoing
from bot.messages import Notice
from bot.use_cases.warnings import pick_cause, save_plan
from handlers import payload
from handlers.context import services_of
from handlers.conversation import deliver
from handlers.errors import shown_under
from handlers.render.escape import escape
from handlers.render.warnings import plan_modal


def on_warning_cause(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """A root cause was picked for an early warning: ask for the next step in a modal."""
    ack()
    kpi_id, cause, origin = ([*payload.action_value(body).split(":"), "", ""])[:3]
    origin = "retro" if origin == "retro" else "warning"
    kpi, locale = pick_cause(
        services_of(context), slack_id=payload.user_id(body), kpi_id=payload.optional_id(kpi_id), cause=cause
    )
    client.views_open(trigger_id=payload.trigger_id(body), view=plan_modal(kpi, cause, locale, origin))


def on_warning_plan(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """Store the next step for a KPI behind pace as an action item; the date is read with dateparser."""
    services = services_of(context)
    kpi_id, cause, origin = ([*payload.private_metadata(view).split(":"), "", ""])[:3]
    origin = "retro" if origin == "retro" else "warning"
    values = payload.state_values(view)
    with shown_under("step"):
        step = payload.input_text(values, "step", "text").strip()
        due_text = payload.input_text(values, "due", "text").strip()
        plan = save_plan(
            services,
            slack_id=payload.user_id(body),
            kpi_id=payload.optional_id(kpi_id),
            cause=cause,
            origin=origin,
            step=step,
            due_text=due_text,
            now=services.clock(),
        )
    locale = plan.person.locale
    if plan.problems:
        ack(response_action="errors", errors={block: i18n.t(key, locale) for block, key in plan.problems.items()})
        return
    ack()
    notice = Notice("plan_saved", {"step": escape(plan.step[:200]), "due": plan.due or ""})
    deliver(services, [Outgoing(notice, locale)], services.gateway.dm(plan.person))


def register(app: App) -> None:
    app.action(re.compile(r"^warning_cause_"))(on_warning_cause)
    app.view("warning_plan")(on_warning_plan)
