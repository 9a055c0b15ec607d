"""Prometheus metrics, served at `/metrics`; every name starts with `staffroom_`.

One `Metrics` per app (its own registry, so tests and several apps in one process never
share counts). Counters and histograms are updated where things happen (the core, the
scheduler, search); the due-work gauges are read from the database when scraped, so every
copy of the bot reports the shared backlog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    generate_latest,
)

if TYPE_CHECKING:
    from datetime import datetime

    from storage.db import Database

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 15.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


class Metrics:
    """The bot's metrics and the registry they live in."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.info = Info("staffroom_build", "This build of the bot", registry=r)
        self.commands = Counter(
            "staffroom_commands", "Commands run, by command name and outcome (ok, "
            "user_error, invalid, refused, error)", ["command", "outcome"], registry=r)
        self.command_seconds = Histogram(
            "staffroom_command_duration_seconds", "Time to answer a command, by command",
            ["command"], buckets=LATENCY_BUCKETS, registry=r)
        self.errors = Counter(
            "staffroom_errors", "Unexpected failures (each logged with a traceback), by where "
            "they happened", ["where"], registry=r)
        self.deliveries = Counter(
            "staffroom_deliveries", "Scheduled deliveries (reminders, digests, nudges, "
            "backups), by kind and outcome (done, dropped, failed, retry)",
            ["kind", "outcome"], registry=r)
        self.delivery_lag = Histogram(
            "staffroom_delivery_lag_seconds", "From an item's due time to its delivery, by "
            "kind (teach-meet reminders are kind teachmeet.reminder)", ["kind"],
            buckets=LAG_BUCKETS, registry=r)
        self.search_seconds = Histogram(
            "staffroom_search_duration_seconds", "Time to answer a who's-done search",
            buckets=LATENCY_BUCKETS, registry=r)
        self.backlog = Gauge(
            "staffroom_due_work_backlog", "Due-work items whose time has come and that are "
            "not delivered yet (read from the database when scraped)", registry=r)
        self.oldest_due = Gauge(
            "staffroom_due_work_oldest_seconds", "How overdue the oldest undelivered "
            "due-work item is, in seconds (0 when none is)", registry=r)
        self.scrape_errors = Counter(
            "staffroom_metrics_database_errors", "Scrapes whose database figures could not "
            "be read", registry=r)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    async def refresh(self, db: Database, now: datetime) -> None:
        """Read the due-work backlog from the database (called on each scrape)."""
        from storage.repositories.due_work import DueWorkRepository

        async with db.sessions() as session:
            count, oldest = await DueWorkRepository(session).backlog(now=now)
        self.backlog.set(count)
        self.oldest_due.set(max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)
