"""Backups and restores of the whole database, safe while the bot runs.

SQLite keeps recent writes in its write-ahead log, so copying the `.db` file gives a file
that may lack them (even every table). SQLite's online-backup API copies a consistent
snapshot through a read transaction instead; writers carry on meanwhile. PostgreSQL is
dumped with its own `pg_dump` (custom format) and restored with `pg_restore` into `psql`
in one transaction, so a failed restore changes nothing. The password reaches them only
through their environment (PGPASSWORD), never their command line or our output.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int


def sqlite_path(url: URL) -> Path:
    database = url.database or ""
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database).expanduser()


def _replace_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside `target`, then rename: a reader (or a retention
    sweep) never sees half a backup."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial",
                                dir=target.parent)
    os.close(fd)
    try:
        write(Path(temp))
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# -- SQLite ------------------------------------------------------------------------------------
def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"there is no database at {source} yet (nothing to back up)")

    def write(temp: Path) -> None:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(temp)
        try:
            # all pages in one step: one read transaction, so a consistent snapshot that
            # concurrent writers cannot restart
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
            src.close()

    _replace_atomically(target, write)


def check_sqlite_backup(path: Path) -> None:
    """Refuse anything but an intact SQLite file holding a Staffroom schema."""
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head != SQLITE_MAGIC:
        kind = "a PostgreSQL dump" if head.startswith(PG_DUMP_MAGIC) else "not a SQLite file"
        raise BackupError(f"{path} is {kind}; this bot's database is SQLite (to move between "
                          "SQLite and PostgreSQL, use `staffroom export` and `import`)")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        status = conn.execute("PRAGMA quick_check").fetchone()[0]
        has_schema = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                  "AND name = 'alembic_version'").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is damaged ({exc})") from None
    finally:
        conn.close()
    if status != "ok":
        raise BackupError(f"{path} is damaged (integrity check: {status})")
    if not has_schema:
        raise BackupError(f"{path} is a SQLite file but not a Staffroom backup")


def _sqlite_restore(backup: Path, target: Path) -> None:
    check_sqlite_backup(backup)
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)  # page by page under the destination's write lock: all or nothing
    finally:
        dst.close()
        src.close()


# -- PostgreSQL --------------------------------------------------------------------------------
def _pg_env(url: URL) -> dict[str, str]:
    env = dict(os.environ)
    for key, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value:
            env[key] = str(value)
    return env


def _tool(name: str, url: URL, example: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed here, and PostgreSQL is backed up with it. Install the "
            "PostgreSQL client tools (Debian/Ubuntu: apt install postgresql-client, of the "
            "server's major version or newer), or run it where they are installed: "
            f"{example.format(where=_pg_where(url))}")
    return found


def _pg_where(url: URL) -> str:
    parts = [f"-h {url.host or 'localhost'}", f"-p {url.port or 5432}"]
    if url.username:
        parts.append(f"-U {url.username}")
    return " ".join(parts) + f" {url.database or ''}"


def _run_sync(args: list[str], env: dict[str, str], *, what: str) -> None:
    done = subprocess.run(args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, check=False)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise BackupError(f"{what} failed: " + (" / ".join(message[-3:]) or
                                                f"exit status {done.returncode}"))


async def _pg_backup(url: URL, target: Path) -> None:
    pg_dump = _tool("pg_dump", url, "pg_dump --format=custom --no-owner --no-privileges "
                                    "--file=FILE {where} (with PGPASSWORD set)")
    env = _pg_env(url)

    def write(temp: Path) -> None:
        # pg_dump reads one snapshot (a repeatable-read transaction): consistent while the
        # bot writes
        _run_sync([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                   f"--file={temp}", url.database or ""], env, what="pg_dump")

    await asyncio.to_thread(_replace_atomically, target, write)


def check_pg_backup(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if not head.startswith(PG_DUMP_MAGIC):
        kind = "a SQLite backup" if head == SQLITE_MAGIC else "not a pg_dump custom-format file"
        raise BackupError(f"{path} is {kind}; this bot's database is PostgreSQL (to move "
                          "between SQLite and PostgreSQL, use `staffroom export` and `import`)")


async def _pg_restore(url: URL, backup: Path) -> None:
    check_pg_backup(backup)
    example = ("pg_restore --no-owner --no-privileges --file=dump.sql FILE && psql "
               "--single-transaction -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public' "
               "-f dump.sql {where}")
    pg_restore = _tool("pg_restore", url, example)
    psql = _tool("psql", url, example)
    env = _pg_env(url)
    await asyncio.to_thread(_pg_restore_sync, pg_restore, psql, env, url, backup)


def _pg_restore_sync(pg_restore: str, psql: str, env: dict[str, str], url: URL,
                     backup: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="staffroom-restore-") as folder:
        script = str(Path(folder) / "dump.sql")
        _run_sync([pg_restore, "--no-owner", "--no-privileges", f"--file={script}",
                   str(backup)], env, what="pg_restore")
        # One transaction: empty the schema, then load the dump. On any error psql stops
        # (ON_ERROR_STOP) and the transaction rolls back, leaving the database as it was.
        _run_sync([psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
                   "--single-transaction",
                   "--command=DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;",
                   f"--file={script}", url.database or ""], env,
                  what="psql (loading the dump)")


# -- both ----------------------------------------------------------------------------------------
async def backup(url: URL, target: Path) -> BackupInfo:
    """Write a consistent backup of the database at `url` to `target` (replaced whole)."""
    if url.get_backend_name() == "sqlite":
        await asyncio.to_thread(_sqlite_backup, sqlite_path(url), target)
    else:
        await _pg_backup(url, target)
    return BackupInfo(target, (await asyncio.to_thread(target.stat)).st_size)


def check_backup(url: URL, path: Path) -> None:
    """Refuse a file that is not a backup of this kind of database, before asking anyone."""
    if not path.is_file():
        raise BackupError(f"no such file: {path}")
    if url.get_backend_name() == "sqlite":
        check_sqlite_backup(path)
    else:
        check_pg_backup(path)


async def restore(url: URL, backup_path: Path) -> None:
    """Replace everything in the database at `url` with the backup's contents."""
    if url.get_backend_name() == "sqlite":
        await asyncio.to_thread(_sqlite_restore, backup_path, sqlite_path(url))
    else:
        await _pg_restore(url, backup_path)
