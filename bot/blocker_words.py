"""Words in a check-in reply that end a blocker: "legal approved it", "blocker resolved", "不卡了", "审批下来了".

A clause with such words resolves the open blocker it is about: the only one,
or the one whose words it shares most. When two or more fit equally (or none
does), the bot asks which, with a button per blocker; it never guesses. The
clause is taken out of the reply, so "blocker resolved" is not read as a new
blocker and the rest of the reply (numbers) is read as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.followup import Outcome, blocker_line, resolve_blocker
from bot.messages import BlockerCheck, BlockerResolved
from storage.tables import Blocker, Person

_RESOLVED = re.compile(
    r"\b(?:resolved|unblocked|no longer (?:blocked|stuck|waiting)|not (?:blocked|stuck) any ?more|sorted(?: out)?|cleared|"
    r"fixed|approved|signed off|came through|arrived|got (?:the|it|them)\b)"
    r"|不卡了|不再卡|解决了|已解决|下来了|批了|批下来|通过了|搞定|到位了|已经到了",
    re.IGNORECASE,
)
_CLAUSES = re.compile(r"[,;.!?，；。！？\n]+")
_STOP = {"the", "and", "for", "was", "has", "have", "it", "is", "on", "of", "to", "our", "my", "got", "now", "from", "with"}
_GENERIC = re.compile(
    r"^\s*(?:the )?blockers? (?:is |are )?(?:resolved|cleared|gone)|^\s*(?:阻碍|问题)?(?:已)?解决了?\s*$|^\s*不卡了\s*$", re.I
)


@dataclass
class Closing:
    """What the reply closed, what to say about it, and the rest of the reply to read as usual."""

    rest: str
    outgoing: list[tuple[Any, str]] = field(default_factory=list)  # (message, locale)


def _words(text: str) -> set[str]:
    lowered = text.lower()
    words = {w for w in re.findall(r"[a-z]{3,}", lowered) if w not in _STOP}
    stems = {w[:5] for w in words}  # approval / approved, review / reviewed
    for run in re.findall(r"[\u4e00-\u9fff]+", text):
        stems |= {run[i : i + 2] for i in range(len(run) - 1)}
    return stems


def read_closings(session: Session, *, person: Person, text: str, now: datetime) -> Closing:
    """Resolve the blockers ``text`` says are over; ask when it is unclear which."""
    clauses = [c for c in _CLAUSES.split(text or "") if c.strip()]
    closing_clauses = [c for c in clauses if _RESOLVED.search(c) and not re.search(r"\d", c)]
    if not closing_clauses:
        return Closing(text)
    open_rows = list(
        session.exec(
            select(Blocker)
            .where(Blocker.person_id == person.id, col(Blocker.resolved_at).is_(None))
            .order_by(col(Blocker.reported_at))
        ).all()
    )
    if not open_rows:
        return Closing(text)  # nothing open: the words are just words, read the reply as usual
    rest = ", ".join(c.strip() for c in clauses if c not in closing_clauses)
    closing = Closing(rest)
    for clause in closing_clauses:
        clause_words = _words(clause)
        scores = [(len(clause_words & _words(b.text)), b) for b in open_rows if b.resolved_at is None]
        if not scores:
            break
        best = max(s for s, _ in scores)
        top = [b for s, b in scores if s == best]
        if len(scores) == 1 and (best > 0 or _GENERIC.search(clause) or len(clauses) == 1):
            chosen = scores[0][1]
        elif best > 0 and len(top) == 1:
            chosen = top[0]
        else:
            lines = [blocker_line(b, person, now) for _, b in scores]
            closing.outgoing.append((BlockerCheck(lines, "which"), person.locale))
            continue
        result = resolve_blocker(session, actor=person, blocker_id=chosen.id or 0, now=now)
        if result.outcome is Outcome.DONE:
            closing.outgoing.append((BlockerResolved(result.text, result.days), person.locale))
    return closing
