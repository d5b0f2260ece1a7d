"""`kpibot report team|org`: the period's KPIs with statuses, check-in rates, blockers, evaluations; csv, json, html."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.cli import main
from bot.periods import week_key
from bot.reports import ReportRequest
from bot.reports.teams import team_report
from bot.team_view import team_summary
from storage.engine import session_scope
from storage.tables import Blocker, Checkin, Evaluation, Kpi, Measurement, Person, Team
from storage.types import utc_now

PERIOD = "2026-Q4"


@pytest.fixture
def history(services: object, org: None, engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """Six weeks of check-ins for the org in conftest: U001 answers every week, U002 half of them."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    with session_scope(engine) as session:
        people = {p.slack_id: p for p in session.exec(select(Person)).all()}
        kpis = session.exec(select(Kpi)).all()
        for n, monday in enumerate([date(2026, 10, 5 + 7 * i) if i < 4 else date(2026, 11, 2 + 7 * (i - 4)) for i in range(6)]):
            key = week_key(monday)
            for sid in ("U001", "U002"):
                answered = sid == "U001" or n % 2 == 0
                session.add(Checkin(person_id=people[sid].id, period_key=key, status="confirmed" if answered else "missed"))
            for kpi in kpis:
                if kpi.owner_id == people["U001"].id:
                    value = {"CNY": 40000.0, "count": 2.0, "percent": 1.2}[kpi.unit]
                    session.add(Measurement(kpi_id=kpi.id, period_key=key, week_start=monday, value=value))
        session.add(
            Blocker(
                person_id=people["U001"].id,
                text="waiting on <legal> & procurement",
                category="process",
                reported_at=datetime(2026, 11, 3, tzinfo=UTC),
            )
        )
        session.add(
            Evaluation(person_id=people["U001"].id, period="2026-Q3", total_score=0.9, status="released")
        )  # another quarter
        session.add(Evaluation(person_id=people["U002"].id, period="2026-Q4", total_score=0.75, status="released"))
        session.add(Evaluation(person_id=people["U001"].id, period="2026-Q4", total_score=0.5))  # a draft: not reported
    return engine


def test_csv_is_the_kpi_table_with_the_same_status_as_kpi_team(history: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "team", "Sales East", "--period", PERIOD, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 6
    with session_scope(history) as session:
        team = session.exec(select(Team)).one()
        moment = min(utc_now(), datetime(2026, 12, 31, 23, 59, tzinfo=UTC))  # what the command uses
        shown = team_summary(session, team=team, now=moment, today=moment.date())
        expected = {(m.slack_id, k.name): str(k.status) for m in shown.members for k in m.kpis}
    assert {(r["slack_id"], r["kpi"]): r["status"] for r in rows} == expected
    revenue = next(r for r in rows if r["slack_id"] == "U001" and r["kpi"] == "Revenue")
    assert float(revenue["value"]) == 240000 and revenue["team"] == "Sales East"


def test_json_has_checkin_rates_blockers_and_evaluations_of_the_period(
    history: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "org", "--period", PERIOD, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    people = {p["slack_id"]: p for p in data["people"]}
    assert (people["U001"]["checkins_answered"], people["U001"]["checkins_asked"]) == (6, 6)
    assert (people["U002"]["checkins_answered"], people["U002"]["checkins_asked"]) == (3, 6)
    assert data["summary"]["checkin_rate"] == 0.75
    assert [b["text"] for b in data["blockers"]] == ["waiting on <legal> & procurement"]
    assert [(e["person"], e["total"]) for e in data["evaluations"]] == [("Emma Brown", 0.75)]


def test_bad_requests_say_what_is_wrong(history: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "team", "Nope", "--period", PERIOD]) == 1
    assert "there is no team 'Nope' (teams: Sales East)" in capsys.readouterr().err
    assert main(["report", "team", "--period", PERIOD]) == 2
    assert "needs a name" in capsys.readouterr().err
    assert main(["report", "org", "--period", "Q4"]) == 2
    assert "'Q4' is not a period" in capsys.readouterr().err


def test_html_is_one_file_with_embedded_charts_and_escaped_text(history: Engine, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main(["report", "team", "Sales East", "--period", PERIOD, "--format", "html", "--output", str(out)]) == 0
    page = out.read_text()
    assert page.count('src="data:image/png;base64,') == 1
    assert "waiting on &lt;legal&gt; &amp; procurement" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page


def test_the_builder_is_plain_python(history: Engine) -> None:
    with session_scope(history) as session:
        now = datetime(2026, 12, 31, tzinfo=UTC)
        request = ReportRequest("team", "Sales East", PERIOD, date(2026, 10, 1), date(2026, 12, 31), now.date(), now)
        report = team_report(session, request)
    assert report.summary["kpis"] == 6 and report.summary["people"] == 3
