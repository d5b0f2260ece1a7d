"""`kpibot org import` of 10,000 people and 30,000 KPIs, and `kpibot values import` of 100,000 rows.

Each runs the real command (``bot.cli.main``) on a fresh database, once on
SQLite and once on a throwaway PostgreSQL (tests/pgserver.py), and reports
the wall time; the second import of the same organisation file (nothing to
change) is timed too.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

PEOPLE = 10_000
TEAM_SIZE = 50
KPIS = (
    ("Revenue", "USD", 50, "higher", "sum"),
    ("New customers", "count", 30, "higher", "sum"),
    ("NPS", "score", 20, "higher", "average"),
)


def org_yaml(people: int = PEOPLE) -> str:
    """An organisation file: teams of 50 (the first member manages), three KPIs each for 2026-Q4."""
    lines = ["admins: [U000000]", "teams:"]
    for t in range(0, people, TEAM_SIZE):
        members = ", ".join(f"U{i:06d}" for i in range(t, min(people, t + TEAM_SIZE)))
        lines.append(f"  - {{name: Team {t // TEAM_SIZE}, manager: U{t:06d}, channel: C{t:06d}, members: [{members}]}}")
    lines.append("people:")
    for i in range(people):
        lines.append(f"  - {{slack_id: U{i:06d}, name: Person {i}, email: p{i}@example.com}}")
    lines += ["goals:", "  - {id: growth, title: Grow revenue by 20%, level: company}", "kpis:"]
    for i in range(people):
        for name, unit, weight, direction, how in KPIS:
            horizon = "leading" if name != "Revenue" else "lagging"
            kind = "behaviour" if name == "NPS" else "result"
            lines.append(
                f"  - {{owner: U{i:06d}, name: {name}, unit: {unit}, direction: {direction}, target: 1000, period: 2026-Q4,"
                f" aggregate: {how}, weight: {weight}, kind: {kind}, horizon: {horizon}, goal: growth, source: CRM}}"
            )
    return "\n".join(lines) + "\n"


def values_csv(rows: int = 100_000, people: int = PEOPLE) -> str:
    """``rows`` weekly values over the quarter's weeks, by Slack id and by email, with a source."""
    out = ["person,kpi,date,value,source"]
    monday = date(2026, 10, 5)
    n = 0
    week = 0
    while n < rows:
        for i in range(people):
            for name, *_ in KPIS:
                if n == rows:
                    break
                who = f"U{i:06d}" if i % 2 else f"p{i}@example.com"
                day = monday + timedelta(weeks=week, days=i % 7)
                out.append(f"{who},{name},{day.isoformat()},{(i * 7 + week) % 500 + 0.5},CRM")
                n += 1
        week += 1
    return "\n".join(out) + "\n"


@contextlib.contextmanager
def _databases() -> Iterator[list[tuple[str, str]]]:
    with tempfile.TemporaryDirectory() as folder:
        urls = [("SQLite", f"sqlite:///{Path(folder) / 'bulk.db'}")]
        server = None
        try:
            from tests.pgserver import PostgresServer

            server = PostgresServer().start()
            urls.append(("PostgreSQL", server.create_database("bulk")))
        except Exception as exc:
            print(f"  (PostgreSQL skipped: {exc})")
        try:
            yield urls
        finally:
            if server is not None:
                server.stop()


def _timed(argv: list[str], url: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): on a shared machine the CPU time says what the code costs."""
    from bot.cli import main
    from storage.migrate import upgrade

    os.environ["DATABASE_URL"] = url
    upgrade(url)
    out = io.StringIO()
    started, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(argv)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if code != 0:
        raise RuntimeError(f"kpibot {' '.join(argv)} failed:\n{out.getvalue()[-3000:]}")
    return seconds, cpu


def run() -> dict[str, dict[str, tuple[float, float]]]:
    results: dict[str, dict[str, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as folder, _databases() as urls:
        org = Path(folder) / "org.yaml"
        org.write_text(org_yaml())
        values = Path(folder) / "values.csv"
        values.write_text(values_csv())
        for label, url in urls:
            results[label] = {
                "org_import_s": _timed(["org", "import", str(org)], url),
                "org_reimport_s": _timed(["org", "import", str(org)], url),
                "values_import_s": _timed(["values", "import", str(values)], url),
                "values_reimport_s": _timed(["values", "import", str(values)], url),
            }
    return results


if __name__ == "__main__":
    for label, figures in run().items():
        print(label, {k: (round(w, 2), round(c, 2)) for k, (w, c) in figures.items()})
