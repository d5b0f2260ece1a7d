"""360 feedback on Slack: `/kpi 360 ...`, `/kpi feedback @someone`, the invitation button and the modal.

The modal's private_metadata is signed (HMAC with the signing secret) and the
submitting user must be the invited rater, so neither a forged view_submission
nor edited metadata can answer someone else's request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot import i18n
from bot.feedback import Results, scales
from bot.feedback_jobs import send_pending
from bot.formats import format_day
from bot.messages import ConfirmNominees, FeedbackInvite, FeedbackReleased, NominatePeers, Notice
from bot.refusal import BadRequest, Refusal
from bot.services import Services
from bot.use_cases.asker import locale_of
from bot.use_cases.feedback import (
    MENTION,
    answer,
    close_round,
    confirm_peers,
    invitation,
    nominate_peers,
    round_results,
    start_rounds,
    unsolicited,
)
from handlers import payload
from handlers.context import services_of
from handlers.errors import refusal_text, shown_under
from handlers.metadata import secret_of, sign, verify
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import clip, escape
from storage.tables import Person


@render.register
def _invite(message: FeedbackInvite, locale: str) -> Rendered:
    closes = i18n.t("fb_closes", locale, date=message.closes) if message.closes else ""
    key = "fb_invite"
    if message.reminder:
        key = "fb_invite_reminder"
    elif message.started_by_reader:  # a manager rating in the round they started: not "Chen Jie started..." to Chen Jie
        key = "fb_invite_by_you"
    elif message.started_by:
        key = "fb_invite_by"
    text = i18n.t(key, locale, ratee=escape(message.ratee), closes=closes, starter=escape(message.started_by))
    button = ButtonElement(
        text=i18n.t("fb_button", locale), action_id="feedback_open", value=str(message.request_id), style="primary"
    )
    return text, [SectionBlock(text=text), ActionsBlock(block_id="feedback", elements=[button])]


def competency_label(name: str, locale: str) -> str:
    key = f"comp_{name}"
    return i18n.t(key, locale) if i18n.has(key) else name.title()


def feedback_modal(request_id: int, ratee: str, locale: str, secret: str, competencies: list[str]) -> View:
    """Behaviour-anchored 1-5 ratings: each level says what it looks like, so a 4 means the same to all."""
    lang = i18n.lang(locale)
    blocks: list[Block] = [SectionBlock(text=i18n.t("fb_about", locale, ratee=escape(ratee)))]
    for competency, anchors in scales(competencies).items():
        options = [
            Option(text=clip(f"{level} – {anchor}", 75), value=str(level)) for level, anchor in enumerate(anchors[lang], start=1)
        ]
        blocks.append(
            InputBlock(
                block_id=f"c_{competency}",
                label=competency_label(competency, locale),
                element=StaticSelectElement(action_id="level", placeholder=i18n.t("fb_pick", locale), options=options),
            )
        )
    blocks.append(
        InputBlock(
            block_id="comment",
            label=i18n.t("fb_comment", locale),
            optional=True,
            element=PlainTextInputElement(action_id="text", multiline=True, max_length=3000),
        )
    )
    return View(
        type="modal",
        callback_id="feedback_form",
        private_metadata=sign(secret, str(request_id)),
        title=i18n.t("fb_title", locale),
        submit=i18n.t("form_submit", locale),
        close=i18n.t("form_cancel", locale),
        blocks=blocks,
    )


def results_blocks(found: Results, locale: str) -> list[Block]:
    """The latest released round, as frozen at its close; never a live count of an open round."""
    if found.released is None:
        still_open = i18n.t("fb_results_open", locale, date=found.open_until) if found.open_until else ""
        return [SectionBlock(text=i18n.t("fb_results_none", locale, ratee=escape(found.ratee), open=still_open))]
    if not found.shown:
        return [
            SectionBlock(
                text=i18n.t(
                    "fb_results_hidden",
                    locale,
                    ratee=escape(found.ratee),
                    date=found.released,
                    n=found.responses,
                    k=found.threshold,
                )
            )
        ]
    released = i18n.t("fb_results_released", locale, date=found.released)
    lines = [i18n.t("fb_results_title", locale, ratee=escape(found.ratee), n=found.responses, released=released)]
    for competency, average in found.averages.items():
        groups = " · ".join(
            f"{i18n.t(f'rel_{g}', locale)} {scores[competency]:.1f}"
            for g, scores in sorted(found.groups.items())
            if competency in scores
        )
        lines.append(f"• {competency_label(competency, locale)}: *{average:.1f}* / 5" + (f"  ({groups})" if groups else ""))
    blocks: list[Block] = [SectionBlock(text="\n".join(lines))]
    if found.comments:
        text = i18n.t("fb_comments", locale) + "\n" + "\n".join(f"> {escape(clip(c, 500))}" for c in found.comments[:20])
        blocks.append(SectionBlock(text=clip(text, 2900)))
    return blocks


@render.register
def _released(message: FeedbackReleased, locale: str) -> Rendered:
    found: Results = message.results
    by = i18n.t("fb_released_by", locale, name=escape(message.closed_by)) if message.closed_by else ""
    title = i18n.t("fb_released_title", locale, date=found.released or "", by=by)
    if not found.shown:
        text = title + " " + i18n.t("fb_released_too_few", locale, n=found.responses, k=found.threshold)
        return text, [SectionBlock(text=text)]
    return title, [SectionBlock(text=title), *results_blocks(found, locale)]


def handle_360(services: Services, person: Person, words: list[str], now: datetime) -> list[Block]:
    """`/kpi 360 start|close|results ...`. Invitations are rows; the lazy listener and the scheduler send them."""
    locale = person.locale
    sub = words[0].lower() if words else ""
    mentioned = MENTION.findall(" ".join(words))
    if sub == "close":
        if not mentioned:
            return [SectionBlock(text=i18n.t("fb_close_usage", locale))]
        done = close_round(services, asker=person, ratee_slack_id=mentioned[0], now=now)
        return [SectionBlock(text=i18n.t("fb_closed_now", locale, ratee=escape(done.ratee.name), n=done.results.responses))]
    if sub == "results":
        return results_blocks(round_results(services, asker=person, ratee_slack_id=mentioned[0] if mentioned else None), locale)
    if sub != "start" or not (mentioned or any(w.lower() == "team" for w in words)):
        return [SectionBlock(text=i18n.t("fb_usage", locale))]
    rounds = start_rounds(services, asker=person, ratee_slack_ids=mentioned, words=words[1:], now=now)
    day = format_day(rounds.closes.date(), locale)
    replies = [
        refusal_text(outcome, locale)
        if isinstance(outcome, Refusal)
        else i18n.tn("fb_started", outcome.invited, locale, ratee=escape(outcome.ratee), date=day)
        for outcome in rounds.outcomes
    ]
    return [SectionBlock(text=clip("\n".join(replies), 2900))]


def open_unsolicited(
    services: Services, client: WebClient, person: Person, words: list[str], trigger_id: str, now: datetime
) -> None:
    """`/kpi feedback @someone`: open the modal at once; a refusal (raised) says why not."""
    mentioned = MENTION.findall(" ".join(words))
    if not mentioned:
        raise Refusal("fb_usage")
    request_id, ratee = unsolicited(services, rater=person, ratee_slack_id=mentioned[0], now=now)
    competencies = services.settings.feedback_competencies
    client.views_open(
        trigger_id=trigger_id, view=feedback_modal(request_id, ratee, person.locale, secret_of(services), competencies)
    )


def on_feedback_open(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ack()
    services = services_of(context)
    request_id, ratee, locale = invitation(
        services,
        rater_slack_id=payload.user_id(body),
        request_id=payload.optional_id(payload.action_value(body)),
        now=services.clock(),
    )
    view = feedback_modal(request_id, ratee, locale, secret_of(services), services.settings.feedback_competencies)
    client.views_open(trigger_id=payload.trigger_id(body), view=view)


def on_feedback_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """A forged or someone else's request is refused under the first rating; a rating left out, under its own."""
    services = services_of(context)
    values = payload.state_values(view)
    request_id = payload.optional_id(verify(secret_of(services), payload.private_metadata(view)))
    with shown_under(next((b for b in values if b.startswith("c_")), "comment")):
        if request_id is None:
            raise Refusal("fb_tampered")
        competencies = scales(services.settings.feedback_competencies)
        levels = {c: payload.selected(values, f"c_{c}", "level") for c in competencies}
        comment = payload.input_text(values, "comment", "text")
        answered = answer(
            services,
            rater_slack_id=payload.user_id(body),
            request_id=request_id,
            levels=levels,
            comment=comment,
            now=services.clock(),
        )
    locale = answered.rater.locale
    if answered.unpicked:
        ack(response_action="errors", errors={f"c_{c}": i18n.t("fb_pick", locale) for c in answered.unpicked})
        return
    ack()
    thanks = i18n.t("fb_replaced" if answered.replaced else "fb_saved", locale, ratee=escape(answered.ratee))
    services.gateway.send(services.gateway.dm(answered.rater), Notice("fb_plain", {"text": thanks}), locale=locale)


