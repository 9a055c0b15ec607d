"""Pairing check-ins: "Did you meet?" a week after a round, and what the answers do to the
next round (unmet pairs offered again, silent members paused)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.introductions.pairing import plan_round
from bot.replies import Actions, Button, Reply
from bot.testing import FakeAdapter
from storage.models import IntroductionPrefs, PairingCheckin, PairingMatch
from tests.introductions.helpers import count, member

NOVEMBER = datetime(2026, 11, 1, 9, tzinfo=UTC)
DECEMBER = datetime(2026, 12, 1, 9, tzinfo=UTC)
JANUARY = datetime(2027, 1, 1, 9, tzinfo=UTC)


def checkins(chat: FakeAdapter, user: str) -> list[Reply]:
    return [r for r in chat.sent_to(user) if r.plain_text().startswith("Did you meet")]


def answer_button(reply: Reply, label: str) -> Button:
    return next(b for block in reply.blocks if isinstance(block, Actions)
                for b in block.buttons if b.label == label)


async def _round(app, clock, when: datetime) -> None:
    clock.set(when)
    await plan_round(app.services)
    await app.scheduler.run_due()


async def _groups(app) -> list[frozenset[int]]:
    async with app.db.sessions() as session:
        matches = list(await session.scalars(select(PairingMatch).order_by(PairingMatch.id)))
    return [frozenset(m for m in (x.first_id, x.second_id, x.third_id) if m) for x in matches]


async def _opt_in(chat: FakeAdapter, users: list[str]) -> None:
    for user in users:
        assert not (await chat.say("pairing on", user=user)).is_error


async def test_checkin_a_week_after_and_answers_recorded(app, chat, clock) -> None:
    await _opt_in(chat, ["ann", "bob"])
    await _round(app, clock, NOVEMBER)
    chat.sent.clear()
    clock.set(NOVEMBER + timedelta(days=7) - timedelta(minutes=1))
    await app.scheduler.run_due()
    assert checkins(chat, "ann") == []
    clock.set(NOVEMBER + timedelta(days=7))
    await app.scheduler.run_due()
    [ann_asked], [bob_asked] = checkins(chat, "ann"), checkins(chat, "bob")
    assert "Did you meet ann?" in bob_asked.plain_text()
    assert "Did you meet bob?" in ann_asked.plain_text()
    await app.scheduler.run_due()
    assert len(checkins(chat, "ann")) == 1  # once
    yes = answer_button(ann_asked, "Yes")
    reply = await chat.press(yes.command, dict(yes.args), user="ann")
    assert "glad you met" in reply.plain_text()
    typed = await chat.say("not yet", user="bob", direct=True)
    assert "may pair you again" in typed.plain_text(), typed.plain_text()
    async with app.db.sessions() as session:
        answers = sorted(c.answer for c in await session.scalars(select(PairingCheckin)))
    assert answers == ["not_yet", "yes"]
    status = (await chat.say("pairing status", user="ann")).plain_text()
    assert "paired once" in status and "Met (from the check-ins): 1 of 1." in status
    data = json.loads((await chat.say("mydata", user="ann")).attachment.content)
    [mine] = data["introductions"]["pairing_checkins"]
    assert mine["answer"] == "yes"


async def test_bad_checkin_answers_change_nothing(app, chat, clock) -> None:
    await _opt_in(chat, ["ann", "bob"])
    await _round(app, clock, NOVEMBER)
    clock.set(NOVEMBER + timedelta(days=7))
    await app.scheduler.run_due()
    [asked] = checkins(chat, "ann")
    yes = answer_button(asked, "Yes")
    nosy = await chat.press(yes.command, dict(yes.args), user="bob")
    assert nosy.is_error and "someone else" in nosy.plain_text()
    missing = await chat.press("pairing-checkin", {"checkin": 99, "answer": "yes"}, user="ann")
    assert missing.is_error and "no pairing check-in #99" in missing.plain_text()
    assert not (await chat.press(yes.command, dict(yes.args), user="ann")).is_error
    again = await chat.press(yes.command, {**yes.args, "answer": "skip"}, user="ann")
    assert again.is_error and "already answered this check-in (yes)" in again.plain_text()
    [bob_asked] = checkins(chat, "bob")
    clock.advance(days=8)
    late = await chat.press("pairing-checkin", {**answer_button(bob_asked, "Yes").args},
                            user="bob")
    assert late.is_error and "closed" in late.plain_text()
    async with app.db.sessions() as session:
        answers = {c.member_id: c.answer for c in await session.scalars(select(PairingCheckin))}
    bob = await member(app, "bob")
    assert answers[bob.id] is None and sorted(answers.values(), key=str) == [None, "yes"]


async def test_pairs_that_never_met_are_offered_again(app, chat, clock) -> None:
    # ann wants to learn what bob has done, so they are the best pair whenever allowed
    await chat.say('intro name=Ann learn="podcasting"', user="ann")
    await chat.say("done Ran a school podcast club", user="bob")
    await _opt_in(chat, ["ann", "bob", "cat", "dan"])
    await _round(app, clock, NOVEMBER)
    ann, bob = await member(app, "ann"), await member(app, "bob")
    first = await _groups(app)
    assert frozenset((ann.id, bob.id)) in first
    clock.set(NOVEMBER + timedelta(days=7))
    await app.scheduler.run_due()
    for user in ("ann", "bob", "cat", "dan"):
        [asked] = checkins(chat, user)
        button = answer_button(asked, "Not yet")
        assert not (await chat.press(button.command, dict(button.args), user=user)).is_error
    await _round(app, clock, DECEMBER)
    second = (await _groups(app))[len(first):]
    assert frozenset((ann.id, bob.id)) in second  # re-offered: they never met


async def test_pairs_that_met_are_not_repeated(app, chat, clock) -> None:
    await chat.say('intro name=Ann learn="podcasting"', user="ann")
    await chat.say("done Ran a school podcast club", user="bob")
    await _opt_in(chat, ["ann", "bob", "cat", "dan"])
    await _round(app, clock, NOVEMBER)
    clock.set(NOVEMBER + timedelta(days=7))
    await app.scheduler.run_due()
    [asked] = checkins(chat, "ann")
    button = answer_button(asked, "Yes")
    await chat.press(button.command, dict(button.args), user="ann")
    await _round(app, clock, DECEMBER)
    ann, bob = await member(app, "ann"), await member(app, "bob")
    assert (await _groups(app))[2:].count(frozenset((ann.id, bob.id))) == 0


async def test_two_silent_checkins_pause_pairing_and_say_how_to_resume(app, chat, clock) -> None:
    await _opt_in(chat, ["ann", "bob", "cat", "dan"])
    february = datetime(2027, 2, 1, 9, tzinfo=UTC)
    for when in (NOVEMBER, DECEMBER):
        await _round(app, clock, when)
        clock.set(when + timedelta(days=7))
        await app.scheduler.run_due()
        for user in ("ann", "bob", "cat"):  # dan never answers
            asked = checkins(chat, user)[-1]
            button = answer_button(asked, "Skip")
            assert not (await chat.press(button.command, dict(button.args),
                                         user=user)).is_error
    chat.sent.clear()
    await _round(app, clock, JANUARY)
    dan = await member(app, "dan")
    third = (await _groups(app))[4:]
    assert all(dan.id not in group for group in third)
    [told] = chat.sent_to("dan")
    assert "paused your peer pairing" in told.plain_text()
    assert "`pairing on`" in told.plain_text()
    async with app.db.sessions() as session:
        prefs = await session.get(IntroductionPrefs, dan.id)
    assert prefs.pairing_paused_until is not None and prefs.pairing_paused_until > JANUARY
    # resuming counts from then on: the old silence does not pause them again
    await chat.say("pairing on", user="dan")
    chat.sent.clear()
    before = len(await _groups(app))
    await _round(app, clock, february)
    assert any(dan.id in group for group in (await _groups(app))[before:])
    assert not any("paused" in r.plain_text() for r in chat.sent_to("dan"))


async def test_two_copies_ask_each_member_once(app, chat, clock) -> None:
    from bot.introductions import schedule
    from scheduled import Scheduler

    other = Scheduler(app.services, owner="second-copy")
    schedule(other)
    await _opt_in(chat, ["ann", "bob", "cat"])
    await _round(app, clock, NOVEMBER)
    chat.sent.clear()
    clock.set(NOVEMBER + timedelta(days=7))
    await asyncio.gather(app.scheduler.run_due(), other.run_due())
    await asyncio.gather(app.scheduler.run_due(), other.run_due())
    assert sorted(d.user_id for d, r in chat.sent
                  if r.plain_text().startswith("Did you meet")) == ["ann", "bob", "cat"]
    assert await count(app, PairingCheckin) == 3


async def test_forgetme_removes_checkins(app, chat, clock) -> None:
    await _opt_in(chat, ["ann", "bob"])
    await _round(app, clock, NOVEMBER)
    clock.set(NOVEMBER + timedelta(days=7))
    await app.scheduler.run_due()
    await chat.say("forgetme confirm=yes", user="ann")
    assert await count(app, PairingCheckin) == 0
