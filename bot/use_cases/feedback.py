"""360 feedback: `/kpi 360 start|close|results`, `/kpi feedback @someone`, answering an invitation, nominating peers.

Who may do what is the domain's (bot.feedback); these functions find the
people by Slack id, run one unit of work and return what the answer shows.
A "no" is a Refusal and nothing is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlmodel import col, select

from bot.dates import read_date
from bot.feedback import (
    Release,
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
from bot.messages import ConfirmNominees
from bot.people import local_now, manager_of, zone
from bot.refusal import Refusal
from bot.services import Services
from bot.team_view import resolve_team
from storage.queries import person_by_slack_id
from storage.tables import Person

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
LEVELS = {"1", "2", "3", "4", "5"}
DEFAULT_OPEN = timedelta(days=14)


@dataclass
class Started:
    ratee: str  # their name
    invited: int


@dataclass
class Rounds:
    """`/kpi 360 start`: the closing moment, then per ratee a round started or the refusal why not."""

    closes: datetime
    outcomes: list[Started | Refusal] = field(default_factory=list)


@dataclass
class Answered:
    rater: Person
    ratee: str  # the ratee's name
    replaced: bool = False  # a second answer replaces the first
    unpicked: list[str] = field(default_factory=list)  # competencies without a level: nothing was saved


@dataclass
class Nominated:
    note: ConfirmNominees | None  # to the ratee's manager, when there are new nominees and a manager
    manager: Person | None


def _threshold(services: Services) -> int:
    return min_raters(services.settings.kpibot_feedback_min_raters)


def closing_date(words: list[str], person: Person, now: datetime) -> datetime:
    """A date from the command's words (dateparser, the person's timezone), else two weeks from now."""
    phrase = " ".join(w for w in words if not MENTION.match(w) and w.lower() != "team")
    day = read_date(phrase, now=local_now(person, now), prefer="future") if phrase else None
    if day is None:
        return now + DEFAULT_OPEN
    return datetime.combine(day, time(23, 59), tzinfo=zone(person))


def close_round(services: Services, *, asker: Person, ratee_slack_id: str, now: datetime) -> Release:
    """`/kpi 360 close @person`: release their open round now (the ratee is told by the lazy listener)."""
    with services.unit_of_work() as session:
        ratee = person_by_slack_id(session, slack_id=ratee_slack_id)
        return close_now(session, asker=asker, ratee=ratee, threshold=_threshold(services), now=now)


def round_results(services: Services, *, asker: Person, ratee_slack_id: str | None) -> Results:
    """`/kpi 360 results [@person]`: the latest released round of the asker, or of someone they manage."""
    with services.unit_of_work() as session:
        ratee = person_by_slack_id(session, slack_id=ratee_slack_id) if ratee_slack_id else asker
        if ratee is None:
            raise Refusal("fb_unknown_person")
        if ratee.id != asker.id and not can_manage(session, asker=asker, ratee=ratee):
            raise Refusal("fb_not_manager")
        return results(session, ratee=ratee, threshold=_threshold(services))


def start_rounds(services: Services, *, asker: Person, ratee_slack_ids: list[str], words: list[str], now: datetime) -> Rounds:
    """`/kpi 360 start @a @b [date]` or `/kpi 360 start team [date]` (``ratee_slack_ids`` empty): one round each.

    A refusal for one ratee does not stop the others; a team the asker does not manage is refused whole.
    """
    rounds = Rounds(closing_date(words, asker, now))
    with services.unit_of_work() as session:
        if ratee_slack_ids:
            ratees = [person_by_slack_id(session, slack_id=m) for m in ratee_slack_ids]
        else:
            try:
                team = resolve_team(session, asker=asker, name=None)
            except Refusal:
                raise Refusal("fb_not_manager") from None
            ratees = list(session.exec(select(Person).where(Person.team_id == team.id, col(Person.active))).all())
        for ratee in ratees:
            try:
                if ratee is None:
                    raise Refusal("fb_unknown_person")
                _, invited = start_cycle(session, asker=asker, ratee=ratee, closes_at=rounds.closes, now=now)
            except Refusal as refusal:
                rounds.outcomes.append(refusal)
                continue
            rounds.outcomes.append(Started(ratee.name, len(invited)))
    return rounds


def unsolicited(services: Services, *, rater: Person, ratee_slack_id: str, now: datetime) -> tuple[int, str]:
    """`/kpi feedback @someone`: the standing request (its id) and the ratee's name, for the form."""
    with services.unit_of_work() as session:
        ratee = person_by_slack_id(session, slack_id=ratee_slack_id)
        stored_rater = person_by_slack_id(session, slack_id=rater.slack_id)
        if ratee is None or stored_rater is None:
            raise Refusal("fb_unknown_person")
        request = unsolicited_request(session, rater=stored_rater, ratee=ratee, now=now)
        return request.id or 0, ratee.name


def invitation(services: Services, *, rater_slack_id: str, request_id: int | None, now: datetime) -> tuple[int, str, str]:
    """The invitation's button: (request id, ratee name, the rater's locale) for the form, or "not invited"."""
    with services.unit_of_work() as session:
        rater = person_by_slack_id(session, slack_id=rater_slack_id)
        if rater is None or request_id is None:
            raise Refusal("fb_not_invited")
        request, ratee = request_for(session, request_id=request_id, rater=rater, now=now)
        return request.id or 0, ratee.name, rater.locale


def answer(
    services: Services, *, rater_slack_id: str, request_id: int, levels: dict[str, str], comment: str, now: datetime
) -> Answered:
    """The form's answer (``levels``: competency -> "1".."5" as picked) saved, replacing an earlier one."""
    with services.unit_of_work() as session:
        rater = person_by_slack_id(session, slack_id=rater_slack_id)
        if rater is None:
            raise Refusal("fb_not_invited")
        request, ratee = request_for(session, request_id=request_id, rater=rater, now=now)
        competencies = list(scales(services.settings.feedback_competencies))
        unpicked = [c for c in competencies if levels.get(c) not in LEVELS]
        if unpicked:
            return Answered(rater, ratee.name, unpicked=unpicked)
        ratings = {c: int(levels[c]) for c in competencies}
        replaced = save_response(session, request=request, ratings=ratings, comment=comment[:3000], now=now)
        return Answered(rater, ratee.name, replaced=replaced)


def nominate_peers(
    services: Services, *, ratee_slack_id: str, cycle_id: int | None, picked: list[str], now: datetime
) -> Nominated:
    """The ratee's nominees wait for their manager's confirmation; people not in the organisation are left out."""
    with services.unit_of_work() as session:
        ratee = person_by_slack_id(session, slack_id=ratee_slack_id)
        if ratee is None or cycle_id is None:
            raise Refusal("fb_tampered")
        nominees = [p for p in (person_by_slack_id(session, slack_id=u) for u in picked) if p is not None]
        added = nominate(session, ratee=ratee, cycle_id=cycle_id, nominees=nominees, now=now)
        manager = manager_of(session, ratee)
        note = ConfirmNominees(cycle_id, ratee.slack_id, [p.slack_id for p in added]) if added and manager else None
        return Nominated(note, manager)


def confirm_peers(services: Services, *, manager_slack_id: str, cycle_id: int | None, now: datetime) -> tuple[int, str]:
    """The manager confirms the nominees (invited by the next send): (how many, the manager's locale)."""
    with services.unit_of_work() as session:
        manager = person_by_slack_id(session, slack_id=manager_slack_id)
        if manager is None or cycle_id is None:
            raise Refusal("fb_not_manager")
        return confirm_nominations(session, manager=manager, cycle_id=cycle_id, now=now), manager.locale
