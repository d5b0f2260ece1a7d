"""`kpibot org import`: idempotent, updates, and bad files rejected whole with line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import select

from bot.cli import main
from bot.orgfile import OrgFileError, import_org
from storage.engine import session_scope
from storage.tables import Goal, Kpi, Person, Team
from tests.conftest import ORG

TABLES = ["team", "person", "goal", "kpi"]


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {t: sorted(map(tuple, conn.execute(text(f"SELECT * FROM {t}")).all()), key=repr) for t in TABLES}


def load(engine: Engine, content: str):
    with session_scope(engine) as session:
        return import_org(session, content)


def test_import_creates_everything_and_twice_changes_nothing(engine: Engine) -> None:
    report = load(engine, ORG)
    assert report.created == {"people": 5, "teams": 1, "goals": 1, "kpis": 6}
    before = snapshot(engine)
    again = load(engine, ORG)
    assert not again.changed
    assert snapshot(engine) == before
    with session_scope(engine) as session:
        team = session.exec(select(Team)).one()
        manager = session.get(Person, team.manager_id)
        assert manager.slack_id == "U0MGR"
        assert {p.slack_id for p in session.exec(select(Person).where(Person.team_id == team.id)).all()} == {
            "U001",
            "U002",
            "U003",
        }
        assert session.exec(select(Person).where(Person.slack_id == "U0ADMIN")).one().is_admin


def test_changing_a_target_updates_it(engine: Engine) -> None:
    load(engine, ORG)
    report = load(engine, ORG.replace("target: 600000", "target: 650000"))
    assert report.updated == {"kpis": 1}
    with session_scope(engine) as session:
        kpi = session.exec(select(Kpi).where(Kpi.target == 650000)).one()
        assert kpi.name == "Revenue" and kpi.period_start.isoformat() == "2026-10-01"
        assert len(session.exec(select(Kpi)).all()) == 6


@pytest.mark.parametrize(
    ("change", "line", "reason"),
    [
        (("    channel: C0SALES\n", "    channel: C0SALES\n    colour: blue\n"), 7, "unknown key 'colour'"),
        (("    manager: U0MGR\n", ""), 4, "'manager' is required"),
        (("    manager: U0MGR\n", "    manager: U0NOBODY\n"), 5, "manager 'U0NOBODY' of team 'Sales East' is not in people"),
        (
            ("goal: share, source: CRM}\n  - {owner: U001, name: New", "goal: nope, source: CRM}\n  - {owner: U001, name: New"),
            18,
            "unknown goal 'nope'",
        ),
        (("weight: 50,", "weight: sixty,"), 18, "weight must be a number, not 'sixty'"),
        # a 1-5 rating has its own unit; level descriptions on any other unit say which one
        (
            ("unit: count, target: 26, period: 2026-Q4, weight: 30", "unit: rating, target: 7, period: 2026-Q4, weight: 30"),
            19,
            "target between 1 and 5",
        ),
        (
            (
                "unit: count, target: 26, period: 2026-Q4, weight: 30",
                "unit: score, anchors: [a, b, c, d, e], target: 4, period: 2026-Q4, weight: 30",
            ),
            19,
            "set the unit to rating",
        ),
        (("teams:\n", "teams: [\n"), 4, ""),
    ],
)
def test_a_bad_file_is_rejected_whole_with_line_and_reason(
    engine: Engine, change: tuple[str, str], line: int, reason: str
) -> None:
    load(engine, ORG)
    before = snapshot(engine)
    bad = ORG.replace(*change, 1).replace("target: 600000", "target: 1")  # a valid change in the same file
    assert bad != ORG
    with pytest.raises(OrgFileError) as caught:
        load(engine, bad)
    assert any(p.line == line and reason in p.reason for p in caught.value.problems), caught.value.problems
    assert snapshot(engine) == before


def test_cli_import_prints_problems_and_exits_nonzero(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    good = tmp_path / "org.yaml"
    good.write_text(ORG)
    assert main(["org", "import", str(good)]) == 0
    assert "created" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text(ORG.replace("weight: 50,", "weight: sixty,"))
    assert main(["org", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:18: weight must be a number" in err and "nothing changed" in err


def test_goal_tree_and_set_warnings(engine: Engine) -> None:
    report = load(engine, ORG)
    assert any("U003 2026-Q4: has 1 KPI(s)" in w for w in report.warnings)
    with session_scope(engine) as session:
        assert session.exec(select(Goal)).one().key == "share"


def test_a_score_is_any_index_and_a_rating_is_one_to_five(engine: Engine) -> None:
    """NPS (-100..100) is a `score`; a behaviour scale with five described levels is a `rating`."""
    nps = "unit: score, target: 40, baseline: -10, aggregate: latest, period: 2026-Q4, weight: 30"
    rated = "unit: rating, anchors: [never, rarely, often, usually, always], target: 4, aggregate: average, period: 2026-Q4, weight: 30"
    load(
        engine,
        ORG.replace("unit: count, target: 26, period: 2026-Q4, weight: 30", nps, 1).replace(
            "unit: count, target: 26, period: 2026-Q4, weight: 40", rated, 1
        ),
    )
    with session_scope(engine) as session:
        units = {(k.owner_id, k.name): (k.unit, k.is_rating) for k in session.exec(select(Kpi)).all()}
    assert sorted(u for u in units.values() if u[0] in {"score", "rating"}) == [("rating", True), ("score", False)]


# Mia manages Sales East under Sales; Wang Fang manages Sales (the top); Ada is only under `people`. All have KPIs, no team.
TEAMLESS = (
    ORG.replace("    members: [U001, U002, U003]\n", "    parent: Sales\n    members: [U001, U002, U003]\n")
    .replace(
        "people:\n", "  - {name: Sales, manager: U0HEAD}\npeople:\n  - {slack_id: U0HEAD, name: Wang Fang, level: executive}\n"
    )
    .rstrip("\n")
    + """
  - {owner: U0MGR, name: Team revenue, unit: CNY, target: 900000, period: 2026-Q4, weight: 70, goal: share, source: CRM}
  - {owner: U0MGR, name: Coaching hours, unit: hours, target: 20, period: 2026-Q4, weight: 30, horizon: leading, source: Calendar}
  - {owner: U0HEAD, name: Sales revenue, unit: CNY, target: 3000000, period: 2026-Q4, weight: 100, source: CRM}
  - {owner: U0ADMIN, name: Audits, unit: count, target: 4, period: 2026-Q4, weight: 100, source: Jira, status: retired}
