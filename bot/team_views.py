"""Team summaries kept between requests, for exactly as long as they are still true.

Why: a manager opens `/kpi team` (and App Home) many times between two
changes to their team's figures, and working a summary out costs a hundred
times what looking it up does. A kept summary is only used when nothing it
was computed from can have changed:

- the tables it reads have had no committed write since (``storage.revision``:
  counters bumped inside every writing transaction, in any process);
- every member's calendar day is the one it was computed for (pace, the
  reporting week and blocker ages move with the owner's day, nothing finer);
- the viewer's day and the UTC day are the same (they pick the week shown);
- it is less than ``MAX_AGE`` old: a change made past kpibot (``psql`` by
  hand, another tool on the database) has no counter to bump, and still
  shows within minutes.

Anything else gives a miss and a fresh summary: nothing kpibot stores is
ever shown stale.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime

from sqlmodel import Session

from bot.kpi_state import local_day
from bot.team_view import TeamSummary, team_summary
from storage.revision import current, pending
from storage.tables import Blocker, Checkin, Kpi, Measurement, Person, Team

# Every table team_summary reads; a test checks the list against the statements it runs.
MAX_AGE = 300.0  # seconds a kept summary may be reused at most (see the module docstring)
READS: tuple[str, ...] = tuple(str(t.__tablename__) for t in (Team, Person, Kpi, Measurement, Checkin, Blocker))


class TeamViews:
    """A small LRU of summaries, one per (team, data revision, viewer's day, UTC day); safe across threads."""

    def __init__(self, size: int = 64, max_age: float = MAX_AGE, clock: Callable[[], float] = time.monotonic) -> None:
        self.size, self.max_age, self.clock = size, max_age, clock
        self.hits = self.misses = 0  # for the benchmark and tests: how often a summary was reused
        self._entries: OrderedDict[tuple[int, int, date, date], tuple[float, TeamSummary]] = OrderedDict()
        self._lock = threading.Lock()
        self._newest = 0  # the highest counter sum seen: every entry below it is stale

    def revision(self, session: Session) -> int | None:
        """What the kept summaries are keyed on, read FIRST in the unit of work, before the team row itself.

        Read after it, a concurrent rename could be kept under the newer count
        with the older name. None while this session holds changes not yet
        committed (sent or not): what it would read is not everyone's truth.
        """
        return None if _unsettled(session) else current(session.connection(), READS)

    def summary(self, session: Session, *, team: Team, now: datetime, today: date, revision: int | None) -> TeamSummary:
        """``team_summary`` of the team, reused when nothing it depends on has changed since ``revision``."""
        if revision is None or team.id is None or _unsettled(session):  # this transaction wrote: keep nothing
            return team_summary(session, team=team, now=now, today=today)
        key = (team.id, revision, today, now.date())
        with self._lock:
            made, kept = self._entries.get(key, (0.0, None))
            if (
                kept is not None
                and self.clock() - made < self.max_age
                and all(local_day(tz, now) == day for tz, day in kept.clocks.items())
            ):
                self._entries.move_to_end(key)
                self.hits += 1
                return kept
            self.misses += 1
        made = self.clock()
        summary = team_summary(session, team=team, now=now, today=today)
        with self._lock:
            if revision > self._newest:  # the counters only grow: summaries kept under a lower sum are never used again
                self._newest = revision
                for old in [k for k in self._entries if k[1] < revision]:
                    del self._entries[old]
            self._entries[key] = (made, summary)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return summary


def _unsettled(session: Session) -> bool:
    """Changes held by the session or sent and not yet committed: what it reads is not everyone's truth yet."""
    return bool(session.new or session.dirty or session.deleted) or pending(session.connection())
