"""Reading a values file (``kpibot values import``): bytes in, rows out, or every problem with its line.

Spreadsheets export CSV in many shapes; the ones that would be misread
(semicolons, UTF-16, a legacy code page) are refused with what to do instead.
A UTF-8 byte-order mark, which Excel writes, is accepted.
"""

from __future__ import annotations

import csv
import io

from bot.values import MAX_PROBLEMS, Problem, ValueRow, ValuesRejectedError

COLUMNS = ["person", "kpi", "date", "value"]
SAVE_AS = "save it from your spreadsheet as 'CSV UTF-8 (comma delimited)'"


def read_values_csv(data: bytes, name: str) -> list[ValueRow]:
    """The rows of a values file; ValuesRejectedError names ``name:LINE`` for every problem."""

    def at(line: int) -> str:
        return f"{name}:{line}"

    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValuesRejectedError([Problem(at(1), f"the file is UTF-16; {SAVE_AS}")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValuesRejectedError([Problem(at(line), f"not UTF-8 text (byte 0x{data[exc.start]:02x}); {SAVE_AS}")]) from exc
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ValuesRejectedError([Problem(at(line), "the file contains NUL bytes: it is not a CSV file")])
    first = text.split("\n", 1)[0].strip().lower()
    if not first:
        raise ValuesRejectedError([Problem(at(1), "the file is empty; the first line must be person,kpi,date,value[,source]")])
    if ";" in first and "," not in first:
        raise ValuesRejectedError([Problem(at(1), f"the columns are separated by semicolons; kpibot reads commas: {SAVE_AS}")])
    if "\t" in first and "," not in first:
        raise ValuesRejectedError([Problem(at(1), f"the columns are separated by tabs; kpibot reads commas: {SAVE_AS}")])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = [h.strip().lower() for h in next(reader)]
    if header not in (COLUMNS, [*COLUMNS, "source"]):
        shown = ",".join(header)[:120]
        raise ValuesRejectedError(
            [Problem(at(1), f"the header must be person,kpi,date,value or person,kpi,date,value,source, not '{shown}'")]
        )
    rows: list[ValueRow] = []
    problems: list[Problem] = []
    more = 0
    width = len(header)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(at(reader.line_num), f"not valid CSV ({exc})"))
            break
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != width:
            if len(problems) < MAX_PROBLEMS:
                problems.append(Problem(at(line), f"{len(cells)} columns, the header has {width}"))
            else:
                more += 1
            continue
        source = cells[4] if width == 5 else None
        rows.append(ValueRow(at(line), cells[0], cells[1], cells[2], cells[3], source))
    if problems:
        raise ValuesRejectedError(problems, more)
    if not rows:
        raise ValuesRejectedError([Problem(at(2), "no values below the header")])
    return rows
