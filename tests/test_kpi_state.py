"""kpi_state by hand: every aggregate x direction x baseline/none x ahead/at risk/behind, and the bad inputs.

The period is 13 whole weeks, Mon 5 Jan to Sun 5 Apr 2026 (91 days), and the
moment is the end of week 4 (Sun 1 Feb): 28 of 91 days = 4/13 of the period
gone, 63 days = 9 weeks left. Every expected figure below was worked out by
hand from those numbers; the comment on each row shows the sum.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.kpi_state import (
    CAP,
    Caveat,
    KpiSpec,
    Reason,
    Status,
    behind_run,
    behind_weeks_running,
    kpi_state,
    local_day,
    reporting_moment,
    weighted_pace,
    weighted_score,
)

START, END = date(2026, 1, 5), date(2026, 4, 5)
MOMENT = date(2026, 2, 1)  # Sunday of week 4
WEEKS = [START + timedelta(weeks=i) for i in range(4)]
ON, RISK, BEHIND, NONE = Status.ON_TRACK, Status.AT_RISK, Status.BEHIND, Status.NO_DATA


def spec(aggregate: str, direction: str, target: float, baseline: float | None = None, unit: str = "count") -> KpiSpec:
    return KpiSpec(unit, direction, aggregate, target, baseline, START, END)


# (spec, four weekly values, so far, on pace, forecast, "on pace" attainment, "of target" attainment, status)
TABLE = [
    # --- sum, higher is better, target 1300: on pace = 1300 * 4/13 = 400; forecast = so far * 13/4
    (spec("sum", "higher", 1300), [100, 110, 120, 130], 460, 400, 1495, 460 / 400, 460 / 1300, ON),  # 1.15, 0.354
    (spec("sum", "higher", 1300), [90, 95, 95, 100], 380, 400, 1235, 0.95, 380 / 1300, RISK),
    (spec("sum", "higher", 1300), [80, 80, 80, 80], 320, 400, 1040, 0.8, 320 / 1300, BEHIND),
    # a sum's baseline (last period's total) is a reference only: the figures do not change
    (spec("sum", "higher", 1300, 1000), [100, 110, 120, 130], 460, 400, 1495, 1.15, 460 / 1300, ON),
    (spec("sum", "higher", 1300, 1000), [90, 95, 95, 100], 380, 400, 1235, 0.95, 380 / 1300, RISK),
    (spec("sum", "higher", 1300, 1000), [80, 80, 80, 80], 320, 400, 1040, 0.8, 320 / 1300, BEHIND),
    # --- sum, lower is better (a ceiling: hours of downtime, at most 13 a quarter): on pace 4;
    #     "of target" on the forecast: 3 h -> heading for 9.75 h -> 13/9.75 = 1.333
    (spec("sum", "lower", 13, unit="hours"), [1, 0, 1, 1], 3, 4, 9.75, 4 / 3, 13 / 9.75, ON),
    (spec("sum", "lower", 13, unit="hours"), [1, 1, 1, 1.4], 4.4, 4, 14.3, 4 / 4.4, 13 / 14.3, RISK),  # 0.909
    (spec("sum", "lower", 13, unit="hours"), [2, 1, 1, 1], 5, 4, 16.25, 0.8, 0.8, BEHIND),
    (spec("sum", "lower", 13, 20, unit="hours"), [2, 1, 1, 1], 5, 4, 16.25, 0.8, 0.8, BEHIND),
    # --- average, higher, no baseline, target 50: on pace 50 all period;
    #     forecast = (sum + mean of last 3 * 9 weeks left) / 13
    (spec("average", "higher", 50, unit="percent"), [48, 52, 54, 56], 52.5, 50, 696 / 13, 1.05, 1.05, ON),  # (210+54*9)/13
    (spec("average", "higher", 50, unit="percent"), [44, 46, 48, 50], 47, 50, 620 / 13, 0.94, 0.94, RISK),  # (188+48*9)/13
    (spec("average", "higher", 50, unit="percent"), [40, 40, 40, 40], 40, 50, 40, 0.8, 0.8, BEHIND),
    # --- average, higher, baseline 37 -> target 50: on pace = 37 + 13 * 4/13 = 41
    (spec("average", "higher", 50, 37, "percent"), [40, 42, 43, 45], 42.5, 41, 560 / 13, 5.5 / 4, 5.5 / 13, ON),  # 1.375
    (spec("average", "higher", 50, 37, "percent"), [39, 40, 41, 42.2], 40.55, 41, None, 3.55 / 4, 3.55 / 13, BEHIND),
    (spec("average", "higher", 50, 37, "percent"), [40, 40.6, 41, 42], 40.9, 41, None, 3.9 / 4, 3.9 / 13, RISK),  # 0.975
    # --- average, lower, no baseline, target 1.0: on pace 1.0; attainment = 1.0 / value
    (spec("average", "lower", 1.0, unit="percent"), [1.0, 0.9, 0.8, 0.9], 0.9, 1.0, None, 1 / 0.9, 1 / 0.9, ON),
    (spec("average", "lower", 1.0, unit="percent"), [1.1, 1.0, 1.1, 1.2], 1.1, 1.0, None, 1 / 1.1, 1 / 1.1, RISK),
    (spec("average", "lower", 1.0, unit="percent"), [1.3, 1.2, 1.3, 1.2], 1.25, 1.0, None, 0.8, 0.8, BEHIND),
    # --- average, lower, baseline 2.3 -> target 1.0 (a complaint rate): on pace = 2.3 - 1.3 * 4/13 = 1.9
    (spec("average", "lower", 1.0, 2.3, "percent"), [2.0, 1.8, 1.7, 1.7], 1.8, 1.9, 22.8 / 13, 1.25, 0.5 / 1.3, ON),
    (spec("average", "lower", 1.0, 2.3, "percent"), [2.1, 1.9, 1.9, 1.78], 1.92, 1.9, 24.42 / 13, 0.95, 0.38 / 1.3, RISK),
    (spec("average", "lower", 1.0, 2.3, "percent"), [2.2, 2.2, 2.1, 2.1], 2.15, 1.9, None, 0.375, 0.15 / 1.3, BEHIND),
    # --- latest, higher, no baseline, target 100: on pace 100; forecast = last + (last - 4 weeks' first)/3 * 9
    (spec("latest", "higher", 100), [90, 95, 100, 104], 104, 100, 146, 1.04, 1.04, ON),  # 104 + 14/3*9
    (spec("latest", "higher", 100), [90, 92, 94, 95], 95, 100, 110, 0.95, 0.95, RISK),  # 95 + 5/3*9
    (spec("latest", "higher", 100), [80, 82, 84, 85], 85, 100, 100, 0.85, 0.85, BEHIND),
    # --- latest, higher, baseline 74 -> target 100: on pace = 74 + 26 * 4/13 = 82
    (spec("latest", "higher", 100, 74), [76, 78, 80, 84], 84, 82, 108, 1.25, 10 / 26, ON),  # 84 + 8/3*9
    (spec("latest", "higher", 100, 74), [76.5, 78, 80, 81.6], 81.6, 82, 96.9, 0.95, 7.6 / 26, RISK),  # 81.6 + 5.1/3*9
    (spec("latest", "higher", 100, 74), [74, 75, 76, 77], 77, 82, 86, 0.375, 3 / 26, BEHIND),
    # --- latest, lower, no baseline, target 10 (days to close): on pace 10
    (spec("latest", "lower", 10, unit="days"), [11, 10, 10, 9.5], 9.5, 10, 5.0, 10 / 9.5, 10 / 9.5, ON),  # 9.5 - 0.5*9
    (spec("latest", "lower", 10, unit="days"), [12, 11, 11, 10.5], 10.5, 10, 6.0, 10 / 10.5, 10 / 10.5, RISK),
    (spec("latest", "lower", 10, unit="days"), [13, 13, 12.5, 12.5], 12.5, 10, 11.0, 0.8, 0.8, BEHIND),  # 12.5 - 1/6*9
    # --- latest, lower, baseline 14 -> target 1: on pace = 14 - 13 * 4/13 = 10
    (spec("latest", "lower", 1, 14, "days"), [10, 9.5, 9.5, 9], 9, 10, 6.0, 1.25, 5 / 13, ON),  # 9 - 1/3*9
    (spec("latest", "lower", 1, 14, "days"), [11, 10.5, 10.4, 10.2], 10.2, 10, 7.8, 0.95, 3.8 / 13, RISK),
    (spec("latest", "lower", 1, 14, "days"), [14, 13, 12.5, 12], 12, 10, 6.0, 0.5, 2 / 13, BEHIND),
    # --- 1-5 ratings count from 1: target 4 -> attainment = (rating - 1) / 3; on pace: the level, 4
    (spec("average", "higher", 4, unit="rating"), [4, 4, 5, 4], 4.25, 4, None, 3.25 / 3, 3.25 / 3, ON),
    (spec("average", "higher", 4, unit="rating"), [4, 4, 3, 4], 3.75, 4, None, 2.75 / 3, 2.75 / 3, RISK),
    (spec("average", "higher", 4, unit="rating"), [3, 3, 3, 3], 3, 4, 3, 2 / 3, 2 / 3, BEHIND),
    # a rating with its own baseline 2.7 -> 4 moves like any other: on pace 2.7 + 1.3 * 4/13 = 3.1
    (spec("latest", "higher", 4, 2.7, "rating"), [3, 3, 3, 3.2], 3.2, 3.1, 3.8, 1.25, 0.5 / 1.3, ON),  # 3.2+0.2/3*9 = 3.8
]


@pytest.mark.parametrize(
    ("kpi", "values", "so_far", "pace", "projected", "on_pace", "of_target", "status"),
    TABLE,
    ids=[f"{r[0].aggregate}-{r[0].direction}-{r[0].baseline}-{r[0].unit}-{r[7].value}-{i}" for i, r in enumerate(TABLE)],
)
def test_hand_checked_table(
    kpi: KpiSpec,
    values: list[float],
    so_far: float,
    pace: float,
    projected: float | None,
    on_pace: float,
    of_target: float,
    status: Status,
) -> None:
    state = kpi_state(kpi, list(zip(WEEKS, values, strict=True)), MOMENT)
    assert state.moment == MOMENT and state.week == "2026-W05" and state.weeks_reported == 4
    assert state.so_far == pytest.approx(so_far)
    assert state.on_pace == pytest.approx(pace)
    assert state.pace_attainment == pytest.approx(on_pace)
    assert state.target_attainment == pytest.approx(of_target)
    assert state.status is status
    assert state.reason is {ON: Reason.AHEAD, RISK: Reason.SLIGHTLY_BEHIND, BEHIND: Reason.BEHIND_PACE}[status]
    if projected is not None:
        assert state.forecast == pytest.approx(projected)


def test_the_latest_rating_forecast_stays_on_the_scale() -> None:
    state = kpi_state(spec("latest", "higher", 4, 2.7, "rating"), list(zip(WEEKS, [3, 3, 3, 3.2], strict=True)), MOMENT)
    assert state.forecast == pytest.approx(3.8)  # 3.2 + (0.2 / 3) * 9
    rising = kpi_state(spec("latest", "higher", 4, unit="rating"), list(zip(WEEKS, [2, 3, 4, 5], strict=True)), MOMENT)
    assert rising.forecast == 5.0  # 5 + 1 * 9 = 14, but a 1-5 scale ends at 5


def test_the_issue_example_lower_is_better_ahead_of_pace_is_on_track() -> None:
    """Li Wei's complaint rate: baseline 2%, target 1%, 1.27% against an on-pace 1.7% is ahead, not behind."""
    q4 = KpiSpec("percent", "lower", "average", 1.0, 2.0, date(2026, 10, 1), date(2026, 12, 31))
    moment = reporting_moment(q4, date(2026, 10, 21))  # a Wednesday of W43 -> Sun 25 Oct, day 25 of 92
    assert moment == date(2026, 10, 25)
    weeks = [date(2026, 9, 28), date(2026, 10, 5), date(2026, 10, 12), date(2026, 10, 19)]
    state = kpi_state(q4, list(zip(weeks, [1.5, 1.3, 1.2, 1.08], strict=True)), moment)
    assert state.so_far == pytest.approx(1.27)
    assert state.on_pace == pytest.approx(2 - 25 / 92)  # 1.7283
    assert state.status is Status.ON_TRACK
    assert state.pace_attainment == pytest.approx(0.73 / (25 / 92))  # 2.69: 0.73 points of progress where 0.27 was due
    assert state.target_attainment == pytest.approx(0.73)


