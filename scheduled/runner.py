"""The scheduler: APScheduler's AsyncIOScheduler in UTC, waking a claim-and-deliver loop."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scheduled.deliveries import Deliveries
from storage.models import DueWork
from storage.repositories.due_work import DueWorkRepository

if TYPE_CHECKING:
    from bot.context import Services

log = logging.getLogger(__name__)

WorkHandler = Callable[["Services", DueWork], Awaitable[None]]
Planner = Callable[["Services"], Awaitable[None]]
RETRY_DELAY = timedelta(minutes=1)
MAX_ATTEMPTS = 5
LEASE_MARGIN = timedelta(seconds=10)
"""An item is not started when less than this (or a quarter of the lease) is left."""
RECOVERY_PROBE_SECONDS = 0.5
"""While the database is unreachable, it is tried this often; due work goes out as soon as
it answers, not at the next poll."""
_WAKE_JOB = "due-work-wake"


@dataclass(frozen=True)
class _Kind:
    handler: WorkHandler
    grace: timedelta | None


class Scheduler:
    """Runs due work exactly once per item across every copy of the bot.

    `run_due()` is the whole delivery step and is what tests call with a fake clock; in
    production APScheduler calls it on a poll interval (a safety net, and how work planned
    by other copies is noticed) and at the exact time the database says the next item
    falls due. APScheduler's own job stores are not used: the database is the truth.
    """

    def __init__(self, services: Services, *, owner: str | None = None) -> None:
        self.services = services
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._kinds: dict[str, _Kind] = {}
        self._planners: list[tuple[str, BaseTrigger, Planner]] = []
        self._aps: AsyncIOScheduler | None = None
        self._running = asyncio.Lock()
        self._stopping = False
        self._tasks: set[asyncio.Future[None]] = set()
        self._held: dict[int, DueWork] = {}
        """Items this copy has claimed and not yet finished: their leases are renewed."""
        self._recovery: asyncio.Future[None] | None = None
        self.deliveries = Deliveries(services)
        """How handlers send an item's messages: each destination once, on record."""
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        """How the outage probe waits (tests pass one that moves a fake clock)."""

    # -- registration ------------------------------------------------------------------------
    def handle(self, kind: str, handler: WorkHandler, *, grace: timedelta | None = None) -> None:
        """Deliver items of `kind` with `handler`; items overdue by more than `grace`
        (default: the configured scheduler grace) are dropped with a log line."""
        if kind in self._kinds:
            raise ValueError(f"a handler for {kind!r} is already registered")
        self._kinds[kind] = _Kind(handler, grace)

    def every(self, name: str, trigger: BaseTrigger, planner: Planner) -> None:
        """Run `planner` on `trigger` (UTC). Planners should plan due work, not deliver."""
        self._planners.append((name, trigger, planner))

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._kinds)

    @property
    def running(self) -> bool:
        return self._aps is not None and not self._stopping

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Start waking. The first run is immediate, so work that fell due while the bot was
        down is delivered now (within its grace) or dropped with a log line."""
        settings = self.services.settings.scheduler
        self._stopping = False
        self._aps = AsyncIOScheduler(timezone="UTC", job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        # APScheduler keeps real time (it only wakes us); "now" here is the wall clock.
        self._aps.add_job(self._wake, IntervalTrigger(seconds=settings.poll_seconds),
                          id="due-work-poll", next_run_time=datetime.now(UTC))
        for name, trigger, planner in self._planners:
            self._aps.add_job(self._run_planner, trigger, args=(name, planner), id=name)
        self._aps.start()
        log.info("scheduler started as %s", self.owner)

    async def stop(self) -> None:
        """Stop waking, then wait for the delivery under way; claimed items not yet started
        are released so another copy (or the next start) takes them without waiting for
        the lease to run out."""
        self._stopping = True
        if self._aps is not None:
            self._aps.pause()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        async with self._running:
            pass
        if self._aps is not None:
            # only now: APScheduler's executor cancels coroutine jobs still running
            self._aps.shutdown(wait=False)
            self._aps = None
            log.info("scheduler %s stopped", self.owner)

    def wake_at(self, when: datetime) -> None:
        """Ask for an exact wake-up (say, a newly planned item due before the next poll).

        One wake-up job is kept: the earliest asked for. Each run plans the next one from
        the database, so nothing is lost by keeping only the earliest.
        """
        if self._aps is None or self._stopping:
            return
        job = self._aps.get_job(_WAKE_JOB)
        if job is not None and job.next_run_time is not None and job.next_run_time <= when:
            return
        # Booked from inside the running wake-up, so more than one instance must be
        # allowed or APScheduler skips it; run_due's lock keeps deliveries one at a time.
        self._aps.add_job(self._wake, DateTrigger(run_date=when, timezone="UTC"),
                          id=_WAKE_JOB, replace_existing=True, max_instances=3)

    async def _wake(self) -> None:
        """What APScheduler calls. The work runs in a task of our own, so that shutting
        APScheduler down can never cancel a delivery half-way; `stop` waits for it. If a
        run is already under way this wake-up is not needed: that run ends by reading the
        next due time from the database and booking a wake-up for it."""
        if any(not task.done() for task in self._tasks):
            return
        task = asyncio.ensure_future(self._deliver_due())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        await asyncio.shield(task)

    async def _deliver_due(self) -> None:
        """Deliver what is due, then book the next exact wake-up from the database; if the
        database cannot be reached, watch for its return."""
        if self._stopping:
            return
        if not await self._deliver_and_book():
            self._watch_for_recovery()

    async def _deliver_and_book(self) -> bool:
        try:
            await self.run_due()
            if self._stopping:
                return True
            async with self.services.db.sessions() as session:
                upcoming = await DueWorkRepository(session).next_wake(
                    now=self.services.clock.now(), kinds=self.kinds)
        except Exception:
            log.exception("the scheduler could not check for due work; trying again as soon "
                          "as the database answers")
            return False
        if upcoming is not None:
            self.wake_at(upcoming)
        return True

    def _watch_for_recovery(self) -> None:
        if self._stopping or (self._recovery is not None and not self._recovery.done()):
            return
        task = asyncio.ensure_future(self._recover())
        self._recovery = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _recover(self) -> None:
        """Probe the database every RECOVERY_PROBE_SECONDS while it is away, and deliver
        what fell due as soon as it answers (the poll would leave it up to a poll late)."""
        while not self._stopping:
            await self.sleep(RECOVERY_PROBE_SECONDS)
            if self._stopping:
                return
            try:
                await self.services.db.ping()
            except Exception:
                continue
            log.info("the database answers again; delivering what fell due meanwhile")
            # once: if delivery still fails with the database up, that is no outage, and
            # the poll (not a half-second loop filling the log) tries again
            await self._deliver_and_book()
            return

    async def _run_planner(self, name: str, planner: Planner) -> None:
        async def plan_then_deliver() -> None:
            if self._stopping:
                return
            try:
                await planner(self.services)
            except Exception:
                log.exception("planner %s failed", name)
            await self._deliver_due()

        task = asyncio.ensure_future(plan_then_deliver())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        await asyncio.shield(task)

    # -- delivery --------------------------------------------------------------------------------
    async def run_due(self, *, batch: int | None = None) -> int:
        """Claim and deliver everything due now; returns how many items were delivered.

        Up to `[scheduler] concurrency` deliveries run at once (a reminder waits on chat
        platforms, so one slow send must not hold up the rest), and each is recorded as
        soon as it is made, so a crash repeats at most the deliveries under way. Claims are
        small (`claim_batch`) and taken as slots free up, at most one batch ahead of the
        deliveries, so several copies share a burst instead of one copy hoarding it; the
        leases of what this copy holds are renewed while it works. Items are only claimed
        for kinds this copy has handlers for.
        """
        if not self._kinds:
            return 0
        settings = self.services.settings.scheduler
        batch = batch or settings.claim_batch
        slots = asyncio.Semaphore(settings.concurrency)
        outcomes = _Outcomes(self)
        delivered = 0
        unstarted: list[DueWork] = []

        async def one(work: DueWork) -> None:
            nonlocal delivered
            try:
                async with slots:
                    if self._stopping:
                        unstarted.append(work)  # not started: handed back below
                        return
                    made = await self._deliver(work, outcomes)
                    delivered += made  # not `+= await`: that reads `delivered` before waiting
            finally:
                self._held.pop(work.id, None)

        async with self._running:
            heartbeat = asyncio.ensure_future(self._heartbeat())
            running: set[asyncio.Future[None]] = set()
            exhausted = False
            try:
                while running or not (exhausted or self._stopping):
                    if not (exhausted or self._stopping) and len(running) <= settings.concurrency:
                        items = await self._claim(batch)
                        exhausted = not items
                        for work in items:
                            self._held[work.id] = work
                            running.add(asyncio.ensure_future(one(work)))
                        if items:
                            continue
                    if running:
                        done, running = await asyncio.wait(
                            running, return_when=asyncio.FIRST_COMPLETED)
                        for task in done:
                            task.result()
            except asyncio.CancelledError:
                for task in running:
                    task.cancel()
                raise
            finally:
                heartbeat.cancel()
                await asyncio.gather(*running, return_exceptions=True)
                await outcomes.drain()
            if unstarted:
                await self._release(unstarted)
        return delivered

    async def _heartbeat(self) -> None:
        """Renew the leases of what this copy holds, every third of a lease, while it works."""
        every = self.services.settings.scheduler.lease_seconds / 3
        while True:
            await asyncio.sleep(every)
            try:
                await self.renew_leases()
            except Exception as exc:
                log.warning("could not renew the leases on %d due items: %r", len(self._held),
                            exc)

    async def renew_leases(self) -> None:
        """Extend the lease on every item this copy holds to a full lease from now; an item
        another copy has taken over meanwhile is marked lost here, so it is not sent."""
        held = dict(self._held)
        if not held:
            return
        now = self.services.clock.now()
        until = now + timedelta(seconds=self.services.settings.scheduler.lease_seconds)
        async with self.services.db.unit_of_work() as session:
            kept = await DueWorkRepository(session).renew(held, owner=self.owner, until=until)
        for work_id, work in held.items():
            if work_id in kept:
                work.lease_until = until
            elif work_id in self._held:
                work.lease_until = now  # taken over: stop sending it

    async def _claim(self, batch: int) -> list[DueWork]:
        settings = self.services.settings.scheduler
        async with self.services.db.unit_of_work() as session:
            return await DueWorkRepository(session).claim(
                now=self.services.clock.now(), owner=self.owner,
                lease=timedelta(seconds=settings.lease_seconds), limit=batch, kinds=self.kinds)

    async def _release(self, items: list[DueWork]) -> None:
        for work in items:
            self._held.pop(work.id, None)
        async with self.services.db.unit_of_work() as session:
            repo = DueWorkRepository(session)
            for work in items:
                await repo.release(work.id, owner=self.owner)
        if items:
            log.info("scheduler %s released %d undelivered items", self.owner, len(items))

    async def _deliver(self, work: DueWork, outcomes: _Outcomes) -> int:
        """Deliver one item (or drop it, or give it back to retry); the outcome is
        recorded by `outcomes` straight after."""
        now = self.services.clock.now()
        kind = self._kinds[work.kind]
        settings = self.services.settings.scheduler
        default_grace = timedelta(seconds=settings.grace_seconds)
        margin = min(timedelta(seconds=settings.lease_seconds) / 4, LEASE_MARGIN)
        status, error = "done", ""
        if work.lease_until is None or now >= work.lease_until - margin:
            # Our lease is (nearly) over: another copy may take the item, so we must not.
            log.warning("not delivering %s %s: the claim's lease ran out", work.kind, work.key)
            self._held.pop(work.id, None)
            await self._release([work])
            return 0
        metrics = self.services.metrics
        late = (now - work.due_at).total_seconds()
        if now - work.due_at > (kind.grace if kind.grace is not None else default_grace):
            status = "dropped"
            log.warning("dropping %s %s: due %s, now %s, past its grace", work.kind, work.key,
                        work.due_at.isoformat(), now.isoformat())
        else:
            metrics.delivery_lag.labels(work.kind).observe(max(late, 0.0))
            try:
                await kind.handler(self.services, work)
            except Exception as exc:
                log.exception("delivering %s %s failed (attempt %d)", work.kind, work.key,
                              work.attempts)
                metrics.errors.labels("delivery").inc()
                if work.attempts < MAX_ATTEMPTS:
                    metrics.deliveries.labels(work.kind, "retry").inc()
                    self._held.pop(work.id, None)
                    async with self.services.db.unit_of_work() as session:
                        await DueWorkRepository(session).release(
                            work.id, owner=self.owner, error=repr(exc),
                            retry_at=now + RETRY_DELAY)
                    return 0
                status, error = "failed", repr(exc)
            else:
                log.info("delivered %s %s (due %s, %.1f s late)", work.kind, work.key,
                         work.due_at.isoformat(), late)
        metrics.deliveries.labels(work.kind, status).inc()
        outcomes.add(work, status, error, now)
        return 1 if status == "done" else 0


class _Outcomes:
    """Records outcomes as deliveries finish, in as few transactions as keep up.

    A flush starts as soon as there is something to record and takes everything finished
    meanwhile, so the record trails the deliveries by one short transaction: a crash can
    repeat only deliveries made in that moment, while 10,000 reminders do not cost 10,000
    commits.
    """

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self._pending: list[tuple[DueWork, str, str, datetime]] = []
        self._flushing: asyncio.Task[None] | None = None

    def add(self, work: DueWork, status: str, error: str, now: datetime) -> None:
        self.scheduler._held.pop(work.id, None)
        self._pending.append((work, status, error, now))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.ensure_future(self._flush())

    async def _flush(self) -> None:
        while self._pending:
            taken, self._pending = self._pending, []
            owner = self.scheduler.owner
            try:
                async with self.scheduler.services.db.unit_of_work() as session:
                    repo = DueWorkRepository(session)
                    done = [w.id for w, status, _e, _n in taken if status == "done"]
                    recorded = await repo.finish_many(done, owner=owner, status="done",
                                                      now=max(n for *_r, n in taken))
                    for work, status, error, now in taken:
                        if status != "done":
                            recorded += await repo.finish(work.id, owner=owner,
                                                          status=status, now=now, error=error)
            except Exception:
                # Left claimed: after the lease another copy (or this one) delivers again.
                log.exception("could not record %d delivered items", len(taken))
                continue
            if recorded < len(taken):
                log.warning("%d delivered items were moved or cancelled meanwhile",
                            len(taken) - recorded)

    async def drain(self) -> None:
        while self._flushing is not None and not self._flushing.done():
            await self._flushing
