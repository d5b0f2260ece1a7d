"""`/kpi eval ...` and the buttons on each draft: one unit of work per request.

Adjusting and releasing go through ``bot.evaluation_review`` (who may, what is
checked); a refusal is an ``EvaluationRefused`` naming the refused command, and
it rolls the unit of work back, so nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.evaluation import EvaluationStatus, evaluate_quarter
from bot.evaluation_review import (
    DraftRow,
    EvaluationDrafts,
    EvaluationRefused,
    adjust,
    band,
    draft_to_adjust,
    drafts_for,
    release,
)
from bot.recognition import quarter_of
from bot.services import Services
from storage.queries import person_by_slack_id
from storage.tables import Evaluation, Person, Team


@dataclass
class Adjusted:
    evaluation: Evaluation
    ratee: Person


@dataclass
class Released:
    evaluations: list[Evaluation]
    names: list[str]  # whose, in the same order (for the answer)


def person_of(services: Services, slack_id: str) -> Person | None:
    with services.unit_of_work() as session:
        return person_by_slack_id(session, slack_id=slack_id)


def adjust_score(
    services: Services,
    *,
    asker: Person,
    ratee_slack_id: str | None = None,
    evaluation_id: int | None = None,
    score_text: str,
    reason: str,
    command: str = "/kpi eval adjust",
) -> Adjusted:
    """`/kpi eval adjust @person 95% reason` or the Adjust modal (``evaluation_id``)."""
    with services.unit_of_work() as session:
        ratee = person_by_slack_id(session, slack_id=ratee_slack_id) if ratee_slack_id else None
        if ratee_slack_id is None and evaluation_id is None:
            raise EvaluationRefused("eval_adjust_usage", command)
        row, ratee = adjust(
            session,
            asker=asker,
            ratee=ratee,
            score_text=score_text,
            reason=reason,
            now=services.clock(),
            evaluation_id=evaluation_id,
        )
        return Adjusted(row, ratee)


def release_evaluations(
    services: Services, *, asker: Person, ratee_slack_id: str | None = None, team: bool = False, evaluation_id: int | None = None
) -> Released:
    """`/kpi eval release @person|team` or the Release button (``evaluation_id``): once, by their manager or an admin."""
    with services.unit_of_work() as session:
        ratee = person_by_slack_id(session, slack_id=ratee_slack_id) if ratee_slack_id else None
        released = release(session, asker=asker, ratee=ratee, team=team, now=services.clock(), evaluation_id=evaluation_id)
        names = []
        for evaluation in released:
            owner = session.get(Person, evaluation.person_id)
            names.append(owner.name if owner else "?")
        return Released(released, names)


def draft_for_adjusting(services: Services, *, asker: Person, evaluation_id: int) -> Adjusted:
    """What the Adjust button's modal shows: checked first, so a released draft or someone else's gets an answer."""
    with services.unit_of_work() as session:
        evaluation, ratee = draft_to_adjust(session, asker=asker, evaluation_id=evaluation_id)
        return Adjusted(evaluation, ratee)


def drafts_table(services: Services, *, asker: Person) -> EvaluationDrafts | None:
    """`/kpi eval`: an admin's organisation table, a manager's teams; None for anyone else."""
    with services.unit_of_work() as session:
        return drafts_for(session, asker=asker)


def preview_table(services: Services, *, asker: Person, now: datetime) -> EvaluationDrafts | None:
    """An admin's look at the running quarter from the figures so far: stored nowhere (None for a non-admin)."""
    if not asker.is_admin:
        return None
    quarter = quarter_of(now.date())
    with services.unit_of_work() as session:
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
                    names=note.names,
                )
            )
    return EvaluationDrafts(quarter, "", sorted(rows, key=lambda r: (r.team, r.name)), preview=True)
