"""Delivery granularity: each destination once through crashes, shared bursts, short renewed
leases and a prompt start after a database outage (both databases, a fake clock)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot.app import App
from bot.context import Services
from bot.notifier import AdapterBase, Destination
from bot.replies import Reply, Text
from bot.settings import SchedulerSettings, Settings
from bot.testing import SPACE, FakeClock, make_settings
from scheduled import Scheduler
from storage.models import DueWork
from storage.repositories.due_work import DueWorkRepository

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
KIND = "test.announce"


@pytest.fixture
def settings() -> Settings:
    # no safety-net poll within a test: what happens is the fan-out's and the probe's doing
    return make_settings(scheduler=SchedulerSettings(poll_seconds=3600))


@dataclass
class Platform(AdapterBase):
    """A fake chat platform shared by every copy: counts messages per destination."""

    platform: str = "fake"
    received: Counter[str] = field(default_factory=Counter)
    by_copy: Counter[str] = field(default_factory=Counter)
    hang_on: str = ""
    """A user id whose send never returns (the copy is killed while it waits)."""
    hanging: asyncio.Event = field(default_factory=asyncio.Event)
    latency: float = 0.0

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, destination: Destination, reply: Reply) -> None:
        if destination.user_id == self.hang_on:
            self.hanging.set()
            await asyncio.Event().wait()
        await asyncio.sleep(self.latency)
        self.received[destination.user_id] += 1
        self.by_copy[reply.plain_text()] += 1


def announce(scheduler: Scheduler, copy: str, users: list[str]) -> Any:
    """A due-work handler sending to several people through the scheduler's deliveries."""

    async def handler(_services: Services, work: DueWork) -> None:
        await scheduler.deliveries.send(
            work,
            [
                (Destination("fake", SPACE, user_id=user), Reply(blocks=(Text(copy),)))
                for user in users
            ],
        )

    return handler


@pytest.fixture
async def second(app: App, clock: FakeClock) -> AsyncIterator[App]:
    other = App(app.services.settings, clock=clock, scheduler_owner="second")
    await other.open()
    try:
        yield other
    finally:
        await other.close()


def wire(app: App, platform: Platform, copy: str, users: list[str]) -> None:
    app.services.notifier.register(platform)
    app.scheduler.handle(KIND, announce(app.scheduler, copy, users))


async def plan(app: App, count: int, due: datetime = T0) -> None:
    async with app.db.unit_of_work() as session:
        session.add_all(
            DueWork(
                kind=KIND,
                key=f"item:{n}",
                due_at=due,
                payload={},
                status="pending",
                attempts=0,
                last_error="",
            )
            for n in range(count)
        )


async def statuses(app: App) -> Counter[str]:
    async with app.db.sessions() as session:
        return Counter(
            await session.scalars(DueWork.__table__.select().with_only_columns(DueWork.status))
        )


async def test_a_copy_killed_between_two_destinations_leaves_only_the_rest(
    app: App, second: App, clock: FakeClock
) -> None:
    users = ["ann", "bob", "cat"]
    platform = Platform(hang_on="bob")
    wire(app, platform, "first", users)
    wire(second, platform, "second", users)
    await plan(app, 1)
    clock.set(T0)
    first = asyncio.ensure_future(app.scheduler.run_due())
    await asyncio.wait_for(platform.hanging.wait(), timeout=30)  # bob's send under way

    async def others_on_record() -> None:
        while True:
            async with app.db.sessions() as session:
                work = await DueWorkRepository(session).get(KIND, "item:0")
                assert work is not None
                if len(await DueWorkRepository(session).reached(work.id)) == 2:
                    return
            await asyncio.sleep(0.01)

    await asyncio.wait_for(others_on_record(), timeout=30)  # ann and cat sent, on record
    first.cancel()  # killed: no release, no record of bob, the claim left to its lease
    with pytest.raises(asyncio.CancelledError):
        await first
    platform.hang_on = ""
    assert await second.scheduler.run_due() == 0  # still leased to the dead copy
    clock.advance(seconds=app.services.settings.scheduler.lease_seconds + 1)
    assert await second.scheduler.run_due() == 1
    assert platform.received == Counter({"ann": 1, "bob": 1, "cat": 1})
    assert platform.by_copy == Counter({"first": 2, "second": 1})
    assert await statuses(app) == Counter({"done": 1})


async def test_two_copies_share_a_burst_of_1000(app: App, second: App, clock: FakeClock) -> None:
    platform = Platform(latency=0.05)  # a chat platform call, as in issue 14
    wire(app, platform, "first", ["ann"])
    wire(second, platform, "second", ["ann"])
    await plan(app, 1000)
    clock.set(T0)
    counts = await asyncio.gather(app.scheduler.run_due(), second.scheduler.run_due())
    assert sum(counts) == 1000 and platform.received["ann"] == 1000
    assert 400 <= platform.by_copy["first"] <= 600, platform.by_copy
    assert await statuses(app) == Counter({"done": 1000})


async def test_a_working_copy_renews_its_lease(app: App, second: App, clock: FakeClock) -> None:
    platform = Platform(hang_on="bob")
    wire(app, platform, "first", ["bob"])
    wire(second, platform, "second", ["bob"])
    await plan(app, 1)
    clock.set(T0)
    lease = app.services.settings.scheduler.lease_seconds
    first = asyncio.ensure_future(app.scheduler.run_due())
    await asyncio.wait_for(platform.hanging.wait(), timeout=30)
    for _ in range(4):  # the heartbeat, a third of a lease apart, well past the first lease
        clock.advance(seconds=lease / 3)
        await app.scheduler.renew_leases()
        assert await second.scheduler.run_due() == 0
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    clock.advance(seconds=lease + 1)  # no more renewals: taken over one lease later
    platform.hang_on = ""
    assert await second.scheduler.run_due() == 1
    assert platform.received == Counter({"bob": 1})


async def test_due_work_goes_out_within_a_second_of_the_database_coming_back(
    app: App, clock: FakeClock
) -> None:
    platform = Platform()
    wire(app, platform, "first", ["ann"])
    await plan(app, 3, due=T0 + timedelta(seconds=5))
    back_at = T0 + timedelta(seconds=20.2)
    sent_at: list[datetime] = []
    real_send = platform.send

    async def timed(destination: Destination, reply: Reply) -> None:
        sent_at.append(clock.now())
        await real_send(destination, reply)

    platform.send = timed  # type: ignore[method-assign]

    def refuse(*_args: Any) -> None:
        raise ConnectionRefusedError("connection refused (simulated outage)")

    engine = app.db.engine.sync_engine
    event.listen(engine, "do_connect", refuse)
    await app.db.engine.dispose()  # the outage also closed the pooled connections

    async def sleep(seconds: float) -> None:
        """The probe's wait: time passes on the fake clock; the database returns at back_at."""
        clock.advance(seconds=seconds)
        if clock.now() >= back_at and event.contains(engine, "do_connect", refuse):
            event.remove(engine, "do_connect", refuse)
        await asyncio.sleep(0.001)

    app.scheduler.sleep = sleep
    clock.set(T0)
    await app.scheduler.start()
    try:
        for _ in range(3000):
            if platform.received["ann"] == 3:
                break
            await asyncio.sleep(0.01)
    finally:
        await app.scheduler.stop()
    assert platform.received["ann"] == 3
    assert all(back_at <= at <= back_at + timedelta(seconds=1) for at in sent_at), sent_at
    assert await statuses(app) == Counter({"done": 3})
