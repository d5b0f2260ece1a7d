"""360 feedback through the real app: cycles, the modal, anonymity, abuse."""

from __future__ import annotations

import json

from sqlmodel import select

from bot.rounds import tick
from bot.services import Services
from handlers.metadata import sign
from storage.engine import session_scope
from storage.tables import FeedbackCycle, FeedbackRequest, FeedbackResponse, Person
from tests.conftest import SIGNING_SECRET, Harness


def _ratings(level: str = "4") -> dict:
    values = {
        f"c_{c}": {"level": {"type": "static_select", "selected_option": {"value": level}}}
        for c in ("collaboration", "customer focus", "ownership", "innovation")
    }
    return values


def _answer(
    bot: Harness, rater: str, request_id: int, *, level: str = "4", comment: str = "", metadata: str | None = None
) -> dict:
    values = {**_ratings(level), "comment": {"text": {"type": "plain_text_input", "value": comment}}}
    _, body = bot.submit(rater, "feedback_form", values, private_metadata=metadata or sign(SIGNING_SECRET, str(request_id)))
    return body


def _requests(bot: Harness) -> dict[str, int]:
    from storage.tables import Person

    with session_scope(bot.engine) as session:
        rows = session.exec(select(FeedbackRequest, Person).join(Person, Person.id == FeedbackRequest.rater_id)).all()
    return {p.slack_id: r.id for r, p in rows}


def _start(bot: Harness, ratee: str = "U001", when: str = "in 10 days") -> dict:
    _, body = bot.command("U0MGR", f"360 start <@{ratee}|name> {when}")
    bot.slack.wait_for(lambda _: len(bot.slack.posted()) >= 1, timeout=30)
    return body


def test_a_manager_starts_a_cycle_and_raters_are_invited(bot: Harness) -> None:
    body = _start(bot)
    assert "started: 3 people invited" in json.dumps(body)

    def invited() -> set[str]:
        return {p["channel"] for p in bot.slack.posted() if "Mia Manager started a 360 round for Li Wei" in p["text"]}

    assert bot.slack.wait_for(lambda _: len(invited()) >= 2, timeout=30)
    assert invited() == {bot.slack.dm_channel(u) for u in ("U002", "U003")}  # peers, not Li Wei
    # the manager rates too, and is not told that he himself started the round as if it were someone else
    assert bot.slack.wait_for(
        lambda _: any(
            p["text"].startswith("You started a 360 round for Li Wei") for p in bot.slack.posted(bot.slack.dm_channel("U0MGR"))
        ),
        timeout=10,
    )
    with session_scope(bot.engine) as session:
        assert all(r.invited_at is not None for r in session.exec(select(FeedbackRequest)).all())
    _, again = bot.command("U0MGR", "360 start <@U001>")
    assert "already open" in json.dumps(again)


def test_the_starter_reads_you_started_in_chinese(bot: Harness) -> None:
    with session_scope(bot.engine) as session:
        session.exec(select(Person).where(Person.slack_id == "U0MGR")).one().locale = "zh-CN"
    _start(bot)
    mine = bot.slack.dm_channel("U0MGR")
    assert bot.slack.wait_for(lambda _: any("360" in p["text"] for p in bot.slack.posted(mine)), timeout=30)
    text = next(p["text"] for p in bot.slack.posted(mine) if "360" in p["text"])
    assert text.startswith("你为 Li Wei 发起了一轮 360 反馈，也请留下你自己的意见") and "Mia Manager" not in text
    assert bot.slack.wait_for(
        lambda _: any("Mia Manager started" in p["text"] for p in bot.slack.posted(bot.slack.dm_channel("U002"))),
        timeout=10,
    )


def test_only_a_manager_or_admin_may_start(bot: Harness) -> None:
    _, body = bot.command("U002", "360 start <@U001>")
    assert "Only their manager or an admin" in json.dumps(body)
    _, body = bot.command("U0ADMIN", "360 start <@U001>")
    assert "started" in json.dumps(body)


