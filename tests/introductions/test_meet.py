"""`meet <topic>`: double opt-in requests, with expiry, declines, quotas and pauses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.testing import SPACE, FakeAdapter
from storage.models import AuditEntry, DueWork, MeetRequest
from tests.introductions.helpers import buttons, count, expert, set_fields

TOPIC = "chromebook rollout"


async def _setup(chat: FakeAdapter) -> None:
    await chat.say('intro name="Ann Jones" role="Computing lead" region=Camden', user="ann")
    await expert(chat, "bob", "Rolled out Chromebooks 1:1 in year 7", name="Bob Smith")
    chat.sent.clear()


async def _ask(chat: FakeAdapter, asker: str = "ann") -> int:
    """Run `meet`, press "Ask" for the first person; returns the new request's id."""
    listing = await chat.say(f"meet {TOPIC}", user=asker)
    assert not listing.is_error, listing.plain_text()
    ask = buttons(listing)[0]
    reply = await chat.press(ask.command, dict(ask.args), user=asker)
    assert not reply.is_error, reply.plain_text()
    request = buttons(chat.sent[-1][1])[0]
    return int(request.args["request"])


async def _status(app, request_id: int) -> str:
    async with app.db.sessions() as session:
        return (await session.get(MeetRequest, request_id)).status


async def test_request_is_private_and_opens_only_on_accept(app, chat) -> None:
    await _setup(chat)
    listing = await chat.say(f"meet {TOPIC}", user="ann")
    assert "Bob Smith" in listing.plain_text() and "Chromebooks 1:1" in listing.plain_text()
    [ask] = buttons(listing)
    assert (ask.label, ask.command) == ("Ask Bob Smith", "meet-ask")
    await chat.press(ask.command, dict(ask.args), user="ann")
    [(destination, request)] = chat.sent
    assert destination.user_id == "bob"
    assert ("Ann Jones, a computing lead in Camden, would like to hear about your "
            f"{TOPIC}") in request.plain_text()
    assert [b.label for b in buttons(request)] == ["Accept", "Decline", "Not now"]
    assert chat.groups == []

    accept = buttons(request)[0]
    reply = await chat.press(accept.command, dict(accept.args), user="bob")
    assert not reply.is_error, reply.plain_text()
    assert chat.groups == [(SPACE, ["ann", "bob"])]
    assert "agreed to talk" in chat.sent[-1][1].plain_text()
    assert await _status(app, int(accept.args["request"])) == "accepted"
    assert await count(app, DueWork, DueWork.kind == "meet-expire",
                       DueWork.status == "cancelled") == 1
    again = await chat.press(accept.command, dict(accept.args), user="bob")
    assert again.is_error and "already answered" in again.plain_text()


async def test_only_the_asked_expert_can_answer(app, chat) -> None:
    await _setup(chat)
    request_id = await _ask(chat)
    for user in ("cat", "ann"):  # a crafted press by anyone else, including the asker
        forged = await chat.press("meet-answer", {"request": request_id, "answer": "accept"},
                                  user=user)
        assert forged.is_error and "Only the person who was asked" in forged.plain_text()
    assert await _status(app, request_id) == "pending"
    assert chat.groups == []
    assert await count(app, AuditEntry, AuditEntry.action == "refused") == 2
    missing = await chat.press("meet-answer", {"request": 999, "answer": "accept"}, user="bob")
    assert missing.is_error and "no meet request #999" in missing.plain_text()


async def test_decline_reads_as_not_available(app, chat) -> None:
    await _setup(chat)
    request_id = await _ask(chat)
    reply = await chat.press("meet-answer", {"request": request_id, "answer": "decline"},
                             user="bob")
    assert not reply.is_error
    assert await _status(app, request_id) == "declined"
    [told] = chat.sent_to("ann")
    assert "not available right now" in told.plain_text()
    assert "declin" not in told.plain_text().lower()
    assert chat.groups == []


async def test_not_now_keeps_the_request_open_and_reminds_once(app, chat, clock) -> None:
    await _setup(chat)
    asked_at = clock.now()
    request_id = await _ask(chat)
    later = await chat.press("meet-answer", {"request": request_id, "answer": "later"},
                             user="bob")
    assert not later.is_error and "I'll remind you on 05 November 2026" in later.plain_text()
    assert await _status(app, request_id) == "pending"
    assert chat.sent_to("ann") == []  # the asker is told nothing
    chat.sent.clear()
    clock.set(asked_at + timedelta(days=3) - timedelta(seconds=1))
    assert await app.scheduler.run_due() == 0
    clock.set(asked_at + timedelta(days=3))
    assert await app.scheduler.run_due() == 1
    [(to, reminder)] = chat.sent
    assert to.user_id == "bob" and reminder.plain_text().startswith("A reminder: Ann Jones")
    assert [b.label for b in buttons(reminder)] == ["Accept", "Decline", "Not now"]
    again = await chat.press("meet-answer", {"request": request_id, "answer": "later"},
                             user="bob")
    assert "won't remind you again" in again.plain_text()
    clock.advance(days=3)
    assert await app.scheduler.run_due() == 0  # reminded once, and only once
    # a later Accept still works
    accepted = await chat.press("meet-answer", {"request": request_id, "answer": "accept"},
                                user="bob")
    assert not accepted.is_error and await _status(app, request_id) == "accepted"
    assert chat.groups == [(SPACE, ["ann", "bob"])]


