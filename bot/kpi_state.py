"""Where a KPI stands: the one place that decides value so far, pace, forecast, attainment and status.

Every surface (check-in prompt and confirmation, ``/kpi me``, ``/kpi team``,
``/kpi goals``, App Home, early warnings, the monthly retro, charts, the
quarterly evaluation, the half-year review) asks ``kpi_state`` and shows what
it says, so the same KPI on the same day never gets two colours.

The moment is stated once: **the end of the reporting week** (its Sunday, or
the period's last day if that comes first), in the **KPI owner's** timezone,
whoever looks. ``reporting_moment`` turns "now" into that day.

Definitions (the hand-checked table in tests/test_kpi_state.py follows them):

- value so far: sum, average or latest of the weekly values of the period
  reported up to and including the reporting week.
- on-pace value: what would be exactly on track at the moment. A sum should
  have reached the elapsed share of its target; an average or latest value
  moves in a straight line from its baseline to the target, or must simply be
  at the target when there is no baseline. A sum starts from zero each
  period: its baseline is last period's figure, shown for reference only.
- forecast: the end-of-period value if things go on as they are: a sum at its
  run rate so far; an average with the rest of the period at the recent level
  (mean of the last three weeks); a latest value along its recent trend
  (change per week over the last four weeks).
- attainment: progress from the baseline to a reference value (1.0 = there).
  "of target" uses the period target, "on pace" the on-pace value. Without a
  usable baseline: value / reference when higher is better, reference /
  value when lower is better. A 1-5 rating counts from 1 (the floor of its
  scale) unless it has its own baseline.
- status, from the pace alone so that it reads in one sentence: on track at
  or ahead of the on-pace value; at risk up to 10% behind it; behind more
  than 10% behind it; no data without a value this period. (The forecast is
  shown beside it, never mixed in: a second rule is a second answer.)
- "of target" of a lower-is-better sum (a ceiling, e.g. hours of downtime
  per quarter) is judged on its forecast: 3 hours a month into a 13-hour
  quarter is not "433% of target", it is heading for 9.75, i.e. 133%.

Bad definitions never divide by zero or show a made-up 0%: a target equal to
its baseline, a zero or negative target without a baseline, a lower-is-better
KPI at zero each get a defined status and a ``Reason`` saying why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from bot.periods import week_key, week_start, week_start_of_key
from storage.tables import Kpi, Measurement, Person

TOLERANCE = 0.9  # up to 10% behind the pace is "at risk", further is "behind"
CAP = 1.2  # the most credit one KPI can earn; also what a lower-is-better KPI at zero earns
RECENT_WEEKS = 3  # the "recent level" of an averaged KPI
TREND_WEEKS = 4  # the window of a latest-value KPI's trend
WINDOW = max(RECENT_WEEKS, TREND_WEEKS)  # the last values a forecast reads
RATING_FLOOR, RATING_TOP = 1.0, 5.0
_EPS = 1e-9


class Status(StrEnum):
    """The four states every surface shows (icons and words live in handlers/)."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BEHIND = "behind"  # stored as "off_track" before migration 0018
    NO_DATA = "no_data"


class KpiStatus(StrEnum):
    """A KPI row's lifecycle (``Kpi.status``), not its pace (that is ``Status``): proposed, then active, then retired."""

    PROPOSED = "proposed"  # in a setup proposal, not agreed yet: asked nowhere, counted nowhere
    ACTIVE = "active"
    RETIRED = "retired"  # replaced mid-period (a review's reweight); its past weeks still count


class Reason(StrEnum):
    """Why a KPI has its status: said in words next to it where there is room."""

    NO_VALUES = "no_values"  # nothing reported this period yet
    AHEAD = "ahead"  # at or ahead of the on-pace value
    SLIGHTLY_BEHIND = "slightly_behind"  # under the pace, by less than 10%
    BEHIND_PACE = "behind_pace"  # more than 10% behind the pace
    AT_ZERO = "at_zero"  # a lower-is-better KPI at zero: as good as it can be
    OVER_ZERO_TARGET = "over_zero_target"  # lower is better, target zero (or below), no baseline: over it is behind
    TARGET_NOT_POSITIVE = "target_not_positive"  # higher is better, target zero or below, no baseline: compared, no %