def test_no_data_has_no_figures() -> None:
    state = kpi_state(spec("sum", "higher", 1300), [], MOMENT)
    assert (state.status, state.reason) == (Status.NO_DATA, Reason.NO_VALUES)
    assert state.so_far is None and state.forecast is None
    assert state.pace_attainment is None and state.target_attainment is None and state.score is None
    assert state.on_pace == pytest.approx(400)  # the pace is still stated: it is what the first report is measured against


def test_target_equal_to_baseline_is_a_hold_at_target_kpi() -> None:
    state = kpi_state(spec("average", "lower", 2.0, 2.0, "percent"), list(zip(WEEKS, [2, 1.9, 1.8, 1.9], strict=True)), MOMENT)
    assert state.caveat is Caveat.BASELINE_EQUALS_TARGET
    assert state.on_pace == 2.0  # no straight line from 2 to 2: the level to hold
    assert state.pace_attainment == pytest.approx(2.0 / 1.9)
    assert state.status is Status.ON_TRACK


def test_baseline_already_past_the_target_is_ignored_with_a_caveat() -> None:
    state = kpi_state(spec("average", "lower", 1.0, 0.5, "percent"), list(zip(WEEKS, [1, 1, 1, 1], strict=True)), MOMENT)
    assert state.caveat is Caveat.BASELINE_WRONG_SIDE
    assert (state.on_pace, state.pace_attainment, state.status) == (1.0, 1.0, Status.ON_TRACK)


