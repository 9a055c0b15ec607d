"""`forgetme` reaches the disk: after it answers, the database's own files hold none of the
member's words (read as bytes), on SQLite (main file, -wal, -shm) and PostgreSQL (the
files of every table that held their rows, its indexes and TOAST)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import App
from bot.testing import FakeAdapter
from storage import erasure
from storage.search.analysis import analyse_document
from tests.introductions.helpers import buttons, member

USER = "zqwertleby"
NAME = "Xanthippe Qwertleby"
WORDS = (
    "flibbertigibbet",
    "gazpachoists",
    "quokkaphone",
    "marmalisation",
    "snorkelwomp",
    "zugzwangery",
)
"""Words nobody else uses, each put somewhere else: bio, entries, interests, a pin, a
teach-meet talk, a pending question's answer."""


async def _member_with_everything(app: App, chat: FakeAdapter) -> None:
    await chat.join(USER)
    for line in (
        f"done Ran a {WORDS[1]} hackathon for year 9",
        f"done Built a {WORDS[2]} listening post",
    ):
        assert not (await chat.say(line, user=USER)).is_error
    reply = await chat.say(
        f'intro name="{NAME}" role="Head of {WORDS[3]}" region=Fife '
        f'bio="A {WORDS[0]} of a teacher" learn="{WORDS[4]} tuning"',
        user=USER,
    )
    assert not reply.is_error, reply.plain_text()
    assert not (
        await chat.say(f"pin https://example.org/{WORDS[5]} {WORDS[5]} notes", user=USER)
    ).is_error
    made = await chat.say(
        'teachmeet create "Autumn TeachMeet" start="2026-12-03 16:00 '
        'Europe/London" link=https://meet.example.org/x slots="2 nano" '
        "confirm=yes",
        user="ann",
    )
    assert not made.is_error, made.plain_text()
    talk = await chat.say(f"teachmeet present 1 nano {WORDS[0]} quizzes", user=USER)
    assert not talk.is_error, talk.plain_text()
    # others' data stays, and keeps the database busy around the member's rows
    for user in ("ann", "bob"):
        await chat.say(f"done Rolled out Chromebooks to {user}'s school", user=user)


def _needles() -> list[bytes]:
    words = [USER, *NAME.split(), *WORDS]
    words += analyse_document(" ".join(WORDS)).terms.split()  # the index's stems
    return sorted({w.lower().encode() for w in words if len(w) >= 6})


def _found(files: dict[str, bytes]) -> dict[bytes, list[str]]:
    """Each of the member's words still on disk, and which files hold it."""
    lowered = {name: data.lower() for name, data in files.items()}
    found = {n: [name for name, data in lowered.items() if n in data] for n in _needles()}
    return {n: names for n, names in found.items() if names}


async def _forget(chat: FakeAdapter) -> None:
    asked = await chat.say("forgetme", user=USER)
    press = buttons(asked)[0]
    reply = await chat.press(press.command, dict(press.args), user=USER)
    assert not reply.is_error and reply.tone == "success", reply.plain_text()


def _sqlite_files(app: App) -> dict[str, bytes]:
    path = Path(app.db.url.database or "")
    files = (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
    return {p.name: p.read_bytes() for p in files if p.exists()}


def _wal_size(app: App) -> int:
    """0 when the WAL is empty or gone (some drivers remove it when the last connection
    closes)."""
    wal = Path(f"{app.db.url.database}-wal")
    return wal.stat().st_size if wal.exists() else 0


async def _postgres_files(app: App) -> dict[Path, str]:
    """The files of every registered table, its indexes and its TOAST table and index,
    with the relation each belongs to."""
    async with app.db.engine.connect() as conn:
        base = Path(await conn.scalar(text("SHOW data_directory")))
        rows = await conn.execute(
            text("""
            WITH t AS (SELECT c.oid, c.reltoastrelid FROM pg_class c
                       WHERE c.relkind = 'r' AND c.relname = ANY(:tables)
                       AND c.relnamespace = to_regnamespace(current_schema())::oid)
            SELECT pg_relation_filepath(oid), oid::regclass::text FROM t
            UNION SELECT pg_relation_filepath(reltoastrelid), reltoastrelid::regclass::text
                  FROM t WHERE reltoastrelid <> 0
            UNION SELECT pg_relation_filepath(i.indexrelid), i.indexrelid::regclass::text
                  FROM pg_index i
                  WHERE i.indrelid IN (SELECT oid FROM t UNION SELECT reltoastrelid FROM t)"""),
            {"tables": sorted(erasure.PERSONAL_TABLES)},
        )
        relative = [(path, name) for path, name in rows if path]
    files: dict[Path, str] = {}
    for rel, name in relative:
        first = base / rel
        forks = re.compile(rf"{first.name}(\.\d+|_fsm|_vm|_init)?")
        files.update({p: name for p in first.parent.iterdir() if forks.fullmatch(p.name)})
    return files


async def _postgres_bytes(app: App) -> dict[str, bytes]:
    async with app.db.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("CHECKPOINT"))  # the shared buffers onto disk
    files = await _postgres_files(app)
    if not files or not all(os.access(p, os.R_OK) for p in files):
        pytest.skip(
            "PostgreSQL's data files are not readable by the test (run it on the "
            "database's host as its owner or root)"
        )
    return {f"{name} ({p.name})": p.read_bytes() for p, name in files.items()}


