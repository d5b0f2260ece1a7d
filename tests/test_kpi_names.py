"""Naming a KPI: name, alias, inflection, initials, typos, the other language; ties are asked about."""

from __future__ import annotations

import itertools
import random

import pytest
from rapidfuzz import fuzz

from bot.kpi_names import TYPO_THRESHOLD, matcher_for
from bot.kpi_vocabulary import concepts

KPIS = (
    ("mttr", ("Mean time to resolve",)),
    ("ql", ("Qualified leads",)),
    ("def", ("Defect rate",)),
    ("rel", ("Releases",)),
    ("frt", ("First response time",)),
    ("rev", ("Revenue", "营收")),
)


def _best(text: str) -> list[str]:
    matcher = matcher_for(KPIS)
    return matcher.best(matcher.words(text))[0]


@pytest.mark.parametrize(
    ("words", "key"),
    [
        ("MTTR", "mttr"),
        ("mean time to resolve", "mttr"),
        ("平均解决时长", "mttr"),
        ("合格线索", "ql"),
        ("qualified lead", "ql"),
        ("缺陷率", "def"),
        ("defects", "def"),
        ("发布", "rel"),
        ("released", "rel"),
        ("qualifed leads", "ql"),
        ("revnue", "rev"),
        ("销售额", "rev"),
        ("首次响应", "frt"),
    ],
)
def test_a_kpi_is_named_many_ways(words: str, key: str) -> None:
    assert _best(words) == [key]


def test_two_kpis_that_fit_equally_are_a_tie() -> None:
    assert sorted(_best("time")) == ["frt", "mttr"]


def test_the_typo_threshold_is_what_the_vocabulary_says() -> None:
    english, _ = concepts()
    words = sorted({w for w in english if w.isalpha() and len(w) >= 4})
    rnd = random.Random(7)

    def typos(w: str) -> list[str]:
        out = []
        for i in range(len(w)):
            out += [w[:i] + w[i + 1 :], w[:i] + w[i] + w[i:], w[:i] + rnd.choice("abcdefghijklmnopqrstuvwxyz") + w[i + 1 :]]
            if i + 1 < len(w):
                out.append(w[:i] + w[i + 1] + w[i] + w[i + 2 :])
        return [t for t in out if t != w]

    scores = [fuzz.ratio(t, w) for w in words for t in typos(w)]
    caught = sum(s >= TYPO_THRESHOLD for s in scores) / len(scores)
    pairs = [(a, b) for a, b in itertools.combinations(words, 2) if not set(english[a]) & set(english[b])]
    confused = sum(fuzz.ratio(a, b) >= TYPO_THRESHOLD for a, b in pairs) / len(pairs)
    assert caught >= 0.95
    assert confused <= 0.001
