"""One KPI, one day, one answer: every surface shows the same status and on-pace figure, whoever looks.

Li Wei (Asia/Shanghai, Chinese) has nine weeks of history (W40-W48) and
answers the W49 prompt on Monday 30 Nov, 09:05 his time (01:05 UTC). At that
moment his manager in London is on Monday 01:05 and the admin in New York is
still on Sunday 29 Nov (W48): the old code measured pace on the viewer's date.

Figures by hand (Q4 = 1 Oct - 31 Dec, 92 days; his reporting week W49 ends
Sun 6 Dec = day 67):
- Revenue, target 600k CNY, 30k a week: on pace 600,000 x 67/92 = 436,957 ->
  "437k CNY". So far 270k before his reply, 300k after: 300/437 = 69% on pace,
  50% of target -> behind (red) on every surface, and a warning (behind W40-W49).
- Complaint rate, lower is better, baseline 2% -> target 1%, 1.2% every week:
  on pace 2 - 67/92 = 1.2717 -> "1.3%"; progress 0.8 of the 0.728 due = 110%
  on pace, 80% of target -> on track (green), not "behind" as the issue saw.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from bot.periods import week_key
from bot.rounds import tick
from bot.services import Services
from storage.engine import session_scope
from storage.tables import Kpi, Measurement, Person
from tests.conftest import Harness

GREEN, RED = ":large_green_circle:", ":red_circle:"
# 437,000 CNY and 1.3% as each reader's locale writes them (bot.formats)
REVENUE_PACE = {"zh": "¥43.7万", "en": "CNY 437k"}
COMPLAINT_PACE = "1.3%"


def _text(blocks: object) -> str:
    """Every text in the blocks, one line each (a section's own line breaks kept)."""
    if isinstance(blocks, dict):
        return "\n".join(_text(v) if k != "text" or not isinstance(v, str) else v for k, v in blocks.items())
    if isinstance(blocks, list):
        return "\n".join(_text(b) for b in blocks)
    return ""


def _lines(text: str, *needles: str) -> list[str]:
    """The lines of ``text`` with a status icon that mention every needle (one KPI's standing on a surface)."""
    found = [line for line in text.split("\n") if "_circle:" in line and all(n in line for n in needles)]
    assert found, f"no line with {needles} in:\n{text}"
    return found


def _same(text: str, lang: str) -> None:
    """Li Wei's Revenue is red with on pace 437k CNY; his complaint rate green with on pace 1.3%."""
    for line in _lines(text, "Revenue", "¥" if lang == "zh" else "CNY"):
        assert RED in line and REVENUE_PACE[lang] in line and GREEN not in line, line
    for line in _lines(text, "Complaint rate"):
        assert GREEN in line and COMPLAINT_PACE in line and RED not in line, line


def _history(bot: Harness) -> None:
    """W40 (the week of 1 Oct) to W48: 30k revenue, 2 new customers, 1.2% complaints a week."""
    values = {"Revenue": 30_000.0, "New customers": 2.0, "Complaint rate": 1.2}
    with session_scope(bot.engine) as session:
        li = session.exec(select(Person).where(Person.slack_id == "U001")).one()
        for kpi in session.exec(select(Kpi).where(Kpi.owner_id == li.id)).all():
            for i in range(9):
                monday = date(2026, 9, 28) + timedelta(weeks=i)
                session.add(Measurement(kpi_id=kpi.id, period_key=week_key(monday), week_start=monday, value=values[kpi.name]))


def test_every_surface_agrees_for_viewers_in_different_timezones(bot: Harness, services: Services) -> None:
    bot.slack.add_user("U0ADMIN", "Ada Admin", tz="America/New_York", tz_offset=-18000, locale="en-US")
    bot.clock.now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    _history(bot)
    tick(services)  # profiles: Li Wei in Shanghai, Mia in London, Ada in New York
    with session_scope(bot.engine) as session:
        zones = {p.slack_id: p.tz for p in session.exec(select(Person)).all()}
    assert (zones["U001"], zones["U0MGR"], zones["U0ADMIN"]) == ("Asia/Shanghai", "Europe/London", "America/New_York")

    # the W49 prompt, Monday 09:05 in Shanghai: says which week (and its dates) and what a number means
    bot.clock.now = datetime(2026, 11, 30, 1, 5, tzinfo=UTC)
    tick(services)
    prompt = bot.last_to("U001")
    text = _text(prompt["blocks"])
    assert "第49周（11月30日 – 12月6日）" in text
    assert "填本周的数额，我会按周累计" in text and "填本周的数值，我会按周取平均" in text
    assert "累计 ¥27万" in text  # W40-W48 before this week's reply
    _same(text, "zh")

    # the reply, its confirmation and the early warning
    bot.dm("U001", "营收3万，新客户2个，投诉率1.2%")
    assert bot.slack.wait_for(lambda _: any("已连续" in p["text"] for p in bot.slack.posted(bot.slack.dm_channel("U001"))))
    posted = bot.slack.posted(bot.slack.dm_channel("U001"))
    confirmation = next(p for p in posted if "这是我为第49周记录的内容" in p["text"])
    text = _text(confirmation["blocks"])
    assert "累计 ¥30万" in text and "本周：¥3万" in text
    _same(text, "zh")
    warning = next(p for p in posted if "已连续" in p["text"])
    assert "Revenue" in warning["text"] and "¥30万" in warning["text"] and REVENUE_PACE["zh"] in warning["text"]

    # the same minute: Li Wei's own views, his manager in London, the admin in New York (still Sunday there)
    _, me = bot.command("U001", "me")
    text = _text(me["blocks"])
    assert "按进度 69%（12月6日应为 ¥43.7万）· 占目标 50%" in text  # 300k / 437k and 300k / 600k
    _same(text, "zh")
    _, team = bot.command("U0MGR", "team")
    text = _text(team["blocks"])
    assert "on pace 69% (CNY 437k by Dec 6) · of target 50%" in text
    assert "on pace 110% (1.3% by Dec 6) · of target 80%" in text
    # weighted 50/30/20: on pace 0.6866*.5 + (20/18.93)*.3 + 1.0985*.2 = 88%; of target .5*.5 + (20/26)*.3 + .8*.2 = 64%
    assert (
        "Team average of members' weighted scores (1 with figures): on pace *88%* · of target *64%*" in text
        and "on track (at or ahead of pace)" in text
    )
    _same(text, "en")
    for asker in ("U0ADMIN",):
        _, view = bot.command(asker, "team Sales East")
        _same(_text(view["blocks"]), "en")
        _, goals = bot.command(asker, "goals")
        _same(_text(goals["blocks"]), "en")
    bot.open_home("U001")
    assert bot.slack.wait_for(lambda _: any(c.args.get("user_id") == "U001" for c in bot.slack.calls_to("views.publish")))
    home = [c for c in bot.slack.calls_to("views.publish") if c.args.get("user_id") == "U001"][-1].args["view"]
    _same(_text(home["blocks"]), "zh")

    # the November retro on 1 December (the manager's day): the month's last reporting week is W49, same figures
    bot.clock.now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert tick(services).retros == 1
    ask = [p for p in bot.slack.posted(bot.slack.dm_channel("U001")) if "月度复盘" in p["text"]][-1]
    # the retro ask (one DM, one modal per person): the same status, value so far and on-pace figure
    ask_text = ask["text"] + "\n" + _text(ask.get("blocks", []))
    (line,) = [line for line in ask_text.split("\n") if "Revenue" in line]
    assert "Revenue" in line and "¥30万" in line and REVENUE_PACE["zh"] in line, line
    assert line == "• Revenue（落后）：目前 ¥30万，按进度12月6日应为 ¥43.7万", line
    assert "Complaint rate" not in ask_text  # ahead of pace: no root-cause question
    ask_id = next(e["value"] for b in ask["blocks"] if b["type"] == "actions" for e in b["elements"])
    bot.click("U001", "retro_answer", ask_id)
    modal = bot.slack.calls_to("views.open")[-1].args["view"]
    hints = [b["hint"]["text"] for b in (json.loads(modal) if isinstance(modal, str) else modal)["blocks"] if "hint" in b]
    assert hints == ["落后：目前 ¥30万，按进度12月6日应为 ¥43.7万"], hints
    _, team = bot.command("U0ADMIN", "team Sales East")  # Tuesday in New York now too: nothing moved
    _same(_text(team["blocks"]), "en")
