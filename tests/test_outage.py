"""A database that goes away and comes back: every command says the directory is unavailable
and that nothing was saved, the log has one WARNING and no traceback, and the first command
after it is back works. PostgreSQL: the test database stops accepting connections and its
open ones are ended (as in a restart); SQLite: the file cannot be opened."""

from __future__ import annotations

import logging
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.app import App
from bot.core import UNAVAILABLE
from bot.testing import FakeAdapter
from storage.db import is_outage

DURING = (
    "done list",
    "done Ran a coding club for year 6 #coding",
    "whodone coding",
    "teachmeet list",
    "pins",
    "intro role=Teacher",
    "teachmeet show 1",
)


async def _admin(app: App, sql: str) -> None:
    import asyncpg

    url = make_url(str(app.db.url.render_as_string(hide_password=False)))
    conn = await asyncpg.connect(
        user=url.username, password=url.password, host=url.host, port=url.port, database="postgres"
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _hide(path: Path) -> None:
    """Move the SQLite files aside, leaving a directory where the database was."""
    aside = path.with_name("aside")
    aside.mkdir()
    for file in path.parent.glob(path.name + "*"):
        shutil.move(file, aside / file.name)
    path.mkdir()  # "unable to open database file"


def _restore(path: Path) -> None:
    path.rmdir()
    for file in path.with_name("aside").iterdir():
        shutil.move(file, path.parent / file.name)


@asynccontextmanager
async def database_away(app: App) -> AsyncIterator[None]:
    if app.db.is_sqlite:
        path = Path(app.db.url.database or "")
        await app.db.engine.dispose()
        _hide(path)
        try:
            yield
        finally:
            _restore(path)
        return
    name = app.db.url.database
    try:
        await _admin(app, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    except Exception as exc:  # pragma: no cover - a role that may not alter the database
        pytest.skip(f"cannot take the test database away: {exc}")
    try:
        await _admin(
            app,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        )
        yield
    finally:
        await _admin(app, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def logged(
    caplog: pytest.LogCaptureFixture, keep: Callable[[logging.LogRecord], bool]
) -> list[str]:
    return [f"{r.levelname} {r.name}: {r.getMessage()[:160]}" for r in caplog.records if keep(r)]


async def test_an_outage_is_answered_honestly_and_recovered_from(
    app: App, chat: FakeAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    assert not (await chat.say('intro name="Ann Jones" region=Wales')).is_error
    assert not (await chat.say("done Ran a TeachMeet for 40 teachers #teachmeet")).is_error
    caplog.set_level(logging.INFO)
    async with database_away(app):
        for typed in DURING:
            reply = await chat.say(typed)
            assert reply.is_error and reply.plain_text() == UNAVAILABLE, (typed, reply)
            # a typed answer to nothing, read as such without the database
            assert not (await chat.say("help")).is_error
    assert logged(caplog, lambda r: r.levelno >= logging.ERROR or bool(r.exc_info)) == []
    warnings = logged(caplog, lambda r: r.levelno == logging.WARNING and r.name == "bot.core")
    assert len(warnings) == 1 and "database is unavailable" in warnings[0], warnings
    # back: the first command works, and what it saves is there
    listed = await chat.say("done list")
    assert not listed.is_error and "Ran a TeachMeet" in listed.plain_text()
    assert not (await chat.say("done Ran a coding club #coding")).is_error
    assert "coding club" in (await chat.say("done list")).plain_text()


async def test_one_warning_for_a_stretch_of_outage(
    app: App, chat: FakeAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    """Commands answered in a row while it stays away log INFO after the first WARNING."""
    await chat.say("done Ran a TeachMeet for 40 teachers")
    caplog.set_level(logging.INFO)
    async with database_away(app):
        for _ in range(3):
            assert (await chat.say("done list")).plain_text() == UNAVAILABLE
    warnings = logged(caplog, lambda r: r.levelno >= logging.WARNING)
    assert len(warnings) == 1, warnings
    assert not (await chat.say("done list")).is_error


@pytest.mark.parametrize(
    "make",
    [
        lambda: ConnectionRefusedError(111, "Connect call failed"),
        lambda: ValueError("a bug"),
        lambda: KeyError("member"),
    ],
)
def test_only_database_failures_count_as_an_outage(make: Callable[[], Exception]) -> None:
    """A bare OSError raised outside the database's code (a link check) is not an outage,
    nor is a bug; see the tests above for the real drivers' errors."""
    assert not is_outage(make())
