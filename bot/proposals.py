"""Agreeing a KPI set: the person proposes, the manager approves or counter-proposes, every round kept.

The set is checked the SMART way before it can be proposed (bot.smart);
once agreed it becomes the person's KPIs from the next period start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from bot.dates import read_date
from bot.feedback import can_manage
from bot.numbers import find_numbers
from bot.periods import next_quarter_start, period_bounds
from bot.refusal import Refusal
from bot.smart import KpiDraft, check_kpi, check_kpi_set, valid_unit
from storage.tables import Goal, Kpi, KpiProposal, Person

MAX_KPIS = 5


class ProposalStatus(StrEnum):
    """``KpiProposal.status``: one round of the setup conversation; only the newest round is open."""

    OPEN = "open"
    COUNTERED = "countered"  # the manager answered with another set
    ANSWERED = "answered"  # the owner answered the manager's set
    AGREED = "agreed"


FIELDS = ("name", "target", "weight", "direction", "type", "goal", "source", "anchors", "names")
KINDS = {
    "result-lagging": ("result", "lagging"),
    "result-leading": ("result", "leading"),
    "behaviour-leading": ("behaviour", "leading"),
    "behaviour-lagging": ("behaviour", "lagging"),
}

# Starting points by job family and level: people edit them, nobody has to start from a blank form.
TEMPLATES: dict[str, list[dict[str, Any]]] = {
    "business": [
        {
            "name": "Revenue",
            "target": "600000 CNY",
            "weight": 40,
            "direction": "higher",
            "type": "result-lagging",
            "source": "CRM closed-won deals, net of refunds",
        },
        {
            "name": "New customers",
            "target": "26 count",
            "weight": 20,
            "direction": "higher",
            "type": "result-leading",
            "source": "CRM accounts with a first paid order",
        },
        {
            "name": "Qualified meetings",
            "target": "60 count",
            "weight": 20,
            "direction": "higher",
            "type": "behaviour-leading",
            "source": "CRM meetings marked qualified",
        },
        {
            "name": "Complaint rate",
            "target": "1 percent",
            "weight": 20,
            "direction": "lower",
            "type": "behaviour-leading",
            "source": "Support tickets tagged complaint / orders",
        },
    ],
    "functional": [
        {
            "name": "Requests closed on time",
            "target": "95 percent",
            "weight": 40,
            "direction": "higher",
            "type": "result-lagging",
            "source": "Service desk SLA report",
        },
        {
            "name": "Internal satisfaction",
            "target": "4 rating",
            "weight": 30,
            "direction": "higher",
            "type": "behaviour-leading",
            "source": "Quarterly internal survey (1-5)",
        },
        {
            "name": "Process improvements shipped",
            "target": "3 count",
            "weight": 30,
            "direction": "higher",
            "type": "result-leading",
            "source": "Improvement log reviewed by manager",
        },
    ],
    "technical": [
        {
            "name": "Features shipped",
            "target": "6 count",
            "weight": 35,
            "direction": "higher",
            "type": "result-lagging",
            "source": "Release notes",
        },
        {
            "name": "Change failure rate",
            "target": "10 percent",
            "weight": 25,
            "direction": "lower",
            "type": "result-lagging",
            "source": "Incident tracker / deploys",
        },
        {
            "name": "Reviews given",
            "target": "40 count",
            "weight": 20,
            "direction": "higher",
            "type": "behaviour-leading",
            "source": "Code host review stats",
        },
        {
            "name": "Lead time for changes",
            "target": "48 hours",
            "weight": 20,
            "direction": "lower",
            "type": "result-leading",
            "source": "CI pipeline timestamps",
        },
    ],
}
MANAGER_EXTRA = {
    "name": "Team check-in rate",
    "target": "90 percent",
    "weight": 0,
    "direction": "higher",
    "type": "behaviour-leading",
    "source": "kpibot check-ins",
}


class ProposalError(Refusal):
    """A refusal about a KPI proposal (permissions, state): a plain ``Refusal``, named for readability."""


@dataclass
class Row:
    """One KPI row as typed in the modal."""

    name: str = ""
    target: str = ""
    weight: str = ""
    direction: str = "higher"
    type: str = "result-lagging"
    goal: str = ""
    source: str = ""
    anchors: str = ""  # a behaviour-anchored 1-5 rating: one line per level
    names: str = ""  # the name in other languages, "zh: 营收" (one per line)
    watch: tuple[str, ...] = ()  # the gaming watch: names of other KPIs of this set (watch_with, as in the org file)


_NAME_LINE = re.compile(r"^\s*(en|zh)\s*[:：]\s*(\S.*?)\s*$", re.IGNORECASE)


def parse_names(text: str) -> dict[str, str] | None:
    """ "zh: 营收" / "en: Revenue", one per line (or separated by ; ；) -> {"zh": "营收"}; None if a line is not like that."""
    names: dict[str, str] = {}
    for line in re.split(r"[\n;；]", text or ""):
        if not line.strip():
            continue
        match = _NAME_LINE.match(line)
        if match is None:
            return None
        names[match[1].lower()] = match[2][:200]
    return names


def names_text(names: dict[str, str] | None) -> str:
    """The form's way of showing ``names`` again."""
    return "\n".join(f"{lang}: {name}" for lang, name in sorted((names or {}).items()))


