"""Replies parsed per second on one core: the benchmark corpus and the 300+ reply test set.

Measured in CPU time of this process (``time.process_time``), so that other
work on a shared machine does not count against the parser; wall-clock
figures are printed beside it.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from benchmarks.replies import CORPUS
from bot.reply_parser import KpiRef, parse_reply

KPIS = [
    KpiRef("1", "Revenue", "CNY", aliases=("sales", "销售额", "营收"), target=600000),
    KpiRef("2", "New customers", "count", aliases=("clients", "new clients", "新客户"), target=26),
    KpiRef("3", "Complaint rate", "percent", "lower", aliases=("complaints", "投诉率"), target=1),
]
TEST_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "replies.yaml"


def _work() -> list[tuple[str, list[KpiRef]]]:
    work = [(text, KPIS) for text in CORPUS]
    if TEST_SET.exists():
        data: Any = yaml.safe_load(TEST_SET.read_text(encoding="utf-8"))
        sets = {
            name: [
                KpiRef(
                    k["key"],
                    k["name"],
                    k["unit"],
                    k.get("direction", "higher"),
                    tuple(k.get("aliases", [])),
                    target=k.get("target"),
                )
                for k in kpis
            ]
            for name, kpis in data["kpi_sets"].items()
        }
        work += [(c["text"], sets[c["set"]]) for c in data["replies"]]
    return work


def run(seconds: float = 3.0) -> dict[str, float]:
    now = datetime(2026, 11, 30, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    work = _work()
    for text, kpis in work:  # warm caches (regexes, dateparser's language data)
        parse_reply(text, kpis, now=now)
    count, cpu, wall = 0, time.process_time(), time.perf_counter()
    while time.process_time() - cpu < seconds:
        for text, kpis in work:
            parse_reply(text, kpis, now=now)
        count += len(work)
    cpu_elapsed, wall_elapsed = time.process_time() - cpu, time.perf_counter() - wall
    return {"replies_per_second": count / cpu_elapsed, "replies_per_second_wall": count / wall_elapsed, "replies": count}


if __name__ == "__main__":
    print(run())
