"""The evaluation workflow: drafts for the manager, an adjustment with its reason, release to the person.

``bot.evaluation`` computes a draft per person at period end. Nothing reaches
the person until their manager (or an admin) releases it: the manager sees
the team's drafts, may set another score (0-120%) with a reason that is kept
beside the computed one, and releases. Admins see the whole organisation.
Refusals carry the command they refuse, so the answer can name it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot import i18n
from bot.evaluation import EvaluationStatus
from bot.feedback import can_manage
from bot.messages import EvaluationNote, Notice
from bot.refusal import Refusal
from bot.team_view import visible_teams
from storage.queries import compare_and_set
from storage.tables import Evaluation, Person, Team

MAX_SCORE = 1.2  # a KPI counts at most 120%; so does a manager's adjusted total
BANDS = ((1.1, "outstanding"), (0.95, "meets"), (0.8, "partly"), (0.0, "below"))


class EvaluationRefused(Refusal):
    """Why an evaluation command is not allowed: a ``Refusal`` that also names the refused command."""

    def __init__(self, key: str, command: str, **params: object) -> None:
        super().__init__(key, **params)
        self.command = command


def band(score: float | None) -> str:
    """outstanding (110%+), meets (95%+), partly (80%+), below; "none" without figures."""
    if score is None:
        return "none"
    return next(name for floor, name in BANDS if score >= floor)


def summary(lines: list[tuple[str, float | None]]) -> dict[str, Any]:
    """The facts behind the short plain-language text: how many KPIs met, the strongest and the weakest."""
    scored = [(name, a) for name, a in lines if a is not None]
    if not scored:
        return {"met": 0, "n": len(lines)}
    best = max(scored, key=lambda item: item[1])
    worst = min(scored, key=lambda item: item[1])
    return {
        "met": sum(1 for _, a in scored if a >= 1.0),
        "n": len(lines),
        "best": best[0],
        "best_pct": best[1],
        "worst": worst[0],
        "worst_pct": worst[1],
    }


@dataclass
class DraftRow:
    """One person's evaluation as the manager and admins see it."""

    team: str
    slack_id: str
    name: str
    period: str
    computed: float | None
    adjusted: float | None
    reason: str
    result: float | None
    behaviour: float | None
    feedback: float | None
    band: str
    lines: list[tuple[str, float | None]]
    development_list: list[str]
    status: str
    evaluation_id: int | None = None  # what the Adjust and Release buttons act on (None: a preview, no buttons)
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # a KPI's name per language (bot.names.local_name)

    @property
    def score(self) -> float | None:
        return self.adjusted if self.adjusted is not None else self.computed


@dataclass
class EvaluationDrafts:
    """To a manager (one team) or an admin (everyone): the period's evaluations, drafts and released."""

    period: str
    scope: str  # a team name, or "" for the whole organisation
    rows: list[DraftRow] = field(default_factory=list)
    preview: bool = False
    reader: str = ""  # the reader's Slack id when they may not review their own row (a manager in their team): no buttons on it

    def reviewable(self, row: DraftRow) -> bool:
        """Whether the reader may adjust and release ``row`` (a draft, and not their own unless an admin)."""
        return (
            not self.preview
            and row.status == EvaluationStatus.DRAFT
            and row.evaluation_id is not None
            and (row.slack_id != self.reader)
        )


def row_of(evaluation: Evaluation, person: Person, team: str) -> DraftRow:
    details = evaluation.details or {}
    return DraftRow(
        team=team,
        slack_id=person.slack_id,
        name=person.name,
        period=evaluation.period,
        computed=evaluation.total_score,
        adjusted=evaluation.adjusted_score,
        reason=evaluation.adjust_reason,
        result=evaluation.result_score,
        behaviour=evaluation.behaviour_score,
        feedback=evaluation.feedback_score,
        band=band(evaluation.score),
        lines=list((details.get("kpis") or {}).items()),
        development_list=list(details.get("development_list") or []),
        status=evaluation.status,
        evaluation_id=evaluation.id,
        names=dict(details.get("names") or {}),
    )


