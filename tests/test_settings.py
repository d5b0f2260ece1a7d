"""/kpi settings and public holidays: own schedule, team defaults, precedence, pauses, holidays; the round stays idempotent.

Through the real app (signed requests, the Slack stand-in) and a real database; the scheduler is
called with fixed times.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.orgfile import OrgFileError, import_org
from bot.rounds import tick
from bot.services import Services
from storage.engine import session_scope
from storage.tables import Checkin, Person, Team
from tests.conftest import ORG, Harness


def _select(value: str) -> dict[str, Any]:
    return {"value": {"type": "static_select", "selected_option": {"value": value}}}


def _text(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def form(
    weekday: str = "default",
    time: str = "",
    reminder: str = "default",
    language: str = "default",
    pause_from: str = "",
    pause_until: str = "",
    **team: dict[str, Any],
) -> dict[str, Any]:
    return {
        "weekday": _select(weekday),
        "time": _text(time),
        "reminder": _select(reminder),
        "language": _select(language),
        "pause_from": _text(pause_from),
        "pause_until": _text(pause_until),
        **team,
    }


def person(bot: Harness, slack_id: str) -> Person:
    with session_scope(bot.engine) as session:
        row = session.exec(select(Person).where(Person.slack_id == slack_id)).one()
        session.expunge(row)
        return row


def team_id(bot: Harness) -> int:
    with session_scope(bot.engine) as session:
        return session.exec(select(Team.id)).one() or 0


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_settings_opens_a_modal_with_own_choices_and_team_defaults_for_managers(bot: Harness, services: Services) -> None:
    status, _ = bot.command("U002", "settings")
    assert status == 200
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    ids = [b.get("block_id") for b in view["blocks"] if b["type"] == "input"]
    assert ids == ["weekday", "time", "reminder", "language", "pause_from", "pause_until"]
    assert "Monday 09:00" in view["blocks"][0]["text"]["text"]  # the team's schedule, from the organisation file
    bot.command("U0MGR", "settings")
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    ids = [b.get("block_id") for b in view["blocks"] if b["type"] == "input"]
    tid = team_id(bot)
    assert ids[-3:] == [f"team{tid}_weekday", f"team{tid}_time", f"team{tid}_reminder"]
    tick(services)  # reads everyone's Slack profile
    bot.command("U001", "settings")  # zh-CN in Slack: the modal is in Chinese
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    assert view["title"]["text"] == "设置"


def test_own_day_time_and_reminder_move_the_prompt_and_the_reminder(bot: Harness, services: Services) -> None:
    status, body = bot.submit("U002", "settings_form", form(weekday="3", time="10:30", reminder="4"))
    assert status == 200 and not body.get("errors")
    assert "Thursday 10:30" in bot.last_to("U002")["text"]
    emma = person(bot, "U002")
    assert (emma.checkin_weekday, emma.checkin_time, emma.reminder_after_hours) == (3, "10:30", 4)
    bot.clock.now = at(1, 14)  # Monday 09:00 in New York: the others' day, not Emma's
    assert "U002" not in tick(services).prompted
    bot.clock.now = at(3, 15, 29)  # Thursday 10:29 in New York
    assert "U002" not in tick(services).prompted
    bot.clock.now = at(3, 15, 30)
    assert tick(services).prompted == ["U002"]
    assert tick(services).prompted == []  # nothing twice
    bot.clock.now = at(3, 19, 29)
    assert tick(services).reminded == []
    bot.clock.now = at(3, 19, 30)  # four hours later, not the team's 24
    assert tick(services).reminded == ["U002"]
    assert tick(services).reminded == []


def test_precedence_personal_then_team_default_then_organisation_file(bot: Harness, services: Services) -> None:
    tid = team_id(bot)
    bot.submit("U001", "settings_form", form(weekday="4"))  # Li Wei: Friday
    status, body = bot.submit(
        "U0MGR",
        "settings_form",
        form(**{f"team{tid}_weekday": _select("2"), f"team{tid}_time": _text("8:15"), f"team{tid}_reminder": _select("default")}),
    )
    assert status == 200 and not body.get("errors")
    with session_scope(bot.engine) as session:
        import_org(session, ORG)  # the admin's file again: it must not undo choices made in Slack
    with session_scope(bot.engine) as session:
        team = session.get(Team, tid)
        assert team is not None
        assert (team.default_weekday, team.default_time, team.checkin_weekday) == (2, "08:15", 0)
    bot.clock.now = at(2, 13, 15)  # Wednesday 08:15 New York
    assert sorted(tick(services).prompted) == ["U002", "U003"]  # the team default, on each one's own clock
    bot.clock.now = at(4, 0, 15)  # Friday 08:15 Shanghai
    assert tick(services).prompted == ["U001"]  # own choice, team default time
    # back to the team default: the personal choice is cleared
    bot.submit("U001", "settings_form", form())
    assert person(bot, "U001").checkin_weekday is None


def test_bad_input_is_refused_inline_and_nothing_changes(bot: Harness, services: Services) -> None:
    status, body = bot.submit("U002", "settings_form", form(time="25:00", pause_until="2026-11-01", weekday="9"))
    assert status == 200
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"time", "pause_until", "weekday"}
    assert "HH:MM" in body["errors"]["time"]
    tick(services)  # reads everyone's Slack profile
    status, body = bot.submit("U001", "settings_form", form(pause_from="someday", pause_until="2026-12-20"))
    assert set(body["errors"]) == {"pause_from"}
    assert "12月24日" in body["errors"]["pause_from"]  # Li Wei reads Chinese
    status, body = bot.submit("U002", "settings_form", form(pause_from="2026-12-20", pause_until="2026-12-10"))
    assert set(body["errors"]) == {"pause_until"}
    emma = person(bot, "U002")
    assert (emma.checkin_time, emma.checkin_weekday, emma.away_until) == (None, None, None)


def test_someone_else_cannot_set_a_teams_defaults(bot: Harness) -> None:
    tid = team_id(bot)
    bot.submit("U002", "settings_form", form(**{f"team{tid}_weekday": _select("4")}))  # Emma forges manager fields
    with session_scope(bot.engine) as session:
        team = session.get(Team, tid)
        assert team is not None and team.default_weekday is None


def test_a_pause_skips_the_weeks_it_covers_and_only_those(bot: Harness, services: Services) -> None:
    bot.submit("U002", "settings_form", form(pause_from="2026-12-07", pause_until="13 Dec"))
    emma = person(bot, "U002")
    assert (emma.away_from, emma.away_until) == (date(2026, 12, 7), date(2026, 12, 13))
    bot.clock.now = at(1, 14)
    assert "U002" in tick(services).prompted  # this week is before the pause
    bot.clock.now = at(8, 14)
    report = tick(services)
    assert "U002" not in report.prompted and "U002" in report.away
    bot.clock.now = at(15, 14)
    assert "U002" in tick(services).prompted
    with session_scope(bot.engine) as session:
        statuses = dict(session.exec(select(Checkin.period_key, Checkin.status).where(Checkin.person_id == emma.id)).all())
    assert statuses["2026-W50"] == "away"


def test_chosen_language_wins_over_slack_and_survives_a_profile_refresh(bot: Harness, services: Services) -> None:
    bot.submit("U002", "settings_form", form(language="zh"))
    assert person(bot, "U002").locale == "zh-CN"
    assert "已保存" in bot.last_to("U002")["text"]
    with session_scope(bot.engine) as session:
        row = session.exec(select(Person).where(Person.slack_id == "U002")).one()
        row.tz_checked_at = None  # force a users.info refresh (Slack still says en-US)
    tick(services)
    assert person(bot, "U002").locale == "zh-CN"
    bot.submit("U002", "settings_form", form(language="default"))  # back to Slack's language
    tick(services)
    assert person(bot, "U002").locale == "en-US"


HOLIDAY_ORG = ORG.replace("    checkin: {weekday: monday", "    holidays: CN\n    checkin: {weekday: monday").replace(
    "  - {slack_id: U002, name: Emma Brown}", "  - {slack_id: U002, name: Emma Brown, holidays: US-NY}"
)


def test_golden_week_moves_the_prompt_to_the_next_working_day(bot: Harness, services: Services) -> None:
    with session_scope(bot.engine) as session:
        import_org(session, HOLIDAY_ORG)
    # Monday 5 October 2026 is a holiday in China (National Day, observed); so are the 6th and 7th
    bot.clock.now = datetime(2026, 10, 5, 1, 0, tzinfo=UTC)  # 09:00 Shanghai
    report = tick(services)
    assert "U001" not in report.prompted and "U001" not in report.away
    bot.clock.now = datetime(2026, 10, 8, 0, 59, tzinfo=UTC)
    assert "U001" not in tick(services).prompted
    bot.clock.now = datetime(2026, 10, 8, 1, 0, tzinfo=UTC)  # Thursday 09:00 Shanghai, the first working day
    assert tick(services).prompted == ["U001"]
    assert tick(services).prompted == []
    # the prompt says why it came late, with the holiday named in the reader's language (Li Wei reads Chinese)
    prompt = bot.last_to("U001")
    assert "10月5日是国庆节（补假），本周周报顺延。" in json.dumps(prompt["blocks"], ensure_ascii=False)


def test_a_week_with_no_working_day_left_is_skipped_not_missed(bot: Harness, services: Services) -> None:
    with session_scope(bot.engine) as session:
        import_org(session, HOLIDAY_ORG.replace("weekday: monday", "weekday: thursday"))
    # Thursday 1 October 2026: National Day; Friday and Saturday too, Sunday is a weekend
    bot.clock.now = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)
    report = tick(services)
    assert "U001" in report.away and "U001" not in report.prompted
    assert tick(services).away == []  # recorded once
    bot.clock.now = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)
    assert "U001" not in tick(services).missed
    with session_scope(bot.engine) as session:
        checkin = session.exec(
            select(Checkin).join(Person).where(Person.slack_id == "U001", Checkin.period_key == "2026-W40")
        ).one()
        assert checkin.status == "away" and checkin.state == {"holiday": {"calendar": "CN", "day": "2026-10-01"}}
    # /kpi history names the holiday in each reader's language: Li Wei reads Chinese, his manager English
    _, body = bot.command("U001", "history 2")
    assert "*第40周* · 公共假期（国庆节），本周不填" in json.dumps(body["blocks"], ensure_ascii=False)
    _, body = bot.command("U0MGR", "history <@U001> 2")
    assert "*week 40* · public holiday (National Day), nothing asked" in json.dumps(body["blocks"], ensure_ascii=False)


def test_a_persons_region_overrides_the_team_calendar(bot: Harness, services: Services) -> None:
    with session_scope(bot.engine) as session:
        import_org(session, HOLIDAY_ORG.replace("weekday: monday", "weekday: thursday"))
    # Thanksgiving, Thursday 26 November 2026: a holiday in New York, not in China
    bot.clock.now = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # 09:00 New York
    assert "U002" not in tick(services).prompted
    bot.clock.now = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
    assert "U002" in tick(services).prompted


@pytest.mark.parametrize(
    ("replace", "reason"),
    [
        ("holidays: CN", "'XX' is not a country code"),
        ("holidays: US-NY}", "US has no region ZZ"),
    ],
)
def test_unknown_holiday_calendars_are_refused_with_the_line(bot: Harness, replace: str, reason: str) -> None:
    bad = HOLIDAY_ORG.replace(replace, replace.replace("CN", "XX").replace("US-NY", "US-ZZ"))
    with pytest.raises(OrgFileError) as error, session_scope(bot.engine) as session:
        import_org(session, bad)
    assert reason in str(error.value) and "line" in str(error.value)
