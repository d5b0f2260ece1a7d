"""The half-year review on Slack: evidence per KPI, Keep / Reweight / Retire, and the batch reweight modal."""

from __future__ import annotations

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

from bot import i18n
from bot.formats import format_share
from bot.messages import ReviewMessage
from bot.names import local_name
from bot.review import KpiEvidence
from bot.use_cases.review import MAX_WEIGHTS, WEIGHT_FIELD, decide_review, digest, listed, reweight
from handlers import payload
from handlers.context import services_of
from handlers.errors import shown_under
from handlers.metadata import secret_of, sign, verify
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import clip, escape
from handlers.setup import proposal_message


def evidence_text(item: KpiEvidence, locale: str) -> str:
    corr = i18n.t("review_corr", locale, r=f"{item.correlation:.2f}") if item.correlation is not None else ""
    line = i18n.t(
        "review_line",
        locale,
        name=escape(local_name(item.name, item.names, locale)),
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
    decided = decide_review(
        services,
        slack_id=payload.user_id(body),
        review_id=payload.optional_id(review_id),
        index=index,
        decision=decision,
        now=services.clock(),
    )
    locale = decided.locale
    if decision == "reweight":
        view = reweight_modal(decided.team_id, decided.weights, locale, secret_of(services))
        client.views_open(trigger_id=payload.trigger_id(body), view=view)
        return
    name = escape(decided.name)
    text = (
        i18n.t("review_retired", locale, name=name, n=decided.retired)
        if decision == "retire"
        else i18n.t("review_decided", locale, name=name, decision=i18n.t(f"decision_{decision}", locale))
    )
    respond(text=text, response_type="ephemeral", replace_original=False)


def reweight_modal(team_id: int, weights: dict[str, float], locale: str, secret: str) -> View:
    shown = listed(weights)
    blocks: list[Block] = [SectionBlock(text=i18n.t("reweight_intro", locale))]
    for index, (name, weight) in enumerate(shown):
        blocks.append(
            InputBlock(
                block_id=WEIGHT_FIELD.format(index),
                label=clip(name, 2000),
                element=PlainTextInputElement(action_id="v", initial_value=f"{weight:g}", max_length=6),
            )
        )
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text="100%")]))
    return View(
        type="modal",
        callback_id="review_reweight",
        private_metadata=sign(secret, f"{team_id}:{digest([name for name, _ in shown])}"),
        title=i18n.t("reweight_title", locale),
        submit=i18n.t("form_submit", locale),
        blocks=blocks,
    )


def on_reweight(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """A refusal (tampered, changed meanwhile, a weight that is no number, not 100 in all) shows in the form."""
    services = services_of(context)
    signed = verify(secret_of(services), payload.private_metadata(view))
    values = payload.state_values(view)
    team_id, _, listed_digest = (signed or "").partition(":")
    typed = [payload.input_text(values, WEIGHT_FIELD.format(i), "v") for i in range(MAX_WEIGHTS)]
    with shown_under(WEIGHT_FIELD.format(0)):
        done = reweight(
            services,
            slack_id=payload.user_id(body),
            team_id=payload.optional_id(team_id),
            listed_digest=listed_digest,
            typed=typed,
            now=services.clock(),
        )
    ack()
    for member, proposal in done.proposals:
        message = proposal_message(proposal, member, done.manager, to_manager=False)
        services.gateway.send(services.gateway.dm(member), message, locale=member.locale)


def register(app: App) -> None:
    app.action("review_decide")(on_decide)
    app.view("review_reweight")(on_reweight)
