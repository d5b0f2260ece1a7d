"""`kpibot values import`: validated whole, idempotent, source values replace hand-typed ones with an audit trail."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text
from sqlmodel import select

from bot.cli import main
from bot.orgfile import import_org
from bot.values import store, validate
from storage.engine import session_scope
from storage.tables import Kpi, Measurement, Person, ValueAudit
from storage.types import utc_now
from tests.conftest import ORG

ORG_WITH_EMAIL = ORG.replace("{slack_id: U002, name: Emma Brown}", "{slack_id: U002, name: Emma Brown, email: Emma@Example.com}")
TABLES = ["measurement", "value_audit", "kpi"]


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {t: sorted(map(tuple, conn.execute(text(f"SELECT * FROM {t}")).all()), key=repr) for t in TABLES}


@pytest.fixture
def org_db(engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    with session_scope(engine) as session:
        import_org(session, ORG_WITH_EMAIL)
    monkeypatch.setenv("DATABASE_URL", db_url)
    return engine


def write(tmp_path: Path, content: str | bytes, name: str = "values.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


GOOD = """person,kpi,date,value,source
U001,Revenue,2026-11-25,48200,CRM
U001,sales,2026-12-03,51000,CRM
emma@example.com,New customers,2026-11-30,3,
U002,Revenue,2026-12-06,12000.5,CRM
"""


def test_import_stores_values_and_reimport_changes_nothing(
    org_db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD)
    assert main(["values", "import", str(path)]) == 0
    assert "4 new" in capsys.readouterr().out
    with session_scope(org_db) as session:
        rows = session.exec(select(Measurement).order_by(Measurement.period_key, Measurement.value)).all()
        assert [(m.period_key, m.value, m.origin, m.source) for m in rows] == [
            ("2026-W48", 48200.0, "import", "CRM"),
            ("2026-W49", 3.0, "import", None),
            ("2026-W49", 12000.5, "import", "CRM"),
            ("2026-W49", 51000.0, "import", "CRM"),
        ]
        fed = {(k.name, k.owner_id): k.fed_by for k in session.exec(select(Kpi)).all() if k.fed_by}
        assert sorted(fed.values()) == ["CRM", "CRM"]  # the New customers row had no source: not fed
    before = snapshot(org_db)
    assert main(["values", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "0 new, 0 replaced" in out and "4 unchanged" in out
    assert snapshot(org_db) == before


def test_an_imported_value_replaces_a_hand_typed_one_and_both_are_in_the_audit(
    org_db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with session_scope(org_db) as session:
        kpi = session.exec(select(Kpi).where(Kpi.name == "Revenue", Kpi.unit == "CNY")).one()
        session.add(
            Measurement(kpi_id=kpi.id, period_key="2026-W49", week_start=kpi.period_start.replace(month=11, day=30), value=45000)
        )
    path = write(tmp_path, "person,kpi,date,value,source\nU001,Revenue,2026-12-01,48200,CRM\n")
    assert main(["values", "import", str(path)]) == 0
    assert "1 replaced (1 typed in a check-in" in capsys.readouterr().out
    with session_scope(org_db) as session:
        m = session.exec(select(Measurement)).one()
        assert (m.value, m.origin, m.source) == (48200, "import", "CRM")
        audit = session.exec(select(ValueAudit)).one()
        assert (audit.previous, audit.previous_origin, audit.value, audit.source) == (45000, "checkin", 48200, "CRM")


BAD = [
    ("bom-is-fine-but-semicolons-are-not", b"\xef\xbb\xbfperson;kpi;date;value\nU001;Revenue;2026-12-01;5\n", 1, "semicolons"),
    ("utf16", "person,kpi,date,value\n".encode("utf-16"), 1, "UTF-16"),
    ("gbk", "person,kpi,date,value\nU001,销售额,2026-12-01,5\n".encode("gbk"), 2, "not UTF-8"),
    ("header", "who,what,when,how much\n", 1, "the header must be"),
    ("unknown person", "person,kpi,date,value\nU404,Revenue,2026-12-01,5\n", 2, "unknown person 'U404'"),
    ("unknown email", "person,kpi,date,value\nnobody@example.com,Revenue,2026-12-01,5\n", 2, "unknown person"),
    ("unknown kpi", "person,kpi,date,value\nU001,Profit,2026-12-01,5\n", 2, "U001 has no KPI 'Profit'"),
    ("outside period", "person,kpi,date,value\nU001,Revenue,2027-02-01,5\n", 2, "outside the period of 'Revenue'"),
    ("not a number", "person,kpi,date,value\nU001,Revenue,2026-12-01,12k\n", 2, "value '12k' is not a number"),
    ("bad date", "person,kpi,date,value\nU001,Revenue,01/12/2026,5\n", 2, "is not a date"),
    ("columns", "person,kpi,date,value\nU001,Revenue,2026-12-01\n", 2, "3 columns, the header has 4"),
    (
        "duplicate",
        "person,kpi,date,value\nU001,Revenue,2026-12-01,5\nU001,sales,2026-12-03,6\n",
        3,
        "already 5 at",
    ),
    ("empty", "person,kpi,date,value\n", 2, "no values below the header"),
]


@pytest.mark.parametrize(("case", "content", "line", "reason"), BAD, ids=[b[0] for b in BAD])
def test_bad_files_are_rejected_whole_naming_the_line(
    org_db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, content: str | bytes, line: int, reason: str
) -> None:
    good_first = "" if isinstance(content, bytes) or case in {"header", "empty"} else "U002,Revenue,2026-12-01,7\n"
    if good_first:
        head, _, rest = content.partition("\n")
        content = f"{head}\n{good_first}{rest}"
        line += 1
    path = write(tmp_path, content)
    before = snapshot(org_db)
    assert main(["values", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "nothing changed" in err
    assert f"{path}:{line}: " in err and reason in err, err
    assert snapshot(org_db) == before


def test_every_problem_is_listed_and_junk_is_cut_short(
    org_db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["person,kpi,date,value", "U404,Revenue,2026-12-01,5", "U001,Revenue,2026-12-01,x"]
    lines += [f"junk{i},junk,junk,junk" for i in range(200_000)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    assert main(["values", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:2: unknown person 'U404'" in err and f"{path}:3: value 'x' is not a number" in err
    assert "and 199,952 more problems" in err


def test_fifty_megabytes_of_binary_junk_is_refused_with_its_line(
    org_db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import random

    rng = random.Random(1)
    junk = b"person,kpi,date,value\n" + bytes(rng.getrandbits(8) for _ in range(1 << 16)) * 800
    path = write(tmp_path, junk)
    before = snapshot(org_db)
    assert main(["values", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:" in err and ("not UTF-8" in err or "NUL" in err)
    assert snapshot(org_db) == before


def _statements(engine: Engine, work: Callable[[], object]) -> int:
    count = 0

    def seen(*_: object) -> None:
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", seen)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return count


def test_bulk_paths_issue_the_same_statements_for_100_or_400_people(tmp_path: Path) -> None:
    """No query per row: four times the people, KPIs and values take the same number of statements (fresh SQLite each)."""
    from benchmarks.bulk_import import org_yaml, values_csv
    from bot.values_csv import read_values_csv
    from storage.engine import make_engine
    from storage.migrate import upgrade

    counts = []
    for people in (100, 400):
        url = f"sqlite:///{tmp_path / f'{people}.db'}"
        upgrade(url)
        engine = make_engine(url)
        org = org_yaml(people)

        def load_org(engine: Engine = engine, org: str = org) -> None:
            with session_scope(engine) as session:
                import_org(session, org)

        rows = read_values_csv(values_csv(people * 3, people).encode(), "values.csv")

        def load_values(engine: Engine = engine, rows: list = rows) -> None:
            with session_scope(engine) as session:
                store(session, validate(session, rows), origin="import", now=utc_now())

        counts.append((_statements(engine, load_org), _statements(engine, load_org), _statements(engine, load_values)))
        engine.dispose()
    assert counts[0][:2] == counts[1][:2], counts  # org import and re-import: the same statements at any size
    assert counts[1][2] <= counts[0][2] + 4 < 20, counts  # values: a few more IN (...) chunks of 900 ids, not one per row


# Revenue's Chinese name is only a per-language name here (not an alias): replies accept it, so must a values file
NAMED = ORG.replace("aliases: [sales, 销售额], unit: CNY", "names: {en: Revenue, zh: 销售额}, aliases: [sales], unit: CNY")


@pytest.fixture
def named_db(engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    with session_scope(engine) as session:
        import_org(session, NAMED)
    monkeypatch.setenv("DATABASE_URL", db_url)
    return engine


def _values(engine: Engine) -> list[tuple[str, str, float]]:
    with session_scope(engine) as session:
        rows = session.exec(select(Kpi.name, Measurement.period_key, Measurement.value).join(Kpi)).all()
        return sorted((name, key, value) for name, key, value in rows)


def test_a_kpi_is_found_by_its_name_in_another_language(
    named_db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new user's 销售额 was refused with "has no KPI '销售额' (their KPIs: ...Revenue)"."""
    with session_scope(named_db) as session:
        revenue = session.exec(select(Kpi).where(Kpi.name == "Revenue", Kpi.unit == "CNY")).one()
        assert revenue.names == {"en": "Revenue", "zh": "销售额"} and "销售额" not in revenue.aliases
    content = (
        "person,kpi,date,value\nU001,销售额,2026-11-25,48200\nU001,ＲＥＶＥＮＵＥ ,2026-12-02,51000\nU001,Sales,2026-12-09,3\n"
    )
    path = write(tmp_path, content)
    assert main(["values", "import", str(path)]) == 0, capsys.readouterr().err
    assert "3 new" in capsys.readouterr().out
    assert _values(named_db) == [("Revenue", "2026-W48", 48200.0), ("Revenue", "2026-W49", 51000.0), ("Revenue", "2026-W50", 3.0)]


