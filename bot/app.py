"""Assembling the running bot: services, the core, the scheduler and the adapters."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from bot.about import version
from bot.clock import Clock, SystemClock
from bot.context import Services
from bot.core import Core
from bot.features import build_registry, capabilities
from bot.notifier import Adapter, Notifier
from bot.settings import Settings, default_data_dir
from scheduled import Scheduler
from storage.db import Database, unavailable
from storage.repositories.due_work import DueWorkRepository
from storage.search import SearchIndex

if TYPE_CHECKING:
    from aiohttp import web

    from bot.http import HealthResult, HttpServer

log = logging.getLogger(__name__)


def database_url(settings: Settings) -> str:
    """The configured URL, or the embedded SQLite file in the user's data folder."""
    return settings.database.url or f"sqlite:///{default_data_dir() / 'staffroom.db'}"


async def with_app(settings: Settings, body: Callable[[App], Awaitable[int]]) -> int:
    """Run one command-line action against an opened (migrated) app, then close it."""
    app = App(settings)
    try:
        await app.open()
        return await body(app)
    finally:
        await app.close()


class App:
    """Everything one copy of the bot needs, built once from settings."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None,
                 scheduler_owner: str | None = None) -> None:
        db = Database(database_url(settings), echo=settings.database.echo)
        self.services = Services(settings=settings, db=db, search=SearchIndex(
            db.dialect, synonyms=settings.search.synonyms),
                                 clock=clock or SystemClock(), notifier=Notifier(),
                                 registry=build_registry())
        self.core = Core(self.services)
        self.scheduler = Scheduler(self.services, owner=scheduler_owner)
        for capability in capabilities():
            if capability.schedule is not None:
                capability.schedule(self.scheduler)
        self.http: HttpServer | None = None

    @property
    def db(self) -> Database:
        return self.services.db

    async def open(self) -> None:
        """Bring the schema up to date (migrations are applied on every start), and the
        search index too, if it was built by another version of the text analysis. A
        database that is down, missing or refusing us is named as such
        (DatabaseUnavailable)."""
        try:
            await self.db.upgrade()
        except Exception as exc:
            down = unavailable(self.db.url, exc)
            if down is None:
                raise
            raise down from None
        await self.services.search.ensure_current(self.db)

    async def close(self) -> None:
        await self.db.dispose()

    def build_http(self, adapters: Sequence[Adapter] = ()) -> HttpServer:
        """The HTTP server with every route: health, each capability's, each adapter's."""
        from bot.http import HttpServer

        server = HttpServer(self.services.settings.http)
        server.add_health_check("database", self._database_health)
        server.add_health_check("scheduler", self._scheduler_health)
        server.add_get("/metrics", self._metrics)
        for capability in capabilities():
            if capability.http is not None:
                capability.http(server, self.services)
        for adapter in adapters:
            mount = getattr(adapter, "mount_http", None)
            if mount is not None:
                mount(server)
        return server

    async def _database_health(self) -> HealthResult:
        from bot.http import HealthResult

        try:
            await self.db.ping()
        except Exception as exc:
            log.warning("health check: the database is unreachable: %s", type(exc).__name__)
            return HealthResult(False, "unreachable")
        return HealthResult(True, self.db.dialect)

    async def _scheduler_health(self) -> HealthResult:
        """The shared due-work backlog: unhealthy when its oldest item is overdue by more
        than `[scheduler] health_lag_seconds` (no copy is delivering)."""
        from bot.http import HealthResult

        settings = self.services.settings.scheduler
        now = self.services.clock.now()
        async with self.db.sessions() as session:
            count, oldest = await DueWorkRepository(session).backlog(now=now)
        running = "running here" if self.scheduler.running else "not running in this copy"
        if oldest is None:
            return HealthResult(True, f"{running}; nothing overdue")
        lag = (now - oldest).total_seconds()
        detail = (f"{running}; {count} item(s) due, the oldest due "
                  f"{oldest.isoformat(timespec='seconds')} ({lag:.0f} s ago)")
        return HealthResult(lag <= settings.health_lag_seconds, detail)

    async def _metrics(self, _request: web.Request) -> web.Response:
        from aiohttp import web

        metrics = self.services.metrics
        try:
            await metrics.refresh(self.db, self.services.clock.now())
        except Exception as exc:  # still serve the counters; say the gauges are stale
            log.warning("metrics: could not read the due-work backlog: %s",
                        type(exc).__name__)
            metrics.scrape_errors.inc()
        body, content_type = metrics.render()
        return web.Response(body=body, headers={"Content-Type": content_type,
                                                "Cache-Control": "no-store"})

    def describe(self, adapters: Sequence[Adapter], *, scheduler: bool, http: bool) -> str:
        """The start-up line: what runs, against which database (never its credentials)."""
        settings = self.services.settings
        spaces = ", ".join(f"{s.platform}:{s.id}" for s in settings.spaces) or "none configured"
        names = ", ".join(a.platform for a in adapters) or "none"
        running = scheduler and settings.scheduler.enabled
        parts = [f"Staffroom {version()} starting",
                 f"database {self.db.dialect} {self.db.display_url}",
                 f"adapters {names}", f"spaces {spaces}",
                 "scheduler " + (f"on (every {settings.scheduler.poll_seconds:g} s, "
                                 f"{len(self.scheduler.kinds)} kinds)" if running else "off"),
                 "http " + (f"{settings.http.host}:{settings.http.port}" if http else "off")]
        return "; ".join(parts)

    @staticmethod
    def freeze_heap() -> None:
        """Leave what start-up built (modules, mappers, the thesaurus: some 150,000
        objects) out of the garbage collector's full passes from now on. Each pass over
        them cost about 60 ms, paid by whichever command happened to trigger it: the
        search benchmark's worst answers. Collected first, so only live objects stay."""
        gc.collect()
        gc.freeze()

    async def run(self, adapters: Sequence[Adapter], *, scheduler: bool = True,
                  http: bool = True) -> None:
        """Run the HTTP server, adapters and the scheduler on this loop until SIGINT/SIGTERM
        or an adapter stops; then stop everything cleanly, waiting for deliveries under way."""
        log.info("%s", self.describe(adapters, scheduler=scheduler, http=http))
        self.freeze_heap()
        self.services.metrics.info.info({"version": version(), "database": self.db.dialect})
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        for adapter in adapters:
            self.services.notifier.register(adapter)
        started: list[Adapter] = []
        if http:
            self.http = self.build_http(adapters)
            await self.http.start()
        try:
            for adapter in adapters:
                await adapter.start()
                started.append(adapter)
                log.info("%s adapter started", adapter.platform)
            if scheduler and self.services.settings.scheduler.enabled:
                await self.scheduler.start()
            waiters = [asyncio.ensure_future(stop.wait())]
            waiters += [asyncio.ensure_future(w()) for a in started
                        if (w := getattr(a, "wait_closed", None)) is not None]
            _done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
        finally:
            await self.scheduler.stop()
            for adapter in reversed(started):
                try:
                    await adapter.stop()
                except Exception:
                    log.exception("stopping the %s adapter failed", adapter.platform)
                self.services.notifier.unregister(adapter)
            if self.http is not None:
                await self.http.stop()
                self.http = None
