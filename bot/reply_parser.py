"""Read a free-text check-in reply: a value per KPI, blockers, dates, time off.

It never guesses. A number is stored only when the words next to it (name,
alias) or its unit tie it to exactly one KPI, or when the reply is bare
numbers in KPI order. Everything else becomes a question.

Pure Python, no Slack and no database: ``kpibot parse`` and the benchmark
call it directly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.dates import read_date
from bot.numbers import Number, find_numbers

MAX_CHARS = 4000  # more than any real check-in; the rest is ignored (and said so)

_CLAUSE_SPLIT = re.compile(r"(?<!\d),|,(?!\d{3}(?!\d))|[;\n。；]|\s+(?:and|but|also)\s+|(?:还有|另外|但是)")
_BLOCKER = re.compile(
    r"\b(?:blocked|blocker|blocking|waiting (?:on|for)|stuck|held up|depend(?:s|ing)? on|no (?:budget|access|time)|"
    r"can'?t|cannot|unable to|hard to|lack(?:ing)?|short of|need(?:s|ing)? (?:more|help|approval))\b|"
    r"卡在|卡住|被.*卡|等待|在等|等着|等|缺少|缺乏|缺|阻塞|受阻|没有预算|需要支持|无法|没法|难以|很难",
    re.IGNORECASE,
)
_AWAY = re.compile(
    r"\b(?:off|away|out of (?:the )?office|ooo|on (?:leave|holiday|vacation|pto)|on sick leave)\b"
    r"(?:\s+(?:until|till|til|through|to)\s+(?P<until>.+))?|请假|休假|年假|不在岗|出差",
    re.IGNORECASE,
)
_SAME = re.compile(r"\bsame as last (?:week|time)\b|和上周一样|同上周|跟上周一样|与上周相同", re.IGNORECASE)
_CORRECTION = re.compile(r"\b(?:actually|correction|sorry|i meant|oops)\b|更正|其实|应该是|改成|纠正", re.IGNORECASE)
_SINCE = re.compile(r"\bsince\s+(?P<d>[\w ,./-]{2,30})|(?P<cn>[^,，。]{1,12}?)(?:开始|以来|起)", re.IGNORECASE)
_UNTIL = re.compile(
    r"\b(?:until|till|til|by|before|due)\s+(?P<d>[\w ,./-]{2,30})|(?:到|直到)(?P<cn>[^,，。]{1,12}?)(?:为止|前|之前)?$",
    re.IGNORECASE,
)
_CONTINUATION = re.compile(r"^(?:until|till|til|since|by|from|expected|due|等到|直到|预计|要到|到)\s*", re.IGNORECASE)
_STOP = {"the", "a", "an", "of", "to", "for", "rate", "number", "new", "total", "my", "this", "week", "was", "is", "we", "i"}

CATEGORY_WORDS: list[tuple[str, re.Pattern[str]]] = [
    (
        "resources",
        re.compile(
            r"budget|headcount|people|staff|leads?|tools?|laptop|licen[cs]e|money|hardware|资源|预算|人手|人力|线索|设备|工具|经费",
            re.IGNORECASE,
        ),
    ),
    (
        "capability",
        re.compile(
            r"don'?t know|not sure how|skill|training|experience|learn|expertise|不会|能力|培训|经验|技能|不懂", re.IGNORECASE
        ),
    ),
    (
        "process",
        re.compile(
            r"approv|sign[- ]?off|legal|review|process|waiting|procurement|contract|policy|审批|流程|签字|合同|法务|等",
            re.IGNORECASE,
        ),
    ),
]


@dataclass(frozen=True)
class KpiRef:
    """What the parser needs to know about one KPI."""

    key: str
    name: str
    unit: str = "count"
    direction: str = "higher"
    aliases: tuple[str, ...] = ()
    previous_max: float | None = None
    last_value: float | None = None

    @property
    def unit_kind(self) -> str:
        if self.unit == "percent":
            return "percent"
        if re.fullmatch(r"[A-Z]{3}", self.unit):
            return "currency"
        return self.unit


@dataclass
class BlockerReading:
    text: str
    category: str
    date: str | None = None
    since: str | None = None
    until: str | None = None


@dataclass
class Question:
    """Something the bot must ask before storing. ``kind``: missing | ambiguous | implausible | unmatched."""

    kind: str
    kpi: str | None = None
    candidates: list[float] = field(default_factory=list)
    value: float | None = None
    reason: str = ""


@dataclass
class Reading:
    values: dict[str, float] = field(default_factory=dict)
    blockers: list[BlockerReading] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    away_until: str | None = None
    same_as_last: bool = False
    correction: bool = False
    truncated: bool = False
    dates: list[str] = field(default_factory=list)

    def as_json(self, kpis: list[KpiRef]) -> dict[str, Any]:
        """The ``kpibot parse`` shape: values keyed by KPI name."""
        names = {k.key: k.name for k in kpis}
        return {
            "values": {names[key]: value for key, value in self.values.items()},
            "blockers": [asdict(b) for b in self.blockers],
            "dates": self.dates,
            "away_until": self.away_until,
            "questions": [{**asdict(q), "kpi": names.get(q.kpi or "", q.kpi)} for q in self.questions],
        }


def normalise(text: str) -> str:
    """Full-width digits and punctuation to ASCII (NFKC), Slack's escaped entities back to characters."""
    text = unicodedata.normalize("NFKC", text)
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def parse_reply(
    text: str,
    kpis: list[KpiRef],
    *,
    now: datetime,
    expecting: str | None = None,
    languages: tuple[str, ...] = ("en", "zh"),
) -> Reading:
    """Read ``text`` against the person's ``kpis``. ``now`` is the message time in their timezone.

    ``expecting`` names the KPI the bot just asked about: a bare number answers it.
    """
    reading = Reading()
    text = normalise(text or "")
    if len(text) > MAX_CHARS:
        text, reading.truncated = text[:MAX_CHARS], True
    if _CORRECTION.search(text):
        reading.correction = True
    clauses = [c.strip() for c in _CLAUSE_SPLIT.split(text) if c and c.strip()]
    numeric_clauses: list[tuple[str, list[Number]]] = []
    for clause in clauses:
        if _SAME.search(clause):
            reading.same_as_last = True
            continue
        away = _AWAY.search(clause)
        if away and not _names_kpi(clause, kpis):
            until = _away_until(away["until"], clause, now, languages)
            if until is not None:
                reading.away_until = until.isoformat()
                continue
        if reading.blockers and (_CONTINUATION.match(clause) or (not find_numbers(clause) and _any_date(clause, now, languages))):
            # "stuck on legal review, until Friday": the date belongs to the blocker before it
            previous = reading.blockers.pop()
            reading.dates = [d for d in reading.dates if d != previous.date]
            reading.blockers.append(_blocker(f"{previous.text}, {clause}", now, languages, reading))
            continue
        if _BLOCKER.search(clause):
            reading.blockers.append(_blocker(clause, now, languages, reading))
            continue
        numbers = find_numbers(clause)
        if numbers:
            numeric_clauses.append((clause, numbers))
    _assign(numeric_clauses, kpis, reading, expecting)
    if reading.same_as_last:
        for kpi in kpis:
            if kpi.key not in reading.values and kpi.last_value is not None:
                reading.values[kpi.key] = kpi.last_value
    _check_plausible(kpis, reading)
    asked = {q.kpi for q in reading.questions}
    for kpi in kpis:
        if kpi.key not in reading.values and kpi.key not in asked:
            reading.questions.append(Question("missing", kpi.key))
    return reading


