"""The use cases in bot/use_cases/ called directly (no Slack) on the real database: what each returns or refuses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.refusal import Mentions, Names, Refusal
from bot.retro import AnswerInput
from bot.services import Services
from bot.use_cases.asker import asker, locale_of
from bot.use_cases.charts import my_chart, team_chart
from bot.use_cases.checkin import confirm, go_away, open_form, save_form, skip, snooze
from bot.use_cases.conversation import answer_message
from bot.use_cases.feedback import Started, answer, close_round, invitation, round_results, start_rounds, unsolicited
from bot.use_cases.followup import close_item, may_comment, may_drop, resolve
from bot.use_cases.goals import goals_for
from bot.use_cases.home import home_page
from bot.use_cases.me import my_page
from bot.use_cases.people import refresh_profile
from bot.use_cases.recognition import decide_star, kudos, share
from bot.use_cases.retro import answer_retro, retro_form
from bot.use_cases.review import decide_review, digest, reweight
from bot.use_cases.settings import SettingsSaved, save_settings, settings_page
from bot.use_cases.team import check_team, team_overview
from bot.use_cases.warnings import pick_cause, save_plan
from handlers.errors import refusal_text
from kpibot_dev.standin import SlackStandIn
from storage.engine import session_scope
from storage.tables import (
    ActionItem,
    Checkin,
    FeedbackResponse,
    Kpi,
    KpiProposal,
    KpiReview,
    Kudos,
    Measurement,
    Person,
    Recognition,
    Retro,
    RetroAsk,
    Team,
)


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


def _review(services: Services) -> int:
    with session_scope(services.engine) as session:
        team = session.exec(select(Team).where(Team.name == "Sales East")).one()
        review = KpiReview(team_id=team.id or 0, half="2026-H2", decisions={"_kpis": ["Complaint rate", "Revenue"]})
        session.add(review)
        session.flush()
        return review.id or 0


def _statuses(services: Services) -> list[str]:
    with session_scope(services.engine) as session:
        return sorted(k.status for k in session.exec(select(Kpi).where(Kpi.name == "Complaint rate")).all())


def test_review_decisions_are_the_managers_and_a_refusal_changes_nothing(services: Services, org: None) -> None:
    review_id, now = _review(services), services.clock()
    for slack_id, index, key in [
        ("U002", "0", "prop_not_allowed"),
        ("U0MGR", "9", "review_not_found"),
        ("U0NOBODY", "0", "review_not_found"),
    ]:
        with pytest.raises(Refusal) as refused:
            decide_review(services, slack_id=slack_id, review_id=review_id, index=index, decision="retire", now=now)
        assert refused.value.key == key
    assert _statuses(services) == ["active"]
    done = decide_review(services, slack_id="U0MGR", review_id=review_id, index="0", decision="retire", now=now)
    assert (done.name, done.retired, done.locale) == ("Complaint rate", 1, "en-US") and _statuses(services) == ["retired"]
    asked = decide_review(services, slack_id="U0MGR", review_id=review_id, index="1", decision="reweight", now=now)
    assert asked.weights == {"New customers": 30.0, "Revenue": 50.0}


def test_reweight_checks_the_form_and_proposes_to_each_member(services: Services, org: None) -> None:
    review_id, now = _review(services), services.clock()
    team_id = decide_review(services, slack_id="U0MGR", review_id=review_id, index="1", decision="keep", now=now).team_id
    listed_digest = digest(["Complaint rate", "New customers", "Revenue"])

    def refused(**changes: object) -> Refusal:
        arguments: dict = {"slack_id": "U0MGR", "team_id": team_id, "listed_digest": listed_digest, "typed": ["0", "40", "60"]}
        with pytest.raises(Refusal) as caught:
            reweight(services, now=now, **{**arguments, **changes})
        return caught.value

    assert refused(team_id=None).key == "fb_tampered"
    assert refused(listed_digest="0" * 16).key == "reweight_changed"
    wrong = refused(typed=["0", "40", "sixty"])
    assert (wrong.key, wrong.field) == ("err_weight", "w2")
    assert refused(typed=["0", "40", "50"]).params == {"total": "90"}
    with session_scope(services.engine) as session:
        assert session.exec(select(KpiProposal)).all() == []
    done = reweight(services, slack_id="U0MGR", team_id=team_id, listed_digest=listed_digest, typed=["0", "40", "60"], now=now)
    assert done.manager.slack_id == "U0MGR" and {m.slack_id for m, _ in done.proposals} == {"U001", "U002", "U003"}


def _checkin(services: Services, slack_id: str = "U001") -> int:
    from bot.periods import week_key

    with session_scope(services.engine) as session:
        person = session.exec(select(Person).where(Person.slack_id == slack_id)).one()
        checkin = Checkin(person_id=person.id or 0, period_key=week_key(services.clock().date()), status="prompted")
        session.add(checkin)
        session.flush()
        return checkin.id or 0


def _status(services: Services, checkin_id: int) -> str:
    with session_scope(services.engine) as session:
        found = session.get(Checkin, checkin_id)
        assert found is not None
        return str(found.status)


def test_only_the_owner_acts_on_a_checkin(services: Services, org: None) -> None:
    ident, now = _checkin(services), services.clock()

    def refused(act: Callable[..., object], **kw: object) -> str:
        with pytest.raises(Refusal) as caught:
            act(services, **kw)
        return caught.value.key

    for slack_id, checkin_id in [("U002", ident), ("U0NOBODY", ident), ("U001", ident + 999), ("U001", None)]:
        mine = {"slack_id": slack_id, "checkin_id": checkin_id}
        assert refused(skip, **mine) == refused(snooze, now=now, **mine) == "not_yours"
        assert refused(confirm, now=now, **mine) == refused(open_form, now=now, **mine) == "not_yours"
    assert _status(services, ident) == "prompted"
    form = open_form(services, slack_id="U001", checkin_id=ident, now=now)
    assert form.checkin_id == ident and [line.name for line in form.lines] == ["Revenue", "New customers", "Complaint rate"]
    assert snooze(services, slack_id="U001", checkin_id=ident, now=now) == "en-US" and _status(services, ident) == "snoozed"


def test_the_form_stores_numbers_and_names_the_ones_that_are_not(services: Services, org: None) -> None:
    ident, now = _checkin(services), services.clock()
    form = open_form(services, slack_id="U001", checkin_id=ident, now=now)
    revenue, customers, rate = (str(line.kpi_id) for line in form.lines)
    with pytest.raises(Refusal) as refused:
        save_form(services, slack_id="U002", checkin_id=ident, typed={revenue: "1"}, now=now)
    assert refused.value.key == "form_not_yours"
    wrong = save_form(
        services, slack_id="U001", checkin_id=ident, typed={revenue: "45000", customers: "lots", rate: "inf"}, now=now
    )
    assert sorted(wrong.not_numbers) == sorted([customers, rate]) and wrong.outgoing == []
    with session_scope(services.engine) as session:
        assert session.exec(select(Measurement)).all() == []
    saved = save_form(services, slack_id="U001", checkin_id=ident, typed={revenue: "45000", customers: ""}, now=now)
    assert saved.not_numbers == [] and saved.outgoing and _status(services, ident) == "stored"
    with session_scope(services.engine) as session:
        assert [m.value for m in session.exec(select(Measurement)).all()] == [45000]


def test_time_off_must_end_after_today(services: Services, org: None) -> None:
    today = services.clock().date()
    for until in (None, today, today - timedelta(days=3)):
        with pytest.raises(Refusal) as refused:
            go_away(services, slack_id="U001", until=until, now=services.clock())
        assert refused.value.key == "away_past"
    go_away(services, slack_id="U0NOBODY", until=today + timedelta(days=5), now=services.clock())  # nobody: nothing to do
    go_away(services, slack_id="U001", until=today + timedelta(days=5), now=services.clock())
    assert _person(services, "U001").away_until == today + timedelta(days=4)


def test_360_rounds_are_started_and_closed_by_managers_only(services: Services, org: None) -> None:
    manager, emma, now = _person(services, "U0MGR"), _person(services, "U002"), services.clock()
    refused = start_rounds(services, asker=emma, ratee_slack_ids=["U001"], words=["<@U001>"], now=now)
    assert [o.key for o in refused.outcomes if isinstance(o, Refusal)] == ["fb_not_manager"]
    with pytest.raises(Refusal) as team:
        start_rounds(services, asker=emma, ratee_slack_ids=[], words=["team"], now=now)
    assert team.value.key == "fb_not_manager"
    rounds = start_rounds(
        services, asker=manager, ratee_slack_ids=["U001", "U0NOBODY"], words=["<@U001>", "<@U0NOBODY>"], now=now
    )
    started, unknown = rounds.outcomes
    assert isinstance(started, Started) and started.ratee == "Li Wei" and started.invited >= 1
    assert isinstance(unknown, Refusal) and unknown.key == "fb_unknown_person" and rounds.closes > now
    for who, ratee, key in [(emma, "U001", "fb_not_manager"), (manager, "U0NOBODY", "fb_unknown_person")]:
        with pytest.raises(Refusal) as caught:
            round_results(services, asker=who, ratee_slack_id=ratee)
        assert caught.value.key == key
    assert round_results(services, asker=manager, ratee_slack_id="U001").released is None
    with pytest.raises(Refusal) as closing:
        close_round(services, asker=emma, ratee_slack_id="U001", now=now)
    assert closing.value.key == "fb_close_not_allowed" and closing.value.params == {"name": "Li Wei"}
    assert close_round(services, asker=manager, ratee_slack_id="U001", now=now).ratee.name == "Li Wei"


def test_feedback_answers_need_a_request_of_ones_own_and_every_rating(services: Services, org: None) -> None:
    li, now = _person(services, "U001"), services.clock()
    with pytest.raises(Refusal) as self_rating:
        unsolicited(services, rater=li, ratee_slack_id="U001", now=now)
    assert self_rating.value.key == "fb_self"
    request_id, ratee = unsolicited(services, rater=li, ratee_slack_id="U002", now=now)
    assert ratee == "Emma Brown" and invitation(services, rater_slack_id="U001", request_id=request_id, now=now)[0] == request_id
    for slack_id, ident in [("U002", request_id), ("U001", None), ("U0NOBODY", request_id)]:
        with pytest.raises(Refusal) as refused:
            invitation(services, rater_slack_id=slack_id, request_id=ident, now=now)
        assert refused.value.key == "fb_not_invited"
    competencies = list(services.settings.feedback_competencies)
    partial = answer(services, rater_slack_id="U001", request_id=request_id, levels={competencies[0]: "4"}, comment="", now=now)
    assert partial.unpicked == competencies[1:] and not partial.replaced
    with session_scope(services.engine) as session:
        assert session.exec(select(FeedbackResponse)).all() == []
    levels = dict.fromkeys(competencies, "4")
    assert not answer(services, rater_slack_id="U001", request_id=request_id, levels=levels, comment="ok", now=now).replaced
    assert answer(services, rater_slack_id="U001", request_id=request_id, levels=levels, comment="again", now=now).replaced


def test_a_warnings_next_step_is_the_owners_and_needs_a_step_and_a_date(services: Services, org: None) -> None:
    now = services.clock()
    with session_scope(services.engine) as session:
        kpi_id = session.exec(select(Kpi).join(Person, Person.id == Kpi.owner_id).where(Person.slack_id == "U002")).first()
        assert kpi_id is not None and kpi_id.id is not None
        ident = kpi_id.id
    for slack_id, cause in [("U001", "process"), ("U002", "luck"), ("U0NOBODY", "process")]:
        with pytest.raises(Refusal) as refused:
            pick_cause(services, slack_id=slack_id, kpi_id=ident, cause=cause)
        assert refused.value.key == "not_yours"
    assert pick_cause(services, slack_id="U002", kpi_id=ident, cause="process") == (ident, "en-US")
    plan = {"kpi_id": ident, "cause": "process", "origin": "warning", "now": now}
    with pytest.raises(Refusal) as someone_else:
        save_plan(services, slack_id="U001", step="call them", due_text="friday", **plan)  # type: ignore[arg-type]
    assert someone_else.value.key == "form_not_yours"
    empty = save_plan(services, slack_id="U002", step="", due_text="someday maybe", **plan)  # type: ignore[arg-type]
    assert empty.problems == {"step": "plan_empty", "due": "plan_bad_date"}
    saved = save_plan(services, slack_id="U002", step="call the three biggest leads", due_text="friday", **plan)  # type: ignore[arg-type]
    assert saved.problems == {} and saved.due is not None and saved.due > now.date()
    with session_scope(services.engine) as session:
        assert [a.next_step for a in session.exec(select(ActionItem)).all()] == ["call the three biggest leads"]


def test_home_page_shows_own_kpis_and_managed_teams_only(services: Services, org: None) -> None:
    assert home_page(services, slack_id="U0NOBODY", now=services.clock()) is None
    li = home_page(services, slack_id="U001", now=services.clock())
    assert li is not None and [k.name for k in li.kpis] == ["Revenue", "New customers", "Complaint rate"] and li.teams == []
    manager = home_page(services, slack_id="U0MGR", now=services.clock())
    assert manager is not None and [t.team for t in manager.teams] == ["Sales East"]


def test_profile_changes_keep_only_what_the_scheduler_can_use(services: Services, org: None) -> None:
    now = services.clock()
    assert refresh_profile(services, slack_id="U0NOBODY", tz="UTC", locale="en-US", deleted=False, now=now) is None
    changed = refresh_profile(services, slack_id="U001", tz="Asia/Tokyo", locale="zh-CN", deleted=False, now=now)
    assert changed is not None and (changed.tz, changed.locale) == ("Asia/Tokyo", "zh-CN")
    refresh_profile(services, slack_id="U001", tz="Mars/Olympus", locale="x" * 40, deleted=True, now=now)
    stored = _person(services, "U001")
    assert (stored.tz, stored.locale, stored.active) == ("Asia/Tokyo", "zh-CN", False)


def test_followup_buttons_of_strangers_or_forged_ids_change_nothing(services: Services, org: None) -> None:
    from bot.followup import Outcome

    now = services.clock()
    with session_scope(services.engine) as session:
        li = session.exec(select(Person).where(Person.slack_id == "U001")).one()
        item = ActionItem(person_id=li.id or 0, origin="warning", root_cause="process", next_step="call", due=now.date())
        session.add(item)
        session.flush()
        item_id = item.id
    assert resolve(services, slack_id="U0NOBODY", blocker_id=1, now=now)[0].outcome is Outcome.UNKNOWN
    assert may_comment(services, slack_id="U001", blocker_id=None) == (Outcome.UNKNOWN, "en-US")
    assert may_drop(services, slack_id="U002", item_id=item_id)[0] is Outcome.NOT_ALLOWED
    assert may_drop(services, slack_id="U001", item_id=item_id)[0] is Outcome.DONE
    assert close_item(services, slack_id="U002", item_id=item_id, how="done", now=now)[0].outcome is Outcome.NOT_ALLOWED
    assert close_item(services, slack_id="U001", item_id=item_id, how="drop", now=now)[0].outcome is Outcome.NEEDS_REASON
    assert close_item(services, slack_id="U001", item_id=item_id, how="done", now=now)[0].outcome is Outcome.DONE
    assert close_item(services, slack_id="U001", item_id=item_id, how="done", now=now)[0].outcome is Outcome.ALREADY


def test_a_chart_asked_for_on_2_january_shows_the_quarter_just_ended(services: Services, org: None) -> None:
    """Q1 has no figures yet on 2 January: the charts draw Q4 (what a person asking then expects), not "no data"."""
    from datetime import UTC, date, datetime

    from bot.periods import week_key

    with session_scope(services.engine) as session:
        li = session.exec(select(Person).where(Person.slack_id == "U001")).one()
        revenue = session.exec(select(Kpi).where(Kpi.owner_id == li.id, Kpi.name == "Revenue")).one()
        for i in range(12):
            monday = date(2026, 10, 5) + timedelta(weeks=i)
            session.add(Measurement(kpi_id=revenue.id, period_key=week_key(monday), week_start=monday, value=40_000))
    new_year = datetime(2027, 1, 2, 1, tzinfo=UTC)  # 09:00 in Shanghai
    series, title = my_chart(services, asker=_person(services, "U001"), now=new_year)
    drawn = {s.name: s for s in series}
    assert len(drawn["Revenue"].weeks) == 12 and drawn["Revenue"].values[-1] == 480_000
    assert title == "Li Wei · week 53"  # the quarter's last week, in the reader's words
    reader = _person(services, "U0MGR")
    reader.locale = "zh-CN"
    team, team_title = team_chart(services, asker=reader, name=None, now=new_year)
    assert any(s.weeks for s in team) and team_title.endswith(" · 第53周")
    # within a quarter that has figures, the chart stays on it
    series, title = my_chart(services, asker=_person(services, "U001"), now=datetime(2026, 12, 21, 2, tzinfo=UTC))
    assert title == "Li Wei · week 52" and len({s.name: s for s in series}["Revenue"].weeks) == 12


def test_a_dm_is_stored_once_per_event_and_a_stranger_is_told_whom_to_ask(services: Services, org: None) -> None:
    now = services.clock()
    stranger = answer_message(services, event_id="Ev1", slack_id="U0NOBODY", text="hi", ts="1.0", edit=False, now=now)
    assert stranger is not None and not stranger.known
    assert [o.message.key for o in stranger.outgoing] == ["unknown_person"]
    assert answer_message(services, event_id="Ev1", slack_id="U0NOBODY", text="hi", ts="1.0", edit=False, now=now) is None
    edited = answer_message(services, event_id="Ev2", slack_id="U0NOBODY", text="hey", ts="1.0", edit=True, now=now)
    assert edited is not None and edited.outgoing == []  # a stranger's edit gets no second answer

    def revenue() -> list[float]:
        with session_scope(services.engine) as session:
            li = session.exec(select(Person).where(Person.slack_id == "U001")).one()
            kpi = session.exec(select(Kpi).where(Kpi.owner_id == li.id, Kpi.name == "Revenue")).one()
            return [m.value for m in session.exec(select(Measurement).where(Measurement.kpi_id == kpi.id)).all()]

    reply = answer_message(services, event_id="Ev3", slack_id="U001", text="revenue 120k", ts="2.0", edit=False, now=now)
    assert reply is not None and reply.known and reply.outgoing and revenue() == [120_000]
    # Slack retries the event: nothing is stored twice, nothing is answered twice
    assert answer_message(services, event_id="Ev3", slack_id="U001", text="revenue 120k", ts="2.0", edit=False, now=now) is None
    fixed = answer_message(services, event_id="Ev4", slack_id="U001", text="revenue 130k", ts="2.0", edit=True, now=now)
    assert fixed is not None and fixed.known and revenue() == [130_000]


def _retro_ask(services: Services, *, channel: str | None = None) -> tuple[int, int]:
    """A November retro follow-up for Li Wei about Revenue: (ask id, KPI id)."""
    with session_scope(services.engine) as session:
        li = session.exec(select(Person).where(Person.slack_id == "U001")).one()
        kpi = session.exec(select(Kpi).where(Kpi.owner_id == li.id, Kpi.name == "Revenue")).one()
        retro = Retro(team_id=li.team_id or 0, month="2026-11", channel_id=channel)
        session.add(retro)
        session.flush()
        ask = RetroAsk(
            retro_id=retro.id or 0, person_id=li.id or 0, kpis=[{"kpi_id": kpi.id, "name": "Revenue", "status": "behind"}]
        )
        session.add(ask)
        session.flush()
        return ask.id or 0, kpi.id or 0


def test_a_retro_follow_up_is_answered_by_its_addressee_all_or_nothing_and_once(services: Services, org: None) -> None:
    ask_id, kpi_id = _retro_ask(services)
    now = services.clock()
    for slack_id, ident in [("U002", ask_id), ("U0NOBODY", ask_id), ("U001", None), ("U001", ask_id + 999)]:
        with pytest.raises(Refusal) as refused:
            retro_form(services, slack_id=slack_id, ask_id=ident)
        assert refused.value.key == "retro_not_yours"
    with pytest.raises(Refusal) as stranger:
        answer_retro(services, slack_id="U002", ask_id=ask_id, read=lambda k: AnswerInput(k, "", "", "", ""), now=now)
    assert stranger.value.key == "retro_not_yours"
    form = retro_form(services, slack_id="U001", ask_id=ask_id)
    assert (form.ask_id, form.month, form.slack_id) == (ask_id, "2026-11", "U001")
    assert [(k.kpi_id, k.name, k.status) for k in form.kpis] == [(kpi_id, "Revenue", "behind")]

    def stored() -> int:
        with session_scope(services.engine) as session:
            return len(session.exec(select(ActionItem).where(ActionItem.kpi_id == kpi_id)).all())

    read_kpis: list[int] = []

    def bad(kpi: int) -> AnswerInput:
        read_kpis.append(kpi)
        return AnswerInput(kpi, "weather", " ", "U0NOBODY", "yesterday")

    wrong = answer_retro(services, slack_id="U001", ask_id=ask_id, read=bad, now=now)
    assert read_kpis == [kpi_id]  # the stored follow-up says which KPIs the form holds
    assert wrong.errors == {f"{kpi_id}:cause": "retro_need_cause"} and wrong.key is None and stored() == 0
    wrong = answer_retro(
        services, slack_id="U001", ask_id=ask_id, read=lambda k: AnswerInput(k, "process", " ", "U0NOBODY", "yesterday"), now=now
    )
    assert wrong.errors == {
        f"{kpi_id}:change": "retro_need_change",
        f"{kpi_id}:owner": "retro_bad_owner",
        f"{kpi_id}:due": "retro_past_due",
    }
    assert stored() == 0

    def good(kpi: int) -> AnswerInput:
        return AnswerInput(kpi, "process", "call the top ten twice a week", "U002", "2026-12-18")

    answered = answer_retro(services, slack_id="U001", ask_id=ask_id, read=good, now=now)
    assert answered.errors == {} and answered.key and stored() == 1  # no channel post: the manager gets the answers
    with pytest.raises(Refusal) as again:
        retro_form(services, slack_id="U001", ask_id=ask_id)
    assert again.value.key == "retro_already"
    twice = answer_retro(services, slack_id="U001", ask_id=ask_id, read=good, now=now)
    assert twice.errors == {"*": "retro_already"} and stored() == 1


def test_kudos_are_stored_counted_and_sent_and_only_the_giver_shares_them_once(
    services: Services, org: None, slack: SlackStandIn
) -> None:
    now, emma = services.clock(), _person(services, "U002")
    given = kudos(services, giver=emma, receiver_slack_id="U001", text="for covering my calls", now=now)
    assert (given.receiver_slack_id, given.count) == ("U001", 1)
    assert "covering my calls" in slack.posted(slack.dm_channel("U001"))[-1]["text"]  # sent once stored
    with pytest.raises(Refusal) as self_kudos:
        kudos(services, giver=emma, receiver_slack_id="U002", text="for being me", now=now)
    assert self_kudos.value.key == "kudos_self"
    assert kudos(services, giver=_person(services, "U0MGR"), receiver_slack_id="U001", text="for the demo", now=now).count == 2

    def shared() -> str | None:
        with session_scope(services.engine) as session:
            row = session.get(Kudos, given.kudos_id)
            assert row is not None
            return row.shared_ts

    for slack_id, ident in [("U001", given.kudos_id), ("U0NOBODY", given.kudos_id), ("U002", None)]:
        with pytest.raises(Refusal) as refused:
            share(services, slack_id=slack_id, kudos_id=ident)
        assert refused.value.key == "kudos_not_yours"
    slack.fail("chat.postMessage", "is_archived", times=1, channel="C0SALES")
    assert share(services, slack_id="U002", kudos_id=given.kudos_id).channel is None and shared() is None
    done = share(services, slack_id="U002", kudos_id=given.kudos_id)
    assert (done.channel, done.locale) == ("C0SALES", emma.locale) and shared() is not None
    assert len(slack.posted("C0SALES")) == 1
    with pytest.raises(Refusal) as twice:
        share(services, slack_id="U002", kudos_id=given.kudos_id)
    assert twice.value.key == "kudos_shared_already" and len(slack.posted("C0SALES")) == 1


def test_the_star_is_the_managers_to_confirm_once_and_stands_without_a_channel(
    services: Services, org: None, slack: SlackStandIn
) -> None:
    with session_scope(services.engine) as session:
        emma = session.exec(select(Person).where(Person.slack_id == "U002")).one()
        team = session.exec(select(Team)).one()
        team.channel_id = None
        star = Recognition(person_id=emma.id or 0, team_id=team.id, period="2026-Q4", proposed_id=emma.id)
        session.add(star)
        session.flush()
        star_id = star.id or 0
    now = services.clock()

    def status() -> str:
        with session_scope(services.engine) as session:
            row = session.get(Recognition, star_id)
            assert row is not None
            return row.status

    for slack_id, ident in [("U002", star_id), ("U0NOBODY", star_id), ("U0MGR", None), ("U0MGR", star_id + 9)]:
        with pytest.raises(Refusal) as refused:
            decide_star(services, slack_id=slack_id, recognition_id=ident, pick=None, now=now)
        assert refused.value.key == "star_not_yours"
    with pytest.raises(Refusal) as outside:
        decide_star(services, slack_id="U0MGR", recognition_id=star_id, pick="U0ADMIN", now=now)
    assert outside.value.key == "star_pick_outside" and status() == "proposed"
    decided = decide_star(services, slack_id="U0MGR", recognition_id=star_id, pick=None, now=now)
    assert decided.channel is None and status() == "confirmed" and not slack.posted()  # chosen, announced nowhere
    with pytest.raises(Refusal) as again:
        decide_star(services, slack_id="U0MGR", recognition_id=star_id, pick="U001", now=now)
    assert again.value.key == "star_done"


def test_settings_are_checked_field_by_field_and_saved_all_or_nothing(services: Services, org: None) -> None:
    now = services.clock()
    li_page = settings_page(services, person=_person(services, "U001"))
    assert li_page.team_default is not None and (li_page.team_default.weekday, li_page.team_default.time) == (0, "09:00")
    assert li_page.managed == []
    manager_page = settings_page(services, person=_person(services, "U0MGR"))
    assert [t.name for t in manager_page.managed] == ["Sales East"]
    team_id = manager_page.managed[0].id

    def save(slack_id: str, form: dict[str, str]) -> tuple[list[tuple[str, str]], SettingsSaved]:
        saved = save_settings(services, slack_id=slack_id, blocks=set(form), read=lambda b: form.get(b) or None, now=now)
        return [(p.field, p.key) for p in saved.problems], saved

    assert save("U0NOBODY", {"weekday": "1"})[0] == [("weekday", "not_in_org")]
    problems, _ = save(
        "U0MGR",
        {"weekday": "9", "reminder": "٣", "pause_from": "someday", f"team{team_id}_weekday": "2", f"team{team_id}_time": "9"},
    )
    assert set(problems) >= {
        ("pause_from", "settings_bad_date"),
        ("weekday", "settings_bad_weekday"),
        ("reminder", "settings_bad_reminder"),
        (f"team{team_id}_time", "settings_bad_time"),
    }
    stored = _person(services, "U0MGR")
    assert (stored.checkin_weekday, stored.reminder_after_hours) == (None, None)
    assert settings_page(services, person=stored).managed[0].default_weekday is None  # nothing saved, the team's part neither

    problems, saved = save("U0MGR", {"weekday": "2", "time": "10:30", f"team{team_id}_weekday": "3"})
    assert problems == [] and _person(services, "U0MGR").checkin_weekday == 2
    assert settings_page(services, person=stored).managed[0].default_weekday == 3
    save("U0MGR", {"weekday": "2"})  # a form opened before they managed the team: its defaults stay
    assert settings_page(services, person=stored).managed[0].default_weekday == 3
    # Li's schedule follows the new team default; a team block she does not manage (a forged form) is ignored
    problems, saved = save("U001", {"reminder": "4", f"team{team_id}_weekday": "5"})
    assert problems == [] and settings_page(services, person=stored).managed[0].default_weekday == 3
    schedule = saved.schedule
    assert schedule is not None and (schedule.weekday, schedule.time, schedule.reminder_hours) == (3, "09:00", 4)