def evaluation_rows(session: Session, *, period: str, teams: list[Team] | None = None) -> list[DraftRow]:
    """Every evaluation of ``period`` (of ``teams`` only, when given), ordered by team and name."""
    query = (
        select(Evaluation, Person, Team)
        .join(Person, col(Person.id) == Evaluation.person_id)
        .join(Team, col(Team.id) == Person.team_id, isouter=True)
        .where(Evaluation.period == period)
    )
    if teams is not None:
        query = query.where(col(Person.team_id).in_([t.id for t in teams]))
    rows = [row_of(e, p, t.name if t else "") for e, p, t in session.exec(query).all()]
    return sorted(rows, key=lambda r: (r.team, r.name))


def latest_period(session: Session) -> str | None:
    """The newest period that has evaluations."""
    return session.exec(select(Evaluation.period).order_by(col(Evaluation.computed_at).desc()).limit(1)).first()


def drafts_for(session: Session, *, asker: Person, period: str | None = None) -> EvaluationDrafts | None:
    """`/kpi eval`: an admin sees the organisation, a manager their teams; None for anyone else."""
    period = period or latest_period(session)
    if period is None:
        return None
    if asker.is_admin:
        return EvaluationDrafts(period, "", evaluation_rows(session, period=period))
    teams = visible_teams(session, asker=asker)
    if not teams:
        return None
    rows = evaluation_rows(session, period=period, teams=teams)
    return EvaluationDrafts(period, i18n.join((t.name for t in teams), asker.locale), rows, reader=asker.slack_id)


def _target(
    session: Session, *, asker: Person, ratee: Person | None, command: str, evaluation_id: int | None = None
) -> tuple[Evaluation, Person]:
    """The evaluation to review and its person, if ``asker`` may review it (their manager or an admin).

    ``evaluation_id`` (a button on a drafts message) names the row; otherwise the ratee's newest.
    """
    picked = session.get(Evaluation, evaluation_id) if evaluation_id is not None else None
    if evaluation_id is not None:
        ratee = session.get(Person, picked.person_id) if picked is not None else None
    if ratee is None:
        raise EvaluationRefused("eval_unknown_person", command)
    if ratee.id == asker.id and not asker.is_admin:
        raise EvaluationRefused("eval_not_manager", command, name=ratee.name)
    if not can_manage(session, asker=asker, ratee=ratee):
        raise EvaluationRefused("eval_not_manager", command, name=ratee.name)
    evaluation = (
        picked
        or session.exec(
            select(Evaluation).where(Evaluation.person_id == ratee.id).order_by(col(Evaluation.computed_at).desc())
        ).first()
    )
    if evaluation is None:
        raise EvaluationRefused("eval_no_draft", command, name=ratee.name)
    return evaluation, ratee


def draft_to_adjust(session: Session, *, asker: Person, evaluation_id: int) -> tuple[Evaluation, Person]:
    """The draft behind an Adjust button, checked before its modal opens (the same rules as ``adjust``)."""
    command = "/kpi eval adjust"
    evaluation, ratee = _target(session, asker=asker, ratee=None, command=command, evaluation_id=evaluation_id)
    if evaluation.status != EvaluationStatus.DRAFT:
        raise EvaluationRefused("eval_adjust_released", command, name=ratee.name, period=evaluation.period)
    return evaluation, ratee


def parse_score(text: str) -> float | None:
    """ "95%", "95" or "0.95" -> 0.95; None when it is not a number."""
    raw = text.strip().rstrip("%").replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        return None
    return value / 100 if value > MAX_SCORE or text.strip().endswith("%") else value


