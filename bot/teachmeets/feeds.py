"""Calendar feeds on the bot's HTTP server: `/calendar.ics` (the network's teach-meets),
`/calendar/<region>.ics` and `/calendar/personal/<token>.ics` (a member's own: what they
organise, present at or answered going, maybe or waitlist to; the token is unguessable and
`teachmeet feed reset` replaces it).

Feeds keep teach-meets that ended up to `[teachmeets] feed_past_days` ago (cancelled ones
too, marked so, which removes them from subscribers' calendars), say how often to re-read
them (REFRESH-INTERVAL, X-PUBLISHED-TTL), and answer conditional requests: the ETag is a
hash of the body, and Last-Modified is when this copy of the bot first served that body
(never earlier than the change itself, so an If-Modified-Since answer of 304 is never
wrong; at worst a copy that restarted sends an unchanged body once more).
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

from aiohttp import web

from bot.teachmeets import calendar
from storage.repositories.teachmeets import TeachMeetRepository

if TYPE_CHECKING:
    from bot.context import Services
    from bot.http import HttpServer
    from bot.settings import Settings

NETWORK_PATH = "/calendar.ics"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
MAX_REMEMBERED = 100_000
"""Bodies whose first-served time is remembered (one per feed address)."""


def personal_path(token: str) -> str:
    return f"/calendar/personal/{token}.ics"


def region_path(region: str) -> str:
    return f"/calendar/{quote(region, safe='')}.ics"


def _webcal(url: str) -> str:
    return re.sub(r"^https?://", "webcal://", url)


def personal_links(settings: Settings, token: str) -> tuple[str, str]:
    """(https link, webcal link) of a member's feed."""
    url = settings.public_url(personal_path(token))
    return url, _webcal(url)


def shared_links(settings: Settings, region: str) -> list[tuple[str, str, str]]:
    """(label, https link, webcal link) of the network's feed and the region's."""
    url = settings.public_url(NETWORK_PATH)
    out = [(f"All {settings.network.name} teach-meets", url, _webcal(url))]
    if region:
        url = settings.public_url(region_path(region))
        out.append((f"Teach-meets in {region}", url, _webcal(url)))
    return out


async def network_feed(services: Services, region: str | None) -> bytes:
    settings = services.settings
    since = services.clock.now() - timedelta(days=settings.teachmeets.feed_past_days)
    async with services.db.unit_of_work() as session:
        repo = TeachMeetRepository(session)
        singles, all_series = await repo.for_feed(since=since, region=region)
        meetings = await repo.meetings_of([s.id for s in all_series])
        deployment = await repo.deployment_id()
    events = [calendar.event(m, deployment) for m in singles]
    for one in all_series:
        events += calendar.series_events(one, meetings[one.id], deployment)
    return calendar.calendar(events, name=calendar.feed_name(settings.network.name, region),
                             refresh_minutes=settings.teachmeets.feed_refresh_minutes)


async def personal_feed(services: Services, token: str) -> bytes | None:
    """The member's feed, or None if no feed has this token (any more)."""
    settings = services.settings
    since = services.clock.now() - timedelta(days=settings.teachmeets.feed_past_days)
    async with services.db.unit_of_work() as session:
        repo = TeachMeetRepository(session)
        feed = await repo.feed_by_token(token)
        if feed is None:
            return None
        meets = await repo.signed_up_for(feed.member_id, since=since)
        deployment = await repo.deployment_id()
    return calendar.calendar([calendar.event(m, deployment) for m in meets],
                             name=f"My {settings.network.name} teach-meets",
                             refresh_minutes=settings.teachmeets.feed_refresh_minutes)


class _FirstServed:
    """When each feed address first served its current body (for Last-Modified)."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, datetime]] = {}

    def when(self, key: str, etag: str, now: datetime) -> datetime:
        known = self._seen.get(key)
        if known is not None and known[0] == etag:
            return known[1]
        if len(self._seen) >= MAX_REMEMBERED:
            self._seen.clear()
        stamp = now.replace(microsecond=0)
        self._seen[key] = (etag, stamp)
        return stamp


def _answer(request: web.Request, body: bytes, modified: datetime, *,
            private: bool, refresh_minutes: int) -> web.Response:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Last-Modified": _http_date(modified),
               "Cache-Control": f"{'private' if private else 'public'}, "
                                f"max-age={min(refresh_minutes * 60, 900)}"}
    wanted = request.headers.get("If-None-Match")
    if wanted is not None:
        tags = {t.strip().removeprefix("W/") for t in wanted.split(",")}
        if etag in tags or "*" in tags:
            return web.Response(status=304, headers=headers)
    elif request.if_modified_since is not None and modified <= request.if_modified_since:
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, content_type=calendar.MIME_TYPE, charset="utf-8",
                        headers=headers)


def _http_date(when: datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S GMT")


def routes(server: HttpServer, services: Services) -> None:
    """Capability.http: the three kinds of feed."""
    first_served = _FirstServed()
    refresh = services.settings.teachmeets.feed_refresh_minutes

    async def shared(request: web.Request) -> web.Response:
        region = request.match_info.get("region")
        body = await network_feed(services, region.strip() if region else None)
        key = f"region:{region.lower()}" if region else "network"
        modified = first_served.when(key, hashlib.sha256(body).hexdigest(),
                                     services.clock.now())
        return _answer(request, body, modified, private=False, refresh_minutes=refresh)

    async def personal(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        body = await personal_feed(services, token) if _TOKEN.fullmatch(token) else None
        if body is None:
            raise web.HTTPNotFound(text="No such calendar feed (it may have been reset: "
                                        "ask the bot for `teachmeet feed`).")
        modified = first_served.when(f"personal:{token}", hashlib.sha256(body).hexdigest(),
                                     services.clock.now())
        return _answer(request, body, modified, private=True, refresh_minutes=refresh)

    server.add_get(NETWORK_PATH, shared)
    server.add_get("/calendar/personal/{token}.ics", personal)
    server.add_get("/calendar/{region}.ics", shared)