def test_lower_is_better_at_zero_earns_the_cap_not_a_division_error() -> None:
    state = kpi_state(spec("average", "lower", 1.0, unit="percent"), list(zip(WEEKS, [0, 0, 0, 0], strict=True)), MOMENT)
    assert (state.status, state.reason) == (Status.ON_TRACK, Reason.AT_ZERO)
    assert state.pace_attainment == CAP and state.target_attainment == CAP


def test_zero_target_lower_is_better_compares_values_without_a_percentage() -> None:
    clean = kpi_state(spec("sum", "lower", 0, unit="count"), list(zip(WEEKS, [0, 0, 0, 0], strict=True)), MOMENT)
    assert clean.status is Status.ON_TRACK and clean.target_attainment == 1.0
    one = kpi_state(spec("sum", "lower", 0, unit="count"), list(zip(WEEKS, [0, 1, 0, 0], strict=True)), MOMENT)
    assert (one.status, one.reason) == (Status.BEHIND, Reason.OVER_ZERO_TARGET)
    assert one.pace_attainment is None and one.target_attainment is None  # not a made-up 0%


def test_zero_or_negative_target_higher_is_better_compares_values() -> None:
    cash = spec("latest", "higher", -100, unit="USD")
    better = kpi_state(cash, list(zip(WEEKS, [-80, -70, -60, -50], strict=True)), MOMENT)
    assert (better.status, better.reason, better.target_attainment) == (Status.ON_TRACK, Reason.AHEAD, None)
    worse = kpi_state(cash, list(zip(WEEKS, [-80, -90, -120, -150], strict=True)), MOMENT)
    assert (worse.status, worse.reason) == (Status.BEHIND, Reason.TARGET_NOT_POSITIVE)
    zero = kpi_state(spec("sum", "higher", 0), list(zip(WEEKS, [1, 1, 1, 2], strict=True)), MOMENT)
    assert zero.status is Status.ON_TRACK and zero.pace_attainment is None


