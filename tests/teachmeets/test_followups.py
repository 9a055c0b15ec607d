"""After a teach-meet: presenters invited to add their talk, attendees asked what they'll
try — once each, never for a cancelled event, answered only by the one invited."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from bot.app import App
from bot.replies import Actions, Button, Reply
from bot.testing import FakeAdapter, FakeClock
from scheduled import Scheduler
from storage.models import DoneEntry, TeachMeetFollowup
from tests.teachmeets.support import create, move, rows

ENDS = datetime(2026, 11, 10, 18, 0, tzinfo=UTC)  # 16:00 London (GMT) for 2 hours


def buttons(reply: Reply) -> list[Button]:
    return [b for block in reply.blocks if isinstance(block, Actions) for b in block.buttons]


def invitations(chat: FakeAdapter, user: str) -> list[Reply]:
    return [r for r in chat.sent_to(user) if "Thanks for" in r.plain_text()]


async def signed_up(chat: FakeAdapter) -> None:
    await create(chat)
    await chat.say("teachmeet going 1", user="ann")
    await chat.say("teachmeet present 1 micro Podcasting with year 5", user="cat")
    await chat.say("teachmeet maybe 1", user="bob")
    chat.sent.clear()


async def test_presenter_invited_after_the_end_and_one_click_adds_the_talk(
        app: App, chat: FakeAdapter, clock: FakeClock) -> None:
    await signed_up(chat)
    clock.set(ENDS - timedelta(seconds=1))
    await app.scheduler.run_due()
    assert invitations(chat, "cat") == []
    clock.set(ENDS)
    await app.scheduler.run_due()
    [invite] = invitations(chat, "cat")
    assert "Podcasting with year 5" in invite.plain_text()
    assert invitations(chat, "bob") == []  # only "going" attendees are asked
    add = buttons(invite)[0]
    assert add.label == "Add to my profile"
    reply = await chat.press(add.command, dict(add.args), user="cat")
    assert not reply.is_error, reply.plain_text()
    assert "talk at Autumn TeachMeet (#1)" in reply.plain_text()
    [entry] = await rows(app, DoneEntry)
    assert (entry.summary, entry.teachmeet_id, entry.link) == ("Podcasting with year 5", 1, "")
    listed = (await chat.say("done list", user="cat")).plain_text()
    assert "Podcasting with year 5 (2026) — talk at Autumn TeachMeet (#1)" in listed
    assert "talk at Autumn TeachMeet" in (await chat.say("profile cat", user="ann")).plain_text()
    assert "talk at Autumn TeachMeet" in (await chat.say("whodone podcasting",
                                                         user="ann")).plain_text()
    # a slides link afterwards, through the same invitation
    slides = await chat.press("teachmeet addtalk", {"invite": add.args["invite"],
                                                    "slides": "example.org/podcasts"},
                              user="cat")
    assert "slides link" in slides.plain_text(), slides.plain_text()
    [entry] = await rows(app, DoneEntry)
    assert entry.link == "https://example.org/podcasts"


async def test_typed_yes_answers_the_invitation(app: App, chat: FakeAdapter,
                                                clock: FakeClock) -> None:
    await signed_up(chat)
    clock.set(ENDS)
    await app.scheduler.run_due()
    reply = await chat.say("yes", user="cat", direct=True)
    assert "Added to your profile" in reply.plain_text(), reply.plain_text()
    assert len(await rows(app, DoneEntry)) == 1


async def test_slides_link_given_with_the_talk(app: App, chat: FakeAdapter,
                                               clock: FakeClock) -> None:
    await signed_up(chat)
    clock.set(ENDS)
    await app.scheduler.run_due()
    [invite] = invitations(chat, "cat")
    form_button = buttons(invite)[1]
    form = await chat.press(form_button.command, dict(form_button.args), user="cat")
    assert form.form is not None and form.form.fields[0].name == "slides"
    done = await chat.press(form.form.command, {**form.form.hidden,
                                                "slides": "https://example.org/s"},
                            user="cat")
    assert not done.is_error, done.plain_text()
    [entry] = await rows(app, DoneEntry)
    assert (entry.link, entry.teachmeet_id) == ("https://example.org/s", 1)


async def test_bad_presses_get_specific_answers_and_change_nothing(
        app: App, chat: FakeAdapter, clock: FakeClock) -> None:
    await signed_up(chat)
    clock.set(ENDS)
    await app.scheduler.run_due()
    [invite] = invitations(chat, "cat")
    args = dict(buttons(invite)[0].args)
    other = await chat.press("teachmeet addtalk", args, user="ann")
    assert other.is_error and "sent to someone else" in other.plain_text()
    missing = await chat.press("teachmeet addtalk", {"invite": 99}, user="cat")
    assert missing.is_error and "no talk invitation #99" in missing.plain_text()
    wrong_kind = await chat.press("teachmeet try", {"invite": args["invite"], "text": "x"},
                                  user="cat")
    assert wrong_kind.is_error and "no teach-meet follow-up" in wrong_kind.plain_text()
    assert await rows(app, DoneEntry) == []
    assert not (await chat.press("teachmeet addtalk", args, user="cat")).is_error
    before = [(e.id, e.summary, e.link) for e in await rows(app, DoneEntry)]
    twice = await chat.press("teachmeet addtalk", args, user="cat")
    assert twice.is_error and "already on your profile as #1" in twice.plain_text()
    assert [(e.id, e.summary, e.link) for e in await rows(app, DoneEntry)] == before


async def test_expired_invitation_changes_nothing(app: App, chat: FakeAdapter,
                                                  clock: FakeClock) -> None:
    await signed_up(chat)
    clock.set(ENDS)
    await app.scheduler.run_due()
    [invite] = invitations(chat, "cat")
    clock.advance(days=31)
    late = await chat.press("teachmeet addtalk", dict(buttons(invite)[0].args), user="cat")
    assert late.is_error and "expired" in late.plain_text()
    assert await rows(app, DoneEntry) == []
    [row] = await rows(app, TeachMeetFollowup, TeachMeetFollowup.role == "presenter")
    assert row.status == "sent"


async def test_cancelled_event_sends_nothing(app: App, chat: FakeAdapter,
                                             clock: FakeClock) -> None:
    await signed_up(chat)
    await chat.say("teachmeet cancel 1 confirm=yes", user="org")
    chat.sent.clear()
    clock.set(ENDS + timedelta(hours=1))
    await app.scheduler.run_due()
    assert chat.sent == []
    assert await rows(app, TeachMeetFollowup) == []


async def test_moved_event_follows_up_at_its_new_end(app: App, chat: FakeAdapter,
                                                     clock: FakeClock) -> None:
    await signed_up(chat)
    await move(chat, 1, "2026-11-12 16:00")
    chat.sent.clear()
    clock.set(ENDS)
    await app.scheduler.run_due()
    assert invitations(chat, "cat") == []
    clock.set(ENDS + timedelta(days=2))
    await app.scheduler.run_due()
    assert len(invitations(chat, "cat")) == 1


async def test_two_copies_invite_each_presenter_once(app: App, chat: FakeAdapter,
                                                     clock: FakeClock) -> None:
    from bot.teachmeets.commands import CAPABILITY

    await signed_up(chat)
    other = Scheduler(app.services, owner="second-copy")
    assert CAPABILITY.schedule is not None
    CAPABILITY.schedule(other)
    clock.set(ENDS)
    await asyncio.gather(app.scheduler.run_due(), other.run_due())
    await asyncio.gather(app.scheduler.run_due(), other.run_due())
    assert len(invitations(chat, "cat")) == 1
    assert len(invitations(chat, "ann")) == 1
    assert len(await rows(app, TeachMeetFollowup)) == 2


async def test_attendee_notes_what_they_will_try(app: App, chat: FakeAdapter,
                                                 clock: FakeClock) -> None:
    await signed_up(chat)
    clock.set(ENDS)
    await app.scheduler.run_due()
    [ask] = invitations(chat, "ann")
    button = buttons(ask)[0]
    form = await chat.press(button.command, dict(button.args), user="ann")
    assert form.form is not None
    saved = await chat.press(form.form.command, {**form.form.hidden,
                                                 "text": "Podcasts for homework"}, user="ann")
    assert "you'll try “Podcasts for homework”" in saved.plain_text(), saved.plain_text()
    typed = await chat.say(f"teachmeet try {button.args['invite']} Podcasts in assembly",
                           user="ann")
    assert "Updated" in typed.plain_text(), typed.plain_text()
    [row] = await rows(app, TeachMeetFollowup, TeachMeetFollowup.role == "attendee")
    assert (row.teachmeet_id, row.takeaway) == (1, "Podcasts in assembly")
    nosy = await chat.press("teachmeet try", {"invite": row.id, "text": "x"}, user="cat")
    assert nosy.is_error and "someone else" in nosy.plain_text()
    data = json.loads((await chat.say("mydata", user="ann")).attachment.content)
    assert "Podcasts in assembly" in json.dumps(data)
    await chat.say("forgetme confirm=yes", user="ann")
    assert await rows(app, TeachMeetFollowup, TeachMeetFollowup.role == "attendee") == []


async def test_forgetting_the_organiser_keeps_the_talk_entry(app: App, chat: FakeAdapter,
                                                             clock: FakeClock) -> None:
    await signed_up(chat)
    clock.set(ENDS)
    await app.scheduler.run_due()
    await chat.say("yes", user="cat", direct=True)
    data = json.loads((await chat.say("mydata", user="cat")).attachment.content)
    assert '"teachmeet_id": 1' in json.dumps(data)
    await chat.say("forgetme confirm=yes", user="org")
    [entry] = await rows(app, DoneEntry)
    assert entry.teachmeet_id is None
    assert "talk at" not in (await chat.say("done list", user="cat")).plain_text()


async def test_migration_down_and_up_keeps_entries_and_their_search(
        app: App, chat: FakeAdapter, clock: FakeClock) -> None:
    """0022 adds done_entries.teachmeet_id without copying the table (a batch copy would
    drop the old table and, with foreign keys on, its search rows)."""
    from alembic import command

    from tests.storage.test_migrations import migrate

    await signed_up(chat)
    await chat.say("done Podcast club for year 6", user="ann")
    clock.set(ENDS)
    await app.scheduler.run_due()
    await chat.say("yes", user="cat", direct=True)
    await migrate(app, command.downgrade, "0015_linking_shelves")
    await migrate(app, command.upgrade, "head")
    entries = await rows(app, DoneEntry)
    assert [(e.summary, e.teachmeet_id) for e in entries] == [
        ("Podcast club for year 6", None), ("Podcasting with year 5", None)]
    found = (await chat.say("whodone podcast", user="bob")).plain_text()
    assert "Podcast club for year 6" in found and "Podcasting with year 5" in found
