"""KPI names and goal titles per language: each reader sees their own, the parser reads every one."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from bot.orgfile import OrgFileError, import_org
from bot.rounds import tick
from bot.services import Services
from storage.engine import session_scope
from storage.tables import Goal, Kpi, Measurement, Person
from tests.conftest import ORG, Harness

NAMED = ORG.replace(
    "{owner: U001, name: Revenue, aliases: [sales, 销售额],",
    "{owner: U001, name: Revenue, names: {en: Revenue, zh: 营收}, aliases: [sales],",
).replace(
    "{id: share, title: Grow market share by 3%, level: company}",
    "{id: share, title: Grow market share by 3%, names: {zh: 市场份额提升 3%}, level: company}",
)


@pytest.fixture
def named(bot: Harness) -> Harness:
    with session_scope(bot.engine) as session:
        import_org(session, NAMED)
    return bot


def _section_text(message: dict[str, object]) -> str:
    blocks = message.get("blocks") or []
    return " ".join(b["text"]["text"] for b in blocks if isinstance(b, dict) and b.get("type") == "section")  # type: ignore[index]


def test_the_org_file_stores_names_per_language(named: Harness) -> None:
    with session_scope(named.engine) as session:
        li = session.exec(select(Person).where(Person.slack_id == "U001")).one()
        revenue = session.exec(select(Kpi).where(Kpi.owner_id == li.id, Kpi.name == "Revenue")).one()
        assert revenue.names == {"en": "Revenue", "zh": "营收"}
        assert session.exec(select(Goal)).one().names == {"zh": "市场份额提升 3%"}


def test_a_chinese_reader_sees_and_answers_with_the_chinese_name(named: Harness, services: Services) -> None:
    named.clock.now = named.clock.now.replace(hour=1)  # 09:00 in Shanghai
    tick(services)
    prompt = _section_text(named.last_to("U001"))
    assert "营收" in prompt and "Revenue" not in prompt
    named.dm("U001", "营收4.5万，新客户2个，投诉率1.5%")  # the Chinese name alone ties 4.5万 to Revenue
    with session_scope(named.engine) as session:
        li = session.exec(select(Person).where(Person.slack_id == "U001")).one()
        revenue = session.exec(select(Kpi).where(Kpi.owner_id == li.id, Kpi.name == "Revenue")).one()
        stored = session.exec(select(Measurement).where(Measurement.kpi_id == revenue.id)).one()
        assert stored.value == 45000
    _, goals = named.command("U001", "goals")
    assert "市场份额提升 3%" in str(goals)


def test_an_english_reader_sees_the_english_name(named: Harness) -> None:
    _, body = named.command("U0MGR", "team")
    text = str(body)
    assert "Revenue" in text and "营收" not in text
    _, goals = named.command("U0MGR", "goals")
    assert "Grow market share by 3%" in str(goals)


def test_a_names_key_for_an_unknown_language_is_rejected_with_its_line(services: Services) -> None:
    bad = NAMED.replace("names: {en: Revenue, zh: 营收}", "names: {en: Revenue, fr: Chiffre}")
    with session_scope(services.engine) as session, pytest.raises(OrgFileError) as rejected:
        import_org(session, bad)
    assert "line 18" in str(rejected.value) and "'en' or 'zh'" in str(rejected.value)


def _form(names: str) -> dict[str, object]:
    from tests.test_setup import GOOD, _values

    values = _values(GOOD)
    values["kpi0_names"] = {"v": {"type": "plain_text_input", "value": names}}
    return values


def test_the_setup_form_takes_names_per_language(bot: Harness) -> None:
    from tests.test_setup import _owner_metadata

    metadata = _owner_metadata(bot, "U002")
    _, body = bot.submit("U002", "kpi_setup", _form("french: Chiffre"), private_metadata=metadata)
    assert body["response_action"] == "errors" and "zh: 营收" in body["errors"]["kpi0_names"]
    _, body = bot.submit("U002", "kpi_setup", _form("zh：营收"), private_metadata=metadata)  # a full-width colon is fine
    assert not body
    assert bot.slack.wait_for(
        lambda _: any("proposes KPIs" in p["text"] for p in bot.slack.posted(bot.slack.dm_channel("U0MGR")))
    )
    to_manager = [p for p in bot.slack.posted(bot.slack.dm_channel("U0MGR")) if "proposes KPIs" in p["text"]][-1]
    bot.click("U0MGR", "proposal_agree", to_manager["blocks"][-1]["elements"][0]["value"])
    assert bot.slack.wait_for(lambda _: any("Agreed" in p["text"] for p in bot.slack.posted(bot.slack.dm_channel("U002"))))
    with session_scope(bot.engine) as session:
        emma = session.exec(select(Person).where(Person.slack_id == "U002")).one()
        revenue = session.exec(select(Kpi).where(Kpi.owner_id == emma.id, Kpi.name == "Revenue", Kpi.weight == 50)).one()
        assert revenue.names == {"zh": "营收"}


def test_team_share_posts_in_the_teams_language(bot: Harness) -> None:
    """The manager reads English, the Shanghai team's channel gets Chinese."""
    with session_scope(bot.engine) as session:
        import_org(session, ORG.replace("    channel: C0SALES\n", "    channel: C0SALES\n    locale: zh-CN\n"))
    _, body = bot.command("U0MGR", "team share")
    assert body["response_type"] == "in_channel"
    assert "本周概览" in str(body) and "at a glance" not in str(body)
    _, private = bot.command("U0MGR", "team")
    assert "本周概览" not in str(private)  # the manager's own view stays in their language


