"""The monthly retro's follow-up from Slack: the Answer button opens ONE modal; its answers become action items.

Thin: read the form, let ``bot.use_cases.retro`` check and store (all or
nothing), answer inline errors in the person's language, send the thread post.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import i18n
from bot.outbox import send_claimed
from bot.retro import AnswerInput
from bot.use_cases.retro import answer_retro, retro_form
from handlers import payload
from handlers.context import services_of
from handlers.errors import shown_under
from handlers.home import refresh_home
from handlers.metadata import secret_of, sign, verify
from handlers.render.retro import answer_modal


def on_answer_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """The Answer button: one modal with every KPI of the follow-up (refusals answered by handlers.errors)."""
    ack()
    services = services_of(context)
    ask_id = payload.optional_id(payload.action_value(body))
    form = retro_form(services, slack_id=payload.user_id(body), ask_id=ask_id)
    view = answer_modal(sign(secret_of(services), str(form.ask_id)), form.month, form.kpis, form.slack_id, form.locale)
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

    def read(kpi_id: int) -> AnswerInput:
        return AnswerInput(
            kpi_id,
            _value(values, f"k{kpi_id}_cause"),
            _value(values, f"k{kpi_id}_change"),
            _value(values, f"k{kpi_id}_owner"),
            _value(values, f"k{kpi_id}_due"),
        )

    slack_id = payload.user_id(body)
    with shown_under(first_block):  # "not yours" shows under the form's first block
        answered = answer_retro(services, slack_id=slack_id, ask_id=ask_id, read=read, now=now)
    if answered.errors:
        errors = {}
        for where, message_id in answered.errors.items():
            kpi_id, _, field = where.partition(":")
            errors[f"k{kpi_id}_{field}" if field else first_block] = i18n.t(message_id, answered.locale)
        ack(response_action="errors", errors=errors)
        return
    ack()
    if answered.key:
        send_claimed(services, [answered.key], now=now)
    refresh_home(services, slack_id)


def register(app: App) -> None:
    app.action("retro_answer")(on_answer_clicked)
    app.view("retro_answers")(on_answers_submitted)
