"""Time off in English replies, read through ``parse_reply`` (what ``kpibot parse`` and the check-in call).

Each row is a realistic reply, often mixed with KPI numbers, and the span the
bot may store: (first day, last day), ASK when it must ask because the days
cannot be read for sure (never a guess), or None when the reply is not about the
person's time off. "Today" is Monday 30 Nov 2026. The Chinese forms that worked
before are kept in the same table so they stay working.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import i18n
from bot.reply_parser import KpiRef, parse_reply
from bot.rounds import tick
from bot.services import Services
from bot.time_off import date_order_for, week_is_away
from storage.engine import session_scope
from storage.tables import Person
from tests.conftest import MONDAY, Harness

KPIS = [
    KpiRef("rev", "Revenue", "CNY", aliases=("sales", "销售额")),
    KpiRef("new", "New customers", "count", aliases=("clients", "new clients", "新客户")),
    KpiRef("cr", "Complaint rate", "percent", "lower", aliases=("complaints", "投诉率")),
]
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday
ASK = "ask"
XMAS = (date(2026, 12, 21), date(2027, 1, 4))
NEXT_WEEK = (date(2026, 12, 7), date(2026, 12, 13))

Expected = tuple[date, date] | str | None
CASES: list[tuple[str, Expected, dict[str, float], str | None]] = [
    # (reply, span, values that must be stored alongside, person's locale)
    ("I'm off from 21 Dec until 4 Jan", XMAS, {}, None),
    ("off 21 Dec - 4 Jan", XMAS, {}, None),
    ("away from Dec 21 to Jan 4", XMAS, {}, None),
    ("away next week", NEXT_WEEK, {}, None),
    ("I'm on vacation Dec 21 - Jan 4", XMAS, {}, None),
    ("revenue 45k, 2 new clients, off from 21 Dec until 4 Jan", XMAS, {"rev": 45000, "new": 2}, None),
    ("off Dec 21–Jan 4", XMAS, {}, None),
    ("off Dec 21 – Jan 4 🎄", XMAS, {}, None),
    ("on holiday from the 21st of December till the 4th of January", XMAS, {}, None),
    ("OOO 21 Dec through 4 Jan", XMAS, {}, None),
    ("out of office Dec 21 thru Jan 4", XMAS, {}, None),
    ("PTO 21/12 - 4/1", XMAS, {}, None),  # 21 cannot be a month: day first, for both ends
    ("PTO 12/21 - 1/4", XMAS, {}, None),  # 21 cannot be a month: month first
    ("away 21 Dec 2026 - 4 Jan 2027", XMAS, {}, None),
    ("annual leave 21 Dec - 4 Jan, revenue 45k", XMAS, {"rev": 45000}, None),
    ("I'll be away Dec 21 to Jan 4, 2 new clients, complaints 0.8%", XMAS, {"new": 2, "cr": 0.8}, None),
    ("2 new clients. PTO Dec 21 - Jan 4", XMAS, {"new": 2}, None),
    ("sales 38k\noff 21 Dec - 4 Jan, happy holidays!", XMAS, {"rev": 38000}, None),
    ("off 3/12 - 5/12", ASK, {}, None),  # 3 Dec or 12 Mar: nothing says which, so ask
    ("off 3/12 - 5/12", (date(2026, 12, 3), date(2026, 12, 5)), {}, "en-GB"),
    ("off 12/3 - 12/5", (date(2026, 12, 3), date(2026, 12, 5)), {}, "en-US"),
    ("vacation until 21/12", (date(2026, 11, 30), date(2026, 12, 21)), {}, None),
    ("vacation until 3/12", ASK, {}, None),
    ("vacation until 3/12", (date(2026, 11, 30), date(2026, 12, 3)), {}, "en-AU"),
    ("off until Friday", (date(2026, 11, 30), date(2026, 12, 4)), {}, None),
    ("away till 4 Jan", (date(2026, 11, 30), date(2027, 1, 4)), {}, None),
    ("I'm off next week", NEXT_WEEK, {}, None),
    ("revenue 45k, 2 new clients. off next week!", NEXT_WEEK, {"rev": 45000, "new": 2}, None),
    ("on leave this week", (date(2026, 11, 30), date(2026, 12, 6)), {}, None),
    ("off the week of Dec 14", (date(2026, 12, 14), date(2026, 12, 20)), {}, None),
    ("off tomorrow", (date(2026, 12, 1), date(2026, 12, 1)), {}, None),
    ("off on Friday, revenue 20k", (date(2026, 12, 4), date(2026, 12, 4)), {"rev": 20000}, None),
    ("away for two weeks", (date(2026, 11, 30), date(2026, 12, 13)), {}, None),
    ("on vacation from 21 Dec for two weeks", (date(2026, 12, 21), date(2027, 1, 3)), {}, None),
    ("off 14-18 Dec", (date(2026, 12, 14), date(2026, 12, 18)), {}, None),
    ("off Dec 14-18", (date(2026, 12, 14), date(2026, 12, 18)), {}, None),
    ("revenue 50k, off wed-fri", (date(2026, 12, 2), date(2026, 12, 4)), {"rev": 50000}, None),
    ("off mon-wed next week", (date(2026, 12, 7), date(2026, 12, 9)), {}, None),
    ("I'm off Friday through next Tuesday", (date(2026, 12, 4), date(2026, 12, 8)), {}, None),
    ("back on Monday, nothing to report", (date(2026, 11, 30), date(2026, 12, 6)), {}, None),
    ("I'm sick today", (date(2026, 11, 30), date(2026, 11, 30)), {}, None),
    ("I'm out sick tomorrow", (date(2026, 12, 1), date(2026, 12, 1)), {}, None),
    ("off from 4 Jan to 21 Dec", ASK, {}, None),  # reversed, or a whole year: ask
    ("off 2 Nov - 6 Nov", ASK, {}, None),  # already over
    ("I was off 23-27 Nov, revenue 30k", ASK, {"rev": 30000}, None),
    ("on leave from 21 Dec", ASK, {}, None),  # the first day, not the last
    ("I'm on vacation", ASK, {}, None),
    ("OOO", ASK, {}, None),
    ("revenue 45k, 2 new clients, PTO 3/4 - 5/4", ASK, {"rev": 45000, "new": 2}, None),
    ("hiring manager on leave so no final rounds, revenue 12k", None, {"rev": 12000}, None),
    ("writer out sick, revenue 45k", None, {"rev": 45000}, None),
    ("revenue 45k - 2 new clients", None, {"rev": 45000, "new": 2}, None),
    ("rolled out the new pricing, 3 new clients", None, {"new": 3}, None),
    ("holiday sales 45k", None, {"rev": 45000}, None),
    # Chinese forms that worked before
    ("12月21日到1月4日休假", XMAS, {}, None),
    ("下周请假", NEXT_WEEK, {}, None),
    ("销售额3万，新客户1个，下周请假", NEXT_WEEK, {"rev": 30000, "new": 1}, None),
    ("请假到12月8日", (date(2026, 11, 30), date(2026, 12, 8)), {}, None),
    ("下周二到周四请假", (date(2026, 12, 8), date(2026, 12, 10)), {}, None),
    ("12月14日到18日休年假", (date(2026, 12, 14), date(2026, 12, 18)), {}, None),
    ("明天请假", (date(2026, 12, 1), date(2026, 12, 1)), {}, None),
    ("年假，12月7号回来", (date(2026, 11, 30), date(2026, 12, 6)), {}, None),
]


def _span(text: str, locale: str | None) -> tuple[Expected, dict[str, float]]:
    reading = parse_reply(text, KPIS, now=NOW, date_order=date_order_for(locale))
    if reading.away_until:
        assert reading.away_unsure is None
        assert reading.away_from is not None
        got: Expected = (date.fromisoformat(reading.away_from), date.fromisoformat(reading.away_until))
    else:
        got = ASK if reading.away_unsure else None
    return got, reading.values


def test_the_table_is_broad() -> None:
    english = [c for c in CASES if not any("\u4e00" <= ch <= "\u9fff" for ch in c[0])]
    assert len(english) >= 40
    assert {type(c[1]) for c in english} == {tuple, str, type(None)}


@pytest.mark.parametrize(("text", "expected", "values", "locale"), CASES, ids=[f"{c[0][:40]}|{c[3]}" for c in CASES])
def test_time_off_in_a_reply(text: str, expected: Expected, values: dict[str, float], locale: str | None) -> None:
    got, stored = _span(text, locale)
    assert got == expected
    assert stored == values  # dates are never KPI values, and KPI values are kept beside time off


def test_ask_is_what_kpibot_parse_shows() -> None:
    reading = parse_reply("off 3/12 - 5/12", KPIS, now=NOW)
    shown = reading.as_json(KPIS)
    assert shown["away"] == "ask" and shown["away_unsure"] == "day_order" and shown["away_until"] is None


@pytest.mark.parametrize(
    ("locale", "order"), [("en-US", "MDY"), ("en-GB", "DMY"), ("en-AU", "DMY"), ("zh-CN", "MDY"), ("en", None), (None, None)]
)
def test_day_month_order_comes_from_the_locale(locale: str | None, order: str | None) -> None:
    assert date_order_for(locale) == order


def test_a_reply_with_an_english_range_pauses_exactly_those_weeks(bot: Harness, services: Services) -> None:
    """The new user's reply, end to end: the bot states the days it understood and skips only those weeks."""
    bot.clock.now = bot.clock.now.replace(hour=14)  # Monday 30 Nov, 09:00 in New York: the prompt goes out
    assert "U002" in tick(services).prompted
    bot.dm("U002", "I'm off from 21 Dec until 4 Jan")
    answer = bot.last_to("U002")["text"]
    assert i18n.t("away_later", "en-US", start="2026-12-21", date="2027-01-04") == answer
    assert "Dec 21" in answer and "Jan 4" in answer
    with session_scope(bot.engine) as session:
        emma = session.exec(select(Person).where(Person.slack_id == "U002")).one()
        assert (emma.away_from, emma.away_until) == XMAS
    skipped = []
    for week in range(1, 5):  # the Mondays 7 Dec .. 28 Dec at prompt time (the fixture's KPIs end with 2026-Q4)
        bot.clock.now = MONDAY + timedelta(days=7 * week, hours=14)
        report = tick(services)
        if "U002" in report.away:
            skipped.append((MONDAY + timedelta(days=7 * week)).date())
        else:
            assert "U002" in report.prompted
    assert skipped == [date(2026, 12, 21), date(2026, 12, 28)]
    # the weeks after, by the rule the scheduler applies: 4 Jan (a Monday, the last day off) is skipped, 11 Jan is not
    first, last = XMAS
    assert week_is_away(first, last, week_monday=date(2027, 1, 4), prompt_day=date(2027, 1, 4))
    assert not week_is_away(first, last, week_monday=date(2027, 1, 11), prompt_day=date(2027, 1, 11))


def test_a_reply_whose_days_are_unsure_pauses_nothing_and_asks(bot: Harness, services: Services) -> None:
    """ "3/12 - 5/12" from someone whose locale does not settle the order: asked, nothing paused."""
    bot.clock.now = bot.clock.now.replace(hour=14)
    tick(services)
    with session_scope(bot.engine) as session:
        session.exec(select(Person).where(Person.slack_id == "U002")).one().locale = "en"
    bot.dm("U002", "revenue 45k, off 3/12 - 5/12")
    assert i18n.t("away_unsure", "en") in str(bot.last_to("U002"))
    with session_scope(bot.engine) as session:
        emma = session.exec(select(Person).where(Person.slack_id == "U002")).one()
        assert (emma.away_from, emma.away_until) == (None, None)