async def test_not_now_near_the_end_extends_the_request(app, chat, clock) -> None:
    await _setup(chat)
    asked_at = clock.now()
    request_id = await _ask(chat)
    clock.set(asked_at + timedelta(days=6))
    await chat.press("meet-answer", {"request": request_id, "answer": "later"}, user="bob")
    clock.set(asked_at + timedelta(days=7))  # the original expiry: still open
    assert await app.scheduler.run_due() == 0
    assert await _status(app, request_id) == "pending"
    clock.set(asked_at + timedelta(days=9))  # the reminder
    assert await app.scheduler.run_due() == 1
    assert "A reminder" in chat.sent[-1][1].plain_text()
    clock.set(asked_at + timedelta(days=10))  # a day after the reminder: expired
    assert await app.scheduler.run_due() == 1
    assert await _status(app, request_id) == "expired"
    assert "not available right now" in chat.sent_to("ann")[-1].plain_text()


async def test_the_expert_can_answer_by_typing(app, chat, clock) -> None:
    await _setup(chat)
    request_id = await _ask(chat)
    later = await chat.say("not now", user="bob")
    assert "I'll remind you" in later.plain_text()
    clock.advance(days=3)
    await app.scheduler.run_due()  # the reminder asks again
    accepted = await chat.say("Yes, happy to!", user="bob")
    assert not accepted.is_error and "opened a conversation" in accepted.plain_text()
    assert await _status(app, request_id) == "accepted"
    second = await _ask(chat, "cat")
    declined = await chat.say("no thanks", user="bob")
    assert not declined.is_error and "not available right now" in declined.plain_text()
    assert await _status(app, second) == "declined"


async def test_meet_requests_lists_what_waits(app, chat) -> None:
    await _setup(chat)
    empty = await chat.say("meet requests", user="bob")
    assert "No meet requests are waiting" in empty.plain_text()
    await _ask(chat)
    mine = await chat.say("meet requests", user="bob")
    assert "From Ann Jones: “chromebook rollout”" in mine.plain_text()
    assert [b.label for b in buttons(mine)] == ["Accept", "Decline", "Not now"]
    theirs = await chat.say("my meet requests", user="ann")
    assert "To Bob Smith: “chromebook rollout”" in theirs.plain_text()
    assert buttons(theirs) == []


async def test_request_expires_exactly_on_time(app, chat, clock) -> None:
    await _setup(chat)
    asked_at = clock.now()
    request_id = await _ask(chat)
    clock.set(asked_at + timedelta(days=7) - timedelta(seconds=1))
    assert await app.scheduler.run_due() == 0
    assert await _status(app, request_id) == "pending"
    clock.set(asked_at + timedelta(days=7))
    assert await app.scheduler.run_due() == 1
    assert await _status(app, request_id) == "expired"
    [told] = chat.sent_to("ann")
    assert "not available right now" in told.plain_text()
    late = await chat.press("meet-answer", {"request": request_id, "answer": "accept"},
                            user="bob")
    assert late.is_error and "expired" in late.plain_text()
    assert chat.groups == []


async def test_expiry_is_also_checked_when_the_expert_answers(app, chat, clock) -> None:
    await _setup(chat)
    asked_at = clock.now()
    request_id = await _ask(chat)
    clock.set(asked_at + timedelta(days=7))  # due, but the scheduler has not run yet
    late = await chat.press("meet-answer", {"request": request_id, "answer": "accept"},
                            user="bob")
    assert not late.is_error and "expired" in late.plain_text()
    assert chat.groups == []
    assert await _status(app, request_id) == "expired"
    assert len(chat.sent_to("ann")) == 1
    assert await app.scheduler.run_due() == 0  # the planned expiry was cancelled: told once
    assert len(chat.sent_to("ann")) == 1


async def test_answer_just_before_expiry_counts(app, chat, clock) -> None:
    await _setup(chat)
    request_id = await _ask(chat)
    clock.advance(days=7, seconds=-1)
    reply = await chat.press("meet-answer", {"request": request_id, "answer": "accept"},
                             user="bob")
    assert not reply.is_error
    assert await _status(app, request_id) == "accepted"


async def test_monthly_limit(app, chat, clock) -> None:
    await _setup(chat)
    clock.set(datetime(2026, 11, 30, 12, tzinfo=UTC))
    for asker in ("ann", "cat", "dan"):
        await _ask(chat, asker)
    full = await chat.say(f"meet {TOPIC}", user="eve")
    assert full.is_error and "not available right now" in full.plain_text()
    forged = await chat.press("meet-ask", {"member": "bob", "topic": TOPIC}, user="eve")
    assert forged.is_error and "not available right now" in forged.plain_text()
    assert await count(app, MeetRequest) == 3
    clock.set(datetime(2026, 12, 1, 0, tzinfo=UTC))  # a new month
    await _ask(chat, "eve")
    assert await count(app, MeetRequest) == 4