def _away_until(phrase: str | None, clause: str, now: datetime, languages: tuple[str, ...]) -> date | None:
    """The last day off: "until 12 Dec" -> 12 Dec; "next week" / "下周请假" -> the Sunday of next week."""
    if re.search(r"next week|下个?(?:周|星期|礼拜)(?![一二三四五六日天末])", clause, re.IGNORECASE) and not phrase:
        monday = read_date("next week", now=now, languages=languages)
        return monday + timedelta(days=6) if monday else None
    if phrase:
        return read_date(phrase, now=now, prefer="future", languages=languages)
    if re.search(r"周|星期|礼拜|月|号|日|天|tomorrow|monday|tuesday|wednesday|thursday|friday", clause, re.IGNORECASE):
        return read_date(_AWAY.sub("", clause) or clause, now=now, prefer="future", languages=languages)
    return None


def _blocker(clause: str, now: datetime, languages: tuple[str, ...], reading: Reading) -> BlockerReading:
    category = "other"
    for name, pattern in CATEGORY_WORDS:
        if pattern.search(clause):
            category = name
            break
    blocker = BlockerReading(text=clause[:1000], category=category)
    since = _first_date(_SINCE, clause, now, "past", languages)
    until = _first_date(_UNTIL, clause, now, "future", languages)
    blocker.since = since.isoformat() if since else None
    blocker.until = until.isoformat() if until else None
    if not since and not until:
        found = _any_date(clause, now, languages)
        blocker.date = found.isoformat() if found else None
    blocker.date = blocker.date or blocker.until or blocker.since
    if blocker.date:
        reading.dates.append(blocker.date)
    return blocker


