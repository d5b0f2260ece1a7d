"""Numbers, money, percents and dates in the reader's locale (Babel), and read back by the parser."""

from __future__ import annotations

from datetime import date

import pytest

from bot.formats import format_amount, format_day, format_share, format_value
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
