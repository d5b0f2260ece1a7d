"""Recognition: kudos between people, and the star of the quarter that a manager confirms.

Kudos are counted per quarter and reach the receiver privately; only the
giver may share one in the team channel. At quarter end the bot proposes a
star per team from the evaluation scores and the kudos received, with its
reasons; nothing is announced until the manager confirms it or picks someone
else.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.feedback import can_manage
from bot.i18n import N_
from bot.messages import KudosPost, Notice, StarPost, StarProposal
from bot.periods import period_bounds
from bot.refusal import Refusal
from storage.queries import compare_and_set, insert_if_absent
from storage.tables import Evaluation, Kudos, Person, Recognition, Team

KUDOS_WEIGHT = 0.05  # each kudos adds 5 points to the ranking score, at most four of them count
KUDOS_COUNTED = 4


class RecognitionStatus(StrEnum):
    """``Recognition.status``: the bot proposes the star of the quarter, the manager confirms it."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"


STAR_REASON = N_("star_reason")  # "{score} weighted score, {kudos} kudos": the figures, not a sentence, are stored
TYPED_REASON = "typed"  # not a message id: an older row's sentence, shown as it is


class RecognitionRefused(Refusal):
    """Why a kudos or star action is not allowed: a plain ``Refusal``, named for readability."""


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def give_kudos(
    session: Session, *, giver: Person, receiver: Person | None, text: str, now: datetime, receiver_is_bot: bool = False
) -> tuple[Kudos, int]:
    """`/kpi kudos @person for ...`: stored and counted; returns the kudos and the receiver's count this quarter."""
    reason = text.strip()
    if reason.lower().startswith("for "):
        reason = reason[4:].strip()
    if receiver_is_bot:
        raise RecognitionRefused("kudos_bot")
    if receiver is None:
        raise RecognitionRefused("kudos_unknown")
    if receiver.id == giver.id:
        raise RecognitionRefused("kudos_self")
    if not receiver.active:
        raise RecognitionRefused("kudos_inactive", name=receiver.name)
    if not reason or reason.lower() == "for":
        raise RecognitionRefused("kudos_no_text")
    if giver.id is None or receiver.id is None:
        raise LookupError("kudos between people that are not stored")
    kudos = Kudos(giver_id=giver.id, receiver_id=receiver.id, text=reason[:1000], created_at=now)
    session.add(kudos)
    session.flush()
    return kudos, kudos_count(session, person_id=receiver.id, quarter=quarter_of(now.date()))


def kudos_count(session: Session, *, person_id: int, quarter: str) -> int:
    start, end = period_bounds(quarter)
    return int(
        session.exec(
            select(func.count(col(Kudos.id))).where(
                Kudos.receiver_id == person_id,
                Kudos.created_at >= _start(start),
                Kudos.created_at < _start(end + timedelta(days=1)),
            )
        ).one()
    )


def share_kudos(session: Session, *, giver: Person, kudos_id: int) -> tuple[Team, KudosPost]:
    """The giver shares a kudos in the receiver's team channel (their own team's when the receiver has none).

    Returns the team whose channel gets it: the post goes out in that team's language (``bot.retro.team_locale``).
    """
    kudos = session.get(Kudos, kudos_id)
    if kudos is None or kudos.giver_id != giver.id:
        raise RecognitionRefused("kudos_not_yours")
    if kudos.shared_ts is not None:
        raise RecognitionRefused("kudos_shared_already")
    receiver = session.get(Person, kudos.receiver_id)
    if receiver is None:
        raise RecognitionRefused("kudos_unknown")
    for team_id in (receiver.team_id, giver.team_id):
        team = session.get(Team, team_id) if team_id else None
        if team is not None and team.channel_id:
            return team, KudosPost(kudos.id or 0, giver.slack_id, receiver.slack_id, kudos.text)
    raise RecognitionRefused("kudos_no_channel")


def mark_shared(session: Session, *, kudos_id: int, channel: str, ts: str) -> bool:
    """Record the share; False when another click shared it first."""
    return compare_and_set(
        session, Kudos, [Kudos.id == kudos_id, col(Kudos.shared_ts).is_(None)], {"shared_channel": channel, "shared_ts": ts}
    )


