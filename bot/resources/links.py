"""Link health: check published pins politely and flag dead links for moderators.

A check is HEAD (following redirects), then GET when HEAD is refused or fails, since many
servers answer HEAD wrongly. Requests are spaced (a pause between any two, a longer one
between two to the same host), time out, and say who is asking (User-Agent). The HTTP
client is injected as a small `Probe`, so tests point the checker at a local server.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

import aiohttp
import yarl

from storage.models import AuditEntry
from storage.repositories.resources import PinRepository

if TYPE_CHECKING:
    from bot.context import Services
    from bot.settings import LinkCheckSettings

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
ACTOR = "system:link-check"
INCONCLUSIVE = frozenset({429, 503})
"""Busy or rate-limited: says nothing about the link, so it is neither a pass nor a fail."""


class Probe(Protocol):
    async def status(self, method: str, url: str) -> int:
        """The final HTTP status of `method url` (redirects followed); raises on no answer."""
        ...


class RedirectRefused(ValueError):
    """A redirect led somewhere the checker will not go (too many hops, a private host)."""


class AiohttpProbe:
    """The real client: one aiohttp session per batch, with timeout and User-Agent.

    Redirects are followed by hand so that each hop's host is vetted like the first:
    a public link cannot bounce the checker into the bot's own network.
    """

    MAX_REDIRECTS = 10

    def __init__(self, settings: LinkCheckSettings, *,
                 is_public: Callable[[str], Awaitable[bool]] | None = None) -> None:
        self.settings = settings
        self.is_public = is_public or is_public_host
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> AiohttpProbe:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.settings.timeout_seconds),
            headers={"User-Agent": self.settings.user_agent})
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def allowed(self, url: str) -> bool:
        return self.settings.allow_private_hosts or await self.is_public(
            urlsplit(url).hostname or "")

    async def status(self, method: str, url: str) -> int:
        assert self._session is not None, "use `async with AiohttpProbe(...)`"
        for _hop in range(self.MAX_REDIRECTS + 1):
            async with self._session.request(method, url, allow_redirects=False) as response:
                location = response.headers.get("Location")
                if response.status not in (301, 302, 303, 307, 308) or not location:
                    return response.status
                url = str(response.url.join(yarl.URL(location)))
            if urlsplit(url).scheme not in ("http", "https"):
                raise RedirectRefused("redirects to a non-web address")
            if not await self.allowed(url):
                raise RedirectRefused("redirects to a private or local address")
        raise RedirectRefused(f"more than {self.MAX_REDIRECTS} redirects")


@dataclass(frozen=True)
class CheckResult:
    ok: bool | None
    """True alive, False failed, None inconclusive (busy, or not checked)."""
    http_status: int | None = None
    error: str = ""


async def check_url(probe: Probe, url: str) -> CheckResult:
    """HEAD, then GET if HEAD was refused (405 and friends) or gave no usable answer."""
    head_error = ""
    try:
        status = await probe.status("HEAD", url)
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
        status, head_error = None, _describe(exc)
    if status is not None and status < 400:
        return CheckResult(True, status)
    try:
        status = await probe.status("GET", url)
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
        return CheckResult(False, None, _describe(exc) or head_error)
    if status < 400:
        return CheckResult(True, status)
    if status in INCONCLUSIVE:
        return CheckResult(None, status, f"HTTP {status} (busy; will try again)")
    return CheckResult(False, status, f"HTTP {status}")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    text = str(exc) or type(exc).__name__
    return text[:300]


async def is_public_host(host: str) -> bool:
    """Does the host resolve only to public addresses? (Never probe the bot's own network.)"""
    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, None,
                                                                 type=socket.SOCK_STREAM)
        except OSError:
            return True  # unresolvable: let the check itself fail and count it
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    return all(a.is_global for a in addresses)