def test_a_chinese_reader_sets_up_names_per_language_in_the_form(bot: Harness, services: Services) -> None:
    """Issue 14.3 in the setup form, as Li Wei (zh-CN) uses it: the modal reads in Chinese, the Chinese
    names are stored and shown to Chinese readers, and the reply parser knows them."""
    from tests.test_setup import GOOD, _values

    tick(services)  # the scheduler reads everyone's Slack profile: Li Wei's locale is zh-CN
    bot.command("U001", "setup")
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    labels = {b["block_id"]: b["label"]["text"] for b in view["blocks"] if b["type"] == "input"}
    assert view["title"]["text"] == "KPI 设置" and view["submit"]["text"] == "保存"
    assert labels["kpi0_names"] == "其他语言的名称（可选），每行一个，例如 en: Revenue"
    assert labels["kpi0_watch"].startswith("制衡指标（可选）")
    assert not any(re.search(r"\b(name|Target|Weight|optional)\b", label) for label in labels.values()), labels
    values = _values(GOOD, watch={0: ["Complaint rate"]})
    for i, name in enumerate(("营收", "新客户数", "投诉率")):
        values[f"kpi{i}_names"] = {"v": {"type": "plain_text_input", "value": f"zh：{name}"}}
    metadata = view["private_metadata"]
    values["kpi1_names"] = {"v": {"type": "plain_text_input", "value": "法语: Clients"}}
    _, body = bot.submit("U001", "kpi_setup", values, private_metadata=metadata)
    assert body["errors"]["kpi1_names"].startswith("每行写一个“语言: 名称”")  # the error reads in Chinese too
    values["kpi1_names"] = {"v": {"type": "plain_text_input", "value": "zh: 新客户数"}}
    _, body = bot.submit("U001", "kpi_setup", values, private_metadata=metadata)
    assert not body

    # the manager reads English: the plain names; a counter-proposal goes back to Li Wei in Chinese
    assert bot.slack.wait_for(
        lambda _: any("proposes KPIs" in p["text"] for p in bot.slack.posted(bot.slack.dm_channel("U0MGR")))
    )
    to_manager = [p for p in bot.slack.posted(bot.slack.dm_channel("U0MGR")) if "proposes KPIs" in p["text"]][-1]
    assert "*Revenue*" in json.dumps(to_manager["blocks"]) and "营收" not in json.dumps(to_manager["blocks"])
    bot.click("U0MGR", "proposal_change", to_manager["blocks"][-1]["elements"][0]["value"])
    counter = bot.slack.calls_to("views.open")[-1].args["view"]
    prefilled = {b["block_id"]: b["element"].get("initial_value") for b in counter["blocks"] if b["type"] == "input"}
    assert prefilled["kpi0_names"] == "zh: 营收" and counter["title"]["text"] == "KPI set"
    values["kpi0_weight"] = {"v": {"type": "plain_text_input", "value": "40"}}
    values["kpi1_weight"] = {"v": {"type": "plain_text_input", "value": "40"}}
    _, body = bot.submit("U0MGR", "kpi_setup", values, private_metadata=counter["private_metadata"])
    assert not body
    assert bot.slack.wait_for(lambda _: any("提出了修改" in p["text"] for p in bot.slack.posted(bot.slack.dm_channel("U001"))))
    back = [p for p in bot.slack.posted(bot.slack.dm_channel("U001")) if "提出了修改" in p["text"]][-1]
    shown = _section_text(back)
    assert "*营收*" in shown and "*新客户数*" in shown and "Revenue" not in shown
    assert "制衡指标：投诉率" in shown
    bot.click("U001", "proposal_agree", back["blocks"][-1]["elements"][0]["value"])
    assert bot.slack.wait_for(lambda _: any("已达成一致" in p["text"] for p in bot.slack.posted(bot.slack.dm_channel("U001"))))
    with session_scope(bot.engine) as session:
        li = session.exec(select(Person).where(Person.slack_id == "U001")).one()
        new = {k.name: k for k in session.exec(select(Kpi).where(Kpi.owner_id == li.id, Kpi.period == "2027-01-01..2027-03-31"))}
    assert new["Revenue"].names == {"zh": "营收"} and new["Revenue"].weight == 40
    assert new["Revenue"].watch_with == ["Complaint rate"]

    # in the new quarter the check-in asks in Chinese names, and a reply with them is read
    bot.clock.now = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
    tick(services)
    prompt = _section_text(bot.last_to("U001"))
    assert "营收" in prompt and "新客户数" in prompt and "Revenue" not in prompt
    bot.dm("U001", "营收4.5万，新客户数2个，投诉率1.5%")
    with session_scope(bot.engine) as session:
        stored = {
            m.kpi_id: m.value
            for m in session.exec(select(Measurement).where(col(Measurement.kpi_id).in_([k.id for k in new.values()]))).all()
        }
    assert stored == {new["Revenue"].id: 45000, new["New customers"].id: 2, new["Complaint rate"].id: 1.5}


