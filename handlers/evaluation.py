"""`/kpi eval ...` and the buttons on each draft: an adjustment with its reason, release; the admins' table.

The Adjust button opens a modal (score and required reason, errors beside the
field); Release asks Slack's confirm dialog first. Both call the same
``bot.evaluation_review`` functions as the slash commands, so a refusal reads
the same and nothing is stored.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block, SectionBlock

from bot import i18n
from bot.evaluation_review import EvaluationRefused
from bot.formats import format_share
from bot.monthly_jobs import deliver_released
from bot.services import Services
from bot.use_cases.evaluation import (
    Released,
    adjust_score,
    draft_for_adjusting,
    drafts_table,
    person_of,
    preview_table,
    release_evaluations,
)
from handlers import payload
from handlers.context import services_of
from handlers.errors import refusal_text
from handlers.metadata import secret_of, sign, verify
from handlers.render import render
from handlers.render.escape import escape
from handlers.render.evaluation import (
    ADJUST_ACTION,
    ADJUST_VIEW,
    REASON_BLOCK,
    RELEASE_ACTION,
    SCORE_BLOCK,
    adjust_modal,
    adjusted_view,
    released_in_place,
)
from storage.tables import Evaluation, Person

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def handle_eval(services: Services, person: Person, words: list[str], now: datetime) -> list[Block]:
    """`/kpi eval [adjust|release|preview] ...`; a refusal names the refused command and changes nothing."""
    locale = person.locale
    sub = words[0].lower() if words else ""
    mentioned = MENTION.findall(" ".join(words))
    try:
        if sub == "adjust":
            rest = [w for w in words[1:] if not MENTION.match(w)]
            if not mentioned:
                raise EvaluationRefused("eval_adjust_usage", "/kpi eval adjust")
            done = adjust_score(
                services, asker=person, ratee_slack_id=mentioned[0], score_text=rest[0] if rest else "", reason=" ".join(rest[1:])
            )
            return [SectionBlock(text=adjusted_text(done.evaluation, done.ratee, locale))]
        if sub == "release":
            team = any(w.lower() == "team" for w in words[1:])
            if not team and not mentioned:
                raise EvaluationRefused("eval_adjust_usage", "/kpi eval release")
            released = release_evaluations(services, asker=person, ratee_slack_id=mentioned[0] if mentioned else None, team=team)
            return [SectionBlock(text=released_text(released, locale))]
        if sub == "preview":
            table = preview_table(services, asker=person, now=now)
            if table is None:
                return [SectionBlock(text=i18n.t("eval_preview_admins", locale))]
            return list(render(table, locale)[1])
    except EvaluationRefused as refusal:
        return [SectionBlock(text=refused_text(refusal, locale))]
    if sub not in {"", "team", "org"}:
        return [SectionBlock(text=i18n.t("eval_usage", locale))]
    drafts = drafts_table(services, asker=person)
    if drafts is None:
        key = "eval_nothing" if person.is_admin else "eval_not_for_you"
        return [SectionBlock(text=i18n.t(key, locale))]
    return list(render(drafts, locale)[1])


def adjusted_text(row: Evaluation, ratee: Person, locale: str) -> str:
    return i18n.t(
        "eval_adjusted",
        locale,
        name=escape(ratee.name),
        period=row.period,
        computed=format_share(row.total_score, locale),
        adjusted=format_share(row.adjusted_score, locale),
        reason=escape(row.adjust_reason),
    )


def released_text(released: Released, locale: str) -> str:
    names = [escape(name) for name in released.names]
    return i18n.tn("eval_released", len(released.evaluations), locale, names=i18n.join(names, locale))


def refused_text(refusal: EvaluationRefused, locale: str, *, clicked: bool = False) -> str:
    """ "`/kpi eval release` was refused: ... Nothing changed." A button's refusal names no command (the manager
    typed none): "This evaluation was already released on ...; nothing changed." """
    if not clicked:
        return i18n.t("eval_refused", locale, command=refusal.command, why=refusal_text(refusal, locale))
    if refusal.key == "eval_already_released":  # under the draft itself: "this evaluation", not its name and period
        return i18n.t("eval_already_released_click", locale, date=refusal.params.get("date", ""))
    return i18n.t("eval_refused_click", locale, why=sentence(refusal_text(refusal, locale), locale))


# -- the buttons on each draft ----------------------------------------------------------


def on_adjust_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
    """Adjust: checked first (a released draft or someone else's team gets an answer, not a modal)."""
    ack()
    services = services_of(context)
    evaluation_id = payload.optional_id(payload.action_value(body))
    asker = person_of(services, payload.user_id(body))
    locale = asker.locale if asker else "en-US"
    try:
        if asker is None or evaluation_id is None:
            raise EvaluationRefused("eval_unknown_person", "/kpi eval adjust")
        draft = draft_for_adjusting(services, asker=asker, evaluation_id=evaluation_id)
    except EvaluationRefused as refusal:
        respond(text=refused_text(refusal, locale, clicked=True), response_type="ephemeral", replace_original=False)
        return
    evaluation = draft.evaluation
    view = adjust_modal(
        sign(secret_of(services), str(evaluation.id)),
        name=draft.ratee.name,
        period=evaluation.period,
        computed=evaluation.total_score,
        adjusted=evaluation.adjusted_score,
        reason=evaluation.adjust_reason,
        locale=locale,
    )
    client.views_open(trigger_id=payload.trigger_id(body), view=view)


# where each refusal of the modal is shown: beside the score, beside the reason, or at the top field
_FIELD = {
    "eval_adjust_usage": SCORE_BLOCK,
    "eval_adjust_range": SCORE_BLOCK,
    "eval_adjust_reason": REASON_BLOCK,
}


def on_adjust_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """The modal's score and reason: all checked by ``adjust`` before anything is stored; errors beside the field."""
    services = services_of(context)
    values = payload.state_values(view)
    evaluation_id = payload.optional_id(verify(secret_of(services), payload.private_metadata(view)) or "")
    asker = person_of(services, payload.user_id(body))
    locale = asker.locale if asker else "en-US"
    try:
        if asker is None or evaluation_id is None:
            raise EvaluationRefused("eval_unknown_person", "/kpi eval adjust")
        done = adjust_score(
            services,
            asker=asker,
            evaluation_id=evaluation_id,
            score_text=payload.input_text(values, SCORE_BLOCK, "v"),
            reason=payload.input_text(values, REASON_BLOCK, "v"),
        )
    except EvaluationRefused as refusal:
        key = "eval_modal_score_usage" if refusal.key == "eval_adjust_usage" else refusal.key
        why = i18n.t(key, locale, **refusal.params) if key != refusal.key else refusal_text(refusal, locale)
        ack(response_action="errors", errors={_FIELD.get(refusal.key, SCORE_BLOCK): sentence(why, locale)})
        return
    text = adjusted_text(done.evaluation, done.ratee, locale)
    ack(response_action="update", view=adjusted_view(text, locale))


def sentence(text: str, locale: str) -> str:
    """A refusal's reason stands alone beside a field: capitalised in English."""
    return text[:1].upper() + text[1:] if i18n.lang(locale) == "en" else text


def on_release_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Release (after Slack's confirm dialog): once; a second click or someone else's team gets a clear answer."""
    ack()
    services = services_of(context)
    now = services.clock()
    evaluation_id = payload.optional_id(payload.action_value(body))
    asker = person_of(services, payload.user_id(body))
    locale = asker.locale if asker else "en-US"
    released: list[Evaluation] = []
    try:
        if asker is None or evaluation_id is None:
            raise EvaluationRefused("eval_unknown_person", "/kpi eval release")
        done = release_evaluations(services, asker=asker, evaluation_id=evaluation_id)
        text, released = released_text(done, locale), done.evaluations
    except EvaluationRefused as refusal:
        text = refused_text(refusal, locale, clicked=True)
    if released and evaluation_id is not None:
        updated = released_in_place(payload.message_blocks(body), evaluation_id, locale)
        if updated is not None:  # the drafts message itself: this row released, its buttons gone
            message = body.get("message") or {}
            respond(text=str(message.get("text") or text), blocks=updated, replace_original=True)
    respond(text=text, response_type="ephemeral", replace_original=False)
    if released:
        deliver_released(services, now)


def register(app: App) -> None:
    app.action(ADJUST_ACTION)(on_adjust_clicked)
    app.action(RELEASE_ACTION)(on_release_clicked)
    app.view(ADJUST_VIEW)(on_adjust_submitted)
