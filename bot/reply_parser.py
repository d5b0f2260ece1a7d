"""Read a free-text check-in reply the way a colleague would: a value per KPI, blockers, dates, time off.

It never guesses. A number is stored only when the words next to it tie it to
exactly one KPI (its name, an alias, a word of its name in any form, its
initials, a small typo, or the same words in the other language through
``bot.kpi_vocabulary``), when its unit fits exactly one KPI, or when the
reply is bare numbers in KPI order. Ranges, decimal commas, two KPIs that
fit equally and implausible values become questions.

The reply is cut into sentences and clauses first (. ! ? 。！？ ; newlines,
bullets, commas, "and"/"but"): a number's words never reach across them.
A correction ("sorry", "I mean", "no wait", "更正", "应该是", "说错了")
replaces the value said before it.

Pure Python, no Slack and no database: ``kpibot parse`` and the benchmark
call it directly.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.blocker_reading import BLOCKER, CONTINUATION, BlockerReading, any_date, read_blocker
from bot.dates import date_spans
from bot.kpi_names import STRONG, Matcher, matcher_for, read_words
from bot.kpi_vocabulary import GENERIC
from bot.numbers import Number, find_numbers
from bot.time_off import DateOrder, TimeOff, Unsure, mentions_time_off, read_time_off, said_of_self

__all__ = ["BlockerReading", "KpiRef", "Question", "Reading", "normalise", "parse_reply"]

MAX_CHARS = 4000  # more than any real check-in; the rest is ignored (and said so)

_BULLET = re.compile(r"^\s*(?:[-•*·–>]+|\d{1,2}[.)、]|[(（]?\d{1,2}[)）])\s+|^\s*[•·]")
# " - " ends a clause ("rev 45k - 2 deals") unless a date follows: "off 21 Dec - 4 Jan" is one range
_DATE_AHEAD = (
    r"(?!(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?\s*(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*\d|\d{1,2}/\d{1,2}(?![\d%])"
    r"|(?:next\s+)?(?:mon|tues?|wed|thu|thurs?|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?\b)"
)
_SENTENCE = re.compile(
    r"(?<=[^\d\s])\.(?=\s|$)|(?<=\d)\.(?=\s+[A-Za-z\u4e00-\u9fff]|\s*$)|(?<!<)[!?。！？;；]+|\s+-{1,2}\s+"
    + _DATE_AHEAD
    + r"|\n+",
    re.IGNORECASE,
)
_CLAUSE = re.compile(
    r"(?<!\d),|,(?!\d)|[，、]|\s+(?:and|but|also|plus|while|whereas|then)\s+|(?:还有|另外|但是|不过|而且|以及|同时|然后)"
)
_PARENS = re.compile(r"[(（]([^()（）]*)[)）]")
_CHANGE = re.compile(r"^\s*(?:to|->|→|=>|到|变成|降到|升到|涨到)\s*$", re.IGNORECASE)
_ARROW = re.compile(r"^\s*(?:->|→|=>)\s*$")
_FROM = re.compile(r"(?:\bfrom|从|由)\s*$", re.IGNORECASE)
_SLACK_MARKUP = re.compile(r"<[@#!][^>]*>|<(?:https?|mailto):[^>]*>|:[a-z0-9_+-]+:")  # mentions, links, :emoji_names:
_SAME = re.compile(r"\bsame as last (?:week|time)\b|和上周一样|同上周|跟上周一样|与上周相同|和上周差不多一样", re.IGNORECASE)
CORRECTION = re.compile(
    r"\b(?:actually|correction|sorry|i meant|i mean|oops|no wait|wait|scratch that|make that|my bad|typo|rather|should be|should have said)\b"
    r"|\bjk\b|\bjust kidding\b|\bkidding\b|更正|其实是|应该是|说错了|打错了|写错了|搞错了|改成|改为|纠正|不对|开玩笑",
    re.IGNORECASE,
)
# A number said next to these is for comparison, a plan or a rate, not this week's figure:
# "115k vs 98k last week", "target was 110k", "¥150k YTD", "3 deploys per day", "4 booked for next week".
_REFERENCE_AFTER = re.compile(
    r"\s*(?:[a-z\u4e00-\u9fff]+\s+){0,2}?(?P<marker>last (?:week|wk|time|month|year|quarter)|the week before|previous(?:ly)?|prev\b|"
    r"ytd|mtd|qtd|yoy|year to date|so far this (?:month|quarter|year)|per (?:day|hour|person|head|rep)|a day\b|/\s?day|each day|"
    r"daily|planned|booked|scheduled|forecast(?:ed)?|(?:for |in )?next (?:week|wk|month)|"
    r"上周|上个?月|去年|累计|每天|一天|计划|预计|下周|下个?月)",
    re.IGNORECASE,
)
_REFERENCE_BEFORE = re.compile(
    r"(?:\bvs\.?|\bversus|\bcompared (?:to|with)|\bagainst|\btarget(?: was| is| of)?|\bgoal(?: was| is| of)?|\bquota(?: was| is| of)?|"
    r"\bplan(?: was| is)?|\blast (?:week|wk|month)(?: was| it was)?|\bytd|目标是?|上周是?|比上周|环比|同比|累计)\s*:?\s*[$¥€£]?\s*$",
    re.IGNORECASE,
)
# Percent KPIs that may pass 100%: net revenue retention, growth, attainment, ROI
_UNBOUNDED = frozenset({"retention", "growth", "attainment", "roi", "target", "increase", "efficiency", "utilization"})
_NEGATED = re.compile(r"(?:\bnot|\bnot even|\binstead of|不是|而不是)\s*$", re.IGNORECASE)
_APPROX = re.compile(
    r"~|≈|\b(?:about|around|approx(?:imately)?|roughly|circa|ca\.|almost|nearly|over|under|just over|just under|some)\b|约|大约|大概|差不多|左右|将近|接近|多",
    re.IGNORECASE,
)
_LETTERS = re.compile(r"[A-Za-z\u4e00-\u9fff]{2,}|[\u4e00-\u9fff]")
_FILLER = re.compile(
    r"\b(?:so|ok|okay|hi|hey|hello|thanks|thank you|thx|ty|pls|please|yes|yeah|yep|here|are|is|my|numbers?|this|week|wk|was|were|we|i|the|"
    r"for|got|have|had|it|that|lol|haha|fyi|update|as|of|now|at|on|to|in|so|far|total|today|about|around|approx|roughly|only|just|still|"
    r"again|reply|answer|sorry|late|ish)\b|[嗯哈啊呢吧了的是有我们这周本周一共共总计合计目前现在大概大约约左右哦呀啦～~]",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class KpiRef:
    """What the parser needs to know about one KPI.

    ``aliases`` hold every other name it answers to: aliases from the
    organisation file, its names per language, and the person's learned aliases.
    """

    key: str
    name: str
    unit: str = "count"
    direction: str = "higher"
    aliases: tuple[str, ...] = ()
    previous_max: float | None = None
    last_value: float | None = None
    target: float | None = None

    @property
    def unit_kind(self) -> str:
        if self.unit == "percent":
            return "percent"
        if re.fullmatch(r"[A-Z]{3}", self.unit):
            return "currency"
        return self.unit

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass
class Question:
    """Something the bot must ask before storing. ``kind``: missing | ambiguous | implausible | unmatched.

    ``options``: the KPIs the number may be for (buttons); ``phrase``: the
    person's words next to the number, remembered as their alias once they choose.
    """

    kind: str
    kpi: str | None = None
    candidates: list[float] = field(default_factory=list)
    value: float | None = None
    reason: str = ""
    options: list[str] = field(default_factory=list)
    phrase: str = ""


@dataclass
class Reading:
    values: dict[str, float] = field(default_factory=dict)
    blockers: list[BlockerReading] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    away_from: str | None = None
    away_until: str | None = None
    away_unsure: str | None = None  # time off announced, days not read for sure: ask (bot.time_off.Unsure.reason)
    same_as_last: bool = False
    correction: bool = False
    truncated: bool = False
    dates: list[str] = field(default_factory=list)

    def questions_about_numbers(self) -> bool:
        """Did the person type numbers the bot must ask about (not just KPIs they did not mention)?"""
        return any(q.kind != "missing" for q in self.questions)

    def as_json(self, kpis: list[KpiRef]) -> dict[str, Any]:
        """The ``kpibot parse`` shape: values keyed by KPI name."""
        names = {k.key: k.name for k in kpis}
        return {
            "values": {names[key]: value for key, value in self.values.items()},
            "blockers": [asdict(b) for b in self.blockers],
            "dates": self.dates,
            "away_from": self.away_from,
            "away_until": self.away_until,
            "away": "ask" if self.away_unsure and not self.away_until else None,
            "away_unsure": None if self.away_until else self.away_unsure,
            "questions": [
                {**asdict(q), "kpi": names.get(q.kpi or "", q.kpi), "options": [names.get(o, o) for o in q.options]}
                for q in self.questions
            ],
        }


@dataclass
class _Clause:
    text: str
    numbers: list[Number]
    corrects: bool  # the clause before it said "sorry" / "说错了" and nothing else
    aside: bool = False  # in parentheses
    lead: str = ""  # KPI words of the clause before, which had no number ("new clients? 2")


@dataclass
class _State:
    reading: Reading
    kpis: list[KpiRef]
    by_key: dict[str, KpiRef]
    matcher: Matcher
    several: dict[str, list[float]] = field(default_factory=dict)
    strength: dict[str, float] = field(default_factory=dict)
    unmatched: list[tuple[Number, str]] = field(default_factory=list)
    last_key: str | None = None
    typed: set[str] = field(default_factory=set)  # KPIs whose value came with their unit (%, ¥, hours)


def normalise(text: str) -> str:
    """Full-width digits and punctuation to ASCII (NFKC), Slack's escaped entities back to characters."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _unescape(text)


