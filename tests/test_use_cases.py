"""The use cases in bot/use_cases/ called directly (no Slack) on the real database: what each returns or refuses."""

from __future__ import annotations

import pytest

from bot.refusal import Mentions, Names, Refusal
from bot.services import Services
from bot.use_cases.asker import asker, locale_of
from bot.use_cases.charts import my_chart, team_chart
from bot.use_cases.goals import goals_for
from bot.use_cases.me import my_page
from bot.use_cases.team import check_team, team_overview
from handlers.errors import refusal_text
from storage.tables import Person


def _person(services: Services, slack_id: str) -> Person:
    found = asker(services, slack_id)
    assert found is not None
    return found


def test_asker_and_locale(services: Services, org: None) -> None:
    assert _person(services, "U001").name == "Li Wei"
    assert asker(services, "U0NOBODY") is None
    assert locale_of(services, "U0NOBODY") is None


def test_my_page_holds_own_kpis_in_weight_order_and_nothing_released_yet(services: Services, org: None) -> None:
    page = my_page(services, person=_person(services, "U001"), now=services.clock())
    assert [k.kpi.name for k in page.kpis] == ["Revenue", "New customers", "Complaint rate"]
    assert page.week and page.feedback is None and page.evaluation is None
    assert all(k.trend == [] for k in page.kpis)  # nothing reported yet


def test_my_page_without_kpis_is_empty(services: Services, org: None) -> None:
    page = my_page(services, person=_person(services, "U0ADMIN"), now=services.clock())
    assert page.kpis == [] and page.pace is None


def test_team_overview_for_the_manager_and_refusals_for_others(services: Services, org: None) -> None:
    team, summary = team_overview(services, asker=_person(services, "U0MGR"), name=None, now=services.clock())
    assert team.name == "Sales East" and {m.name for m in summary.members} >= {"Li Wei", "Emma Brown"}
    with pytest.raises(Refusal) as refused:
        team_overview(services, asker=_person(services, "U002"), name="Sales East", now=services.clock())
    assert refused.value.key == "not_a_manager" and refused.value.params["who"] == Mentions(("U0MGR",), "no_admins")
    with pytest.raises(Refusal) as unknown:
        check_team(services, asker=_person(services, "U0ADMIN"), name="Nowhere <!channel>")
    assert unknown.value.key == "unknown_team"
    text = refusal_text(unknown.value, "en-US")
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text and "Sales East" in text


def test_refusal_text_escapes_user_text_and_words_empty_lists_in_the_readers_language() -> None:
    refusal = Refusal("unknown_team", name="a<b", known=Names((), empty="no_teams"))
    assert "a&lt;b" in refusal_text(refusal, "en-US")
    zh = refusal_text(Refusal("not_a_manager", who=Mentions((), empty="no_admins")), "zh-CN")
    assert "<@" not in zh and zh != refusal_text(Refusal("not_a_manager", who=Mentions((), empty="no_admins")), "en-US")


def test_charts_and_goals(services: Services, org: None) -> None:
    li = _person(services, "U001")
    series, title = my_chart(services, asker=li, now=services.clock())
    assert title.startswith("Li Wei · ") and len(series) == 3
    with pytest.raises(Refusal):
        team_chart(services, asker=li, name=None, now=services.clock())
    tree = goals_for(services, asker=li, now=services.clock())
    assert [node.key for node in tree.nodes] == ["share"]
