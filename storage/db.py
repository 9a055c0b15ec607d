"""Engine and session factories, URL handling, and migrations on start."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION_LOCK_KEY = 0x5354_4146  # "STAF": serialises migrations across copies on PostgreSQL


class DatabaseURLError(ValueError):
    """The configured database URL cannot be used."""


class DatabaseUnavailable(Exception):
    """The database cannot be reached or refused us; the message names it (without
    credentials) and says what happened, for an operator."""


def display_url(url: URL) -> str:
    """The URL as an operator may see it in a log or on screen: no user name or password,
    and the plain backend name (postgresql://db.example:5432/staffroom)."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        return f"sqlite:///{url.database or ''}"
    shown = URL.create(backend, host=url.host, port=url.port, database=url.database)
    return shown.render_as_string(hide_password=True)


def unavailable(url: URL, exc: BaseException) -> DatabaseUnavailable | None:
    """A `DatabaseUnavailable` describing `exc` if it means the database is down, missing
    or refusing us; None for any other error."""
    from sqlalchemy.exc import DBAPIError

    where = display_url(url)
    if isinstance(exc, DBAPIError):
        exc = exc.orig if isinstance(exc.orig, BaseException) else exc
        original = getattr(exc, "__cause__", None) or exc
        name = type(original).__name__
        text = str(original).strip().splitlines()[0] if str(original).strip() else name
        if url.get_backend_name() == "sqlite":
            return DatabaseUnavailable(f"cannot open the SQLite database {where} ({text})")
        if any(word in name for word in ("Authorization", "Password", "Catalog", "Connect",
                                         "CannotConnect", "TooManyConnections")) or (
                "does not exist" in text or "authentication" in text):
            return DatabaseUnavailable(f"the PostgreSQL server refused us at {where}: {text}")
        return None
    if isinstance(exc, OSError):  # refused, unreachable, name not resolved, timed out
        reason = exc.strerror or str(exc) or type(exc).__name__
        if "Connect call failed" in str(exc) or isinstance(exc, ConnectionRefusedError):
            reason = "connection refused"
        return DatabaseUnavailable(f"the database at {where} is not answering ({reason}); "
                                   "is the server running, and are host and port right?")
    if isinstance(exc, TimeoutError):
        return DatabaseUnavailable(f"the database at {where} did not answer in time")
    return None


_OUTAGE_SQLSTATES = ("08", "53", "57P01", "57P02", "57P03", "3D000")
"""PostgreSQL's codes for "not now": connection exceptions, insufficient resources (disk
full, too many connections), the server shutting down or starting, the database gone."""
_OUTAGE_SQLITE_CODES = frozenset({5, 6, 8, 10, 13, 14})
"""SQLite's primary result codes for "not now": busy or locked past the timeout, read-only,
an I/O error, the disk full, the file cannot be opened."""


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` means the database cannot be used right now (down, unreachable,
    restarting, out of disk), as opposed to a bug in a query. Looks through SQLAlchemy's
    wrapper and the driver's chain of causes."""
    from sqlalchemy.exc import DBAPIError, DisconnectionError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, (DisconnectionError, PoolTimeout)):
        return True
    if isinstance(exc, DBAPIError) and (exc.connection_invalidated or _while_connecting(exc)):
        return True
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (OSError, TimeoutError)) and (
                current is not exc or _raised_by_driver(exc)):  # refused, reset, unreachable
            return True
        sqlstate = getattr(current, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_OUTAGE_SQLSTATES):
            return True
        code = getattr(current, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in _OUTAGE_SQLITE_CODES:
            return True
        if type(current).__name__ in ("ConnectionDoesNotExistError", "InterfaceError") and \
                "connection" in str(current).lower() and "closed" in str(current).lower():
            return True  # asyncpg: "connection is closed", "... was closed in the middle"
        nxt = current.orig if isinstance(current, DBAPIError) else None
        current = nxt if isinstance(nxt, BaseException) else (
            current.__cause__ or current.__context__)
    return False


def _while_connecting(exc: BaseException) -> bool:
    """Raised while opening a connection: whatever the server said ("not accepting
    connections", "the database system is starting up"), it cannot be used now."""
    import traceback

    return any(frame.f_code.co_name == "_handle_dbapi_exception_noconnection"
               for frame, _ in traceback.walk_tb(exc.__traceback__))


def _raised_by_driver(exc: BaseException) -> bool:
    """A bare OSError is the database's only if raised inside SQLAlchemy or a driver (the
    pool connecting), not by, say, a link check over HTTP."""
    import traceback

    return any(str(frame.f_globals.get("__name__", "")).startswith(
        ("sqlalchemy", "asyncpg", "aiosqlite", "sqlite3"))
        for frame, _ in traceback.walk_tb(exc.__traceback__))


def normalise_url(raw: str) -> URL:
    """Accept URLs as people write them and pick the async driver for them."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise DatabaseURLError(
            f"{raw!r} is not a database URL (try sqlite:///path/file.db or "
            "postgresql://user@host:5432/db)") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+asyncpg")
    raise DatabaseURLError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy, not the sqlite3 driver, starts transactions (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # deleted content is overwritten with zeros, not just unlinked: `forgetme` must not
    # leave a member's words in free space (some builds have it on already, most not)
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """Every transaction declares it may write (BEGIN IMMEDIATE). With the driver's default
    deferred BEGIN, two transactions that read and then write cannot both upgrade their
    lock, and one fails at once with "database is locked"; declared up front, the second
    simply waits its turn (busy_timeout). SQLite allows one writer at a time either way."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


POSTGRES_SETTINGS = {
    # Plan every statement for its own values: a generic plan, cached after a few runs,
    # cannot see how rare a search term is, nor that a table filled since it was made.
    "plan_cache_mode": "force_custom_plan",
    # A chat bot's queries take milliseconds: JIT compilation and parallel workers cost
    # more to start than they could save.
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
}
"""Session settings for every PostgreSQL connection (sent when it connects)."""


def alembic_config(connection: Any) -> Config:
    """Alembic's configuration for our migrations, run on an open (sync) connection."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


class Database:
    """Owns the engine and hands out sessions; one per process."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        # a failed statement's message never quotes its parameters (members' words) into
        # a logged traceback
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": not echo}
        if self.is_sqlite:
            database = self.url.database or ""
            if database and database != ":memory:":
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True,
                          connect_args={"server_settings": POSTGRES_SETTINGS})
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return "sqlite" if self.is_sqlite else "postgresql"

    @property
    def display_url(self) -> str:
        """Where the database is, without credentials (for logs and messages)."""
        return display_url(self.url)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """One transaction: commits if the block succeeds, rolls back if it raises."""
        async with self.sessions() as session, session.begin():
            yield session

    async def upgrade(self) -> None:
        """Apply every pending migration (idempotent; safe with several copies starting)."""
        from alembic import command

        def _run(connection: Any) -> None:
            command.upgrade(alembic_config(connection), "heads")

        async with self.engine.begin() as conn:
            if not self.is_sqlite:
                await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                                   {"k": _MIGRATION_LOCK_KEY})
            await conn.run_sync(_run)

    async def settle(self) -> None:
        """After a bulk load has committed, PostgreSQL: VACUUM (ANALYZE) everything, so the
        planner knows the new rows, GIN indexes absorb their pending lists, and pages are
        marked all-visible now rather than by autovacuum while members are searching.
        VACUUM cannot run in a transaction, hence a connection of its own. SQLite needs
        nothing here (the search index merges its segments inside the import)."""
        if self.is_sqlite:
            return
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM (ANALYZE)"))

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=10)

    async def dispose(self) -> None:
        await self.engine.dispose()


class AnotherCopyRunning(RuntimeError):
    """A second `staffroom run` on the same SQLite database; the message says what to do."""


def lock_sqlite_for_one_copy(database: str) -> Any:
    """Hold an exclusive lock on `<database>.lock` for as long as the returned file stays
    open (the process's life, normally), or raise `AnotherCopyRunning`.

    SQLite allows one writer at a time, and the scheduler's guarantees across copies are
    made for PostgreSQL, so one running copy per SQLite file is the documented limit; this
    makes it a refusal at start rather than a surprise. `flock` locks belong to the open
    file, so the kernel drops the lock when the holder exits, even on kill -9: a stale lock
    file never keeps the bot down.
    """
    import fcntl
    import os

    path = Path(database).expanduser().resolve()
    lock_path = path.with_name(path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock_path, "a+")  # noqa: SIM115 - held open on purpose: it is the lock
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip()
        handle.close()
        who = f" (process {holder})" if holder.isdigit() else ""
        raise AnotherCopyRunning(
            f"Not starting: another copy of Staffroom{who} is already running on the SQLite "
            f"database {path}. SQLite supports one running copy; to run several copies "
            "(for failover or load), use PostgreSQL: set [database] url to "
            "postgresql://user@host:5432/staffroom (see \"Running more than one copy\" in "
            "the README).") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