def _unescape(text: str) -> str:
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


class _AsTyped:
    """Maps stretches of the normalised text back to the person's own characters.

    The parser reads NFKC text ("，" becomes ","), but what it shows back, a
    blocker, must be exactly what was typed. Each typed character is
    normalised on its own; where that does not give the same text as the
    whole-text normalisation (rare combining sequences), stretches stay normalised.
    """

    def __init__(self, typed: str, normal: str) -> None:
        self.typed = typed
        pieces = [unicodedata.normalize("NFKC", c) for c in typed]
        self.origin = [i for i, piece in enumerate(pieces) for _ in piece]
        self.ok = "".join(pieces).startswith(normal)
        self.normal = normal
        self.cursor = 0

    def span(self, first: str, last: str) -> str | None:
        """The typed text from ``first`` to the end of ``last`` (both stretches of the normalised text, in order)."""
        if not self.ok:
            return None
        start = self.normal.find(first, self.cursor)
        end = self.normal.find(last, start) if start >= 0 else -1
        if end < 0:
            return None
        end += len(last)
        self.cursor = start + 1
        return self.typed[self.origin[start] : self.origin[end - 1] + 1]


def clauses_of(text: str) -> list[tuple[str, bool]]:
    """Sentences, then clauses: the stretches a number's words may not leave.

    Each comes with ``aside``: it was in parentheses ("rev 1.2m (2 deals)"),
    where numbers are context unless they name a KPI outright.
    """
    result: list[tuple[str, bool]] = []
    for line in text.splitlines():
        line = _BULLET.sub("", line)
        asides = _PARENS.findall(line)
        line = _PARENS.sub(" ; ", line)
        for part, aside in [(line, False), *((a, True) for a in asides)]:
            for sentence in _SENTENCE.split(part):
                for clause in _CLAUSE.split(sentence or ""):
                    clause = (clause or "").strip(" \t*_·•:：")
                    if clause:
                        result.append((clause, aside))
    return result


