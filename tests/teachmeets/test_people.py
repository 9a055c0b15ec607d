"""RSVPs (buttons and commands), the waitlist, presenter slots and the draw."""

from __future__ import annotations

import random

from bot.app import App
from bot.testing import MODERATOR, FakeAdapter
from storage.models import TeachMeetTalk
from tests.teachmeets.support import answers, create, rows, snapshot


async def test_rsvp_buttons_and_commands(app: App, chat: FakeAdapter) -> None:
    await create(chat)
    card = await chat.say("teachmeet show 1", user="ann")
    going, maybe, not_going = card.blocks[0].buttons[:3]
    assert not (await chat.press(going.command, dict(going.args), user="ann")).is_error
    assert not (await chat.press(maybe.command, dict(maybe.args), user="bob")).is_error
    assert not (await chat.press(not_going.command, dict(not_going.args),
                                 user="cat")).is_error
    assert await answers(app) == {"ann": "going", "bob": "maybe", "cat": "not_going"}
    await chat.say("teachmeet rsvp 1 not going", user="ann")
    await chat.say("teachmeet rsvp 1 yes", user="bob")
    await chat.say("teachmeet maybe 1", user="cat")
    assert await answers(app) == {"ann": "not_going", "bob": "going", "cat": "maybe"}
    again = await chat.say("teachmeet going 1", user="bob")
    assert not again.is_error and again.plain_text().startswith("Already noted")


async def test_waitlist_and_promotion_with_notice(app: App, chat: FakeAdapter) -> None:
    await create(chat)  # capacity 2
    await chat.say("teachmeet going 1", user="ann")
    await chat.say("teachmeet going 1", user="bob")
    full = await chat.say("teachmeet going 1", user="cat")
    assert "waitlist (number 1)" in full.plain_text()
    second = await chat.press("teachmeet rsvp", {"id": 1, "answer": "going"}, user="dan")
    assert "waitlist (number 2)" in second.plain_text()
    assert await answers(app) == {"ann": "going", "bob": "going", "cat": "waitlist",
                                  "dan": "waitlist"}
    # a maybe does not take a place
    await chat.say("teachmeet maybe 1", user="eve")
    await chat.say("teachmeet not going 1", user="bob")
    assert await answers(app) == {"ann": "going", "bob": "not_going", "cat": "going",
                                  "dan": "waitlist", "eve": "maybe"}
    notices = [r.plain_text() for r in chat.sent_to("cat")]
    assert len(notices) == 1 and "a place opened up" in notices[0]
    assert chat.sent_to("dan") == []
    # someone on the waitlist stepping back frees nothing
    await chat.say("teachmeet maybe 1", user="dan")
    assert chat.sent_to("dan") == []
    await chat.say("teachmeet going 1", user="bob")
    assert (await answers(app))["bob"] == "waitlist"


async def test_present_withdraw_and_running_order(app: App, chat: FakeAdapter) -> None:
    await create(chat)  # 2 nano, 1 micro (6 min), 1 soapbox
    claimed = await chat.say("teachmeet present 1 micro Podcasting with year 5", user="ann")
    assert "micro, 6 min" in claimed.plain_text()
    full = await chat.say("teachmeet present 1 micro Another micro", user="bob")
    assert full.is_error and "All 1 micro slots at #1 are taken" in full.plain_text()
    twice = await chat.say("teachmeet present 1 nano Second talk", user="ann")
    assert twice.is_error and "already presenting" in twice.plain_text()
    await chat.say("teachmeet present 1 nanos Padlet walls", user="bob")
    await chat.say("teachmeet present 1 soapbox Screens off", user="cat")
    talks = await rows(app, TeachMeetTalk)
    assert [(t.kind, t.title, t.minutes) for t in talks] == [
        ("micro", "Podcasting with year 5", 6), ("nano", "Padlet walls", 2),
        ("soapbox", "Screens off", 15)]
    withdrawn = await chat.say("teachmeet withdraw 1", user="ann")
    assert not withdrawn.is_error
    none_left = await chat.say("teachmeet withdraw 1", user="ann")
    assert none_left.is_error and "no talk" in none_left.plain_text()
    assert not (await chat.say("teachmeet present 1 micro Second go", user="dan")).is_error
    shown = (await chat.say("teachmeet show 1", user="eve")).plain_text()
    assert shown.index("Padlet walls") < shown.index("Screens off") < shown.index("Second go")
    assert "Podcasting" not in shown


