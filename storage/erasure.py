"""Erasure that reaches the disk: after `forgetme` has deleted a member's rows (in its own
unit of work), `purge` removes what the database engine keeps of them in its files.

A DELETE only marks rows dead: the words stay in the table and index pages (and in the
journal) until the space happens to be reused. So:

- SQLite: every connection runs with `secure_delete` (deleted content is overwritten with
  zeros, `storage.db`); `purge` merges each FTS5 index's segments (FTS5 records a delete as
  a new segment and keeps the old terms until a merge) and checkpoints the WAL with
  TRUNCATE, so the zeroed pages reach the main file and the WAL is emptied.
- PostgreSQL: `purge` rewrites every table that held the member's rows (VACUUM FULL: a new
  file holding only live rows, with its indexes and TOAST rebuilt; the old files are
  truncated), then CHECKPOINT and a WAL switch plus a second CHECKPOINT, so the WAL
  segments that recorded the member's rows are no longer needed and are removed or
  recycled. Only the tables the unit of work changed are rewritten (each is locked while
  it is rewritten).

Capabilities that store members' text register their tables here (`register`), once, so
erasure covers them: `PERSONAL_TABLES` for PostgreSQL's rewrite, `FTS_TABLES` for SQLite's
merge. What remains outside the database's files (WAL archives, backups, the filesystem's
free blocks) is documented in the README ("What forgetme erases"); a restored backup is
erased again from the erasure list (`storage.tombstones`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

if TYPE_CHECKING:
    from storage.db import Database

log = logging.getLogger(__name__)

PERSONAL_TABLES: set[str] = {
    "members",
    "identities",
    "interests",
    "done_entries",
    "audit_log",
    "moderators",
    # search (both engines): the entries' terms and their vocabulary
    "search_docs",
    "done_search",
    "search_vocab",
    "search_postings",
    "pin_search",
    "introduction_prefs",
    "meet_requests",
    "pairing_matches",
    "pins",
    "link_codes",
    "pending_questions",
    "due_work",
    "due_deliveries",
    "teachmeets",
    "teachmeet_series",
    "teachmeet_rsvps",
    "teachmeet_talks",
    "teachmeet_feeds",
    "pending_actions",
    # after-the-event follow-ups and pairing check-ins
    "teachmeet_followups",
    "pairing_checkins",
    # asking the network: questions, who was asked, answers
    "questions",
    "question_recipients",
    "question_answers",
}
"""Tables that may hold a member's words or ids. On PostgreSQL, those of them that the
`forgetme` unit of work changed are rewritten."""

FTS_TABLES: set[str] = {"done_search", "pin_search"}
"""SQLite FTS5 tables that may hold a member's terms (merged after a `forgetme`)."""

CHECKPOINT_TRIES = 50
CHECKPOINT_PAUSE = 0.1
"""SQLite: a TRUNCATE checkpoint waits for readers to finish; retried for about 5 s."""
LOCK_TIMEOUT = "5s"
"""PostgreSQL: how long a rewrite waits for its table's lock before trying again later in
the same purge (members' commands queue behind a waiting VACUUM FULL)."""
REWRITE_TRIES = 3
OLDER_SNAPSHOTS_WAIT = 30.0
"""PostgreSQL: VACUUM FULL copies a deleted row that a still-running transaction may see
(a long read, `pg_dump`): the rewrite first waits up to this long for those to end."""


def register(*tables: str, fts: Iterable[str] = ()) -> None:
    """Declare tables that hold members' data (call at import of the capability's
    storage); `fts`: SQLite FTS5 tables among them."""
    PERSONAL_TABLES.update(tables)
    PERSONAL_TABLES.update(fts)
    FTS_TABLES.update(fts)


@dataclass
class PurgeReport:
    """What `purge` did, and what it could not do (for the log and the member's answer)."""

    rewritten: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Pending:
    """What a deleting unit of work leaves for `purge`: the tables it changed, and (on
    PostgreSQL) its transaction id (xid8): rows it deleted stay visible to, and so are
    kept by a rewrite for, transactions older than it."""

    tables: frozenset[str]
    xid: str = ""


async def pending(session: AsyncSession) -> Pending:
    """Call in the deleting unit of work, before it commits."""
    if session.bind.dialect.name == "sqlite":
        return Pending(frozenset(FTS_TABLES))
    xid = await session.scalar(text("SELECT CAST(pg_current_xact_id() AS text)"))
    return Pending(frozenset(await changed_tables(session)), str(xid))


