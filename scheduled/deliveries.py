"""Sending one due item's messages: each destination once, several at a time, on record.

A reminder goes to a channel and to everyone attending; each destination reached is
recorded (`due_deliveries`) straight after its send, so a copy that crashes half-way leaves
the others' record of what went out, and whoever takes the item over sends only the rest.
Destinations go out together, within a per-platform limit shared by everything this copy
sends from due work (`[scheduler] platform_concurrency`): a slow platform call costs one
call's time per item, not one per destination, and no platform sees more than the limit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.notifier import DeliveryError, Destination, Undeliverable
from bot.replies import Reply
from storage.models import DueWork
from storage.repositories.due_work import DueWorkRepository

if TYPE_CHECKING:
    from bot.context import Services

log = logging.getLogger(__name__)


def target_of(destination: Destination) -> str:
    """A destination as it is recorded: stable across copies and restarts."""
    where = f"c:{destination.channel_id}" if destination.channel_id else f"u:{destination.user_id}"
    return f"{destination.platform}:{destination.space_id}:{where}"


@dataclass
class Fanout:
    """What one `send` did: destinations reached now, refused for good, already reached
    by an earlier attempt (not sent again)."""

    sent: list[Destination] = field(default_factory=list)
    refused: list[tuple[Destination, str]] = field(default_factory=list)
    skipped: int = 0


OnRefused = Callable[[list[tuple[Destination, str]]], Awaitable[None]]
"""Told which destinations refused an item for good, and why (say, to tell its organiser)."""


class Deliveries:
    """Per-copy sender for due work's messages (one per `Scheduler`)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._limits: dict[str, asyncio.Semaphore] = {}
        self._record = _GroupCommit(services)

    def _limit(self, platform: str) -> asyncio.Semaphore:
        limit = self._limits.get(platform)
        if limit is None:
            limit = self._limits[platform] = asyncio.Semaphore(
                self.services.settings.scheduler.platform_concurrency
            )
        return limit

    async def send(
        self,
        work: DueWork,
        outgoing: Sequence[tuple[Destination, Reply]],
        *,
        on_refused: OnRefused | None = None,
    ) -> Fanout:
        """Send each message whose destination this item has not reached yet.

        A destination that refuses for good (`Undeliverable`) is recorded and reported in
        the result and to `on_refused` (once: a retry skips it), never retried. Any other
        failure raises `DeliveryError` once the rest are sent and recorded, so the
        scheduler retries the item, and the retry sends only to the destinations that
        failed.
        """
        # attempts counts claims: on the first, no copy can have sent anything yet
        reached: set[str] = set()
        if work.attempts > 1:
            async with self.services.db.sessions() as session:
                reached = await DueWorkRepository(session).reached(work.id)
        result = Fanout()
        todo: dict[str, tuple[Destination, Reply]] = {}
        for destination, reply in outgoing:
            target = target_of(destination)
            if target in reached:
                result.skipped += 1
            else:
                todo.setdefault(target, (destination, reply))
        failed: list[tuple[Destination, BaseException]] = []
        # With one destination left there is no "some sent, some not" to remember: the
        # item's own outcome, recorded straight after, says it all (a transaction saved).
        on_record = len(todo) > 1

        async def one(target: str, destination: Destination, reply: Reply) -> None:
            async with self._limit(destination.platform):
                now = self.services.clock.now()
                if work.lease_until is None or now >= work.lease_until:
                    # our claim is gone: another copy may be sending this item now
                    failed.append((destination, DeliveryError("the claim's lease ran out")))
                    return
                try:
                    await self.services.notifier.send(destination, reply)
                except Undeliverable as exc:
                    outcome = "refused"
                    result.refused.append((destination, exc.reason))
                    log.info(
                        "%s %s: %s refused it for good (%s)",
                        work.kind,
                        work.key,
                        target,
                        exc.reason,
                    )
                except Exception as exc:
                    failed.append((destination, exc))
                    log.warning("%s %s could not reach %s: %r", work.kind, work.key, target, exc)
                    return
                else:
                    outcome = "sent"
                    result.sent.append(destination)
            if on_record:
                # the platform slot is free again; the record joins the next group commit
                await self._record.add((work.id, target, outcome, now))

        await asyncio.gather(*(one(t, d, r) for t, (d, r) in todo.items()))
        if result.refused and on_refused is not None:
            try:
                await on_refused(result.refused)
            except Exception:
                log.exception(
                    "%s %s: telling someone about refused destinations failed", work.kind, work.key
                )
        if failed:
            raise DeliveryError(
                f"{work.key}: {len(failed)} of {len(todo)} destinations "
                f"failed (first: {failed[0][1]!r}); only they are retried"
            )
        return result


class _GroupCommit:
    """Writes delivery records in as few transactions as keep up: every record waiting when
    a write starts goes into it, and each sender waits for the write holding its record, so
    a send is on record before its item is finished, at one commit per burst, not per send.
    """

    def __init__(self, services: Services) -> None:
        self.services = services
        self._waiting: list[tuple[tuple[int, str, str, datetime], asyncio.Future[None]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def add(self, row: tuple[int, str, str, datetime]) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((row, future))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.ensure_future(self._write())
        await future

    async def _write(self) -> None:
        while self._waiting:
            taken, self._waiting = self._waiting, []
            try:
                async with self.services.db.unit_of_work() as session:
                    await DueWorkRepository(session).record_deliveries([r for r, _ in taken])
            except Exception as exc:
                # sent but not on record: a copy that takes the item over sends these again
                log.exception("could not record %d deliveries", len(taken))
                for _, future in taken:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for _, future in taken:
                if not future.done():
                    future.set_result(None)