async def test_draw_picks_each_presenter_once_in_random_order(app: App,
                                                              chat: FakeAdapter) -> None:
    await create(chat)
    empty = await chat.say("teachmeet draw 1", user="org")
    assert empty.is_error and "Nobody has claimed a slot" in empty.plain_text()
    for user, kind, title in (("ann", "nano", "Alpha"), ("bob", "nano", "Bravo"),
                              ("cat", "micro", "Charlie"), ("dan", "soapbox", "Delta")):
        await chat.say(f"teachmeet present 1 {kind} {title}", user=user)
    refused = await chat.say("teachmeet draw 1", user="ann")
    assert refused.is_error and "Only the organiser" in refused.plain_text()

    app.services.rng = random.Random(7)
    expected = random.Random(7)
    pool = ["Alpha", "Bravo", "Charlie", "Delta"]
    order = []
    for _ in range(4):
        pick = expected.choice(pool)
        pool.remove(pick)
        order.append(pick)
    drawn = []
    for turn in range(4):
        reply = await chat.say("teachmeet draw 1", user="org" if turn % 2 else MODERATOR)
        assert not reply.is_error and reply.visibility == "channel"
        drawn.append(next(t for t in ("Alpha", "Bravo", "Charlie", "Delta")
                          if t in reply.plain_text()))
    assert drawn == order
    done = await chat.say("teachmeet draw 1", user="org")
    assert done.is_error and "Everyone at #1 has been drawn" in done.plain_text()
    talks = {t.title: t.drawn for t in await rows(app, TeachMeetTalk)}
    assert sorted(talks.values()) == [1, 2, 3, 4]
    shown = (await chat.say("teachmeet show 1", user="eve")).plain_text()
    positions = [shown.index(f"{n}. {t}") for n, t in enumerate(order, 1)]
    assert positions == sorted(positions)


async def test_rsvp_and_present_refused_on_cancelled_event(app: App, chat: FakeAdapter) -> None:
    await create(chat)
    await chat.say("teachmeet going 1", user="ann")
    await chat.press("teachmeet cancel", {"id": 1, "confirm": True}, user="org")
    before = await snapshot(app)
    for text in ("teachmeet going 1", "teachmeet rsvp 1 maybe", "teachmeet not going 1",
                 "teachmeet present 1 nano Too late"):
        reply = await chat.say(text, user="bob")
        assert reply.is_error and "#1 (Autumn TeachMeet) has been cancelled" in \
            reply.plain_text(), text
    pressed = await chat.press("teachmeet rsvp", {"id": 1, "answer": "going"}, user="ann")
    assert pressed.is_error and "cancelled" in pressed.plain_text()
    assert await snapshot(app) == before


async def test_hidden_members_are_counted_not_named(app: App, chat: FakeAdapter) -> None:
    from tests.teachmeets.support import set_member

    await create(chat)
    await chat.say("teachmeet going 1", user="ann")
    await chat.say("teachmeet going 1", user="bob")
    await set_member(app, "bob", privacy="hidden")
    shown = (await chat.say("teachmeet show 1", user="cat")).plain_text()
    assert "Going: 2 of 2: ann (@ann), 1 other" in shown and "bob" not in shown
    own = (await chat.say("teachmeet show 1", user="bob")).plain_text()
    assert "ann (@ann), bob (@bob)" in own


async def test_simultaneous_answers_never_overfill(app: App, chat: FakeAdapter) -> None:
    """Two people take the last place at the same moment (say, on two copies of the bot):
    the second waits for the first to finish, then joins the waitlist."""
    import asyncio

    from bot.context import Context
    from bot.teachmeets.services import answer

    await create(chat)  # capacity 2
    for user in ("ann", "bob", "cat"):
        await chat.say("teachmeet show 1", user=user)  # known already
    await chat.say("teachmeet going 1", user="ann")

    answered, release = asyncio.Event(), asyncio.Event()

    async def going(user: str, *, hold: bool = False) -> str:
        async with app.db.sessions() as session, session.begin():
            ctx = Context(caller=chat.caller(user), services=app.services,
                          command="teachmeet going", session=session)
            reply = await answer(ctx, 1, "going")
            if hold:
                answered.set()
                await release.wait()  # still inside the transaction
        return reply.plain_text()

    first = asyncio.ensure_future(going("bob", hold=True))
    await answered.wait()
    second = asyncio.ensure_future(going("cat"))
    done, _ = await asyncio.wait({second}, timeout=0.5)
    assert not done  # cat waits for bob's answer to commit
    release.set()
    assert "You're going" in await first
    assert "waitlist" in await second
    assert await answers(app) == {"ann": "going", "bob": "going", "cat": "waitlist"}
