"""Latency of a signed `/whodone` slash command over loopback, next to a bare slack-bolt app.

    python3 -m tests.benchmarks.bench_slack [--requests 1000] [--database URL]

Ours: the real Slack adapter in front of the real core and database (SQLite in a temporary
folder unless --database is given), with a few hundred members' entries to search. "ack" is
the HTTP response to the signed request; "response" is when the answer (Block Kit) reaches
the response URL on the fake Slack. The bare apps are slack-bolt AsyncApps served by bolt's
own aiohttp adapter, acknowledging the same signed request with a constant; for them ack and
response are the same moment. Requests are sent one at a time; figures are in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import SlackAdapter
from bot.app import App
from bot.events import Caller, TextMessage
from bot.settings import HttpSettings, SlackSettings, SpaceSettings
from bot.testing import make_settings, serve_on_loopback
from tests.adapters.slack.fake_slack import FakeSlack, SlackClient, sign

SECRET = "bench-secret"
TOPICS = ("Chromebooks 1:1 rollout", "Moodle VLE migration", "TeachMeet for 40 teachers",
          "micro:bit coding club", "Office 365 training", "SEND assistive tech audit",
          "Google Classroom for year 9", "VR headsets in geography", "broadband upgrade")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def seed(app: App, members: int) -> None:
    for n in range(members):
        caller = Caller("slack", "T1", f"U{n:04d}", display_name=f"member{n}")
        for k in range(3):
            topic = TOPICS[(n + k) % len(TOPICS)]
            await app.core.handle_text(TextMessage(caller, f"done {topic} #t{k} {2015 + k}"))


async def measure(send: Callable[[], Awaitable[tuple[float, float]]], count: int,
                  warmup: int) -> tuple[list[float], list[float]]:
    for _ in range(warmup):
        await send()
    acks, responses = [], []
    for _ in range(count):
        ack, response = await send()
        acks.append(ack * 1000)
        responses.append(response * 1000)
    return acks, responses


Server = Callable[[str, "Queue[int]", "EventType"], Awaitable[None]]


async def _until(stop: EventType) -> None:
    await asyncio.get_running_loop().run_in_executor(None, stop.wait)


async def serve_ours(api_url: str, database: str, members: int, ports: Queue[int],
                     stop: EventType) -> None:
    settings = make_settings(
        database={"url": database},
        spaces=[SpaceSettings(platform="slack", id="T1", name="Bench")],
        slack=SlackSettings(bot_token="xoxb-1", signing_secret=SECRET, api_base_url=api_url),
        http=HttpSettings(host="127.0.0.1", port=0))
    app = App(settings)
    await app.open()
    await seed(app, members)
    adapter = SlackAdapter(app.core)
    server = app.build_http([adapter])
    await server.start()
    await adapter.start()
    assert server.port is not None
    ports.put(server.port)
    try:
        await _until(stop)
    finally:
        await adapter.stop()
        await server.stop()
        await app.close()


async def serve_bare(api_url: str, process_before_response: bool, ports: Queue[int],
                     stop: EventType) -> None:
    bolt = AsyncApp(signing_secret=SECRET,
                    client=AsyncWebClient(token="xoxb-1", base_url=api_url),
                    process_before_response=process_before_response)

    @bolt.command("/whodone")
    async def constant(ack: Callable[..., Awaitable[None]]) -> None:
        await ack("Nobody has logged that yet.")

    runner, port = await serve_on_loopback(bolt.web_app())
    ports.put(port)
    try:
        await _until(stop)
    finally:
        await runner.cleanup()


def _child(name: str, *args: object) -> None:
    logging.basicConfig(level=logging.WARNING)
    server = {"ours": serve_ours, "bare": serve_bare}[name]
    asyncio.run(server(*args))  # type: ignore[arg-type]


async def run_against(name: str, args: tuple[object, ...], fake: FakeSlack, count: int,
                      warmup: int, *, answered_in_ack: bool) -> tuple[list[float], list[float]]:
    """Start the server in its own process (so the load generator does not share its event
    loop), then send signed requests one at a time."""
    context = multiprocessing.get_context("spawn")
    ports: Queue[int] = context.Queue()
    stop = context.Event()
    process = context.Process(target=_child, args=(name, *args, ports, stop))
    process.start()
    try:
        port = await asyncio.get_running_loop().run_in_executor(None, ports.get, True, 600)
        async with aiohttp.ClientSession() as session:
            client = SlackClient(f"http://127.0.0.1:{port}", fake, SECRET, session)

            async def send() -> tuple[float, float]:
                url = fake.new_response_url()
                waiter = fake.wait_response(url.rsplit("/", 1)[1])
                body = client.command_body("chromebooks", command="/whodone", user="U0001",
                                           response_url=url)
                headers = {"Content-Type": "application/x-www-form-urlencoded",
                           **sign(SECRET, body)}
                start = time.perf_counter()
                async with session.post(client.endpoint, data=body.encode(),
                                        headers=headers) as resp:
                    text = await resp.text()
                    assert resp.status == 200, text
                acked = time.perf_counter()
                if answered_in_ack:
                    fake.response_waiters.pop(url.rsplit("/", 1)[1], None)
                    assert "Nobody" in text
                    return acked - start, acked - start
                answered = await asyncio.wait_for(waiter, 10)
                return acked - start, answered - start

            return await measure(send, count, warmup)
    finally:
        stop.set()
        await asyncio.get_running_loop().run_in_executor(None, process.join, 30)


def row(name: str, values: list[float]) -> str:
    return (f"{name:<44} p50 {statistics.median(values):7.2f}   "
            f"p99 {percentile(values, 99):7.2f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    fake = FakeSlack()
    await fake.start()
    n, w = args.requests, args.warmup
    try:
        with tempfile.TemporaryDirectory() as folder:
            database = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
            our_acks, our_responses = await run_against(
                "ours", (fake.api_url, database, args.members), fake, n, w,
                answered_in_ack=False)
        bare_default, _ = await run_against("bare", (fake.api_url, False), fake, n, w,
                                            answered_in_ack=True)
        bare_inline, _ = await run_against("bare", (fake.api_url, True), fake, n, w,
                                           answered_in_ack=True)
    finally:
        await fake.stop()
    print(f"{args.requests} signed /whodone requests on loopback, one at a time (ms)")
    print(row("staffroom: ack", our_acks))
    print(row("staffroom: response (Block Kit at response_url)", our_responses))
    print(row("bare bolt AsyncApp, constant ack", bare_default))
    print(row("bare bolt AsyncApp (process_before_response)", bare_inline))
    median = statistics.median
    for name, base in (("bare default", bare_default), ("bare inline", bare_inline)):
        print(f"ours / {name}: ack p50 {median(our_acks) / median(base):.2f}x, "
              f"ack p99 {percentile(our_acks, 99) / percentile(base, 99):.2f}x, "
              f"response p50 {median(our_responses) / median(base):.2f}x, "
              f"response p99 {percentile(our_responses, 99) / percentile(base, 99):.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