# -- every surface that names a KPI, in the reader's language (Li Wei's Revenue is 营收 in Chinese) ----------

BOTH = pytest.mark.parametrize(("locale", "shown", "hidden"), [("zh-CN", "营收", "Revenue"), ("en-US", "Revenue", "营收")])


def _rendered(message: object, locale: str) -> str:
    """What the reader is sent: the notification text and every block, as Slack gets them."""
    from handlers.render.dispatch import render

    text, blocks = render(message, locale)
    return text + json.dumps([b.to_dict() for b in blocks], ensure_ascii=False)


def _weeks(named: Harness, slack_id: str, name: str, values: list[float], start: str = "2026-10-05") -> None:
    """Weekly values from ``start`` (a Monday) on, stored as a check-in would."""
    from datetime import date, timedelta

    from bot.periods import week_key

    monday = date.fromisoformat(start)
    with session_scope(named.engine) as session:
        person = session.exec(select(Person).where(Person.slack_id == slack_id)).one()
        kpi = session.exec(select(Kpi).where(Kpi.owner_id == person.id, Kpi.name == name)).one()
        for i, value in enumerate(values):
            day = monday + timedelta(weeks=i)
            session.add(Measurement(kpi_id=kpi.id, period_key=week_key(day), week_start=day, value=value))


