"""See it before it's saved: create and move show what was understood and change nothing
(and tell nobody) until confirmed; unclear times are asked about with the readings as
buttons; duplicate and over-capacity warnings. The clock says Mon 2 Nov 2026 09:00 UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import App
from bot.replies import Actions, Button, Reply
from bot.testing import FakeAdapter, FakeClock
from storage.models import DueWork, PendingAction, TeachMeet
from storage.repositories.pending import PendingRepository
from tests.teachmeets.support import answers, create, meet, rows, snapshot

SENTENCE = "teachmeet create Autumn TeachMeet Thursday 4pm at Cardiff Library capacity=30"


def buttons(reply: Reply) -> dict[str, Button]:
    return {b.label: b for block in reply.blocks if isinstance(block, Actions)
            for b in block.buttons}


async def press(chat: FakeAdapter, button: Button, user: str = "org") -> Reply:
    return await chat.press(button.command, dict(button.args), user=user)


async def test_create_shows_a_preview_saves_nothing_then_creates_once(
        app: App, chat: FakeAdapter) -> None:
    before = await snapshot(app)
    preview = await chat.say(SENTENCE, user="org")
    text = preview.plain_text()
    assert not preview.is_error and preview.visibility == "private"
    assert "Create this teach-meet? Nothing is saved or announced" in text
    assert "Thu 05 Nov 2026, 16:00–18:00 GMT" in text
    assert "2 hours (the usual length: none was given" in text
    assert "Cardiff Library" in text and "Places: 30" in text
    assert await snapshot(app) == before and chat.sent == []
    assert set(buttons(preview)) == {"Create", "Change"}
    created = await press(chat, buttons(preview)["Create"])
    assert not created.is_error and created.visibility == "channel", created.plain_text()
    assert created.plain_text().startswith("New teach-meet #1: Autumn TeachMeet")
    event = await meet(app)
    assert (event.starts_at, event.capacity, event.venue) == (
        datetime(2026, 11, 5, 16, 0, tzinfo=UTC), 30, "Cardiff Library")
    assert len(await rows(app, DueWork)) == 3  # its reminders and its follow-up
    again = await press(chat, buttons(preview)["Create"])
    assert again.is_error and "expired or was already answered" in again.plain_text()
    assert len(await rows(app, TeachMeet)) == 1


async def test_a_typed_length_is_not_called_the_usual_one(app: App, chat: FakeAdapter) -> None:
    preview = await chat.say("teachmeet create Short one Thursday 4-5.30pm", user="org")
    text = preview.plain_text()
    assert "16:00–17:30 GMT" in text and "Length: 1 hour 30 minutes" in text
    assert "usual length" not in text


async def test_the_preview_keeps_the_time_it_showed_whatever_the_clock_says_later(
        app: App, chat: FakeAdapter, clock: FakeClock) -> None:
    preview = await chat.say("teachmeet create Soon tomorrow at 4", user="org")
    assert "Tue 03 Nov 2026, 16:00" in preview.plain_text()
    clock.set(datetime(2026, 11, 3, 0, 30, tzinfo=UTC))  # after midnight: "tomorrow" moved on
    await press(chat, buttons(preview)["Create"])
    assert (await meet(app)).starts_at == datetime(2026, 11, 3, 16, 0, tzinfo=UTC)


async def test_change_opens_the_form_with_what_was_read(app: App, chat: FakeAdapter) -> None:
    preview = await chat.say(SENTENCE, user="org")
    opened = await press(chat, buttons(preview)["Change"])
    assert opened.form is not None and opened.form.command == "teachmeet create"
    values = {f.name: f.initial for f in opened.form.fields}
    assert values == {"title": "Autumn TeachMeet", "start": "Thu 5 Nov 2026 16:00 Europe/London",
                      "where": "Cardiff Library", "capacity": "30", "slots": "none"}
    values["start"] = "Thu 5 Nov 2026 17:00-18:30"
    again = await chat.press("teachmeet create", values, user="org")
    assert "17:00–18:30 GMT" in again.plain_text() and await rows(app, TeachMeet) == []
    await press(chat, buttons(again)["Create"])
    assert (await meet(app)).duration_minutes == 90
    # opening the form left the first preview answerable: it still creates
    late = await press(chat, buttons(preview)["Create"])
    assert not late.is_error and len(await rows(app, TeachMeet)) == 2


async def test_an_old_button_never_answers_a_newer_preview(app: App,
                                                          chat: FakeAdapter) -> None:
    first = await chat.say("teachmeet create First one Thursday 4pm", user="org")
    await press(chat, buttons(first)["Create"])
    second = await chat.say("teachmeet create Second one Friday 4pm", user="org")
    assert buttons(second)["Create"].args != buttons(first)["Create"].args
    stale = await press(chat, buttons(first)["Create"])
    assert stale.is_error and "already answered" in stale.plain_text()
    assert [m.title for m in await rows(app, TeachMeet)] == ["First one"]


async def test_someone_else_cannot_answer_my_preview(app: App, chat: FakeAdapter) -> None:
    preview = await chat.say(SENTENCE, user="org")
    stolen = await press(chat, buttons(preview)["Create"], user="mallory")
    assert stolen.is_error and "someone else's" in stolen.plain_text()
    assert await rows(app, TeachMeet) == []
    assert not (await press(chat, buttons(preview)["Create"])).is_error


async def test_a_preview_expires_after_a_day(app: App, chat: FakeAdapter,
                                             clock: FakeClock) -> None:
    preview = await chat.say("teachmeet create Later one 20/11 4pm", user="org")
    clock.advance(hours=25)
    late = await press(chat, buttons(preview)["Create"])
    assert late.is_error and "expired" in late.plain_text()
    assert await rows(app, TeachMeet) == []


async def test_unclear_times_are_asked_with_the_readings_as_buttons(
        app: App, chat: FakeAdapter) -> None:
    asked = await chat.say("teachmeet create Breakfast briefing Friday at 8 at the library",
                           user="org")
    assert "in the morning or the evening (08:00 or 20:00)" in asked.plain_text()
    choices = buttons(asked)
    assert list(choices) == ["Fri 6 Nov 08:00 GMT", "Fri 6 Nov 20:00 GMT"]
    assert await rows(app, TeachMeet) == []
    preview = await press(chat, choices["Fri 6 Nov 08:00 GMT"])
    assert "Fri 06 Nov 2026, 08:00–10:00 GMT" in preview.plain_text()
    assert "the library" in preview.plain_text()
    await press(chat, buttons(preview)["Create"])
    event = await meet(app)
    assert (event.title, event.starts_at, event.venue) == (
        "Breakfast briefing", datetime(2026, 11, 6, 8, 0, tzinfo=UTC), "the library")


async def test_a_pending_preview_is_the_callers_latest_action(app: App,
                                                              chat: FakeAdapter) -> None:
    """What a typed "yes" (a later, general mechanism) would answer: the caller's latest
    pending action, holding the exact command and arguments the Create button runs."""
    preview = await chat.say(SENTENCE, user="org")
    async with app.db.sessions() as session:
        latest = await PendingRepository(session).latest(
            platform="fake", space_id="T-TEST", user_id="org", now=app.services.clock.now())
    assert latest is not None and latest.command == "teachmeet create"
    assert latest.args["start"] == "2026-11-05T16:00+00:00 Europe/London"
    assert buttons(preview)["Create"].args == {"pending": latest.id, "confirm": True}
    assert len(await rows(app, PendingAction)) == 1


async def test_typing_confirm_yes_creates_without_a_preview(app: App,
                                                            chat: FakeAdapter) -> None:
    done = await chat.say(SENTENCE + " confirm=yes", user="org")
    assert done.plain_text().startswith("New teach-meet #1")


async def test_a_likely_duplicate_is_pointed_out(app: App, chat: FakeAdapter) -> None:
    await create(chat, SENTENCE)
    preview = await chat.say("teachmeet create autumn teachmeet Thursday 6pm at Cardiff "
                             "library", user="org")
    assert "Warning: #1 “Autumn TeachMeet” is already on that day at Cardiff Library" in \
        preview.plain_text()
    assert preview.tone == "warning"
    elsewhere = await chat.say("teachmeet create Autumn TeachMeet Thursday 6pm at Swansea",
                               user="org")
    assert "Warning" not in elsewhere.plain_text()


async def test_a_move_tells_nobody_until_it_is_confirmed(app: App, chat: FakeAdapter) -> None:
    await create(chat, SENTENCE)
    await chat.say("teachmeet going 1", user="ann")
    await chat.say("teachmeet maybe 1", user="bob")
    chat.sent.clear()
    before = await snapshot(app)
    preview = await chat.say("teachmeet move 1 Friday 5-7pm", user="org")
    text = preview.plain_text()
    assert "Move #1 Autumn TeachMeet? Nobody is told until you confirm; then 2 people" in text
    assert "Thu 05 Nov 2026, 16:00–18:00 GMT → Fri 06 Nov 2026, 17:00–19:00 GMT" in text
    assert chat.sent == [] and await snapshot(app) == before
    moved = await press(chat, buttons(preview)["Move"])
    assert not moved.is_error and "2 people who signed up have been told" in moved.plain_text()
    event = await meet(app)
    assert event.starts_at == datetime(2026, 11, 6, 17, 0, tzinfo=UTC)
    for user in ("ann", "bob"):
        assert any("has moved" in r.plain_text() for r in chat.sent_to(user)), user
    reminders = {w.key: w.due_at for w in await rows(app, DueWork)}
    assert reminders["teachmeet:1:reminder:60"] == datetime(2026, 11, 6, 16, 0, tzinfo=UTC)


async def test_a_move_can_be_changed_in_a_form_before_it_is_confirmed(
        app: App, chat: FakeAdapter) -> None:
    await create(chat, SENTENCE)
    preview = await chat.say("teachmeet move 1 Friday 5pm", user="org")
    opened = await press(chat, buttons(preview)["Change"])
    assert opened.form is not None and opened.form.command == "teachmeet move"
    assert dict(opened.form.hidden) == {"id": 1}
    again = await chat.press("teachmeet move", {"id": 1, "start": "Friday 6pm"}, user="org")
    assert "Fri 06 Nov 2026, 18:00–20:00 GMT" in again.plain_text()
    await press(chat, buttons(again)["Move"])
    assert (await meet(app)).starts_at == datetime(2026, 11, 6, 18, 0, tzinfo=UTC)


async def test_an_unclear_move_is_asked_and_moves_nothing(app: App, chat: FakeAdapter) -> None:
    await create(chat, SENTENCE)
    await chat.say("teachmeet going 1", user="ann")
    chat.sent.clear()
    before = await snapshot(app)
    asked = await chat.say("teachmeet move 1 next Thursday at 4pm", user="org")
    assert "“next Thursday” could be" in asked.plain_text()
    assert await snapshot(app) == before and chat.sent == []
    preview = await press(chat, buttons(asked)["Thu 12 Nov 16:00 GMT"])
    assert "→ Thu 12 Nov 2026, 16:00–18:00 GMT" in preview.plain_text()
    await press(chat, buttons(preview)["Move"])
    assert (await meet(app)).starts_at == datetime(2026, 11, 12, 16, 0, tzinfo=UTC)
    assert any("has moved" in r.plain_text() for r in chat.sent_to("ann"))


async def test_lowering_capacity_below_those_going_warns(app: App, chat: FakeAdapter) -> None:
    await create(chat, SENTENCE)
    for user in ("ann", "bob", "cat"):
        await chat.say("teachmeet going 1", user=user)
    reply = await chat.say("teachmeet edit 1 capacity=2", user="org")
    assert reply.tone == "warning"
    assert "3 people are already going, more than the 2 places" in reply.plain_text()
    assert await answers(app) == {"ann": "going", "bob": "going", "cat": "going"}
    await chat.say("teachmeet not going 1", user="ann")
    await chat.say("teachmeet going 1", user="dan")
    assert (await answers(app))["dan"] == "waitlist"