def test_a_name_two_kpis_answer_to_is_refused_and_the_own_name_wins(
    named_db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with session_scope(named_db) as session:
        li_wei = session.exec(select(Person).where(Person.slack_id == "U001")).one()
        customers = session.exec(select(Kpi).where(Kpi.owner_id == li_wei.id, Kpi.name == "New customers")).one()
        customers.names = {"zh": "销售额"}  # a second KPI of U001's answering to 销售额: a clash, not a guess
        customers.aliases = [*customers.aliases, "revenue"]
    before = snapshot(named_db)
    path = write(tmp_path, "person,kpi,date,value\nU001,Revenue,2026-12-01,5\nU001,销售额,2026-12-01,6\n")
    assert main(["values", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:2:" not in err  # Revenue is Revenue's own name: it wins over New customers' alias
    assert (
        f"{path}:3: '销售额' names more than one of U001's KPIs for the week of 2026-12-01: "
        "'New customers' (2026-10-01..2026-12-31), 'Revenue' (2026-10-01..2026-12-31); use the KPI's own name"
    ) in err, err
    assert snapshot(named_db) == before
    path = write(tmp_path, "person,kpi,date,value\nU001,Revenue,2026-12-01,5\n")
    assert main(["values", "import", str(path)]) == 0
    assert _values(named_db) == [("Revenue", "2026-W49", 5.0)]


def test_two_kpis_of_one_name_running_the_same_day_are_refused(
    engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    yearly = "  - {owner: U002, name: Revenue, unit: USD, target: 400000, period: '2026', weight: 60, goal: share, source: CRM}\n"
    with session_scope(engine) as session:
        import_org(session, ORG + yearly)
    monkeypatch.setenv("DATABASE_URL", db_url)
    path = write(tmp_path, "person,kpi,date,value\nU002,revenue,2026-12-01,5\nU002,Revenue,2026-06-01,7\n")
    assert main(["values", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert (
        f"{path}:2: 'revenue' names more than one of U002's KPIs for the week of 2026-12-01: "
        "'Revenue' (2026-01-01..2026-12-31), 'Revenue' (2026-10-01..2026-12-31); "
        "retire or rename one of them in the organisation file"
    ) in err, err
    assert f"{path}:3:" not in err  # June: only the year's Revenue runs
