"""Weighted totals by hand-computed cases; each KPI's attainment comes from kpi_state at its period end."""

from __future__ import annotations

from datetime import date

import pytest

from bot.kpi_state import KpiSpec, kpi_state
from bot.scoring import split_totals, weighted_total

Q4 = (date(2026, 10, 1), date(2026, 12, 31))


def _final(aggregate: str, direction: str, target: float, baseline: float | None, values: list[float]) -> float | None:
    spec = KpiSpec("count", direction, aggregate, target, baseline, *Q4)
    return kpi_state(spec, [(date(2026, 12, 28), v) for v in values], Q4[1]).target_attainment


def test_salesperson_60_20_20() -> None:
    """Revenue 60% (result), complaint rate 20% (behaviour, reverse), new customers 20% (result)."""
    revenue = _final("sum", "higher", 600_000, None, [480_000])  # 0.8
    complaints = _final("average", "lower", 1.0, 2.0, [1.25])  # (1.25-2)/(1-2) = 0.75
    customers = _final("sum", "higher", 25, None, [30])  # 1.2
    items = [(revenue, 60, "result"), (complaints, 20, "behaviour"), (customers, 20, "result")]
    totals = split_totals(items)
    assert totals["total"] == pytest.approx(0.8 * 0.6 + 0.75 * 0.2 + 1.2 * 0.2)  # 0.87
    assert totals["result"] == pytest.approx((0.8 * 60 + 1.2 * 20) / 80)  # 0.9
    assert totals["behaviour"] == pytest.approx(0.75)


def test_one_kpi_cannot_carry_all_and_missing_data_is_left_out() -> None:
    assert weighted_total([(5.0, 50), (0.0, 50)]) == pytest.approx(0.6)  # capped at 1.2
    assert weighted_total([(None, 50), (1.0, 50)]) == 1.0
    assert weighted_total([(None, 50)]) is None


def test_a_rating_counts_from_one_at_the_period_end() -> None:
    spec = KpiSpec("rating", "higher", "average", 4, None, *Q4)
    weeks = [date(2026, 12, 14), date(2026, 12, 21)]
    assert kpi_state(spec, list(zip(weeks, [3, 3], strict=True)), Q4[1]).target_attainment == pytest.approx(2 / 3)
    assert kpi_state(spec, list(zip(weeks, [4, 4], strict=True)), Q4[1]).target_attainment == 1.0
    assert kpi_state(spec, list(zip(weeks, [1, 1], strict=True)), Q4[1]).target_attainment == 0.0


def test_split_totals_in_one_pass_equal_weighted_total_of_each_part_to_the_last_bit() -> None:
    """split_totals adds up in one pass (it runs for every member of /kpi team): the same figures as weighted_total."""
    import random

    rng = random.Random(10)
    for _ in range(500):
        items = [
            (
                None if rng.random() < 0.2 else rng.uniform(-0.5, 2.0),
                rng.choice([5, 10.0, 12.5, 33.3]),
                rng.choice(["result", "behaviour"]),
            )
            for _ in range(rng.randint(0, 6))
        ]
        totals = split_totals(items)
        assert totals == {
            "total": weighted_total([(a, w) for a, w, _ in items]),
            "result": weighted_total([(a, w) for a, w, kind in items if kind == "result"]),
            "behaviour": weighted_total([(a, w) for a, w, kind in items if kind == "behaviour"]),
        }