async def test_pause_and_resume(app, chat) -> None:
    await _setup(chat)
    assert not (await chat.say("meet pause", user="bob")).is_error
    paused = await chat.say(f"meet {TOPIC}", user="ann")
    assert paused.is_error and "not available right now" in paused.plain_text()
    forged = await chat.press("meet-ask", {"member": "bob", "topic": TOPIC}, user="ann")
    assert forged.is_error
    assert await count(app, MeetRequest) == 0
    await chat.say("meet resume", user="bob")
    await _ask(chat)
    assert await count(app, MeetRequest) == 1


async def test_bad_meet_input_changes_nothing(app, chat) -> None:
    await _setup(chat)
    await _ask(chat)
    chat.sent.clear()
    cases = [
        ("meet underwater basket weaving", "ann", "Nobody has logged"),
        ("meet", "ann", "Topic is missing"),
        (f"meet {TOPIC}", "bob", "Only you have logged"),
    ]
    for text, user, expected in cases:
        reply = await chat.say(text, user=user)
        assert reply.is_error and expected in reply.plain_text(), (text, reply.plain_text())
    presses = [
        ({"member": "bob", "topic": TOPIC}, "ann", "already asked"),
        ({"member": "bob", "topic": TOPIC}, "bob", "can't ask yourself"),
        ({"member": "ghost", "topic": TOPIC}, "ann", "can't find"),
    ]
    for args, user, expected in presses:
        reply = await chat.press("meet-ask", args, user=user)
        assert reply.is_error and expected in reply.plain_text(), (args, reply.plain_text())
    bad = await chat.press("meet-answer", {"request": 1, "answer": "maybe"}, user="bob")
    assert bad.is_error and "must be one of" in bad.plain_text()
    assert await count(app, MeetRequest) == 1
    assert chat.sent == []


async def test_hidden_expert_is_never_offered(app, chat) -> None:
    await _setup(chat)
    await set_fields(app, "bob", privacy="hidden")
    reply = await chat.say(f"meet {TOPIC}", user="ann")
    assert reply.is_error and "Bob" not in reply.plain_text()
    forged = await chat.press("meet-ask", {"member": "bob", "topic": TOPIC}, user="ann")
    assert forged.is_error and "can't find" in forged.plain_text()
    assert chat.sent == []


async def test_asking_again_after_an_unprocessed_expiry(app, chat, clock) -> None:
    await _setup(chat)
    first = await _ask(chat)
    clock.advance(days=7)
    second = await _ask(chat)
    assert second != first
    assert await _status(app, first) == "expired"
    assert await _status(app, second) == "pending"
    assert await app.scheduler.run_due() == 0  # the first expiry was cancelled


async def test_an_expert_who_cannot_be_messaged_is_never_counted_as_asked(app, chat) -> None:
    """The platform refuses the DM for good (a Discord member blocking DMs from server
    members, a deactivated Slack account): the asker hears so and what to do instead, and
    no request is left pending that the expert never saw."""
    await _setup(chat)
    chat.refused["bob"] = "They don't accept direct messages from server members."
    listing = await chat.say(f"meet {TOPIC}", user="ann")
    ask = buttons(listing)[0]
    reply = await chat.press(ask.command, dict(ask.args), user="ann")
    text = reply.plain_text()
    assert reply.tone == "warning" and "I've asked" not in text
    assert ("I couldn't ask Bob Smith privately: They don't accept direct messages from "
            "server members. Nothing was sent") in text
    assert f"`meet {ask.args['topic']}`" in text
    assert chat.sent == []
    assert await count(app, MeetRequest) == 0
    assert await count(app, DueWork, DueWork.kind == "meet-expire",
                       DueWork.status == "pending") == 0
    # nothing blocks asking again once they can be reached
    del chat.refused["bob"]
    again = await chat.press(ask.command, dict(ask.args), user="ann")
    assert "I've asked Bob Smith privately" in again.plain_text()
    assert await count(app, MeetRequest) == 1


async def test_the_asker_picks_by_number_or_name(app, chat) -> None:
    await _setup(chat)
    await chat.say("done Ran a Chromebook rollout for a MAT", user="cat")
    listing = await chat.say(f"meet {TOPIC}", user="ann")
    assert "say its number or the name" in listing.plain_text()
    first = buttons(listing)[0].args["member"]
    asked = await chat.say("1", user="ann")
    assert not asked.is_error and "I've asked" in asked.plain_text()
    assert chat.sent[-1][0].user_id == first
    await chat.say(f"meet {TOPIC}", user="dan")
    by_name = await chat.say("Bob please", user="dan")
    assert "I've asked Bob Smith privately" in by_name.plain_text()