def parse_reply(
    text: str,
    kpis: list[KpiRef],
    *,
    now: datetime,
    expecting: str | None = None,
    languages: tuple[str, ...] = ("en", "zh"),
    date_order: DateOrder | None = None,
) -> Reading:
    """Read ``text`` against the person's ``kpis``. ``now`` is the message time in their timezone.

    ``expecting`` names the KPI the bot just asked about: a bare number answers it.
    ``date_order`` ("DMY"/"MDY", from their locale) reads "21/12 - 4/1"; without it an ambiguous one is asked.
    """
    reading = Reading()
    typed = _unescape(text or "")
    text = normalise(typed)
    if len(text) > MAX_CHARS:
        text, reading.truncated = text[:MAX_CHARS], True
    blocker_parts: list[tuple[str, str]] = []  # per blocker: its first and last stretch of the normalised text
    if CORRECTION.search(text):
        reading.correction = True
    matcher = matcher_for(tuple((k.key, k.names) for k in kpis))
    numeric: list[_Clause] = []
    corrects_next = False
    lead = ""
    for clause, aside in clauses_of(text):
        if _SAME.search(clause):
            reading.same_as_last = True
            continue
        if mentions_time_off(clause):
            names_kpi = _names_a_kpi(matcher, clause)
            off = (
                read_time_off(clause, now=now, languages=languages, date_order=date_order)
                if not names_kpi or said_of_self(clause)
                else None
            )
            if isinstance(off, TimeOff) and not reading.away_until:  # the first span said is the one meant
                reading.away_from, reading.away_until = off.start.isoformat(), off.end.isoformat()
            elif isinstance(off, Unsure):
                reading.away_unsure = reading.away_unsure or off.reason
            if off is not None and not names_kpi:
                continue
        spans = date_spans(clause) + [(m.start(), m.end()) for m in _SLACK_MARKUP.finditer(clause)]
        numbers = find_numbers(clause, skip=spans)
        if reading.blockers and (CONTINUATION.match(clause) or (not numbers and any_date(clause, now, languages))):
            # "stuck on legal review, until Friday": the date belongs to the blocker before it
            previous = reading.blockers.pop()
            reading.dates = [d for d in reading.dates if d != previous.date]
            _add_blocker(reading, f"{previous.text}, {clause}", now, languages)
            blocker_parts[-1] = (blocker_parts[-1][0], clause)
            continue
        blocker = BLOCKER.search(clause)
        if blocker:
            head = clause[: blocker.start()]
            head_numbers = [n for n in numbers if n.end <= blocker.start()]
            own = clause[blocker.start() :] if head_numbers else clause
            _add_blocker(reading, own, now, languages)
            blocker_parts.append((own, own))
            if head_numbers and _names_a_kpi(matcher, head):
                numeric.append(_Clause(head, head_numbers, corrects_next))
            continue
        numbers = _drop_changed_from(clause, numbers)
        if numbers:
            numeric.append(_Clause(clause, numbers, corrects_next, aside, lead))
            corrects_next, lead = False, ""
        elif CORRECTION.search(clause):
            corrects_next = True
        elif not aside and _names_a_kpi(matcher, clause):
            lead = clause
    as_typed = _AsTyped(typed, text)
    for found, (first, last) in zip(reading.blockers, blocker_parts, strict=True):
        found.text = (as_typed.span(first, last) or found.text)[:1000]
    state = _State(reading, kpis, {k.key: k for k in kpis}, matcher)
    _assign(numeric, state, expecting)
    if reading.same_as_last:
        for kpi in kpis:
            if kpi.key not in reading.values and kpi.last_value is not None and kpi.key not in state.several:
                reading.values[kpi.key] = kpi.last_value
    if reading.away_until:
        reading.away_unsure = None  # another clause said the days ("off next week, back the monday after")
    _check_plausible(kpis, reading)
    asked = {q.kpi for q in reading.questions} | {o for q in reading.questions for o in q.options}
    for kpi in kpis:
        if kpi.key not in reading.values and kpi.key not in asked:
            reading.questions.append(Question("missing", kpi.key))
    return reading