@BOTH
def test_the_managers_note_names_the_kpi_in_the_managers_language(named: Harness, locale: str, shown: str, hidden: str) -> None:
    """'提醒：<@U001> 的 *营收* 已连续…': the note about a KPI behind two weeks running."""
    from bot.messages import ManagerNote
    from bot.periods import week_key
    from bot.warnings import check_streaks

    _weeks(named, "U001", "Revenue", [1_000, 1_000, 1_000])  # far behind 600k a quarter
    with session_scope(named.engine) as session:
        li = session.exec(select(Person).where(Person.slack_id == "U001")).one()
        kpis = list(session.exec(select(Kpi).where(Kpi.owner_id == li.id, Kpi.name == "Revenue")).all())
        out = check_streaks(
            session, person=li, kpis=kpis, period_key=week_key(datetime(2026, 10, 19).date()), now=named.clock.now
        )
    note = next(m for _, m in out if isinstance(m, ManagerNote))
    text = _rendered(note, locale)
    assert f"*{shown}*" in text and hidden not in text


@BOTH
def test_the_retro_thread_names_the_kpi_in_the_teams_language(
    named: Harness, services: Services, locale: str, shown: str, hidden: str
) -> None:
    """'<@U001> 的复盘跟进：• 营收（流程）…': the follow-up in the retro's thread reads the team channel's language."""
    from storage.tables import RetroAsk, Team
    from tests.test_retro import RETRO_DAY, _answer_values, _month

    _month(named)
    with session_scope(named.engine) as session:
        session.exec(select(Team)).one().locale = locale
    named.clock.now = RETRO_DAY
    tick(services)
    ask = [
        p
        for p in named.slack.posted(named.slack.dm_channel("U001"))
        if p.get("blocks") and "retro_answer" in json.dumps(p["blocks"])
    ]
    named.click(
        "U001", "retro_answer", next(e["value"] for b in ask[-1]["blocks"] if b["type"] == "actions" for e in b["elements"])
    )
    view = named.slack.calls_to("views.open")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    with session_scope(named.engine) as session:
        kpis = session.exec(select(RetroAsk)).one().kpis
    _, body = named.submit(
        "U001", "retro_answers", _answer_values(kpis, change="跟进大客户"), private_metadata=view["private_metadata"]
    )
    assert not body
    thread = [p for p in named.slack.posted("C0SALES") if p.get("thread_ts")]
    assert len(thread) == 1
    assert f"{shown}" in thread[0]["text"] and hidden not in thread[0]["text"]


@BOTH
def test_the_evaluations_development_steps_name_the_kpi_in_the_readers_language(
    named: Harness, services: Services, locale: str, shown: str, hidden: str
) -> None:
    """'能力是短板（营收）…' in the released note, and the manager's draft line '发展名单：营收'."""
    from bot.evaluation_review import evaluation_rows, note_of
    from storage.tables import Evaluation
    from tests.test_evaluation_workflow import JAN_2, capability_cause

    _weeks(named, "U001", "Revenue", [10_000] * 13, start="2026-09-28")
    capability_cause(named, "U001", "Revenue", "Pair with Emma")
    named.clock.now = JAN_2
    tick(services)
    with session_scope(named.engine) as session:
        li = session.exec(select(Person).where(Person.slack_id == "U001")).one()
        evaluation = session.exec(select(Evaluation).where(Evaluation.person_id == li.id)).one()
        assert evaluation.details["development"][0]["params"]["kpis"] == ["Revenue"]  # stored as data, not as text
        note = note_of(evaluation)
        # the manager's list ("two quarters on target") is stored by plain name too: one named here stands for it
        evaluation.details = {**evaluation.details, "development_list": ["Revenue"]}
        session.add(evaluation)
        session.flush()
        row = next(r for r in evaluation_rows(session, period="2026-Q4") if r.slack_id == "U001")
    from bot.evaluation_review import EvaluationDrafts

    steps = _rendered(note, locale).split("\n", 1)[-1]
    step = next(line for line in steps.split("•") if "培训或辅导" in line or "coaching" in line)
    assert shown in step and hidden not in step
    drafts = _rendered(EvaluationDrafts("2026-Q4", "Sales East", [row]), locale)
    assert shown in drafts and hidden not in drafts


