"""An organiser's `forgetme`: each upcoming teach-meet passes to a moderator of its space
(every RSVP and talk kept, the moderator told) or, with no moderator who uses Staffroom, is
cancelled with the normal notice to everyone signed up; the confirmation says which."""

from __future__ import annotations

import json

from bot.app import App
from bot.testing import MODERATOR, FakeAdapter
from storage.models import Member, TeachMeet, TeachMeetRsvp, TeachMeetTalk
from tests.teachmeets.support import create, rows

SIGNED_UP = ("ann", "bob")


async def organiser_with_attendees(chat: FakeAdapter) -> None:
    await create(chat)  # #1, 10 November, capacity 2, organised by "org"
    for user in SIGNED_UP:
        assert not (await chat.say("teachmeet going 1", user=user)).is_error
    assert not (
        await chat.say("teachmeet present 1 nano Podcasting with year 5", user="cat")
    ).is_error


async def member_named(app: App, name: str) -> Member:
    found = [m for m in await rows(app, Member) if m.name == name]
    assert len(found) == 1, name
    return found[0]


async def test_handed_to_a_moderator_with_every_rsvp_kept(app: App, chat: FakeAdapter) -> None:
    await organiser_with_attendees(chat)
    assert not (await chat.say('intro name="Mo Derator" region=Wales', user=MODERATOR)).is_error
    asked = (await chat.say("forgetme", user="org")).plain_text()
    assert "#1 Autumn TeachMeet" in asked
    assert "passes to Mo Derator (a moderator) with its 3 sign-ups" in asked, asked
    chat.sent.clear()

    done = await chat.say("yes", user="org")
    assert not done.is_error and "passes to Mo Derator" in done.plain_text(), done.plain_text()
    mo = await member_named(app, "Mo Derator")
    [meet] = await rows(app, TeachMeet)
    assert meet.organiser_id == mo.id and meet.status == "scheduled"
    assert len(await rows(app, TeachMeetRsvp)) == 2 and len(await rows(app, TeachMeetTalk)) == 1
    assert not [m for m in await rows(app, Member) if m.handle.startswith("org")]
    # the new organiser is told and can run it; nobody signed up is told it is off
    told = " ".join(r.plain_text() for r in chat.sent_to(MODERATOR))
    assert "#1 Autumn TeachMeet" in told and "keeps their place" in told
    assert not any("cancelled" in r.plain_text() for _, r in chat.sent)
    moved = await chat.say("teachmeet edit 1 capacity=30", user=MODERATOR)
    assert not moved.is_error, moved.plain_text()
    # an attendee's own record of it is still theirs
    mine = await chat.say("mydata", user="ann")
    assert mine.attachment is not None
    data = json.loads(mine.attachment.content)
    assert [r["teachmeet_id"] for r in data["teachmeets"]["rsvps"]] == [meet.id]


async def test_cancelled_with_the_normal_notice_when_no_moderator_can_take_it(
    app: App, chat: FakeAdapter
) -> None:
    await organiser_with_attendees(chat)  # the configured moderator never used Staffroom
    asked = (await chat.say("forgetme", user="org")).plain_text()
    assert "#1 Autumn TeachMeet" in asked
    assert "cancelled; the 3 people signed up are told" in asked, asked
    chat.sent.clear()

    done = await chat.say("forgetme confirm=yes", user="org")
    assert not done.is_error, done.plain_text()
    for user in (*SIGNED_UP, "cat"):
        notices = [r.plain_text() for r in chat.sent_to(user)]
        assert any(
            "Autumn TeachMeet" in n
            and "has been cancelled" in n
            and "The organiser has left Staffroom." in n
            for n in notices
        ), (user, notices)
    assert not chat.sent_to("org")
    assert await rows(app, TeachMeet) == []  # nobody is left who may run it


async def test_no_teach_meets_no_lines(app: App, chat: FakeAdapter) -> None:
    asked = (await chat.say("forgetme", user="ann")).plain_text()
    assert "teach-meets" not in asked
