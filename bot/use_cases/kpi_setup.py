"""The use cases of `/kpi setup` and its proposal rounds: one function per request, each one transaction.

Listeners in handlers/setup.py read the payload, call one of these and render
what comes back (a form to show, field errors, messages to send once the
transaction has committed). Every query and state change of the flow lives
here or in bot.proposals, so it is plain Python, tested directly against the
real database (tests/test_kpi_setup.py) as well as through the app. Each
opens its transaction with ``Services.unit_of_work()``.

Refusals (not in the organisation, not allowed, a round that is no longer
open) are raised as ``Refusal``; the app's error handler answers them in the
asker's language and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from bot import i18n
from bot.feedback import can_manage
from bot.messages import AgreedMessage, Notice, ProposalMessage
from bot.people import current_kpis, local_now, manager_of
from bot.ports import Recipient
from bot.proposals import (
    MAX_KPIS,
    ProposalError,
    ProposalStatus,
    Row,
    agree,
    comment,
    latest_round,
    names_text,
    propose,
    template_for,
    validate,
)
from bot.refusal import Refusal
from bot.services import Services
from bot.smart import Rule
from storage.queries import by_id, person_by_slack_id
from storage.tables import Goal, KpiProposal, Person

# What each field of the form may hold; the modal sets the same max_length, and a
# submission that carries more (a hand-made request) gets a field error instead.
LIMITS = {
    "name": 200,
    "target": 60,
    "weight": 10,
    "source": 500,
    "anchors": 1500,
    "names": 500,
    "period_end": 60,
    "forbidden": 2000,
    "comment": 1000,
}
MAX_WATCH = MAX_KPIS - 1  # a KPI can watch every other KPI of its set, no more
GOALS_SHOWN = 99  # a static select holds 100 options


@dataclass(frozen=True)
class SetupForm:
    """What the setup modal shows: the owner's set pre-filled, the goals, the owner's KPI names for the watch."""

    owner_id: int
    owner_name: str
    locale: str  # the asker's: they read the form
    rows: list[dict[str, Any]]  # name, target, weight, direction, type, goal, source, anchors, names, watch
    end: str
    forbidden: list[str]
    goals: list[tuple[str, str]]  # (key, title)

    def watch_choices(self, row: int) -> list[str]:
        """The gaming-watch partners a row may pick: the names of the set's other KPIs (not its own)."""
        own = str(self.rows[row].get("name") or "").casefold() if row < len(self.rows) else ""
        return [str(r["name"]) for r in self.rows if r.get("name") and str(r["name"]).casefold() != own]


@dataclass
class FormInput:
    """The setup form as submitted: the KPI rows, the period end, the negative list (one per line)."""

    rows: list[Row]
    end: str = ""
    forbidden: str = ""


@dataclass(frozen=True)
class Delivery:
    """A message for one person, sent once the transaction has committed (to their stored DM channel when known)."""

    to: Recipient
    message: Any
    locale: str


def _to(person: Person, message: Any) -> Delivery:
    return Delivery(Recipient(person.slack_id, person.dm_channel_id), message, person.locale)


@dataclass
class Submitted:
    """The outcome of a submitted form: field errors (nothing stored), or what to send now that it is stored."""

    locale: str
    errors: dict[str, Rule | str] = field(default_factory=dict)  # block id -> a SMART rule or an i18n key
    params: dict[str, dict[str, Any]] = field(default_factory=dict)  # block id -> the i18n key's placeholders
    outgoing: list[Delivery] = field(default_factory=list)


@dataclass(frozen=True)
class CommentForm:
    """What the comment modal needs: the asker's language and the round it is about."""

    locale: str
    proposal_id: int


def _asker(session: Session, slack_id: str) -> Person:
    person = person_by_slack_id(session, slack_id=slack_id)
    if person is None:
        raise Refusal("not_in_org")
    return person


def _form(session: Session, *, owner: Person, asker: Person, today: date) -> SetupForm:
    """Pre-fill: the newest open round, else the current KPIs, else the template for the job family and level."""
    goals = session.exec(select(Goal).order_by(col(Goal.id))).all()
    keys = {g.id: g.key for g in goals}
    choices = [(g.key, g.title) for g in goals[:GOALS_SHOWN]]
    latest = latest_round(session, owner_id=owner.id or 0)
    rows: list[dict[str, Any]]
    end, forbidden = "", []
    if latest is not None and latest.status == ProposalStatus.OPEN:
        rows = [
            {
                "name": k["name"],
                "target": f"{k['target']:g} {k['unit']}",
                "weight": k["weight"],
                "direction": k["direction"],
                "type": f"{k['kind']}-{k['horizon']}",
                "goal": k.get("goal") or "",
                "source": k["source"],
                "anchors": k.get("anchors") or [],
                "names": names_text(k.get("names")),
                "watch": list(k.get("watch_with") or []),
            }
            for k in latest.kpis
        ]
        end, forbidden = latest.period.partition("..")[2], list(latest.forbidden)
    elif current := current_kpis(session, person_id=owner.id or 0, day=today):
        rows = [
            {
                "name": k.name,
                "target": f"{k.target:g} {k.unit}",
                "weight": k.weight,
                "direction": k.direction,
                "type": f"{k.kind}-{k.horizon}",
                "goal": keys.get(k.goal_id or 0, ""),
                "source": k.source,
                "anchors": k.anchors,
                "names": names_text(k.names),
                "watch": list(k.watch_with),
            }
            for k in current
        ]
        forbidden = list(dict.fromkeys(r for k in current for r in k.forbidden))
    else:
        rows = template_for(owner)
    return SetupForm(owner.id or 0, owner.name, asker.locale, rows[:MAX_KPIS], end, forbidden, choices)


