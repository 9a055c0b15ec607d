"""`staffroom backup FILE`, `staffroom restore FILE`, and scheduled backups with retention.

Scheduled backups are due work (`scheduled/`): a planner on every copy plans the next slot
under one key, so however many copies run, one of them takes each backup. Only this
module's top is imported by `bot.main` (for the parsers); the rest loads when used.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from sqlalchemy.engine import URL

    from bot.commands import Capability
    from bot.context import Services
    from bot.settings import Settings
    from scheduled import Scheduler
    from storage.models import DueWork
    from storage.tombstones import Tombstone

log = logging.getLogger(__name__)

KIND = "operations.backup"
PREFIX = "staffroom-"
PLAN_EVERY = timedelta(minutes=15)


# -- command line ------------------------------------------------------------------------------
def add_parsers(sub: argparse._SubParsersAction) -> None:
    backup = sub.add_parser("backup", help="write a consistent backup of the database (safe "
                                           "while the bot runs)")
    backup.add_argument("file", type=Path, help="where to write it (replaced if it exists)")
    restore = sub.add_parser("restore", help="replace the whole database with a backup "
                                             "(asks first; stop the bot before)")
    restore.add_argument("file", type=Path, help="a file written by `staffroom backup`")
    restore.add_argument("--yes", action="store_true",
                         help="do not ask (for scripts)")


async def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import database_url
    from storage.backup import BackupError, backup
    from storage.db import display_url, normalise_url

    url = normalise_url(database_url(settings))
    try:
        info = await backup(url, args.file)
    except BackupError as exc:
        print(f"Backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"Backed up {display_url(url)} to {info.path} ({_size(info.size)}). Restore it "
          f"with `staffroom restore {info.path}`.")
    return 0


async def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import App, database_url
    from bot.introductions.privacy import reapply_erasures
    from storage.backup import BackupError, check_backup, restore
    from storage.db import display_url, normalise_url

    url = normalise_url(database_url(settings))
    try:
        check_backup(url, args.file)
    except BackupError as exc:
        print(f"Cannot restore: {exc}", file=sys.stderr)
        return 1
    where = display_url(url)
    warning = (f"This replaces EVERYTHING in {where} with the backup {args.file} "
               f"({_size(args.file.stat().st_size)}). Stop every running copy of the bot "
               "first.")
    if not args.yes:
        if not sys.stdin.isatty():
            print(f"{warning}\nNot restored: add --yes to confirm when not at a terminal.",
                  file=sys.stderr)
            return 2
        print(warning)
        answer = (await asyncio.to_thread(input, "Type 'restore' to go ahead: ")).strip()
        if answer.lower() != "restore":
            print("Not restored; nothing was changed.")
            return 1
    # erasures made since the backup are in the database the restore is about to replace
    # (and in the erasure list's file): read them first
    known = await current_erasures(settings, url)
    try:
        await restore(url, args.file)
    except BackupError as exc:
        print(f"Restore failed, nothing was changed: {exc}", file=sys.stderr)
        return 1
    app = App(settings)
    try:
        await app.open()  # a backup from an older version gets today's schema
        done = await reapply_erasures(app.services, known)
    finally:
        await app.close()
    print(f"Restored {where} from {args.file}.")
    if done.erased:
        print(f"Re-applied {done.erased} erasure{'s' if done.erased != 1 else ''} made after "
              "this backup was taken (members who used `forgetme`).")
    if done.unchecked:
        print(f"{done.unchecked} recorded erasure(s) were made with another erasure key and "
              "could not be checked: set [backup] erasure_key to the key the other copies "
              "use, then restore again.", file=sys.stderr)
    if not done.report.complete:
        print("Clearing the re-erased members from the database's files did not finish: "
              + "; ".join(done.report.problems), file=sys.stderr)
    return 0


async def current_erasures(settings: Settings, url: URL) -> list[Tombstone]:
    """The erasure list of the database a restore will replace; none when it is missing,
    unreachable or older than the list (the list's file still has them)."""
    from bot.app import database_url
    from storage.backup import sqlite_path
    from storage.db import Database
    from storage.tombstones import stored

    if url.get_backend_name() == "sqlite" and not sqlite_path(url).is_file():
        return []
    db = Database(database_url(settings))
    try:
        async with db.sessions() as session:
            return await stored(session)
    except Exception as exc:  # the file's copy of the list is read either way
        log.warning("restore: could not read the current database's erasure list (%s)",
                    type(exc).__name__)
        return []
    finally:
        await db.dispose()


def _size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], Awaitable[int]]] = {
    "backup": cmd_backup, "restore": cmd_restore,
}


# -- scheduled backups -------------------------------------------------------------------------
def backup_directory(settings: Settings) -> Path:
    from bot.settings import default_data_dir

    configured = settings.backup.directory
    return Path(configured).expanduser() if configured else default_data_dir() / "backups"


def slot_start(now: datetime, every: timedelta) -> datetime:
    """The start of the backup slot after `now`, slots counted from the Unix epoch, so every
    copy of the bot plans the same time (and so the same due-work key)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    slots = (now - epoch) // every
    return epoch + (slots + 1) * every


async def plan_backup(services: Services) -> None:
    from storage.repositories.due_work import DueWorkRepository

    hours = services.settings.backup.every_hours
    if hours <= 0:
        return
    due = slot_start(services.clock.now(), timedelta(hours=hours))
    async with services.db.unit_of_work() as session:
        await DueWorkRepository(session).plan(KIND, f"backup:{due:%Y%m%dT%H%M%SZ}", due)


async def take_backup(services: Services, work: DueWork) -> None:
    """Write this slot's backup, then delete the oldest beyond `[backup] keep`."""
    from storage.backup import backup

    folder = backup_directory(services.settings)
    suffix = ".db" if services.db.is_sqlite else ".dump"
    target = folder / f"{PREFIX}{work.due_at:%Y%m%d-%H%M%S}{suffix}"
    info = await backup(services.db.url, target)
    log.info("scheduled backup written: %s (%d bytes)", info.path, info.size)
    for old in prune(folder, services.settings.backup.keep):
        log.info("scheduled backup removed (keeping %d): %s", services.settings.backup.keep,
                 old)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` scheduled backups (named by their time); returns
    what was deleted. Files not named like ours are never touched."""
    ours = sorted(p for p in folder.glob(f"{PREFIX}*") if p.is_file()
                  and p.suffix in (".db", ".dump") and not p.name.startswith("."))
    doomed = ours[:-keep] if keep > 0 else ours
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def schedule(scheduler: Scheduler) -> None:
    from apscheduler.triggers.interval import IntervalTrigger

    # every copy can take a backup another copy planned; only planning depends on settings
    scheduler.handle(KIND, take_backup)
    hours = scheduler.services.settings.backup.every_hours
    every = min(PLAN_EVERY, timedelta(hours=hours) / 2) if hours > 0 else PLAN_EVERY
    scheduler.every("backup-planner", IntervalTrigger(seconds=every.total_seconds()),
                    plan_backup)


def capability() -> Capability:
    from bot.commands import Capability

    return Capability(name="backups", schedule=schedule)