class Pacer:
    """Spaces requests: `delay` between any two, `spacing` between two to one host."""

    def __init__(self, now: Callable[[], datetime], sleep: Sleep, *, delay: float,
                 spacing: float) -> None:
        self.now, self.sleep = now, sleep
        self.delay, self.spacing = timedelta(seconds=delay), timedelta(seconds=spacing)
        self.last: datetime | None = None
        self.last_by_host: dict[str, datetime] = {}

    def wait_for(self, host: str) -> float:
        now = self.now()
        ready = now
        if self.last is not None:
            ready = max(ready, self.last + self.delay)
        if host in self.last_by_host:
            ready = max(ready, self.last_by_host[host] + self.spacing)
        return (ready - now).total_seconds()

    async def before(self, host: str) -> None:
        wait = self.wait_for(host)
        if wait > 0:
            await self.sleep(wait)

    def after(self, host: str) -> None:
        self.last = self.last_by_host[host] = self.now()


def interleave(targets: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
    """Round-robin over hosts, so one big site does not make the whole batch wait."""
    by_host: dict[str, list[tuple[int, str]]] = {}
    for target in targets:
        by_host.setdefault(urlsplit(target[1]).hostname or "", []).append(target)
    queues = list(by_host.values())
    out: list[tuple[int, str]] = []
    while queues:
        out.extend(q.pop(0) for q in queues)
        queues = [q for q in queues if q]
    return out


@dataclass
class CheckSummary:
    checked: int = 0
    alive: int = 0
    failed: int = 0
    newly_dead: int = 0
    skipped: int = 0


async def check_links(services: Services, probe: Probe, *, sleep: Sleep = asyncio.sleep,
                      budget: timedelta | None = None) -> CheckSummary:
    """Check one batch of the stalest published links and record what was found.

    Each result is committed on its own, so a batch cut short keeps what it learned. The
    batch stops starting new checks once `budget` (default: half the work lease) is spent.
    """
    cfg = services.settings.resources.link_check
    clock = services.clock
    started = clock.now()
    if budget is None:
        budget = timedelta(seconds=services.settings.scheduler.lease_seconds / 2)
    async with services.db.unit_of_work() as session:
        stale = await PinRepository(session).due_for_check(
            checked_before=started - timedelta(hours=cfg.recheck_hours), limit=cfg.batch)
        targets = interleave([(p.id, p.url) for p in stale])
    pacer = Pacer(clock.now, sleep, delay=cfg.delay_seconds, spacing=cfg.host_spacing_seconds)
    summary = CheckSummary()
    for pin_id, url in targets:
        host = urlsplit(url).hostname or ""
        if clock.now() + timedelta(seconds=pacer.wait_for(host)) - started > budget:
            break
        if not cfg.allow_private_hosts and not await is_public_host(host):
            result = CheckResult(None, None, "not checked: a private or local address")
            summary.skipped += 1
        else:
            await pacer.before(host)
            result = await check_url(probe, url)
            pacer.after(host)
        summary.checked += 1
        if await record(services, pin_id, url, result, dead_after=cfg.dead_after):
            summary.newly_dead += 1
        summary.alive += result.ok is True
        summary.failed += result.ok is False
    log.info("link check: %s", summary)
    return summary


async def record(services: Services, pin_id: int, url: str, result: CheckResult, *,
                 dead_after: int) -> bool:
    """Store one result; True if this check is the one that marked the link dead."""
    now = services.clock.now()
    async with services.db.unit_of_work() as session:
        pin = await PinRepository(session).get(pin_id)
        if pin is None or pin.status != "published" or pin.url != url:
            return False  # unpinned or given a new address while we were checking
        pin.last_checked_at = now
        if result.http_status is not None:
            pin.http_status = result.http_status
        if result.ok is True:
            pin.link_status, pin.consecutive_failures, pin.last_error = "ok", 0, ""
            return False
        pin.last_error = result.error[:500]
        if result.ok is None:
            return False
        if result.http_status is None:
            pin.http_status = None
        pin.consecutive_failures += 1
        was_dead = pin.link_status == "dead"
        pin.link_status = "dead" if pin.consecutive_failures >= dead_after else "failing"
        if pin.link_status == "dead" and not was_dead:
            session.add(AuditEntry(at=now, actor=ACTOR, action="pin.link-dead",
                                   target=f"pin:{pin.id}", before=None,
                                   after={"url": pin.url, "http_status": pin.http_status,
                                          "error": pin.last_error,
                                          "failures": pin.consecutive_failures}))
            return True
        return False