def test_a_rating_target_outside_the_scale_is_flagged() -> None:
    state = kpi_state(spec("average", "higher", 7, unit="rating"), list(zip(WEEKS, [4, 4, 4, 4], strict=True)), MOMENT)
    assert state.caveat is Caveat.RATING_OUT_OF_SCALE


def test_weeks_outside_the_period_or_after_the_reporting_week_do_not_count() -> None:
    values = [
        (START - timedelta(weeks=1), 999.0),
        *zip(WEEKS, [100.0, 100, 100, 100], strict=True),
        (MOMENT + timedelta(days=1), 500.0),
    ]
    state = kpi_state(spec("sum", "higher", 1300), values, MOMENT)
    assert state.so_far == 400 and state.weeks_reported == 4


def test_the_moment_is_the_owners_week_end_whoever_looks() -> None:
    """Sun 25 Oct 2026 20:00 UTC is already Monday in Shanghai: the owner's week decides, not the viewer's."""
    q4 = KpiSpec("CNY", "higher", "sum", 600_000, 0, date(2026, 10, 1), date(2026, 12, 31))
    now = datetime(2026, 10, 25, 20, 0, tzinfo=UTC)
    assert reporting_moment(q4, local_day("Asia/Shanghai", now)) == date(2026, 11, 1)
    assert reporting_moment(q4, local_day("America/New_York", now)) == date(2026, 10, 25)
    assert local_day("Not/AZone", now) == date(2026, 10, 25)  # an unknown zone reads as UTC
    # the first, partial week counts from the period start; the last stops at the period end
    assert reporting_moment(q4, date(2026, 9, 30)) == date(2026, 10, 4)
    assert reporting_moment(q4, date(2026, 12, 30)) == date(2026, 12, 31)


