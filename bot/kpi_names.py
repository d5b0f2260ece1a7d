"""Which KPI do these words name? Name, alias, any significant word, initials, typos, English <-> Chinese.

A KPI's names (its name, aliases, names per language, the person's learned
aliases) are turned into *concepts* through ``bot.kpi_vocabulary``, so
"合格线索" meets "Qualified leads" and "MTTR" meets "Mean time to resolve".
Words are weighted by how many of the person's KPIs share them: "rate" says
little when three KPIs are rates, "complaint" says a lot.

Typos are caught with rapidfuzz's normalised Indel similarity, only for
words that are neither in the vocabulary nor in the person's KPI names, and
only against the words of the person's own KPIs. ``TYPO_THRESHOLD`` is
chosen from data (``tests/test_kpi_names.py`` recomputes it): over the
vocabulary's English words of 4+ letters, 96% of single-edit typos (a
dropped, doubled, replaced or swapped letter) score >= 80 against the
intended word, while only 0.03% of pairs of words with different meanings
do (quality/quantity, project/prospect); at 84, a fifth fewer typos are
caught for almost no fewer such pairs.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from rapidfuzz import fuzz, process

from bot.kpi_vocabulary import GENERIC, concepts

TYPO_THRESHOLD = 80.0
STRONG = 5.0  # a full name, alias or initials: beats any number of shared words
# words that say how a KPI is measured, not what: sharing only these names nothing
MEASURES = frozenset({"average", "time", "per", "total", "number", "week", "month", "quarter", "year", "size"})
UNIT_NUDGE = 0.11  # more than the coverage tie-break (<= 0.1), less than a shared generic word

_WORD = re.compile(r"[a-z][a-z0-9&'+]*(?:-[a-z0-9]+)*|#")
_CJK = re.compile(r"[\u3400-\u9fff]+")
_RAW = re.compile(r"[A-Za-z][A-Za-z0-9&'+]*")
STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "to",
        "for",
        "in",
        "on",
        "at",
        "by",
        "and",
        "or",
        "with",
        "from",
        "my",
        "our",
        "we",
        "i",
        "is",
        "was",
        "were",
        "are",
        "this",
        "that",
        "it",
        "its",
        "so",
        "far",
        "total",
        "about",
        "around",
        "approx",
        "approximately",
        "roughly",
        "~",
        "me",
        "us",
        "got",
        "get",
        "had",
        "have",
        "has",
        "did",
        "do",
        "done",
        "made",
        "make",
        "up",
        "down",
        "just",
        "only",
        "still",
        "now",
        "currently",
        "current",
        "week",
        "weeks",
        "last",
        "wk",
        "today",
        "so-far",
        "ytd",
        "be",
        "been",
        "also",
        "too",
        "very",
        "some",
    ]
)
_MAX_PHRASE = 4


class Named(Protocol):
    key: str
    name: str
    aliases: tuple[str, ...]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English stemmer: enough to meet plural, -ed and -ing forms of KPI words."""
    w = word.lower().strip("'-")
    if w.endswith("'s"):
        w = w[:-2]
    if re.fullmatch(r"[a-z]+\d+s", w):
        return w[:-1]  # "p1s", "sev1s"
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("es") and (w[-3] in "sxz" or w[-4:-2] in {"ch", "sh"}):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith("ss") and not w.endswith("us"):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if len(w) > 2 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]
            break
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


@lru_cache(maxsize=1)
def _vocab() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], int]:
    english, chinese = concepts()
    stemmed: dict[str, tuple[str, ...]] = {}
    for phrase, found in english.items():
        key = " ".join(stem(t) for t in _WORD.findall(phrase.replace("-", " ")))
        if key:
            stemmed[key] = tuple(dict.fromkeys((*stemmed.get(key, ()), *found)))
    return stemmed, chinese, max((len(w) for w in chinese), default=1) + 4


@dataclass(frozen=True)
class Words:
    """What a piece of reply text says, ready to compare with KPI profiles."""

    text: str  # casefolded
    tokens: tuple[str, ...]  # stemmed English tokens
    raw_tokens: tuple[str, ...]  # as typed, for initials (upper case) and typos
    concepts: frozenset[str]


