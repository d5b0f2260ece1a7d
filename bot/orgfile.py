"""The organisation file (docs/organisation-file.md): validate it whole, then load it idempotently.

A bad file is rejected before anything is written, with the line and the
reason for every problem, so the database is left exactly as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from bot.holiday_calendar import problem_with
from bot.kpi_state import KpiStatus
from bot.periods import PeriodError, period_bounds
from bot.smart import KpiDraft, check_kpi, check_kpi_set
from bot.yaml_lines import YamlError, line_of, load_fast, load_with_lines
from storage.bulk import insert_many
from storage.tables import Goal, Kpi, Person, Team
from storage.types import utc_now

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _holiday_code(value: str | None) -> str | None:
    """A country (CN) or region (US-NY) code the holidays package knows, upper-cased."""
    if value is None:
        return None
    problem = problem_with(value)
    if problem:
        raise ValueError(problem)
    return value.strip().upper()


class CheckinSpec(_Strict):
    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "monday"
    time: str = "09:00"
    reminder_after_hours: int = 24

    @field_validator("time", mode="before")
    @classmethod
    def _time(cls, value: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):  # YAML 1.1 reads 9:00 as 540
            value = f"{value // 60:02d}:{value % 60:02d}"
        if not isinstance(value, str) or not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", value):
            raise ValueError('time must be HH:MM, e.g. "09:00"')
        hours, minutes = value.split(":")
        return f"{int(hours):02d}:{minutes}"


class TeamSpec(_Strict):
    name: str
    parent: str | None = None
    manager: str
    channel: str | None = None
    checkin: CheckinSpec = CheckinSpec()
    retro_day: int = 1
    locale: str | None = None  # language of the team's channel posts (retro), e.g. zh-CN; default en-US
    holidays: str | None = None
    members: list[str] = Field(default_factory=list)

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: str | None) -> str | None:
        return _holiday_code(value)

    @field_validator("retro_day")
    @classmethod
    def _retro_day(cls, value: int) -> int:
        if not 1 <= value <= 28:
            raise ValueError("retro_day must be 1-28 so it exists in every month")
        return value


class PersonSpec(_Strict):
    slack_id: str
    name: str
    email: str | None = None
    job_family: Literal["business", "functional", "technical"] = "business"
    level: Literal["staff", "manager", "executive"] = "staff"
    tz: str | None = None
    locale: str | None = None
    holidays: str | None = None
    active: bool = True

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: str | None) -> str | None:
        return _holiday_code(value)


class GoalSpec(_Strict):
    id: str
    title: str
    names: dict[Literal["en", "zh"], str] = Field(default_factory=dict)  # the title per language
    level: Literal["company", "department", "team", "person"]
    parent: str | None = None


class KpiSpec(_Strict):
    owner: str
    name: str
    # the name per language; the reply parser knows every one
    names: dict[Literal["en", "zh"], str] = Field(default_factory=dict)
    aliases: list[str] = Field(default_factory=list)
    unit: str
    direction: Literal["higher", "lower"] = "higher"
    target: float
    baseline: float | None = None
    period: str
    aggregate: Literal["sum", "average", "latest"] = "sum"
    weight: float
    kind: Literal["result", "behaviour"] = "result"
    horizon: Literal["leading", "lagging"] = "lagging"
    goal: str | None = None
    source: str
    definition: str = ""
    # (default_factory, not []: pydantic deep-copies a mutable default for each of 30,000 KPIs)
    anchors: list[str] = Field(default_factory=list)
    forbidden: list[str] = Field(default_factory=list)
    watch_with: list[str] = Field(
        default_factory=list
    )  # the gaming watch: the owner's behaviour KPIs that must not worsen while this improves
    status: Literal["active", "retired"] = "active"

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        period_bounds(value)
        return value


class OrgSpec(_Strict):
    admins: list[str] = []
    teams: list[TeamSpec] = []
    people: list[PersonSpec] = []
    goals: list[GoalSpec] = []
    kpis: list[KpiSpec] = []


@dataclass
class Problem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class OrgFileError(ValueError):
    """The file was rejected whole; ``problems`` lists every reason with its line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Teamless:
    """A person with active KPIs who is in no team's ``members``.

    Check-in rounds and ``kpibot report org`` go through a person's team, so
    such a person is never asked and their KPIs appear nowhere: a file that
    lists a manager only as ``manager`` (or someone only under ``people``)
    imports fine and then quietly leaves them out. The import says so.
    """

    slack_id: str
    name: str
    kpis: int
    line: int  # the person's entry under `people`
    manages: tuple[str, ...] = ()  # the teams they manage
    above: tuple[str, ...] = ()  # the teams above those: where a manager usually belongs

    def __str__(self) -> str:
        counted = f"{self.kpis} KPI" if self.kpis == 1 else f"{self.kpis} KPIs"
        fix = "add them to a team's members, usually the team above the one they manage"
        if self.above:
            fix += f" ({', '.join(self.above)})"
        elif self.manages:
            fix += f" ({', '.join(self.manages)} has none above it: add them to its own members)"
        return (
            f"{self.slack_id} ({self.name}) has {counted} but is in no team's members, so kpibot never asks them "
            f"for check-ins and `kpibot report org` leaves them and their KPIs out; {fix}"
        )


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    new: dict[str, list[Any]] = field(default_factory=dict)  # identities inserted by this import, per kind
    teamless: list[Teamless] = field(default_factory=list)  # people with KPIs left in no team (see Teamless)

    def count(self, bucket: dict[str, int], kind: str) -> None:
        bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def parse_org(text: str) -> tuple[OrgSpec, list[str]]:
    """Validate the file completely. Returns the spec and set-level warnings, or raises OrgFileError.

    A good file is read once without line numbers (fast); only a file with a
    problem is read again with them, so every problem names its line.
    """
    data = load_fast(text)
    if isinstance(data, dict):
        try:
            spec = OrgSpec.model_validate(data)
        except ValidationError:
            pass
        else:
            problems, warnings = _cross_check(spec, {})
            if not problems:
                return spec, warnings
    return _parse_with_lines(text)