def test_weighted_figures_cap_each_kpi_and_leave_out_unknowns() -> None:
    ahead = kpi_state(spec("sum", "higher", 1300), list(zip(WEEKS, [400, 400, 400, 400], strict=True)), MOMENT)  # 1600
    behind = kpi_state(spec("sum", "higher", 1300), list(zip(WEEKS, [50, 50, 50, 50], strict=True)), MOMENT)  # 200
    empty = kpi_state(spec("sum", "higher", 1300), [], MOMENT)
    # of target: 1600/1300 = 1.23 capped at 1.2; 200/1300 = 0.1538 -> (1.2*60 + 0.1538*40) / 100
    assert weighted_score([(ahead, 60), (behind, 40), (empty, 20)]) == pytest.approx((1.2 * 60 + 200 / 1300 * 40) / 100)
    # on pace: 1600/400 = 4 capped at 1.2; 200/400 = 0.5 -> (1.2*60 + 0.5*40) / 100 = 0.92
    assert weighted_pace([(ahead, 60), (behind, 40), (empty, 20)]) == pytest.approx(0.92)
    assert weighted_score([(empty, 100)]) is None


# "Behind two weeks running" (kpi_state.behind_run / behind_weeks_running), by hand. Sum, higher is better,
# target 1300 over the 13-week period: on pace at the end of week k = 100 * k. Average, lower is better,
# baseline 2.3 -> target 1.0: on pace at the end of week k = 2.3 - 0.1 * k, attainment = (2.3 - v) / (0.1 * k).
# (spec, weekly values from week 1, moment, the weeks (1-based) of the run ending at the moment, two running?)
RUNNING = [
    # 80 a week: 80k of 100k = 0.8 each week -> behind weeks 1-4
    (spec("sum", "higher", 1300), [80, 80, 80, 80], MOMENT, [1, 2, 3, 4], True),
    # 100 then 60s: week 1 1.0 on track; week 2 160/200 = 0.8, week 3 260/300 = 0.867, week 4 320/400 = 0.8
    (spec("sum", "higher", 1300), [100, 60, 100, 60], MOMENT, [2, 3, 4], True),
    # on pace until week 3 (300/300), then 355/400 = 0.8875: behind this week only
    (spec("sum", "higher", 1300), [100, 100, 100, 55], MOMENT, [4], False),
    # at risk (285/300 = 0.95) then behind (330/400 = 0.825): an "at risk" week breaks the run
    (spec("sum", "higher", 1300), [100, 100, 85, 45], MOMENT, [4], False),
    # behind last week (160/200 = 0.8), caught up this week (420/400 = 1.05): not behind now, no run
    (spec("sum", "higher", 1300), [100, 60, 130, 130], MOMENT, [], False),
    # no report in week 4: the pace moved on, the value did not: 240/400 = 0.6, and 240/300 = 0.8 before it
    (spec("sum", "higher", 1300), [80, 80, 80], MOMENT, [1, 2, 3, 4], True),
    # the period's first week (50/100): there is no week before it to be behind in
    (spec("sum", "higher", 1300), [50], START + timedelta(days=6), [1], False),
    # complaint rate stuck at the baseline 2.3: attainment 0 every week
    (spec("average", "lower", 1.0, 2.3, "percent"), [2.3, 2.3, 2.3, 2.3], MOMENT, [1, 2, 3, 4], True),
    # 2.0 all along: weeks 1-3 on track ((2.3-2.0)/0.3 = 1.0 at week 3), week 4 0.3/0.4 = 0.75 behind
    (spec("average", "lower", 1.0, 2.3, "percent"), [2.0, 2.0, 2.0, 2.0], MOMENT, [4], False),
]


@pytest.mark.parametrize(("kpi", "values", "moment", "weeks", "running"), RUNNING)
def test_behind_two_weeks_running_by_hand(
    kpi: KpiSpec, values: list[float], moment: date, weeks: list[int], running: bool
) -> None:
    weekly = list(zip(WEEKS, values, strict=False))
    assert behind_run(kpi, weekly, moment) == [START + timedelta(days=7 * w - 1) for w in weeks]
    assert behind_weeks_running(kpi, weekly, moment) is running
    # the team view passes the state it has already: the same answer
    assert behind_weeks_running(kpi, weekly, moment, now=kpi_state(kpi, weekly, moment)) is running
    # each week of the run really is what kpi_state said at that week's end
    for w in weeks:
        assert kpi_state(kpi, weekly, START + timedelta(days=7 * w - 1)).status is BEHIND
