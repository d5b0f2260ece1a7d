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
