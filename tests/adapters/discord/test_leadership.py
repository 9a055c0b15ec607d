"""Several copies against one PostgreSQL database: exactly one holds the Discord gateway.

Real copies (each its own App, engine and lock session) against the fake Discord; the
standby copies retry every 0.1 s here. SQLite has no lock (there is only ever one copy).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from adapters.discord.adapter import DiscordAdapter
from bot.app import App
from bot.notifier import Destination
from bot.replies import Reply, Text
from bot.settings import Settings
from storage.leadership import LeaderLock
from tests.adapters.discord import fake_discord as fd
from tests.adapters.discord.conftest import start_adapter

STANDBY_WAIT = 0.6
"""Several retry periods: long enough for a wrongly-started standby to have connected."""


@pytest.fixture
async def copies(database_url: str, settings: Settings) -> AsyncIterator[list[App]]:
    if database_url.startswith("sqlite"):
        pytest.skip("one copy only on SQLite: no leader lock")
    apps = [App(settings.model_copy(update={"database": settings.database.model_copy(
        update={"url": database_url})})) for _ in range(3)]
    for app in apps:
        await app.open()
    yield apps
    for app in apps:
        await app.close()


async def posts_after(fake: fd.FakeDiscord, text_: str) -> int:
    """Mention the bot once; count how many replies were posted."""
    before = len(fake.calls)
    await fake.dispatch("MESSAGE_CREATE", fd.message_create(f"<@{fd.BOT_ID}> {text_}"))
    await fake.wait_until(lambda: any(c.method == "POST" for c in fake.calls[before:]))
    await asyncio.sleep(0.2)  # time for a second (wrong) answer to arrive
    return sum(c.method == "POST" and c.path.endswith("/messages") for c in fake.calls[before:])


async def test_one_copy_connects_and_another_takes_over_when_it_stops(
        copies: list[App], fake: fd.FakeDiscord) -> None:
    first = await start_adapter(copies[0])
    await asyncio.wait_for(first.is_leader.wait(), 10)
    others = [await start_adapter(app) for app in copies[1:]]
    await asyncio.sleep(STANDBY_WAIT)
    assert fake.identifies == 1 and len(fake.live) == 1
    assert not any(o.is_leader.is_set() for o in others)
    for copy in (first, *others):  # /healthz: the leader connected, the others standing by
        health = await copy._health()
        assert health.ok and health.detail.split(":")[0] == (
            "leader" if copy is first else "standby")
    assert await posts_after(fake, "help") == 1
    # a standby cannot hear the gateway but can still deliver (reminders, DMs) over HTTP
    await others[0].send(Destination("discord", fd.GUILD_ID, channel_id=fd.CHANNEL_ID),
                         Reply(blocks=(Text("Reminder from a standby"),)))
    assert any(c.json and "Reminder from a standby" in str(c.json) for c in fake.calls)

    started = time.monotonic()
    await first.stop()
    new = await _next_leader(others)
    took = time.monotonic() - started
    assert took < 5, f"takeover took {took:.1f}s"
    assert fake.identifies == 2
    await fake.wait_until(lambda: len(fake.live) == 1)
    await asyncio.sleep(STANDBY_WAIT)
    assert len(fake.live) == 1 and sum(o.is_leader.is_set() for o in others) == 1
    assert await posts_after(fake, "help") == 1
    for adapter in others:
        await adapter.stop()
    assert new not in (first,)


async def test_a_copy_whose_database_session_dies_hands_over(
        copies: list[App], fake: fd.FakeDiscord) -> None:
    first, second = [await start_adapter(app)
                     for app in copies[:2]]
    leader = await _next_leader([first, second])
    standby = second if leader is first else first
    # the holder "dies" as far as PostgreSQL can tell: its lock session is terminated
    async with copies[2].db.engine.begin() as conn:
        killed = (await conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
            "AND objid = :key AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
            {"key": leader.settings.leader_lock_key})).all()
    assert len(killed) == 1
    await asyncio.wait_for(standby.is_leader.wait(), 10)
    await fake.wait_until(lambda: len(fake.live) == 1)
    assert fake.identifies == 2
    await asyncio.sleep(STANDBY_WAIT)
    assert len(fake.live) == 1 and not leader.is_leader.is_set()  # it stepped down
    for adapter in (first, second):
        await adapter.stop()
    assert fake.live == []


async def test_the_lock_is_exclusive_and_released(copies: list[App]) -> None:
    one = LeaderLock(copies[0].db.url, 4242)
    two = LeaderLock(copies[1].db.url, 4242)
    try:
        assert await one.try_acquire() and await one.still_held()
        assert not await two.try_acquire()
        await one.release()
        assert await two.try_acquire() and not one.held
    finally:
        await one.dispose()
        await two.dispose()


async def _next_leader(adapters: list[DiscordAdapter]) -> DiscordAdapter:
    waits = {asyncio.ensure_future(a.is_leader.wait()): a for a in adapters}
    done, pending = await asyncio.wait(waits, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    assert done, "no copy took over"
    return waits[done.pop()]


async def test_a_leader_whose_gateway_goes_silent_hands_over(
        copies: list[App], fake: fd.FakeDiscord) -> None:
    """Issue 12, item 5: Discord falls silent for the leader's connection while its process
    and its database session (so the lock) live on. Leadership follows the gateway's health:
    after `gateway_grace_seconds` down, it gives the lock up and a copy that can reach
    Discord takes over and answers mentions."""
    fake.heartbeat_interval = 100
    for n, app in enumerate(copies[:2]):
        settings = app.services.settings
        app.services.settings = settings.model_copy(update={"discord": settings.discord.model_copy(
            update={"token": f"token-{n}", "gateway_grace_seconds": 1.0})})
    first = await start_adapter(copies[0], heartbeat_timeout=0.5)
    await asyncio.wait_for(first.is_leader.wait(), 10)
    second = await start_adapter(copies[1], heartbeat_timeout=0.5)
    await asyncio.sleep(STANDBY_WAIT)
    assert not second.is_leader.is_set()

    fake.partition("token-0")  # Discord no longer answers the leader's connection
    await asyncio.wait_for(second.is_leader.wait(), 20)
    assert not first.is_leader.is_set()
    await fake.wait_until(lambda: len(fake.live) == 1)
    assert fake.live[0].token == "token-1"
    assert await posts_after(fake, "help") == 1
    health = await first._health()
    assert health.ok and health.detail.startswith("standby")  # it stood back, and says so
    assert (await second._health()).detail.startswith("leader: gateway connected")
    for adapter in (first, second):
        await adapter.stop()
