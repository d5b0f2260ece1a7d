"""Numbers, money, percents and dates in the reader's locale (Babel), and read back by the parser."""

from __future__ import annotations

from datetime import date

import pytest

from bot.formats import format_amount, format_attainment, format_day, format_pace_pair, format_share, format_value
from bot.numbers import find_numbers


def test_chinese_readers_count_in_wan_and_see_the_yuan_sign() -> None:
    assert format_value(45000, "CNY", "zh-CN") == "¥4.5万"
    assert format_value(45000, "count", "zh-CN") == "4.5万"
    assert format_amount(45000, "CNY", "zh-CN") == "¥45,000"
    assert format_value(0.8, "percent", "zh-CN") == "0.8%"
    assert format_day(date(2026, 11, 30), "zh-CN") == "11月30日"


def test_english_readers_count_in_thousands_with_the_currency_code() -> None:
    assert format_value(45000, "count", "en-US") == "45k"
    assert format_value(45000, "CNY", "en-US") == "CNY 45k"
    assert format_amount(45000, "CNY", "en-GB") == "CNY 45,000"
    assert format_share(0.953, "en-US") == "95%"
    assert format_day(date(2026, 11, 30), "en-US") == "Nov 30"


@pytest.mark.parametrize("value", [45000, 45300, 397_826, 1_200_000, 12_345_678, 10_000, 26, 999.5])
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_short_form_is_exact_and_the_parser_reads_it_back(value: float, locale: str) -> None:
    shown = format_value(value, "count", locale)
    assert [n.value for n in find_numbers(shown)] == [value]


# (so far, on pace, unit, direction, English, Chinese): the pair never contradicts the status between them.
# Each row worked by hand; "truth" is so far vs on pace with the direction, "shown" the same on the rounded figures.
PAIRS = [
    # 31,300 vs 31,304.35 (behind by 4): nice() makes both 31.3k, level = on track: add precision -> whole units
    (31_300, 31_304.35, "USD", "higher", ("USD 31,300", "USD 31,304"), ("US$31,300", "US$31,304")),
    # 45,000 vs 43,695.65: ahead, 43.7k already reads below 45k: the short forms stay (4.5万 / 4.37万)
    (45_000, 43_695.65, "CNY", "higher", ("CNY 45k", "CNY 43.7k"), ("¥4.5万", "¥4.37万")),
    # 51,500 vs 51,520: 5.15万 both after rounding, behind by 20 -> ¥51,500 vs ¥51,520
    (51_500, 51_520, "CNY", "higher", ("CNY 51,500", "CNY 51,520"), ("¥51,500", "¥51,520")),
    # 51,530 vs 51,520: ahead by 10: 51.53k (5.153万 has no exact short form: ¥51,530) vs 51.5k already reads ahead
    (51_530, 51_520, "CNY", "higher", ("CNY 51.53k", "CNY 51.5k"), ("¥51,530", "¥5.15万")),
    # a whole count: the on-pace count is the count to reach: 9 vs 9.04 -> 10 (behind), 19 vs 18.9 -> 19 (on track)
    (9, 9.04, "count", "higher", ("9", "10"), ("9", "10")),
    (19, 18.9, "count", "higher", ("19", "19"), ("19", "19")),
    # fewer is better: at most 3 complaints by now (3.2 -> 3): 3 is on track, 4 is not
    (3, 3.2, "count", "lower", ("3", "3"), ("3", "3")),
    (4, 3.2, "count", "lower", ("4", "3"), ("4", "3")),
    # lower is better, 1.42% vs 1.4249%: on track (1.42 <= 1.4249) but 1.4% would read behind -> two decimals
    (1.42, 1.4249, "percent", "lower", ("1.42%", "1.42%"), ("1.42%", "1.42%")),
    # 1.426% vs 1.4249%: behind, 1.43% vs 1.4% already says so
    (1.426, 1.4249, "percent", "lower", ("1.43%", "1.4%"), ("1.43%", "1.4%")),
    # 17.24 vs 17.25 (behind by 0.01): 17.2 both -> 17.24 vs 17.25
    (17.24, 17.25, "hours", "higher", ("17.24", "17.25"), ("17.24", "17.25")),
    # no direction (a warning or a retro ask: only for KPIs behind): same as "higher" here, 31,300 below 31,304
    (31_300, 31_304.35, "USD", None, ("USD 31,300", "USD 31,304"), ("US$31,300", "US$31,304")),
    # nothing reported yet: the prompt shows the count to reach, as the confirmation will (3.39 -> 4; fewer: 3.2 -> 3)
    (None, 3.39, "count", "higher", ("-", "4"), ("-", "4")),
    (None, 3.2, "count", "lower", ("-", "3"), ("-", "3")),
    (None, 436_956.52, "CNY", "higher", ("-", "CNY 437k"), ("-", "¥43.7万")),
]


@pytest.mark.parametrize(("so_far", "on_pace", "unit", "direction", "en", "zh"), PAIRS)
def test_so_far_and_on_pace_never_contradict_the_status(
    so_far: float | None, on_pace: float, unit: str, direction: str | None, en: tuple[str, str], zh: tuple[str, str]
) -> None:
    assert format_pace_pair(so_far, on_pace, unit, "en-US", direction=direction) == en
    assert format_pace_pair(so_far, on_pace, unit, "zh-CN", direction=direction) == zh


@pytest.mark.parametrize(
    ("share", "shown"),
    [
        (0.9999, "99%"),  # at risk by a hair: not the 100% that means on track
        (0.996, "99%"),
        (1.0, "100%"),
        (0.994, "99%"),
        (0.8996, "89%"),  # behind: not the 90% where "at risk" starts
        (0.9, "90%"),
        (0.6866, "69%"),  # away from a threshold: rounded as before (300k of 437k)
        (1.159, "116%"),
        (1.2, "120%"),
        (1.5, "120%+"),  # the score's cap
        (-0.27, "0%"),  # worse than the baseline: the score counts 0
        (None, "-"),
    ],
)
def test_an_attainment_beside_a_status_never_rounds_onto_a_threshold_and_stays_in_0_to_120(
    share: float | None, shown: str
) -> None:
    assert format_attainment(share, "en-US") == shown
    assert format_attainment(share, "zh-CN") == shown
