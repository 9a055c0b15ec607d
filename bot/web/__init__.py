"""The network's web home: server-rendered pages (teach-meets, the library, calendar links)
on the bot's own HTTP server. Jinja2 and the page code load only when the server is built."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands import Capability

if TYPE_CHECKING:
    from bot.context import Services
    from bot.http import HttpServer


def mount(server: HttpServer, services: Services) -> None:
    """Capability.http: the pages, unless `[web] enabled = false`."""
    if not services.settings.web.enabled:
        return
    from bot.web.pages import WebPages

    WebPages(services).mount(server)


CAPABILITY = Capability(name="web", http=mount)

__all__ = ["CAPABILITY", "mount"]
