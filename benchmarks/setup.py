"""Building a large organisation quickly for the benchmarks (bulk SQL, not the org file)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, insert

from bot.slack_standin import SlackStandIn
from storage.tables import Kpi, Person, Team

ZONES = ["Asia/Shanghai", "Europe/London", "America/New_York", "UTC"]


def build_org(engine: Engine, slack: SlackStandIn | None, *, people: int, team_size: int = 50) -> list[str]:
    """``people`` members in teams of ``team_size``, three KPIs each; returns their Slack ids."""
    now = datetime.now(UTC)
    ids = [f"U{i:06d}" for i in range(people)]
    teams = (people + team_size - 1) // team_size
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
        kpis = []
        for i in range(people):
            for name, unit, weight, direction in (
                ("Revenue", "USD", 50, "higher"),
                ("New customers", "count", 30, "higher"),
                ("Complaint rate", "percent", 20, "lower"),
            ):
                kpis.append(
                    {
                        "owner_id": i + 1,
                        "name": name,
                        "aliases": ["clients"] if name == "New customers" else [],
                        "unit": unit,
                        "direction": direction,
                        "target": 1000.0,
                        "period": "2026-Q4",
                        "period_start": date(2026, 10, 1),
                        "period_end": date(2026, 12, 31),
                        "aggregate": "sum",
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
        conn.execute(insert(Kpi), kpis)
    if slack is not None:
        for sid in ids:
            slack.add_user(sid, sid)
    return ids
