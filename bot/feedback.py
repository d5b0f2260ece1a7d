"""360 feedback: rounds (cycles), invitations, replaceable answers, and results released by round.

Anonymity is structural: results are computed only when a round closes, from
responses joined to requests only for the relationship group, and frozen on
the cycle row; they never carry a rater id out of this module. A round (or a
relationship group) below the threshold shows nothing, comments come back
without names in a shuffled order, and because a released result never changes
(later answers, and unsolicited ones, count in the person's next round) nobody
can work out who said what by comparing before and after.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from bot.refusal import Refusal
from bot.team_view import visible_teams
from storage.queries import compare_and_set, take_many
from storage.tables import FeedbackCycle, FeedbackRequest, FeedbackResponse, Person, Team

MIN_RATERS_FLOOR = 3


class CycleStatus(StrEnum):
    """``FeedbackCycle.status``: a 360 round is open until it closes, and closing releases it."""

    OPEN = "open"
    CLOSED = "closed"


# Behaviour-anchored scales: what each level looks like, so a "4" means the same to everyone.
COMPETENCIES: dict[str, dict[str, list[str]]] = {
    "collaboration": {
        "en": [
            "Works alone, withholds information",
            "Shares when asked",
            "Shares and helps when it's convenient",
            "Helps others proactively, shares credit",
            "Makes the whole team better; people seek them out",
        ],
        "zh": [
            "单打独斗，不分享信息",
            "被问到才分享",
            "方便时会分享和帮忙",
            "主动帮助他人，功劳共享",
            "让整个团队变得更好，大家都愿意找他",
        ],
    },
    "customer focus": {
        "en": [
            "Ignores customer needs",
            "Reacts when customers complain",
            "Meets stated needs reliably",
            "Anticipates needs, follows up",
            "Shapes the work around customer outcomes",
        ],
        "zh": ["忽视客户需求", "客户投诉才反应", "可靠地满足明确需求", "预判需求并主动跟进", "围绕客户成果来安排工作"],
    },
    "ownership": {
        "en": [
            "Blames others, misses commitments",
            "Needs reminders to deliver",
            "Delivers what was agreed",
            "Owns problems end to end",
            "Takes on the hard problems nobody owns",
        ],
        "zh": ["推卸责任，常常失约", "需要提醒才能交付", "按约定交付", "端到端负责问题", "主动承担没人管的难题"],
    },
    "innovation": {
        "en": [
            "Resists any change",
            "Accepts change when told",
            "Suggests small improvements",
            "Tries new approaches and measures them",
            "Changes how the team works, for the better",
        ],
        "zh": ["抗拒任何改变", "被要求时才接受改变", "提出小的改进", "尝试新方法并衡量效果", "带来让团队更好的工作方式变革"],
    },
}


GENERIC_SCALE = {
    "en": [
        "Rarely shows it",
        "Shows it now and then",
        "Shows it reliably",
        "Shows it strongly and helps others do it",
        "A role model others learn from",
    ],
    "zh": ["很少表现出来", "偶尔表现出来", "稳定地表现出来", "表现突出并带动他人", "他人学习的榜样"],
}


def scales(names: list[str]) -> dict[str, dict[str, list[str]]]:
    """The configured competencies with their anchors; names without built-in anchors get a generic scale."""
    return {name: COMPETENCIES.get(name, GENERIC_SCALE) for name in names} or dict(COMPETENCIES)


@dataclass
class Invitation:
    request_id: int
    rater: Person
    ratee_name: str
    closes_at: datetime | None
    started_by: str = ""
    started_by_rater: bool = False  # the starter rates too (a manager in the round): "You started...", not their own name


@dataclass
class Results:
    """What the ratee and their manager may see: the latest released round, frozen at its close."""

    ratee: str
    responses: int
    threshold: int
    averages: dict[str, float] = field(default_factory=dict)
    groups: dict[str, dict[str, float]] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    released: str | None = None  # the day the round closed; None: no round released yet
    open_until: str | None = None  # the closing day of a round still open

    @property
    def shown(self) -> bool:
        return self.released is not None and self.responses >= self.threshold

    def frozen(self) -> dict[str, object]:
        """What is stored on the cycle at release: nothing but the count when below the threshold."""
        if self.responses < self.threshold:
            return {"responses": self.responses, "threshold": self.threshold}
        return {
            "responses": self.responses,
            "threshold": self.threshold,
            "averages": self.averages,
            "groups": self.groups,
            "comments": self.comments,
        }


@dataclass
class Release:
    """A round just released: who to tell, and what."""

    cycle_id: int
    ratee: Person
    results: Results
    closed_by: str | None


def min_raters(configured: int) -> int:
    """The anonymity threshold: configurable, never below three."""
    return max(MIN_RATERS_FLOOR, configured)


def can_manage(session: Session, *, asker: Person, ratee: Person) -> bool:
    """The ratee's manager (or one above) or an admin."""
    if asker.is_admin:
        return True
    return any(team.id == ratee.team_id for team in visible_teams(session, asker=asker)) and asker.id != ratee.id