def template_for(person: Person) -> list[dict[str, Any]]:
    rows = [dict(r) for r in TEMPLATES.get(person.job_family, TEMPLATES["business"])]
    if person.level in {"manager", "executive"} and len(rows) < MAX_KPIS:
        rows[0]["weight"] -= 10
        rows.append({**MANAGER_EXTRA, "weight": 10})
    return rows


def parse_end(text: str, *, today: date) -> date | None:
    """ "end of Q3", "Q1", "by 30 September", "9月底", "2027-03-31" -> a date."""
    phrase = re.sub(r"^\s*(by|until|before|end of|截至|到|在)\s*", "", text.strip(), flags=re.IGNORECASE)
    quarter = re.fullmatch(r"(?:(\d{4})\s*)?Q([1-4])(?:\s*(\d{4}))?\s*(?:末|底|end)?", phrase, flags=re.IGNORECASE)
    if quarter:
        year = int(quarter[1] or quarter[3] or today.year)
        month = int(quarter[2]) * 3
        end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
        if not (quarter[1] or quarter[3]) and end < today:
            end = date(end.year + 1, end.month, end.day)
        return end
    return read_date(phrase, now=datetime.combine(today, datetime.min.time()), prefer="future")


def validate(rows: list[Row], *, end_text: str, goals: set[str], today: date) -> tuple[list[dict[str, Any]], str, dict[str, Any]]:
    """Check a proposed set. Returns (kpis, period, errors keyed by modal block id: an i18n key or a Rule)."""
    errors: dict[str, Any] = {}
    kpis: list[dict[str, Any]] = []
    drafts: list[KpiDraft] = []
    start = next_quarter_start(today)
    end = parse_end(end_text, today=today) if end_text.strip() else None
    if end is None:
        errors["period_end"] = "err_end_unreadable"
    elif end <= today:
        errors["period_end"] = "err_end_past"
    elif end < start:
        start = today + timedelta(days=1)
    period = f"{start.isoformat()}..{end.isoformat()}" if end and end > today else ""
    seen: set[str] = set()
    for i, row in enumerate(rows):
        if not row.name.strip():
            continue
        block = f"kpi{i}"
        numbers = find_numbers(row.target)
        unit = re.sub(r"[\d.,\s%$¥€£kKmM万-]+", " ", row.target).split()
        unit_name = "percent" if "%" in row.target else (unit[-1] if unit else "")
        if not numbers:
            errors[f"{block}_target"] = "err_target"
            continue
        if not valid_unit(unit_name):
            errors[f"{block}_target"] = "err_unit"
            continue
        try:
            weight = float(row.weight)
        except ValueError:
            errors[f"{block}_weight"] = "err_weight"
            continue
        if row.name.strip().casefold() in seen:
            errors[f"{block}_name"] = "err_duplicate"
            continue
        seen.add(row.name.strip().casefold())
        if row.goal and row.goal not in goals:
            errors[f"{block}_goal"] = "err_goal"
            continue
        kind, horizon = KINDS.get(row.type, ("result", "lagging"))
        anchors = [line.strip() for line in row.anchors.splitlines() if line.strip()]
        if anchors and unit_name != "rating":
            errors[f"{block}_anchors"] = "err_anchors_unit"
            continue
        names = parse_names(row.names)
        if names is None:
            errors[f"{block}_names"] = "err_names"
            continue
        draft = KpiDraft(
            row.name.strip(),
            unit_name,
            row.direction,
            numbers[0].value,
            period or "2000",
            weight,
            kind,
            horizon,
            row.source.strip(),
            anchors=anchors,
        )
        for rule in check_kpi(draft, today=None):
            errors.setdefault(f"{block}_{rule.field if rule.field in FIELDS else 'name'}", rule)
        drafts.append(draft)
        kpis.append(
            {
                "name": draft.name,
                "unit": unit_name,
                "direction": draft.direction,
                "target": draft.target,
                "weight": weight,
                "kind": kind,
                "horizon": horizon,
                "goal": row.goal or None,
                "source": draft.source,
                "anchors": anchors,
                "names": names,
            }
        )
    if not errors:
        for rule in check_kpi_set(drafts):  # set rules: shown on the first row they concern
            errors.setdefault(f"kpi0_{rule.field if rule.field in FIELDS else 'name'}", rule)
    return kpis, period, errors


