"""360 feedback on Slack: `/kpi 360 ...`, `/kpi feedback @someone`, the invitation button and the modal.

The modal's private_metadata is signed (HMAC with the signing secret) and the
submitting user must be the invited rater, so neither a forged view_submission
nor edited metadata can answer someone else's request.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
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
from sqlmodel import Session, select

from bot import i18n
from bot.dates import read_date
from bot.feedback import (
    Results,
    can_manage,
    close_now,
    confirm_nominations,
    min_raters,
    nominate,
    request_for,
    results,
    save_response,
    scales,
    start_cycle,
    unsolicited_request,
)
from bot.feedback_jobs import send_pending
from bot.formats import format_day
from bot.messages import ConfirmNominees, FeedbackInvite, FeedbackReleased, NominatePeers, Notice
from bot.people import local_now, manager_of, zone
from bot.ports import Recipient
from bot.refusal import BadRequest, Refusal
from bot.services import Services
from bot.team_view import NotAllowed, UnknownTeam, resolve_team
from handlers import payload
from handlers.context import services_of
from handlers.errors import refusal_text
from handlers.metadata import secret_of, sign, verify
from handlers.render.dispatch import Rendered, render
from handlers.render.escape import clip, escape
from storage.engine import session_scope
from storage.queries import person_by_slack_id
from storage.tables import Person

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


@render.register
def _invite(message: FeedbackInvite, locale: str) -> Rendered:
    closes = i18n.t("fb_closes", locale, date=message.closes) if message.closes else ""
    key = "fb_invite_reminder" if message.reminder else ("fb_invite_by" if message.started_by else "fb_invite")
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


def _closing_date(words: list[str], person: Person, now: datetime) -> datetime:
    """A date from the command's words (dateparser, the person's timezone), else two weeks from now."""
    phrase = " ".join(w for w in words if not MENTION.match(w) and w.lower() != "team")
    day = read_date(phrase, now=local_now(person, now), prefer="future") if phrase else None
    if day is None:
        return now + timedelta(days=14)
    return datetime.combine(day, time(23, 59), tzinfo=zone(person))


@render.register
def _released(message: FeedbackReleased, locale: str) -> Rendered:
    found: Results = message.results
    by = i18n.t("fb_released_by", locale, name=escape(message.closed_by)) if message.closed_by else ""
    title = i18n.t("fb_released_title", locale, date=found.released or "", by=by)
    if not found.shown:
        text = title + " " + i18n.t("fb_released_too_few", locale, n=found.responses, k=found.threshold)
        return text, [SectionBlock(text=text)]
    return title, [SectionBlock(text=title), *results_blocks(found, locale)]


def close_round(session: Session, services: Services, person: Person, mentioned: list[str], now: datetime) -> list[Block]:
    """`/kpi 360 close @person`: release the open round now (the ratee is told by the lazy listener)."""
    locale = person.locale
    if not mentioned:
        return [SectionBlock(text=i18n.t("fb_close_usage", locale))]
    ratee = person_by_slack_id(session, slack_id=mentioned[0])
    threshold = min_raters(services.settings.kpibot_feedback_min_raters)
    try:
        done = close_now(session, asker=person, ratee=ratee, threshold=threshold, now=now)
    except Refusal as refusal:
        return [SectionBlock(text=refusal_text(refusal, locale))]
    return [SectionBlock(text=i18n.t("fb_closed_now", locale, ratee=escape(done.ratee.name), n=done.results.responses))]


def handle_360(services: Services, person: Person, words: list[str], now: datetime) -> list[Block]:
    """`/kpi 360 start|close|results ...`. Invitations are rows; the lazy listener and the scheduler send them."""
    with session_scope(services.engine) as session:
        return _handle_360(session, services, person, words, now)


def _handle_360(session: Session, services: Services, person: Person, words: list[str], now: datetime) -> list[Block]:
    locale = person.locale
    if not words or words[0].lower() not in {"start", "results", "close"}:
        return [SectionBlock(text=i18n.t("fb_usage", locale))]
    mentioned = MENTION.findall(" ".join(words))
    if words[0].lower() == "close":
        return close_round(session, services, person, mentioned, now)
    if words[0].lower() == "results":
        ratee = person_by_slack_id(session, slack_id=mentioned[0]) if mentioned else person
        if ratee is None:
            return [SectionBlock(text=i18n.t("fb_unknown_person", locale))]
        if ratee.id != person.id and not can_manage(session, asker=person, ratee=ratee):
            return [SectionBlock(text=i18n.t("fb_not_manager", locale))]
        found = results(session, ratee=ratee, threshold=min_raters(services.settings.kpibot_feedback_min_raters))
        return results_blocks(found, locale)
    if mentioned:
        ratees = [person_by_slack_id(session, slack_id=m) for m in mentioned]
    elif any(w.lower() == "team" for w in words):
        try:
            team = resolve_team(session, asker=person, name=None)
        except (NotAllowed, UnknownTeam):
            return [SectionBlock(text=i18n.t("fb_not_manager", locale))]
        ratees = list(session.exec(select(Person).where(Person.team_id == team.id, Person.active)).all())
    else:
        return [SectionBlock(text=i18n.t("fb_usage", locale))]
    closes = _closing_date(words[1:], person, now)
    replies: list[str] = []
    for ratee in ratees:
        try:
            if ratee is None:
                raise Refusal("fb_unknown_person")
            _, invited = start_cycle(session, asker=person, ratee=ratee, closes_at=closes, now=now)
        except Refusal as refusal:
            replies.append(refusal_text(refusal, locale))
            continue
        replies.append(
            i18n.tn("fb_started", len(invited), locale, ratee=escape(ratee.name), date=format_day(closes.date(), locale))
        )
    return [SectionBlock(text=clip("\n".join(replies), 2900))]


def open_unsolicited(
    services: Services, client: WebClient, person: Person, words: list[str], trigger_id: str, now: datetime
) -> None:
    """`/kpi feedback @someone`: open the modal at once; a refusal (raised) says why not."""
    mentioned = MENTION.findall(" ".join(words))
    if not mentioned:
        raise Refusal("fb_usage")
    with session_scope(services.engine) as session:
        ratee = person_by_slack_id(session, slack_id=mentioned[0])
        rater = person_by_slack_id(session, slack_id=person.slack_id)
        if ratee is None or rater is None:
            raise Refusal("fb_unknown_person")
        request = unsolicited_request(session, rater=rater, ratee=ratee, now=now)
        view = feedback_modal(
            request.id or 0, ratee.name, person.locale, secret_of(services), services.settings.feedback_competencies
        )
    client.views_open(trigger_id=trigger_id, view=view)


def on_feedback_open(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    ack()
    services = services_of(context)
    value = payload.action_value(body)
    with session_scope(services.engine) as session:
        rater = person_by_slack_id(session, slack_id=payload.user_id(body))
        try:
            ident = payload.optional_id(value)
            if rater is None or ident is None:
                raise Refusal("fb_not_invited")
            request, ratee = request_for(session, request_id=ident, rater=rater, now=services.clock())
        except Refusal as refusal:
            respond(
                text=refusal_text(refusal, rater.locale if rater else None),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        view = feedback_modal(
            request.id or 0, ratee.name, rater.locale, secret_of(services), services.settings.feedback_competencies
        )
    client.views_open(trigger_id=payload.trigger_id(body), view=view)


def on_feedback_form(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    services = services_of(context)
    values = payload.state_values(view)
    first = next((b for b in values if b.startswith("c_")), "comment")
    request_id = payload.optional_id(verify(secret_of(services), payload.private_metadata(view)))
    with session_scope(services.engine) as session:
        rater = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = rater.locale if rater else None
        if request_id is None:
            ack(response_action="errors", errors={first: i18n.t("fb_tampered", locale)})
            return
        try:
            if rater is None:
                raise Refusal("fb_not_invited")
            request, ratee = request_for(session, request_id=request_id, rater=rater, now=services.clock())
        except Refusal as refusal:
            ack(response_action="errors", errors={first: refusal_text(refusal, locale)})
            return
        ratings: dict[str, int] = {}
        errors: dict[str, str] = {}
        for competency in scales(services.settings.feedback_competencies):
            level = payload.selected(values, f"c_{competency}", "level")
            if level not in {"1", "2", "3", "4", "5"}:
                errors[f"c_{competency}"] = i18n.t("fb_pick", locale)
            else:
                ratings[competency] = int(level)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        comment = payload.input_text(values, "comment", "text")[:3000]
        replaced = save_response(session, request=request, ratings=ratings, comment=comment, now=services.clock())
        thanks = i18n.t("fb_replaced" if replaced else "fb_saved", locale, ratee=escape(ratee.name))
        to = Recipient(rater.slack_id, rater.dm_channel_id)
    ack()
    services.gateway.send(services.gateway.dm(to), Notice("fb_plain", {"text": thanks}), locale=locale or "en-US")


@render.register
def _nominate(message: NominatePeers, locale: str) -> Rendered:
    text = i18n.t("fb_nominate", locale, date=message.closes)
    button = ButtonElement(text=i18n.t("fb_nominate_button", locale), action_id="feedback_nominate", value=str(message.cycle_id))
    return text, [SectionBlock(text=text), ActionsBlock(block_id="nominate", elements=[button])]


@render.register
def _confirm_nominees(message: ConfirmNominees, locale: str) -> Rendered:
    names = ", ".join(f"<@{n}>" for n in message.nominees)
    text = i18n.t("fb_confirm_nominees", locale, ratee=message.ratee_slack_id, names=names)
    button = ButtonElement(
        text=i18n.t("fb_confirm_button", locale), action_id="feedback_confirm", value=str(message.cycle_id), style="primary"
    )
    return text, [SectionBlock(text=text), ActionsBlock(block_id="confirm_nominees", elements=[button])]


def on_nominate_open(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ack()
    services = services_of(context)
    with session_scope(services.engine) as session:
        person = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = person.locale if person else "en-US"
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
    with session_scope(services.engine) as session:
        ratee = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = ratee.locale if ratee else None
        if ratee is None or cycle_id is None:
            ack(response_action="errors", errors={"peers": i18n.t("fb_tampered", locale)})
            return
        nominees = [p for p in (person_by_slack_id(session, slack_id=u) for u in picked) if p is not None]
        try:
            added = nominate(session, ratee=ratee, cycle_id=cycle_id, nominees=nominees, now=services.clock())
        except Refusal as refusal:
            ack(response_action="errors", errors={"peers": refusal_text(refusal, locale)})
            return
        manager = manager_of(session, ratee)
        note = ConfirmNominees(cycle_id, ratee.slack_id, [p.slack_id for p in added]) if added and manager else None
        target = (manager.dm_channel_id, manager.slack_id, manager.locale) if manager else None
    ack()
    if note is not None and target is not None:
        services.gateway.send(services.gateway.dm(Recipient(target[1], target[0])), note, locale=target[2])


def on_confirm_nominees(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    ack()
    services = services_of(context)
    value = payload.action_value(body)
    with session_scope(services.engine) as session:
        manager = person_by_slack_id(session, slack_id=payload.user_id(body))
        locale = manager.locale if manager else None
        try:
            ident = payload.optional_id(value)
            if manager is None or ident is None:
                raise Refusal("fb_not_manager")
            count = confirm_nominations(session, manager=manager, cycle_id=ident, now=services.clock())
        except Refusal as refusal:
            respond(text=refusal_text(refusal, locale), response_type="ephemeral", replace_original=False)
            return
    send_pending(services, services.clock())
    respond(text=i18n.tn("fb_confirmed", count, locale), response_type="ephemeral", replace_original=False)


def register(app: App) -> None:
    app.action("feedback_open")(on_feedback_open)
    app.action("feedback_nominate")(on_nominate_open)
    app.action("feedback_confirm")(on_confirm_nominees)
    app.view("feedback_form")(on_feedback_form)
    app.view("feedback_nominees")(on_nominees)