def _parse_with_lines(text: str) -> tuple[OrgSpec, list[str]]:
    try:
        data, lines = load_with_lines(text)
    except YamlError as exc:
        raise OrgFileError([Problem(exc.line, exc.reason)]) from exc
    if not isinstance(data, dict):
        raise OrgFileError([Problem(1, "the file must be a mapping with teams, people, goals and kpis")])
    try:
        spec = OrgSpec.model_validate(data)
    except ValidationError as exc:
        raise OrgFileError([_problem_from_pydantic(err, lines) for err in exc.errors()]) from exc
    problems, warnings = _cross_check(spec, lines)
    if problems:
        raise OrgFileError(problems)
    return spec, warnings


def _problem_from_pydantic(err: Any, lines: dict[Any, int]) -> Problem:
    loc = tuple(err["loc"])
    field_name = ".".join(str(part) for part in loc[-2:]) if loc else "file"
    if err["type"] == "extra_forbidden":
        return Problem(line_of(lines, loc), f"unknown key '{loc[-1]}'")
    if err["type"] == "missing":
        return Problem(line_of(lines, loc[:-1]), f"'{loc[-1]}' is required")
    if err["type"] in {"float_parsing", "float_type"}:
        return Problem(line_of(lines, loc), f"{loc[-1]} must be a number, not {err.get('input')!r}")
    message = str(err["msg"]).removeprefix("Value error, ")
    return Problem(line_of(lines, loc), f"{field_name}: {message}")