def _drop_changed_from(clause: str, numbers: list[Number]) -> list[Number]:
    """ "went from 6h to 4.5h", "从25%降到21%": the first number is last week's, the second is now."""
    kept = list(numbers)
    for a, b in itertools.pairwise(numbers):
        between = clause[a.end : b.start]
        if _CHANGE.match(between) and (_FROM.search(clause[: a.start]) or _ARROW.match(between)):
            kept.remove(a)
    return kept


def _is_reference(clause: _Clause, number: Number, kpis: list[KpiRef]) -> bool:
    """Is ``number`` last week's, the target, the year so far, a daily rate or a plan, rather than this week's value?"""
    after = _REFERENCE_AFTER.match(clause.text, number.end)
    before = _REFERENCE_BEFORE.search(clause.text, 0, number.start)
    said = after or before
    if said is None:
        return False
    marker = said.group("marker") if after is not None else said.group()
    words = re.sub(r"[^a-z\u4e00-\u9fff ]", " ", marker.casefold()).split()
    names = " ".join(k.name.casefold() for k in kpis)
    return not any(w in names for w in words if len(w) > 2 or not w.isascii())  # "Daily active users": daily is its name


def _names_a_kpi(matcher: Matcher, text: str) -> bool:
    return bool(matcher.best(matcher.words(text))[0])


