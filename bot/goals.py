"""The goal pyramid: company -> department -> team -> person goals, each with the KPIs that support it.

Anyone may see the tree and each goal's overall attainment; individual KPI
lines (owner and numbers) only for KPIs the asker may see: their own, their
teams', or all for an admin. Orphan KPIs and goals nothing supports are flagged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from bot.kpi_state import KpiStatus
from bot.team_view import KpiProgress, kpi_progress, visible_teams
from storage.tables import Goal, Kpi, Person

LEVELS = ("company", "department", "team", "person")


@dataclass
class GoalNode:
    key: str
    title: str
    level: str
    depth: int
    kpi_count: int = 0
    attainment: float | None = None
    lines: list[tuple[str, KpiProgress]] = field(default_factory=list)  # (owner name, progress), visible ones only
    unsupported: bool = False
    names: dict[str, str] = field(default_factory=dict)  # the title per language


@dataclass
class GoalTree:
    nodes: list[GoalNode]
    orphans: list[tuple[str, KpiProgress]]
    orphan_count: int


def goal_tree(session: Session, *, asker: Person, now: datetime) -> GoalTree:
    """The pyramid with each KPI as its owner's ``kpi_state`` at ``now`` (the same figures as every other view)."""
    goals = list(session.exec(select(Goal).order_by(col(Goal.id))).all())
    kpi_goal = dict(session.exec(select(Kpi.id, Kpi.goal_id).where(Kpi.status == KpiStatus.ACTIVE)).all())
    names = dict(session.exec(select(Person.id, Person.name)).all())
    visible = _visible_owners(session, asker)
    by_goal: dict[int | None, list[tuple[int, KpiProgress]]] = defaultdict(list)
    for owner_id, progress in kpi_progress(session, team_id=None, now=now):
        by_goal[kpi_goal.get(progress.kpi_id)].append((owner_id, progress))
    children: dict[int | None, list[Goal]] = defaultdict(list)
    for goal in goals:
        children[goal.parent_id].append(goal)
    nodes: list[GoalNode] = []

    def walk(goal: Goal, depth: int) -> list[float | None]:
        own = by_goal.get(goal.id, [])
        node = GoalNode(goal.key, goal.title, goal.level, depth, kpi_count=len(own), names=dict(goal.names or {}))
        node.lines = [(names.get(owner, "?"), p) for owner, p in own if visible is None or owner in visible]
        nodes.append(node)
        scores = [p.attainment for _, p in own]
        for child in children.get(goal.id, []):
            scores.extend(walk(child, depth + 1))
        known = [min(1.2, max(0.0, s)) for s in scores if s is not None]
        node.attainment = sum(known) / len(known) if known else None
        node.unsupported = not scores  # nothing below this goal measures it
        return scores

    for root in children.get(None, []):
        walk(root, 0)
    orphans = by_goal.get(None, [])
    shown = [(names.get(owner, "?"), p) for owner, p in orphans if visible is None or owner in visible]
    return GoalTree(nodes=nodes, orphans=shown, orphan_count=len(orphans))


def _visible_owners(session: Session, asker: Person) -> set[int] | None:
    """None = everyone (admins); else the asker and the members of the teams they manage."""
    if asker.is_admin:
        return None
    team_ids = [t.id for t in visible_teams(session, asker=asker)]
    members = set(session.exec(select(Person.id).where(col(Person.team_id).in_(team_ids))).all()) if team_ids else set()
    return {m for m in members if m is not None} | {asker.id or 0}
