"""The half-year review on Slack: evidence per KPI, Keep / Reweight / Retire, and the batch reweight modal."""

from __future__ import annotations

import hashlib
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View
from sqlmodel import col, select

from bot import i18n
from bot.formats import format_share
from bot.kpi_state import KpiStatus
from bot.messages import ReviewMessage
from bot.ports import Recipient
from bot.refusal import Refusal
from bot.review import KpiEvidence, batch_reweight, decide
from handlers import payload
from handlers.context import services_of
from handlers.errors import refusal_text
from handlers.metadata import secret_of, sign, verify
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import clip, escape
from handlers.setup import proposal_message
from storage.engine import session_scope
from storage.queries import by_id, person_by_slack_id
from storage.tables import Kpi, KpiProposal, KpiReview, Person


def evidence_text(item: KpiEvidence, locale: str) -> str:
    corr = i18n.t("review_corr", locale, r=f"{item.correlation:.2f}") if item.correlation is not None else ""
    line = i18n.t(
        "review_line",
        locale,
        name=escape(item.name),
        owners=item.owners,
        horizon=i18n.t(f"horizon_{item.horizon}", locale),
        on_pace=format_share(item.on_pace_share, locale),
        half_way=format_share(item.half_way_share, locale),
        unreported=format_share(item.unreported_share, locale),
        corr=corr,
    )
    return f"{line}\n{i18n.t(f'verdict_{item.verdict}', locale)}"


@render.register
def _review(message: ReviewMessage, locale: str) -> Rendered:
    title = i18n.t("review_title", locale, team=escape(message.team), half=message.half)
    blocks: list[Block] = [HeaderBlock(text=clip(title, 150)), SectionBlock(text=i18n.t("review_intro", locale))]
    for index, item in enumerate(message.evidence[:45]):
        options = [
            Option(text=i18n.t(f"decision_{d}", locale), value=f"{message.review_id}:{index}:{d}")
            for d in ("keep", "reweight", "retire")
        ]
        blocks.append(
            SectionBlock(
                text=clip(evidence_text(item, locale), 2900),
                accessory=OverflowMenuElement(action_id="review_decide", options=options),
            )
        )
    return title, blocks


def on_decide(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    ack()
    services = services_of(context)
    review_id, index, decision = ([*payload.selected_value(body).split(":"), "", "", ""])[:3]
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = person.locale if person else None
        review = by_id(session, KpiReview, payload.optional_id(review_id))
        names = (review.decisions.get("_kpis") or []) if review else []
        name = names[int(index)] if index.isdigit() and int(index) < len(names) else None
        try:
            if person is None or review is None or name is None:
                raise Refusal("review_not_found")
            retired = decide(session, review_id=review.id or 0, kpi_name=name, decision=decision, by=person, now=services.clock())
        except Refusal as refusal:
            session.rollback()
            respond(text=refusal_text(refusal, locale), response_type="ephemeral", replace_original=False)
            return
        team_id = review.team_id
        weights = _team_weights(session, team_id) if decision == "reweight" else {}
    if decision == "reweight":
        client.views_open(
            trigger_id=payload.trigger_id(body), view=reweight_modal(team_id, weights, locale or "en-US", secret_of(services))
        )
        return
    text = (
        i18n.t("review_retired", locale, name=escape(name), n=retired)
        if decision == "retire"
        else i18n.t("review_decided", locale, name=escape(name), decision=i18n.t(f"decision_{decision}", locale))
    )
    respond(text=text, response_type="ephemeral", replace_original=False)


def _team_weights(session: Any, team_id: int) -> dict[str, float]:
    members = session.exec(select(Person.id).where(Person.team_id == team_id)).all()
    weights: dict[str, float] = {}
    for kpi in session.exec(select(Kpi).where(col(Kpi.owner_id).in_(members), Kpi.status == KpiStatus.ACTIVE)).all():
        weights.setdefault(kpi.name, kpi.weight)
    return weights


def reweight_modal(team_id: int, weights: dict[str, float], locale: str, secret: str) -> View:
    blocks: list[Block] = [SectionBlock(text=i18n.t("reweight_intro", locale))]
    for index, (name, weight) in enumerate(sorted(weights.items())[:20]):
        blocks.append(
            InputBlock(
                block_id=f"w{index}",
                label=clip(name, 2000),
                element=PlainTextInputElement(action_id="v", initial_value=f"{weight:g}", max_length=6),
            )
        )
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text="100%")]))
    return View(
        type="modal",
        callback_id="review_reweight",
        private_metadata=sign(secret, f"{team_id}:{_digest(sorted(weights)[:20])}"),
        title=i18n.t("reweight_title", locale),
        submit=i18n.t("form_submit", locale),
        blocks=blocks,
    )


def _digest(names: list[str]) -> str:
    """A short fingerprint of the KPI names the modal listed, in order: the metadata stays small
    (Slack keeps 3,000 characters of it) and a KPI set that changed meanwhile is noticed."""
    return hashlib.sha256("\x1f".join(names).encode()).hexdigest()[:16]


def on_reweight(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    signed = verify(secret_of(services), payload.private_metadata(view))
    values = payload.state_values(view)
    with session_scope(services.engine) as session:
        manager = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = manager.locale if manager else None
        team_id, _, digest = (signed or "").partition(":")
        team = payload.optional_id(team_id)
        if manager is None or team is None:
            ack(response_action="errors", errors={"w0": i18n.t("fb_tampered", locale)})
            return
        names = sorted(_team_weights(session, team))[:20]
        if _digest(names) != digest:
            ack(response_action="errors", errors={"w0": i18n.t("reweight_changed", locale)})
            return
        weights: dict[str, float] = {}
        for index, name in enumerate(names):
            raw = payload.input_text(values, f"w{index}", "v")
            try:
                weights[name] = float(raw)
            except ValueError:
                ack(response_action="errors", errors={f"w{index}": i18n.t("err_weight", locale)})
                return
        total = sum(weights.values())
        if abs(total - 100) > 0.01:
            ack(response_action="errors", errors={"w0": i18n.t("reweight_sum", locale, total=f"{total:g}")})
            return
        try:
            created = batch_reweight(session, team_id=team, weights=weights, by=manager, now=services.clock())
        except Refusal as refusal:
            ack(response_action="errors", errors={"w0": refusal_text(refusal, locale)})
            return
        outgoing = []
        for member, proposal_id in created:
            proposal = session.get(KpiProposal, proposal_id)
            if proposal is not None:
                outgoing.append(
                    (
                        member.dm_channel_id,
                        member.slack_id,
                        member.locale,
                        proposal_message(proposal, member, manager, to_manager=False),
                    )
                )
    ack()
    for channel, slack_id, member_locale, message in outgoing:
        services.gateway.send(services.gateway.dm(Recipient(slack_id, channel)), message, locale=member_locale)


def register(app: App) -> None:
    app.action("review_decide")(on_decide)
    app.view("review_reweight")(on_reweight)
