"""/kpi team, /kpi me, /kpi help, App Home and early warnings through the real app."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, event
from sqlmodel import select

from benchmarks.setup import build_org
from bot.periods import week_key
from bot.services import Services
from bot.team_view import team_summary
from handlers.render.team import team_blocks
from storage.engine import session_scope
from storage.tables import ActionItem, Kpi, KpiWarning, Measurement, Person, Team
from tests.conftest import MONDAY, Harness

NOON_30_NOV = datetime(2026, 11, 30, 12, tzinfo=UTC)


def _text(blocks: list[dict]) -> str:
    """Every piece of text in the blocks, as one string to search."""
    parts = []
    for block in blocks:
        parts.append(str((block.get("text") or {}).get("text", "")))
        for element in block.get("elements", []):
            text = element.get("text", "")
            parts.append(text.get("text", "") if isinstance(text, dict) else str(text))
    return "\n".join(parts)


def test_manager_sees_the_team_privately(bot: Harness) -> None:
    bot.dm("U001", "销售额4.5万，新客户2个，投诉率1.5%，卡在审批")
    status, body = bot.command("U0MGR", "team")
    assert status == 200 and body["response_type"] == "ephemeral"
    text = _text(body["blocks"])
    assert "Sales East" in text and "Li Wei" in text and "Emma Brown" in text
    assert "CNY 45k / CNY 600k" in text and ("▓" in text or "░" in text)
    assert "Not checked in yet" in text and "Emma Brown" in text.split("Not checked in yet")[1]
    assert "process 1" in text


def test_someone_else_gets_a_polite_refusal_naming_who_may(bot: Harness) -> None:
    _, body = bot.command("U001", "team")
    assert "<@U0MGR>" in _text(body["blocks"]) or "admin" in _text(body["blocks"])
    _, body = bot.command("U002", "team Sales East")
    assert "Team views are for managers" in _text(body["blocks"]) and "<@U0MGR>" in _text(body["blocks"])


def test_admin_sees_every_team_and_unknown_names_are_explained(bot: Harness) -> None:
    _, body = bot.command("U0ADMIN", "team sales east")
    assert "Li Wei" in _text(body["blocks"])
    _, body = bot.command("U0ADMIN", "team Nowhere")
    assert 'no team called "Nowhere"' in _text(body["blocks"]) and "Sales East" in _text(body["blocks"])


def test_share_posts_only_team_level_aggregates(bot: Harness) -> None:
    bot.dm("U001", "销售额4.5万，新客户2个，投诉率1.5%")
    _, body = bot.command("U0MGR", "team share", channel="C0SALES")
    assert body["response_type"] == "in_channel"
    text = _text(body["blocks"])
    assert "Sales East" in text and "1/3 checked in" in text
    assert "Li Wei" not in text and "45k" not in text  # nobody's own numbers
    _, body = bot.command("U0MGR", "team share", channel="D0MGR")
    assert body["response_type"] == "ephemeral" and "in a channel" in _text(body["blocks"])


def test_me_help_and_unknown_subcommands(bot: Harness) -> None:
    bot.dm("U002", "revenue 9k, 2 new clients")
    _, body = bot.command("U002", "me")
    text = _text(body["blocks"])
    assert "Revenue" in text and "USD 9,000 / USD 90k" in text and "forecast" in text
    assert "Li Wei" not in text
    _, body = bot.command("U002", "help")
    for example in ("/kpi me", "/kpi team", "/kpi team share", "/kpi help"):
        assert example in _text(body["blocks"])
    _, body = bot.command("U002", "dance please")
    assert "I don't know `/kpi dance`" in _text(body["blocks"]) and "/kpi me" in _text(body["blocks"])
    bot.slack.add_user("U0NEW", "New")
    _, body = bot.command("U0NEW", "me")
    assert "not in the organisation file" in _text(body["blocks"])


def test_person_without_kpis_and_kpi_with_target_zero(bot: Harness) -> None:
    _, body = bot.command("U0MGR", "me")
    assert "No active KPIs" in _text(body["blocks"])
    with session_scope(bot.engine) as session:
        kpi = session.exec(select(Kpi).where(Kpi.name == "New customers", Kpi.unit == "count")).first()
        kpi.target = 0
    _, body = bot.command("U0MGR", "team")
    assert body["response_type"] == "ephemeral"


def test_queries_per_team_view_do_not_grow_with_team_size(engine: Engine) -> None:
    build_org(engine, None, people=60, team_size=50)
    counts = []
    statements: list[str] = []

    def listener(*args: object) -> None:
        statements.append(str(args[2]))

    for team_id in (1, 2):  # 50 people, then 10
        statements.clear()
        event.listen(engine, "before_cursor_execute", listener)
        with session_scope(engine) as session:
            summary = team_summary(session, team=session.get(Team, team_id), now=NOON_30_NOV, today=date(2026, 11, 30))
        event.remove(engine, "before_cursor_execute", listener)
        counts.append(len(statements))
        assert len(summary.members) == (50 if team_id == 1 else 10)
    assert counts[0] == counts[1] <= 8


def test_a_60_person_team_fits_slacks_limits(engine: Engine) -> None:
    build_org(engine, None, people=60, team_size=60)
    with session_scope(engine) as session:
        summary = team_summary(session, team=session.get(Team, 1), now=NOON_30_NOV, today=date(2026, 11, 30))
    message = team_blocks(summary, "en-US")
    assert len(message) <= 50
    assert all(len(b.to_dict().get("text", {}).get("text", "")) <= 3000 for b in message)
    home = team_blocks(summary, "en-US", limit=90)
    assert len(home) <= 90


def test_app_home_for_a_manager_includes_the_team(bot: Harness) -> None:
    status = bot.open_home("U0MGR")
    assert status == 200
    assert bot.slack.wait_for(lambda _: bool(bot.slack.calls_to("views.publish")))
    view = bot.slack.calls_to("views.publish")[-1].args["view"]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert "Sales East" in _text(view["blocks"])


def _behind_two_weeks(bot: Harness, services: Services) -> None:
    """Emma reports far below pace in W48 and W49."""
    with session_scope(bot.engine) as session:
        person = session.exec(select(Person).where(Person.slack_id == "U002")).one()
        kpi = session.exec(select(Kpi).where(Kpi.owner_id == person.id, Kpi.name == "Revenue")).one()
        session.add(Measurement(kpi_id=kpi.id, period_key="2026-W48", week_start=date(2026, 11, 23), value=1000))
    bot.dm("U002", "revenue 1k, 1 new client")


def test_early_warning_after_two_weeks_behind_once_per_streak(bot: Harness, services: Services) -> None:
    _behind_two_weeks(bot, services)
    assert bot.slack.wait_for(lambda _: bool(bot.slack.posted(bot.slack.dm_channel("U0MGR"))))
    warning = [p for p in bot.slack.posted(bot.slack.dm_channel("U002")) if "behind pace" in p["text"]]
    assert len(warning) == 1 and "Revenue" in warning[0]["text"] and "2 weeks" in warning[0]["text"]
    causes = [e["action_id"] for b in warning[0]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert causes == ["warning_cause_resources", "warning_cause_process", "warning_cause_capability", "warning_cause_other"]
    note = bot.last_to("U0MGR")["text"]
    assert "<@U002>" in note and "Revenue" in note and "1k" not in note
    bot.dm("U002", "actually revenue was 1.5k")  # same streak: no second warning
    with session_scope(bot.engine) as session:
        assert len(session.exec(select(KpiWarning)).all()) == 1
    _, body = bot.command("U0MGR", "team")
    assert "Behind two weeks running" in _text(body["blocks"])


def test_root_cause_becomes_an_action_item_shown_in_the_next_prompt(bot: Harness, services: Services) -> None:
    _behind_two_weeks(bot, services)
    with session_scope(bot.engine) as session:
        kpi_id = session.exec(select(KpiWarning)).one().kpi_id
    assert bot.click("U002", "warning_cause_resources", f"{kpi_id}:resources") == 200
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    assert view["callback_id"] == "warning_plan" and view["private_metadata"] == f"{kpi_id}:resources:warning"
    body = bot.submit_plan("U002", "Ask marketing for 20 leads", "whenever", private_metadata=view["private_metadata"])
    assert body["response_action"] == "errors" and "due" in body["errors"]
    body = bot.submit_plan("U001", "x", "Friday", private_metadata=view["private_metadata"])
    assert body["response_action"] == "errors"  # not their KPI
    body = bot.submit_plan("U002", "Ask marketing for 20 leads", "next Friday", private_metadata=view["private_metadata"])
    assert not body
    with session_scope(bot.engine) as session:
        item = session.exec(select(ActionItem)).one()
    assert (item.root_cause, item.next_step, item.due) == ("resources", "Ask marketing for 20 leads", date(2026, 12, 11))
    from bot.rounds import tick

    bot.clock.now = MONDAY + timedelta(days=7, hours=14)
    tick(services)
    prompt = next(p for p in reversed(bot.slack.posted(bot.slack.dm_channel("U002"))) if "weekly check-in" in p["text"])
    assert "Ask marketing for 20 leads" in _text(prompt["blocks"])


@pytest.mark.parametrize("now", [datetime(2026, 12, 31, 23, tzinfo=UTC)])
def test_last_day_of_the_period(bot: Harness, now: datetime) -> None:
    bot.clock.now = now
    _, body = bot.command("U0MGR", "team")
    assert body["response_type"] == "ephemeral"


def test_me_chart_is_drawn_off_the_request_path_and_uploaded_to_the_dm(bot: Harness) -> None:
    bot.dm("U002", "revenue 9k, 2 new clients")
    _, body = bot.command("U002", "me chart")
    assert "Drawing the chart" in _text(body["blocks"])
    assert bot.slack.wait_for(lambda _: bool(bot.slack.calls_to("files.completeUploadExternal")), timeout=20)
    complete = bot.slack.calls_to("files.completeUploadExternal")[-1].args
    assert complete["channel_id"] == bot.slack.dm_channel("U002")
    assert next(iter(bot.slack.uploads.values())).startswith(b"\x89PNG")


def test_team_chart_respects_permissions(bot: Harness) -> None:
    _, body = bot.command("U001", "team chart")
    assert "Team views are for managers" in _text(body["blocks"])
    _, body = bot.command("U0MGR", "team chart")
    assert "Drawing the chart" in _text(body["blocks"])
    assert bot.slack.wait_for(lambda _: bool(bot.slack.calls_to("files.completeUploadExternal")), timeout=20)


def test_app_home_for_a_manager_of_several_teams_shows_them_all_within_limits(engine) -> None:
    from bot.services import Services
    from handlers.home import home_view

    build_org(engine, None, people=300, team_size=60)  # five teams of 60
    with session_scope(engine) as session:
        boss = session.get(Person, 1)
        boss.is_admin = True
    services = Services(settings=None, engine=engine, gateway=None, clock=lambda: datetime(2026, 11, 30, 12, tzinfo=UTC))  # type: ignore[arg-type]
    view = home_view(services, "U000000").to_dict()
    text = json.dumps(view)
    assert len(view["blocks"]) <= 100
    assert all(f"Team {t}" in text for t in range(5))


# Owners on three clocks at 05:00 UTC on Monday 30 Nov: Los Angeles is still on Sunday (W48), Kiritimati
# (UTC+14) is on Monday evening (W49). Q4 starts on a Thursday (its first week is that of Mon 28 Sep).
ZONES = ("UTC", "America/Los_Angeles", "Pacific/Kiritimati")
EARLY_MONDAY = datetime(2026, 11, 30, 5, tzinfo=UTC)
KPI_SHAPES = (  # (name, unit, aggregate, direction, target, baseline)
    ("Revenue", "USD", "sum", "higher", 1000.0, None),
    ("Downtime", "hours", "sum", "lower", 13.0, None),
    ("Complaint rate", "percent", "average", "lower", 1.0, 2.0),
    ("Backlog", "count", "latest", "lower", 0.0, None),
    ("Pipeline", "count", "latest", "higher", 40.0, 10.0),
    ("Coaching", "rating", "latest", "higher", 4.0, None),
)


def _weeks_of(shape: int, owner: int) -> list[tuple[date, float]]:
    """Weekly values with gaps, negatives, a week before the period and one in the week of 30 Nov (halves: sums exact)."""
    weeks: list[tuple[date, float]] = []
    monday = date(2026, 9, 21)  # the week before Q4's first: never counts
    for i in range(11):
        if (i + shape + owner) % 4 != 3:  # a gap every fourth week, somewhere else for each KPI
            value = 3.5 if KPI_SHAPES[shape][1] == "rating" else (i * 1.5 - 4) * (shape + 1) * (-1) ** shape
            weeks.append((monday + timedelta(weeks=i), value))
    return weeks


def test_sql_figures_give_exactly_what_kpi_state_gives_from_the_weekly_rows(engine: Engine) -> None:
    """/kpi team has the database add up each KPI's counted weeks (bot.team_view); every state must equal
    kpi_state over the same KPI's weekly rows (what /kpi me and the prompt use), whatever the owner's clock."""
    from bot.kpi_state import KpiSpec, kpi_state, reporting_moment, states_for
    from bot.team_view import kpi_progress

    with session_scope(engine) as session:
        team = Team(name="Clocks")
        session.add(team)
        session.flush()
        for owner, zone in enumerate(ZONES):
            person = Person(slack_id=f"U0CLOCK{owner}", name=f"Clock {owner}", tz=zone, team_id=team.id)
            session.add(person)
            session.flush()
            periods = [("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)), ("2026-11", date(2026, 11, 1), date(2026, 11, 30))]
            for shape, (name, unit, how, direction, target, baseline) in enumerate(KPI_SHAPES):
                for label, first, last in periods[: 2 if shape < 2 else 1]:
                    kpi = Kpi(
                        owner_id=person.id, name=f"{name} {label}", unit=unit, direction=direction, target=target,
                        baseline=baseline, period=label, period_start=first, period_end=last, aggregate=how, weight=10,
                    )  # fmt: skip
                    session.add(kpi)
                    session.flush()
                    for monday, value in _weeks_of(shape, owner):
                        session.add(Measurement(kpi_id=kpi.id, period_key=week_key(monday), week_start=monday, value=value))
            session.add(Kpi(owner_id=person.id, name="Nothing yet", unit="count", target=5, period="2026-Q4",
                            period_start=date(2026, 10, 1), period_end=date(2026, 12, 31), weight=5))  # fmt: skip
        session.flush()
        kpis = {k.id: k for k in session.exec(select(Kpi)).all()}
        for now in (EARLY_MONDAY, NOON_30_NOV, datetime(2026, 11, 29, 12, tzinfo=UTC)):
            shown = kpi_progress(session, team_id=team.id, now=now)
            expected = states_for(session, [kpis[p.kpi_id] for _, p in shown], now=now)
            assert len(shown) >= len(ZONES) * len(KPI_SHAPES)
            assert {p.kpi_id: p.state for _, p in shown} == expected
        by_rows: dict[int, list[tuple[date, float]]] = {}
        for m in session.exec(select(Measurement)).all():
            by_rows.setdefault(m.kpi_id, []).append((m.week_start, m.value))
        for _, progress in kpi_progress(session, team_id=team.id, day=date(2026, 11, 30)):
            spec = KpiSpec.of(kpis[progress.kpi_id])
            assert progress.state == kpi_state(spec, by_rows.get(progress.kpi_id, []), reporting_moment(spec, date(2026, 11, 30)))
    assert any(s.weeks_reported for s in expected.values()) and any(s.forecast and s.forecast < 0 for s in expected.values())


def test_behind_two_weeks_running_is_kpi_state_at_the_end_of_each_week_not_a_warning_row(bot: Harness) -> None:
    """Q4 = 1 Oct - 31 Dec (92 days). Wed 2 Dec: everyone's reporting week ends Sun 6 Dec (67 days gone), the
    one before Sun 29 Nov (60 days). Emma's Revenue (USD 90k): 20k by 29 Nov vs 58,696 on pace (0.34), 40k by
    6 Dec vs 65,543 (0.61): behind both times, though no warning was ever raised. Li Wei's Revenue (CNY 600k):
    300k vs 391,304 (0.77) behind, then 450k vs 436,957 (1.03) on track: a warning raised last week does not
    keep him on the list. His New customers (26): no value by 29 Nov, 5 vs 18.9 now: behind one week only."""
    bot.clock.now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    figures = [("U002", "Revenue", [20_000, 20_000]), ("U001", "Revenue", [300_000, 150_000]), ("U001", "New customers", [0, 5])]
    with session_scope(bot.engine) as session:
        for slack_id, name, values in figures:
            owner = session.exec(select(Person).where(Person.slack_id == slack_id)).one()
            kpi = session.exec(select(Kpi).where(Kpi.owner_id == owner.id, Kpi.name == name)).one()
            for week, value in zip((date(2026, 11, 23), date(2026, 11, 30)), values, strict=True):
                if value or name == "Revenue":
                    session.add(Measurement(kpi_id=kpi.id, period_key=week_key(week), week_start=week, value=value))
            if slack_id == "U001" and name == "Revenue":
                session.add(
                    KpiWarning(kpi_id=kpi.id, streak_start="2026-W47", notified_at=bot.clock.now, created_at=bot.clock.now)
                )
    _, body = bot.command("U0MGR", "team")
    text = _text(body["blocks"])
    behind = next(line for line in text.splitlines() if "Behind two weeks running" in line)
    assert behind == "*Behind two weeks running:* Emma Brown (Revenue)"
    # the same KPIs are red in the member lines: the list says nothing the lines do not
    emma, li_wei = text.split("*Emma Brown*")[1].split("*Li Wei*")[0], text.split("*Li Wei*")[1]
    assert ":red_circle: Revenue" in emma
    assert ":large_green_circle: Revenue" in li_wei and ":red_circle: New customers" in li_wei
