"""The scheduler: exactly once across copies, through crashes, restarts and shutdowns."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import App
from bot.context import Services
from bot.settings import Settings
from bot.testing import FakeClock
from scheduled import Scheduler, WorkHandler
from storage.models import DueWork
from storage.repositories.due_work import DueWorkRepository

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
KIND = "test.reminder"
COUNT = 1000


class Recorder:
    """A delivery handler that counts deliveries per key (the "recording adapter")."""

    def __init__(self) -> None:
        self.delivered: Counter[str] = Counter()
        self.by_owner: Counter[str] = Counter()

    def handler_for(self, owner: str, *,
                    after_each: Callable[[], Awaitable[None]] | None = None) -> WorkHandler:
        async def handler(_services: Services, work: DueWork) -> None:
            self.delivered[work.key] += 1
            self.by_owner[owner] += 1
            await asyncio.sleep(0)  # let the other copy run between deliveries
            if after_each is not None:
                await after_each()
        return handler


async def plan_many(app: App, count: int = COUNT, due: datetime = T0) -> None:
    """Plan `count` items due together (in bulk: `plan` itself is tested elsewhere)."""
    async with app.db.unit_of_work() as session:
        session.add_all(DueWork(kind=KIND, key=f"item:{n}", due_at=due, payload={"n": n},
                                status="pending", attempts=0, last_error="")
                        for n in range(count))


async def statuses(app: App) -> Counter[str]:
    async with app.db.sessions() as session:
        rows = await session.scalars(DueWork.__table__.select().with_only_columns(
            DueWork.status))
        return Counter(rows)


@pytest.fixture
async def second(app: App, settings: Settings, clock: FakeClock) -> AsyncIterator[App]:
    """Another copy of the bot: its own App, engine and scheduler, the same database."""
    other = App(app.services.settings, clock=clock, scheduler_owner="second")
    await other.open()
    try:
        yield other
    finally:
        await other.close()


async def test_two_schedulers_deliver_each_of_1000_exactly_once(app: App, second: App,
                                                                clock: FakeClock) -> None:
    recorder = Recorder()
    both_started = asyncio.Event()

    async def until_both_copies_deliver() -> None:
        # SQLite's busy handler may let one copy win every claim; holding each copy's
        # deliveries until the other has claimed too makes the overlap certain.
        if len(recorder.by_owner) == 2:
            both_started.set()
        await asyncio.wait_for(both_started.wait(), timeout=30)

    app.scheduler.handle(KIND, recorder.handler_for("first",
                                                    after_each=until_both_copies_deliver))
    second.scheduler.handle(KIND, recorder.handler_for("second",
                                                       after_each=until_both_copies_deliver))
    await plan_many(app)
    clock.set(T0)
    counts = await asyncio.gather(app.scheduler.run_due(batch=25),
                                  second.scheduler.run_due(batch=25))
    assert sum(counts) == COUNT
    assert len(recorder.delivered) == COUNT
    assert set(recorder.delivered.values()) == {1}
    assert recorder.by_owner["first"] > 0 and recorder.by_owner["second"] > 0
    assert await statuses(app) == Counter({"done": COUNT})
    # running again (on either copy) sends nothing more
    assert await app.scheduler.run_due() == 0 and await second.scheduler.run_due() == 0


async def test_a_copy_stopped_part_way_hands_over_without_loss_or_repeat(
        app: App, second: App, clock: FakeClock) -> None:
    recorder = Recorder()
    stopping: list[asyncio.Task[None]] = []

    async def stop_after_300() -> None:
        if recorder.by_owner["first"] == 300 and not stopping:
            stopping.append(asyncio.ensure_future(app.scheduler.stop()))

    app.scheduler.handle(KIND, recorder.handler_for("first", after_each=stop_after_300))
    second.scheduler.handle(KIND, recorder.handler_for("second"))
    await plan_many(app)
    clock.set(T0)
    first = await app.scheduler.run_due(batch=100)
    await stopping[0]
    assert first == recorder.by_owner["first"] < COUNT  # stopped with most of a batch left
    # what the stopped copy had claimed but not started was released, not left leased
    assert await second.scheduler.run_due(batch=100) == COUNT - first
    assert set(recorder.delivered.values()) == {1} and len(recorder.delivered) == COUNT


async def test_a_crashed_copys_claims_are_delivered_after_the_lease(
        app: App, second: App, clock: FakeClock) -> None:
    recorder = Recorder()
    second.scheduler.handle(KIND, recorder.handler_for("second"))
    await plan_many(app)
    clock.set(T0)
    lease = timedelta(seconds=app.services.settings.scheduler.lease_seconds)
    # the crashed copy claimed 200, delivered and recorded 50, then died
    async with app.db.unit_of_work() as session:
        claimed = await DueWorkRepository(session).claim(now=T0, owner="crashed",
                                                         lease=lease, limit=200)
    for work in claimed[:50]:
        recorder.delivered[work.key] += 1
        async with app.db.unit_of_work() as session:
            await DueWorkRepository(session).finish(work.id, owner="crashed", status="done",
                                                    now=T0)
    assert await second.scheduler.run_due() == COUNT - 200  # leased rows are left alone
    clock.set(T0 + lease / 2)
    assert await second.scheduler.run_due() == 0
    clock.set(T0 + lease + timedelta(seconds=1))
    assert await second.scheduler.run_due() == 150
    assert len(recorder.delivered) == COUNT and set(recorder.delivered.values()) == {1}
    assert await statuses(app) == Counter({"done": COUNT})


async def test_stop_waits_for_the_deliveries_under_way(app: App, clock: FakeClock) -> None:
    started: list[str] = []
    all_started, release = asyncio.Event(), asyncio.Event()
    finished: list[str] = []
    concurrency = app.services.settings.scheduler.concurrency

    async def slow(_services: Services, work: DueWork) -> None:
        started.append(work.key)
        if len(started) == concurrency:
            all_started.set()
        await release.wait()
        finished.append(work.key)

    app.scheduler.handle(KIND, slow)
    await plan_many(app, concurrency + 5)
    clock.set(T0)
    running = asyncio.ensure_future(app.scheduler.run_due())
    await all_started.wait()
    stopping = asyncio.ensure_future(app.scheduler.stop())
    for _ in range(5):
        await asyncio.sleep(0)
    assert not stopping.done()  # waiting for the deliveries
    release.set()
    await stopping
    assert await running == concurrency
    assert sorted(finished) == sorted(started) and len(started) == concurrency
    assert await statuses(app) == Counter({"done": concurrency, "pending": 5})
    async with app.db.sessions() as session:  # the rest are free for the next start
        rows = list(await session.scalars(DueWork.__table__.select().with_only_columns(
            DueWork.claimed_by).where(DueWork.status == "pending")))
    assert rows == [None] * 5


async def test_only_registered_kinds_are_claimed(app: App, second: App,
                                                 clock: FakeClock) -> None:
    recorder = Recorder()
    app.scheduler.handle(KIND, recorder.handler_for("first"))
    async with app.db.unit_of_work() as session:
        await DueWorkRepository(session).plan("someone.else", "x", T0)
    await plan_many(app, 2)
    clock.set(T0)
    assert await second.scheduler.run_due() == 0  # no handlers: claims nothing
    assert await app.scheduler.run_due() == 2
    assert await statuses(app) == Counter({"done": 2, "pending": 1})


async def test_failed_delivery_is_retried_then_given_up(app: App, clock: FakeClock) -> None:
    attempts: list[int] = []

    async def broken(_services: Services, work: DueWork) -> None:
        attempts.append(work.attempts)
        raise RuntimeError("always fails")

    app.scheduler.handle(KIND, broken, grace=timedelta(days=1))
    await plan_many(app, 1)
    clock.set(T0)
    for _ in range(6):
        await app.scheduler.run_due()
        clock.advance(minutes=1, seconds=1)
    assert attempts == [1, 2, 3, 4, 5]
    assert await statuses(app) == Counter({"failed": 1})


async def test_start_delivers_work_that_fell_due_while_down(app: App, clock: FakeClock) -> None:
    delivered = asyncio.Event()

    async def handler(_services: Services, _work: DueWork) -> None:
        delivered.set()

    scheduler = Scheduler(app.services, owner="restarted")
    scheduler.handle(KIND, handler)
    await plan_many(app, 1, due=T0 - timedelta(minutes=10))
    clock.set(T0)
    await scheduler.start()
    try:
        await asyncio.wait_for(delivered.wait(), timeout=10)
    finally:
        await scheduler.stop()
    assert await statuses(app) == Counter({"done": 1})