def test_results_appear_only_when_the_round_closes_then_never_change(bot: Harness, services: Services) -> None:
    _start(bot)
    ids = _requests(bot)
    assert _answer(bot, "U002", ids["U002"], level="4", comment="Great at sharing leads") == {}
    assert _answer(bot, "U003", ids["U003"], level="2", comment="<!channel> please") == {}
    assert _answer(bot, "U0MGR", ids["U0MGR"], level="3") == {}
    _, body = bot.command("U001", "360 results")
    text = json.dumps(body)
    assert "No 360 round has been released" in text and "Great at sharing" not in text and "3.0" not in text  # open: nothing
    _, body = bot.command("U002", "360 close <@U001>")
    assert "only Li Wei's manager or an admin" in json.dumps(body) and "`/kpi 360 close`" in json.dumps(body)
    with session_scope(bot.engine) as session:
        assert session.exec(select(FeedbackCycle)).one().status == "open"  # the refusal changed nothing
    _, body = bot.command("U0MGR", "360 close <@U001>")
    assert "closed and released (3 answers)" in json.dumps(body)
    assert bot.slack.wait_for(lambda _: any("round closed" in p["text"] for p in bot.slack.posted(bot.slack.dm_channel("U001"))))
    _, body = bot.command("U001", "me")
    text = json.dumps(body, ensure_ascii=False)
    assert "3 answers" in text and "*3.0* / 5" in text
    assert "Great at sharing leads" in text and "&lt;!channel&gt;" in text and "<!channel>" not in text
    for name in ("Emma", "Sam", "Mia", "U002", "U003", "U0MGR"):
        assert name not in text  # no rater identity anywhere
    assert "peers" not in text  # the peer group has 2 answers: below the threshold, not broken out
    # an answer after the release joins the next round; the released result never changes
    bot.command("U002", "feedback <@U001>")
    with session_scope(bot.engine) as session:
        fresh = session.exec(select(FeedbackRequest).where(FeedbackRequest.cycle_id == None)).one()  # noqa: E711
    assert _answer(bot, "U002", fresh.id or 0, level="5", comment="Later praise") == {}
    assert _answer(bot, "U002", ids["U002"], level="1")["response_action"] == "errors"  # the closed round takes nothing
    _, again = bot.command("U001", "360 results")
    assert "*3.0* / 5" in json.dumps(again) and "Later praise" not in json.dumps(again)
    _, body = bot.command("U0MGR", "360 close <@U001>")
    assert "has no open 360 round" in json.dumps(body)
    # the next round counts the unsolicited answer
    _start(bot, when="in 5 days")
    with session_scope(bot.engine) as session:
        cycles = session.exec(select(FeedbackCycle).order_by(FeedbackCycle.id)).all()  # type: ignore[arg-type]
        counted = session.get(FeedbackRequest, fresh.id)
        assert len(cycles) == 2 and counted is not None and counted.counted_in_id is None


def test_a_round_with_two_answers_at_its_close_shows_nothing_and_the_ratee_is_told_why(bot: Harness, services: Services) -> None:
    _start(bot, when="in 3 days")
    ids = _requests(bot)
    _answer(bot, "U002", ids["U002"], level="4", comment="Nice")
    _answer(bot, "U003", ids["U003"], level="2")
    bot.clock.advance(days=5)
    assert tick(services).feedback_closed == 1
    assert bot.slack.wait_for(lambda _: any("360" in p["text"] for p in bot.slack.posted(bot.slack.dm_channel("U001"))))
    told = [p for p in bot.slack.posted(bot.slack.dm_channel("U001")) if "结束" in p["text"]]  # Li Wei reads Chinese
    assert told and "只有 2 人回答" in told[-1]["text"] and "Nice" not in json.dumps(told[-1])
    with session_scope(bot.engine) as session:
        cycle = session.exec(select(FeedbackCycle)).one()
        assert cycle.result == {"responses": 2, "threshold": 3}  # nothing but the count is kept as released
    _, body = bot.command("U0MGR", "360 results <@U001>")
    assert "2 answers" in json.dumps(body) and "Nice" not in json.dumps(body)
    assert tick(services).feedback_closed == 0  # released once


def test_a_second_submission_replaces_the_first(bot: Harness) -> None:
    _start(bot)
    ids = _requests(bot)
    _answer(bot, "U002", ids["U002"], level="2")
    _answer(bot, "U002", ids["U002"], level="5")
    with session_scope(bot.engine) as session:
        responses = session.exec(select(FeedbackResponse)).all()
    assert len(responses) == 1 and set(responses[0].ratings.values()) == {5}


def test_forged_and_tampered_submissions_are_refused(bot: Harness) -> None:
    _start(bot)
    ids = _requests(bot)
    forged = _answer(bot, "U003", ids["U002"])  # U003 answering U002's request
    assert forged["response_action"] == "errors" and "isn't yours" in json.dumps(forged)
    tampered = _answer(bot, "U002", ids["U002"], metadata=f"{ids['U003']}.{'0' * 32}")
    assert "could not be verified" in json.dumps(tampered)
    with session_scope(bot.engine) as session:
        assert session.exec(select(FeedbackResponse)).all() == []


