"""KPI names and goal titles per language: each reader sees their own, the parser reads every one."""

from __future__ import annotations

import pytest
from sqlmodel import select

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
