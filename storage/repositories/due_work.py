"""Planning and claiming due work, so each item is delivered once however many copies run.

On PostgreSQL a claim locks candidate rows with `FOR UPDATE SKIP LOCKED` and then updates
them in the same transaction, so two copies never wait on or take the same rows. On SQLite
(one writer at a time) a single compare-and-set `UPDATE ... WHERE id IN (SELECT ...)
RETURNING` does the job in one statement (a SELECT followed by an UPDATE would upgrade a
read lock to a write lock and fail with "database is locked" when two copies race). A claim
is a lease, short and renewed while its holder works (`renew`): if the holder dies, the
rows become claimable again seconds later. Each destination an item reaches is recorded
(`due_deliveries`), so whoever takes an item over sends only to the destinations left.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DueDelivery, DueWork


class DueWorkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def plan(self, kind: str, key: str, due_at: datetime,
                   payload: dict[str, Any] | None = None) -> DueWork:
        """Create the item, or move it: a new due time makes a finished item pending again.

        Safe when two copies plan the same key at once (a periodic planner running on every
        copy): the insert is `ON CONFLICT DO NOTHING` and the row is then locked and updated.
        """
        insert = pg_insert if self._dialect == "postgresql" else sqlite_insert
        await self.session.execute(
            insert(DueWork).values(kind=kind, key=key, due_at=due_at, payload=payload or {},
                                   status="pending", attempts=0, last_error="")
            .on_conflict_do_nothing(index_elements=["kind", "key"]))
        work = await self.session.scalar(
            select(DueWork).where(DueWork.kind == kind, DueWork.key == key)
            .with_for_update().execution_options(populate_existing=True))
        assert work is not None
        if work.due_at != due_at or work.status == "cancelled":
            work.due_at, work.status = due_at, "pending"
            work.claimed_by = work.lease_until = work.finished_at = None
            work.attempts, work.last_error = 0, ""
            # a new occurrence: every destination is to be reached again
            await self.session.execute(delete(DueDelivery).where(DueDelivery.work_id == work.id))
        if work.status == "pending":
            work.payload = payload or {}
        await self.session.flush()
        return work

    @property
    def _dialect(self) -> str:
        bind = self.session.bind
        return bind.dialect.name if bind is not None else "sqlite"

    async def get(self, kind: str, key: str) -> DueWork | None:
        return await self.session.scalar(
            select(DueWork).where(DueWork.kind == kind, DueWork.key == key))

    async def cancel(self, kind: str, keys: Sequence[str]) -> int:
        """Cancel pending items (a cancelled event's reminders): they will never fire."""
        if not keys:
            return 0
        result = await self.session.execute(
            update(DueWork).where(DueWork.kind == kind, DueWork.key.in_(keys),
                                  DueWork.status == "pending")
            .values(status="cancelled", claimed_by=None, lease_until=None))
        return result.rowcount or 0

    async def cancel_prefix(self, kind: str, prefix: str) -> int:
        """Cancel every pending item whose key starts with `prefix` (`%` and `_` are literal)."""
        result = await self.session.execute(
            update(DueWork).where(DueWork.kind == kind,
                                  DueWork.key.startswith(prefix, autoescape=True),
                                  DueWork.status == "pending")
            .values(status="cancelled", claimed_by=None, lease_until=None))
        return result.rowcount or 0

    async def next_due(self) -> datetime | None:
        return await self.session.scalar(
            select(DueWork.due_at).where(DueWork.status == "pending")
            .order_by(DueWork.due_at).limit(1))

    async def backlog(self, *, now: datetime) -> tuple[int, datetime | None]:
        """How many pending items are due by `now`, and the oldest one's due time (health
        checks and metrics: a growing backlog means no copy is delivering)."""
        row = (await self.session.execute(
            select(func.count(), func.min(DueWork.due_at))
            .where(DueWork.status == "pending", DueWork.due_at <= now))).one()
        return int(row[0]), row[1]

    async def next_wake(self, *, now: datetime,
                        kinds: Collection[str] | None = None) -> datetime | None:
        """When something next becomes claimable: now (if something already is), a due
        time, or the end of a lease or retry delay. Never before `now`, so waking on it
        cannot spin."""
        pending = [DueWork.status == "pending"]
        if kinds is not None:
            pending.append(DueWork.kind.in_(list(kinds)))
        due = await self.session.scalar(
            select(func.min(DueWork.due_at)).where(
                *pending, or_(DueWork.lease_until.is_(None), DueWork.lease_until < now)))
        lease = await self.session.scalar(
            select(func.min(DueWork.lease_until)).where(*pending, DueWork.lease_until >= now))
        times = []
        if due is not None:
            times.append(max(due, now))
        if lease is not None:
            # claimable means lease_until < now, so strictly after the lease ends
            times.append(lease + timedelta(milliseconds=1))
        return min(times) if times else None

    async def claim(self, *, now: datetime, owner: str, lease: timedelta,
                    limit: int = 100, kinds: Collection[str] | None = None) -> list[DueWork]:
        """Take up to `limit` due items for `owner` until now + lease, oldest first.

        `kinds` limits the claim to work this copy can deliver (a copy without a handler
        must not take, and fail, another capability's items).
        """
        claimable = and_(DueWork.status == "pending", DueWork.due_at <= now,
                         or_(DueWork.lease_until.is_(None), DueWork.lease_until < now))
        if kinds is not None:
            claimable = and_(claimable, DueWork.kind.in_(list(kinds)))
        candidates = select(DueWork.id).where(claimable).order_by(DueWork.due_at,
                                                                   DueWork.id).limit(limit)
        if self._dialect == "postgresql":
            # Lock first, then update: inside `UPDATE ... WHERE id IN (SELECT ... LIMIT n
            # FOR UPDATE SKIP LOCKED)` PostgreSQL may re-run the subquery and exceed n.
            ids = list(await self.session.scalars(candidates.with_for_update(skip_locked=True)))
            if not ids:
                return []
            chosen: Any = ids
        else:
            chosen = candidates.scalar_subquery()
        result = await self.session.execute(
            update(DueWork).where(DueWork.id.in_(chosen), claimable)
            .values(claimed_by=owner, lease_until=now + lease, attempts=DueWork.attempts + 1)
            .returning(DueWork.id)
            .execution_options(synchronize_session=False))
        won = [row[0] for row in result]
        if not won:
            return []
        rows = await self.session.scalars(
            select(DueWork).where(DueWork.id.in_(won)).order_by(DueWork.due_at, DueWork.id)
            .execution_options(populate_existing=True))
        return list(rows)

    async def finish(self, work_id: int, *, owner: str, status: str, now: datetime,
                     error: str = "") -> bool:
        """Record the outcome, only if `owner` still holds the claim."""
        result = await self.session.execute(
            update(DueWork).where(DueWork.id == work_id, DueWork.claimed_by == owner,
                                  DueWork.status == "pending")
            .values(status=status, finished_at=now, last_error=error[:2000], lease_until=None)
            .execution_options(synchronize_session=False))
        return bool(result.rowcount)

    async def finish_many(self, work_ids: Sequence[int], *, owner: str, status: str,
                          now: datetime) -> int:
        """`finish` for many items at once; returns how many `owner` still held."""
        if not work_ids:
            return 0
        result = await self.session.execute(
            update(DueWork).where(DueWork.id.in_(list(work_ids)), DueWork.claimed_by == owner,
                                  DueWork.status == "pending")
            .values(status=status, finished_at=now, last_error="", lease_until=None)
            .execution_options(synchronize_session=False))
        return result.rowcount or 0

    async def release(self, work_id: int, *, owner: str, error: str = "",
                      retry_at: datetime | None = None) -> bool:
        """Give an item back: after a failed delivery (to be retried at `retry_at`), or
        undelivered at shutdown (claimable again at once, by any copy)."""
        result = await self.session.execute(
            update(DueWork).where(DueWork.id == work_id, DueWork.claimed_by == owner,
                                  DueWork.status == "pending")
            .values(claimed_by=None, lease_until=retry_at, last_error=error[:2000]))
        return bool(result.rowcount)

    async def renew(self, work_ids: Collection[int], *, owner: str, until: datetime) -> set[int]:
        """Extend `owner`'s lease on these items to `until`; returns the ids it still held
        (an item missing from the answer was taken over or finished meanwhile)."""
        if not work_ids:
            return set()
        result = await self.session.execute(
            update(DueWork).where(DueWork.id.in_(list(work_ids)), DueWork.claimed_by == owner,
                                  DueWork.status == "pending")
            .values(lease_until=until).returning(DueWork.id)
            .execution_options(synchronize_session=False))
        return {row[0] for row in result}

    async def reached(self, work_id: int) -> set[str]:
        """The destinations of this item already dealt with (sent, or refused for good)."""
        return set(await self.session.scalars(
            select(DueDelivery.target).where(DueDelivery.work_id == work_id)))

    async def record_deliveries(self, rows: Sequence[tuple[int, str, str, datetime]]) -> None:
        """Record (work id, target, outcome, time) rows; a row already there is kept (two
        copies that both sent, after a lost lease, record it once)."""
        if not rows:
            return
        insert = pg_insert if self._dialect == "postgresql" else sqlite_insert
        for start in range(0, len(rows), 1000):  # well inside both drivers' parameter limits
            await self.session.execute(
                insert(DueDelivery).values([
                    {"work_id": w, "target": t, "outcome": o, "at": at}
                    for w, t, o, at in rows[start:start + 1000]])
                .on_conflict_do_nothing(index_elements=["work_id", "target"]))