def _first_date(pattern: re.Pattern[str], clause: str, now: datetime, prefer: Any, languages: tuple[str, ...]) -> date | None:
    """The first match of ``pattern`` that is really a date ("blocked by legal ... until Friday")."""
    for match in pattern.finditer(clause):
        phrase = match["d"] or match["cn"]
        found = read_date(phrase, now=now, prefer=prefer, languages=languages) if phrase else None
        if found is not None:
            return found
    return None


def _any_date(clause: str, now: datetime, languages: tuple[str, ...]) -> date | None:
    cn = re.search(
        r"(?:下下|下个?|本|这个?|上个?)?(?:周|星期|礼拜)[一二三四五六日天末]|\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}月(?:\d{1,2}[日号]|底|末)|明天|后天|昨天|\d+天[后前]",
        clause,
    )
    if cn:
        return read_date(cn.group(), now=now, prefer="future", languages=languages)
    en = re.search(
        r"\b(?:(?:last|next|this) )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|yesterday|next week)\b",
        clause,
        re.IGNORECASE,
    )
    if en:
        return read_date(en.group(), now=now, prefer="future", languages=languages)
    return None


def _terms(kpi: KpiRef) -> list[str]:
    return [t.casefold() for t in (kpi.name, *kpi.aliases) if t.strip()]


def _stem(word: str) -> str:
    word = word.casefold()
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 3:
            return word[: -len(suffix)]
    return word


def _match_score(words: str, kpi: KpiRef) -> int:
    """2: a full name or alias appears; 1: a significant word of one does; 0: nothing."""
    lowered = words.casefold()
    best = 0
    stems = {_stem(w) for w in re.findall(r"[a-z]+", lowered)}
    for term in _terms(kpi):
        if re.search(r"[\u4e00-\u9fff]", term):
            if term in lowered:
                return 2
            continue
        if re.search(r"(?<![a-z])" + re.escape(term) + r"(?![a-z])", lowered) or (_stem(term) in stems and " " not in term):
            return 2
        significant = [_stem(w) for w in re.findall(r"[a-z]+", term) if w not in _STOP and len(w) > 2]
        if significant and all(s in stems for s in significant):
            best = max(best, 2)
        elif any(s in stems for s in significant):
            best = max(best, 1)
    return best


def _names_kpi(clause: str, kpis: list[KpiRef]) -> bool:
    return any(_match_score(clause, k) for k in kpis)


