"""``./dev bench``: every figure in the README's Benchmarks section, in one run."""

from __future__ import annotations

import argparse
import platform

from benchmarks import bulk_import, dm_latency, fanout, parser, team_view


def main() -> None:
    cli = argparse.ArgumentParser(description="kpibot benchmarks")
    cli.add_argument("--only", choices=["parser", "bulk", "team"], help="run one benchmark only")
    args = cli.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    if args.only in (None, "bulk"):
        _bulk()
        if args.only == "bulk":
            return
    if args.only == "team":
        _team()
        return
    p = parser.run()
    print(
        f"reply parser: {p['replies_per_second']:,.0f} replies/s on one core, CPU time "
        f"({p['replies_per_second_wall']:,.0f}/s wall clock; benchmark corpus + the 300+ reply test set)"
    )
    if args.only == "parser":
        return
    d = dm_latency.run()
    print(
        f"DM reply, signed request -> HTTP 200: p50 {d['ack_p50_ms']:.1f} ms, p95 {d['ack_p95_ms']:.1f} ms "
        f"(do-nothing Bolt app: p50 {d['noop_ack_p50_ms']:.1f} ms, p95 {d['noop_ack_p95_ms']:.1f} ms)"
    )
    print(f"DM reply -> confirmation posted: p50 {d['confirmation_p50_ms']:.1f} ms, p95 {d['confirmation_p95_ms']:.1f} ms")
    _team()
    r = fanout.run_round(10_000)
    print(f"round to 10,000 members, no rate limit: {r['seconds']:.1f} s ({r['prompts_per_second']:,.0f} prompts/s)")
    r = fanout.run_round(2_000, workspace_per_sec=50)
    print(
        f"round to 2,000 members at 1 msg/s/channel + 50 msg/s workspace: {r['seconds']:.1f} s; "
        f"the limit allows {r['limit_allows_seconds']:.1f} s ({r['over_the_limit_floor']:+.1%})"
    )


def _team() -> None:
    print("\n".join(team_view.lines(team_view.run(50))))
    on_postgresql = team_view.run_postgresql(50)
    if on_postgresql is not None:
        print("\n".join(team_view.lines(on_postgresql)))
    print("\n".join(team_view.lines(team_view.run(10_000))))


def _bulk() -> None:
    for backend, b in bulk_import.run().items():

        def fig(key: str, b: dict[str, tuple[float, float]] = b) -> str:
            wall, cpu = b[key]
            return f"{wall:.1f} s ({cpu:.1f} s CPU in kpibot)"

        print(
            f"{backend}: kpibot org import of 10,000 people + 30,000 KPIs {fig('org_import_s')}, again (nothing to change) "
            f"{fig('org_reimport_s')}; kpibot values import of 100,000 rows {fig('values_import_s')}, "
            f"again {fig('values_reimport_s')}"
        )


if __name__ == "__main__":
    main()
