"""The monthly retro's follow-up from Slack: the Answer button opens ONE modal; its answers become action items.

Thin: read the form, let ``bot.retro.store_answers`` check and store (all or
nothing), answer inline errors in the person's language, send the thread post.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import i18n
from bot.dates import read_date
from bot.messages import RetroKpi
from bot.outbox import send_claimed
from bot.people import local_now
from bot.retro import AnswerInput, ask_for, store_answers
from handlers import payload
from handlers.context import services_of
from handlers.home import refresh_home
from handlers.metadata import secret_of, sign, verify
from handlers.render.retro import answer_modal
from storage.engine import session_scope
from storage.queries import person_by_slack_id
from storage.tables import Retro


def on_answer_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    ack()
    services = services_of(context)
    ask_id = payload.optional_id(payload.action_value(body))
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = person.locale if person else "en-US"
        ask = ask_for(session, ask_id=ask_id, person=person) if person and ask_id is not None else None
        if person is None or ask is None:
            respond(text=i18n.t("retro_not_yours", locale), response_type="ephemeral", replace_original=False)
            return
        if ask.answered_at is not None:
            respond(text=i18n.t("retro_already", locale), response_type="ephemeral", replace_original=False)
            return
        retro = session.get(Retro, ask.retro_id)
        kpis = [RetroKpi.stored(k) for k in ask.kpis]
        view = answer_modal(sign(secret_of(services), str(ask.id)), retro.month if retro else "", kpis, person.slack_id, locale)
    client.views_open(trigger_id=payload.trigger_id(body), view=view)


def _value(values: dict[str, Any], block: str) -> str:
    """A cause (select), an owner (user select) or a text, read defensively (wrong types are refused)."""
    field = payload.element(values, block, "v")
    if "selected_option" in field:
        return payload.selected(values, block, "v")
    if "selected_user" in field:
        return payload.text(field.get("selected_user"), block, required=False)
    return payload.input_text(values, block, "v")


def on_answers_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    now = services.clock()
    values = payload.state_values(view)
    first_block = next(iter(values), "k0_cause")
    ask_id = payload.optional_id(verify(secret_of(services), payload.private_metadata(view)) or "")
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = person.locale if person else "en-US"
        ask = ask_for(session, ask_id=ask_id, person=person) if person and ask_id is not None else None
        if person is None or ask is None:
            ack(response_action="errors", errors={first_block: i18n.t("retro_not_yours", locale)})
            return
        answers = [
            AnswerInput(
                int(k["kpi_id"]),
                _value(values, f"k{k['kpi_id']}_cause"),
                _value(values, f"k{k['kpi_id']}_change"),
                _value(values, f"k{k['kpi_id']}_owner"),
                _value(values, f"k{k['kpi_id']}_due"),
            )
            for k in ask.kpis
        ]
        local = local_now(person, now)
        outcome = store_answers(
            session, ask=ask, person=person, answers=answers, now=now, read_due=lambda text: read_date(text, now=local)
        )
        if outcome.errors:
            errors = {}
            for where, message_id in outcome.errors.items():
                kpi_id, _, field = where.partition(":")
                errors[f"k{kpi_id}_{field}" if field else first_block] = i18n.t(message_id, locale)
            ack(response_action="errors", errors=errors)
            return
        slack_id = person.slack_id
    ack()
    if outcome.key:
        send_claimed(services, [outcome.key], now=now)
    refresh_home(services, slack_id)


def register(app: App) -> None:
    app.action("retro_answer")(on_answer_clicked)
    app.view("retro_answers")(on_answers_submitted)
