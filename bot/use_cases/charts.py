"""`/kpi me chart` and `/kpi team chart`: the series to draw and the chart's title."""

from __future__ import annotations

from datetime import datetime

from bot.charts import Series, person_series, team_series
from bot.people import current_kpis, local_now
from bot.periods import week_key
from bot.services import Services
from bot.team_view import resolve_team
from storage.tables import Person


def my_chart(services: Services, *, asker: Person, now: datetime) -> tuple[list[Series], str]:
    """The asker's current KPIs, week by week, titled with their name and this week."""
    today = local_now(asker, now).date()
    with services.unit_of_work() as session:
        kpis = current_kpis(session, person_id=asker.id or 0, day=today)
        series = person_series(session, person_id=asker.id or 0, kpis=kpis, locale=asker.locale)
    return series, f"{asker.name} · {week_key(today)}"


def team_chart(services: Services, *, asker: Person, name: str | None, now: datetime) -> tuple[list[Series], str]:
    """The team's KPIs, week by week; a refusal when the asker may not see that team."""
    today = local_now(asker, now).date()
    with services.unit_of_work() as session:
        team = resolve_team(session, asker=asker, name=name)
        series = team_series(session, team_id=team.id or 0, day=today, locale=asker.locale)
    return series, f"{team.name} · {week_key(today)}"