"""
)


def line_with(content: str, needle: str) -> int:
    return next(i for i, line in enumerate(content.splitlines(), 1) if needle in line)


def report_org(capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["report", "org", "--period", "2026-Q4"]) == 0
    return capsys.readouterr().out


def test_people_with_kpis_in_no_team_are_named_at_import_with_the_fix(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A manager given KPIs but in no team's members was never asked and left out of `report org`, silently."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    org = tmp_path / "org.yaml"
    org.write_text(TEAMLESS)
    assert main(["org", "import", str(org)]) == 0  # a note, not an error: such files imported before and still do
    out, err = capsys.readouterr()
    assert "; 2 people with KPIs in no team (see below)" in out.splitlines()[0]
    mia, wang = line_with(TEAMLESS, "slack_id: U0MGR"), line_with(TEAMLESS, "slack_id: U0HEAD")
    assert err.splitlines() == [
        f"{org}: people with KPIs who are in no team get no check-ins and no place in reports:",
        f"  {org}:{wang}: note: U0HEAD (Wang Fang) has 1 KPI but is in no team's members, so kpibot never asks them "
        "for check-ins and `kpibot report org` leaves them and their KPIs out; add them to a team's members, "
        "usually the team above the one they manage (Sales has none above it: add them to its own members)",
        f"  {org}:{mia}: note: U0MGR (Mia Manager) has 2 KPIs but is in no team's members, so kpibot never asks them "
        "for check-ins and `kpibot report org` leaves them and their KPIs out; add them to a team's members, "
        "usually the team above the one they manage (Sales)",
    ]  # in file order; Ada's only KPI is retired: nothing to ask, no note
    assert "Team revenue" not in report_org(capsys)  # what the note warns of

    fixed = TEAMLESS.replace("  - {name: Sales, manager: U0HEAD}", "  - {name: Sales, manager: U0HEAD, members: [U0MGR, U0HEAD]}")
    org.write_text(fixed)
    assert main(["org", "import", str(org)]) == 0
    out, err = capsys.readouterr()
    assert "in no team" not in out + err and err == ""
    report = report_org(capsys)
    assert "Team revenue" in report and "Sales revenue" in report

    # Leaving them out of members again does not take them out of their team (membership is only ever set), so no note
    org.write_text(TEAMLESS)
    assert main(["org", "import", str(org)]) == 0
    assert "in no team" not in "".join(capsys.readouterr())


def test_teamless_is_about_active_people_and_active_kpis(engine: Engine) -> None:
    inactive = TEAMLESS.replace(
        "{slack_id: U0HEAD, name: Wang Fang, level: executive}", "{slack_id: U0HEAD, name: Wang Fang, active: false}"
    )
    report = load(engine, inactive)
    assert [(t.slack_id, t.kpis, t.manages, t.above) for t in report.teamless] == [("U0MGR", 2, ("Sales East",), ("Sales",))]
    assert load(engine, ORG).teamless == []  # conftest's U0MGR manages a team but has no KPIs: nothing to say
