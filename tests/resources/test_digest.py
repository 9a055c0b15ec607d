"""The weekly digest through the scheduler, with the fake clock: sent once per space and
week at the configured time, with the new pins, and never when there is nothing new."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import App
from bot.digest import plan_digests, preview
from bot.features import capabilities
from bot.testing import SPACE, FakeAdapter, FakeClock
from scheduled import Scheduler
from storage.models import DueWork
from tests.resources.helpers import MOD

WEDNESDAY = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)
NEXT_MONDAY_9 = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)  # London is on GMT in November


async def _due(app: App) -> list[DueWork]:
    async with app.db.sessions() as session:
        return list(await session.scalars(
            select(DueWork).where(DueWork.kind == "digest").order_by(DueWork.due_at)))


def _digests(chat: FakeAdapter) -> list[str]:
    return [r.plain_text() for d, r in chat.sent if d.channel_id == "C-NEWS"]


async def test_weekly_digest_is_sent_once_with_new_pins(app: App, chat: FakeAdapter,
                                                        clock: FakeClock) -> None:
    clock.set(WEDNESDAY)
    await chat.say("pin https://example.org/a Assessment toolkit #assessment", user=MOD)
    await chat.say("pin https://example.org/b A suggestion, not yet approved", user="ann")
    await plan_digests(app.services)
    [work] = await _due(app)
    assert work.key == f"digest:fake:{SPACE}:2026-W46" and work.due_at == NEXT_MONDAY_9
    assert await app.scheduler.run_due() == 0 and _digests(chat) == []

    clock.set(NEXT_MONDAY_9.replace(second=30))
    other_copy = Scheduler(app.services, owner="second-copy")
    for capability in capabilities():
        if capability.schedule is not None:
            capability.schedule(other_copy)
    await plan_digests(app.services)  # both copies plan: still one row for the week
    await app.scheduler.run_due()
    await other_copy.run_due()
    [digest] = _digests(chat)
    assert "weekly digest" in digest and "Assessment toolkit" in digest
    assert "https://example.org/a" in digest
    assert "not yet approved" not in digest
    [(destination, reply)] = [(d, r) for d, r in chat.sent if d.channel_id]
    assert destination.space_id == SPACE and reply.visibility == "channel"

    await plan_digests(app.services)
    assert await app.scheduler.run_due() == 0
    assert len(_digests(chat)) == 1
    statuses = {w.key: w.status for w in await _due(app)}
    assert statuses == {f"digest:fake:{SPACE}:2026-W46": "done",
                        f"digest:fake:{SPACE}:2026-W47": "pending"}


async def test_nothing_new_means_nothing_sent(app: App, chat: FakeAdapter,
                                              clock: FakeClock) -> None:
    clock.set(WEDNESDAY)
    await chat.say("pin https://example.org/a Assessment toolkit", user=MOD)
    await plan_digests(app.services)
    clock.set(NEXT_MONDAY_9)
    await app.scheduler.run_due()
    assert len(_digests(chat)) == 1
    # the following week nothing is published: the item runs, and nothing is posted
    await plan_digests(app.services)
    await chat.say("pin https://example.org/c Only suggested", user="ann")
    clock.advance(days=7, minutes=1)
    await app.scheduler.run_due()
    assert len(_digests(chat)) == 1
    assert [w.status for w in await _due(app)] == ["done", "done"]


async def test_empty_library_never_posts(app: App, chat: FakeAdapter,
                                         clock: FakeClock) -> None:
    clock.set(WEDNESDAY)
    for week in range(3):
        await plan_digests(app.services)
        clock.set(NEXT_MONDAY_9 + timedelta(days=7 * week, minutes=1))
        await app.scheduler.run_due()
    assert chat.sent == []
    assert [w.status for w in await _due(app)] == ["done", "done", "done"]


async def test_pins_from_before_the_period_are_not_repeated(app: App, chat: FakeAdapter,
                                                            clock: FakeClock) -> None:
    clock.set(WEDNESDAY)
    await chat.say("pin https://example.org/old Old news", user=MOD)
    await plan_digests(app.services)
    clock.set(NEXT_MONDAY_9)
    await app.scheduler.run_due()
    await plan_digests(app.services)
    clock.advance(days=2)
    await chat.say("pin https://example.org/new Fresh resource", user=MOD)
    clock.set(datetime(2026, 11, 16, 9, 0, 5, tzinfo=UTC))
    await app.scheduler.run_due()
    first, second = _digests(chat)
    assert "Old news" in first and "Fresh resource" in second and "Old news" not in second


async def test_preview_shows_the_next_digest(app: App, chat: FakeAdapter,
                                             clock: FakeClock) -> None:
    clock.set(WEDNESDAY)
    occurrence, reply = await preview(app.services, "fake", SPACE)
    assert occurrence.until == NEXT_MONDAY_9 and reply is None
    await chat.say("pin https://example.org/a Assessment toolkit", user=MOD)
    occurrence, reply = await preview(app.services, "fake", SPACE)
    assert reply is not None and "Assessment toolkit" in reply.plain_text()
    assert chat.sent == [] and await _due(app) == []  # a preview sends and plans nothing