def _add_blocker(reading: Reading, text: str, now: datetime, languages: tuple[str, ...]) -> None:
    blocker = read_blocker(text, now, languages)
    reading.blockers.append(blocker)
    if blocker.date:
        reading.dates.append(blocker.date)


def _words_per_number(clause: _Clause, matcher: Matcher) -> list[tuple[str, str]]:
    """Each number's own words (left, right).

    Text between two numbers belongs to one of them: to the next one when the
    clause names its KPIs before the numbers ("revenue 45k clients 2"), to the
    previous one when after ("45k revenue 2 clients"). When the text between
    two numbers names two different KPIs ("2 new clients revenue 45k"), it is
    split between them.
    """
    numbers, text = clause.numbers, clause.text
    count = len(numbers)
    left = [""] * count
    right = [""] * count
    left[0] = text[: numbers[0].start]
    right[-1] = text[numbers[-1].end :]
    name_first = bool(matcher.best(matcher.words(left[0]))[0])
    for i in range(count - 1):
        gap = text[numbers[i].end : numbers[i + 1].start]
        split = _split_gap(gap, matcher)
        if split is not None:
            right[i], left[i + 1] = split
        elif name_first:
            left[i + 1] = gap
        else:
            right[i] = gap
    return list(zip(left, right, strict=True))


def _split_gap(gap: str, matcher: Matcher) -> tuple[str, str] | None:
    """Where text between two numbers stops naming one KPI and starts naming another, if it does."""
    if len(gap) > 80 or not _LETTERS.search(gap):
        return None
    points = [m.start() for m in re.finditer(r"(?<=\S)\s+|(?<=[\u4e00-\u9fff])(?=[\u4e00-\u9fff])", gap)]
    best: tuple[float, int] | None = None
    for point in points:
        a, a_score = matcher.best(matcher.words(gap[:point]))
        b, b_score = matcher.best(matcher.words(gap[point:]))
        if len(a) == 1 and len(b) == 1 and a != b:
            total = a_score + b_score
            if best is None or total > best[0]:
                best = (total, point)
    if best is None:
        return None
    return gap[: best[1]], gap[best[1] :]


def _assign(clauses: list[_Clause], state: _State, expecting: str | None) -> None:
    reading, kpis = state.reading, state.kpis
    all_numbers = [n for c in clauses for n in c.numbers]
    words_left = " ".join(_FILLER.sub(" ", _APPROX.sub(" ", _strip_numbers(c))) for c in clauses)
    if all_numbers and not _LETTERS.search(words_left) and not any(c.corrects for c in clauses):
        _assign_bare(all_numbers, state, expecting)
        return
    for clause in clauses:
        clause_last: str | None = None
        for i, (number, (left, right)) in enumerate(zip(clause.numbers, _words_per_number(clause, state.matcher), strict=True)):
            words = f"{left} {right}"
            if i == 0 and clause.lead and not _LETTERS.search(_FILLER.sub(" ", words)):
                words = f"{clause.lead} {words}"
            if clause.aside and state.matcher.best(state.matcher.words(words))[1] < STRONG:
                continue  # "(two angry customers)": context, not a value
            corrects = bool(CORRECTION.search(left)) or (clause.corrects and i == 0)
            if _NEGATED.search(left):
                continue  # "2 new clients, not 3"
            if not corrects and _is_reference(clause, number, state.kpis):
                continue  # "sales 115k vs 98k last week": 98k is context
            if number.suffix == "no":
                words = right  # "no churn": the zero is for the words after it, not "hiring manager ... no final rounds"
            _place(state, number, words, corrects, clause_last)
            clause_last = state.last_key
    for number, phrase in state.unmatched:
        _place_by_unit(state, number, phrase, expecting, len(state.unmatched))
    for key, values in state.several.items():
        reading.values.pop(key, None)
        reading.questions.append(Question("ambiguous", key, values, reason="two numbers"))
    del kpis


