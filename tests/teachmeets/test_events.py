"""Creating, listing, showing, editing, moving and cancelling teach-meets, through the core."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import App
from bot.replies import Section
from bot.testing import MODERATOR, FakeAdapter, FakeClock
from storage.models import DueWork, TeachMeet
from tests.teachmeets.support import (
    CREATE,
    confirmed,
    create,
    meet,
    move,
    rows,
    set_member,
    snapshot,
)

KIND = "teachmeet.reminder"


async def reminder_times(app: App) -> dict[str, datetime]:
    return {w.key: w.due_at for w in await rows(app, DueWork, DueWork.kind == KIND,
                                                DueWork.status == "pending")}


async def test_create_with_key_values_stores_utc_and_plans_reminders(app: App,
                                                                     chat: FakeAdapter) -> None:
    reply = await create(chat)
    assert reply.visibility == "channel"
    text = reply.plain_text()
    assert "#1 Autumn TeachMeet" in text and "Tue 10 Nov 2026, 16:00–18:00 GMT" in text
    event = await meet(app)
    assert event.starts_at == datetime(2026, 11, 10, 16, 0, tzinfo=UTC)
    assert (event.duration_minutes, event.timezone, event.venue, event.region,
            event.capacity) == (120, "Europe/London", "Cardiff Central Library", "Wales", 2)
    assert event.slots == [{"type": "nano", "count": 2, "minutes": 2},
                           {"type": "micro", "count": 1, "minutes": 6},
                           {"type": "soapbox", "count": 1, "minutes": 15}]
    assert event.channel_id == "C-GENERAL"
    assert await reminder_times(app) == {
        "teachmeet:1:reminder:1440": datetime(2026, 11, 9, 16, 0, tzinfo=UTC),
        "teachmeet:1:reminder:60": datetime(2026, 11, 10, 15, 0, tzinfo=UTC)}


async def test_summer_time_is_converted(app: App, chat: FakeAdapter) -> None:
    await create(chat, 'teachmeet create Summer meet start="2027-07-01 16:00 Europe/London"')
    assert (await meet(app)).starts_at == datetime(2027, 7, 1, 15, 0, tzinfo=UTC)


async def test_create_in_natural_language(app: App, chat: FakeAdapter) -> None:
    await create(chat, "teachmeet create Year 7 TeachMeet next Tuesday 4pm for 90m at "
                       "Cardiff Central Library in Wales capacity=30")
    event = await meet(app)
    assert event.title == "Year 7 TeachMeet"
    # the clock says Monday 2 Nov 2026 09:00 UTC; the network's zone is Europe/London;
    # "next Tuesday" said on a Monday is the one in the following week (README convention 9)
    assert event.starts_at == datetime(2026, 11, 10, 16, 0, tzinfo=UTC)
    assert (event.duration_minutes, event.venue, event.region, event.capacity) == (
        90, "Cardiff Central Library", "Wales", 30)


async def test_relative_dates_use_the_members_time_zone(app: App, chat: FakeAdapter) -> None:
    await chat.say("profile", user="org")
    await set_member(app, "org", timezone="America/New_York", region="Boston")
    await create(chat, "teachmeet create Remote meet tomorrow 4pm at https://meet.example.org/x")
    event = await meet(app)
    assert event.timezone == "America/New_York"
    assert event.starts_at == datetime(2026, 11, 3, 21, 0, tzinfo=UTC)  # 16:00 EST
    assert (event.online_url, event.venue, event.region) == ("https://meet.example.org/x", "",
                                                             "Boston")
    # shown in each reader's own zone
    assert "16:00–18:00 EST" in (await chat.say("teachmeet show 1", user="org")).plain_text()
    shown = (await chat.say("teachmeet show 1", user="ann")).plain_text()
    assert "21:00–23:00 GMT" in shown and "arranged in America/New_York" in shown


async def test_create_without_details_offers_a_form_that_creates(app: App,
                                                                 chat: FakeAdapter) -> None:
    reply = await chat.say("teachmeet create", user="org")
    assert reply.form is not None and reply.form.command == "teachmeet create"
    assert [f.name for f in reply.form.fields] == ["title", "start", "where", "capacity",
                                                   "slots"]
    assert await rows(app, TeachMeet) == []
    submitted = await chat.press("teachmeet create", {
        "title": "Form meet", "start": "2026-11-20 18:00 for 1h30", "where": "Room 4",
        "capacity": "", "slots": "3 nano"}, user="org")
    assert not submitted.is_error, submitted.plain_text()
    assert await rows(app, TeachMeet) == []  # a preview first
    create_button = submitted.blocks[-1].buttons[0]
    assert create_button.label == "Create"
    created = await chat.press(create_button.command, dict(create_button.args), user="org")
    assert not created.is_error, created.plain_text()
    event = await meet(app)
    assert (event.title, event.duration_minutes, event.venue, event.capacity) == (
        "Form meet", 90, "Room 4", None)
    assert event.slots == [{"type": "nano", "count": 3, "minutes": 2}]


async def test_list_by_region_skips_cancelled_and_finished(app: App, chat: FakeAdapter,
                                                           clock: FakeClock) -> None:
    await create(chat)
    await create(chat, 'teachmeet create Kent meet start="2026-11-05 10:00" region=Kent')
    await create(chat, 'teachmeet create Gone start="2026-11-06 10:00" region=Kent')
    await chat.press("teachmeet cancel", {"id": 3, "confirm": True}, user="org")
    listed = (await chat.say("teachmeet list", user="ann")).plain_text()
    assert "#1 Autumn" in listed and "#2 Kent meet" in listed and "Gone" not in listed
    assert listed.index("#2 Kent") < listed.index("#1 Autumn")  # soonest first
    kent = (await chat.say("teachmeet list kent", user="ann")).plain_text()
    assert "#2 Kent meet" in kent and "Autumn" not in kent
    clock.set(datetime(2026, 11, 7, 9, 0, tzinfo=UTC))
    later = (await chat.say("teachmeets", user="ann")).plain_text()
    assert "Kent meet" not in later and "#1 Autumn" in later
    empty = await chat.say("teachmeet list Narnia", user="ann")
    assert "No teach-meets coming up in Narnia" in empty.plain_text()


async def test_card_shows_people_slots_and_buttons(app: App, chat: FakeAdapter) -> None:
    await create(chat)
    await chat.say("teachmeet going 1", user="ann")
    await chat.say("teachmeet maybe 1", user="bob")
    await chat.say("teachmeet present 1 nano Padlet walls", user="cat")
    card = await chat.say("teachmeet show #1", user="ann")
    section = next(b for b in card.blocks if isinstance(b, Section))
    fields = {f.label: f.value for f in section.fields}
    assert fields["Going"] == "1 of 2: ann (@ann)"
    assert fields["Maybe"] == "bob (@bob)"
    assert "nano (2 min): 1/2 taken" in fields["Presenter slots"]
    assert "Padlet walls — cat (nano, 2 min)" in fields["Running order"]
    assert section.footer == "You're going."
    assert [(b.command, dict(b.args)) for b in section.buttons][:3] == [
        ("teachmeet rsvp", {"id": 1, "answer": "going"}),
        ("teachmeet rsvp", {"id": 1, "answer": "maybe"}),
        ("teachmeet rsvp", {"id": 1, "answer": "not_going"})]


async def test_edit_by_organiser_and_moderator_only(app: App, chat: FakeAdapter) -> None:
    await create(chat)
    await chat.say("teachmeet going 1", user="ann")
    before = await snapshot(app)
    refused = await chat.say("teachmeet edit 1 capacity=50", user="mallory")
    assert refused.is_error and "Only the organiser of teach-meet #1 or a moderator" in \
        refused.plain_text()
    assert await snapshot(app) == before
    edited = await chat.say('teachmeet edit 1 where="Room 2, Cardiff Library" duration=3h',
                            user="org")
    assert not edited.is_error, edited.plain_text()
    event = await meet(app)
    assert (event.venue, event.duration_minutes, event.sequence) == (
        "Room 2, Cardiff Library", 180, 1)
    assert any("has changed: length, venue" in r.plain_text() for r in chat.sent_to("ann"))
    by_moderator = await chat.say("teachmeet edit 1 New name", user=MODERATOR)
    assert not by_moderator.is_error, by_moderator.plain_text()
    assert (await meet(app)).title == "New name"
    form = await chat.say("teachmeet edit 1", user="org")
    assert form.form is not None and dict(form.form.hidden) == {"id": 1}


async def test_raising_capacity_promotes_the_waitlist(app: App, chat: FakeAdapter) -> None:
    await create(chat)
    for user in ("ann", "bob", "cat", "dan"):
        await chat.say("teachmeet going 1", user=user)
    await chat.say("teachmeet edit 1 capacity=3", user="org")
    from tests.teachmeets.support import answers

    assert await answers(app) == {"ann": "going", "bob": "going", "cat": "going",
                                  "dan": "waitlist"}
    assert any("a place opened up" in r.plain_text() for r in chat.sent_to("cat"))
    assert not any("a place opened up" in r.plain_text() for r in chat.sent_to("dan"))


async def test_slots_cannot_shrink_below_claimed_talks(app: App, chat: FakeAdapter) -> None:
    await create(chat)
    await chat.say("teachmeet present 1 nano One", user="ann")
    await chat.say("teachmeet present 1 nano Two", user="bob")
    before = await snapshot(app)
    refused = await chat.say('teachmeet edit 1 slots="1 nano"', user="org")
    assert refused.is_error and "2 nano talks are already claimed" in refused.plain_text()
    assert await snapshot(app) == before


async def test_move_replans_reminders_and_tells_everyone(app: App, chat: FakeAdapter) -> None:
    await create(chat)
    await chat.say("teachmeet going 1", user="ann")
    await chat.say("teachmeet present 1 micro Coding club", user="bob")
    moved = await move(chat, 1, "2026-11-12 17:30")
    assert not moved.is_error, moved.plain_text()
    event = await meet(app)
    assert event.starts_at == datetime(2026, 11, 12, 17, 30, tzinfo=UTC)
    assert event.sequence == 1
    assert await reminder_times(app) == {
        "teachmeet:1:reminder:1440": datetime(2026, 11, 11, 17, 30, tzinfo=UTC),
        "teachmeet:1:reminder:60": datetime(2026, 11, 12, 16, 30, tzinfo=UTC)}
    for user in ("ann", "bob"):
        assert any("has moved: it was Tue 10 Nov 2026, 16:00" in r.plain_text()
                   for r in chat.sent_to(user)), user
    assert chat.sent_to("org") == []


async def test_moderator_may_move_and_cancel(app: App, chat: FakeAdapter) -> None:
    await create(chat)
    await move(chat, 1, "2026-11-11 16:00", user=MODERATOR)
    done = await chat.press("teachmeet cancel", {"id": 1, "confirm": True}, user=MODERATOR)
    assert not done.is_error and (await meet(app)).status == "cancelled"


async def test_cancel_asks_first_then_tells_everyone(app: App, chat: FakeAdapter) -> None:
    await create(chat)
    await chat.say("teachmeet going 1", user="ann")
    await chat.say("teachmeet maybe 1", user="bob")
    await chat.say("teachmeet not going 1", user="cat")
    await chat.say("teachmeet present 1 soapbox Why we ditched homework", user="dan")
    before = await snapshot(app)
    asked = await chat.say("teachmeet cancel 1 Venue flooded", user="org")
    assert asked.tone == "warning" and "3 people who signed up will be told" in \
        asked.plain_text()
    button = asked.blocks[-1].buttons[0]
    assert button.style == "danger" and button.confirm
    assert dict(button.args) == {"id": 1, "confirm": True, "reason": "Venue flooded"}
    assert await snapshot(app) == before  # asking changed nothing

    done = await chat.press(button.command, dict(button.args), user="org")
    assert not done.is_error, done.plain_text()
    assert "2 reminders will not go out" in done.plain_text()
    event = await meet(app)
    assert (event.status, event.cancel_reason, event.sequence) == (
        "cancelled", "Venue flooded", 1)
    assert await reminder_times(app) == {}
    for user in ("ann", "bob", "dan"):
        assert any("has been cancelled. Reason: Venue flooded" in r.plain_text()
                   for r in chat.sent_to(user)), user
    assert chat.sent_to("cat") == []
    assert any(d.channel_id == "C-GENERAL" and "cancelled" in r.plain_text()
               for d, r in chat.sent)
    again = await chat.press(button.command, dict(button.args), user="org")
    assert again.is_error and "already cancelled" in again.plain_text()


async def test_create_uses_announcements_channel_from_a_dm(app: App, chat: FakeAdapter) -> None:
    from bot.events import Caller, TextMessage

    caller = Caller(platform="fake", space_id="T-TEST", user_id="org", channel_id="D1",
                    is_direct=True)
    reply = await chat.core.handle_text(TextMessage(caller, confirmed(CREATE)))
    assert not reply.is_error
    assert (await meet(app)).channel_id == "C-NEWS"


async def test_edit_form_round_trip_changes_only_what_was_edited(app: App,
                                                                 chat: FakeAdapter) -> None:
    await create(chat, 'teachmeet create Hybrid start="2026-11-10 16:00" venue="Room 1" '
                       'link=https://meet.example.org/h capacity=10 slots="2 nano"')
    form = (await chat.say("teachmeet edit 1", user="org")).form
    assert form is not None
    values = {f.name: f.initial for f in form.fields} | dict(form.hidden)
    unchanged = await chat.press(form.command, values, user="org")
    assert "Nothing changed" in unchanged.plain_text()
    values["capacity"] = "12"
    values["where"] = "https://meet.example.org/new"
    saved = await chat.press(form.command, values, user="org")
    assert not saved.is_error, saved.plain_text()
    event = await meet(app)
    assert (event.capacity, event.venue, event.online_url, event.sequence) == (
        12, "Room 1", "https://meet.example.org/new", 1)
    assert event.starts_at == datetime(2026, 11, 10, 16, 0, tzinfo=UTC)
