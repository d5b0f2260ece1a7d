"""`/kpi setup`: propose a KPI set in a modal, agree it with the manager, every round kept.

The modal is pre-filled (the open round, else the current KPIs, else the
template for the person's job family and level); SMART and set rules come
back as inline errors, and nothing is saved until they pass.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View
from sqlmodel import Session, col, select

from bot import i18n
from bot.checkin import format_value
from bot.feedback import can_manage
from bot.messages import AgreedMessage, Notice, ProposalMessage
from bot.people import current_kpis, local_now, manager_of
from bot.ports import Recipient
from bot.proposals import (
    FIELDS,
    KINDS,
    MAX_KPIS,
    ProposalError,
    ProposalStatus,
    Row,
    agree,
    comment,
    latest_round,
    names_text,
    propose,
    template_for,
    validate,
)
from bot.services import Services
from bot.smart import Rule
from handlers import payload
from handlers.context import services_of
from handlers.feedback import MENTION
from handlers.metadata import secret_of, sign, verify
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import clip, escape
from storage.engine import session_scope
from storage.queries import by_id, person_by_slack_id
from storage.tables import Goal, KpiProposal, Person


def _rows_for(session: Session, owner: Person, today: Any) -> tuple[list[dict[str, Any]], str, list[str]]:
    """Pre-fill: the newest round, else the current KPIs, else the template."""
    latest = latest_round(session, owner_id=owner.id or 0)
    goals = {g.id: g.key for g in session.exec(select(Goal)).all()}
    if latest is not None and latest.status == ProposalStatus.OPEN:
        rows = [
            {
                "name": k["name"],
                "target": f"{k['target']:g} {k['unit']}",
                "weight": k["weight"],
                "direction": k["direction"],
                "type": f"{k['kind']}-{k['horizon']}",
                "goal": k.get("goal") or "",
                "source": k["source"],
                "anchors": k.get("anchors") or [],
                "names": names_text(k.get("names")),
            }
            for k in latest.kpis
        ]
        return rows, latest.period.partition("..")[2], list(latest.forbidden)
    current = current_kpis(session, person_id=owner.id or 0, day=today)
    if current:
        rows = [
            {
                "name": k.name,
                "target": f"{k.target:g} {k.unit}",
                "weight": k.weight,
                "direction": k.direction,
                "type": f"{k.kind}-{k.horizon}",
                "goal": goals.get(k.goal_id or 0, ""),
                "source": k.source,
                "anchors": k.anchors,
                "names": names_text(k.names),
            }
            for k in current
        ]
        return rows, "", list(dict.fromkeys(r for k in current for r in k.forbidden))
    return template_for(owner), "", []


def _text(block_id: str, label: str, initial: str | None, max_length: int, *, multiline: bool = False) -> InputBlock:
    """An optional text field of the setup form (rows may be left empty)."""
    element = PlainTextInputElement(action_id="v", initial_value=initial or None, max_length=max_length, multiline=multiline)
    return InputBlock(block_id=block_id, label=label, optional=True, element=element)


def _select(block_id: str, label: str, options: list[Option], value: Any) -> InputBlock:
    initial = next((o for o in options if o.value == value), None)
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=True,
        element=StaticSelectElement(action_id="v", options=options, initial_option=initial),
    )


def setup_modal(session: Session, *, owner: Person, locale: str, secret: str, today: Any) -> View:
    rows, end, forbidden = _rows_for(session, owner, today)
    goals = session.exec(select(Goal).order_by(col(Goal.id))).all()
    goal_options = [Option(text=clip(f"{g.title}", 75), value=g.key) for g in goals[:99]]
    type_options = [Option(text=i18n.t(f"type_{t}", locale), value=t) for t in KINDS]
    direction_options = [
        Option(text=i18n.t("setup_higher", locale), value="higher"),
        Option(text=i18n.t("setup_lower", locale), value="lower"),
    ]
    blocks: list[Block] = [SectionBlock(text=i18n.t("setup_intro", locale, name=escape(owner.name)))]
    for i in range(MAX_KPIS):
        row = rows[i] if i < len(rows) else {}
        weight = f"{row['weight']:g}" if "weight" in row else None
        blocks += [
            DividerBlock(),
            _text(f"kpi{i}_name", i18n.t("setup_name", locale, n=i + 1), row.get("name"), 200),
            _text(f"kpi{i}_target", i18n.t("setup_target", locale), row.get("target"), 60),
            _text(f"kpi{i}_weight", i18n.t("setup_weight", locale), weight, 10),
            _select(f"kpi{i}_direction", i18n.t("setup_direction", locale), direction_options, row.get("direction", "higher")),
            _select(f"kpi{i}_type", i18n.t("setup_type", locale), type_options, row.get("type", "result-lagging")),
            _text(f"kpi{i}_source", i18n.t("setup_source", locale), row.get("source"), 500),
            _text(f"kpi{i}_anchors", i18n.t("setup_anchors", locale), "\n".join(row.get("anchors") or []), 1500, multiline=True),
            _text(f"kpi{i}_names", i18n.t("setup_names", locale), row.get("names"), 500, multiline=True),
        ]
        if goal_options:
            blocks.append(_select(f"kpi{i}_goal", i18n.t("setup_goal", locale), goal_options, row.get("goal")))
    blocks += [
        DividerBlock(),
        InputBlock(
            block_id="period_end",
            label=i18n.t("setup_end", locale),
            element=PlainTextInputElement(action_id="v", initial_value=end or None, max_length=60),
        ),
        InputBlock(
            block_id="forbidden",
            label=i18n.t("setup_forbidden", locale),
            optional=True,
            element=PlainTextInputElement(
                action_id="v", multiline=True, initial_value="\n".join(forbidden) or None, max_length=2000
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id="kpi_setup",
        private_metadata=sign(secret, str(owner.id)),
        title=i18n.t("setup_title", locale),
        submit=i18n.t("form_submit", locale),
        close=i18n.t("form_cancel", locale),
        blocks=blocks[:100],
    )


def _value(values: dict[str, Any], block: str) -> str:
    if payload.element(values, block, "v").get("type") == "static_select":
        return payload.selected(values, block, "v")
    return payload.input_text(values, block, "v")


def open_setup(services: Services, client: WebClient, person: Person, words: list[str], trigger_id: str) -> list[Block] | None:
    """`/kpi setup [@person]`: your own set, or (a manager) a counter-proposal for someone in your team."""
    mentioned = MENTION.findall(" ".join(words))
    with session_scope(services.engine) as session:
        owner = (
            person_by_slack_id(session, slack_id=mentioned[0])
            if mentioned
            else person_by_slack_id(session, slack_id=person.slack_id)
        )
        if owner is None:
            return [SectionBlock(text=i18n.t("fb_unknown_person", person.locale))]
        if owner.id != person.id and not can_manage(session, asker=person, ratee=owner):
            return [SectionBlock(text=i18n.t("prop_not_allowed", person.locale))]
        view = setup_modal(
            session,
            owner=owner,
            locale=person.locale,
            secret=secret_of(services),
            today=local_now(person, services.clock()).date(),
        )
    client.views_open(trigger_id=trigger_id, view=view)
    return None


def on_setup_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    values = payload.state_values(view)
    owner_id = verify(secret_of(services), payload.private_metadata(view))
    now = services.clock()
    with session_scope(services.engine) as session:
        by = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = by.locale if by else None
        owner = by_id(session, Person, payload.optional_id(owner_id))
        if by is None or owner is None:
            ack(response_action="errors", errors={"kpi0_name": i18n.t("fb_tampered", locale)})
            return
        rows = [Row(*(_value(values, f"kpi{i}_{f}") for f in FIELDS)) for i in range(MAX_KPIS)]
        goals = {g.key for g in session.exec(select(Goal)).all()}
        kpis, period, errors = validate(rows, end_text=_value(values, "period_end"), goals=goals, today=local_now(by, now).date())
        if errors:
            ack(
                response_action="errors",
                errors={block: (e.text(locale) if isinstance(e, Rule) else i18n.t(e, locale)) for block, e in errors.items()},
            )
            return
        forbidden = [line.strip() for line in _value(values, "forbidden").splitlines() if line.strip()]
        try:
            proposal = propose(session, owner=owner, by=by, kpis=kpis, period=period, forbidden=forbidden, now=now)
        except ProposalError as refusal:
            ack(response_action="errors", errors={"kpi0_name": i18n.t(refusal.key, locale)})
            return
        recipient = owner if by.id != owner.id else manager_of(session, owner)
        if recipient is None:
            ack(response_action="errors", errors={"kpi0_name": i18n.t("prop_no_manager", locale)})
            session.rollback()
            return
        message = proposal_message(proposal, owner, by, to_manager=by.id == owner.id)
        target = (recipient.dm_channel_id, recipient.slack_id, recipient.locale)
        sender_target = (by.dm_channel_id, by.slack_id, by.locale)
    ack()
    services.gateway.send(services.gateway.dm(Recipient(target[1], target[0])), message, locale=target[2])
    services.gateway.send(
        services.gateway.dm(Recipient(sender_target[1], sender_target[0])),
        Notice("prop_sent", {"round": message.round}),
        locale=sender_target[2],
    )


def proposal_message(proposal: KpiProposal, owner: Person, by: Person, *, to_manager: bool) -> ProposalMessage:
    return ProposalMessage(
        proposal.id or 0,
        owner.slack_id,
        by.slack_id,
        proposal.round,
        proposal.period,
        list(proposal.kpis),
        list(proposal.forbidden),
        to_manager,
        list(proposal.comments),
    )


@render.register
def _proposal(message: ProposalMessage, locale: str) -> Rendered:
    key = "prop_to_manager" if message.to_manager else "prop_to_owner"
    head = i18n.t(
        key,
        locale,
        owner=message.owner_slack_id,
        by=message.by_slack_id,
        period=message.period.replace("..", " – "),
        round=message.round,
    )
    lines = [
        f"• *{escape(k['name'])}* {format_value(k['target'], k['unit'], locale)} · {k['weight']:g}% · {i18n.t('type_' + k['kind'] + '-' + k['horizon'], locale)}"
        + (" · ↓" if k["direction"] == "lower" else "")
        + f"\n      _{escape(clip(k['source'], 120))}_"
        for k in message.kpis
    ]
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
    text = i18n.t("prop_agreed", locale, owner=message.owner_slack_id, count=message.count, starts=message.starts)
    return text, [SectionBlock(text=text)]


def _proposal_and_people(session: Session, body: dict[str, Any]) -> tuple[Person | None, KpiProposal | None, Person | None]:
    value = payload.action_value(body)
    clicker = person_by_slack_id(session, slack_id=payload.user_id(body))
    proposal = by_id(session, KpiProposal, payload.optional_id(value))
    owner = session.get(Person, proposal.owner_id) if proposal else None
    return clicker, proposal, owner


def on_agree(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    services = services_of(context)
    with session_scope(services.engine) as session:
        clicker, proposal, owner = _proposal_and_people(session, body)
        locale = clicker.locale if clicker else None
        try:
            if clicker is None or proposal is None or owner is None:
                raise ProposalError("prop_not_open")
            created = agree(session, proposal_id=proposal.id or 0, by=clicker, now=services.clock())
        except ProposalError as refusal:
            session.rollback()
            respond(text=i18n.t(refusal.key, locale), response_type="ephemeral", replace_original=False)
            return
        note = AgreedMessage(owner.slack_id, len(created), created[0].period_start.isoformat() if created else "")
        other = owner if clicker.id != owner.id else session.get(Person, proposal.proposed_by_id)
        targets = [(p.dm_channel_id, p.slack_id, p.locale) for p in (clicker, other) if p is not None]
    for channel, slack_id, person_locale in dict.fromkeys(targets):
        services.gateway.send(services.gateway.dm(Recipient(slack_id, channel)), note, locale=person_locale)


def on_change(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    """Counter-propose (manager) or answer with changes (the person): the modal with this round in it."""
    ack()
    services = services_of(context)
    with session_scope(services.engine) as session:
        clicker, proposal, owner = _proposal_and_people(session, body)
        if (
            clicker is None
            or proposal is None
            or owner is None
            or (clicker.id != owner.id and not can_manage(session, asker=clicker, ratee=owner))
        ):
            respond(
                text=i18n.t("prop_not_allowed", clicker.locale if clicker else None),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        view = setup_modal(
            session,
            owner=owner,
            locale=clicker.locale,
            secret=secret_of(services),
            today=local_now(clicker, services.clock()).date(),
        )
    client.views_open(trigger_id=payload.trigger_id(body), view=view)


def on_comment_open(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ack()
    services = services_of(context)
    with session_scope(services.engine) as session:
        clicker = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = clicker.locale if clicker else "en-US"
    value = payload.action_value(body)
    client.views_open(
        trigger_id=payload.trigger_id(body),
        view=View(
            type="modal",
            callback_id="proposal_comment",
            private_metadata=sign(secret_of(services), value),
            title=i18n.t("prop_comment", locale),
            submit=i18n.t("form_submit", locale),
            blocks=[
                InputBlock(
                    block_id="comment",
                    label=i18n.t("prop_comment_label", locale),
                    element=PlainTextInputElement(action_id="v", multiline=True, max_length=1000),
                )
            ],
        ),
    )


def on_comment_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    proposal_id = verify(secret_of(services), payload.private_metadata(view))
    text = _value(payload.state_values(view), "comment").strip()
    with session_scope(services.engine) as session:
        by = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = by.locale if by else None
        try:
            ident = payload.optional_id(proposal_id)
            if by is None or ident is None:
                raise ProposalError("prop_not_allowed")
            proposal = comment(session, proposal_id=ident, by=by, text=text)
        except ProposalError as refusal:
            ack(response_action="errors", errors={"comment": i18n.t(refusal.key, locale)})
            return
        owner = session.get(Person, proposal.owner_id)
        proposer = session.get(Person, proposal.proposed_by_id)
        other = proposer if proposer and proposer.id != by.id else (manager_of(session, owner) if owner else None)
        if other is None or owner is None or proposer is None:
            ack()
            return
        message = proposal_message(proposal, owner, proposer, to_manager=proposer.id == owner.id and other.id != owner.id)
        target = (other.dm_channel_id, other.slack_id, other.locale)
    ack()
    services.gateway.send(services.gateway.dm(Recipient(target[1], target[0])), message, locale=target[2])


def register(app: App) -> None:
    app.action("proposal_agree")(on_agree)
    app.action("proposal_change")(on_change)
    app.action("proposal_comment")(on_comment_open)
    app.view("kpi_setup")(on_setup_submit)
    app.view("proposal_comment")(on_comment_submit)