class Caveat(StrEnum):
    """Something off in the KPI's definition that changed how it is measured (none = fine)."""

    BASELINE_EQUALS_TARGET = "baseline_equals_target"  # a "hold at X" KPI: judged against the target alone
    BASELINE_WRONG_SIDE = "baseline_wrong_side"  # the baseline is already past the target: ignored
    RATING_OUT_OF_SCALE = "rating_out_of_scale"  # a 1-5 rating whose target is outside 1-5


@dataclass(frozen=True)
class KpiSpec:
    """What the computation needs of a KPI: plain data, from a table row or an SQL row alike."""

    unit: str
    direction: str  # higher | lower
    aggregate: str  # sum | average | latest
    target: float
    baseline: float | None
    period_start: date
    period_end: date

    @classmethod
    def of(cls, kpi: object) -> KpiSpec:
        """From anything with the KPI's attributes (storage.tables.Kpi)."""
        return cls(
            unit=getattr(kpi, "unit"),  # noqa: B009  (duck-typed on purpose: rows and tables alike)
            direction=getattr(kpi, "direction"),  # noqa: B009
            aggregate=getattr(kpi, "aggregate"),  # noqa: B009
            target=float(getattr(kpi, "target")),  # noqa: B009
            baseline=None if getattr(kpi, "baseline") is None else float(getattr(kpi, "baseline")),  # noqa: B009
            period_start=getattr(kpi, "period_start"),  # noqa: B009
            period_end=getattr(kpi, "period_end"),  # noqa: B009
        )

    @property
    def is_rating(self) -> bool:
        return self.unit == "rating"


@dataclass(frozen=True)
class KpiState:
    """One KPI at one moment. Attainments are fractions (1.0 = 100%); None = not meaningful, see ``reason``."""

    moment: date  # the day "on pace" is measured at: end of the reporting week, in the owner's timezone
    week: str  # the reporting week, e.g. 2026-W43
    so_far: float | None
    on_pace: float
    forecast: float | None
    pace_attainment: float | None  # "on pace": against the on-pace value
    target_attainment: float | None  # "of target": against the period target
    status: Status
    reason: Reason
    caveat: Caveat | None
    weeks_reported: int

    @property
    def score(self) -> float | None:
        """What this KPI adds to a weighted score (of target, capped at 0..CAP)."""
        return None if self.target_attainment is None else max(0.0, min(CAP, self.target_attainment))


@dataclass(frozen=True)
class PeriodFigures:
    """All a KPI's state needs of its values this period: how many, their sum, the lowest, the last few.

    ``of`` reduces weekly values (in week order) to these; bot.team_view gets
    the same figures from SQL aggregates, so a view need not load the history.
    """

    count: int
    total: float  # the sum of the counted values
    lowest: float  # the smallest (a latest-value forecast below zero is cut at zero only when none is negative)
    recent: tuple[float, ...]  # the last WINDOW values, oldest first (a sum's forecast reads none of them)

    @classmethod
    def of(cls, values: Sequence[float]) -> PeriodFigures:
        """From the counted weekly values, oldest first."""
        return cls(len(values), float(sum(values)), min(values) if values else 0.0, tuple(values[-WINDOW:]))


def local_day(tz: str | None, now: datetime) -> date:
    """``now`` (aware) as a date on the wall clock of ``tz``; UTC when the zone is unknown."""
    try:
        zone = ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date()


def week_end(day: date) -> date:
    """The Sunday of ``day``'s ISO week."""
    return week_start(day) + timedelta(days=6)


def reporting_moment(spec: KpiSpec, day: date) -> date:
    """The end of ``day``'s reporting week, kept inside the KPI's period.

    ``day`` is the owner's local date (``local_day(owner.tz, now)``) or any
    day of the check-in week a reply is for.
    """
    return min(max(week_end(day), spec.period_start), spec.period_end)


def elapsed(spec: KpiSpec, moment: date) -> float:
    """Share of the period gone by the end of ``moment`` (0 < share <= 1 inside the period)."""
    total = (spec.period_end - spec.period_start).days + 1
    done = (min(max(moment, spec.period_start), spec.period_end) - spec.period_start).days + 1
    return max(0.0, min(1.0, done / total))


