"""``kpibot report KIND [NAME] --period P --format csv|json|html``: reports that leave the bot.

A report is plain data (``Report``: tables and charts); the formats in
``bot.reports.formats`` turn any report into CSV, JSON or one self-contained
HTML file. A report kind is a builder registered with ``register``:

    from bot.reports import ReportRequest, Report, register

    @register("evaluations", needs_name=False, description="released evaluations")
    def evaluations_report(session: Session, request: ReportRequest) -> Report: ...

The builders in this package register themselves when ``bot.reports.builders``
is imported (the CLI does that).
"""

from bot.reports.model import BUILDERS, Chart, Report, ReportError, ReportRequest, Table, register

__all__ = ["BUILDERS", "Chart", "Report", "ReportError", "ReportRequest", "Table", "register"]
