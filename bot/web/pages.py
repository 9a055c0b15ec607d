"""The web pages' request handlers: read (through `WebReader`), render, answer with the
right caching and security headers. Nothing here writes to the database."""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.teachmeets import calendar
from bot.web import links
from bot.web.reader import WebReader
from bot.web.render import Templates, excerpt, host, load_assets, plural, when
from storage.repositories.teachmeets import TeachMeetRepository

if TYPE_CHECKING:
    from bot.context import Services
    from bot.http import HttpServer

PAGE_CACHE = "public, max-age=60"
"""Pages change when members act in chat; a minute old is fine, and spares a busy server."""
ICS_CACHE = "public, max-age=300"
ASSET_CACHE = "public, max-age=31536000, immutable"
NO_STORE = "no-store"
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'self'; script-src 'self'; "
                                "img-src 'self' data:; form-action 'self'; base-uri 'none'; "
                                "frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
MAX_ID = 2**31 - 1
MAX_PAGE = 1000
QUERY_MAX = 300
MAX_TAGS = 5
TAG_CHOICES = 12
TAG_CACHE_SECONDS = 60.0
_TAG = re.compile(r"[^\s|#,\"'<>]{1,40}")


@dataclass(frozen=True)
class PageInfo:
    """What the page's head says about it: title, description, address, link previews."""

    title: str
    description: str
    url: str
    section: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    """Label/value pairs a link preview may show (Slack shows twitter:label/data)."""


def _number(value: str | None) -> int | None:
    """A page or id number from the address; None if it is not a sensible one."""
    if value is None or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def _clean_tags(values: list[str]) -> list[str]:
    tags = [v.strip().lstrip("#").lower() for v in values]
    return list(dict.fromkeys(t for t in tags if _TAG.fullmatch(t)))[:MAX_TAGS]