async def _disk(app: App) -> dict[str, bytes]:
    return _sqlite_files(app) if app.db.is_sqlite else await _postgres_bytes(app)


async def test_forgetme_leaves_none_of_the_members_words_in_the_database_files(
    app: App, chat: FakeAdapter
) -> None:
    await _member_with_everything(app, chat)
    zed = await member(app, USER)
    assert zed.name == NAME
    before = set(_found(await _disk(app)))
    assert before >= {USER.encode(), b"flibbertigibbet", b"qwertleby"}, before  # test can fail
    await _forget(chat)
    assert _found(await _disk(app)) == {}
    # everyone else's data is still there and searchable
    assert "Chromebooks" in (await chat.say("whodone chromebooks", user="ann")).plain_text()
    if app.db.is_sqlite:
        assert _wal_size(app) == 0  # checkpointed, then truncated


async def test_every_sqlite_connection_deletes_securely(app: App) -> None:
    if not app.db.is_sqlite:
        pytest.skip("a SQLite setting")
    async with app.db.engine.connect() as conn:
        assert await conn.scalar(text("PRAGMA secure_delete")) == 1


async def test_postgres_rewrites_only_the_tables_forgetme_changed(
    app: App, chat: FakeAdapter
) -> None:
    if app.db.is_sqlite:
        pytest.skip("PostgreSQL's rewrite")
    await chat.say("done Rolled out Chromebooks", user="ann")
    await chat.join(USER)
    async with app.db.sessions() as session:
        filenode = await session.scalar(text("SELECT pg_relation_filenode('done_entries')"))
    await _forget(chat)
    async with app.db.sessions() as session:
        members = await session.scalar(text("SELECT pg_relation_filenode('members')"))
        assert (
            await session.scalar(text("SELECT pg_relation_filenode('done_entries')")) == filenode
        )  # the member logged nothing: done_entries was not locked
    assert members is not None


async def test_a_purge_that_cannot_finish_is_said_and_logged_without_the_member(
    app: App, chat: FakeAdapter, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await chat.join(USER)
    assert not (await chat.say(f"done Ran a {WORDS[1]} club", user=USER)).is_error

    async def refused(*_args: object) -> erasure.PurgeReport:
        raise PermissionError(f"no rights to clear {WORDS[1]}")

    monkeypatch.setattr(erasure, "purge", refused)
    asked = await chat.say("forgetme", user=USER)
    press = buttons(asked)[0]
    reply = await chat.press(press.command, dict(press.args), user=USER)
    assert reply.tone == "warning" and "did not finish" in reply.plain_text()
    assert "deleted" in reply.plain_text()
    async with app.db.sessions() as session:  # the rows went all the same
        assert await session.scalar(text("SELECT count(*) FROM members")) == 0
    problems = [r for r in caplog.records if r.levelno >= 30]
    assert problems and all(WORDS[1] not in r.getMessage() for r in problems)


def test_every_table_that_refers_to_a_member_is_erased_from_disk() -> None:
    """A new table keyed to members must join `PERSONAL_TABLES`, or PostgreSQL's rewrite
    would leave its dead rows in the table files after `forgetme`."""
    import storage.models  # noqa: F401  (registers every table on the metadata)
    from storage.models.base import Base

    missing = sorted(table.name for table in Base.metadata.sorted_tables
                     if any(fk.column.table.name == "members" for fk in table.foreign_keys)
                     and table.name not in erasure.PERSONAL_TABLES)
    assert missing == []