def check_ratee(ratee: Person | None, *, rater: Person) -> Person:
    if ratee is None:
        raise Refusal("fb_unknown_person")
    if not ratee.active:
        raise Refusal("fb_inactive")
    if ratee.id == rater.id:
        raise Refusal("fb_self")
    return ratee


def default_raters(session: Session, *, ratee: Person) -> list[tuple[Person, str]]:
    """Peers (same team), the manager, and direct reports (members of teams the ratee manages)."""
    raters: list[tuple[Person, str]] = []
    team = session.get(Team, ratee.team_id) if ratee.team_id else None
    if team is not None:
        for peer in session.exec(
            select(Person).where(Person.team_id == team.id, col(Person.active), Person.id != ratee.id)
        ).all():
            raters.append((peer, "peer"))
        manager = session.get(Person, team.manager_id) if team.manager_id else None
        if manager is not None and manager.id != ratee.id and manager.active:
            raters.append((manager, "manager"))
    managed = [t.id for t in session.exec(select(Team).where(Team.manager_id == ratee.id)).all()]
    if managed:
        for report in session.exec(
            select(Person).where(col(Person.team_id).in_(managed), col(Person.active), Person.id != ratee.id)
        ).all():
            raters.append((report, "report"))
    seen: set[int | None] = set()
    unique = []
    for person, relationship in raters:
        if person.id not in seen:
            seen.add(person.id)
            unique.append((person, relationship))
    return unique


def start_cycle(
    session: Session, *, asker: Person, ratee: Person, closes_at: datetime, now: datetime
) -> tuple[FeedbackCycle, list[Invitation]]:
    """A manager or admin starts a cycle; every default rater is invited."""
    if not can_manage(session, asker=asker, ratee=ratee):
        raise Refusal("fb_not_manager")
    if closes_at <= now:
        raise Refusal("fb_past_date")
    open_cycle = session.exec(
        select(FeedbackCycle).where(FeedbackCycle.ratee_id == ratee.id, FeedbackCycle.status == CycleStatus.OPEN)
    ).first()
    if open_cycle is not None:
        raise Refusal("fb_already_open", name=ratee.name)
    cycle = FeedbackCycle(
        ratee_id=ratee.id or 0, started_by_id=asker.id or 0, closes_at=closes_at, status=CycleStatus.OPEN, created_at=now
    )
    session.add(cycle)
    session.flush()
    return cycle, invite(session, cycle=cycle, ratee=ratee, raters=default_raters(session, ratee=ratee), now=now, by=asker)


