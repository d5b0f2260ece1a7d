"""The ``kpibot`` command: demo, serve, db upgrade, parse, org import."""

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
    "demo": "Example: kpibot demo --weeks 4",
    "serve": "Example: SLACK_BOT_TOKEN=xoxb-... SLACK_SIGNING_SECRET=... kpibot serve",
    "db": "Example: DATABASE_URL=postgresql+psycopg://kpibot@localhost/kpibot kpibot db upgrade",
    "parse": 'Example: kpibot parse --kpi Revenue:CNY --kpi "New customers:count" "revenue 45k, 2 new customers"',
    "org": "Example: kpibot org import org.yaml",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kpibot", description="Weekly KPI check-ins in Slack.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the whole lifecycle locally, no Slack account needed", epilog=EPILOG["demo"])
    demo.add_argument("--weeks", type=int, default=3, help="simulated weeks (default 3)")
    demo.add_argument("--database", default=None, help="database URL (default: a fresh SQLite file in --out)")
    demo.add_argument("--out", default="demo-out", help="folder for the demo database and files")
    sub.add_parser("serve", help="run the bot (HTTP on $PORT, or Socket Mode with SLACK_APP_TOKEN)", epilog=EPILOG["serve"])
    db = sub.add_parser("db", help="database commands", epilog=EPILOG["db"])
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply Alembic migrations up to head", epilog=EPILOG["db"])
    parse = sub.add_parser("parse", help="show what the reply parser reads from TEXT, as JSON", epilog=EPILOG["parse"])
    parse.add_argument("--kpi", action="append", default=[], metavar="NAME:UNIT[:DIRECTION]", help="a KPI (repeat)")
    parse.add_argument("--tz", default="UTC", help="the person's timezone for dates (default UTC)")
    parse.add_argument("--now", default=None, help="message time, ISO 8601 (default: now)")
    parse.add_argument("text", help="the reply text")
    org = sub.add_parser("org", help="organisation file commands", epilog=EPILOG["org"])
    org_sub = org.add_subparsers(dest="org_command", required=True)
    imp = org_sub.add_parser("import", help="load or update the organisation from a YAML file", epilog=EPILOG["org"])
    imp.add_argument("file", type=Path)
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
        kpis.append(KpiRef(key=str(i), name=parts[0], unit=parts[1], direction=direction))
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
    print(f"imported {path}: created {created}; updated {updated}")
    for warning in report.warnings:
        print(f"  note: {warning}")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    raise SystemExit(main())
