"""The texts: gettext catalogs through Babel, complete in English and Chinese, with plurals."""

from __future__ import annotations

import re
import shutil
import string
from datetime import date
from pathlib import Path

import pytest

from bot import i18n
from bot.catalogs import LOCALE_DIR, po_path, translations
from bot.i18n_tool import check, compile_all, convert, extract, load
from bot.rounds import tick
from bot.services import Services
from tests.conftest import Harness
from tests.mrkdwn import markers_touching_cjk


def test_every_text_in_code_is_in_both_catalogs_translated_and_not_fuzzy() -> None:
    assert check() == []


def test_catalogs_hold_every_text_the_code_names() -> None:
    keys = {u.key for u in extract()}
    assert len(keys) > 100  # the extractor really reads the code
    assert {"fb_started", "fb_title", "q_unmatched"} <= keys


def _copy_catalogs(tmp_path: Path) -> Path:
    locale_dir = tmp_path / "locale"
    for lang in ("en", "zh"):
        target = po_path(lang, locale_dir)
        target.parent.mkdir(parents=True)
        shutil.copy(po_path(lang), target)
    return locale_dir


def test_check_fails_on_a_missing_untranslated_or_fuzzy_text(tmp_path: Path) -> None:
    locale_dir = _copy_catalogs(tmp_path)
    zh = po_path("zh", locale_dir)
    text = zh.read_text()
    text = text.replace('msgid "fb_title"\nmsgstr "360 反馈"', 'msgid "fb_title"\nmsgstr ""')
    text = text.replace('msgid "fb_button"', '#, fuzzy\nmsgid "fb_button"')
    zh.write_text(text)
    code = tmp_path / "bot"
    code.mkdir()
    (code / "new_feature.py").write_text(
        'from bot import i18n\n\ndef hello(locale):\n    return i18n.t("brand_new_text", locale)\n'
    )
    problems = check(root=tmp_path, locale_dir=locale_dir)
    assert "zh: 'fb_title' has no text" in problems
    assert any("'fb_button' is marked fuzzy" in p for p in problems)
    assert any("bot/new_feature.py:4: 'brand_new_text' is not in the catalogs" in p for p in problems)


def test_convert_moves_registered_dicts_into_the_catalogs(tmp_path: Path) -> None:
    locale_dir = _copy_catalogs(tmp_path)
    code = tmp_path / "handlers"
    code.mkdir()
    module = code / "late.py"
    module.write_text(
        "from bot import i18n\n\n"
        'i18n.register({"late_hello": {"en": "Hello {name}", "zh": "{name}，你好"}})\n\n\n'
        "def hello(locale: str) -> str:\n"
        '    return i18n.t("late_hello", locale, name="Li")\n'
    )
    assert convert(root=tmp_path, locale_dir=locale_dir) == ["late_hello"]
    assert "register" not in module.read_text()
    assert load("zh", locale_dir)["late_hello"].string == "{name}，你好"
    assert load("en", locale_dir)["late_hello"].string == "Hello {name}"


def test_plurals_follow_each_language() -> None:
    assert i18n.tn("fb_started", 1, "en-US", ratee="Li Wei", date="Dec 7") == (
        "360 feedback for Li Wei started: 1 person invited, closing Dec 7."
    )
    assert "3 people invited" in i18n.tn("fb_started", 3, "en-US", ratee="Li Wei", date="Dec 7")
    assert "邀请了 3 人" in i18n.tn("fb_started", 3, "zh-CN", ratee="Li Wei", date="12月7日")


def test_an_unknown_id_fails_loudly() -> None:
    with pytest.raises(KeyError):
        i18n.t("no_such_text", "en")
    with pytest.raises(KeyError):
        i18n.tn("no_such_text", 2, "zh-CN")


def test_compiled_catalogs_are_used_and_match_the_sources() -> None:
    compile_all()
    i18n.translations.cache_clear()
    for lang in ("en", "zh"):
        assert (LOCALE_DIR / lang / "LC_MESSAGES" / "kpibot.mo").exists()
    assert i18n.t("fb_title", "zh-CN") == "360 反馈"


def test_no_chinese_text_puts_a_mrkdwn_marker_against_cjk() -> None:
    offenders = []
    for message in load("zh"):
        forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
        offenders += [f"{message.id}: {bad}" for form in forms if form for bad in markers_touching_cjk(form)]
    assert offenders == []


