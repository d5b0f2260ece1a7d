"""A report as CSV, JSON or one self-contained HTML file (charts inlined as base64 PNG, no external resource)."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import date, datetime
from html import escape
from typing import Any

from bot.reports.model import Report

FORMATS = ("csv", "json", "html")


def render(report: Report, fmt: str) -> str:
    if fmt == "csv":
        return to_csv(report)
    if fmt == "json":
        return to_json(report)
    if fmt == "html":
        return to_html(report)
    raise ValueError(f"unknown format {fmt!r}")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value


def to_csv(report: Report) -> str:
    """The report's main table, one header line: what a spreadsheet or a BI tool reads."""
    table = report.table(report.csv_table) if report.csv_table else report.tables[0]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if v is None else _plain(v) for v in row])
    return out.getvalue()


def to_json(report: Report) -> str:
    data = {
        "kind": report.kind,
        "title": report.title,
        "period": report.period,
        "generated_at": report.generated_at.isoformat(),
        "summary": {k: _plain(v) for k, v in report.summary.items()},
        **{t.key: [{k: _plain(v) for k, v in r.items()} for r in t.records()] for t in report.tables},
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", sans-serif; margin: 2em; color: #1d1c1d; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.meta { color: #616061; } table { border-collapse: collapse; width: 100%; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; } th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.on_track { color: #007a5a; } .at_risk { color: #b7791f; } .behind { color: #c0392b; } .no_data { color: #888; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; } dt { font-weight: 600; }
figure { margin: 1em 0; page-break-inside: avoid; break-inside: avoid; } figure img { max-width: 100%; height: auto; }
@media print { body { margin: 0; font-size: 11px; } h2 { page-break-after: avoid; break-after: avoid; }
  tr { page-break-inside: avoid; break-inside: avoid; } thead { display: table-header-group; } }
"""


def _cell(column: str, value: Any) -> str:
    if value is None:
        return "<td></td>"
    if isinstance(value, float | int) and not isinstance(value, bool):
        text = f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
        return f'<td class="num">{escape(text)}</td>'
    text = str(_plain(value))
    css = f' class="{escape(text)}"' if column == "status" else ""
    return f"<td{css}>{escape(text)}</td>"


def to_html(report: Report) -> str:
    """One file: inline CSS, charts as data: URIs, no script, readable offline and printable."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="meta">Period {escape(report.period)} · generated {escape(report.generated_at.strftime("%Y-%m-%d %H:%M UTC"))}</p>',
    ]
    if report.summary:
        parts.append('<dl class="summary">')
        for key, value in report.summary.items():
            shown = f"{value:.0%}" if isinstance(value, float) and key.endswith("rate") else _plain(value)
            parts.append(f"<dt>{escape(key.replace('_', ' '))}</dt><dd>{escape(str(shown))}</dd>")
        parts.append("</dl>")
    if report.charts:
        parts.append("<h2>Trends</h2>")
        for chart in report.charts:
            data = base64.b64encode(chart.png).decode()
            parts.append(
                f'<figure><img alt="{escape(chart.title)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{escape(chart.title)}</figcaption></figure>"
            )
    for table in report.tables:
        parts.append(f"<h2>{escape(table.title)}</h2>")
        if not table.rows:
            parts.append('<p class="meta">none</p>')
            continue
        head = "".join(f"<th>{escape(c.replace('_', ' '))}</th>" for c in table.columns)
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>")
        for row in table.rows:
            parts.append("<tr>" + "".join(_cell(c, v) for c, v in zip(table.columns, row, strict=True)) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
