"""/kpi goals: the pyramid with each goal's KPIs; orphans and unsupported goals flagged; privacy kept."""

from __future__ import annotations

import json

from bot.orgfile import import_org
from storage.engine import session_scope
from tests.conftest import ORG, Harness

PYRAMID = ORG.replace(
    "goals:\n  - {id: share, title: Grow market share by 3%, level: company}\n",
    "goals:\n"
    "  - {id: share, title: Grow market share by 3%, level: company}\n"
    "  - {id: repeat, title: Raise repeat purchase rate, level: department, parent: share}\n"
    "  - {id: east, title: Sales East wins 40 accounts, level: team, parent: repeat}\n"
    "  - {id: brand, title: Be the known brand in the east, level: department, parent: share}\n",
).replace(
    "horizon: leading, goal: share, source: CRM}\n  - {owner: U002",
    "horizon: leading, goal: east, source: CRM}\n  - {owner: U002",
)


def test_the_tree_with_kpis_attainment_and_flags(bot: Harness) -> None:
    with session_scope(bot.engine) as session:
        import_org(
            session,
            PYRAMID.replace(
                "{owner: U003, name: Revenue, unit: USD, target: 90000, period: 2026-Q4, weight: 100, goal: share,",
                "{owner: U003, name: Revenue, unit: USD, target: 90000, period: 2026-Q4, weight: 100,",
            ),
        )
    bot.dm("U001", "销售额4.5万，新客户2个，投诉率1.5%")
    _, body = bot.command("U0ADMIN", "goals")
    text = json.dumps(body, ensure_ascii=False)
    assert text.index("Grow market share") < text.index("Raise repeat purchase") < text.index("Sales East wins")
    assert "Li Wei: " in text and "New customers" in text  # the KPI under its team goal, with its owner
    assert "no KPI supports this goal" in text and text.index("Be the known brand") < text.rindex("no KPI supports")
    assert "1 KPIs support no goal" in text and "Sam Gone" in text


def test_people_see_numbers_only_for_kpis_they_may_see(bot: Harness) -> None:
    with session_scope(bot.engine) as session:
        import_org(session, PYRAMID)
    _, body = bot.command("U002", "goals")
    text = json.dumps(body, ensure_ascii=False)
    assert "Emma Brown" in text and "Li Wei" not in text and "Sam Gone" not in text
    assert "not yours to see in detail" in text
    _, body = bot.command("U0MGR", "goals")
    assert "Li Wei" in json.dumps(body, ensure_ascii=False)


def test_the_negative_list_is_shown_with_the_kpis_and_in_the_prompt(bot: Harness, services) -> None:
    from bot.rounds import tick

    with session_scope(bot.engine) as session:
        import_org(
            session,
            ORG.replace(
                "weight: 60, goal: share, source: CRM}",
                "weight: 60, goal: share, source: CRM, forbidden: [no over-promising to customers, <!channel> never discount below cost]}",
            ),
        )
    _, body = bot.command("U002", "me")
    text = json.dumps(body, ensure_ascii=False)
    assert "Not at any price" in text and "no over-promising to customers" in text and "&lt;!channel&gt;" in text
    bot.clock.now = bot.clock.now.replace(hour=14)
    tick(services)
    assert "no over-promising to customers" in json.dumps(bot.last_to("U002")["blocks"])
