"""Addresses of the web pages and calendar files, for the pages themselves and for links in
the bot's replies. Light on purpose: replies import it, the page machinery stays lazy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

if TYPE_CHECKING:
    from bot.settings import Settings
    from storage.models import TeachMeet


def meet_path(meet_id: int) -> str:
    return f"/teachmeets/{meet_id}"


def meet_ics_path(meet_id: int) -> str:
    return f"/teachmeets/{meet_id}.ics"


def feed_path(region: str = "") -> str:
    """The calendar feed of upcoming teach-meets, for one region or all."""
    return f"/calendar/{quote(region, safe='')}.ics" if region else "/calendar.ics"


def pin_path(pin_id: int) -> str:
    return f"/library/{pin_id}"


def library_path(query: str = "", tags: Sequence[str] = (), page: int = 1) -> str:
    params: list[tuple[str, str | int]] = [("q", query)] if query else []
    params += [("tag", t) for t in tags]
    if page > 1:
        params.append(("page", page))
    return "/library" + (f"?{urlencode(params)}" if params else "")


def teachmeets_path(region: str = "", page: int = 1) -> str:
    params: list[tuple[str, str | int]] = [("region", region)] if region else []
    if page > 1:
        params.append(("page", page))
    return "/teachmeets" + (f"?{urlencode(params)}" if params else "")


def meet_url(settings: Settings, meet: TeachMeet) -> str:
    """The teach-meet's page for a reply's "Details" link; "" when there is none to open."""
    if not settings.on_web(meet.platform, meet.space_id):
        return ""
    return settings.page_url(meet_path(meet.id))


def library_url(settings: Settings, query: str = "", tags: Sequence[str] = ()) -> str:
    """The library page for a reply's "See all on the web" link; "" when there is none."""
    return settings.page_url(library_path(query, tags))