def invite(
    session: Session,
    *,
    cycle: FeedbackCycle,
    ratee: Person,
    raters: list[tuple[Person, str]],
    now: datetime,
    by: Person | None = None,
) -> list[Invitation]:
    invitations = []
    for rater, relationship in raters:
        if rater.id == ratee.id:
            continue
        exists = session.exec(
            select(FeedbackRequest).where(FeedbackRequest.cycle_id == cycle.id, FeedbackRequest.rater_id == rater.id)
        ).first()
        if exists is not None:
            continue
        # invited_at stays empty until the DM is sent (bot.feedback_jobs), so a crash never loses one
        request = FeedbackRequest(
            cycle_id=cycle.id, ratee_id=ratee.id or 0, rater_id=rater.id or 0, relationship=relationship, created_at=now
        )
        session.add(request)
        session.flush()
        invitations.append(
            Invitation(
                request.id or 0,
                rater,
                ratee.name,
                cycle.closes_at,
                by.name if by else "",
                started_by_rater=by is not None and by.id == rater.id,
            )
        )
    return invitations


def take_pending_invitations(session: Session, *, now: datetime) -> list[Invitation]:
    """Requests of open cycles not yet sent, claimed (invited_at set) so only one sender sends each."""
    rows = session.exec(
        select(FeedbackRequest.id)
        .join(FeedbackCycle, col(FeedbackCycle.id) == FeedbackRequest.cycle_id)
        .where(col(FeedbackRequest.invited_at).is_(None), FeedbackCycle.status == CycleStatus.OPEN)
    ).all()
    taken = take_many(session, FeedbackRequest, list(rows), [col(FeedbackRequest.invited_at).is_(None)], {"invited_at": now})
    invitations = []
    for request_id in taken:
        request = session.get(FeedbackRequest, request_id)
        rater = session.get(Person, request.rater_id) if request else None
        ratee = session.get(Person, request.ratee_id) if request else None
        cycle = session.get(FeedbackCycle, request.cycle_id) if request and request.cycle_id else None
        starter = session.get(Person, cycle.started_by_id) if cycle else None
        if rater is not None and ratee is not None:
            invitations.append(
                Invitation(
                    request_id,
                    rater,
                    ratee.name,
                    cycle.closes_at if cycle else None,
                    starter.name if starter else "",
                    started_by_rater=starter is not None and starter.id == rater.id,
                )
            )
    return invitations


def nominate(session: Session, *, ratee: Person, cycle_id: int, nominees: list[Person], now: datetime) -> list[Person]:
    """The ratee proposes peers for their open cycle; they are invited once the manager confirms."""
    cycle = session.get(FeedbackCycle, cycle_id)
    if cycle is None or cycle.ratee_id != ratee.id:
        raise Refusal("fb_not_invited")
    if cycle.status != CycleStatus.OPEN or cycle.closes_at <= now:
        raise Refusal("fb_closed")
    added = []
    for nominee in nominees:
        if nominee.id == ratee.id or not nominee.active:
            continue
        exists = session.exec(
            select(FeedbackRequest).where(FeedbackRequest.cycle_id == cycle.id, FeedbackRequest.rater_id == nominee.id)
        ).first()
        if exists is None:
            session.add(
                FeedbackRequest(
                    cycle_id=cycle.id,
                    ratee_id=ratee.id or 0,
                    rater_id=nominee.id or 0,
                    relationship="peer",
                    nominated=True,
                    created_at=now,
                )
            )
            added.append(nominee)
    session.flush()
    return added


def confirm_nominations(session: Session, *, manager: Person, cycle_id: int, now: datetime) -> int:
    """The ratee's manager (or an admin) confirms the nominated peers; returns how many."""
    cycle = session.get(FeedbackCycle, cycle_id)
    ratee = session.get(Person, cycle.ratee_id) if cycle else None
    if cycle is None or ratee is None or not can_manage(session, asker=manager, ratee=ratee):
        raise Refusal("fb_not_manager")
    pending = session.exec(
        select(FeedbackRequest).where(
            FeedbackRequest.cycle_id == cycle_id, col(FeedbackRequest.nominated), col(FeedbackRequest.confirmed_at).is_(None)
        )
    ).all()
    for request in pending:
        request.confirmed_at = now
    return len(pending)


