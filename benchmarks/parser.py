"""Replies parsed per second on one core, on the mixed English/Chinese corpus."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from benchmarks.replies import CORPUS
from bot.reply_parser import KpiRef, parse_reply

KPIS = [
    KpiRef("1", "Revenue", "CNY", aliases=("sales", "销售额", "营收")),
    KpiRef("2", "New customers", "count", aliases=("clients", "new clients", "新客户")),
    KpiRef("3", "Complaint rate", "percent", "lower", aliases=("complaints", "投诉率")),
]


def run(seconds: float = 3.0) -> dict[str, float]:
    now = datetime(2026, 11, 30, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    for text in CORPUS:  # warm caches (regexes, dateparser's language data)
        parse_reply(text, KPIS, now=now)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in CORPUS:
            parse_reply(text, KPIS, now=now)
        count += len(CORPUS)
    elapsed = time.perf_counter() - start
    return {"replies_per_second": count / elapsed, "replies": count}


if __name__ == "__main__":
    print(run())