class WebPages:
    """Mounted on the HTTP server by the web capability when `[web] enabled`."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings
        self.assets = load_assets()
        self.templates = Templates(self.assets)
        self._tags: tuple[float, Counter[str]] | None = None

    def mount(self, server: HttpServer) -> None:
        server.add_get("/", self.home)
        server.add_get("/teachmeets", self.teachmeets)
        server.add_get(r"/teachmeets/{id:\d+}", self.teachmeet)
        server.add_get(r"/teachmeets/{id:\d+}.ics", self.teachmeet_ics)
        server.add_get("/library", self.library)
        server.add_get(r"/library/{id:\d+}", self.pin)
        server.add_get("/static/{name}", self.static)

    # -- shared -------------------------------------------------------------------------------
    @property
    def zone(self) -> str:
        return self.settings.network.timezone

    def origin(self, request: web.Request) -> str:
        """The address visitors use: `[web] base_url`, else what this request came to."""
        return self.settings.web.base_url or f"{request.scheme}://{request.host}"

    def site(self, request: web.Request) -> dict[str, str]:
        origin = self.origin(request)
        parts = urlsplit(origin)
        return {"name": self.settings.network.name,
                "about": self.settings.web.about,
                "webcal": f"webcal://{parts.netloc}{parts.path}" if parts.netloc else ""}

    def _render(self, request: web.Request, template: str, page: PageInfo, *,
                status: int = 200, cache: str = PAGE_CACHE, **context: Any) -> web.Response:
        body = self.templates.render(template, site=self.site(request), page=page,
                                     zone=self.zone, **context)
        return self._respond(request, body.encode(), "text/html", status=status, cache=cache)

    def _respond(self, request: web.Request, body: bytes, content_type: str, *,
                 status: int = 200, cache: str = PAGE_CACHE,
                 extra: dict[str, str] | None = None) -> web.Response:
        """The body with caching headers; 304 when the visitor already has this version."""
        etag = f'W/"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
        headers = {**SECURITY_HEADERS, "Cache-Control": cache, "Vary": "Accept-Encoding",
                   **(extra or {})}
        if status == 200:
            headers["ETag"] = etag
            wanted = {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}
            if etag in wanted or etag[2:] in wanted or "*" in wanted:
                return web.Response(status=304, headers=headers)
        response = web.Response(body=body, status=status, headers=headers,
                                content_type=content_type,
                                charset="utf-8" if content_type.startswith("text/") else None)
        if len(body) > 1024:
            response.enable_compression()
        return response

    def not_found(self, request: web.Request, message: str = "") -> web.Response:
        if not self.settings.web.public:
            # Not public: nothing about the network, not even its name.
            return web.Response(status=404, text="404: Not Found",
                                headers={**SECURITY_HEADERS, "Cache-Control": NO_STORE})
        page = PageInfo("Page not found", "There is nothing at this address.",
                        self.origin(request) + request.path)
        return self._render(request, "not_found.html", page, status=404, cache=NO_STORE,
                            message=message or "There is nothing at this address.")

    def _closed(self) -> bool:
        return not self.settings.web.public

    def _page_number(self, request: web.Request) -> int | None:
        raw = request.query.get("page")
        if raw is None or raw == "":
            return 1
        number = _number(raw)
        return number if number is not None and number <= MAX_PAGE else None

    # -- pages --------------------------------------------------------------------------------
    async def home(self, request: web.Request) -> web.Response:
        if self._closed():
            return self.not_found(request)
        now = self.services.clock.now()
        async with self.services.db.sessions() as session:
            reader = WebReader(session, self.settings)
            meets = await reader.upcoming(now=now, limit=5, count=False)
            pins = await reader.newest_pins(6)
            regions = await reader.regions(now=now)
        name = self.settings.network.name
        about = self.settings.web.about or (
            f"Teach-meets and a shared library of resources from the {name} network: "
            "find what's on, and what colleagues found worth keeping.")
        joins = [(s.platform.capitalize(), s.name or s.id, s.join_url)
                 for s in self.settings.spaces if s.web and s.join_url]
        page = PageInfo(name, about, self.origin(request) + "/", "home")
        return self._render(request, "home.html", page, meets=meets.items, pins=pins,
                            regions=regions, joins=joins)

    async def teachmeets(self, request: web.Request) -> web.Response:
        if self._closed():
            return self.not_found(request)
        number = self._page_number(request)
        region = " ".join(request.query.get("region", "").split())[:200]
        if number is None:
            return self.not_found(request, "That page number is not one this list has.")
        size = self.settings.web.page_size
        now = self.services.clock.now()
        async with self.services.db.sessions() as session:
            reader = WebReader(session, self.settings)
            found = await reader.upcoming(now=now, region=region or None,
                                          offset=(number - 1) * size, limit=size)
            regions = await reader.regions(now=now)
        if number > 1 and not found.items:
            return self.not_found(request, "That page of teach-meets is past the last one.")
        title = f"Teach-meets in {region}" if region else "Teach-meets"
        total = found.total or 0
        description = (f"{plural(total, 'teach-meet')} coming up"
                       + (f" in {region}" if region else "")
                       + f" in the {self.settings.network.name} network.")
        page = PageInfo(title, description,
                        self.origin(request) + links.teachmeets_path(region, number),
                        "teachmeets")
        return self._render(
            request, "teachmeets.html", page, meets=found.items, total=total, region=region,
            regions=regions, number=number, pages=max(math.ceil(total / size), 1),
            previous=links.teachmeets_path(region, number - 1) if number > 1 else "",
            next=links.teachmeets_path(region, number + 1) if found.has_more else "")

    async def teachmeet(self, request: web.Request) -> web.Response:
        if self._closed():
            return self.not_found(request)
        meet_id = _number(request.match_info["id"])
        async with self.services.db.sessions() as session:
            reader = WebReader(session, self.settings)
            meet = await reader.meet(meet_id) if meet_id else None
            details = await reader.details(meet) if meet is not None else None
        if meet is None or details is None:
            return self.not_found(request, "There is no teach-meet with that number.")
        now = self.services.clock.now()
        ended = meet.starts_at + timedelta(minutes=meet.duration_minutes) <= now
        place = meet.venue or ("Online" if meet.online_url else "Place to be announced")
        summary = " · ".join(p for p in (when(meet, self.zone), place, meet.region) if p)
        title = ("Cancelled: " if meet.status == "cancelled" else "") + meet.title
        description = summary + (f". {excerpt(meet.description, 160)}"
                                 if meet.description else "")
        facts = [("When", when(meet, self.zone)), ("Where", place)]
        page = PageInfo(title, description,
                        self.origin(request) + links.meet_path(meet.id), "teachmeets", facts)
        return self._render(request, "teachmeet.html", page, details=details, ended=ended)

    async def teachmeet_ics(self, request: web.Request) -> web.Response:
        """The teach-meet's calendar file (the same one `teachmeet ics` sends in chat)."""
        if self._closed():
            return self.not_found(request)
        meet_id = _number(request.match_info["id"])
        async with self.services.db.sessions() as session:
            meet = await WebReader(session, self.settings).meet(meet_id) if meet_id else None
            deployment = await TeachMeetRepository(session).deployment_id()
        if meet is None:
            return self.not_found(request, "There is no teach-meet with that number.")
        body = calendar.calendar([calendar.event(meet, deployment)])
        disposition = f'attachment; filename="{calendar.filename(meet)}"'
        return self._respond(request, body, calendar.MIME_TYPE, cache=ICS_CACHE,
                             extra={"Content-Disposition": disposition})

    async def library(self, request: web.Request) -> web.Response:
        if self._closed():
            return self.not_found(request)
        number = self._page_number(request)
        if number is None:
            return self.not_found(request, "That page number is not one this list has.")
        query = " ".join(request.query.get("q", "").split())[:QUERY_MAX]
        tags = _clean_tags(request.query.getall("tag", []))
        size = self.settings.web.page_size
        async with self.services.db.sessions() as session:
            reader = WebReader(session, self.settings)
            found = await reader.pins(query=query, tags=tags, offset=(number - 1) * size,
                                      limit=size)
            counts = await self._tag_counts(reader)
        if number > 1 and not found.items:
            return self.not_found(request, "That page of the library is past the last one.")
        about = " ".join([*([f"“{query}”"] if query else []), *(f"#{t}" for t in tags)])
        if query:
            title = f"Resources matching {about}"
            summary = ("Best matches first." if found.items else "No matches.")
        else:
            title = "Resource library" + (f": {about}" if about else "")
            total = found.total or 0
            summary = f"{plural(total, 'resource')}" + (" tagged " + " ".join(
                f"#{t}" for t in tags) if tags else "") + ", newest first."
        choices = [(t, n) for t, n in sorted(counts.items(), key=lambda c: (-c[1], c[0]))
                   ][:TAG_CHOICES]
        shown = {t for t, _ in choices}
        choices += [(t, counts.get(t, 0)) for t in tags if t not in shown]
        description = (f"Resources chosen by members of the {self.settings.network.name} "
                       "network" + (f", matching {about}." if about else "."))
        page = PageInfo(title, description,
                        self.origin(request) + links.library_path(query, tags, number),
                        "library")
        pages = max(math.ceil((found.total or 0) / size), 1) if found.total is not None else 0
        return self._render(
            request, "library.html", page, pins=found.items, query=query, tags=tags,
            tag_choices=choices, summary=summary, number=number, pages=pages,
            previous=links.library_path(query, tags, number - 1) if number > 1 else "",
            next=links.library_path(query, tags, number + 1) if found.has_more else "")

    async def _tag_counts(self, reader: WebReader) -> Counter[str]:
        """Tag counts, recounted at most once a minute (every pin's tags are read)."""
        now = time.monotonic()
        if self._tags is None or now - self._tags[0] > TAG_CACHE_SECONDS:
            self._tags = (now, await reader.tag_counts())
        return self._tags[1]

    async def pin(self, request: web.Request) -> web.Response:
        if self._closed():
            return self.not_found(request)
        pin_id = _number(request.match_info["id"])
        async with self.services.db.sessions() as session:
            found = await WebReader(session, self.settings).pin(pin_id) if pin_id else None
        if found is None:
            return self.not_found(request, "There is no resource with that number in the "
                                           "library.")
        description = excerpt(found.description, 200) or f"A resource on {host(found.url)}."
        page = PageInfo(found.title, description,
                        self.origin(request) + links.pin_path(found.id), "library")
        shelf = "" if found.on_network_shelf else self.settings.space_label(*found.shelf)
        return self._render(request, "pin.html", page, pin=found, shelf=shelf)

    async def static(self, request: web.Request) -> web.Response:
        asset = self.assets.get(request.match_info["name"])
        if asset is None:
            return web.Response(status=404, text="404: Not Found",
                                headers={**SECURITY_HEADERS, "Cache-Control": NO_STORE})
        current = request.query.get("v") == asset.version
        return self._respond(request, asset.body, asset.content_type,
                             cache=ASSET_CACHE if current else "public, max-age=300")