def take_nomination_prompts(session: Session, *, now: datetime) -> list[tuple[Person, FeedbackCycle]]:
    """Open cycles whose ratee has not been asked to nominate peers yet, claimed for sending."""
    ids = session.exec(
        select(FeedbackCycle.id).where(FeedbackCycle.status == CycleStatus.OPEN, col(FeedbackCycle.nomination_asked_at).is_(None))
    ).all()
    taken = take_many(
        session, FeedbackCycle, list(ids), [col(FeedbackCycle.nomination_asked_at).is_(None)], {"nomination_asked_at": now}
    )
    prompts = []
    for cycle_id in taken:
        cycle = session.get(FeedbackCycle, cycle_id)
        ratee = session.get(Person, cycle.ratee_id) if cycle else None
        if cycle is not None and ratee is not None:
            prompts.append((ratee, cycle))
    return prompts


def unsolicited_request(session: Session, *, rater: Person, ratee: Person, now: datetime) -> FeedbackRequest:
    """`/kpi feedback @someone`: anyone may give feedback; one standing request per pair and round.

    The answer joins the ratee's next round to close; once that round is
    released the request is spent, and new feedback gets a new request.
    """
    check_ratee(ratee, rater=rater)
    existing = session.exec(
        select(FeedbackRequest).where(
            col(FeedbackRequest.cycle_id).is_(None),
            col(FeedbackRequest.counted_in_id).is_(None),
            FeedbackRequest.rater_id == rater.id,
            FeedbackRequest.ratee_id == ratee.id,
        )
    ).first()
    if existing is not None:
        return existing
    request = FeedbackRequest(
        cycle_id=None, ratee_id=ratee.id or 0, rater_id=rater.id or 0, relationship="other", invited_at=now, created_at=now
    )
    session.add(request)
    session.flush()
    return request


def request_for(session: Session, *, request_id: int, rater: Person, now: datetime) -> tuple[FeedbackRequest, Person]:
    """The request ``rater`` may answer; refuses forged, closed or self-rating submissions."""
    request = session.get(FeedbackRequest, request_id)
    if request is None or request.rater_id != rater.id:
        raise Refusal("fb_not_invited")
    if request.counted_in_id is not None:
        raise Refusal("fb_counted")
    if request.cycle_id is not None:
        cycle = session.get(FeedbackCycle, request.cycle_id)
        if cycle is None or cycle.status != CycleStatus.OPEN or cycle.closes_at <= now:
            raise Refusal("fb_closed")
    ratee = check_ratee(session.get(Person, request.ratee_id), rater=rater)
    return request, ratee


def save_response(session: Session, *, request: FeedbackRequest, ratings: dict[str, int], comment: str, now: datetime) -> bool:
    """Store the answer; a second submission replaces the first. True when it replaced one."""
    existing = session.exec(select(FeedbackResponse).where(FeedbackResponse.request_id == request.id)).first()
    if existing is not None:
        existing.ratings, existing.comment, existing.updated_at = ratings, comment, now
        return True
    session.add(FeedbackResponse(request_id=request.id or 0, ratings=ratings, comment=comment, submitted_at=now, updated_at=now))
    return False


def results(session: Session, *, ratee: Person, threshold: int) -> Results:
    """The ratee's latest released round, exactly as it was released; never a live count."""
    released = session.exec(
        select(FeedbackCycle)
        .where(
            FeedbackCycle.ratee_id == ratee.id,
            FeedbackCycle.status == CycleStatus.CLOSED,
            col(FeedbackCycle.released_at).is_not(None),
        )
        .order_by(col(FeedbackCycle.released_at).desc())
    ).first()
    open_round = session.exec(
        select(FeedbackCycle).where(FeedbackCycle.ratee_id == ratee.id, FeedbackCycle.status == CycleStatus.OPEN)
    ).first()
    open_until = open_round.closes_at.date().isoformat() if open_round is not None else None
    if released is None or released.released_at is None:
        return Results(ratee=ratee.name, responses=0, threshold=threshold, open_until=open_until)
    return thaw(released, ratee.name, open_until=open_until)