def _baseline(spec: KpiSpec) -> tuple[float | None, Caveat | None]:
    """The baseline progress counts from, or None (with why) when it can't be used."""
    if spec.is_rating:
        if not RATING_FLOOR <= spec.target <= RATING_TOP:
            return None, Caveat.RATING_OUT_OF_SCALE
        base = spec.baseline if spec.baseline is not None else RATING_FLOOR
        if base >= spec.target:
            return None, (Caveat.BASELINE_EQUALS_TARGET if base == spec.target else Caveat.BASELINE_WRONG_SIDE)
        return base, None
    if spec.aggregate == "sum" or spec.baseline is None:
        return None, None
    if spec.baseline == spec.target:
        return None, Caveat.BASELINE_EQUALS_TARGET
    wrong_side = spec.baseline < spec.target if spec.direction == "lower" else spec.baseline > spec.target
    return (None, Caveat.BASELINE_WRONG_SIDE) if wrong_side else (spec.baseline, None)


def on_pace_value(spec: KpiSpec, moment: date) -> float:
    """The value that would be exactly on track at ``moment``."""
    return _on_pace(spec, _baseline(spec)[0], elapsed(spec, moment))


def _on_pace(spec: KpiSpec, base: float | None, fraction: float) -> float:
    """``on_pace_value`` from the baseline and the share of the period gone (each worked out once per state)."""
    if spec.aggregate == "sum":
        return spec.target * fraction
    if base is None or (spec.is_rating and spec.baseline is None):
        return spec.target  # no starting point: the level to hold all period
    return base + (spec.target - base) * fraction


def progress(spec: KpiSpec, value: float | None, reference: float) -> float | None:
    """Attainment of ``value`` against ``reference`` (the target or the on-pace value); 1.0 = there.

    None when no share can be stated honestly (see ``Reason``): the status is
    then decided by comparing the values themselves.
    """
    return _progress(spec, _baseline(spec)[0], value, reference)


def _progress(spec: KpiSpec, base: float | None, value: float | None, reference: float) -> float | None:
    if value is None:
        return None
    if base is not None and abs(reference - base) > _EPS:
        return (value - base) / (reference - base)
    if spec.direction == "lower" and not spec.is_rating:
        if reference <= 0:
            return 1.0 if value <= reference else None
        return CAP if value <= 0 else reference / value
    if reference <= 0:
        return None
    return value / reference


def _better_or_equal(spec: KpiSpec, value: float, reference: float) -> bool:
    if spec.direction == "lower" and not spec.is_rating:
        return value <= reference + _EPS
    return value >= reference - _EPS


def forecast(spec: KpiSpec, values: Sequence[float], moment: date) -> float | None:
    """End-of-period value if things go on as they are (see the module docstring)."""
    return _forecast(spec, PeriodFigures.of(values), moment, elapsed(spec, moment))


def _forecast(spec: KpiSpec, figures: PeriodFigures, moment: date, fraction: float) -> float | None:
    if not figures.count:
        return None
    weeks_left = max(0.0, (spec.period_end - moment).days / 7)
    if spec.aggregate == "sum":
        return figures.total / fraction
    if spec.aggregate == "average":
        recent = figures.recent[-RECENT_WEEKS:]
        level = sum(recent) / len(recent)
        return (figures.total + level * weeks_left) / (figures.count + weeks_left)
    window = figures.recent[-TREND_WEEKS:]
    slope = (window[-1] - window[0]) / (len(window) - 1) if len(window) > 1 else 0.0
    projected = figures.recent[-1] + slope * weeks_left
    if spec.is_rating:
        return max(RATING_FLOOR, min(RATING_TOP, projected))
    return max(0.0, projected) if figures.lowest >= 0 else projected


def _so_far(spec: KpiSpec, figures: PeriodFigures) -> float | None:
    if not figures.count:
        return None
    if spec.aggregate == "sum":
        return figures.total
    if spec.aggregate == "average":
        return figures.total / figures.count
    return float(figures.recent[-1])


@lru_cache(maxsize=1024)
def _week_of(moment: date) -> str:
    """The reporting week's key (2026-W49): the same few moments recur for every KPI of a view."""
    return week_key(moment)


def in_period(spec: KpiSpec, week: date, moment: date) -> bool:
    """Whether the week starting ``week`` counts for the period up to ``moment``.

    A period starting mid-week counts that week (its first check-in covers it).
    """
    first, last = counted_weeks(spec, moment)
    return first <= week <= last


