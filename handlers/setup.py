"""`/kpi setup`: propose a KPI set in a modal, agree it with the manager, every round kept.

The modal is pre-filled (the open round, else the current KPIs, else the
template for the person's job family and level); SMART and set rules come
back as inline errors, and nothing is saved until they pass. Each listener
reads the payload, calls one use case of bot.use_cases.kpi_setup and renders what it
returns; the queries and the rounds' state live there.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import i18n
from bot.checkin import format_value
from bot.messages import AgreedMessage, ProposalMessage
from bot.names import local_name
from bot.proposals import FIELDS, KINDS, MAX_KPIS, Row
from bot.refusal import Refusal
from bot.services import Services
from bot.smart import Rule
from bot.use_cases.kpi_setup import (
    LIMITS,
    Delivery,
    FormInput,
    SetupForm,
    Submitted,
    agree_round,
    comment_form,
    comment_round,
    open_form,
    reopen_form,
    submit_form,
)
from bot.use_cases.kpi_setup import proposal_message as proposal_message  # handlers.review sends rounds too
from handlers import payload
from handlers.context import services_of
from handlers.errors import refusal_text
from handlers.feedback import MENTION
from handlers.metadata import secret_of, sign, verify
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import clip, escape
from handlers.render.inputs import multi_select_input, option, select_input, text_input
from storage.tables import Person

OPTION_VALUE_MAX = 150  # Block Kit's limit for an option's value: longer KPI names are not offered as partners


def setup_modal(form: SetupForm, *, secret: str) -> View:
    """The form: up to five KPI rows (each with its names per language and its gaming-watch partners), the period end
    and the negative list."""
    locale = form.locale
    goal_options = [option(title, key) for key, title in form.goals]
    type_options = [option(i18n.t(f"type_{t}", locale), t) for t in KINDS]
    direction_options = [option(i18n.t("setup_higher", locale), "higher"), option(i18n.t("setup_lower", locale), "lower")]
    blocks: list[Block] = [SectionBlock(text=i18n.t("setup_intro", locale, name=escape(form.owner_name)))]
    for i in range(MAX_KPIS):
        row = form.rows[i] if i < len(form.rows) else {}
        weight = f"{row['weight']:g}" if "weight" in row else None
        blocks += [
            DividerBlock(),
            text_input(
                f"kpi{i}_name",
                i18n.t("setup_name", locale, n=i + 1),
                initial=row.get("name"),
                max_length=LIMITS["name"],
                optional=True,
            ),
            text_input(
                f"kpi{i}_target",
                i18n.t("setup_target", locale),
                initial=row.get("target"),
                max_length=LIMITS["target"],
                optional=True,
            ),
            text_input(
                f"kpi{i}_weight", i18n.t("setup_weight", locale), initial=weight, max_length=LIMITS["weight"], optional=True
            ),
            select_input(
                f"kpi{i}_direction", i18n.t("setup_direction", locale), direction_options, initial=row.get("direction", "higher")
            ),
            select_input(f"kpi{i}_type", i18n.t("setup_type", locale), type_options, initial=row.get("type", "result-lagging")),
            text_input(
                f"kpi{i}_source",
                i18n.t("setup_source", locale),
                initial=row.get("source"),
                max_length=LIMITS["source"],
                optional=True,
            ),
            text_input(
                f"kpi{i}_anchors",
                i18n.t("setup_anchors", locale),
                initial="\n".join(row.get("anchors") or []),
                max_length=LIMITS["anchors"],
                multiline=True,
                optional=True,
            ),
            text_input(
                f"kpi{i}_names",
                i18n.t("setup_names", locale),
                initial=row.get("names"),
                max_length=LIMITS["names"],
                multiline=True,
                optional=True,
            ),
        ]
        if goal_options:
            blocks.append(select_input(f"kpi{i}_goal", i18n.t("setup_goal", locale), goal_options, initial=row.get("goal")))
        partners = [name for name in form.watch_choices(i) if len(name) <= OPTION_VALUE_MAX]
        if partners:
            blocks.append(
                multi_select_input(
                    f"kpi{i}_watch",
                    i18n.t("setup_watch", locale),
                    [option(name, name) for name in partners],
                    initial=row.get("watch") or (),
                    hint=i18n.t("setup_watch_hint", locale),
                )
            )
    blocks += [
        DividerBlock(),
        text_input("period_end", i18n.t("setup_end", locale), initial=form.end, max_length=LIMITS["period_end"]),
        text_input(
            "forbidden",
            i18n.t("setup_forbidden", locale),
            initial="\n".join(form.forbidden),
            max_length=LIMITS["forbidden"],
            multiline=True,
            optional=True,
        ),
    ]
    return View(
        type="modal",
        callback_id="kpi_setup",
        private_metadata=sign(secret, str(form.owner_id)),
        title=i18n.t("setup_title", locale),
        submit=i18n.t("form_submit", locale),
        close=i18n.t("form_cancel", locale),
        blocks=blocks[:100],
    )


def _value(values: dict[str, Any], block: str) -> str:
    if payload.element(values, block, "v").get("type") == "static_select":
        return payload.selected(values, block, "v")
    return payload.input_text(values, block, "v")


def read_form(values: dict[str, Any]) -> FormInput:
    """The submitted setup form, every field read defensively (a missing optional field reads as empty)."""
    rows = [
        Row(
            **{f: _value(values, f"kpi{i}_{f}") for f in FIELDS},
            watch=tuple(payload.selected_many(values, f"kpi{i}_watch", "v")),
        )
        for i in range(MAX_KPIS)
    ]
    return FormInput(rows, end=_value(values, "period_end"), forbidden=_value(values, "forbidden"))


def send(services: Services, deliveries: list[Delivery]) -> None:
    """What the use case said, after its transaction committed: each message to its reader's DM."""
    for delivery in deliveries:
        services.gateway.send(services.gateway.dm(delivery.to), delivery.message, locale=delivery.locale)


