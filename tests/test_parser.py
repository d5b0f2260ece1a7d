"""The reply parser, called directly: English, Chinese, units, dates, and text that must not crash it."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dates import read_date
from bot.numbers import find_numbers
from bot.reply_parser import KpiRef, parse_reply

KPIS = [
    KpiRef("rev", "Revenue", "CNY", aliases=("sales", "销售额")),
    KpiRef("new", "New customers", "count", aliases=("clients", "new clients", "新客户")),
    KpiRef("cr", "Complaint rate", "percent", "lower", aliases=("complaints", "投诉率")),
]
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday


def read(text: str, kpis: list[KpiRef] = KPIS, **kw):
    return parse_reply(text, kpis, now=NOW, **kw)


@pytest.mark.parametrize(
    "text",
    [
        "revenue 45k, 2 new clients, complaints 0.8%",
        "销售额4.5万，新客户2个，投诉率0.8%",
        "销售额 45,000，新客户两个，投诉率 0.8%",
        "45000, 2, 0.8",
    ],
)
def test_the_same_week_in_many_forms(text: str) -> None:
    assert read(text).values == {"rev": 45000.0, "new": 2.0, "cr": 0.8}
    assert read(text).questions == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,200", 1200.0),
        ("1.2m", 1_200_000.0),
        ("3.5万", 35_000.0),
        ("两个", 2.0),
        ("95%", 95.0),
        ("¥4,500", 4500.0),
        ("12k", 12_000.0),
        ("2h 10m", 130.0),
        ("1h30", 90.0),
        ("2小时10分钟", 130.0),
        ("two hundred", 200.0),
    ],
)
def test_number_forms(text: str, value: float) -> None:
    assert [n.value for n in find_numbers(text)] == [value]


def test_corrections_and_same_as_last_week() -> None:
    reading = read("actually revenue was 50k")
    assert reading.correction and reading.values == {"rev": 50000.0}
    kpis = [KpiRef("rev", "Revenue", "CNY", last_value=40000.0), KpiRef("new", "New customers", "count", last_value=3.0)]
    assert read("same as last week", kpis).values == {"rev": 40000.0, "new": 3.0}
    assert read("和上周一样", kpis).values == {"rev": 40000.0, "new": 3.0}


def test_missing_and_ambiguous_are_questions_never_guesses() -> None:
    reading = read("revenue 45k 50k")
    assert "rev" not in reading.values
    assert [(q.kind, q.kpi, q.candidates) for q in reading.questions][:1] == [("ambiguous", "rev", [45000.0, 50000.0])]
    assert {q.kpi for q in reading.questions if q.kind == "missing"} == {"new", "cr"}


def test_bare_numbers_for_five_kpis_must_match_the_count() -> None:
    five = [KpiRef(str(i), f"KPI {i}", "count") for i in range(5)]
    assert read("1 2 3", five).values == {}
    assert read("1 2 3", five).questions[0].kind == "unmatched"
    assert read("1 2 3 4 5", five).values == {str(i): float(i + 1) for i in range(5)}


def test_expected_answer_takes_a_bare_number() -> None:
    assert read("2", expecting="new").values == {"new": 2.0}


def test_implausible_values_are_confirmed_first() -> None:
    kpis = [KpiRef("new", "New customers", "count", previous_max=3.0), KpiRef("cr", "Complaint rate", "percent", "lower")]
    reading = read("new customers 40, complaint rate 120%", kpis)
    assert reading.values == {}
    assert sorted(q.reason for q in reading.questions if q.kind == "implausible") == ["over 100%", "ten times your previous best"]
    assert read("new customers -1", kpis).questions[0].reason == "negative"


@pytest.mark.parametrize(
    ("text", "category", "when"),
    [
        ("waiting on leads from marketing since last Tuesday", "resources", date(2026, 11, 24)),
        ("blocked by legal approval until Friday", "process", date(2026, 12, 4)),
        ("stuck: I don't know how to use the new CRM", "capability", None),
        ("卡在审批，等到下周三", "process", date(2026, 12, 9)),
        ("缺人手，下周五之前很难推进", "resources", date(2026, 12, 11)),
        ("等客户回复，本周五", "process", date(2026, 12, 4)),
    ],
)
def test_blockers_with_category_and_date(text: str, category: str, when: date | None) -> None:
    reading = read(f"revenue 45k, {text}")
    assert len(reading.blockers) == 1
    assert reading.blockers[0].category == category
    assert reading.blockers[0].date == (when.isoformat() if when else None)
    assert reading.values == {"rev": 45000.0}
    assert reading.blockers[0].text == text  # shown back as typed: full-width commas stay full-width


@pytest.mark.parametrize(
    ("text", "blocker"),
    [
        ("销售额４.５万，卡在审批，等到下周三。", "卡在审批，等到下周三"),
        ("revenue 45k; waiting on legal &amp; procurement, until Friday", "waiting on legal & procurement, until Friday"),
        ("ｒｅｖｅｎｕｅ 45k, ＷＡＩＴＩＮＧ on ＣＲＭ access", "ＷＡＩＴＩＮＧ on ＣＲＭ access"),
        ("营收4.5万；等待 IT 开通权限（已催两次）", "等待 IT 开通权限"),
    ],
)
def test_blocker_text_is_kept_as_typed(text: str, blocker: str) -> None:
    """The parser reads NFKC text; what it stores and shows back is the person's own characters."""
    reading = read(text)
    assert [b.text for b in reading.blockers] == [blocker]


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("下周五", date(2026, 12, 11)),
        ("本周五", date(2026, 12, 4)),
        ("下午3点", date(2026, 11, 30)),
        ("明天", date(2026, 12, 1)),
        ("3天后", date(2026, 12, 3)),
        ("2026年12月1日", date(2026, 12, 1)),
        ("9月底", date(2027, 9, 30)),
        ("12 Dec", date(2026, 12, 12)),
    ],
)
def test_dates_dateparser_misses_are_covered(phrase: str, expected: date) -> None:
    assert read_date(phrase, now=NOW) == expected