def counted_weeks(spec: KpiSpec, moment: date) -> tuple[date, date]:
    """The first and last week start that count for the period up to ``moment`` (see ``in_period``)."""
    return week_start(spec.period_start), min(spec.period_end, week_start(moment))


def kpi_state(spec: KpiSpec, weekly: Sequence[tuple[date, float]], moment: date) -> KpiState:
    """Where the KPI stands at ``moment`` (use ``reporting_moment``), from its weekly values.

    ``weekly`` holds (week start, value) pairs in any order; weeks outside
    the period or after the reporting week are left out here, so callers may
    pass a KPI's whole history.
    """
    first, last = counted_weeks(spec, moment)  # once, not per value: this runs for every KPI on /kpi team
    return state_of(spec, PeriodFigures.of([v for w, v in sorted(weekly) if first <= w <= last]), moment)


@lru_cache(maxsize=16_384)
def state_of(spec: KpiSpec, figures: PeriodFigures, moment: date) -> KpiState:
    """Where the KPI stands at ``moment``, from what its counted weeks add up to (``PeriodFigures``).

    ``kpi_state`` reduces weekly rows to these figures; bot.team_view has the
    database add them up (one row per KPI instead of its weekly history).
    Either way this function decides: the same inputs give the same answer.
    That is also why it is memoised (its inputs and the state are frozen): a
    team view worked out again after one check-in finds 147 of its 150 states
    already decided (1 us instead of 10).
    """
    base, caveat = _baseline(spec)  # the baseline and the share of the period gone: worked out once
    fraction = elapsed(spec, moment)
    pace = _on_pace(spec, base, fraction)
    so_far = _so_far(spec, figures)
    ahead = _progress(spec, base, so_far, pace)
    of_target = _progress(spec, base, so_far, spec.target)
    projected = _forecast(spec, figures, moment, fraction)
    if spec.aggregate == "sum" and spec.direction == "lower" and of_target is not None:
        of_target = _progress(spec, base, projected, spec.target)
    status, reason = _status(spec, so_far, pace, ahead)
    return KpiState(
        moment=moment,
        week=_week_of(moment),
        so_far=so_far,
        on_pace=pace,
        forecast=projected,
        pace_attainment=ahead,
        target_attainment=of_target,
        status=status,
        reason=reason,
        caveat=caveat,
        weeks_reported=figures.count,
    )


def _status(spec: KpiSpec, so_far: float | None, pace: float, ahead: float | None) -> tuple[Status, Reason]:
    if so_far is None:
        return Status.NO_DATA, Reason.NO_VALUES
    if ahead is None:  # no honest share: compare the values themselves
        if _better_or_equal(spec, so_far, pace):
            return Status.ON_TRACK, Reason.AHEAD
        lower = spec.direction == "lower" and not spec.is_rating
        return Status.BEHIND, (Reason.OVER_ZERO_TARGET if lower else Reason.TARGET_NOT_POSITIVE)
    if ahead >= 1 - _EPS:
        at_zero = spec.direction == "lower" and not spec.is_rating and so_far <= 0 and pace > 0
        return Status.ON_TRACK, (Reason.AT_ZERO if at_zero else Reason.AHEAD)
    if ahead >= TOLERANCE - _EPS:
        return Status.AT_RISK, Reason.SLIGHTLY_BEHIND
    return Status.BEHIND, Reason.BEHIND_PACE


RUNNING_WEEKS = 2  # "behind two weeks running": the early warning and /kpi team's list


def previous_moment(spec: KpiSpec, moment: date) -> date | None:
    """The end of the reporting week before ``moment``'s, or None when that week lies before the period."""
    sunday = week_start(moment) - timedelta(days=1)
    return None if sunday < spec.period_start else reporting_moment(spec, sunday)


def behind_run(spec: KpiSpec, weekly: Sequence[tuple[date, float]], moment: date, *, limit: int | None = None) -> list[date]:
    """The reporting weeks (their moments, oldest first) of the unbroken run of BEHIND states ending at ``moment``.

    Each week is judged exactly as every view judged it then: ``kpi_state``
    at the end of that reporting week, with the values reported up to it. A
    week without a report is judged like any other (its pace moved on, its
    value did not). Empty when the KPI is not behind at ``moment``; the run
    stops at the period's first week and after ``limit`` weeks.
    """
    run: list[date] = []
    current: date | None = moment
    while current is not None and (limit is None or len(run) < limit):
        if kpi_state(spec, weekly, current).status is not Status.BEHIND:
            break
        run.insert(0, current)
        current = previous_moment(spec, current)
    return run


