"""`/kpi me chart` and `/kpi team chart`: the series to draw and the chart's title."""

from __future__ import annotations

from datetime import datetime

from bot import i18n
from bot.charts import Series, chart_day, person_series, team_series
from bot.people import current_kpis, local_now
from bot.periods import week_key
from bot.services import Services
from bot.team_view import resolve_team
from storage.tables import Person


def my_chart(services: Services, *, asker: Person, now: datetime) -> tuple[list[Series], str]:
    """The asker's current KPIs, week by week, titled with their name and the week drawn up to (the period just
    ended while the new one has no figures yet)."""
    today = local_now(asker, now).date()
    with services.unit_of_work() as session:
        day = chart_day(session, today=today, person_id=asker.id or 0)
        kpis = current_kpis(session, person_id=asker.id or 0, day=day)
        series = person_series(session, person_id=asker.id or 0, kpis=kpis, locale=asker.locale)
    return series, f"{asker.name} · {i18n.week_label(week_key(day), asker.locale)}"


def team_chart(services: Services, *, asker: Person, name: str | None, now: datetime) -> tuple[list[Series], str]:
    """The team's KPIs, week by week; a refusal when the asker may not see that team."""
    today = local_now(asker, now).date()
    with services.unit_of_work() as session:
        team = resolve_team(session, asker=asker, name=name)
        day = chart_day(session, today=today, team_id=team.id or 0)
        series = team_series(session, team_id=team.id or 0, day=day, locale=asker.locale)
    return series, f"{team.name} · {i18n.week_label(week_key(day), asker.locale)}"