def _place(state: _State, number: Number, words: str, corrects: bool, clause_last: str | None) -> None:
    parsed = state.matcher.words(CORRECTION.sub(" ", _APPROX.sub(" ", words)))
    prefer = {k.key for k in state.kpis if _kind_matches(number, k)}
    best, score = state.matcher.best(parsed, only=_fitting_keys(state, number), prefer=prefer)
    phrase = _phrase(words)
    if len(best) == 1 and score < STRONG and state.matcher.only_generic(parsed, best[0]):
        best, score = [], 0.0  # "avg so ~15": average and time are in many names; they name none
    if not best and number.suffix == "no":
        return  # "no final rounds", "nothing to report": a zero for nothing they track
    if not best and corrects and state.last_key:
        best, score = [state.last_key], state.strength.get(state.last_key, 0.0)
    elif not best and clause_last and not _LETTERS.search(_FILLER.sub(" ", words)):
        best, score = [clause_last], state.strength.get(clause_last, 0.0)  # "revenue 45k 50k": a second number for it
    if len(best) > 1:
        best = [k for k in best if _could_be(number, state.by_key[k])] or best
        fitting = [k for k in best if _unit_fits(number, state.by_key[k])]
        best = fitting or best
    if not best and _names_something_else(parsed):
        state.reading.questions.append(
            Question("unmatched", None, [number.value], reason="", options=[k.key for k in state.kpis], phrase=phrase)
        )
        return
    if not best:
        state.unmatched.append((number, phrase))
        return
    if len(best) > 1:
        state.reading.questions.append(
            Question("unmatched", None, [number.value], reason="several KPIs match", options=best, phrase=phrase)
        )
        return
    key = best[0]
    kpi = state.by_key[key]
    number = _settle_decimal_comma(number, kpi)
    if number.problem:
        state.reading.questions.append(Question("ambiguous", key, list(number.candidates), reason=number.problem))
        state.last_key = key
        return
    value = _value_for(number, kpi)
    if value is None or (score < STRONG and not _unit_fits(number, kpi) and number.unit not in {None, "count"}):
        options = [k.key for k in state.kpis if _unit_fits(number, k)] or [k.key for k in state.kpis]
        state.reading.questions.append(Question("unmatched", None, [number.value], reason="unit", options=options, phrase=phrase))
        return
    _put(state, key, value, replace=corrects, strength=score, typed_unit=_typed_unit(number, kpi))
    state.last_key = key


def _kind_matches(number: Number, kpi: KpiRef) -> bool:
    """The number carries the KPI's own kind of unit: % for a percent KPI, hours for a time KPI, nothing for a count."""
    kind = kpi.unit_kind
    if number.unit in {None, "count"} and not number.scaled:
        if number.value == int(number.value):
            return kind in {"count", "score"}
        return kind == "rating" and 1 <= number.value <= 5
    return _unit_fits(number, kpi) and (number.unit is not None or number.scaled)


def _could_be(number: Number, kpi: KpiRef) -> bool:
    """4,410 is not a percentage, 4.6 is not a count: between KPIs named equally, the one the number can be."""
    kind, value = kpi.unit_kind, number.value
    if kind == "percent" and number.unit != "percent":
        return 0 <= value <= 100
    if kind == "rating":
        return 1 <= value <= 5
    if kind == "count":
        return value == int(value) and value >= 0
    return True


def _typed_unit(number: Number, kpi: KpiRef) -> bool:
    return number.unit is not None and number.unit != "count" and _unit_fits(number, kpi)


def _settle_decimal_comma(number: Number, kpi: KpiRef) -> Number:
    """ "0,6%", "99,9%", a rating of "4,6": only the decimal reading can be meant; money ("2,5 million") is asked."""
    if number.problem != "decimal comma" or len(number.candidates) != 2:
        return number
    decimal, joined = number.candidates
    kind = kpi.unit_kind
    if 0 < abs(decimal) < 1 or (kind == "percent" and joined > 100) or (kind == "rating" and not 1 <= joined <= 5):
        return replace(number, value=decimal, problem=None, candidates=())
    return number