def adjust(
    session: Session,
    *,
    asker: Person,
    ratee: Person | None,
    score_text: str,
    reason: str,
    now: datetime,
    evaluation_id: int | None = None,
) -> tuple[Evaluation, Person]:
    """`/kpi eval adjust @person 95% reason` or the Adjust modal: the manager's score beside the computed one.

    Never instead of it: both are kept and shown. Checked in full before anything is written.
    """
    command = "/kpi eval adjust"
    score = parse_score(score_text) if score_text else None
    if score is None:
        raise EvaluationRefused("eval_adjust_usage", command)
    if not 0.0 <= score <= MAX_SCORE:
        raise EvaluationRefused("eval_adjust_range", command, value=score_text)
    if not reason.strip():
        raise EvaluationRefused("eval_adjust_reason", command)
    evaluation, ratee = _target(session, asker=asker, ratee=ratee, command=command, evaluation_id=evaluation_id)
    if evaluation.status != EvaluationStatus.DRAFT:
        raise EvaluationRefused("eval_adjust_released", command, name=ratee.name, period=evaluation.period)
    evaluation.adjusted_score = round(score, 4)
    evaluation.adjust_reason = reason.strip()[:1000]
    evaluation.adjusted_by_id = asker.id
    evaluation.adjusted_at = now
    session.flush()
    return evaluation, ratee


def release(
    session: Session, *, asker: Person, ratee: Person | None, team: bool, now: datetime, evaluation_id: int | None = None
) -> list[Evaluation]:
    """`/kpi eval release @person|team` or a Release button: drafts become releasing; ``take_released`` delivers them."""
    command = "/kpi eval release"
    if team:
        teams = visible_teams(session, asker=asker)
        period = latest_period(session)
        if not teams or period is None:
            raise EvaluationRefused("eval_nothing_to_release", command)
        drafts = list(
            session.exec(
                select(Evaluation)
                .join(Person, col(Person.id) == Evaluation.person_id)
                .where(
                    Evaluation.period == period,
                    Evaluation.status == EvaluationStatus.DRAFT,
                    col(Person.team_id).in_([t.id for t in teams]),
                    Person.id != asker.id,
                )
            ).all()
        )
        if not drafts:
            raise EvaluationRefused("eval_nothing_to_release", command)
    else:
        evaluation, ratee = _target(session, asker=asker, ratee=ratee, command=command, evaluation_id=evaluation_id)
        if evaluation.status != EvaluationStatus.DRAFT:
            when = evaluation.released_at.date() if evaluation.released_at else ""
            raise EvaluationRefused("eval_already_released", command, name=ratee.name, period=evaluation.period, date=when)
        drafts = [evaluation]
    released = []
    for evaluation in drafts:
        values = {"status": EvaluationStatus.RELEASING, "released_by_id": asker.id, "released_at": now}
        if compare_and_set(
            session, Evaluation, [Evaluation.id == evaluation.id, Evaluation.status == EvaluationStatus.DRAFT], values
        ):
            released.append(evaluation)
    if not released:
        raise EvaluationRefused("eval_nothing_to_release", command)
    return released


def note_of(evaluation: Evaluation) -> EvaluationNote:
    """What the person receives: the score that counts, the computed one beside an adjustment, and the reason."""
    details = evaluation.details or {}
    development = [Notice(d["key"], d.get("params", {})) for d in details.get("development", [])]
    return EvaluationNote(
        evaluation.period,
        evaluation.score,
        evaluation.result_score,
        evaluation.behaviour_score,
        evaluation.feedback_score,
        list((details.get("kpis") or {}).items()),
        development,
        computed=evaluation.total_score,
        adjusted=evaluation.adjusted_score,
        reason=evaluation.adjust_reason,
        band=band(evaluation.score),
        names=dict(details.get("names") or {}),
    )


def take_released(session: Session, *, now: datetime) -> list[tuple[Person, EvaluationNote]]:
    """Released evaluations not yet delivered, claimed (releasing -> released) so each is sent once."""
    ids = session.exec(select(Evaluation.id).where(Evaluation.status == EvaluationStatus.RELEASING)).all()
    out = []
    for evaluation_id in ids:
        if not compare_and_set(
            session,
            Evaluation,
            [Evaluation.id == evaluation_id, Evaluation.status == EvaluationStatus.RELEASING],
            {"status": EvaluationStatus.RELEASED},
        ):
            continue
        evaluation = session.get(Evaluation, evaluation_id)
        person = session.get(Person, evaluation.person_id) if evaluation else None
        if evaluation is not None and person is not None:
            session.refresh(evaluation)
            out.append((person, note_of(evaluation)))
    return out
