"""Mention-to-reply latency on Discord: Staffroom next to a bare discord.py bot.

Both run the real discord.py client against the same fake Discord on loopback (gateway
and REST, see tests/adapters/discord/fake_discord.py). The clock starts when the fake
gateway sends MESSAGE_CREATE and stops when the bot's POST of its reply arrives. The bare
bot answers every mention with a constant. Staffroom answers `help` (the like-for-like: a
reply needing no database, through all the adapter's own work: grammar, dispatch, embeds),
then a plain-language question that searches the directory (200 members) and renders
people with buttons, then the same question straight into the core. Target: `help`'s p50
and p99 within 2x of the bare bot's; the search is printed to show what the core adds.

    python3 -m tests.benchmarks.bench_discord [--mentions 1000] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import discord

from adapters.discord.adapter import DiscordAdapter
from bot.app import App
from bot.events import Caller, TextMessage
from bot.settings import DiscordSettings, Settings, SpaceSettings
from storage.repositories.directory import DirectoryRepository
from tests.adapters.discord import fake_discord as fd

QUESTION = "who's done a Chromebook rollout in Wales?"
REGIONS = ["Wales", "Camden", "Kent", "West Midlands"]
TOPICS = ["Chromebook rollout", "Moodle VLE migration", "micro:bit club", "VR field trips",
          "M365 training for staff", "SEND assistive tech", "TeachMeet hosting"]


class BareBot(discord.Client):
    """The baseline: replies to every mention with a constant."""

    async def on_message(self, message: discord.Message) -> None:
        if self.user is not None and self.user in message.mentions:
            await message.channel.send("pong")


async def measure(fake: fd.FakeDiscord, count: int, question: str = QUESTION) -> list[float]:
    """Mention the connected bot `count` times, one after another; seconds per reply."""
    latencies: list[float] = []
    loop = asyncio.get_running_loop()
    for _ in range(count):
        replied: asyncio.Future[float] = loop.create_future()

        def on_call(call: fd.Call, replied: asyncio.Future[float] = replied) -> None:
            if call.method == "POST" and call.path.endswith("/messages") and not replied.done():
                replied.set_result(call.at)

        fake.on_call = on_call
        started = time.perf_counter()
        await fake.dispatch("MESSAGE_CREATE",
                            fd.message_create(f"<@{fd.BOT_ID}> {question}", user_id="1001"))
        latencies.append(await asyncio.wait_for(replied, 30) - started)
    fake.on_call = None
    return latencies


async def with_fake(body: Callable[[fd.FakeDiscord], Awaitable[list[float]]]) -> list[float]:
    fake = fd.FakeDiscord()
    await fake.start()
    try:
        with fake.patched():
            return await body(fake)
    finally:
        await fake.stop()


async def bare(count: int) -> list[float]:
    async def body(fake: fd.FakeDiscord) -> list[float]:
        intents = discord.Intents.none()
        intents.guilds = intents.guild_messages = True
        client = BareBot(intents=intents, chunk_guilds_at_startup=False,
                         guild_ready_timeout=0.01)
        await client.login("bench-token")
        task = asyncio.create_task(client.connect())
        await fake.wait_until(lambda: fake.live)
        await measure(fake, 20)  # warm up
        try:
            return await measure(fake, count)
        finally:
            await client.close()
            task.cancel()
    return await with_fake(body)


async def seed(app: App) -> None:
    async with app.db.unit_of_work() as session:
        directory = DirectoryRepository(session, app.services.search)
        for n in range(200):
            member = await directory.member_for_identity("discord", fd.GUILD_ID, str(5000 + n),
                                                         display_name=f"member{n}")
            member.region = REGIONS[n % len(REGIONS)]
            await directory.add_done(member, f"{TOPICS[n % len(TOPICS)]} for school {n}",
                                     tags=["devices"], year=2020 + n % 5)


async def core_only(app: App, count: int, question: str) -> list[float]:
    """The same question straight into the core: what the adapter adds is the difference."""
    caller = Caller("discord", fd.GUILD_ID, "1001", "alice", fd.CHANNEL_ID)
    out = []
    for _ in range(count):
        started = time.perf_counter()
        await app.core.handle_text(TextMessage(caller, question))
        out.append(time.perf_counter() - started)
    return out


async def ours(count: int, database: str) -> dict[str, list[float]]:
    settings = Settings(database={"url": database}, spaces=[SpaceSettings(
        platform="discord", id=fd.GUILD_ID)], network={"regions": REGIONS},
        discord=DiscordSettings(token="bench-token", application_id=fd.APP_ID))
    app = App(settings)
    await app.open()
    await seed(app)

    async def body(fake: fd.FakeDiscord) -> list[float]:
        adapter = DiscordAdapter(app.core, gateway_options={"guild_ready_timeout": 0.01})
        await adapter.start()
        await fake.wait_until(lambda: fake.live)
        await measure(fake, 20)  # warm up
        try:
            results["help"] = await measure(fake, count, "help")
            results["whodone"] = await measure(fake, count, QUESTION)
            results["core"] = await core_only(app, count, QUESTION)
            return []
        finally:
            await adapter.stop()
    results: dict[str, list[float]] = {}
    try:
        await with_fake(body)
        return results
    finally:
        await app.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(name: str, values: list[float]) -> tuple[float, float]:
    p50, p99 = percentile(values, 50) * 1000, percentile(values, 99) * 1000
    print(f"{name:<28} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   mean "
          f"{statistics.fmean(values) * 1000:7.2f} ms   n={len(values)}")
    return p50, p99


async def main(count: int, database: str | None) -> None:
    logging.basicConfig(level=logging.ERROR)
    base = await bare(count)
    with tempfile.TemporaryDirectory() as tmp:
        url = database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        mine = await ours(count, url)
    print(f"Mention-to-reply latency over {count} mentions (fake Discord on loopback)")
    b50, b99 = report("bare discord.py (constant)", base)
    h50, h99 = report("Staffroom `help`", mine["help"])
    o50, o99 = report("Staffroom whodone question", mine["whodone"])
    c50, _ = report("  of which the core alone", mine["core"])
    print(f"ratio to bare, `help`: p50 {h50 / b50:.2f}x, p99 {h99 / b99:.2f}x (target: 2x)")
    print(f"ratio to bare, whodone: p50 {o50 / b50:.2f}x, p99 {o99 / b99:.2f}x; adapter "
          f"overhead over the core: p50 {o50 - c50:.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1000)
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    options = parser.parse_args()
    asyncio.run(main(options.mentions, options.database))