def propose_stars(session: Session, *, quarter: str, start: date, end: date, now: datetime) -> list[tuple[Team, StarProposal]]:
    """One proposal per team with a manager: the best weighted score, kudos breaking near-ties, with the reasons."""
    rows = session.exec(
        select(Evaluation, Person)
        .join(Person, col(Person.id) == Evaluation.person_id)
        .where(Evaluation.period == quarter, col(Person.active), col(Person.team_id).is_not(None))
    ).all()
    by_team: dict[int, list[tuple[Person, float | None, int]]] = {}
    for evaluation, person in rows:
        if person.id is None or person.team_id is None:
            continue
        kudos = kudos_count(session, person_id=person.id, quarter=quarter)
        by_team.setdefault(person.team_id, []).append((person, evaluation.total_score, kudos))
    proposals = []
    for team_id, candidates in sorted(by_team.items()):
        team = session.get(Team, team_id)
        if team is None or team.manager_id is None:
            continue
        ranked = sorted(
            candidates,
            key=lambda c: ((c[1] or 0.0) + KUDOS_WEIGHT * min(c[2], KUDOS_COUNTED), c[2], c[0].name),
            reverse=True,
        )
        person, score, kudos = ranked[0]
        if score is None and not kudos:
            continue  # no figures and no kudos: nothing to base a proposal on
        recognition_id = insert_if_absent(
            session,
            Recognition,
            {
                "person_id": person.id,
                "proposed_id": person.id,
                "team_id": team_id,
                "period": quarter,
                "kind": "star",
                "status": RecognitionStatus.PROPOSED,
                "reason": STAR_REASON,  # worded in each reader's language from its figures (star_reason)
                "reason_params": {"score": score, "kudos": kudos},
                "created_at": now,
            },
        )
        if not recognition_id:
            continue
        others = [(c[0].slack_id, c[0].name) for c in ranked[1:]]
        proposals.append(
            (team, StarProposal(recognition_id, team.name, quarter, person.slack_id, person.name, score, kudos, others))
        )
    return proposals


def star_reason(reason: str, params: dict[str, object]) -> Notice | None:
    """The stored reason as a text to word in the reader's language; None when the manager picked someone else."""
    if not reason:
        return None
    if reason == STAR_REASON:
        return Notice(STAR_REASON, dict(params))
    return Notice(TYPED_REASON, {"text": reason})  # a sentence stored before the reasons had ids: shown as typed


def confirm_star(
    session: Session, *, manager: Person, recognition_id: int, pick: str | None, now: datetime
) -> tuple[Team, StarPost]:
    """The manager confirms the proposal or picks another member; returns the team (its channel, its language) and the post."""
    recognition = session.get(Recognition, recognition_id)
    team = session.get(Team, recognition.team_id) if recognition and recognition.team_id else None
    if recognition is None or team is None:
        raise RecognitionRefused("star_not_yours")
    if not manager.is_admin and team.manager_id != manager.id:
        raise RecognitionRefused("star_not_yours")
    if recognition.status != RecognitionStatus.PROPOSED:
        raise RecognitionRefused("star_done")
    person = session.get(Person, recognition.person_id)
    reason, params = recognition.reason, dict(recognition.reason_params or {})
    if pick is not None and (person is None or pick != person.slack_id):
        person = session.exec(select(Person).where(Person.slack_id == pick)).first()
        if (
            person is None
            or person.team_id != team.id
            or not person.active
            or not can_manage(session, asker=manager, ratee=person)
        ):
            raise RecognitionRefused("star_pick_outside")
        reason, params = "", {}
    if person is None or person.id is None:
        raise RecognitionRefused("star_pick_outside")
    values = {
        "status": RecognitionStatus.CONFIRMED,
        "person_id": person.id,
        "confirmed_by_id": manager.id,
        "confirmed_at": now,
        "reason": reason,
        "reason_params": params,
    }
    if not compare_and_set(
        session, Recognition, [Recognition.id == recognition_id, Recognition.status == RecognitionStatus.PROPOSED], values
    ):
        raise RecognitionRefused("star_done")
    return team, StarPost(team.name, recognition.period, person.slack_id, star_reason(reason, params))
