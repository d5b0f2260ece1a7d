"""The ``kpibot`` command: demo, serve, db upgrade, parse, org import, values import, source, report."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import ConfigError, Settings

EPILOG = {
    "demo": "Example: kpibot demo --weeks 13",
    "serve": "Example: SLACK_BOT_TOKEN=xoxb-... SLACK_SIGNING_SECRET=... kpibot serve",
    "db": "Example: DATABASE_URL=postgresql+psycopg://kpibot@localhost/kpibot kpibot db upgrade",
    "parse": 'Example: kpibot parse --kpi Revenue:CNY --kpi "New customers:count" "revenue 45k, 2 new customers"',
    "org": "Example: kpibot org import org.yaml",
    "values": "Example: kpibot values import crm-2026-11.csv   (header: person,kpi,date,value[,source])",
    "source": "Example: kpibot source add CRM   (then: curl -H 'Authorization: Bearer SECRET' .../sources/CRM/values)",
    "report": "Example: kpibot report team 'Sales East' --period 2026-Q4 --format html --output sales-east.html",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kpibot",
        description="Weekly KPI check-ins in Slack. Each command has --help with an example.",
        epilog="Example: kpibot demo (then: kpibot org import org.yaml && kpibot serve)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the whole lifecycle locally, no Slack account needed", epilog=EPILOG["demo"])
    demo.add_argument("--weeks", type=int, default=13, help="simulated weeks (default 13: the whole of 2026-Q4)")
    demo.add_argument("--database", default=None, help="database URL (default: a fresh SQLite file in --out)")
    demo.add_argument("--out", default="demo-out", help="folder for the demo database and files")
    sub.add_parser("serve", help="run the bot (HTTP on $PORT, or Socket Mode with SLACK_APP_TOKEN)", epilog=EPILOG["serve"])
    db = sub.add_parser("db", help="database commands", epilog=EPILOG["db"])
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply Alembic migrations up to head", epilog=EPILOG["db"])
    parse = sub.add_parser("parse", help="show what the reply parser reads from TEXT, as JSON", epilog=EPILOG["parse"])
    parse.add_argument("--kpi", action="append", default=[], metavar="NAME:UNIT[:DIRECTION]", help="a KPI (repeat)")
    parse.add_argument(
        "--alias",
        action="append",
        default=[],
        metavar="NAME=ALIAS",
        help="another name a KPI answers to, e.g. Revenue=营收 (repeat)",
    )
    parse.add_argument("--tz", default="UTC", help="the person's timezone for dates (default UTC)")
    parse.add_argument("--now", default=None, help="message time, ISO 8601 (default: now)")
    parse.add_argument("text", help="the reply text")
    org = sub.add_parser("org", help="organisation file commands", epilog=EPILOG["org"])
    org_sub = org.add_subparsers(dest="org_command", required=True)
    imp = org_sub.add_parser("import", help="load or update the organisation from a YAML file", epilog=EPILOG["org"])
    imp.add_argument("file", type=Path)
    values = sub.add_parser("values", help="KPI values from a file", epilog=EPILOG["values"])
    values_sub = values.add_subparsers(dest="values_command", required=True)
    vimp = values_sub.add_parser(
        "import", help="load KPI values from a CSV file (validated whole, idempotent)", epilog=EPILOG["values"]
    )
    vimp.add_argument("file", type=Path, help="CSV, UTF-8, header person,kpi,date,value[,source]")
    source = sub.add_parser("source", help="source systems that push KPI values", epilog=EPILOG["source"])
    source_sub = source.add_subparsers(dest="source_command", required=True)
    for verb, text in (("add", "register a source system and print its secret"), ("rotate", "print a new secret")):
        cmd = source_sub.add_parser(verb, help=text, epilog=EPILOG["source"])
        cmd.add_argument("name", help="the source's name, as in /sources/NAME/values")
    from bot.reports import BUILDERS
    from bot.reports.builders import load as load_reports
    from bot.reports.formats import FORMATS

    load_reports()
    report = sub.add_parser("report", help="a period's KPIs, statuses, check-ins, blockers, evaluations", epilog=EPILOG["report"])
    report.add_argument(
        "kind", choices=sorted(BUILDERS), help="; ".join(f"{k}: {b.description}" for k, b in sorted(BUILDERS.items()))
    )
    report.add_argument("name", nargs="?", default=None, help="the team's name (for team)")
    report.add_argument("--period", required=True, help="2026-Q4, 2026-H2, 2026-11, 2026 or 2026-10-01..2026-12-31")
    report.add_argument("--format", choices=FORMATS, default="csv", help="csv (the KPI table), json or html (default csv)")
    report.add_argument("--output", type=Path, default=None, help="write to this file instead of standard output")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        if args.command == "parse":
            return _parse(args)
        if args.command == "demo":
            from kpibot_dev.demo import run_demo

            return run_demo(weeks=args.weeks, out=Path(args.out), database_url=args.database)
        settings = Settings()
        if args.command == "db":
            from storage.migrate import upgrade

            upgrade(settings.database_url)
            print(f"database at head: {_safe_url(settings.database_url)}")
            return 0
        if args.command == "org":
            return _org_import(settings, args.file)
        if args.command == "values":
            return _values_import(settings, args.file)
        if args.command == "source":
            return _source(settings, args.source_command, args.name)
        if args.command == "report":
            return _report(settings, args)
        if args.command == "serve":
            from bot.serve import serve

            return serve(settings)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 1


def _parse(args: argparse.Namespace) -> int:
    from bot.reply_parser import KpiRef, parse_reply

    kpis = []
    for i, spec in enumerate(args.kpi):
        parts = spec.split(":")
        if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in {"higher", "lower"}):
            print(f"--kpi {spec!r}: use NAME:UNIT or NAME:UNIT:higher|lower", file=sys.stderr)
            return 2
        direction = parts[2] if len(parts) > 2 else "higher"
        aliases = tuple(a.split("=", 1)[1] for a in args.alias if a.split("=", 1)[0] == parts[0] and "=" in a)
        kpis.append(KpiRef(key=str(i), name=parts[0], unit=parts[1], direction=direction, aliases=aliases))
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(ZoneInfo(args.tz))
    if now.tzinfo is None:
        now = now.replace(tzinfo=ZoneInfo(args.tz))
    reading = parse_reply(args.text, kpis, now=now.astimezone(ZoneInfo(args.tz)))
    print(json.dumps(reading.as_json(kpis), ensure_ascii=False, indent=2))
    return 0


def _org_import(settings: Settings, path: Path) -> int:
    from bot.orgfile import OrgFileError, import_org
    from storage.engine import make_engine, session_scope
    from storage.migrate import upgrade

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            report = import_org(session, text)
    except OrgFileError as exc:
        print(f"{path} was not imported; nothing changed:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {path}:{problem.line}: {problem.reason}", file=sys.stderr)
        return 1
    created = ", ".join(f"{n} {k}" for k, n in report.created.items()) or "nothing"
    updated = ", ".join(f"{n} {k}" for k, n in report.updated.items()) or "nothing"
    teamless = len(report.teamless)
    alone = f"; {teamless} {'person' if teamless == 1 else 'people'} with KPIs in no team (see below)" if teamless else ""
    print(f"imported {path}: created {created}; updated {updated}{alone}")
    for warning in report.warnings:
        print(f"  note: {warning}")
    if teamless:
        # a note, not an error (the file imported and keeps working), but on stderr and last, so it is not missed
        sys.stdout.flush()
        print(f"{path}: people with KPIs who are in no team get no check-ins and no place in reports:", file=sys.stderr)
        for person in report.teamless:
            print(f"  {path}:{person.line}: note: {person}", file=sys.stderr)
    return 0


def _values_import(settings: Settings, path: Path) -> int:
    from bot.values import ValuesRejectedError, store, validate
    from bot.values_csv import read_values_csv
    from storage.engine import make_engine, session_scope
    from storage.migrate import upgrade
    from storage.types import utc_now

    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        rows = read_values_csv(data, str(path))
        with session_scope(engine) as session:
            report = store(session, validate(session, rows), origin="import", now=utc_now())
    except ValuesRejectedError as exc:
        print(f"{path} was not imported; nothing changed:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        if exc.more:
            print(f"  ... and {exc.more:,} more problems", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(
        f"imported {path}: {len(rows):,} rows; {report.created:,} new, {report.replaced:,} replaced "
        f"({report.replaced_by_hand:,} typed in a check-in, kept in the audit trail), {report.unchanged:,} unchanged"
    )
    return 0


def _source(settings: Settings, verb: str, name: str) -> int:
    from bot.sources import SourceError, add_source, rotate_source
    from storage.engine import make_engine, session_scope
    from storage.migrate import upgrade
    from storage.types import utc_now

    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            make = add_source if verb == "add" else rotate_source
            secret = make(session, name=name, now=utc_now())
    except SourceError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    what = "added" if verb == "add" else "rotated; the old secret no longer works"
    print(f"source {name} {what}. It sends POST /sources/{name}/values with Authorization: Bearer <the secret below>.")
    print("The secret is shown only now; kpibot stores only its hash.")
    print(secret)
    return 0


def _report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.periods import PeriodError, period_bounds
    from bot.reports import BUILDERS, ReportError, ReportRequest
    from bot.reports.formats import render
    from storage.engine import make_engine, session_scope
    from storage.migrate import upgrade
    from storage.types import utc_now

    builder = BUILDERS[args.kind]
    if builder.needs_name and not args.name:
        print(
            f"kpibot report {args.kind} needs a name, e.g. kpibot report {args.kind} 'Sales East' --period 2026-Q4",
            file=sys.stderr,
        )
        return 2
    try:
        start, end = period_bounds(args.period)
    except PeriodError as exc:
        print(f"--period: {exc}", file=sys.stderr)
        return 2
    now = utc_now()
    request = ReportRequest(args.kind, args.name, args.period, start, end, min(end, now.date()), now)
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            text = render(builder.build(session, request), args.format)
    except ReportError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {args.output} ({len(text.encode()):,} bytes)")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    raise SystemExit(main())
