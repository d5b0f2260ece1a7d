"""The clock: APScheduler runs ``rounds.tick`` every minute.

The jobs themselves are plain functions that take "now"; the database, not
the scheduler's memory, says what is due, so a restart or a second replica
never double-sends or skips.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from bot.rounds import tick
from bot.services import Services

log = logging.getLogger(__name__)


def _safe_tick(services: Services) -> None:
    try:
        report = tick(services)
        if report.prompted or report.reminded or report.missed or report.skipped:
            log.info(
                "tick: %d prompted, %d reminded, %d missed, %d skipped",
                len(report.prompted),
                len(report.reminded),
                len(report.missed),
                len(report.skipped),
            )
    except Exception:
        log.exception("scheduler tick failed; the next tick retries from the database")


def start_scheduler(services: Services) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 120}
    )
    scheduler.add_job(_safe_tick, "interval", minutes=1, args=[services], id="kpibot-tick", next_run_time=None)
    scheduler.start()
    scheduler.modify_job("kpibot-tick", next_run_time=services.clock())
    return scheduler