async def changed_tables(session: AsyncSession) -> set[str]:
    """PostgreSQL: the tables this unit of work deleted or updated rows in (PostgreSQL
    counts them per transaction); if it does not count (`track_counts` off), every
    registered table."""
    rows = await session.execute(
        text(
            "SELECT relname, n_tup_del + n_tup_upd FROM pg_stat_xact_user_tables "
            "WHERE schemaname = current_schema()"
        )
    )
    counts = {name: int(n) for name, n in rows}
    if not any(counts.values()) and await session.scalar(text("SHOW track_counts")) != "on":
        return set(PERSONAL_TABLES)
    changed = {name for name, n in counts.items() if n}
    unknown = changed - PERSONAL_TABLES
    if unknown:  # table names only: no member text
        log.info(
            "forgetme changed tables not registered in storage.erasure: %s; rewriting them too",
            ", ".join(sorted(unknown)),
        )
    return changed


async def purge(db: Database, work: Pending) -> PurgeReport:
    """Remove the traces of deleted rows from the database's files (see the module
    docstring); runs after the deleting unit of work has committed."""
    if db.is_sqlite:
        return await _purge_sqlite(db)
    return await _purge_postgres(db, sorted(work.tables), work.xid)


async def _purge_sqlite(db: Database) -> PurgeReport:
    report = PurgeReport()
    async with db.unit_of_work() as session:
        existing = set(
            await session.scalars(
                text("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%fts5%'")
            )
        )
        for table in sorted(FTS_TABLES & existing):
            # merges every segment into one, dropping deleted rows' terms; with
            # secure_delete the freed segment pages are zeroed
            await session.execute(text(f'INSERT INTO "{table}"("{table}") VALUES (\'optimize\')'))
            report.rewritten.append(table)
    async with db.engine.connect() as conn:
        # on the driver's connection, outside any transaction (SQLAlchemy would begin one;
        # its AUTOCOMMIT would leave the pooled connection in the driver's implicit mode)
        driver = (await conn.get_raw_connection()).driver_connection
        for _ in range(CHECKPOINT_TRIES):
            cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _log, _done = await cursor.fetchone()
            await cursor.close()
            if not busy:
                break
            await asyncio.sleep(CHECKPOINT_PAUSE)
        else:
            report.problems.append("the WAL checkpoint stayed busy (a long read was running)")
    return report


async def _older_snapshots(conn: AsyncConnection, xid: str) -> bool:
    """Whether a transaction that began before `xid` committed is still running anywhere
    in the cluster (VACUUM FULL's own snapshot then reaches back past it, and it keeps
    the rows deleted by `xid`), or a session of this database (that this role may see)
    holds a snapshot from before then."""
    return bool(
        await conn.scalar(
            text(
                "SELECT pg_snapshot_xmin(pg_current_snapshot()) "
                "<= CAST(CAST(:xid AS text) AS xid8) "
                "OR EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() "
                "AND age(backend_xmin) >= age(CAST(CAST(CAST(:xid AS text) AS xid8) AS xid)))"
            ),
            {"xid": xid},
        )
    )


async def _purge_postgres(db: Database, tables: list[str], xid: str) -> PurgeReport:
    report = PurgeReport()
    async with db.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        if xid:
            waited = 0.0
            while await _older_snapshots(conn, xid) and waited < OLDER_SNAPSHOTS_WAIT:
                await asyncio.sleep(0.2)
                waited += 0.2
            if await _older_snapshots(conn, xid):
                report.problems.append(
                    "a transaction older than the deletion was still open, so the rewrite "
                    "may have kept the deleted rows"
                )
        await conn.exec_driver_sql(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        existing = set(
            await conn.scalars(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            )
        )
        pending = [t for t in tables if t in existing]
        for _ in range(REWRITE_TRIES):
            waiting: list[str] = []
            for table in pending:
                try:
                    # a new file with only the live rows, its indexes and TOAST rebuilt;
                    # ANALYZE replaces statistics sampled from the old rows
                    await conn.exec_driver_sql(f'VACUUM (FULL, ANALYZE) "{table}"')
                    report.rewritten.append(table)
                except DBAPIError as exc:
                    if "lock" not in str(exc.orig).lower():
                        raise
                    waiting.append(table)
            pending = waiting
            if not pending:
                break
        if pending:
            report.problems.append("could not lock " + ", ".join(pending) + " to rewrite")
        await conn.exec_driver_sql("RESET lock_timeout")
        for step in ("CHECKPOINT", "SELECT pg_switch_wal()", "CHECKPOINT"):
            try:
                await conn.exec_driver_sql(step)
            except DBAPIError as exc:
                report.problems.append(
                    f"{step} was refused ({type(exc.orig).__name__}); "
                    "grant the role pg_checkpoint and EXECUTE on "
                    "pg_switch_wal, or run it as a superuser"
                )
    return report