@BOTH
def test_the_gaming_watch_question_names_both_kpis_in_the_managers_language(
    named: Harness, locale: str, shown: str, hidden: str
) -> None:
    """'营收 improved while 投诉率 worsened': both KPIs of the watched pair under the reader's names."""
    from datetime import date

    from bot.gaming_watch import watch_questions
    from storage.tables import Team

    with session_scope(named.engine) as session:
        li = session.exec(select(Person).where(Person.slack_id == "U001")).one()
        for kpi in session.exec(select(Kpi).where(Kpi.owner_id == li.id)).all():
            if kpi.name == "Revenue":
                kpi.watch_with = ["Complaint rate"]
            if kpi.name == "Complaint rate":
                kpi.names = {"zh": "投诉率"}
            session.add(kpi)
    _weeks(named, "U001", "Revenue", [10_000] * 4 + [20_000] * 4)  # October, then a better November
    _weeks(named, "U001", "Complaint rate", [1.0] * 4 + [3.0] * 4)  # ...while complaints rose
    with session_scope(named.engine) as session:
        team = session.exec(select(Team)).one()
        questions = watch_questions(
            session, team_id=team.id or 0, month="2026-11", first=date(2026, 11, 1), last=date(2026, 11, 30)
        )
    assert len(questions) == 1
    text = _rendered(questions[0], locale)
    other = "投诉率" if locale == "zh-CN" else "Complaint rate"
    assert shown in text and other in text and hidden not in text


@BOTH
def test_me_and_history_name_the_kpi_in_the_readers_language(named: Harness, locale: str, shown: str, hidden: str) -> None:
    """/kpi me's learned aliases ('"成交" 指 营收') and /kpi history's week lines."""
    from storage.tables.aliases import LearnedAlias

    _weeks(named, "U001", "Revenue", [45_000], start="2026-11-23")
    with session_scope(named.engine) as session:
        li = session.exec(select(Person).where(Person.slack_id == "U001")).one()
        li.locale = locale
        revenue = session.exec(select(Kpi).where(Kpi.owner_id == li.id, Kpi.name == "Revenue")).one()
        session.add(LearnedAlias(person_id=li.id, kpi_id=revenue.id, phrase="<closed> deals", created_at=named.clock.now))
    _, me = named.command("U001", "me")
    alias = next(b for b in me["blocks"] if str(b.get("block_id", "")).startswith("alias_"))
    assert shown in alias["text"]["text"] and hidden not in alias["text"]["text"]
    assert "&lt;closed&gt; deals" in alias["text"]["text"]  # the person's words stay escaped
    _, history = named.command("U001", "history")
    weeks = json.dumps(history, ensure_ascii=False)
    assert shown in weeks and hidden not in weeks


def test_a_dispute_names_the_kpi_in_each_readers_language(named: Harness, services: Services) -> None:
    """Li Wei (zh-CN) disputes a fed value of 营收: his button, form and note say 营收; his manager (en-GB) reads Revenue."""
    from tests.test_fed_kpis import buttons, dispute, feed, manager_note, prompt_of

    feed(named, [("U001", "Revenue", "2026-11-25", 8000)])
    named.clock.now = named.clock.now.replace(hour=1)  # 09:00 in Shanghai
    tick(services)
    button = buttons(prompt_of(named, "U001"))[-1]
    assert "营收" in button["text"]["text"] and "Revenue" not in button["text"]["text"]
    dispute(named, "U001", "7500", "退款两笔")
    form = named.slack.calls_to("views.open")[-1].args["view"]
    assert "营收" in form["blocks"][0]["text"]["text"] and "Revenue" not in form["blocks"][0]["text"]["text"]
    note, _ = manager_note(named)
    assert "*Revenue*" in note["text"] and "营收" not in note["text"]
    assert named.slack.wait_for(lambda _: "<@U0MGR>" in named.last_to("U001")["text"])
    sent = named.last_to("U001")["text"]
    assert "营收" in sent and "Revenue" not in sent


@BOTH
def test_a_learned_alias_is_confirmed_with_the_kpis_name_in_the_readers_language(locale: str, shown: str, hidden: str) -> None:
    from bot.messages import AliasLearned

    text = _rendered(AliasLearned("closed deals", "Revenue", {"zh": "营收"}), locale)
    assert shown in text and hidden not in text and "closed deals" in text
