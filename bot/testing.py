"""Test support, shipped with the package: a fake adapter, a fake clock and fixtures.

Loaded as a pytest plugin (`-p bot.testing` in pyproject), so any test can ask for
`app`, `chat`, `clock` or `database_url`. Storage-backed fixtures run every test on SQLite
and on PostgreSQL; PostgreSQL is skipped unless STAFFROOM_TEST_DATABASE_URL is set (and
fails instead of skipping when STAFFROOM_REQUIRE_POSTGRES=1, as in CI).
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from hypothesis import settings as hypothesis_settings

from bot.app import App
from bot.core import Core
from bot.events import Caller, CommandInvocation, MemberJoined, TextMessage
from bot.notifier import AdapterBase, Destination, Posted, Undeliverable
from bot.replies import Reply
from bot.settings import HttpSettings, Settings, SpaceSettings

# Property tests: no per-example deadline (a loaded 2-core CI machine is slow, not wrong),
# and in CI a fixed search order, so a run is reproducible and cannot fail by luck; locally
# hypothesis keeps exploring new examples.
hypothesis_settings.register_profile("staffroom", deadline=None,
                                     derandomize=os.environ.get("CI") == "true")
hypothesis_settings.load_profile("staffroom")

PG_ENV = "STAFFROOM_TEST_DATABASE_URL"
REQUIRE_PG_ENV = "STAFFROOM_REQUIRE_POSTGRES"
PG_SKIP_REASON = (f"PostgreSQL tests skipped: set {PG_ENV}=postgresql://user@127.0.0.1:5432/db "
                  "(a database the tests may wipe) to run them")
SPACE = "T-TEST"
MODERATOR = "U-MOD"


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, when: datetime) -> None:
        self.current = when


@dataclass
class FakeAdapter(AdapterBase):
    """A platform with no network: records what the bot sends and lets tests speak as anyone."""

    core: Core
    platform: str = "fake"
    space_id: str = SPACE
    sent: list[tuple[Destination, Reply]] = field(default_factory=list)
    groups: list[tuple[str, list[str]]] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    """User, channel or thread id -> the reason the platform refuses messages to it for
    good (a thread id: the thread was deleted)."""
    threads: list[tuple[Posted, str]] = field(default_factory=list)
    """(the message, the name) of each thread opened."""
    threadless: bool = False
    """A platform without threads: `open_thread` gives None."""

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, destination: Destination, reply: Reply) -> Posted:
        reason = self.refused.get(destination.thread_id or destination.user_id
                                  or destination.channel_id)
        if reason is not None:
            raise Undeliverable(reason)
        self.sent.append((destination, reply))
        return Posted(self.platform, destination.space_id,
                      destination.channel_id or f"D-{destination.user_id}", f"M{len(self.sent)}")

    async def open_thread(self, posted: Posted, name: str) -> Destination | None:
        if self.threadless:
            return None
        self.threads.append((posted, name))
        return Destination(self.platform, posted.space_id, channel_id=posted.channel_id,
                           thread_id=posted.message_id)

    async def open_group(self, space_id: str, user_ids: list[str]) -> Destination | None:
        self.groups.append((space_id, list(user_ids)))
        return Destination(self.platform, space_id, channel_id=f"G-{'-'.join(user_ids)}")

    def caller(self, user: str, *, space: str | None = None, roles: frozenset[str] = frozenset(),
               channel: str = "C-GENERAL", direct: bool = False) -> Caller:
        """Someone speaking in a channel, or (`direct`) in a direct message with the bot."""
        return Caller(platform=self.platform, space_id=space or self.space_id, user_id=user,
                      display_name=user, channel_id=f"D-{user}" if direct else channel,
                      roles=roles, is_direct=direct)

    async def say(self, text: str, *, user: str = "alice", **kw: Any) -> Reply:
        return await self.core.handle_text(TextMessage(self.caller(user, **kw), text))

    async def press(self, command: str, args: dict[str, Any] | None = None, *,
                    user: str = "alice", **kw: Any) -> Reply:
        """A button press or form submission: a command by name with typed arguments."""
        return await self.core.invoke(CommandInvocation(self.caller(user, **kw), command,
                                                        args or {}))

    async def join(self, user: str, **kw: Any) -> None:
        await self.core.member_joined(MemberJoined(self.caller(user, **kw)))

    def sent_to(self, user: str) -> list[Reply]:
        return [r for d, r in self.sent if d.user_id == user]


def make_settings(**overrides: Any) -> Settings:
    """Settings for tests: one fake space with one configured moderator."""
    spaces = [SpaceSettings(platform="fake", id=SPACE, name="Test space",
                            introductions_channel="C-INTROS",
                            announcements_channel="C-NEWS", moderators=[MODERATOR])]
    values: dict[str, Any] = {"spaces": spaces,
                              "http": HttpSettings(host="127.0.0.1", port=0)}
    values.update(overrides)
    return Settings(**values)


async def serve_on_loopback(app: web.Application) -> tuple[web.AppRunner, int]:
    """Start a fake server (a fake Slack or Discord API) on a free loopback port; the
    caller cleans up the runner."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