def test_the_marker_scan_catches_what_slack_would_show_literally() -> None:
    assert markers_touching_cjk("*未解决的阻碍：*流程")
    assert markers_touching_cjk("*Revenue*：目前")
    assert markers_touching_cjk("用法：`/kpi me`")
    assert markers_touching_cjk("例如 _销售额4.5万_。")
    assert markers_touching_cjk("*李伟* 目前 ¥4.5万") == []
    assert markers_touching_cjk("*营收* · 目标 ¥60万\n_在等市场部线索_") == []
    assert markers_touching_cjk(":white_check_mark: 运转正常") == []


def _texts(node: object) -> list[str]:
    """Every string inside a recorded Web API call (text, blocks, views)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [t for v in node.values() for t in _texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in _texts(v)]
    return []


def test_what_a_chinese_reader_is_sent_renders_its_markers(bot: Harness, services: Services) -> None:
    """Li Wei (zh-CN) goes through a week: prompt, reply, question, confirmation, /kpi me, team, goals, help."""
    bot.clock.now = bot.clock.now.replace(hour=1)  # 09:00 Shanghai
    tick(services)
    bot.dm("U001", "销售额4.5万，卡在审批，等到下周三")
    bot.dm("U001", "新客户2个，投诉率1.5%")
    confirmation = " ".join(t for c in bot.slack.calls[-3:] for t in _texts(c.args))
    assert "卡在审批，等到下周三" in confirmation  # the blocker comes back as typed, full-width comma and all
    bodies = [bot.command("U001", text)[1] for text in ("me", "help", "goals", "team", "nonsense", "360 start", "me chart")]
    sent = [t for c in bot.slack.calls for t in _texts(c.args)] + [t for body in bodies for t in _texts(body)]
    assert sum("周报" in t for t in sent) >= 2  # the prompt and the help really went out in Chinese
    assert [bad for t in sent for bad in markers_touching_cjk(t)] == []
    # /kpi me's recent weeks (¥4.5万 ...) are in what was scanned, in words, with no marker against 万 or ¥
    trend = [line for t in sent for line in t.splitlines() if "近几周：" in line]
    assert any("¥4.5万" in line for line in trend) and not any("_" in line for line in trend)


# -- typed placeholders: no ISO date, week key or period key reaches a reader ------------------------

_DAY_PARAMS = {"date", "day", "due", "since", "asked", "came", "released", "starts", "start", "end", "first", "last"}
_NUMBER_PARAMS = {"n", "k", "count", "weeks", "days", "hours", "round", "total", "checked", "year", "max"}
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEK_KEY = re.compile(r"\d{4}-W\d{2}")
_PERIOD_KEY = re.compile(r"\d{4}-(?:Q[1-4]|H[12]|\d{2})(?!\d)")
_CJK = "[\u3400-\u9fff]"
TEACHES_A_FORMAT = {"settings_bad_date"}  # shows the ISO form a person may type, on purpose


def _placeholders(key: str) -> set[str]:
    names: set[str] = set()
    for lang in ("en", "zh"):
        catalog = translations(lang)
        for text in (catalog.gettext(key), catalog.ngettext(key, key + i18n.PLURAL_SUFFIX, 2)):
            names |= {field for _, field, _, _ in string.Formatter().parse(text) if field}
    return names


def _samples(names: set[str], lang: str, day: object, period: str, listed: bool) -> dict[str, object]:
    words = ["收入", "新客户"] if lang == "zh" else ["Revenue", "New customers"]
    params: dict[str, object] = {}
    for name in names:
        if name == "week":
            params[name] = "2026-W48"
        elif name in i18n.PERIOD_PARAMS:
            params[name] = period
        elif name in _DAY_PARAMS:
            params[name] = day
        elif name in _NUMBER_PARAMS:
            params[name] = 2
        else:
            params[name] = words if listed else words[0]
    return params


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_text_shows_an_iso_date_a_week_key_or_a_period_key(lang: str) -> None:
    """Every catalog id, filled with typed values the way code passes them (a date, its ISO text as JSON keeps it,
    a week key, each kind of period key, a list), reads as the reader's labels; Chinese lists use 、, never ", "."""
    days = [date(2026, 12, 25), "2026-12-25", i18n.with_year(date(2027, 1, 1))]
    periods = ["2026-Q4", "2026-H2", "2026-11", "2026", "2027-01-01..2027-03-31", "2027-01-01..2027-02-15"]
    keys = sorted(k for k in translations("en").ids if k and not k.endswith(i18n.PLURAL_SUFFIX) and k not in TEACHES_A_FORMAT)
    assert len(keys) > 300
    seen: list[str] = []
    for key in keys:
        names = _placeholders(key)
        plural = translations("en").ngettext(key, key + i18n.PLURAL_SUFFIX, 2) != key + i18n.PLURAL_SUFFIX
        for day, period, listed in zip(days * 2, periods, [False, True] * 3, strict=True):
            params = _samples(names, lang, day, period, listed)
            params.pop("n", None)
            text = i18n.tn(key, 2, lang, **params) if plural else i18n.t(key, lang, n=2, **params)
            seen.append(text)
            for pattern in (_ISO_DAY, _WEEK_KEY, _PERIOD_KEY):
                assert not pattern.search(text), f"{key} ({lang}) shows a key: {text!r}"
            if lang == "zh":
                assert not re.search(f"{_CJK}[*_]?, [*_]?{_CJK}", text), f"{key} joins Chinese with ', ': {text!r}"
    joined = "\n".join(seen)
    if lang == "zh":
        assert "12月25日" in joined and "2027年1月1日" in joined and "2026年第四季度" in joined and "第48周" in joined
        assert "2026年下半年" in joined and "2026年11月" in joined and "收入、新客户" in joined
    else:
        assert "Dec 25" in joined and "Jan 1, 2027" in joined and "Q4 2026" in joined and "week 48" in joined
        assert "H2 2026" in joined and "November 2026" in joined and "Revenue, New customers" in joined


