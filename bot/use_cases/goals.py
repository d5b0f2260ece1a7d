"""`/kpi goals`: the goal pyramid with each KPI's state, as the asker may see it."""

from __future__ import annotations

from datetime import datetime

from bot.goals import GoalTree, goal_tree
from bot.services import Services
from storage.tables import Person


def goals_for(services: Services, *, asker: Person, now: datetime) -> GoalTree:
    with services.unit_of_work() as session:
        return goal_tree(session, asker=asker, now=now)