def thaw(cycle: FeedbackCycle, ratee: str, *, open_until: str | None = None) -> Results:
    """A released round's frozen result as ``Results``."""
    data = cycle.result or {}
    return Results(
        ratee=ratee,
        responses=int(data.get("responses", 0)),
        threshold=int(data.get("threshold", MIN_RATERS_FLOOR)),
        averages=dict(data.get("averages", {})),
        groups={g: dict(v) for g, v in data.get("groups", {}).items()},
        comments=list(data.get("comments", [])),
        released=cycle.released_at.date().isoformat() if cycle.released_at else None,
        open_until=open_until,
    )


def compute_round(
    session: Session, *, cycle: FeedbackCycle, ratee: Person, threshold: int, now: datetime, rng: random.Random | None = None
) -> tuple[Results, list[int]]:
    """The round's answers: its invited raters' plus unsolicited answers not counted in an earlier round.

    Returns the result and the request ids it counted. Groups below the
    threshold are left out; below the threshold overall, nothing but the count.
    """
    rows = session.exec(
        select(FeedbackRequest.id, FeedbackRequest.relationship, FeedbackResponse.ratings, FeedbackResponse.comment)
        .join(FeedbackResponse, col(FeedbackResponse.request_id) == FeedbackRequest.id)
        .where(
            FeedbackRequest.ratee_id == ratee.id,
            or_(
                col(FeedbackRequest.cycle_id) == cycle.id,
                and_(col(FeedbackRequest.cycle_id).is_(None), col(FeedbackRequest.counted_in_id).is_(None)),
            ),
            FeedbackResponse.updated_at <= now,
        )
    ).all()
    found = Results(ratee=ratee.name, responses=len(rows), threshold=threshold, released=now.date().isoformat())
    counted = [request_id for request_id, _, _, _ in rows if request_id is not None]
    if found.responses < threshold:
        return found, counted
    totals: dict[str, list[int]] = defaultdict(list)
    by_group: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    group_size: dict[str, int] = defaultdict(int)
    for _, relationship, ratings, comment in rows:
        group_size[relationship] += 1
        for competency, value in (ratings or {}).items():
            totals[competency].append(int(value))
            by_group[relationship][competency].append(int(value))
        if comment.strip():
            found.comments.append(comment.strip())
    found.averages = {c: round(sum(v) / len(v), 2) for c, v in totals.items()}
    found.groups = {
        g: {c: round(sum(v) / len(v), 2) for c, v in comps.items()} for g, comps in by_group.items() if group_size[g] >= threshold
    }
    (rng or random.Random()).shuffle(found.comments)
    return found, counted


def release(session: Session, *, cycle: FeedbackCycle, threshold: int, now: datetime, by: Person | None = None) -> Release | None:
    """Close one round and freeze its result; None when another caller closed it first."""
    values = {"status": CycleStatus.CLOSED, "released_at": now, "closed_by_id": by.id if by else None}
    if not compare_and_set(
        session, FeedbackCycle, [FeedbackCycle.id == cycle.id, FeedbackCycle.status == CycleStatus.OPEN], values
    ):
        return None
    session.refresh(cycle)
    ratee = session.get(Person, cycle.ratee_id)
    if ratee is None:
        raise LookupError(f"feedback cycle {cycle.id} has no ratee")
    found, counted = compute_round(session, cycle=cycle, ratee=ratee, threshold=threshold, now=now)
    cycle.result = found.frozen()
    for request in session.exec(select(FeedbackRequest).where(col(FeedbackRequest.id).in_(counted))).all():
        request.counted_in_id = cycle.id
    session.flush()
    return Release(cycle.id or 0, ratee, found, by.name if by else None)