def _fitting_keys(state: _State, number: Number) -> set[str] | None:
    """A number with a clear unit (%, ¥, hours) is only for KPIs of that unit, when some are named."""
    if number.unit in {None, "count"} and not number.scaled:
        return None
    return {k.key for k in state.kpis if _unit_fits(number, k)} or None


def _names_something_else(words: Any) -> bool:
    """ "pipeline 300k" for someone without a pipeline KPI: the words say what it is, and it is none of theirs."""
    return any(not c.startswith(("w:", "z:")) and c not in GENERIC for c in words.concepts)


def _place_by_unit(state: _State, number: Number, phrase: str, expecting: str | None, count: int) -> None:
    reading = state.reading
    fits = [
        k
        for k in state.kpis
        if k.key not in reading.values
        and (number.unit not in {None, "count"} or number.scaled)
        and _unit_fits(number, k)
        and (number.unit not in _TIME_FACTOR or number.unit == k.unit_kind)  # "down 2 days" is not 48 hours of anything
    ]
    target: KpiRef | None = None
    if len(fits) == 1:
        target = fits[0]
    elif expecting and expecting not in reading.values and count == 1 and expecting in state.by_key:
        target = state.by_key[expecting]
    if target is not None and not number.problem:
        value = _value_for(number, target)
        if value is not None:
            _put(state, target.key, value, replace=False)
            return
    if target is not None and number.problem:
        reading.questions.append(Question("ambiguous", target.key, list(number.candidates), reason=number.problem))
        return
    options = [k.key for k in state.kpis if k.key not in reading.values]
    reading.questions.append(
        Question("unmatched", None, [number.value], reason=number.problem or "", options=options, phrase=phrase)
    )


def _assign_bare(numbers: list[Number], state: _State, expecting: str | None) -> None:
    """A reply of bare numbers: the one the bot asked for, or one per KPI in order."""
    reading, kpis = state.reading, state.kpis
    problem = next((n for n in numbers if n.problem), None)
    if expecting and len(numbers) == 1 and expecting in state.by_key:
        _place_by_unit(state, numbers[0], "", expecting, 1) if problem else _put_checked(
            state, state.by_key[expecting], numbers[0]
        )
    elif len(kpis) == 1 and len(numbers) == 1:
        if problem:
            reading.questions.append(Question("ambiguous", kpis[0].key, list(problem.candidates), reason=problem.problem or ""))
        else:
            _put_checked(state, kpis[0], numbers[0])
    elif len(numbers) == len(kpis) and not problem:
        for kpi, number in zip(kpis, numbers, strict=True):
            _put_checked(state, kpi, number)
    elif len(numbers) == 1:
        _place_by_unit(state, numbers[0], "", expecting, 1)
    else:
        reading.questions.append(Question("unmatched", None, [n.value for n in numbers], reason="count"))


def _put_checked(state: _State, kpi: KpiRef, number: Number) -> None:
    value = _value_for(number, kpi)
    if value is None:
        state.reading.questions.append(Question("ambiguous", kpi.key, [number.value], reason="unit"))
    else:
        _put(state, kpi.key, value, replace=False)


def _put(state: _State, key: str, value: float, *, replace: bool, strength: float = 0.0, typed_unit: bool = False) -> None:
    """Two different numbers for one KPI are a question, unless the second one corrects the first.

    When one of the two named the KPI outright ("reviews given 10") and the
    other only shared a word with it ("reviews received 6"), the outright one
    is kept and the other is asked about.
    """
    values = state.reading.values
    old_strength = state.strength.get(key, 0.0)
    if key in values and values[key] != value and not replace and typed_unit != (key in state.typed):
        # "otd 89%. two suppliers late": the number typed with the KPI's unit is its value; the other is asked about
        weaker = values[key] if typed_unit else value
        state.reading.questions.append(Question("unmatched", None, [weaker], options=[k.key for k in state.kpis]))
        if typed_unit:
            values[key] = value
            state.typed.add(key)
        return
    if typed_unit:
        state.typed.add(key)
    if key in values and values[key] != value and not replace and (strength >= STRONG) != (old_strength >= STRONG):
        weaker = value if strength < STRONG else values[key]
        state.reading.questions.append(Question("unmatched", None, [weaker], options=[k.key for k in state.kpis]))
        if strength >= STRONG:
            values[key], state.strength[key] = value, strength
        return
    state.strength[key] = max(strength, old_strength) if not replace else strength
    if replace:
        state.several.pop(key, None)
        values[key] = value
    elif key in state.several:
        if value not in state.several[key]:
            state.several[key].append(value)
    elif key in values and values[key] != value:
        state.several[key] = [values[key], value]
    else:
        values[key] = value