# -- network guard ----------------------------------------------------------------------------
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _allowed(address: Any) -> bool:
    if isinstance(address, (str, bytes)):
        return True  # unix sockets
    host = address[0]
    if host in ("localhost", "") or (isinstance(host, str) and host.startswith("/")):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guarded(real: Any) -> Any:
    def connect(self: socket.socket, address: Any) -> Any:
        if not _allowed(address):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real(self, address)
    return connect


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that touches anything but loopback."""
    monkeypatch.setattr(socket.socket, "connect", _guarded(_real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded(_real_connect_ex))


@pytest.fixture(autouse=True)
def private_data_folder(monkeypatch: pytest.MonkeyPatch,
                        tmp_path_factory: pytest.TempPathFactory) -> None:
    """The data folder (the erasure list, downloads, logs) is a temporary one, never the
    user's: tests must not write there, nor see what another run left."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))


# -- databases ---------------------------------------------------------------------------------
def postgres_url() -> str | None:
    return os.environ.get(PG_ENV) or None


async def _reset_postgres(url: str) -> None:
    from sqlalchemy import text

    from storage.db import Database

    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await db.upgrade()
    finally:
        await db.dispose()


async def _truncate_postgres(app: App) -> None:
    from sqlalchemy import text

    from storage.models import Base

    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with app.db.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names}, done_search, search_postings, "
                                "search_vocab "
                                "RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def _postgres_ready() -> str | None:
    url = postgres_url()
    if url is None:
        return None
    try:
        asyncio.run(_reset_postgres(url))
    except Exception as exc:  # a broken PG must fail CI loudly, not skip quietly
        if os.environ.get(REQUIRE_PG_ENV) == "1":
            pytest.fail(f"PostgreSQL at {url} is required but unusable: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL at {url} is unusable ({exc}); {PG_SKIP_REASON}")
    return url


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from storage.db import Database

    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        db = Database(f"sqlite:///{path}")
        await db.upgrade()
        await db.dispose()

    asyncio.run(build())
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        template = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "staffroom.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    if postgres_url() is None:
        if os.environ.get(REQUIRE_PG_ENV) == "1":
            pytest.fail(f"{PG_ENV} must be set when {REQUIRE_PG_ENV}=1", pytrace=False)
        pytest.skip(PG_SKIP_REASON)
    url = request.getfixturevalue("_postgres_ready")
    assert url is not None
    yield url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
async def app(database_url: str, settings: Settings, clock: FakeClock) -> AsyncIterator[App]:
    instance = App(settings.model_copy(update={"database": settings.database.model_copy(
        update={"url": database_url})}), clock=clock, scheduler_owner="test")
    await instance.open()
    if not instance.db.is_sqlite:
        await _truncate_postgres(instance)
    try:
        yield instance
    finally:
        await instance.close()


@pytest.fixture
def chat(app: App) -> FakeAdapter:
    """A fake chat platform wired to the app's core and notifier."""
    adapter = FakeAdapter(app.core)
    app.services.notifier.register(adapter)
    return adapter