def open_form(services: Services, *, asker_slack_id: str, owner_slack_id: str | None, now: datetime) -> SetupForm:
    """`/kpi setup [@person]`: one's own set, or (their manager, an admin) a counter-proposal for someone."""
    with services.unit_of_work() as session:
        asker = _asker(session, asker_slack_id)
        owner = person_by_slack_id(session, slack_id=owner_slack_id) if owner_slack_id else asker
        if owner is None:
            raise Refusal("fb_unknown_person")
        if owner.id != asker.id and not can_manage(session, asker=asker, ratee=owner):
            raise Refusal("prop_not_allowed")
        return _form(session, owner=owner, asker=asker, today=local_now(asker, now).date())


def reopen_form(services: Services, *, clicker_slack_id: str, proposal_id: int | None, now: datetime) -> SetupForm:
    """ "Counter-propose" / "Answer with changes" on a round: the form with that person's newest round in it."""
    with services.unit_of_work() as session:
        clicker = _asker(session, clicker_slack_id)
        proposal = by_id(session, KpiProposal, proposal_id)
        owner = session.get(Person, proposal.owner_id) if proposal else None
        if owner is None or (clicker.id != owner.id and not can_manage(session, asker=clicker, ratee=owner)):
            raise Refusal("prop_not_allowed")
        return _form(session, owner=owner, asker=clicker, today=local_now(clicker, now).date())


def _too_long(form: FormInput) -> dict[str, int]:
    """Block id -> the limit, for every field holding more than the form allows."""
    found: dict[str, int] = {}
    for i, row in enumerate(form.rows):
        for name, limit in LIMITS.items():
            if len(str(getattr(row, name, ""))) > limit:
                found[f"kpi{i}_{name}"] = limit
    for block, text in (("period_end", form.end), ("forbidden", form.forbidden)):
        if len(text) > LIMITS[block]:
            found[block] = LIMITS[block]
    return found


def _choice_errors(rows: list[Row]) -> dict[str, str]:
    """Menu values a modal of ours never offers (a hand-made request): said on the field, nothing stored."""
    errors: dict[str, str] = {}
    for i, row in enumerate(rows):
        if row.direction not in {"higher", "lower"}:
            errors[f"kpi{i}_direction"] = "bad_request"
        if row.type not in {"result-lagging", "result-leading", "behaviour-leading", "behaviour-lagging"}:
            errors[f"kpi{i}_type"] = "bad_request"
    return errors


def watch_errors(rows: list[Row]) -> dict[str, str]:
    """The gaming-watch pairs must name other KPIs of the same set: not the KPI itself, not anyone else's.

    A pair is stored by name, the way the organisation file stores
    ``watch_with``: the partner is the owner's KPI of that name in the same period.
    """
    names = {row.name.strip().casefold() for row in rows if row.name.strip()}
    errors: dict[str, str] = {}
    for i, row in enumerate(rows):
        if not row.name.strip() or not row.watch:
            continue
        partners = [w.strip().casefold() for w in row.watch]
        if row.name.strip().casefold() in partners:
            errors[f"kpi{i}_watch"] = i18n.N_("err_watch_self")
        elif any(p not in names for p in partners) or len(row.watch) > MAX_WATCH:
            errors[f"kpi{i}_watch"] = i18n.N_("err_watch_other")
    return errors