def _phrase(words: str) -> str:
    """The person's own words for a number, to remember as their alias: "closed deals", "签单"."""
    cleaned = CORRECTION.sub(" ", _APPROX.sub(" ", words))
    cleaned = re.sub(r"[^\w\u4e00-\u9fff' -]+", " ", cleaned)
    tokens = [t for t in cleaned.split() if not re.fullmatch(r"\d+|" + _FILLER.pattern, t, re.IGNORECASE)]
    return " ".join(tokens)[:60].strip().casefold()


def _strip_numbers(clause: _Clause) -> str:
    out, last = [], 0
    for n in clause.numbers:
        out.append(clause.text[last : n.start])
        last = n.end
    out.append(clause.text[last:])
    return " ".join(out)


_TIME_FACTOR = {"minutes": 1.0, "hours": 60.0, "days": 1440.0, "weeks": 10080.0}


def _value_for(number: Number, kpi: KpiRef) -> float | None:
    """The number in the KPI's unit: 1.5h for a minutes KPI is 90; 45m for a minutes KPI is 45, not 45 million."""
    kind = kpi.unit_kind
    value = number.value
    if kind in {"minutes", "hours", "days"}:
        if number.suffix == "m":  # "30m" for a time KPI is minutes
            return round(value / 1e6 / _TIME_FACTOR[kind], 4)
        if number.unit in _TIME_FACTOR:
            return round(value * _TIME_FACTOR[number.unit] / _TIME_FACTOR[kind], 4)
    if number.unit and number.unit.startswith("outof"):
        scale = number.unit[5:]
        if kind == "rating" and scale != "5":
            return None
    return value


def _unit_fits(number: Number, kpi: KpiRef) -> bool:
    kind = kpi.unit_kind
    unit = number.unit
    if unit == "percent":
        return kind == "percent"
    if unit == "currency":
        return kind == "currency"
    if unit in _TIME_FACTOR:
        return kind in {"minutes", "hours", "days"}
    if unit and unit.startswith("outof"):
        return kind in {"rating", "score", "percent"}
    if number.scaled:
        return kind in {"currency", "count"} and _magnitude_fits(number.value, kpi)
    if unit == "count":
        return kind in {"count", "score"}
    return True


def _magnitude_fits(value: float, kpi: KpiRef) -> bool:
    """Could this be the KPI's weekly figure? 45,000 new customers against a target of 26 could not.

    Without a target only currency takes a scaled amount (45k) on its own.
    """
    if not kpi.target:
        return kpi.unit_kind == "currency"
    return abs(value) <= 10 * abs(kpi.target)


def _check_plausible(kpis: list[KpiRef], reading: Reading) -> None:
    for kpi in kpis:
        value = reading.values.get(kpi.key)
        if value is None:
            continue
        reason = ""
        kind = kpi.unit_kind
        if value < 0 and kind in {
            "count",
            "percent",
            "hours",
            "minutes",
            "days",
            "rating",
            "currency",
        }:  # a score (NPS) may be negative
            reason = "negative"
        elif kind == "percent" and value > 100 and not (read_words(kpi.name).concepts & _UNBOUNDED):
            reason = "over 100%"
        elif kind == "rating" and not 1 <= value <= 5:
            reason = "not 1-5"
        elif kind == "count" and value != int(value):
            reason = "not a whole number"
        elif kind != "score" and kpi.previous_max and kpi.previous_max > 0 and value > 10 * kpi.previous_max:
            reason = "ten times your previous best"
        if reason:
            del reading.values[kpi.key]
            reading.questions.append(Question("implausible", kpi.key, [value], value=value, reason=reason))