def test_typed_placeholders_read_as_labels() -> None:
    assert i18n.t("fb_closes", "zh", date=date(2026, 12, 25)) == "（12月25日截止）"
    assert i18n.t("fb_closes", "en", date="2026-12-25") == " (until Dec 25)"
    assert i18n.period_label("2026-Q4", "zh") == "2026年第四季度"
    assert i18n.period_label("2027-01-01..2027-03-31", "en") == "Q1 2027"
    assert i18n.period_label("2027-01-01..2027-02-15", "zh") == "2027年1月1日至2月15日"
    assert i18n.period_label("not a period", "en") == "not a period"
    assert i18n.t("eval_dev_capability", "zh", kpis=["投诉率", "新客户"]).startswith("能力是短板（投诉率、新客户）")


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_the_prompt_example_is_a_reply_the_parser_reads_back(locale: str) -> None:
    """The example joins KPIs the reader's way (、 in Chinese) and still reads back as the values it shows."""
    from datetime import UTC, datetime

    from bot.checkin import example_reply
    from bot.messages import KpiLine
    from bot.reply_parser import KpiRef, parse_reply

    lines = [
        KpiLine(1, "Revenue", "CNY", 60000, "higher", previous=46200),
        KpiLine(2, "New customers", "count", 10, "higher", previous=2),
        KpiLine(3, "Complaint rate", "percent", 2, "lower", previous=1),
    ]
    example = example_reply(lines, locale)
    assert (", " not in example) if locale == "zh-CN" else ("、" not in example)
    refs = [KpiRef(key=str(k.kpi_id), name=k.name, unit=k.unit, direction=k.direction, aliases=[]) for k in lines]
    reading = parse_reply(example, refs, now=datetime(2026, 11, 30, 9, tzinfo=UTC))
    assert reading.values == {"1": 46200.0, "2": 2.0, "3": 1.0} and len(reading.blockers) == 1


def test_blocker_lines_use_the_readers_punctuation() -> None:
    """A blocker's details and its owner are set off with full-width brackets and colon in Chinese."""
    from bot.messages import OpenBlocker
    from handlers.render.followup import blocker_text

    blocker = OpenBlocker(7, "缺人手", "resources", 60, stated_date="2026-12-25", owner_slack_id="U102")
    assert blocker_text(blocker, "zh-CN", with_owner=True) == "<@U102>：缺人手（资源 · 已持续 60 天 · 预计12月25日解决）"
    assert blocker_text(blocker, "en-US") == "• 缺人手 (resources · open 60 days · until Dec 25)"