def _with_watch(rows: list[Row], kpis: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each validated KPI with its pairs, spelled as the partner's row spells its name."""
    spelled = {row.name.strip().casefold(): row.name.strip() for row in rows if row.name.strip()}
    named = [row for row in rows if row.name.strip()]
    return [
        {**kpi, "watch_with": list(dict.fromkeys(spelled[w.strip().casefold()] for w in row.watch))}
        for row, kpi in zip(named, kpis, strict=True)
    ]


def proposal_message(proposal: KpiProposal, owner: Person, by: Person, *, to_manager: bool) -> ProposalMessage:
    """A round as the other side reads it (the person's KPIs with their names per language and their pairs)."""
    return ProposalMessage(
        proposal.id or 0,
        owner.slack_id,
        by.slack_id,
        proposal.round,
        proposal.period,
        list(proposal.kpis),
        list(proposal.forbidden),
        to_manager,
        list(proposal.comments),
    )


def submit_form(services: Services, *, by_slack_id: str, owner_id: int | None, form: FormInput, now: datetime) -> Submitted:
    """A submitted setup form: checked field by field; if it passes, a new round goes to the other side.

    ``owner_id`` comes from the modal's signed metadata (None when it did not verify).
    """
    with services.unit_of_work() as session:
        by = person_by_slack_id(session, slack_id=by_slack_id)
        owner = by_id(session, Person, owner_id)
        if by is None or owner is None:
            return Submitted(by.locale if by else "en-US", {"kpi0_name": "fb_tampered"})
        if by.id != owner.id and not can_manage(session, asker=by, ratee=owner):
            return Submitted(by.locale, {"kpi0_name": "prop_not_allowed"})
        outcome = Submitted(by.locale)
        if too_long := _too_long(form):
            outcome.errors = {block: i18n.N_("err_too_long") for block in too_long}
            outcome.params = {block: {"max": limit} for block, limit in too_long.items()}
            return outcome
        if choice := _choice_errors(form.rows):
            outcome.errors = dict(choice)
            return outcome
        goals = {g.key for g in session.exec(select(Goal)).all()}
        kpis, period, errors = validate(form.rows, end_text=form.end, goals=goals, today=local_now(by, now).date())
        errors.update(watch_errors(form.rows))
        if errors:
            outcome.errors = errors
            return outcome
        recipient = owner if by.id != owner.id else manager_of(session, owner)
        if recipient is None:
            return Submitted(by.locale, {"kpi0_name": "prop_no_manager"})
        forbidden = [line.strip() for line in form.forbidden.splitlines() if line.strip()]
        try:
            proposal = propose(
                session, owner=owner, by=by, kpis=_with_watch(form.rows, kpis), period=period, forbidden=forbidden, now=now
            )
        except ProposalError as refusal:
            session.rollback()
            return Submitted(by.locale, {"kpi0_name": refusal.key})
        message = proposal_message(proposal, owner, by, to_manager=by.id == owner.id)
        outcome.outgoing = [_to(recipient, message), _to(by, Notice("prop_sent", {"round": proposal.round}))]
        return outcome


def agree_round(services: Services, *, clicker_slack_id: str, proposal_id: int | None, now: datetime) -> list[Delivery]:
    """Approve (the manager, on the person's round) or accept (the person, on the manager's): the set becomes KPIs."""
    with services.unit_of_work() as session:
        clicker = _asker(session, clicker_slack_id)
        proposal = by_id(session, KpiProposal, proposal_id)
        owner = session.get(Person, proposal.owner_id) if proposal else None
        if proposal is None or owner is None:
            raise Refusal("prop_not_open")
        created = agree(session, proposal_id=proposal.id or 0, by=clicker, now=now)  # may refuse (ProposalError)
        note = AgreedMessage(owner.slack_id, len(created), created[0].period_start.isoformat() if created else "")
        other = owner if clicker.id != owner.id else session.get(Person, proposal.proposed_by_id)
        people = {p.slack_id: p for p in (clicker, other) if p is not None}
        return [_to(person, note) for person in people.values()]


def comment_form(services: Services, *, clicker_slack_id: str, proposal_id: int | None) -> CommentForm:
    """ "Comment" on a round: only the person and those who manage them may."""
    with services.unit_of_work() as session:
        clicker = _asker(session, clicker_slack_id)
        proposal = by_id(session, KpiProposal, proposal_id)
        owner = session.get(Person, proposal.owner_id) if proposal else None
        if proposal is None or owner is None:
            raise Refusal("prop_not_open")
        if clicker.id != owner.id and not can_manage(session, asker=clicker, ratee=owner):
            raise Refusal("prop_not_allowed")
        return CommentForm(clicker.locale, proposal.id or 0)


def comment_round(services: Services, *, by_slack_id: str, proposal_id: int | None, text: str) -> list[Delivery]:
    """A comment on a round, kept with it and shown to the other side with the round."""
    if not text.strip():
        raise Refusal(i18n.N_("prop_comment_empty"))
    if len(text) > LIMITS["comment"]:
        raise Refusal("err_too_long", max=LIMITS["comment"])
    with services.unit_of_work() as session:
        by = person_by_slack_id(session, slack_id=by_slack_id)
        if by is None or proposal_id is None:
            raise Refusal("prop_not_allowed")
        proposal = comment(session, proposal_id=proposal_id, by=by, text=text.strip())  # may refuse (ProposalError)
        owner = session.get(Person, proposal.owner_id)
        proposer = session.get(Person, proposal.proposed_by_id)
        other = proposer if proposer and proposer.id != by.id else (manager_of(session, owner) if owner else None)
        if other is None or owner is None or proposer is None:
            return []
        message = proposal_message(proposal, owner, proposer, to_manager=proposer.id == owner.id and other.id != owner.id)
        return [_to(other, message)]
