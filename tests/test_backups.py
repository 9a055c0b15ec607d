"""Backups: consistent while the bot writes, restorable, scheduled once with retention."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.backups import KIND, plan_backup, prune, slot_start
from bot.directory_io import export_file
from bot.testing import SPACE, FakeClock, make_settings
from storage.backup import BackupError, backup, check_backup, restore
from storage.db import Database
from storage.repositories.directory import DirectoryRepository, ImportedMember
from storage.search import Viewer


def _member(n: int) -> ImportedMember:
    return ImportedMember(
        handle=f"w{n:04d}", name=f"Writer {n}", role="", organisation="", region="Wales",
        bio="", timezone="", privacy=None, interests=[],
        done=[{"summary": f"Entry {n}.{i} about chromebooks", "tags": [], "year": None,
               "link": ""} for i in range(3)], identities=[])


async def test_a_backup_taken_during_writes_restores_to_an_identical_export(
        app: App, tmp_path: Path) -> None:
    """A writer commits one member (with three entries) per transaction throughout; the
    backup must hold a whole prefix of those transactions, nothing torn: its export is
    exactly the live export's first K members, for some K between the writes seen before
    the backup started and those committed once it finished."""
    stop = asyncio.Event()
    progress = asyncio.Event()
    written = 0

    async def wait_until(count: int) -> None:
        while written < count:
            progress.clear()
            await progress.wait()

    async def writer() -> None:
        nonlocal written
        while not stop.is_set():
            async with app.db.unit_of_work() as session:
                await DirectoryRepository(session, app.services.search).upsert_imported(
                    [_member(written)], default_privacy="network")
            written += 1
            progress.set()
            await asyncio.sleep(0)

    task = asyncio.create_task(writer())
    await wait_until(30)
    before = written
    target = tmp_path / "during.bak"
    await backup(app.db.url, target)
    after = written
    await wait_until(after + 10)  # and the writes carried on past it
    stop.set()
    await task

    check_backup(app.db.url, target)
    live = tmp_path / "live.jsonl"
    await export_file(app.db, app.services.search, live)
    await restore(app.db.url, target)  # into the same database: it is now the backup
    restored = tmp_path / "restored.jsonl"
    await export_file(app.db, app.services.search, restored)

    lines = restored.read_text().splitlines()
    assert before <= len(lines) <= after + 1
    assert lines == live.read_text().splitlines()[:len(lines)]
    assert all(len(json.loads(line)["done"]) == 3 for line in lines)
    async with app.db.sessions() as session:  # the search index came back with the rows
        found = await DirectoryRepository(session, app.services.search).find_people(
            "chromebooks", viewer=Viewer("fake", SPACE), regions=[], limit=100)
    assert len(found) == min(len(lines), 100)


async def test_restore_refuses_what_is_not_a_backup_of_this_database(
        app: App, tmp_path: Path) -> None:
    junk = tmp_path / "members.jsonl"
    junk.write_text('{"handle": "x"}\n')
    with pytest.raises(BackupError, match="use `staffroom export` and `import`"):
        check_backup(app.db.url, junk)
    with pytest.raises(BackupError, match="no such file"):
        check_backup(app.db.url, tmp_path / "missing.bak")


def test_retention_keeps_the_newest_and_nothing_else_is_touched(tmp_path: Path) -> None:
    names = [f"staffroom-2026110{d}-030000.db" for d in range(1, 6)]
    for name in [*names, "notes.txt", "staffroom-keepme.txt"]:
        (tmp_path / name).write_text("x")
    removed = prune(tmp_path, keep=2)
    assert sorted(p.name for p in removed) == names[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*names[3:], "notes.txt", "staffroom-keepme.txt"])


def test_slots_are_the_same_for_every_copy() -> None:
    every = timedelta(hours=6)
    now = datetime(2026, 11, 2, 9, 17, tzinfo=UTC)
    assert slot_start(now, every) == datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    assert slot_start(now + timedelta(minutes=40), every) == slot_start(now, every)


async def test_scheduled_backups_are_due_work_with_retention(
        database_url: str, tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    settings = make_settings(backup={"every_hours": 1, "directory": str(tmp_path / "bk"),
                                     "keep": 2})
    settings = settings.model_copy(update={"database": settings.database.model_copy(
        update={"url": database_url})})
    app = App(settings, clock=clock, scheduler_owner="copy-a")
    other = App(settings, clock=clock, scheduler_owner="copy-b")
    await app.open()
    try:
        for hour in range(3):
            await plan_backup(app.services)
            await plan_backup(other.services)  # a second copy plans the same slot
            clock.set(datetime(2026, 11, 2, 10 + hour, 0, 1, tzinfo=UTC))
            delivered = await app.scheduler.run_due() + await other.scheduler.run_due()
            assert delivered >= 1
        files = sorted(p.name for p in (tmp_path / "bk").iterdir())
        suffix = ".db" if app.db.is_sqlite else ".dump"
        assert files == [f"staffroom-20261102-{h}0000{suffix}" for h in ("11", "12")]
        for name in files:
            check_backup(app.db.url, tmp_path / "bk" / name)
        metrics = app.services.metrics.render()[0].decode() + \
            other.services.metrics.render()[0].decode()
        assert f'staffroom_deliveries_total{{kind="{KIND}",outcome="done"}}' in metrics
    finally:
        await other.close()
        await app.close()


async def test_a_backup_of_a_database_that_does_not_exist_says_so(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'none.db'}")
    try:
        with pytest.raises(BackupError, match="no database at"):
            await backup(db.url, tmp_path / "b.bak")
    finally:
        await db.dispose()
