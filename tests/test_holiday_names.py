"""Holiday names a Chinese reader sees for calendars the holidays package has no Chinese for.

Every name is checked against the package itself (the countries and regions teams use, two
years), so a package upgrade that adds or renames a holiday fails here until the vocabulary
(bot/locale/zh/LC_MESSAGES/holidays.po) has it. The end-to-end tests go through the real app:
a moved check-in prompt and ``/kpi history`` for a reader in China on a US calendar.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import holidays
import pytest

from bot.catalogs import HOLIDAYS_DOMAIN, po_path, translations
from bot.holiday_calendar import holiday_name, problem_with
from bot.holiday_names import in_chinese
from bot.i18n_tool import check_holiday_names
from bot.orgfile import import_org
from bot.rounds import tick
from bot.services import Services
from storage.engine import session_scope
from tests.conftest import ORG, Harness

YEARS = (2026, 2027)
COUNTRIES = ("US", "GB", "CA", "AU", "DE", "FR", "JP", "SG", "IN")
# Regions: all of the countries whose regions add only a few names of their own, and the
# largest US states (the other states and India's states fall back to English, see the last test).
# Only codes an organisation file can name (problem_with: "AU-NSW Western" and "DE-Augsburg" cannot).
_ALL_REGIONS = [f"{c}-{subdiv}" for c in ("GB", "CA", "AU", "DE") for subdiv in holidays.list_supported_countries()[c]]
REGIONS = (*(code for code in _ALL_REGIONS if problem_with(code) is None), "US-NY", "US-CA", "US-TX", "US-WA", "US-MA", "US-IL")
# Names that may keep Latin letters in Chinese. Empty: every covered name reads as Chinese
# ("苏珊·安东尼纪念日", not "苏珊·B·安东尼纪念日"). A name belongs here only when mainland usage
# really writes it in Latin letters.
LATIN_ALLOWED: frozenset[str] = frozenset()
ASCII_LETTER = re.compile(r"[A-Za-z]")


def _days(code: str) -> list[date]:
    country, _, subdiv = code.partition("-")
    return sorted(holidays.country_holidays(country, subdiv=subdiv or None, years=list(YEARS)))


@pytest.mark.parametrize("code", COUNTRIES + REGIONS)
def test_every_holiday_reads_in_chinese_for_a_chinese_reader(code: str) -> None:
    days = _days(code)
    assert len(days) >= 10, code  # the calendar really has holidays to check
    untranslated = {}
    for day in days:
        name = holiday_name(code, day, "zh-CN")
        assert name, f"{code} {day}: no name"
        if ASCII_LETTER.search(name) and name not in LATIN_ALLOWED:
            untranslated[day.isoformat()] = name
    assert untranslated == {}, f"{code}: add these to {po_path('zh', domain=HOLIDAYS_DOMAIN)}"


def test_the_vocabulary_holds_no_name_the_package_no_longer_gives() -> None:
    """Dead entries would hide a renamed holiday: the package gives every catalog name somewhere."""
    given = set()
    for code in COUNTRIES + REGIONS:
        country, _, subdiv = code.partition("-")
        calendar = holidays.country_holidays(country, subdiv=subdiv or None, years=list(YEARS), language="en_US")
        given |= {name for day in calendar for name in calendar.get_list(day)}
    vocabulary = {key for key in translations("zh", HOLIDAYS_DOMAIN).ids if key and "%s" not in key}
    assert len(vocabulary) > 100
    assert vocabulary - given == set()


def test_labels_are_translated_once_for_every_name() -> None:
    ids = translations("zh", HOLIDAYS_DOMAIN).ids
    assert "Thanksgiving Day (observed)" not in ids and "Eid al-Fitr (estimated)" not in ids
    assert in_chinese("Thanksgiving Day (observed)") == "感恩节（补假）"
    assert in_chinese("Eid al-Fitr (estimated)") == "开斋节（预计日期）"
    assert in_chinese("Eid al-Adha (observed, estimated)") == "古尔邦节（补假，预计日期）"
    # the package's own observed days: Independence Day 2026 is a Saturday, observed on Friday 3 July
    assert holiday_name("US", date(2026, 7, 3), "zh-CN") == "独立日（补假）"
    assert holiday_name("GB", date(2026, 12, 28), "zh-CN") == "节礼日（补假）"


def test_two_holidays_on_one_day_read_as_a_chinese_list() -> None:
    # 15 August 2027 in India: Independence Day and (estimated) the Prophet's Birthday
    assert holiday_name("IN", date(2027, 8, 15), "zh-CN") == "独立日、圣纪节（预计日期）"
    assert holiday_name("IN", date(2027, 8, 15), "en-US") == "Independence Day; Prophet's Birthday (estimated)"


def test_an_unknown_name_stays_as_the_package_gives_it() -> None:
    assert in_chinese("Founders' Picnic") == "Founders' Picnic"
    # a known label around an unknown name: the whole English name, not half a translation
    assert in_chinese("Founders' Picnic (observed)") == "Founders' Picnic (observed)"
    # a region outside the vocabulary: Alaska's Seward's Day (last Monday of March) keeps its English name
    assert holiday_name("US-AK", date(2026, 3, 30), "zh-CN") == "Seward's Day"


def test_calendars_with_their_own_chinese_keep_it_and_english_readers_keep_english() -> None:
    for code, day in (("CN", date(2026, 10, 5)), ("TW", date(2026, 10, 10)), ("HK", date(2026, 10, 1))):
        own = holidays.country_holidays(code, years=[day.year], language="zh_CN")[day]
        assert holiday_name(code, day, "zh-CN") == own
    assert holiday_name("CN", date(2026, 10, 5), "zh-CN") == "国庆节（补假）"
    assert holiday_name("US", date(2026, 11, 26), "zh-CN") == "感恩节"
    assert holiday_name("US", date(2026, 11, 26), "en-US") == "Thanksgiving Day"
    # Japan's calendar defaults to Japanese; a Chinese reader gets Chinese, not 勤労感謝の日
    assert holiday_name("JP", date(2026, 11, 23), "zh-CN") == "勤劳感谢日"
    assert holiday_name("JP", date(2026, 11, 23), "en-US") == "Labor Thanksgiving Day"
    assert holiday_name("US", date(2026, 11, 27), "zh-CN") is None


def test_the_catalog_check_catches_an_empty_or_broken_name(tmp_path: Path) -> None:
    assert check_holiday_names() == []
    locale_dir = tmp_path / "locale"
    target = po_path("zh", locale_dir, HOLIDAYS_DOMAIN)
    target.parent.mkdir(parents=True)
    shutil.copy(po_path("zh", domain=HOLIDAYS_DOMAIN), target)
    text = target.read_text()
    text = text.replace('msgid "Thanksgiving Day"\nmsgstr "感恩节"', 'msgid "Thanksgiving Day"\nmsgstr ""')
    text = text.replace('msgstr "%s（补假）"', 'msgstr "补假"')
    target.write_text(text)
    problems = check_holiday_names(locale_dir)
    assert "holidays.po (zh): 'Thanksgiving Day' has no text" in problems
    assert "holidays.po (zh): '%s (observed)' must keep its %s as many times as the id has it" in problems


# Li Wei (zh-CN, Shanghai) works to a US calendar: his own code wins over the team's.
US_ORG = ORG.replace("  - {slack_id: U001, name: Li Wei}", "  - {slack_id: U001, name: Li Wei, holidays: US}")


def test_a_moved_prompt_names_thanksgiving_in_chinese(bot: Harness, services: Services) -> None:
    with session_scope(bot.engine) as session:
        import_org(session, US_ORG.replace("weekday: monday", "weekday: thursday"))
    bot.clock.now = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # Thursday 09:00 Shanghai, Thanksgiving in the US
    assert "U001" not in tick(services).prompted
    bot.clock.now = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # Friday 09:00 Shanghai
    assert "U001" in tick(services).prompted
    blocks = json.dumps(bot.last_to("U001")["blocks"], ensure_ascii=False)
    assert "11月26日是感恩节，本周周报顺延。" in blocks
    assert "Thanksgiving" not in blocks


def test_history_names_a_skipped_christmas_week_in_chinese(bot: Harness, services: Services) -> None:
    with session_scope(bot.engine) as session:
        import_org(session, US_ORG.replace("weekday: monday", "weekday: friday"))
    # Friday 25 December 2026: Christmas Day; Saturday and Sunday are the weekend, so the week is skipped
    bot.clock.now = datetime(2026, 12, 25, 1, 0, tzinfo=UTC)
    assert "U001" in tick(services).away
    bot.clock.now = datetime(2026, 12, 28, 2, 0, tzinfo=UTC)
    _, body = bot.command("U001", "history 2")
    shown = json.dumps(body["blocks"], ensure_ascii=False)
    assert "*第52周* · 公共假期（圣诞节），本周不填" in shown
    # his manager reads English: the same week, the package's English name
    _, body = bot.command("U0MGR", "history <@U001> 2")
    assert "*week 52* · public holiday (Christmas Day), nothing asked" in json.dumps(body["blocks"], ensure_ascii=False)
