"""`/kpi team [NAME]`: which team the asker means and its summary, or a refusal (not theirs, no such team)."""

from __future__ import annotations

from datetime import datetime

from bot.people import local_now
from bot.services import Services
from bot.team_view import TeamSummary, resolve_team
from storage.tables import Person, Team


def team_overview(services: Services, *, asker: Person, name: str | None, now: datetime) -> tuple[Team, TeamSummary]:
    """The team and its summary on the asker's local day; NotAllowed / UnknownTeam (refusals) otherwise.

    Who may see the team is checked on every request; the summary itself is
    reused while nothing it shows has changed (``bot.team_views``).
    """
    with services.unit_of_work() as session:
        team = resolve_team(session, asker=asker, name=name)
        return team, services.team_views.summary(session, team=team, now=now, today=local_now(asker, now).date())


def check_team(services: Services, *, asker: Person, name: str | None) -> Team:
    """The team the asker may see by that name, or the refusal that says why not (before a chart is drawn)."""
    with services.unit_of_work() as session:
        return resolve_team(session, asker=asker, name=name)
