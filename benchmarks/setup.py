"""Building a large organisation quickly for the benchmarks (bulk SQL, not the org file)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, insert, update

from bot.periods import period_bounds, week_key, week_start
from kpibot_dev.standin import SlackStandIn
from storage.tables import Kpi, Measurement, Person, Team

KPI_SET = (
    ("Revenue", "USD", 50, "higher", "sum"),
    ("New customers", "count", 30, "higher", "sum"),
    ("Complaint rate", "percent", 20, "lower", "average"),
)
QUARTERS = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]


def build_org(
    engine: Engine,
    slack: SlackStandIn | None,
    *,
    people: int,
    team_size: int = 50,
    history: bool = False,
    today: date = date(2026, 11, 30),
) -> list[str]:
    """``people`` members in teams of ``team_size``, three KPIs each (per quarter for two years with
    ``history``, with weekly measurements up to ``today``); the first member manages each team."""
    now = datetime.now(UTC)
    rng = random.Random(7)
    ids = [f"U{i:06d}" for i in range(people)]
    teams = (people + team_size - 1) // team_size
    quarters = QUARTERS if history else ["2026-Q4"]
    with engine.begin() as conn:
        conn.execute(
            insert(Team),
            [
                {
                    "id": t + 1,
                    "name": f"Team {t}",
                    "checkin_weekday": 0,
                    "checkin_time": "09:00",
                    "reminder_after_hours": 24,
                    "retro_day": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for t in range(teams)
            ],
        )
        conn.execute(
            insert(Person),
            [
                {
                    "id": i + 1,
                    "slack_id": sid,
                    "name": f"Person {i}",
                    "tz": "UTC",
                    "tz_checked_at": now,
                    "locale": "en-US",
                    "job_family": "business",
                    "level": "staff",
                    "team_id": i // team_size + 1,
                    "is_admin": False,
                    "active": True,
                    "created_at": now,
                }
                for i, sid in enumerate(ids)
            ],
        )
        for t in range(teams):
            conn.execute(update(Team).where(Team.id == t + 1).values(manager_id=t * team_size + 1))
        kpi_id = 0
        for start in range(0, people, 1000):
            kpis, measurements = [], []
            for i in range(start, min(people, start + 1000)):
                for quarter in quarters:
                    first, last = period_bounds(quarter)
                    for name, unit, weight, direction, how in KPI_SET:
                        kpi_id += 1
                        kpis.append(
                            {
                                "id": kpi_id,
                                "owner_id": i + 1,
                                "name": name,
                                "aliases": [],
                                "unit": unit,
                                "direction": direction,
                                "target": 1000.0,
                                "period": quarter,
                                "period_start": first,
                                "period_end": last,
                                "aggregate": how,
                                "weight": weight,
                                "kind": "result",
                                "horizon": "lagging",
                                "source": "bench",
                                "definition": "",
                                "status": "active",
                                "anchors": [],
                                "created_at": now,
                                "updated_at": now,
                            }
                        )
                        if not history:
                            continue
                        monday = week_start(first) if week_start(first) >= first else week_start(first) + timedelta(days=7)
                        while monday <= min(last, today - timedelta(days=7)):
                            measurements.append(
                                {
                                    "kpi_id": kpi_id,
                                    "period_key": week_key(monday),
                                    "week_start": monday,
                                    "value": round(rng.uniform(50, 120), 1),
                                    "source_text": "",
                                    "recorded_at": now,
                                    "updated_at": now,
                                }
                            )
                            monday += timedelta(days=7)
            conn.execute(insert(Kpi), kpis)
            if measurements:
                conn.execute(insert(Measurement), measurements)
    if slack is not None:
        for sid in ids:
            slack.add_user(sid, sid)
    return ids
