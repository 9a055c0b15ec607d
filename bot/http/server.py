"""One aiohttp application on `[http] host:port`, routes added by whoever needs them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from bot.settings import HttpSettings

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HEALTH_TIMEOUT = 5.0
"""Seconds one health check may take before it counts as failed (a hung database)."""


@dataclass(frozen=True)
class HealthResult:
    """One component's state: `ok`, and a short detail an operator can act on."""

    ok: bool
    detail: str = ""


HealthCheck = Callable[[], Awaitable[HealthResult]]


class HttpServer:
    """Routes are added before `start`; `port` is the bound port (useful with port 0)."""

    def __init__(self, settings: HttpSettings) -> None:
        self.settings = settings
        self.app = web.Application()
        self.port: int | None = None
        self._checks: dict[str, HealthCheck] = {}
        self._runner: web.AppRunner | None = None
        self.app.router.add_get("/healthz", self._health)

    # -- building -------------------------------------------------------------------------------
    def add_route(self, method: str, path: str, handler: Handler) -> None:
        self.app.router.add_route(method, path, handler)

    def add_get(self, path: str, handler: Handler) -> None:
        self.app.router.add_get(path, handler)

    def add_post(self, path: str, handler: Handler) -> None:
        self.app.router.add_post(path, handler)

    def add_health_check(self, name: str, check: HealthCheck) -> None:
        """A component `/healthz` reports on; any failing check makes it answer 503."""
        if name in self._checks:
            raise ValueError(f"health check {name!r} is registered twice")
        self._checks[name] = check

    # -- running --------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host = self.settings.host
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{self.port}"

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            raise OSError(exc.errno, f"the HTTP server cannot listen on "
                          f"{self.settings.host}:{self.settings.port} ({exc.strerror}); "
                          "set [http] port (STAFFROOM_HTTP__PORT) to a free port") from None
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.settings.port
        log.info("HTTP server on %s (health: /healthz)", self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def health(self) -> dict[str, HealthResult]:
        """Every check, run concurrently; one that raises or hangs counts as failed."""

        async def one(name: str, check: HealthCheck) -> tuple[str, HealthResult]:
            try:
                async with asyncio.timeout(HEALTH_TIMEOUT):
                    return name, await check()
            except TimeoutError:
                return name, HealthResult(False, f"no answer within {HEALTH_TIMEOUT:g} s")
            except Exception as exc:
                log.warning("health check %s failed: %s", name, type(exc).__name__)
                return name, HealthResult(False, type(exc).__name__)

        return dict(await asyncio.gather(*(one(n, c) for n, c in self._checks.items())))

    async def _health(self, _request: web.Request) -> web.Response:
        results = await self.health()
        ok = all(r.ok for r in results.values())
        body = {"ok": ok, "checks": {name: {"ok": r.ok, "detail": r.detail}
                                     for name, r in results.items()}}
        return web.json_response(body, status=200 if ok else 503,
                                 headers={"Cache-Control": "no-store"})