def behind_weeks_running(
    spec: KpiSpec, weekly: Sequence[tuple[date, float]], moment: date, *, now: KpiState | None = None
) -> bool:
    """THE "behind two weeks running" rule: behind (``kpi_state``) at the end of this reporting week and the one before.

    ``moment`` is the reporting moment in the owner's timezone
    (``reporting_moment``). /kpi team lists these KPIs and the early warning
    fires on them; nothing else decides "N weeks running". ``now``: the
    state at ``moment`` when the caller has it already (the team view does),
    so only the weeks before are worked out.
    """
    if now is None:
        return len(behind_run(spec, weekly, moment, limit=RUNNING_WEEKS)) >= RUNNING_WEEKS
    if now.status is not Status.BEHIND:
        return False
    previous = previous_moment(spec, moment)
    return previous is not None and len(behind_run(spec, weekly, previous, limit=RUNNING_WEEKS - 1)) >= RUNNING_WEEKS - 1


def weighted_score(items: Sequence[tuple[KpiState, float]]) -> float | None:
    """Weighted "of target" over (state, weight) pairs; KPIs with no figure are left out."""
    scored = [(s.score, w) for s, w in items if s.score is not None]
    weight = sum(w for _, w in scored)
    return sum(a * w for a, w in scored if a is not None) / weight if weight else None


def weighted_pace(items: Sequence[tuple[KpiState, float]]) -> float | None:
    """Weighted "on pace" over (state, weight) pairs, each capped at 0..CAP like the score."""
    scored = [(max(0.0, min(CAP, s.pace_attainment)), w) for s, w in items if s.pace_attainment is not None]
    weight = sum(w for _, w in scored)
    return sum(a * w for a, w in scored) / weight if weight else None


def weekly_values(session: Session, kpi_ids: Sequence[int]) -> dict[int, list[tuple[date, float]]]:
    """(week start, value) pairs per KPI: plain columns, one query per 900 ids."""
    found: dict[int, list[tuple[date, float]]] = {}
    ids = list(kpi_ids)
    for start in range(0, len(ids), 900):
        for kpi_id, week, value in session.exec(
            select(col(Measurement.kpi_id), col(Measurement.week_start), col(Measurement.value)).where(
                col(Measurement.kpi_id).in_(ids[start : start + 900])
            )
        ).all():
            found.setdefault(kpi_id, []).append((week, value))
    return found


def owner_zones(session: Session, owner_ids: Sequence[int]) -> dict[int, str]:
    """Each owner's Slack timezone: the moment of their KPIs is measured on their clock."""
    ids = sorted(set(owner_ids))
    if not ids:
        return {}
    return {pid: tz for pid, tz in session.exec(select(Person.id, Person.tz).where(col(Person.id).in_(ids))).all() if pid}


def states_for(session: Session, kpis: Sequence[Kpi], *, now: datetime) -> dict[int, KpiState]:
    """The state of each KPI at the end of its owner's current reporting week (two queries in all).

    This is what every surface should call: whoever looks, at any time of
    their own day, gets the same answer for the same KPI.
    """
    if not kpis:
        return {}
    values = weekly_values(session, [_id(k) for k in kpis])
    zones = owner_zones(session, [k.owner_id for k in kpis])
    result = {}
    for kpi in kpis:
        spec = KpiSpec.of(kpi)
        moment = reporting_moment(spec, local_day(zones.get(kpi.owner_id), now))
        result[_id(kpi)] = kpi_state(spec, values.get(_id(kpi), []), moment)
    return result


def state_for_week(kpi: Kpi, weekly: Sequence[tuple[date, float]], period_key: str) -> KpiState:
    """The state at the end of one check-in week (the week a reply is for), e.g. for a prompt or a warning."""
    spec = KpiSpec.of(kpi)
    return kpi_state(spec, weekly, reporting_moment(spec, week_start_of_key(period_key)))


def _id(kpi: Kpi) -> int:
    if kpi.id is None:
        raise ValueError("a KPI without an id has no stored values: flush it first")
    return kpi.id
