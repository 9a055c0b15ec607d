"""Jinja2 templates, the static files they use, and the few formats the pages share.

Built once when the pages are mounted (the HTTP server's start), never at import, so a
command-line start does not pay for Jinja2.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2

from bot.web import links
from storage.models import TeachMeet

HERE = Path(__file__).parent
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".png": "image/png",
                ".svg": "image/svg+xml", ".ico": "image/x-icon"}


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    version: str
    """A hash of the content: the URL changes whenever the file does, so it may be cached
    for a year."""


def load_assets() -> dict[str, Asset]:
    assets = {}
    for path in sorted((HERE / "static").iterdir()):
        if path.is_file():
            body = path.read_bytes()
            kind = STATIC_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or \
                "application/octet-stream"
            assets[path.name] = Asset(body, kind, hashlib.sha256(body).hexdigest()[:12])
    return assets


def when(meet: TeachMeet, tz: str) -> str:
    """"Tue 3 Nov 2026, 16:00–18:00 GMT" in the given zone."""
    zone = ZoneInfo(tz)
    start = meet.starts_at.astimezone(zone)
    end = (meet.starts_at + timedelta(minutes=meet.duration_minutes)).astimezone(zone)
    day = f"{start:%a} {start.day} {start:%b %Y}"
    end_text = f"{end:%H:%M}" if end.date() == start.date() else \
        f"{end:%a} {end.day} {end:%b}, {end:%H:%M}"
    return f"{day}, {start:%H:%M}–{end_text} {start:%Z}"


def day(value: datetime | None, tz: str) -> str:
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(tz))
    return f"{local.day} {local:%b %Y}"


def excerpt(text: str, limit: int = 220) -> str:
    """The start of a long text, cut at a word, for lists (keeps pages small)."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(",.;:–- ") + "…"


def host(url: str) -> str:
    """The site a link goes to, as a reader would say it: "example.org"."""
    name = urlsplit(url).hostname or url
    return name.removeprefix("www.")


def plural(count: int, word: str, many: str = "") -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


class Templates:
    """The page templates with the helpers every page uses."""

    def __init__(self, assets: dict[str, Asset]) -> None:
        self.assets = assets
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
            trim_blocks=True, lstrip_blocks=True, auto_reload=False,
            undefined=jinja2.StrictUndefined)
        self.env.globals.update(asset=self.asset, links=links, when=when, day=day,
                                excerpt=excerpt, host=host, plural=plural)

    def asset(self, name: str) -> str:
        return f"/static/{name}?v={self.assets[name].version}"

    def render(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**context)