def _cross_check(spec: OrgSpec, lines: dict[Any, int]) -> tuple[list[Problem], list[str]]:
    problems: list[Problem] = []
    warnings: list[str] = []
    people = {p.slack_id for p in spec.people}
    teams = {t.name for t in spec.teams}
    goals = {g.id for g in spec.goals}

    def at(*path: Any) -> int:
        return line_of(lines, path)

    for kind, items, key in (("person", spec.people, "slack_id"), ("team", spec.teams, "name"), ("goal", spec.goals, "id")):
        seen: set[str] = set()
        for i, item in enumerate(items):
            value = getattr(item, key)
            if value in seen:
                problems.append(Problem(at(kind_plural(kind), i, key), f"{kind} '{value}' is listed twice"))
            seen.add(value)
    member_of: dict[str, str] = {}
    for i, team in enumerate(spec.teams):
        if team.manager not in people:
            problems.append(
                Problem(at("teams", i, "manager"), f"manager '{team.manager}' of team '{team.name}' is not in people")
            )
        if team.parent is not None and team.parent not in teams:
            problems.append(Problem(at("teams", i, "parent"), f"parent team '{team.parent}' is not defined"))
        for j, member in enumerate(team.members):
            if member not in people:
                problems.append(Problem(at("teams", i, "members", j), f"member '{member}' is not in people"))
            elif member in member_of and member_of[member] != team.name:
                problems.append(Problem(at("teams", i, "members", j), f"'{member}' is already a member of '{member_of[member]}'"))
            member_of[member] = team.name
    for i, goal in enumerate(spec.goals):
        if goal.parent is not None and goal.parent not in goals:
            problems.append(Problem(at("goals", i, "parent"), f"parent goal '{goal.parent}' is not defined"))
    sets: dict[tuple[str, str], list[KpiDraft]] = {}
    names: set[tuple[str, str, str]] = set()
    for i, kpi in enumerate(spec.kpis):
        if kpi.owner not in people:
            problems.append(Problem(at("kpis", i, "owner"), f"owner '{kpi.owner}' is not in people"))
        if kpi.goal is not None and kpi.goal not in goals:
            problems.append(Problem(at("kpis", i, "goal"), f"KPI '{kpi.name}' points to unknown goal '{kpi.goal}'"))
        identity = (kpi.owner, kpi.name.casefold(), kpi.period)
        if identity in names:
            problems.append(Problem(at("kpis", i, "name"), f"{kpi.owner} already has a KPI '{kpi.name}' in {kpi.period}"))
        names.add(identity)
        draft = KpiDraft.from_spec(kpi)
        for rule in check_kpi(draft, today=None):
            problems.append(Problem(at("kpis", i), f"KPI '{kpi.name}': {rule}"))
        if kpi.status == KpiStatus.ACTIVE:
            sets.setdefault((kpi.owner, kpi.period), []).append(draft)
    for i, kpi in enumerate(spec.kpis):
        for j, partner in enumerate(kpi.watch_with):
            if (kpi.owner, partner.casefold(), kpi.period) not in names:
                problems.append(
                    Problem(
                        at("kpis", i, "watch_with", j),
                        f"KPI '{kpi.name}' watches '{partner}', which is not a KPI of {kpi.owner} in {kpi.period}",
                    )
                )
    for (owner, period), drafts in sets.items():
        for issue in check_kpi_set(drafts):
            warnings.append(f"{owner} {period}: {issue}")
    return problems, warnings


def teamless_people(spec: OrgSpec, text: str | None = None) -> list[Teamless]:
    """Active people with active KPIs whom no team lists in ``members``, in file order.

    With ``text`` (the file), each names its line under ``people``; the file
    is read again with line numbers only when there is someone to name.
    """
    members = {m for t in spec.teams for m in t.members}
    kpis: dict[str, int] = {}
    for kpi in spec.kpis:
        if kpi.status == KpiStatus.ACTIVE:
            kpis[kpi.owner] = kpis.get(kpi.owner, 0) + 1
    found = [(i, p) for i, p in enumerate(spec.people) if p.active and kpis.get(p.slack_id) and p.slack_id not in members]
    if not found:
        return []
    lines = load_with_lines(text)[1] if text is not None else {}
    managed: dict[str, list[TeamSpec]] = {}
    for team in spec.teams:
        managed.setdefault(team.manager, []).append(team)
    result = []
    for i, person in found:
        manages = managed.get(person.slack_id, [])
        above = tuple(dict.fromkeys(t.parent for t in manages if t.parent))
        result.append(
            Teamless(
                person.slack_id,
                person.name,
                kpis[person.slack_id],
                line_of(lines, ("people", i)) if lines else 0,
                tuple(t.name for t in manages),
                above,
            )
        )
    return result