@lru_cache(maxsize=256)
def _lengths(extra: frozenset[str]) -> tuple[int, ...]:
    """The lengths of Chinese terms, longest first: the only substring sizes worth looking up."""
    _, chinese, _ = _vocab()
    return tuple(sorted({len(t) for t in chinese} | {len(t) for t in extra}, reverse=True))


def read_words(text: str, *, extra_chinese: frozenset[str] = frozenset()) -> Words:
    """Concepts in ``text``: English n-grams and Chinese terms found in the vocabulary.

    Chinese is read longest term first without overlaps: 交付周期 is lead
    time, not also 交付 (delivery).
    """
    english, chinese, _ = _vocab()
    lowered = text.casefold().replace("-", " ")
    raw = tuple(_RAW.findall(text))
    tokens = tuple(stem(t) for t in _WORD.findall(lowered))
    found: set[str] = set()
    for size in range(min(_MAX_PHRASE, len(tokens)), 0, -1):
        for i in range(len(tokens) - size + 1):
            hit = english.get(" ".join(tokens[i : i + size]))
            if hit:
                found.update(hit)
    for token in tokens:
        if token in STOP or len(token) <= 2:
            continue
        if token not in english and token.endswith("s") and token[:-1] in english:
            found.update(english[token[:-1]])  # "pos", "prs": plurals of abbreviations too short to stem
        elif token not in english or not set(english[token]) <= GENERIC:
            found.add("w:" + token)  # the word itself: "invoices" names "Invoices processed" more than "payments" does
    for run in _CJK.findall(lowered):
        lengths = _lengths(extra_chinese)
        i = 0
        while i < len(run):
            step = 1
            for size in lengths:
                piece = run[i : i + size]
                if len(piece) == size and (piece in chinese or piece in extra_chinese):
                    found.update(chinese.get(piece, ()))
                    if piece in extra_chinese:
                        found.add("z:" + piece)
                    step = size
                    break
            i += step
    return Words(lowered, tokens, raw, frozenset(found))


@dataclass(frozen=True)
class Profile:
    """One KPI as the matcher sees it."""

    key: str
    phrases: tuple[str, ...]  # full names and aliases in Chinese, casefolded
    concepts: frozenset[str]
    initials: frozenset[str]
    words: tuple[str, ...]  # English words of its names and their vocabulary synonyms, for typos
    latin: re.Pattern[str] | None = None  # its Latin-script phrases, as one pattern


def _initials(name: str) -> set[str]:
    words = re.findall(r"[A-Za-z]+", name)
    if len(words) < 2:
        return set()
    full = "".join(w[0] for w in words).lower()
    significant = "".join(w[0] for w in words if w.lower() not in STOP).lower()
    return {i for i in (full, significant) if len(i) >= 2}


