"""A person's own words for their KPIs, learned when they pick the KPI a number was for.

"closed deals 4" with no KPI of that name: the bot asks, the person taps
*Revenue*, and "closed deals" is Revenue for them from then on. Learned
aliases are per person (a colleague may mean something else by the same
words) and can be removed in `/kpi me`.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, col, select

from storage.tables import Kpi, LearnedAlias

_WORTH = re.compile(r"[A-Za-z]{2,}|[\u4e00-\u9fff]")


def worth_learning(phrase: str) -> bool:
    """Words, not just punctuation or a unit; short enough to be a name."""
    return bool(_WORTH.search(phrase)) and 0 < len(phrase) <= 60


def learned_aliases(session: Session, *, person_id: int) -> list[tuple[LearnedAlias, Kpi]]:
    rows = session.exec(
        select(LearnedAlias, Kpi)
        .join(Kpi, col(Kpi.id) == LearnedAlias.kpi_id)
        .where(LearnedAlias.person_id == person_id)
        .order_by(col(LearnedAlias.phrase))
    ).all()
    return [(alias, kpi) for alias, kpi in rows]


def aliases_by_name(session: Session, *, person_id: int) -> dict[str, list[str]]:
    """Phrases per KPI name (casefolded), for the parser: learned for last period's Revenue, still Revenue now."""
    result: dict[str, list[str]] = {}
    for alias, kpi in learned_aliases(session, person_id=person_id):
        result.setdefault(kpi.name.casefold(), []).append(alias.phrase)
    return result


def remember(session: Session, *, person_id: int, kpi_id: int, phrase: str, now: datetime) -> bool:
    """Store ``phrase`` as the person's word for the KPI (a phrase means one KPI: a new choice replaces the old)."""
    phrase = phrase.strip().casefold()
    if not worth_learning(phrase):
        return False
    row = session.exec(select(LearnedAlias).where(LearnedAlias.person_id == person_id, LearnedAlias.phrase == phrase)).first()
    if row is None:
        session.add(LearnedAlias(person_id=person_id, kpi_id=kpi_id, phrase=phrase, created_at=now))
    else:
        row.kpi_id = kpi_id
        session.add(row)
    session.flush()
    return True


def forget(session: Session, *, person_id: int, alias_id: int) -> LearnedAlias | None:
    """Remove one of the person's own learned aliases; someone else's is left alone."""
    row = session.get(LearnedAlias, alias_id)
    if row is None or row.person_id != person_id:
        return None
    session.delete(row)
    session.flush()
    return row
