"""`/kpi eval ...`: the manager's drafts, an adjustment with its reason, release; the admins' organisation table."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block, SectionBlock

from bot import i18n
from bot.evaluation import EvaluationStatus, evaluate_quarter
from bot.evaluation_review import DraftRow, EvaluationDrafts, EvaluationRefused, adjust, band, drafts_for, release
from bot.recognition import quarter_of
from bot.services import Services
from handlers.errors import refusal_text
from handlers.render import render
from handlers.render.escape import escape
from storage.engine import session_scope
from storage.queries import person_by_slack_id
from storage.tables import Person, Team

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def handle_eval(services: Services, person: Person, words: list[str], now: datetime) -> list[Block]:
    """`/kpi eval [adjust|release|preview] ...`; a refusal names the refused command and changes nothing.

    Its own transaction: a refusal raises before anything is written, and a success commits once.
    """
    with session_scope(services.engine) as session:
        asker = session.get(Person, person.id)
        if asker is None:
            raise LookupError("the asker is not stored")
        return _handle_eval(session, services, asker, words, now)


def _handle_eval(session: Any, services: Services, person: Person, words: list[str], now: datetime) -> list[Block]:
    locale = person.locale
    sub = words[0].lower() if words else ""
    mentioned = MENTION.findall(" ".join(words))
    ratee = person_by_slack_id(session, slack_id=mentioned[0]) if mentioned else None
    try:
        if sub == "adjust":
            rest = [w for w in words[1:] if not MENTION.match(w)]
            if not mentioned:
                raise EvaluationRefused("eval_adjust_usage", "/kpi eval adjust")
            row = adjust(
                session,
                asker=person,
                ratee=ratee,
                score_text=rest[0] if rest else "",
                reason=" ".join(rest[1:]),
                now=now,
            )
            return [
                SectionBlock(
                    text=i18n.t(
                        "eval_adjusted",
                        locale,
                        name=escape(ratee.name if ratee else ""),
                        period=row.period,
                        computed=_pct(row.total_score),
                        adjusted=_pct(row.adjusted_score),
                        reason=escape(row.adjust_reason),
                    )
                )
            ]
        if sub == "release":
            team = any(w.lower() == "team" for w in words[1:])
            if not team and not mentioned:
                raise EvaluationRefused("eval_adjust_usage", "/kpi eval release")
            released = release(session, asker=person, ratee=ratee, team=team, now=now)
            names = []
            for evaluation in released:
                owner = session.get(Person, evaluation.person_id)
                names.append(escape(owner.name) if owner else "?")
            return [SectionBlock(text=i18n.t("eval_released", locale, n=len(released), names=", ".join(names)))]
        if sub == "preview":
            return preview(session, services, person, now)
    except EvaluationRefused as refusal:
        why = refusal_text(refusal, locale)
        return [SectionBlock(text=i18n.t("eval_refused", locale, command=refusal.command, why=why))]
    if sub not in {"", "team", "org"}:
        return [SectionBlock(text=i18n.t("eval_usage", locale))]
    drafts = drafts_for(session, asker=person)
    if drafts is None:
        key = "eval_nothing" if person.is_admin else "eval_not_for_you"
        return [SectionBlock(text=i18n.t(key, locale))]
    return list(render(drafts, locale)[1])


def preview(session: Any, services: Services, person: Person, now: datetime) -> list[Block]:
    """An admin's look at the running quarter from the figures so far: stored nowhere, marked as a preview."""
    if not person.is_admin:
        return [SectionBlock(text=i18n.t("eval_preview_admins", person.locale))]
    quarter = quarter_of(now.date())
    work = evaluate_quarter(
        session, quarter=quarter, now=now, feedback_threshold=services.settings.kpibot_feedback_min_raters, preview=True
    )
    rows = []
    for who, note in work.notes:
        team = session.get(Team, who.team_id) if who.team_id else None
        rows.append(
            DraftRow(
                team.name if team else "",
                who.slack_id,
                who.name,
                quarter,
                note.total,
                None,
                "",
                note.result,
                note.behaviour,
                note.feedback,
                band(note.total),
                note.lines,
                [],
                EvaluationStatus.DRAFT,
            )
        )
    drafts = EvaluationDrafts(quarter, "", sorted(rows, key=lambda r: (r.team, r.name)), preview=True)
    return list(render(drafts, person.locale)[1])


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"