class Matcher:
    """The person's KPIs, ready to be named. Built once per KPI set (cached by ``matcher_for``)."""

    def __init__(self, kpis: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        english, chinese, _ = _vocab()
        cjk_names = frozenset(
            piece.casefold() for _, names in kpis for n in names for piece in _CJK.findall(n) if piece.casefold() not in chinese
        )
        self.extra_chinese = cjk_names
        by_concept_words: dict[str, set[str]] = {}
        for phrase, found_in in english.items():
            if " " not in phrase:
                for concept in found_in:
                    by_concept_words.setdefault(concept, set()).add(phrase)
        profiles = []
        for key, names in kpis:
            found: set[str] = set()
            initials: set[str] = set()
            words: set[str] = set()
            for n in names:
                # "工单解决数" is a name of its own and also ticket + resolve + number: "工单118" names it
                found |= read_words(n, extra_chinese=cjk_names).concepts | read_words(n).concepts
                initials |= _initials(n)
                words |= {w for w in re.findall(r"[a-z]+", n.casefold()) if len(w) >= 4 and w not in STOP}
            for concept in found:
                words |= {w for w in by_concept_words.get(concept, ()) if len(w) >= 4 and w.isalpha()}
            phrases = tuple(sorted({n.casefold().strip().replace("-", " ") for n in names if n.strip()}, key=len, reverse=True))
            latin = [p for p in phrases if not _CJK.search(p)]
            pattern = (
                re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(p) for p in latin) + r")(?:s|es)?(?![a-z0-9])")
                if latin
                else None
            )
            cjk = tuple(p for p in phrases if _CJK.search(p))
            profiles.append(Profile(key, cjk, frozenset(found), frozenset(initials), tuple(sorted(words)), pattern))
        self.profiles = profiles
        self.df = Counter(c for p in profiles for c in p.concepts)
        self.typo_choices = sorted({w for p in profiles for w in p.words})
        self.known = {t for p in profiles for t in p.words}

    def words(self, text: str) -> Words:
        words = read_words(text, extra_chinese=self.extra_chinese)
        return self._with_typos(words)

    def _with_typos(self, words: Words) -> Words:
        english, _, _ = _vocab()
        extra: set[str] = set()
        for token in set(re.findall(r"[a-z]+", words.text)):
            if len(token) < 4 or token in STOP or stem(token) in english or token in self.known:
                continue
            hit = process.extractOne(token, self.typo_choices, scorer=fuzz.ratio, score_cutoff=TYPO_THRESHOLD)
            if hit:
                extra |= read_words(hit[0]).concepts
        return Words(words.text, words.tokens, words.raw_tokens, words.concepts | extra) if extra else words

    def scores(self, words: Words) -> dict[str, float]:
        """A score per KPI key; 0 means not named at all."""
        result: dict[str, float] = {}
        upper = {t.lower() for t in words.raw_tokens if t.isupper() or len(t) >= 3}
        for p in self.profiles:
            score = 0.0
            hit = p.latin.search(words.text) if p.latin is not None else None
            if hit:
                score = STRONG + len(hit.group()) / 100
            for phrase in p.phrases:  # Chinese names: a substring is enough
                if phrase in words.text:
                    score = max(score, STRONG + len(phrase) / 100)
            if p.initials & upper:
                score = max(score, STRONG)
            shared = p.concepts & words.concepts
            for concept in shared:
                base = 0.25 if concept in GENERIC else 1.0
                score += base / self.df[concept]
            if shared - GENERIC:  # of two KPIs named equally, the one whose name is covered more
                score += 0.1 * len(shared) / len(p.concepts)
            result[p.key] = score
        return result

    def only_generic(self, words: Words, key: str) -> bool:
        """Do these words share only how-it-is-measured words (average, time, total) with the KPI?

        "avg so ~15" names no KPI, not even "Mean time to restore"; "2 new" still names "New clients".
        """
        profile = next(p for p in self.profiles if p.key == key)
        return (profile.concepts & words.concepts) <= MEASURES

    def best(self, words: Words, *, only: set[str] | None = None, prefer: set[str] | None = None) -> tuple[list[str], float]:
        """The KPIs with the top score (several = a tie) and that score; ``only``: prefer these when any is named.

        ``prefer``: the KPIs whose unit the number has ("POs 40" is a count: POs issued, not PO cycle time);
        the nudge decides between KPIs named by the same words, never against a word that names one better.
        """
        scores = self.scores(words)
        if only is not None and any(scores[k] > 0 for k in only):
            scores = {k: s for k, s in scores.items() if k in only}
        if prefer:
            scores = {k: s + (UNIT_NUDGE if s > 0 and k in prefer else 0.0) for k, s in scores.items()}
        top = max(scores.values(), default=0.0)
        if top <= 0:
            return [], 0.0
        return [k for k, s in scores.items() if abs(s - top) < 1e-9], top


@lru_cache(maxsize=2048)
def matcher_for(kpis: tuple[tuple[str, tuple[str, ...]], ...]) -> Matcher:
    """``kpis``: (key, names) pairs; the same KPI set every week, so the profile is built once."""
    return Matcher(kpis)