def test_required_ratings_are_validated_inline(bot: Harness) -> None:
    _start(bot)
    ids = _requests(bot)
    values = _ratings()
    del values["c_ownership"]
    _, body = bot.submit("U002", "feedback_form", values, private_metadata=sign(SIGNING_SECRET, str(ids["U002"])))
    assert body["response_action"] == "errors" and list(body["errors"]) == ["c_ownership"]


def test_after_closing_no_more_answers_and_one_reminder_before(bot: Harness, services: Services) -> None:
    _start(bot, when="in 3 days")
    ids = _requests(bot)
    bot.clock.advance(days=2, hours=6)  # closes on the 3rd at 23:59 London: under two days left
    report = tick(services)
    assert report.feedback_reminders == 3
    assert tick(services).feedback_reminders == 0  # once
    bot.clock.advance(days=3)
    assert tick(services).feedback_closed == 1
    assert tick(services).feedback_closed == 0
    body = _answer(bot, "U002", ids["U002"])
    assert "has closed" in json.dumps(body)
    with session_scope(bot.engine) as session:
        assert session.exec(select(FeedbackCycle)).one().status == "closed"


def test_unsolicited_feedback_and_who_cannot_be_rated(bot: Harness) -> None:
    _, body = bot.command("U002", "feedback <@U001|li>")
    assert body == {} or not body.get("blocks")
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    assert view["callback_id"] == "feedback_form"
    assert len([b for b in view["blocks"] if b["type"] == "input"]) == 5
    _, body = bot.command("U002", "feedback <@U002>")
    assert "can't rate yourself" in json.dumps(body)
    _, body = bot.command("U002", "feedback <@U0KPIBOT>")
    assert "don't know that person" in json.dumps(body)
    with session_scope(bot.engine) as session:
        from storage.tables import Person

        session.exec(select(Person).where(Person.slack_id == "U003")).one().active = False
    _, body = bot.command("U002", "feedback <@U003>")
    assert "deactivated" in json.dumps(body)


def test_rater_identities_never_reach_the_logs(bot: Harness, caplog) -> None:
    _start(bot)
    ids = _requests(bot)
    with caplog.at_level("DEBUG"):
        _answer(bot, "U002", ids["U002"], comment="fine")
    assert "U002" not in "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("bot", "handlers", "storage")))


def test_the_ratee_nominates_peers_and_the_manager_confirms(bot: Harness) -> None:
    bot.slack.add_user("U0OTHER", "Olga Other")
    from storage.tables import Person

    with session_scope(bot.engine) as session:
        session.add(Person(slack_id="U0OTHER", name="Olga Other"))
    _start(bot)
    assert bot.slack.wait_for(
        lambda _: any("Nominate peers" in str(p.get("blocks")) for p in bot.slack.posted(bot.slack.dm_channel("U001")))
    )
    with session_scope(bot.engine) as session:
        cycle_id = session.exec(select(FeedbackCycle)).one().id
    bot.click("U001", "feedback_nominate", str(cycle_id))
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    picked = {"peers": {"users": {"type": "multi_users_select", "selected_users": ["U0OTHER", "U001"]}}}
    _, body = bot.submit("U002", "feedback_nominees", picked, private_metadata=view["private_metadata"])
    assert body["response_action"] == "errors"  # only the ratee nominates
    _, body = bot.submit("U001", "feedback_nominees", picked, private_metadata=view["private_metadata"])
    assert not body
    assert bot.slack.wait_for(lambda _: any("nominated" in p["text"] for p in bot.slack.posted(bot.slack.dm_channel("U0MGR"))))
    assert not bot.slack.posted(bot.slack.dm_channel("U0OTHER"))  # not invited before the manager confirms
    bot.click("U002", "feedback_confirm", str(cycle_id))  # not the manager: nothing happens
    bot.click("U0MGR", "feedback_confirm", str(cycle_id))
    assert bot.slack.wait_for(
        lambda _: any("started a 360 round" in p["text"] for p in bot.slack.posted(bot.slack.dm_channel("U0OTHER")))
    )
    # the ratee never rates themselves, even when they nominate themselves
    with session_scope(bot.engine) as session:
        me = session.exec(select(Person).where(Person.slack_id == "U001")).one()
        assert session.exec(select(FeedbackRequest).where(FeedbackRequest.rater_id == me.id)).all() == []


def test_configured_competencies_shape_the_modal(bot: Harness, services: Services) -> None:
    services.settings.kpibot_feedback_competencies = "ownership,craft"
    _, _ = bot.command("U002", "feedback <@U001>")
    view = bot.slack.calls_to("views.open")[-1].args["view"]
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Ownership", "Craft", "Comments (optional)"]
