"""App Home: the person's dashboard data: their KPIs (the same ``kpi_state`` figures as everywhere), open
action items, and the teams they manage (every team for an admin)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.checkin import open_action_items
from bot.kpi_state import states_for
from bot.people import current_kpis, local_now
from bot.services import Services
from bot.team_view import KpiProgress, TeamSummary, visible_teams
from storage.queries import person_by_slack_id

MAX_KPIS = 20
MAX_ACTIONS = 10
MAX_TEAMS = 8


@dataclass
class HomePage:
    locale: str
    today: date
    kpis: list[KpiProgress] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # open next steps, as typed
    teams: list[TeamSummary] = field(default_factory=list)  # managed teams, the first one shown in full


def home_page(services: Services, *, slack_id: str, now: datetime) -> HomePage | None:
    """None for someone not in the organisation."""
    with services.unit_of_work() as session:
        person = person_by_slack_id(session, slack_id=slack_id)
        if person is None:
            return None
        today = local_now(person, now).date()
        page = HomePage(person.locale, today)
        kpis = current_kpis(session, person_id=person.id or 0, day=today)
        states = states_for(session, kpis, now=now)
        page.kpis = [
            KpiProgress(k.id or 0, k.name, k.unit, k.direction, k.kind, k.weight, k.target, states[k.id or 0], dict(k.names))
            for k in kpis[:MAX_KPIS]
        ]
        page.actions = [item.next_step for item in open_action_items(session, person_id=person.id or 0)[:MAX_ACTIONS]]
        managed = [t for t in visible_teams(session, asker=person) if t.manager_id == person.id or person.is_admin]
        page.teams = [services.team_views.summary(session, team=team, now=now, today=today) for team in managed[:MAX_TEAMS]]
        return page
