"""Reminders through the scheduler: once each, across restarts, moves and cancels."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from adapters.console import ConsoleAdapter
from bot.app import App
from bot.notifier import Destination
from bot.replies import Reply
from bot.testing import FakeAdapter, FakeClock
from storage.models import DueWork
from tests.teachmeets.support import create, move, rows, set_member

DAY_BEFORE = datetime(2026, 11, 9, 16, 0, tzinfo=UTC)
HOUR_BEFORE = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)


def reminders(chat: FakeAdapter) -> list[tuple[str, str]]:
    return [(d.user_id or f"#{d.channel_id}", r.plain_text()) for d, r in chat.sent
            if r.plain_text().startswith("Reminder:")]


async def signed_up(chat: FakeAdapter) -> None:
    await create(chat)
    await chat.say("teachmeet going 1", user="ann")
    await chat.say("teachmeet maybe 1", user="bob")
    await chat.say("teachmeet present 1 micro Podcasting", user="cat")
    chat.sent.clear()


async def test_each_reminder_goes_once_to_channel_attendees_and_presenters(
        app: App, chat: FakeAdapter, clock: FakeClock) -> None:
    await signed_up(chat)
    clock.set(DAY_BEFORE - timedelta(seconds=1))
    assert await app.scheduler.run_due() == 0
    clock.set(DAY_BEFORE)
    assert await app.scheduler.run_due() == 1
    sent = reminders(chat)
    assert sorted(who for who, _ in sent) == ["#C-GENERAL", "ann", "cat"]
    assert all("starts in about 24 hours" in text for _, text in sent)
    assert "You're presenting “Podcasting”" in dict(sent)["cat"]
    assert await app.scheduler.run_due() == 0
    clock.set(HOUR_BEFORE + timedelta(minutes=5))
    assert await app.scheduler.run_due() == 1
    assert len(reminders(chat)) == 6
    clock.advance(days=1)
    assert await app.scheduler.run_due() == 1  # the follow-up after it ends, not a reminder
    assert len(reminders(chat)) == 6
    statuses = {w.key: w.status for w in await rows(app, DueWork)}
    assert statuses == {"teachmeet:1:reminder:1440": "done",
                        "teachmeet:1:reminder:60": "done", "teachmeet:1:followup": "done"}


async def test_reminder_dms_use_each_readers_time_zone(app: App, chat: FakeAdapter,
                                                       clock: FakeClock) -> None:
    await signed_up(chat)
    await set_member(app, "ann", timezone="Asia/Tokyo")
    clock.set(DAY_BEFORE)
    await app.scheduler.run_due()
    sent = dict(reminders(chat))
    assert "Wed 11 Nov 2026, 01:00–03:00 JST" in sent["ann"]
    assert "Tue 10 Nov 2026, 16:00–18:00 GMT" in sent["#C-GENERAL"]


async def test_moved_event_fires_only_new_reminders(app: App, chat: FakeAdapter,
                                                    clock: FakeClock) -> None:
    await signed_up(chat)
    clock.set(DAY_BEFORE)
    assert await app.scheduler.run_due() == 1  # the 1-day reminder went
    await move(chat, 1, "2026-11-12 16:00")
    chat.sent.clear()
    clock.set(HOUR_BEFORE)  # the old 1-hour time
    assert await app.scheduler.run_due() == 0
    assert reminders(chat) == []
    clock.set(datetime(2026, 11, 11, 16, 0, tzinfo=UTC))  # the new 1-day time
    assert await app.scheduler.run_due() == 1
    clock.set(datetime(2026, 11, 12, 15, 0, tzinfo=UTC))
    assert await app.scheduler.run_due() == 1
    assert len(reminders(chat)) == 6
    assert all("Thu 12 Nov" in text for _, text in reminders(chat))


async def test_move_closer_cancels_reminders_already_past(app: App, chat: FakeAdapter,
                                                          clock: FakeClock) -> None:
    await signed_up(chat)
    await move(chat, 1, "2026-11-02 12:00")  # 3 hours from now
    pending = {w.key: w.status for w in await rows(app, DueWork)}
    assert pending == {"teachmeet:1:reminder:1440": "cancelled",
                       "teachmeet:1:reminder:60": "pending", "teachmeet:1:followup": "pending"}
    clock.set(datetime(2026, 11, 2, 11, 0, tzinfo=UTC))
    assert await app.scheduler.run_due() == 1
    assert len(reminders(chat)) == 3


async def test_cancelled_event_sends_no_reminders(app: App, chat: FakeAdapter,
                                                  clock: FakeClock) -> None:
    await signed_up(chat)
    await chat.press("teachmeet cancel", {"id": 1, "confirm": True}, user="org")
    for when in (DAY_BEFORE, HOUR_BEFORE):
        clock.set(when)
        assert await app.scheduler.run_due() == 0
    assert reminders(chat) == []


async def test_due_while_down_is_sent_within_grace_else_dropped(
        app: App, chat: FakeAdapter, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    await signed_up(chat)
    # the bot was down from before the 1-day reminder until 20 minutes after it
    clock.set(DAY_BEFORE + timedelta(minutes=20))
    assert await app.scheduler.run_due() == 1
    assert len(reminders(chat)) == 3
    # ... and down again past the 1-hour reminder by more than the 30-minute grace
    clock.set(HOUR_BEFORE + timedelta(minutes=31))
    with caplog.at_level(logging.WARNING, logger="scheduled.runner"):
        assert await app.scheduler.run_due() == 0
    assert len(reminders(chat)) == 3
    assert any("dropping teachmeet.reminder teachmeet:1:reminder:60" in r.getMessage()
               and "past its grace" in r.getMessage() for r in caplog.records)
    statuses = {w.key: w.status for w in await rows(app, DueWork)}
    assert statuses["teachmeet:1:reminder:60"] == "dropped"


async def test_a_failing_destination_is_retried_alone(
        app: App, chat: FakeAdapter, clock: FakeClock) -> None:
    await signed_up(chat)
    real_send = chat.send
    failing = True

    async def flaky(destination: Destination, reply: Reply) -> None:
        if destination.user_id == "ann" and failing:
            raise RuntimeError("platform hiccup")
        await real_send(destination, reply)

    chat.send = flaky  # type: ignore[method-assign]
    clock.set(DAY_BEFORE)
    assert await app.scheduler.run_due() == 0  # not done: one destination is left
    assert sorted(who for who, _ in reminders(chat)) == ["#C-GENERAL", "cat"]
    failing = False
    clock.advance(minutes=1, seconds=1)  # the retry delay
    assert await app.scheduler.run_due() == 1
    # the retry reached ann and repeated nobody
    assert sorted(who for who, _ in reminders(chat)) == ["#C-GENERAL", "ann", "cat"]


async def test_a_refusing_destination_is_not_retried(
        app: App, chat: FakeAdapter, clock: FakeClock) -> None:
    await signed_up(chat)
    chat.refused["ann"] = "They don't accept direct messages."
    clock.set(DAY_BEFORE)
    assert await app.scheduler.run_due() == 1
    clock.advance(minutes=5)
    assert await app.scheduler.run_due() == 0
    assert sorted(who for who, _ in reminders(chat)) == ["#C-GENERAL", "cat"]
    told = [r.plain_text() for r in chat.sent_to("org") if "could not reach" in r.plain_text()]
    assert len(told) == 1  # the organiser, once for this reminder
    assert "could not reach 1 person. They don't accept direct messages." in told[0]


async def test_all_destinations_failing_is_retried(app: App, chat: FakeAdapter,
                                                   clock: FakeClock) -> None:
    await signed_up(chat)
    real_send = chat.send
    failing = True

    async def down(destination: Destination, reply: Reply) -> None:
        if failing:
            raise RuntimeError("platform down")
        await real_send(destination, reply)

    chat.send = down  # type: ignore[method-assign]
    clock.set(DAY_BEFORE)
    assert await app.scheduler.run_due() == 0
    failing = False
    clock.advance(seconds=30)
    assert await app.scheduler.run_due() == 0  # not before the retry delay
    clock.advance(seconds=31)
    assert await app.scheduler.run_due() == 1
    assert len(reminders(chat)) == 3


async def test_console_prints_reminders_as_they_fall_due(app: App, clock: FakeClock) -> None:
    import io

    out = io.StringIO()
    console = ConsoleAdapter(app.core, handle="me", stdin=io.StringIO(), stdout=out)
    app.services.notifier.register(console)
    reply = await console.ask('teachmeet create Console meet start="2026-11-03 18:00" '
                              'confirm=yes')
    assert not reply.is_error, reply.plain_text()
    await console.ask("teachmeet going 1")
    clock.set(datetime(2026, 11, 2, 18, 0, tzinfo=UTC))
    assert await app.scheduler.run_due() == 1
    printed = out.getvalue()
    assert "[console local → @me]" in printed
    assert "Reminder: teach-meet #1 Console meet starts in about 24 hours" in printed
