"""Repeating teach-meets: each meeting with its own RSVPs, waitlist, talks and reminders
(exactly once, across two schedulers); cancelling or moving one meeting or the rest; the
list shows the next meeting; more meetings are added as time passes; the .ics parses in
icalendar, vobject and ics, and recurring-ical-events expands it to the meetings the bot
lists. The clock starts at Mon 2 Nov 2026 09:00 UTC; first Thursdays are 5 Nov, 3 Dec,
7 Jan, 4 Feb, 4 Mar."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import ics
import pytest
import recurring_ical_events
import vobject
from icalendar import Calendar
from sqlalchemy import select

from bot.app import App
from bot.replies import Actions, Button, Reply
from bot.testing import FakeAdapter, FakeClock
from storage.models import DueWork, TeachMeet, TeachMeetSeries
from tests.teachmeets.support import answers, create, rows

MONTHLY = ("teachmeet create Digital leaders every first Thursday of the month 4-6pm at "
           "https://meet.example.org/dl capacity=1 slots=\"1 nano\"")
LONDON = ZoneInfo("Europe/London")


def buttons(reply: Reply) -> dict[str, Button]:
    return {b.label: b for block in reply.blocks if isinstance(block, Actions)
            for b in block.buttons}


async def press(chat: FakeAdapter, button: Button, user: str = "org") -> Reply:
    return await chat.press(button.command, dict(button.args), user=user)


async def meetings(app: App) -> list[TeachMeet]:
    return await rows(app, TeachMeet)


def starts(meets: list[TeachMeet], *, status: str = "scheduled") -> list[str]:
    return [m.starts_at.astimezone(LONDON).strftime("%a %d %b %H:%M") for m in meets
            if m.status == status]


async def series_ics(chat: FakeAdapter, meet_id: int = 1) -> bytes:
    reply = await chat.say(f"teachmeet ics {meet_id} series=yes", user="ann")
    assert reply.attachment is not None, reply.plain_text()
    return reply.attachment.content


def expanded(content: bytes, until: datetime) -> list[str]:
    calendar = Calendar.from_ical(content)
    found = recurring_ical_events.of(calendar).between(datetime(2026, 11, 1, tzinfo=UTC), until)
    return sorted((e.decoded("dtstart").astimezone(LONDON).strftime("%a %d %b %H:%M")
                   for e in found if str(e.get("status", "CONFIRMED")) != "CANCELLED"),
                  key=lambda s: datetime.strptime(s + " 2027", "%a %d %b %H:%M %Y")
                  if " Nov " not in s and " Dec " not in s else
                  datetime.strptime(s + " 2026", "%a %d %b %H:%M %Y"))


def parses_everywhere(content: bytes) -> None:
    Calendar.from_ical(content)
    parsed = vobject.readOne(content.decode())
    assert parsed.vevent_list
    assert ics.Calendar(content.decode()).events


async def test_a_repeating_teachmeet_makes_its_meetings_ahead(app: App, chat: FakeAdapter) -> None:
    preview = await chat.say(MONTHLY, user="org")
    text = preview.plain_text()
    assert "Repeats: on the first Thursday of every month at 16:00 (next: Thu 5 Nov, Thu 3 " \
           "Dec, Thu 7 Jan, Thu 4 Feb…)" in text
    assert await meetings(app) == []
    created = await press(chat, buttons(preview)["Create"])
    assert created.plain_text().startswith("New repeating teach-meet #1: Digital leaders")
    made = await meetings(app)
    assert starts(made) == ["Thu 05 Nov 16:00", "Thu 03 Dec 16:00", "Thu 07 Jan 16:00",
                            "Thu 04 Feb 16:00"]  # up to 120 days ahead
    assert {m.series_id for m in made} == {1}
    assert all(m.recurrence_id == m.starts_at for m in made)
    work = Counter(w.kind for w in await rows(app, DueWork))
    assert work == {"teachmeet.reminder": 8, "teachmeet.followup": 4, "teachmeet.series": 1}


async def test_each_meeting_has_its_own_answers_waitlist_and_talks(app: App,
                                                                   chat: FakeAdapter) -> None:
    await create(chat, MONTHLY)
    await chat.say("teachmeet going 1", user="ann")
    await chat.say("teachmeet going 1", user="bob")
    await chat.say("teachmeet going 2", user="bob")
    assert await answers(app, 1) == {"ann": "going", "bob": "waitlist"}
    assert await answers(app, 2) == {"bob": "going"}
    assert not (await chat.say("teachmeet present 1 nano Padlet", user="cat")).is_error
    assert not (await chat.say("teachmeet present 2 nano Padlet again", user="cat")).is_error
    full = await chat.say("teachmeet present 1 nano Another", user="dan")
    assert full.is_error and "All 1 nano slots at #1 are taken" in full.plain_text()


@pytest.fixture
async def second(app: App, clock: FakeClock, chat: FakeAdapter) -> AsyncIterator[App]:
    """Another copy of the bot on the same database, sending through the same platform."""
    other = App(app.services.settings, clock=clock, scheduler_owner="second")
    await other.open()
    other.services.notifier.register(chat)
    try:
        yield other
    finally:
        await other.close()


async def test_reminders_go_once_per_meeting_across_two_schedulers(
        app: App, second: App, chat: FakeAdapter, clock: FakeClock) -> None:
    await create(chat, MONTHLY)
    await chat.say("teachmeet going 1", user="ann")
    await chat.say("teachmeet going 2", user="ann")
    chat.sent.clear()

    async def run_both() -> None:
        await asyncio.gather(app.scheduler.run_due(), second.scheduler.run_due())

    sent: Counter[tuple[str, str]] = Counter()
    for day_before in (datetime(2026, 11, 4, 16, tzinfo=UTC),
                       datetime(2026, 12, 2, 16, tzinfo=UTC)):
        clock.set(day_before)
        await run_both()
        await run_both()
    for destination, reply in chat.sent:
        first_line = reply.plain_text().splitlines()[0]
        sent[(destination.user_id or destination.channel_id or "", first_line[:40])] += 1
    assert sent and all(n == 1 for n in sent.values()), sent
    to_ann = [r.plain_text() for r in chat.sent_to("ann")]
    assert len(to_ann) == 2
    assert "#1 Digital leaders" in to_ann[0] and "#2 Digital leaders" in to_ann[1]


async def test_the_list_shows_each_series_by_its_next_meeting(app: App, chat: FakeAdapter,
                                                              clock: FakeClock) -> None:
    await create(chat, MONTHLY)
    await create(chat, 'teachmeet create One-off start="2026-11-20 16:00"')
    listed = (await chat.say("teachmeet list", user="ann")).plain_text()
    assert listed.count("Digital leaders") == 1 and "#1 Digital leaders" in listed
    assert "Repeats on the first Thursday of every month at 16:00" in listed
    assert "Showing" not in listed  # one page: no count line, no More
    clock.set(datetime(2026, 11, 5, 18, 30, tzinfo=UTC))  # the first meeting is over
    later = (await chat.say("teachmeet list", user="ann")).plain_text()
    assert "#2 Digital leaders" in later and "#1 Digital" not in later


async def test_cancelling_one_meeting_leaves_the_rest(app: App, chat: FakeAdapter) -> None:
    await create(chat, MONTHLY)
    await chat.say("teachmeet going 2", user="ann")
    await chat.say("teachmeet going 3", user="bob")
    asked = await chat.say("teachmeet cancel 2 Snow", user="org")
    assert "just this one, or this and every later one?" in asked.plain_text()
    assert set(buttons(asked)) == {"Cancel this one", "Cancel this and later ones"}
    done = await press(chat, buttons(asked)["Cancel this one"])
    assert not done.is_error, done.plain_text()
    made = await meetings(app)
    assert starts(made) == ["Thu 05 Nov 16:00", "Thu 07 Jan 16:00", "Thu 04 Feb 16:00"]
    assert starts(made, status="cancelled") == ["Thu 03 Dec 16:00"]
    assert any("has been cancelled" in r.plain_text() for r in chat.sent_to("ann"))
    assert chat.sent_to("bob") == []
    content = await series_ics(chat)
    parses_everywhere(content)
    assert "EXDATE;TZID=Europe/London:20261203T160000" in content.decode()
    assert expanded(content, datetime(2027, 3, 1, tzinfo=UTC)) == starts(made)


async def test_cancelling_the_rest_ends_the_series(app: App, chat: FakeAdapter) -> None:
    await create(chat, MONTHLY)
    await chat.say("teachmeet going 2", user="ann")
    await chat.say("teachmeet going 3", user="ann")
    await chat.say("teachmeet going 1", user="bob")
    done = await chat.say("teachmeet cancel 2 Funding ended scope=rest confirm=yes", user="org")
    assert "Cancelled #2 Digital leaders and the 2 later meetings" in done.plain_text()
    made = await meetings(app)
    assert starts(made) == ["Thu 05 Nov 16:00"]
    assert len([r for r in chat.sent_to("ann") if "cancelled from" in r.plain_text()]) == 1
    assert chat.sent_to("bob") == []
    owner = (await rows(app, TeachMeetSeries))[0]
    assert "UNTIL=20261203T155959Z" in owner.rule
    pending = Counter(w.kind for w in await rows(app, DueWork) if w.status == "pending")
    # the first meeting's; no more extending
    assert pending == {"teachmeet.reminder": 2, "teachmeet.followup": 1}
    content = await series_ics(chat, 1)
    assert expanded(content, datetime(2027, 6, 1, tzinfo=UTC)) == ["Thu 05 Nov 16:00"]


async def test_moving_one_meeting_overrides_it_alone(app: App, chat: FakeAdapter) -> None:
    await create(chat, MONTHLY)
    preview = await chat.say("teachmeet move 2 Friday 4 December 5pm", user="org")
    assert set(buttons(preview)) == {"Move this one", "Move this and later ones", "Change"}
    await press(chat, buttons(preview)["Move this one"])
    made = await meetings(app)
    assert starts(made) == ["Thu 05 Nov 16:00", "Fri 04 Dec 17:00", "Thu 07 Jan 16:00",
                            "Thu 04 Feb 16:00"]
    moved = next(m for m in made if m.id == 2)
    assert moved.recurrence_id == datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
    content = await series_ics(chat)
    parses_everywhere(content)
    assert "RECURRENCE-ID;TZID=Europe/London:20261203T160000" in content.decode()
    assert expanded(content, datetime(2027, 3, 1, tzinfo=UTC)) == starts(made)


async def test_moving_the_rest_keeps_their_answers(app: App, chat: FakeAdapter) -> None:
    await create(chat, MONTHLY)
    await chat.say("teachmeet going 3", user="ann")
    moved = await chat.say("teachmeet move 2 Wednesday 2 December 5pm scope=rest confirm=yes",
                           user="org")
    assert "now on the first Wednesday of every month at 17:00" in moved.plain_text()
    made = await meetings(app)
    assert starts(made) == ["Thu 05 Nov 16:00", "Wed 02 Dec 17:00", "Wed 06 Jan 17:00",
                            "Wed 03 Feb 17:00"]
    assert await answers(app, 3) == {"ann": "going"}
    assert [m.series_id for m in made] == [1, 2, 2, 2]
    told = [r.plain_text() for r in chat.sent_to("ann")]
    assert len(told) == 1 and "first Wednesday of every month" in told[0]
    reminders = {w.key: w.due_at for w in await rows(app, DueWork)
                 if w.kind == "teachmeet.reminder"}
    assert reminders["teachmeet:3:reminder:60"] == datetime(2027, 1, 6, 16, 0, tzinfo=UTC)
    for meet_id in (1, 2):
        parses_everywhere(await series_ics(chat, meet_id))
    listed = sorted(expanded(await series_ics(chat, 1), datetime(2027, 3, 1, tzinfo=UTC))
                    + expanded(await series_ics(chat, 2), datetime(2027, 3, 1, tzinfo=UTC)))
    assert listed == sorted(starts(made))


async def test_more_meetings_are_made_as_time_passes(app: App, chat: FakeAdapter,
                                                     clock: FakeClock) -> None:
    await create(chat, MONTHLY)
    await chat.say("teachmeet going 1", user="ann")
    clock.set(datetime(2027, 1, 1, 9, 0, tzinfo=UTC))  # when the series asked to be extended
    assert await app.scheduler.run_due() >= 1
    made = await meetings(app)
    assert starts(made)[-3:] == ["Thu 04 Feb 16:00", "Thu 04 Mar 16:00", "Thu 01 Apr 16:00"]
    assert made[-1].starts_at == datetime(2027, 4, 1, 15, 0, tzinfo=UTC)  # 16:00 BST
    assert await app.scheduler.run_due() == 0
    keys = [w.key for w in await rows(app, DueWork) if w.key.endswith(":reminder:60")]
    assert f"teachmeet:{made[-1].id}:reminder:60" in keys
    content = await series_ics(chat)
    assert expanded(content, datetime(2027, 4, 30, tzinfo=UTC)) == starts(made)


async def test_a_weekly_series_until_a_date_stops_there(app: App, chat: FakeAdapter) -> None:
    await create(chat, "teachmeet create Coding club weekly on Wednesdays 16:00 until "
                       "16 December")
    made = await meetings(app)
    assert [m.starts_at.date() for m in made] == [date(2026, 11, 4) + timedelta(weeks=i)
                                                   for i in range(7)]
    assert not [w for w in await rows(app, DueWork) if w.kind == "teachmeet.series"]
    content = await series_ics(chat)
    parses_everywhere(content)
    assert expanded(content, datetime(2027, 6, 1, tzinfo=UTC)) == starts(made)


async def test_changing_the_rest_of_the_series_without_moving_it(app: App,
                                                                 chat: FakeAdapter) -> None:
    await create(chat, MONTHLY)
    asked = await chat.say('teachmeet edit 3 venue="Room 4"', user="org")
    assert set(buttons(asked)) == {"Change this one", "Change this and later ones"}
    await press(chat, buttons(asked)["Change this and later ones"])
    made = await meetings(app)
    assert [m.venue for m in made] == ["", "", "Room 4", "Room 4"]
    assert starts(made)[2:] == ["Thu 07 Jan 16:00", "Thu 04 Feb 16:00"]


async def test_forgetting_the_organiser_removes_the_series(app: App, chat: FakeAdapter) -> None:
    await create(chat, MONTHLY)
    await chat.say("teachmeet going 2", user="ann")
    from bot.teachmeets.privacy import export_teachmeets, forget_teachmeets

    async with app.db.unit_of_work() as session:
        org = (await session.execute(select(TeachMeet.organiser_id))).scalars().first()
        exported = await export_teachmeets(session, org)
        assert [s["rule"] for s in exported["series"]] == ["FREQ=MONTHLY;BYDAY=1TH"]
        await forget_teachmeets(session, org)
    assert await meetings(app) == [] and await rows(app, TeachMeetSeries) == []
    assert [w for w in await rows(app, DueWork) if w.status == "pending"] == []


async def test_a_series_starting_beyond_the_horizon_has_its_first_meeting(
        app: App, chat: FakeAdapter) -> None:
    await create(chat, "teachmeet create Summer school every Monday 4pm from 6 September 2027")
    made = await meetings(app)
    assert starts(made) == ["Mon 06 Sep 16:00"]
    assert [w.kind for w in await rows(app, DueWork)].count("teachmeet.series") == 1
