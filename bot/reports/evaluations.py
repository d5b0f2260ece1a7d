"""``kpibot report evaluations --period 2026-Q4``: the organisation's evaluation table, drafts and released.

The same rows admins get in Slack (bot.evaluation_review): computed and
adjusted scores side by side, with the adjustment's reason, so HR can see
both and why they differ.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.evaluation import EvaluationStatus
from bot.evaluation_review import evaluation_rows
from bot.reports.model import Report, ReportError, ReportRequest, Table, register

COLUMNS = [
    "team",
    "person",
    "slack_id",
    "period",
    "status",
    "computed",
    "adjusted",
    "score",
    "adjust_reason",
    "result",
    "behaviour",
    "feedback_360",
    "band",
    "development_list",
]


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@register("evaluations", needs_name=False, description="the period's evaluations: computed and adjusted scores, reasons, status")
def evaluations_report(session: Session, request: ReportRequest) -> Report:
    rows = evaluation_rows(session, period=request.period)
    if not rows:
        raise ReportError(f"there are no evaluations for {request.period} (they are drafted when the quarter has ended)")
    table = Table("evaluations", f"Evaluations {request.period}", COLUMNS)
    for row in rows:
        table.rows.append(
            [
                row.team,
                row.name,
                row.slack_id,
                row.period,
                EvaluationStatus.DRAFT if row.status == EvaluationStatus.DRAFT else EvaluationStatus.RELEASED,
                _r(row.computed),
                _r(row.adjusted),
                _r(row.score),
                row.reason,
                _r(row.result),
                _r(row.behaviour),
                _r(row.feedback),
                row.band,
                "; ".join(row.development_list),
            ]
        )
    released = sum(1 for r in rows if r.status != EvaluationStatus.DRAFT)
    return Report(
        kind="evaluations",
        title=f"Evaluations {request.period}",
        period=request.period,
        generated_at=request.now,
        summary={"people": len(rows), "released": released, "drafts": len(rows) - released},
        tables=[table],
        csv_table="evaluations",
    )
