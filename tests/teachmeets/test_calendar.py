"""iCalendar files: one event, the feed the CLI writes, and the digest section."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import ics as ics_library
import pytest
import vobject
from icalendar import Calendar, Event

from bot.app import App
from bot.commands import DigestRequest
from bot.main import main
from bot.replies import ItemList
from bot.teachmeets import CAPABILITY
from bot.testing import FakeAdapter, make_settings
from tests.teachmeets.support import confirmed, create, move


def parse(content: bytes) -> Event:
    """The one event, read by icalendar; vobject and ics must read the file too."""
    calendar = Calendar.from_ical(content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    assert len(vobject.readOne(content.decode()).vevent_list) == 1
    assert len(ics_library.Calendar(content.decode()).events) == 1
    return events[0]


async def ics(chat: FakeAdapter, meet_id: int = 1) -> bytes:
    reply = await chat.say(f"teachmeet ics {meet_id}", user="ann")
    assert not reply.is_error and reply.attachment is not None
    assert reply.attachment.mime_type == "text/calendar"
    assert reply.attachment.filename.endswith(".ics")
    return reply.attachment.content


async def test_ics_round_trips_and_updates_in_place(app: App, chat: FakeAdapter) -> None:
    await create(chat)
    first = parse(await ics(chat))
    london = ZoneInfo("Europe/London")
    start, end = first.decoded("dtstart"), first.decoded("dtend")
    assert start == datetime(2026, 11, 10, 16, 0, tzinfo=london)
    assert end == datetime(2026, 11, 10, 18, 0, tzinfo=london)
    assert first["dtstart"].params["TZID"] == "Europe/London"
    assert str(first["location"]) == "Cardiff Central Library"
    assert str(first["summary"]) == "Autumn TeachMeet"
    assert str(first["status"]) == "CONFIRMED"
    assert int(first["sequence"]) == 0
    uid = str(first["uid"])
    assert re.fullmatch(r"teachmeet-1\.[0-9a-f]{32}@staffroom", uid)
    assert "BEGIN:VTIMEZONE" in (await ics(chat)).decode()

    await move(chat, 1, "2027-06-15 18:30")
    moved = parse(await ics(chat))
    assert str(moved["uid"]) == uid
    assert int(moved["sequence"]) == 1
    assert moved.decoded("dtstart") == datetime(2027, 6, 15, 18, 30, tzinfo=london)
    assert moved.decoded("dtstart").astimezone(UTC) == datetime(2027, 6, 15, 17, 30,
                                                                  tzinfo=UTC)

    await chat.press("teachmeet cancel", {"id": 1, "confirm": True, "reason": "Snow"},
                     user="org")
    cancelled = parse(await ics(chat))
    assert (str(cancelled["uid"]), str(cancelled["status"]), int(cancelled["sequence"])) == (
        uid, "CANCELLED", 2)
    assert "Cancelled: Snow" in str(cancelled["description"])


async def test_online_event_uses_link_as_location(app: App, chat: FakeAdapter) -> None:
    await create(chat, 'teachmeet create Online one start="2026-12-01 19:00 America/New_York" '
                       "link=https://meet.example.org/abc")
    event = parse(await ics(chat))
    assert str(event["location"]) == "https://meet.example.org/abc"
    assert str(event["url"]) == "https://meet.example.org/abc"
    assert event["dtstart"].params["TZID"] == "America/New_York"
    assert event.decoded("dtstart").astimezone(UTC) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)


async def test_digest_section_lists_upcoming_teachmeets(app: App, chat: FakeAdapter) -> None:
    await create(chat)
    await create(chat, 'teachmeet create Far off start="2027-06-01 10:00"')
    assert CAPABILITY.digest is not None
    async with app.db.sessions() as session:
        request = DigestRequest(services=app.services, session=session, platform="fake",
                                space_id="T-TEST", since=app.services.clock.now()
                                - timedelta(days=7), until=app.services.clock.now())
        blocks = await CAPABILITY.digest(request)
    assert len(blocks) == 1 and isinstance(blocks[0], ItemList)
    titles = [item.title for item in blocks[0].items]
    assert titles == ["#1 Autumn TeachMeet (new)"]
    async with app.db.sessions() as session:
        later = DigestRequest(services=app.services, session=session, platform="fake",
                              space_id="T-TEST", since=datetime(2027, 1, 1, tzinfo=UTC),
                              until=datetime(2027, 1, 2, tzinfo=UTC))
        assert await CAPABILITY.digest(later) == []


def test_calendar_cli_writes_a_feed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"

    async def prepare() -> None:
        # events next year, so the CLI's real clock still sees them as upcoming (and within
        # the reader's five-year horizon)
        year = datetime.now(UTC).year + 1
        settings = make_settings(database={"url": url})
        app = App(settings)
        await app.open()
        chat = FakeAdapter(app.core)
        app.services.notifier.register(chat)
        for text in (f'teachmeet create Wales meet start="{year}-03-01 16:00" region=Wales',
                     f'teachmeet create Kent meet start="{year}-03-02 16:00" region=Kent',
                     f'teachmeet create Called off start="{year}-03-03 16:00" region=Wales'):
            assert not (await chat.say(confirmed(text), user="org")).is_error
        await chat.press("teachmeet cancel", {"id": 3, "confirm": True}, user="org")
        await app.close()

    asyncio.run(prepare())
    monkeypatch.setenv("STAFFROOM_DATABASE_URL", url)
    out = tmp_path / "feed.ics"
    assert main(["calendar", "--region", "Wales", str(out)]) == 0
    assert "Wrote 2 teach-meet entries in Wales" in capsys.readouterr().out
    feed = Calendar.from_ical(out.read_bytes())
    events = {str(e["summary"]): str(e["status"]) for e in feed.walk("VEVENT")}
    assert events == {"Wales meet": "CONFIRMED", "Called off": "CANCELLED"}
    everything = tmp_path / "all.ics"
    assert main(["calendar", str(everything)]) == 0
    assert len(Calendar.from_ical(everything.read_bytes()).walk("VEVENT")) == 3
