"""Development steps that follow what was recorded, not one tip for everyone.

From the quarter's blockers and action items, by root cause:
- capability: a training or coaching step, for the KPIs it held back;
- resources: what was asked for, when, and whether it came;
- process: the process owner to talk to (the manager of a team the blocker
  names, e.g. "waiting on Legal"; otherwise the person's own manager);
and, on the good side, two quarters running on target in a leading (or
innovation) KPI puts the person on their manager's development list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from bot.kpi_state import KpiSpec, kpi_state, weekly_values
from bot.messages import Notice
from bot.people import manager_of
from bot.periods import period_bounds
from storage.tables import ActionItem, Blocker, Kpi, Person, Team

INNOVATION_WORDS = ("innovation", "创新")
MAX_RESOURCE_LINES = 3


def _start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def development(
    session: Session,
    person: Person,
    kpis: Sequence[Kpi],
    values: dict[int, list[tuple[date, float]]],
    start: date,
    end: date,
    lines: Sequence[tuple[str, float | None]],
) -> tuple[list[Notice], list[str]]:
    """(steps for the person, KPIs that put them on the manager's development list)."""
    since, until = _start(start), _start(end + timedelta(days=1))
    blockers = session.exec(
        select(Blocker).where(Blocker.person_id == person.id, Blocker.reported_at >= since, Blocker.reported_at < until)
    ).all()
    items = session.exec(
        select(ActionItem).where(ActionItem.person_id == person.id, ActionItem.created_at >= since, ActionItem.created_at < until)
    ).all()
    names = {k.id: k.name for k in kpis}
    steps: list[Notice] = []

    capability = [i for i in items if i.root_cause == "capability"] + [b for b in blockers if b.category == "capability"]
    if capability:
        held_back = sorted({names[i.kpi_id] for i in items if i.root_cause == "capability" and i.kpi_id in names})
        steps.append(Notice("eval_dev_capability", {"kpis": list(held_back) or ["-"]}))

    asked: list[tuple[str, date, date | None]] = [
        (b.text, b.reported_at.date(), b.resolved_at.date() if b.resolved_at else None)
        for b in blockers
        if b.category == "resources"
    ] + [
        (i.next_step, i.created_at.date(), i.done_at.date() if i.done_at else None) for i in items if i.root_cause == "resources"
    ]
    for what, when, came in sorted(asked, key=lambda a: a[1])[:MAX_RESOURCE_LINES]:
        if came is not None:
            steps.append(
                Notice("eval_dev_resources_came", {"what": what[:200], "asked": when.isoformat(), "came": came.isoformat()})
            )
        else:
            steps.append(Notice("eval_dev_resources_waiting", {"what": what[:200], "asked": when.isoformat()}))

    process = [b.text for b in blockers if b.category == "process"] + [i.next_step for i in items if i.root_cause == "process"]
    if process:
        owner = process_owner(session, person, process)
        if owner is not None:
            steps.append(Notice("eval_dev_process", {"owner": owner.slack_id, "what": process[0][:200]}))

    if not steps and any(a is not None and a < 0.9 for _, a in lines):
        steps.append(Notice("eval_tip_other", {}))
    on_list = two_quarters_on_target(session, person, kpis, values)
    if on_list:
        steps.append(Notice("eval_dev_list", {"kpis": list(on_list)}))
    return steps, on_list


def process_owner(session: Session, person: Person, texts: Sequence[str]) -> Person | None:
    """The manager of a team the blocker names ("waiting on Legal"); else the person's own manager."""
    lowered = " ".join(texts).casefold()
    for team in session.exec(select(Team)).all():
        if team.name.casefold() in lowered and team.manager_id and team.id != person.team_id:
            owner = session.get(Person, team.manager_id)
            if owner is not None and owner.id != person.id:
                return owner
    return manager_of(session, person)


def _is_development_kpi(kpi: Kpi) -> bool:
    return kpi.horizon == "leading" or any(word in kpi.name.casefold() for word in INNOVATION_WORDS)


def two_quarters_on_target(
    session: Session, person: Person, kpis: Sequence[Kpi], values: dict[int, list[tuple[date, float]]]
) -> list[str]:
    """Leading or innovation KPIs on target at the end of this period and of the one before (same name)."""
    on_target = [k for k in kpis if _is_development_kpi(k) and _final(k, values) >= 1.0]
    if not on_target:
        return []
    first = min(k.period_start for k in on_target)
    before = first - timedelta(days=1)
    quarter = f"{before.year}-Q{(before.month - 1) // 3 + 1}"
    prev_start, prev_end = period_bounds(quarter)
    earlier = session.exec(
        select(Kpi).where(Kpi.owner_id == person.id, Kpi.period_start >= prev_start, Kpi.period_end <= prev_end)
    ).all()
    by_name = {k.name.casefold(): k for k in earlier}
    history = weekly_values(session, [k.id for k in earlier if k.id is not None])
    names = []
    for kpi in on_target:
        previous = by_name.get(kpi.name.casefold())
        if previous is None:
            continue
        if _final(previous, history) >= 1.0:
            names.append(kpi.name)
    return names


def _final(kpi: Kpi, values: dict[int, list[tuple[date, float]]]) -> float:
    """The KPI's final share of target at its period end (0 without data), from the one domain function."""
    if kpi.id is None:
        raise ValueError("a stored KPI has an id")
    score = kpi_state(KpiSpec.of(kpi), values.get(kpi.id, []), kpi.period_end).score
    return 0.0 if score is None else score


__all__ = ["development", "process_owner", "two_quarters_on_target"]