def kind_plural(kind: str) -> str:
    return {"person": "people", "team": "teams", "goal": "goals"}[kind]


def import_org(session: Session, text: str) -> ImportReport:
    """Validate then upsert. The caller owns the transaction (commit once, or roll back).

    Bulk statements: each table is read once, new rows go in with one
    executemany INSERT and changed rows with one executemany UPDATE, so 10,000
    people and 30,000 KPIs take seconds, not a query per row.
    """
    spec, warnings = parse_org(text)
    report = ImportReport(warnings=warnings)
    admins = set(spec.admins)

    person_rows: list[tuple[Any, dict[str, Any], dict[str, Any]]] = []
    for p in spec.people:
        values: dict[str, Any] = {
            "name": p.name,
            "job_family": p.job_family,
            "level": p.level,
            "is_admin": p.slack_id in admins,
            "active": p.active,
            "holidays": p.holidays,
            "email": p.email.casefold() if p.email else None,
        }
        if p.tz:
            values["tz"] = p.tz
        if p.locale:
            values["locale"] = p.locale
        person_rows.append((p.slack_id, {"slack_id": p.slack_id}, values))
    for admin in sorted(admins - {p.slack_id for p in spec.people}):
        person_rows.append((admin, {"slack_id": admin}, {"name": admin, "is_admin": True}))
    people = _sync(session, report, "people", Person, ("slack_id",), person_rows)

    team_rows = []
    for t in spec.teams:
        values = {
            "manager_id": people[t.manager],
            "channel_id": t.channel,
            "checkin_weekday": WEEKDAYS.index(t.checkin.weekday),
            "checkin_time": t.checkin.time,
            "reminder_after_hours": t.checkin.reminder_after_hours,
            "retro_day": t.retro_day,
            "locale": t.locale,
            "holidays": t.holidays,
        }
        team_rows.append((t.name, {"name": t.name}, values))
    teams = _sync(session, report, "teams", Team, ("name",), team_rows)
    parents = [(t.name, {"name": t.name}, {"parent_id": teams[t.parent] if t.parent else None}) for t in spec.teams]
    _sync(session, report, "teams", Team, ("name",), parents, created=set(report.new.get("teams", ())))
    membership = [(m, {"slack_id": m}, {"team_id": teams[t.name]}) for t in spec.teams for m in t.members]
    _sync(session, report, "people", Person, ("slack_id",), membership, created=set(report.new.get("people", ())))
    report.teamless = _still_teamless(session, teamless_people(spec, text))

    goal_rows: list[tuple[Any, dict[str, Any], dict[str, Any]]] = [
        (g.id, {"key": g.id}, {"title": g.title, "level": g.level, "names": dict(g.names)}) for g in spec.goals
    ]
    goals = _sync(session, report, "goals", Goal, ("key",), goal_rows)
    goal_parents = [(g.id, {"key": g.id}, {"parent_id": goals[g.parent] if g.parent else None}) for g in spec.goals]
    _sync(session, report, "goals", Goal, ("key",), goal_parents, created=set(report.new.get("goals", ())))

    kpi_rows = []
    bounds: dict[str, tuple[date, date]] = {}
    for k in spec.kpis:
        owner_id = people[k.owner]
        start, end = bounds.setdefault(k.period, period_bounds(k.period))
        values = {
            "name": k.name,
            "names": dict(k.names),
            "aliases": list(k.aliases),
            "unit": k.unit,
            "direction": k.direction,
            "target": k.target,
            "baseline": k.baseline,
            "period_start": start,
            "period_end": end,
            "aggregate": k.aggregate,
            "weight": k.weight,
            "kind": k.kind,
            "horizon": k.horizon,
            "goal_id": goals[k.goal] if k.goal else None,
            "source": k.source,
            "definition": k.definition,
            "anchors": list(k.anchors),
            "forbidden": list(k.forbidden),
            "watch_with": list(k.watch_with),
            "status": k.status,
        }
        kpi_rows.append(((owner_id, k.name.casefold(), k.period), {"owner_id": owner_id, "period": k.period}, values))
    _sync(session, report, "kpis", Kpi, ("owner_id", "name", "period"), kpi_rows)
    return report


