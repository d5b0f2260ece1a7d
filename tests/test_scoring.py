"""Scoring by hand-computed cases."""

from __future__ import annotations

from datetime import date

import pytest

from bot.scoring import (
    aggregate,
    attainment,
    elapsed_fraction,
    expected_to_date,
    forecast,
    rating_attainment,
    split_totals,
    status,
    weighted_total,
)

Q4 = (date(2026, 10, 1), date(2026, 12, 31))  # 92 days


def test_aggregations() -> None:
    assert aggregate([1, 2, 3], "sum") == 6
    assert aggregate([1, 2, 3], "average") == 2
    assert aggregate([1, 2, 3], "latest") == 3
    assert aggregate([], "sum") is None


def test_pace() -> None:
    assert elapsed_fraction(*Q4, date(2026, 11, 15)) == pytest.approx(46 / 92)
    assert expected_to_date(600_000, "sum", *Q4, date(2026, 11, 15)) == pytest.approx(300_000)
    # complaint rate from baseline 2% to target 1%: half way through, 1.5% is on track
    assert expected_to_date(1.0, "average", *Q4, date(2026, 11, 15), baseline=2.0) == pytest.approx(1.5)
    assert expected_to_date(1.0, "average", *Q4, date(2026, 11, 15)) == 1.0


def test_reverse_scored_attainment() -> None:
    assert attainment(300, 600, "higher") == 0.5
    assert attainment(1.5, 1.0, "lower", baseline=2.0) == pytest.approx(0.5)  # half way from 2% to 1%
    assert attainment(2.0, 1.0, "lower") == 0.5  # no baseline: target / actual
    assert attainment(0, 1.0, "lower") == 1.0  # no complaints at all: met, no division by zero
    assert attainment(5, 0, "higher") == 1.0  # target 0: met
    assert attainment(None, 10, "higher") is None


def test_salesperson_60_20_20() -> None:
    """Revenue 60% (result), complaint rate 20% (behaviour, reverse), new customers 20% (result)."""
    revenue = attainment(480_000, 600_000, "higher")  # 0.8
    complaints = attainment(1.25, 1.0, "lower", baseline=2.0)  # (1.25-2)/(1-2) = 0.75
    customers = attainment(30, 25, "higher")  # 1.2
    items = [(revenue, 60, "result"), (complaints, 20, "behaviour"), (customers, 20, "result")]
    totals = split_totals(items)
    assert totals["total"] == pytest.approx(0.8 * 0.6 + 0.75 * 0.2 + 1.2 * 0.2)  # 0.87
    assert totals["result"] == pytest.approx((0.8 * 60 + 1.2 * 20) / 80)  # 0.9
    assert totals["behaviour"] == pytest.approx(0.75)


def test_one_kpi_cannot_carry_all_and_missing_data_is_left_out() -> None:
    assert weighted_total([(5.0, 50), (0.0, 50)]) == pytest.approx(0.6)  # capped at 1.2
    assert weighted_total([(None, 50), (1.0, 50)]) == 1.0
    assert weighted_total([(None, 50)]) is None


def test_behaviour_anchored_rating() -> None:
    assert rating_attainment(4, 4) == 1.0
    assert rating_attainment(3, 4) == pytest.approx(2 / 3)
    assert rating_attainment(1, 4) == 0.0
    assert rating_attainment(None, 4) is None


def test_forecast_and_status() -> None:
    today = date(2026, 11, 15)  # half way
    assert forecast([100_000, 100_000, 100_000], "sum", *Q4, today) == pytest.approx(300_000 / (46 / 92))
    assert status(300_000, 300_000, 600_000, 600_000, "higher") == "on_track"
    assert status(280_000, 300_000, 560_000, 600_000, "higher") == "at_risk"
    assert status(150_000, 300_000, 300_000, 600_000, "higher") == "off_track"
    assert status(None, 300_000, None, 600_000, "higher") == "no_data"
    assert status(1.4, 1.5, 1.2, 1.0, "lower", baseline=2.0) == "off_track"  # ahead of pace, but the forecast misses
    assert status(1.4, 1.5, 1.0, 1.0, "lower", baseline=2.0) == "on_track"


def test_rated_kpis_use_their_own_scale() -> None:
    from bot.scoring import kpi_attainment

    assert kpi_attainment(3, 4, "higher", None, "rating") == pytest.approx(2 / 3)
    assert kpi_attainment(3, 4, "higher", None, "count") == 0.75