def _assign(clauses: list[tuple[str, list[Number]]], kpis: list[KpiRef], reading: Reading, expecting: str | None) -> None:
    all_numbers = [n for _, ns in clauses for n in ns]
    words_left = "".join(_strip_numbers(c, ns) for c, ns in clauses)
    bare = not re.search(r"[A-Za-z\u4e00-\u9fff]{2,}", words_left)
    by_key = {k.key: k for k in kpis}
    unmatched: list[Number] = []
    if bare and all_numbers:
        if expecting and len(all_numbers) == 1 and expecting in by_key:
            reading.values[expecting] = all_numbers[0].value
        elif len(kpis) == 1 and len(all_numbers) == 1:
            reading.values[kpis[0].key] = all_numbers[0].value
        elif len(all_numbers) == len(kpis):
            for kpi, number in zip(kpis, all_numbers, strict=True):
                reading.values[kpi.key] = number.value
        elif len(all_numbers) == 1 and (all_numbers[0].unit or all_numbers[0].scaled):
            unmatched = all_numbers
        else:
            reading.questions.append(Question("unmatched", None, [n.value for n in all_numbers], reason="count"))
            return
    for clause, numbers in [] if bare else clauses:
        last_key: str | None = None
        for number, words in _segments(clause, numbers):
            scores = {k.key: _match_score(words, k) for k in kpis}
            top = max(scores.values(), default=0)
            best = [key for key, score in scores.items() if score == top and score > 0]
            if not best and last_key and not re.search(r"[A-Za-z\u4e00-\u9fff]{2,}", words):
                best = [last_key]  # "revenue 45k 50k": a second number for the same KPI
            if len(best) == 1:
                _put(reading, best[0], number.value)
                last_key = best[0]
            elif len(best) > 1:
                units = [key for key in best if _unit_fits(number, by_key[key])]
                if len(units) == 1:
                    _put(reading, units[0], number.value)
                else:
                    reading.questions.append(Question("ambiguous", best[0], [number.value], reason="several KPIs match"))
            else:
                unmatched.append(number)
    for number in unmatched:
        fits = [k for k in kpis if k.key not in reading.values and (number.unit or number.scaled) and _unit_fits(number, k)]
        if len(fits) == 1:
            _put(reading, fits[0].key, number.value)
        elif expecting and expecting not in reading.values and len(unmatched) == 1:
            _put(reading, expecting, number.value)
        else:
            reading.questions.append(Question("unmatched", None, [number.value]))
    for key in list(reading.values):
        several: Any = reading.values[key]
        if isinstance(several, list):  # set by _put when one KPI got two different numbers
            reading.values.pop(key)
            reading.questions.append(Question("ambiguous", key, list(several), reason="two numbers"))


def _put(reading: Reading, key: str, value: float) -> None:
    """Two different numbers for one KPI are a question, not a choice."""
    current: Any = reading.values.get(key)
    if current is None:
        reading.values[key] = value
    elif isinstance(current, list):
        if value not in current:
            current.append(value)
    elif current != value:
        reading.values[key] = [current, value]  # type: ignore[assignment]


def _segments(clause: str, numbers: list[Number]) -> list[tuple[Number, str]]:
    """Pair each number with its own words: from the end of the previous number to the start of the next."""
    result = []
    for i, number in enumerate(numbers):
        start = numbers[i - 1].end if i else 0
        end = numbers[i + 1].start if i + 1 < len(numbers) else len(clause)
        result.append((number, clause[start : number.start] + " " + clause[number.end : end]))
    return result


def _strip_numbers(clause: str, numbers: list[Number]) -> str:
    out, last = [], 0
    for n in numbers:
        out.append(clause[last : n.start])
        last = n.end
    out.append(clause[last:])
    return " ".join(out)


def _unit_fits(number: Number, kpi: KpiRef) -> bool:
    kind = kpi.unit_kind
    if number.unit == "percent":
        return kind == "percent"
    if number.unit == "currency" or number.scaled:
        return kind == "currency"
    return kind not in {"percent"}


def _check_plausible(kpis: list[KpiRef], reading: Reading) -> None:
    for kpi in kpis:
        value = reading.values.get(kpi.key)
        if value is None:
            continue
        reason = ""
        if value < 0 and kpi.unit_kind in {"count", "percent", "hours", "days", "rating"}:  # a score (NPS) may be negative
            reason = "negative"
        elif kpi.unit_kind == "percent" and value > 100:
            reason = "over 100%"
        elif kpi.unit == "rating" and not 1 <= value <= 5:
            reason = "not 1-5"
        elif kpi.previous_max and kpi.previous_max > 0 and value > 10 * kpi.previous_max:
            reason = "ten times your previous best"
        if reason:
            del reading.values[kpi.key]
            reading.questions.append(Question("implausible", kpi.key, [value], value=value, reason=reason))
