"""Modals: the check-in form (also the Edit of a confirmation) and time off.

Validation errors come back inline (response_action=errors) and nothing is
saved; a submission for someone else's check-in is refused.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext
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
from bot.checkin import Outgoing, confirmation, format_value, kpi_lines, store_values, warnings_after
from bot.dates import read_date
from bot.messages import Notice
from bot.people import current_kpis, local_now
from bot.periods import week_start_of_key
from handlers.context import services_of
from handlers.events import deliver
from handlers.render.escape import clip, escape
from handlers.render.warnings import CAUSES
from storage.engine import session_scope
from storage.queries import person_by_slack_id
from storage.tables import ActionItem, Checkin, Kpi, Person


def checkin_modal(session: Session, *, person: Person, checkin: Checkin, now: Any) -> View:
    locale = person.locale
    day = min(local_now(person, now).date(), week_start_of_key(checkin.period_key) + timedelta(days=6))
    kpis = current_kpis(session, person_id=person.id or 0, day=day)
    lines = kpi_lines(session, kpis, period_key=checkin.period_key, today=day)
    blocks: list[InputBlock] = []
    for line in lines[:20]:
        hint = i18n.t("form_target", locale, target=format_value(line.target, line.unit))
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
    metadata = view.get("private_metadata", "")
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=body["user"]["id"])
        checkin = session.get(Checkin, int(metadata)) if metadata.isdigit() else None
        if person is None or checkin is None or checkin.person_id != person.id:
            first = next(iter(view.get("state", {}).get("values", {})), "kpi")
            ack(response_action="errors", errors={first: i18n.t("form_not_yours", person.locale if person else None)})
            return
        values: dict[str, float] = {}
        errors: dict[str, str] = {}
        for block_id, fields in view["state"]["values"].items():
            if not block_id.startswith("kpi_"):
                continue
            field = fields.get("value", {})
            raw = (
                field.get("value") if field.get("type") != "static_select" else (field.get("selected_option") or {}).get("value")
            )
            if raw in (None, ""):
                continue
            try:
                values[block_id.removeprefix("kpi_")] = float(raw)
            except ValueError:
                errors[block_id] = i18n.t("form_not_number", person.locale)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        day = min(local_now(person, now).date(), week_start_of_key(checkin.period_key) + timedelta(days=6))
        kpis = current_kpis(session, person_id=person.id or 0, day=day)
        store_values(session, checkin=checkin, kpis=kpis, values=values, ts="form", text="(form)", now=now)
        checkin.status, checkin.answered_at = "stored", checkin.answered_at or now
        checkin.state = {"pending": []}
        message = confirmation(
            session, checkin=checkin, lines=kpi_lines(session, kpis, period_key=checkin.period_key, today=day), updated=True
        )
        outgoing = [Outgoing(message, person.locale), *warnings_after(session, person, kpis, checkin, now)]
        channel, slack_id = person.dm_channel_id, person.slack_id
    ack()
    deliver(services, outgoing, channel or services.gateway.open_dm(slack_id))


def on_away_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    picked = view["state"]["values"]["until"]["date"].get("selected_date")
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=body["user"]["id"])
        if person is None:
            ack()
            return
        until = date.fromisoformat(picked) if picked else None
        if until is None or until <= local_now(person, services.clock()).date():
            ack(response_action="errors", errors={"until": i18n.t("away_past", person.locale)})
            return
        person.away_until = until - timedelta(days=1)
    ack()


def on_warning_plan(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """Store the next step for a KPI behind pace as an action item; the date is read with dateparser."""
    services = services_of(context)
    kpi_id, cause, origin = ([*view.get("private_metadata", "").split(":"), "", ""])[:3]
    origin = "retro" if origin == "retro" else "warning"
    values = view["state"]["values"]
    step = (values["step"]["text"].get("value") or "").strip()
    due_text = (values["due"]["text"].get("value") or "").strip()
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=body["user"]["id"])
        kpi = session.get(Kpi, int(kpi_id)) if kpi_id.isdigit() else None
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
        channel, slack_id = person.dm_channel_id, person.slack_id
    ack()
    deliver(services, [notice], channel or services.gateway.open_dm(slack_id))


def register(app: App) -> None:
    app.view("checkin_form")(on_checkin_form)
    app.view("away_form")(on_away_form)
    app.view("warning_plan")(on_warning_plan)
