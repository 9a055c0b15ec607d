"""Calendars members subscribe to, over the bot's HTTP server: the network's, a region's and
a personal one behind an unguessable token; conditional requests; past events kept for a
while; UIDs from a per-deployment id that survive renaming the network."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import aiohttp
import ics
import pytest
import vobject
from icalendar import Calendar
from multidict import CIMultiDict

from bot.app import App
from bot.http import HttpServer
from bot.settings import Settings
from bot.testing import FakeAdapter, FakeClock, make_settings
from tests.teachmeets.support import create

WALES = 'teachmeet create Wales meet start="2026-11-10 16:00" region=Wales'
KENT = 'teachmeet create Kent meet start="2026-11-11 16:00" region=Kent'


@pytest.fixture
def settings() -> Settings:
    return make_settings(web={"base_url": "https://staffroom.example.org"},
                         teachmeets={"feed_past_days": 30, "feed_refresh_minutes": 120})


@pytest.fixture
async def server(app: App) -> AsyncIterator[HttpServer]:
    running = app.build_http()
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def fetch(server: HttpServer, path: str, headers: dict[str, str] | None = None
                ) -> tuple[int, CIMultiDict[str], bytes]:
    async with aiohttp.ClientSession() as session, \
            session.get(server.url + path, headers=headers or {}) as resp:
        return resp.status, CIMultiDict(resp.headers), await resp.read()


def summaries(body: bytes) -> dict[str, str]:
    return {str(e["summary"]): str(e["status"])
            for e in Calendar.from_ical(body).walk("VEVENT")}


async def test_the_network_and_region_feeds(app: App, chat: FakeAdapter,
                                            server: HttpServer) -> None:
    await create(chat, WALES)
    await create(chat, KENT)
    await create(chat, 'teachmeet create Called off start="2026-11-12 16:00" region=Wales')
    await chat.press("teachmeet cancel", {"id": 3, "confirm": True}, user="org")
    status, headers, body = await fetch(server, "/calendar.ics")
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    assert summaries(body) == {"Wales meet": "CONFIRMED", "Kent meet": "CONFIRMED",
                               "Called off": "CANCELLED"}
    text = body.decode()
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT2H" in text and "X-PUBLISHED-TTL:PT2H" in text
    assert "X-WR-CALNAME:Staffroom teach-meets" in text
    Calendar.from_ical(body)
    assert len(vobject.readOne(text).vevent_list) == 3
    assert len(ics.Calendar(text).events) == 3
    status, _, wales = await fetch(server, "/calendar/wales.ics")
    assert status == 200 and set(summaries(wales)) == {"Wales meet", "Called off"}
    status, _, nowhere = await fetch(server, "/calendar/North%20Pole.ics")
    assert status == 200 and summaries(nowhere) == {}


async def test_conditional_requests(app: App, chat: FakeAdapter, server: HttpServer,
                                    clock: FakeClock) -> None:
    await create(chat, WALES)
    status, headers, _ = await fetch(server, "/calendar.ics")
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and etag.startswith('"')
    assert (await fetch(server, "/calendar.ics", {"If-None-Match": etag}))[0] == 304
    assert (await fetch(server, "/calendar.ics", {"If-Modified-Since": modified}))[0] == 304
    clock.advance(minutes=5)
    await chat.say("teachmeet edit 1 New title", user="org")
    status, changed, body = await fetch(server, "/calendar.ics", {"If-None-Match": etag})
    assert status == 200 and changed["ETag"] != etag and b"New title" in body
    assert (await fetch(server, "/calendar.ics", {"If-Modified-Since": modified}))[0] == 200
    later = format_datetime(datetime(2026, 11, 2, 9, 5, tzinfo=UTC), usegmt=True)
    assert changed["Last-Modified"] == later
    assert (await fetch(server, "/calendar.ics",
                        {"If-Modified-Since": changed["Last-Modified"]}))[0] == 304


async def test_a_personal_feed_behind_a_token_that_can_be_reset(
        app: App, chat: FakeAdapter, server: HttpServer) -> None:
    await create(chat, WALES)
    await create(chat, KENT)
    await chat.say("teachmeet going 2", user="ann")
    reply = await chat.say("teachmeet feed", user="ann")
    text = reply.plain_text()
    found = re.search(r"webcal://staffroom\.example\.org/calendar/personal/([\w-]+)\.ics", text)
    assert found is not None, text
    token = found.group(1)
    assert len(token) >= 32
    assert f"https://staffroom.example.org/calendar/personal/{token}.ics" in text
    assert "https://staffroom.example.org/calendar.ics" in text
    assert (await chat.say("teachmeet feed", user="ann")).plain_text() == text  # same link
    status, headers, body = await fetch(server, f"/calendar/personal/{token}.ics")
    assert status == 200 and summaries(body) == {"Kent meet": "CONFIRMED"}
    assert headers["Cache-Control"].startswith("private")
    assert (await fetch(server, "/calendar/personal/not-a-real-token-at-all.ics"))[0] == 404
    asked = await chat.say("teachmeet feed reset", user="ann")
    assert "Make a new address" in asked.plain_text()
    assert (await fetch(server, f"/calendar/personal/{token}.ics"))[0] == 200
    done = await chat.say("teachmeet feed reset confirm=yes", user="ann")
    new = re.search(r"/calendar/personal/([\w-]+)\.ics", done.plain_text())
    assert new is not None and new.group(1) != token
    assert (await fetch(server, f"/calendar/personal/{token}.ics"))[0] == 404
    assert (await fetch(server, f"/calendar/personal/{new.group(1)}.ics"))[0] == 200


async def test_past_teachmeets_stay_in_feeds_for_a_while(app: App, chat: FakeAdapter,
                                                         server: HttpServer,
                                                         clock: FakeClock) -> None:
    await create(chat, WALES)  # ends 10 Nov 18:00
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    assert "Wales meet" in summaries((await fetch(server, "/calendar.ics"))[2])
    clock.set(datetime(2026, 12, 11, 9, 0, tzinfo=UTC))  # more than 30 days after it ended
    assert summaries((await fetch(server, "/calendar.ics"))[2]) == {}


async def uids(url: str, name: str, clock: FakeClock) -> set[str]:
    """The feed's UIDs as a deployment on `url`, named `name`, serves them (creating one
    teach-meet the first time)."""
    from bot.teachmeets.feeds import network_feed

    settings = make_settings(database={"url": url}, network={"name": name})
    app = App(settings, clock=clock)
    await app.open()
    try:
        chat = FakeAdapter(app.core)
        app.services.notifier.register(chat)
        if "#1" not in (await chat.say("teachmeet list", user="org")).plain_text():
            await create(chat, WALES)
        body = await network_feed(app.services, None)
        return {str(e["uid"]) for e in Calendar.from_ical(body).walk("VEVENT")}
    finally:
        await app.close()


async def test_uids_survive_renaming_the_network_and_differ_between_deployments(
        app: App, tmp_path: Path, clock: FakeClock) -> None:
    first = app.services.settings.database.url  # SQLite, then PostgreSQL
    before = await uids(first, "Staffroom", clock)
    after = await uids(first, "eduLAIT Cymru", clock)
    assert before == after and len(before) == 1
    other = await uids(f"sqlite:///{tmp_path / 'two.db'}", "Staffroom", clock)
    assert other.isdisjoint(before)