def field_errors(outcome: Submitted) -> dict[str, str]:
    """The use case's errors as the modal shows them, in the submitter's language."""
    return {
        block: error.text(outcome.locale)
        if isinstance(error, Rule)
        else i18n.t(error, outcome.locale, **outcome.params.get(block, {}))
        for block, error in outcome.errors.items()
    }


def open_setup(services: Services, client: WebClient, person: Person, words: list[str], trigger_id: str) -> list[Block] | None:
    """`/kpi setup [@person]`: your own set, or (a manager) a counter-proposal for someone in your team."""
    mentioned = MENTION.findall(" ".join(words))
    try:
        form = open_form(
            services,
            asker_slack_id=person.slack_id,
            owner_slack_id=mentioned[0] if mentioned else None,
            now=services.clock(),
        )
    except Refusal as refusal:
        return [SectionBlock(text=refusal_text(refusal, person.locale))]
    client.views_open(trigger_id=trigger_id, view=setup_modal(form, secret=secret_of(services)))
    return None


def on_setup_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    form = read_form(payload.state_values(view))
    owner_id = payload.optional_id(verify(secret_of(services), payload.private_metadata(view)))
    outcome = submit_form(services, by_slack_id=payload.user_id(body), owner_id=owner_id, form=form, now=services.clock())
    if outcome.errors:
        ack(response_action="errors", errors=field_errors(outcome))
        return
    ack()
    send(services, outcome.outgoing)


def _kpi_line(kpi: dict[str, Any], names: dict[str, str], locale: str) -> str:
    """One KPI of a round: its name in the reader's language, target, weight, type, source and its watched partners."""
    line = (
        f"• *{escape(local_name(kpi['name'], kpi.get('names'), locale))}* {format_value(kpi['target'], kpi['unit'], locale)}"
        f" · {kpi['weight']:g}% · {i18n.t('type_' + kpi['kind'] + '-' + kpi['horizon'], locale)}"
        + (" · ↓" if kpi["direction"] == "lower" else "")
        + f"\n      _{escape(clip(kpi['source'], 120))}_"
    )
    if kpi.get("watch_with"):
        sep = "、" if i18n.lang(locale) == "zh" else ", "
        partners = sep.join(escape(names.get(w.casefold(), w)) for w in kpi["watch_with"])
        line += "\n      " + i18n.t("prop_watch", locale, names=partners)
    return line