def close_now(session: Session, *, asker: Person, ratee: Person | None, threshold: int, now: datetime) -> Release:
    """`/kpi 360 close @person`: the ratee's manager or an admin releases the open round early."""
    if ratee is None:
        raise Refusal("fb_unknown_person")
    if ratee.id == asker.id and not asker.is_admin:
        raise Refusal("fb_close_not_allowed", name=ratee.name)
    if not can_manage(session, asker=asker, ratee=ratee):
        raise Refusal("fb_close_not_allowed", name=ratee.name)
    cycle = session.exec(
        select(FeedbackCycle).where(FeedbackCycle.ratee_id == ratee.id, FeedbackCycle.status == CycleStatus.OPEN)
    ).first()
    done = release(session, cycle=cycle, threshold=threshold, now=now, by=asker) if cycle is not None else None
    if done is None:
        raise Refusal("fb_no_open_round", name=ratee.name)
    return done


def due_reminders(session: Session, *, now: datetime, before: timedelta = timedelta(days=2)) -> list[Invitation]:
    """Raters who have not answered a cycle closing within ``before``: reminded once."""
    rows = session.exec(
        select(FeedbackRequest, FeedbackCycle, Person)
        .join(FeedbackCycle, col(FeedbackCycle.id) == FeedbackRequest.cycle_id)
        .join(Person, col(Person.id) == FeedbackRequest.rater_id)
        .where(
            FeedbackCycle.status == CycleStatus.OPEN,
            FeedbackCycle.closes_at <= now + before,
            FeedbackCycle.closes_at > now,
            col(FeedbackRequest.reminded_at).is_(None),
        )
    ).all()
    ids = [request.id for request, _, _ in rows]
    answered = (
        set(session.exec(select(FeedbackResponse.request_id).where(col(FeedbackResponse.request_id).in_(ids))).all())
        if ids
        else set()
    )
    due = []
    for request, cycle, rater in rows:
        if request.id in answered:
            continue
        request.reminded_at = now
        ratee = session.get(Person, request.ratee_id)
        due.append(Invitation(request.id or 0, rater, ratee.name if ratee else "", cycle.closes_at))
    return due


def close_cycles(session: Session, *, now: datetime, threshold: int) -> list[Release]:
    """Rounds whose closing date has come are released."""
    due = session.exec(
        select(FeedbackCycle).where(FeedbackCycle.status == CycleStatus.OPEN, FeedbackCycle.closes_at <= now)
    ).all()
    return [done for cycle in due if (done := release(session, cycle=cycle, threshold=threshold, now=now)) is not None]


def take_releases(session: Session, *, now: datetime) -> list[Release]:
    """Released rounds whose ratee was not told yet, claimed (announced_at) so only one sender tells them."""
    ids = session.exec(
        select(FeedbackCycle.id).where(
            FeedbackCycle.status == CycleStatus.CLOSED,
            col(FeedbackCycle.released_at).is_not(None),
            col(FeedbackCycle.announced_at).is_(None),
        )
    ).all()
    taken = take_many(session, FeedbackCycle, list(ids), [col(FeedbackCycle.announced_at).is_(None)], {"announced_at": now})
    releases = []
    for cycle in session.exec(select(FeedbackCycle).where(col(FeedbackCycle.id).in_(taken))).all():
        ratee = session.get(Person, cycle.ratee_id)
        closer = session.get(Person, cycle.closed_by_id) if cycle.closed_by_id else None
        if ratee is not None and cycle.released_at is not None:
            releases.append(Release(cycle.id or 0, ratee, thaw(cycle, ratee.name), closer.name if closer else None))
    return releases