@render.register
def _nominate(message: NominatePeers, locale: str) -> Rendered:
    text = i18n.t("fb_nominate", locale, date=message.closes)
    button = ButtonElement(text=i18n.t("fb_nominate_button", locale), action_id="feedback_nominate", value=str(message.cycle_id))
    return text, [SectionBlock(text=text), ActionsBlock(block_id="nominate", elements=[button])]


@render.register
def _confirm_nominees(message: ConfirmNominees, locale: str) -> Rendered:
    names = i18n.join((f"<@{n}>" for n in message.nominees), locale)
    text = i18n.t("fb_confirm_nominees", locale, ratee=message.ratee_slack_id, names=names)
    button = ButtonElement(
        text=i18n.t("fb_confirm_button", locale), action_id="feedback_confirm", value=str(message.cycle_id), style="primary"
    )
    return text, [SectionBlock(text=text), ActionsBlock(block_id="confirm_nominees", elements=[button])]


def on_nominate_open(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ack()
    services = services_of(context)
    locale = locale_of(services, payload.user_id(body)) or "en-US"
    view = View(
        type="modal",
        callback_id="feedback_nominees",
        private_metadata=sign(secret_of(services), payload.action_value(body)),
        title=i18n.t("fb_title", locale),
        submit=i18n.t("form_submit", locale),
        blocks=[
            InputBlock(
                block_id="peers",
                label=i18n.t("fb_nominate_label", locale),
                element=UserMultiSelectElement(action_id="users", max_selected_items=10),
            )
        ],
    )
    client.views_open(trigger_id=payload.trigger_id(body), view=view)


def on_nominees(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """The ratee's nominees wait for their manager's confirmation."""
    services = services_of(context)
    cycle_id = payload.optional_id(verify(secret_of(services), payload.private_metadata(view)))
    picked = payload.element(payload.state_values(view), "peers", "users").get("selected_users") or []
    if not isinstance(picked, list) or not all(isinstance(u, str) for u in picked):
        raise BadRequest("peers", field="peers")
    with shown_under("peers"):
        done = nominate_peers(
            services, ratee_slack_id=payload.user_id(body), cycle_id=cycle_id, picked=picked, now=services.clock()
        )
    ack()
    if done.note is not None and done.manager is not None:
        services.gateway.send(services.gateway.dm(done.manager), done.note, locale=done.manager.locale)


def on_confirm_nominees(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    services = services_of(context)
    cycle_id = payload.optional_id(payload.action_value(body))
    count, locale = confirm_peers(services, manager_slack_id=payload.user_id(body), cycle_id=cycle_id, now=services.clock())
    send_pending(services, services.clock())
    respond(text=i18n.tn("fb_confirmed", count, locale), response_type="ephemeral", replace_original=False)


def register(app: App) -> None:
    app.action("feedback_open")(on_feedback_open)
    app.action("feedback_nominate")(on_nominate_open)
    app.action("feedback_confirm")(on_confirm_nominees)
    app.view("feedback_form")(on_feedback_form)
    app.view("feedback_nominees")(on_nominees)