def latest_round(session: Session, *, owner_id: int) -> KpiProposal | None:
    return session.exec(
        select(KpiProposal).where(KpiProposal.owner_id == owner_id).order_by(col(KpiProposal.round).desc())
    ).first()


def propose(
    session: Session, *, owner: Person, by: Person, kpis: list[dict[str, Any]], period: str, forbidden: list[str], now: datetime
) -> KpiProposal:
    """A new round. The owner proposes for themselves; a manager counter-proposes for their team only."""
    if by.id != owner.id and not can_manage(session, asker=by, ratee=owner):
        raise ProposalError("prop_not_allowed")
    previous = latest_round(session, owner_id=owner.id or 0)
    if previous is not None and previous.status == ProposalStatus.OPEN:
        previous.status = ProposalStatus.COUNTERED if by.id != owner.id else ProposalStatus.ANSWERED
        previous.decided_at = now
    proposal = KpiProposal(
        owner_id=owner.id or 0,
        proposed_by_id=by.id or 0,
        round=(previous.round + 1) if previous else 1,
        status=ProposalStatus.OPEN,
        period=period,
        kpis=kpis,
        forbidden=forbidden,
        created_at=now,
    )
    session.add(proposal)
    session.flush()
    return proposal


def agree(session: Session, *, proposal_id: int, by: Person, now: datetime) -> list[Kpi]:
    """Approve (the manager, on the person's round) or accept (the person, on the manager's round).

    The agreed KPIs are created for the proposal's period, which starts at
    the next period start; the rounds stay as the history of the agreement.
    """
    proposal = session.get(KpiProposal, proposal_id)
    owner = session.get(Person, proposal.owner_id) if proposal else None
    if proposal is None or owner is None or proposal.status != ProposalStatus.OPEN:
        raise ProposalError("prop_not_open")
    by_owner = proposal.proposed_by_id == owner.id
    allowed = can_manage(session, asker=by, ratee=owner) if by_owner else by.id == owner.id
    if not allowed:
        raise ProposalError("prop_not_allowed")
    proposal.status, proposal.decided_at = ProposalStatus.AGREED, now
    start, end = period_bounds(proposal.period)
    goals = {g.key: g.id for g in session.exec(select(Goal)).all()}
    created = []
    for item in proposal.kpis:
        kpi = Kpi(
            aggregate="average"
            if item["unit"] in {"percent", "score", "rating"}
            else "sum",  # rates and ratings average, counts add up
            owner_id=owner.id or 0,
            name=item["name"],
            unit=item["unit"],
            direction=item["direction"],
            target=item["target"],
            period=proposal.period,
            period_start=start,
            period_end=end,
            weight=item["weight"],
            kind=item["kind"],
            horizon=item["horizon"],
            goal_id=goals.get(item.get("goal") or ""),
            source=item["source"],
            forbidden=list(proposal.forbidden),
            anchors=list(item.get("anchors") or []),
            names=dict(item.get("names") or {}),
            watch_with=list(item.get("watch_with") or []),
            created_at=now,
            updated_at=now,
        )
        session.add(kpi)
        created.append(kpi)
    session.flush()
    return created


def comment(session: Session, *, proposal_id: int, by: Person, text: str) -> KpiProposal:
    proposal = session.get(KpiProposal, proposal_id)
    owner = session.get(Person, proposal.owner_id) if proposal else None
    if proposal is None or owner is None:
        raise ProposalError("prop_not_open")
    if by.id != owner.id and not can_manage(session, asker=by, ratee=owner):
        raise ProposalError("prop_not_allowed")
    proposal.comments = [*proposal.comments, f"{by.name}: {text[:1000]}"]
    return proposal