def _still_teamless(session: Session, candidates: list[Teamless]) -> list[Teamless]:
    """Those of ``candidates`` who really have no team now (an earlier import's membership is kept)."""
    if not candidates:
        return []
    table = Person.__table__  # type: ignore[attr-defined]
    without = set(session.execute(select(table.c.slack_id).where(table.c.team_id.is_(None))).scalars())
    return [c for c in candidates if c.slack_id in without]


def _key_of(model: Any, key: tuple[str, ...], row: Any) -> Any:
    """A row's identity as the file names it (a KPI's name case-insensitively)."""
    if model is Kpi:
        return (row["owner_id"], row["name"].casefold(), row["period"])
    return row[key[0]]


def _sync(
    session: Session,
    report: ImportReport,
    kind: str,
    model: Any,
    key: tuple[str, ...],
    rows: list[tuple[Any, dict[str, Any], dict[str, Any]]],
    *,
    created: set[Any] | None = None,
) -> dict[Any, int]:
    """Insert the rows that are new and update those that differ (only those: a re-import writes nothing).

    ``rows`` are (identity, identity columns, values). Returns identity -> id for every row of the table.
    ``created`` names rows this import inserted, so setting their links later is not counted as an update.
    """
    table = model.__table__
    columns = {c.name for c in table.columns}
    wanted = {name for _, _, values in rows for name in values} | set(key)
    current: dict[Any, Any] = {
        _key_of(model, key, row): row
        for row in session.execute(select(*(table.c[name] for name in sorted(wanted | {"id"})))).mappings()
    }
    now = utc_now()
    inserts: list[dict[str, Any]] = []
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for ident_key, ident, values in rows:
        row = current.get(ident_key)
        if row is None:
            record = {**ident, **values}
            for stamp in ("created_at", "updated_at"):
                if stamp in columns:
                    record.setdefault(stamp, now)
            inserts.append(record)
            report.count(report.created, kind)
            report.new.setdefault(kind, []).append(ident_key)
            current[ident_key] = {"id": None, **record}
            continue
        if all(row[name] == value for name, value in values.items()):
            continue
        change = {**values, "_id": row["id"]}
        if "updated_at" in columns:
            change["updated_at"] = now
        updates.setdefault(tuple(sorted(change)), []).append(change)
        if ident_key not in (created or ()):
            report.count(report.updated, kind)
    for group in _same_columns(inserts):
        insert_many(session, table, group)
    for names, changes in updates.items():
        statement = update(table).where(table.c.id == bindparam("_id"))
        statement = statement.values({name: bindparam(name) for name in names if name != "_id"})
        session.connection().execute(statement, changes)
    if not inserts:
        return {k: row["id"] for k, row in current.items()}
    fields = [table.c.id, *(table.c[name] for name in key)]
    return {_key_of(model, key, row): row["id"] for row in session.execute(select(*fields)).mappings()}


def _same_columns(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Records grouped by their columns: one executemany per shape (a person with or without a tz)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for record in records:
        groups.setdefault(tuple(sorted(record)), []).append(record)
    return list(groups.values())


__all__ = [
    "ImportReport",
    "OrgFileError",
    "OrgSpec",
    "PeriodError",
    "Teamless",
    "date",
    "import_org",
    "parse_org",
    "teamless_people",
]
