"""The half-year review on Slack: Keep / Reweight / Retire one KPI name, and the batch reweight of a team."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from bot.kpi_state import KpiStatus
from bot.refusal import Refusal
from bot.review import batch_reweight, decide
from bot.services import Services
from storage.queries import by_id, person_by_slack_id
from storage.tables import Kpi, KpiProposal, KpiReview, Person

MAX_WEIGHTS = 20  # KPI names in one reweight form
WEIGHT_FIELD = "w{}"  # the form's input for the i-th listed name; a refusal about one weight names its field


@dataclass
class Decided:
    name: str
    decision: str
    retired: int  # KPIs retired (decision "retire")
    team_id: int
    locale: str  # the decider's
    weights: dict[str, float] = field(default_factory=dict)  # the team's current weights (decision "reweight")


@dataclass
class Reweighted:
    manager: Person
    proposals: list[tuple[Person, KpiProposal]]  # each member's counter-proposal, to send them


def decide_review(
    services: Services, *, slack_id: str, review_id: int | None, index: str, decision: str, now: datetime
) -> Decided:
    """One decision on the review's ``index``-th KPI name; refused (nothing stored) when the review or name is gone."""
    with services.unit_of_work() as session:
        person = person_by_slack_id(session, slack_id=slack_id)
        review = by_id(session, KpiReview, review_id)
        names = (review.decisions.get("_kpis") or []) if review else []
        name = names[int(index)] if index.isdigit() and int(index) < len(names) else None
        if person is None or review is None or name is None:
            raise Refusal("review_not_found")
        retired = decide(session, review_id=review.id or 0, kpi_name=name, decision=decision, by=person, now=now)
        weights = team_weights(session, review.team_id) if decision == "reweight" else {}
        return Decided(name, decision, retired, review.team_id, person.locale, weights)


def team_weights(session: Session, team_id: int) -> dict[str, float]:
    """Each active KPI name of the team with its weight (the first owner's)."""
    members = session.exec(select(Person.id).where(Person.team_id == team_id)).all()
    weights: dict[str, float] = {}
    for kpi in session.exec(select(Kpi).where(col(Kpi.owner_id).in_(members), Kpi.status == KpiStatus.ACTIVE)).all():
        weights.setdefault(kpi.name, kpi.weight)
    return weights


def listed(weights: dict[str, float]) -> list[tuple[str, float]]:
    """The names (with weights) a reweight form lists, in its order."""
    return sorted(weights.items())[:MAX_WEIGHTS]


def digest(names: list[str]) -> str:
    """A short fingerprint of the KPI names the form listed, in order: the signed metadata stays small
    (Slack keeps 3,000 characters of it) and a KPI set that changed meanwhile is noticed."""
    return hashlib.sha256("\x1f".join(names).encode()).hexdigest()[:16]


def reweight(
    services: Services, *, slack_id: str, team_id: int | None, listed_digest: str, typed: list[str], now: datetime
) -> Reweighted:
    """New weights (``typed[i]`` for the i-th listed name) proposed to every member; refused unless they add up to 100."""
    with services.unit_of_work() as session:
        manager = person_by_slack_id(session, slack_id=slack_id)
        if manager is None or team_id is None:
            raise Refusal("fb_tampered")
        names = [name for name, _ in listed(team_weights(session, team_id))]
        if digest(names) != listed_digest:
            raise Refusal("reweight_changed")
        weights: dict[str, float] = {}
        for index, name in enumerate(names):
            try:
                weights[name] = float(typed[index] if index < len(typed) else "")
            except ValueError:
                refusal = Refusal("err_weight")
                refusal.field = WEIGHT_FIELD.format(index)
                raise refusal from None
        total = sum(weights.values())
        if abs(total - 100) > 0.01:
            raise Refusal("reweight_sum", total=f"{total:g}")
        created = batch_reweight(session, team_id=team_id, weights=weights, by=manager, now=now)
        proposals = [(member, p) for member, ident in created if (p := session.get(KpiProposal, ident)) is not None]
        return Reweighted(manager, proposals)
