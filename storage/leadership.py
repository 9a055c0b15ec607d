"""Leadership between copies of the bot: a PostgreSQL session-level advisory lock.

Only one copy may hold a platform's long-lived connection (the Discord gateway) at a time.
The lock lives on one dedicated connection (outside the pool, so closing it really ends
the session): PostgreSQL drops it the moment that session ends, so a copy that dies or
loses the database hands over without anyone having to notice a lease expiring.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

PING_TIMEOUT_SECONDS = 5.0


class LeaderLock:
    """`try_acquire` once; while held, `still_held` says whether the session is alive."""

    def __init__(self, url: URL, key: int) -> None:
        self.key = key
        self._engine: AsyncEngine = create_async_engine(url, poolclass=NullPool)
        self._conn: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    async def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; never waits. Database errors mean "not now"."""
        if self._conn is not None:
            return True
        try:
            conn = await self._engine.connect()
        except Exception as exc:
            log.warning("leader lock: cannot reach the database (%s)", exc)
            return False
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = (await conn.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                      {"key": self.key})).scalar_one()
        except Exception as exc:
            log.warning("leader lock: could not ask for the lock (%s)", exc)
            await conn.close()
            return False
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def still_held(self) -> bool:
        """True while the locking session answers; False (and the lock dropped) otherwise."""
        if self._conn is None:
            return False
        try:
            await asyncio.wait_for(self._conn.execute(text("SELECT 1")), PING_TIMEOUT_SECONDS)
            return True
        except Exception as exc:
            log.warning("leader lock: lost the database session holding the lock (%s)", exc)
            await self._drop()
            return False

    async def release(self) -> None:
        if self._conn is None:
            return
        try:
            await self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        except Exception as exc:  # closing the session releases it anyway
            log.debug("leader lock: unlock failed (%s); closing the session", exc)
        await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.close()
            except Exception as exc:
                log.debug("leader lock: closing the session failed (%s)", exc)

    async def dispose(self) -> None:
        await self.release()
        await self._engine.dispose()
