"""Fan-out that survives faults: crashes mid-round, HTTP 429, unreachable people."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.rounds import claim_due, tick
from bot.services import Services
from kpibot_dev.standin import SlackStandIn
from storage.engine import session_scope
from storage.tables import Checkin, Person
from tests.conftest import USERS, Clock

NINE_UTC = dict(hour=9)


def _prompts(slack: SlackStandIn, user: str) -> int:
    channel = slack.dm_channel(user)
    return sum(
        1
        for c in slack.calls_to("chat.postMessage")
        if c.args["channel"] == channel and not (c.args.get("metadata") or {}).get("event_payload", {}).get("reminder")
    )


def test_crash_after_claim_before_send_still_prompts_exactly_once(
    services: Services, slack: SlackStandIn, clock: Clock, org: None
) -> None:
    clock.now = clock.now.replace(**NINE_UTC)
    from bot.rounds import TickReport

    claimed = claim_due(services, clock.now, TickReport())  # the process dies right after this commit
    assert claimed and _prompts(slack, "U003") == 0
    clock.advance(minutes=1)
    tick(services)  # within the lease: the claim may still be in flight elsewhere; not touched
    assert _prompts(slack, "U003") == 0
    clock.advance(minutes=3)
    tick(services)
    tick(services)
    assert _prompts(slack, "U003") == 1
    assert _prompts(slack, "U001") == 1


def test_crash_after_send_before_recording_does_not_send_again(
    services: Services, slack: SlackStandIn, clock: Clock, org: None
) -> None:
    clock.now = clock.now.replace(**NINE_UTC)
    tick(services)
    assert _prompts(slack, "U003") == 1
    with session_scope(services.engine) as session:  # as if the process died before recording the send
        person = session.exec(select(Person).where(Person.slack_id == "U003")).one()
        checkin = session.exec(select(Checkin).where(Checkin.person_id == person.id)).one()
        checkin.status, checkin.prompt_ts = "claimed", None
    clock.advance(minutes=5)
    report = tick(services)
    assert report.recovered == ["U003"]
    assert _prompts(slack, "U003") == 1
    with session_scope(services.engine) as session:
        assert session.get(Checkin, checkin.id).status == "prompted"


def test_429_is_retried_after_retry_after(services: Services, slack: SlackStandIn, clock: Clock, org: None) -> None:
    clock.now = clock.now.replace(**NINE_UTC)
    slack.rate_limit("chat.postMessage", retry_after=1, times=2)
    report = tick(services)
    assert sorted(report.prompted) == ["U001", "U003"]
    limited = [c for c in slack.calls if c.status == 429]
    assert len(limited) == 2
    assert _prompts(slack, "U001") == 1 and _prompts(slack, "U003") == 1


def test_unreachable_member_is_skipped_and_the_rest_go_on(
    services: Services, slack: SlackStandIn, clock: Clock, org: None, caplog
) -> None:
    clock.now = clock.now.replace(**NINE_UTC)
    slack.add_user("U003", "Sam Gone", deleted=True)
    slack.fail("chat.postMessage", "channel_not_found", times=1, channel=slack.dm_channel("U001"))
    with session_scope(services.engine) as session:  # skip the profile refresh so the deactivation is found while sending
        for person in session.exec(select(Person)).all():
            person.tz_checked_at, person.tz = clock.now, USERS[person.slack_id][1]
    clock.now = clock.now.replace(hour=1)  # Shanghai's turn
    with caplog.at_level("WARNING"):
        assert tick(services).skipped == {"U001": "channel_not_found"}
    clock.now = clock.now.replace(hour=9)  # UTC's turn
    with caplog.at_level("WARNING"):
        report = tick(services)
    assert report.skipped == {"U003": "user_disabled"}
    assert "Slack says user_disabled" in caplog.text
    clock.advance(hours=5)  # New York's turn: unaffected
    assert tick(services).prompted == ["U002"]


def test_deactivated_people_found_by_profile_refresh_get_no_prompt(
    services: Services, slack: SlackStandIn, clock: Clock, org: None
) -> None:
    slack.add_user("U003", "Sam Gone", deleted=True)
    clock.now = clock.now.replace(**NINE_UTC)
    report = tick(services)
    assert "U003" not in report.prompted
    with session_scope(services.engine) as session:
        assert not session.exec(select(Person).where(Person.slack_id == "U003")).one().active


def test_two_schedulers_at_once_never_double_send(services: Services, slack: SlackStandIn, clock: Clock, org: None) -> None:
    from concurrent.futures import ThreadPoolExecutor

    clock.now = clock.now.replace(**NINE_UTC)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: tick(services), range(4)))
    assert _prompts(slack, "U001") == 1 and _prompts(slack, "U003") == 1


def test_no_prompt_for_a_week_long_gone(services: Services, slack: SlackStandIn, clock: Clock, org: None) -> None:
    clock.now = clock.now + timedelta(days=5)  # Saturday: this week's Monday prompt is 5 days old
    assert tick(services).prompted == []