def test_time_off() -> None:
    assert read("I'm off until 12 Dec").away_until == "2026-12-12"
    assert read("下周请假").away_until == "2026-12-13"
    assert read("on vacation next week").away_until == "2026-12-13"


@pytest.mark.parametrize(
    "text", ["", "🎉🎉", "   ", "x" * 40_000, "1" * 5000, "<!channel>", "%%%", "万万万", "1e400", "-", "., ,"]
)
def test_odd_input_does_not_crash(text: str) -> None:
    reading = read(text)
    assert set(reading.values) <= {"rev", "new", "cr"}


def _numbers_in(text: str) -> set[float]:
    return {n.value for n in find_numbers(text)}


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("0123456789.,%kKm万两个 revnuesalcitmpo新客户投诉率卡等-")), max_size=80)
    | st.text(max_size=80)
)
def test_no_text_crashes_and_every_value_is_in_the_text(text: str) -> None:
    reading = read(text)
    from bot.reply_parser import normalise

    found = _numbers_in(normalise(text)) | {-v for v in _numbers_in(normalise(text))}
    for value in reading.values.values():
        assert value in found, (text, reading.values)


def test_parse_throughput_sanity() -> None:
    """Not a timing assertion: the benchmark script measures speed. This only checks the corpus parses."""
    from benchmarks.replies import CORPUS

    for text in CORPUS:
        assert isinstance(read(text).values, dict)
    assert any(re.search(r"[\u4e00-\u9fff]", t) for t in CORPUS)


def test_a_blocker_until_a_day_after_another_by_gets_that_day() -> None:
    reading = read("revenue 45k, blocked by the CAB until Thursday")
    assert [(b.until, b.date) for b in reading.blockers] == [("2026-12-03", "2026-12-03")]