@render.register
def _proposal(message: ProposalMessage, locale: str) -> Rendered:
    key = "prop_to_manager" if message.to_manager else "prop_to_owner"
    head = i18n.t(
        key,
        locale,
        owner=message.owner_slack_id,
        by=message.by_slack_id,
        period=message.period,  # a period key or an agreed range: i18n shows it as the reader's period label
        round=message.round,
    )
    names = {k["name"].casefold(): local_name(k["name"], k.get("names"), locale) for k in message.kpis}
    lines = [_kpi_line(k, names, locale) for k in message.kpis]
    blocks: list[Block] = [SectionBlock(text=clip(head + "\n" + "\n".join(lines), 2900))]
    if message.forbidden:
        blocks.append(
            SectionBlock(
                text=clip(i18n.t("forbidden", locale) + "\n" + "\n".join(f"• {escape(f)}" for f in message.forbidden), 2900)
            )
        )
    if message.comments:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=clip("\n".join(escape(c) for c in message.comments[-5:]), 2000))])
        )
    agree_key, change_key = ("prop_approve", "prop_counter") if message.to_manager else ("prop_accept", "prop_answer")
    value = str(message.proposal_id)
    blocks.append(
        ActionsBlock(
            block_id="proposal",
            elements=[
                ButtonElement(text=i18n.t(agree_key, locale), action_id="proposal_agree", value=value, style="primary"),
                ButtonElement(text=i18n.t(change_key, locale), action_id="proposal_change", value=value),
                ButtonElement(text=i18n.t("prop_comment", locale), action_id="proposal_comment", value=value),
            ],
        )
    )
    return head, blocks


@render.register
def _agreed(message: AgreedMessage, locale: str) -> Rendered:
    text = i18n.t(
        "prop_agreed",
        locale,
        owner=message.owner_slack_id,
        count=message.count,
        starts=i18n.with_year(date.fromisoformat(message.starts)) if message.starts else "",
    )
    return text, [SectionBlock(text=text)]


def on_agree(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Approve / accept a round (a refusal is answered by the app's error handler, privately)."""
    services = services_of(context)
    outgoing = agree_round(
        services,
        clicker_slack_id=payload.user_id(body),
        proposal_id=payload.optional_id(payload.action_value(body)),
        now=services.clock(),
    )
    ack()
    send(services, outgoing)


def on_change(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Counter-propose (manager) or answer with changes (the person): the modal with this round in it."""
    services = services_of(context)
    form = reopen_form(
        services,
        clicker_slack_id=payload.user_id(body),
        proposal_id=payload.optional_id(payload.action_value(body)),
        now=services.clock(),
    )
    ack()
    client.views_open(trigger_id=payload.trigger_id(body), view=setup_modal(form, secret=secret_of(services)))


def on_comment_open(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    services = services_of(context)
    form = comment_form(
        services, clicker_slack_id=payload.user_id(body), proposal_id=payload.optional_id(payload.action_value(body))
    )
    ack()
    client.views_open(
        trigger_id=payload.trigger_id(body),
        view=View(
            type="modal",
            callback_id="proposal_comment",
            private_metadata=sign(secret_of(services), str(form.proposal_id)),
            title=i18n.t("prop_comment", form.locale),
            submit=i18n.t("form_submit", form.locale),
            blocks=[
                text_input("comment", i18n.t("prop_comment_label", form.locale), max_length=LIMITS["comment"], multiline=True)
            ],
        ),
    )


def on_comment_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    proposal_id = payload.optional_id(verify(secret_of(services), payload.private_metadata(view)))
    text = payload.input_text(payload.state_values(view), "comment", "v")
    outgoing = comment_round(services, by_slack_id=payload.user_id(body), proposal_id=proposal_id, text=text)
    ack()
    send(services, outgoing)


def register(app: App) -> None:
    app.action("proposal_agree")(on_agree)
    app.action("proposal_change")(on_change)
    app.action("proposal_comment")(on_comment_open)
    app.view("kpi_setup")(on_setup_submit)
    app.view("proposal_comment")(on_comment_submit)
