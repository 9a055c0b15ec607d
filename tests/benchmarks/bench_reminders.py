"""Reminder delivery lag: 10,000 teach-meet reminders due within one minute.

Run on demand (not collected by pytest), with the real clock and real APScheduler wake-ups:

    python -m tests.benchmarks.bench_reminders                       # SQLite only
    STAFFROOM_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \\
        python -m tests.benchmarks.bench_reminders                   # and PostgreSQL

The PostgreSQL database is wiped. Each reminder is the real teach-meet reminder (the event
re-read, its attendees found, a DM sent through the Notifier); lag is measured from the
reminder's due time to the end of the recording adapter's `send` call, which takes
`--latency` (50 ms: a chat platform's API call). SQLite runs one copy (its documented
limit); PostgreSQL runs `--copies` copies of the bot (2), each its own App and engine, as
separate deployments would. Printed: lag p50/p99/max, duplicates (a DM sent twice) and lost
(never sent). Target (issue 14): p99 < 2 s, 0 duplicates, 0 lost.

`--baseline REV` runs the same benchmark on the code of git revision REV (exported to a
temporary directory) against STAFFROOM_BENCH_BASELINE_DATABASE_URL (a second PostgreSQL
database: the schemas differ), and prints its figures after this build's. Benchmarks print
figures; they never assert on time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from bot.app import App
from bot.notifier import AdapterBase, Destination
from bot.replies import Reply
from bot.teachmeets.services import REMINDER_KIND, reminder_key
from bot.testing import make_settings
from storage.models import (
    Base,
    DueWork,
    Identity,
    Member,
    TeachMeet,
    TeachMeetRsvp,
)

OFFSET_MINUTES = 60


@dataclass
class Recording(AdapterBase):
    """Notes when each DM arrives; member `m<i>` goes to teach-meet i."""

    expected: int
    latency: float = 0.0
    platform: str = "fake"
    arrived: dict[str, float] = field(default_factory=dict)
    duplicates: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, destination: Destination, reply: Reply) -> None:
        await asyncio.sleep(self.latency)  # the platform's API call
        if destination.user_id in self.arrived:
            self.duplicates += 1
        self.arrived[destination.user_id] = time.time()
        if len(self.arrived) >= self.expected:
            self.done.set()


async def wipe(app: App) -> None:
    if app.db.is_sqlite:
        return
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with app.db.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names}, done_search RESTART IDENTITY CASCADE"))


async def seed(app: App, count: int, first_due: datetime, window: float) -> dict[int, datetime]:
    """`count` teach-meets, one attendee each, one reminder each, due spread over `window`.

    Written with bulk inserts: setting up is not what is measured."""
    due = {i: first_due + timedelta(seconds=window * i / count) for i in range(count)}
    ids = range(1, count + 1)
    tables: list[tuple[type[Base], list[dict[str, object]]]] = [
        (Member, [{"id": n, "handle": f"m{n - 1}", "name": f"Member {n - 1}", "role": "",
                   "organisation": "", "region": "", "bio": "", "timezone": "",
                   "privacy": "network", "created_at": first_due, "updated_at": first_due}
                  for n in ids]),
        (Identity, [{"id": n, "member_id": n, "platform": "fake", "space_id": "T-TEST",
                     "user_id": f"m{n - 1}", "display_name": "", "created_at": first_due}
                    for n in ids]),
        (TeachMeet, [{"id": n, "title": f"Bench meet {n - 1}", "description": "",
                      "organiser_id": n, "platform": "fake", "space_id": "T-TEST",
                      "channel_id": "", "timezone": "Europe/London",
                      "starts_at": due[n - 1] + timedelta(minutes=OFFSET_MINUTES),
                      "duration_minutes": 60, "venue": "", "online_url": "", "region": "",
                      "capacity": None, "slots": [], "status": "scheduled",
                      "cancel_reason": "", "sequence": 0, "created_at": first_due,
                      "updated_at": first_due} for n in ids]),
        (TeachMeetRsvp, [{"id": n, "teachmeet_id": n, "member_id": n, "answer": "going",
                          "answered_at": first_due} for n in ids]),
        (DueWork, [{"id": n, "kind": REMINDER_KIND, "key": reminder_key(n, OFFSET_MINUTES),
                    "due_at": due[n - 1], "payload": {"teachmeet_id": n,
                                                      "offset_minutes": OFFSET_MINUTES},
                    "status": "pending", "attempts": 0, "last_error": "",
                    "created_at": first_due} for n in ids]),
    ]
    async with app.db.unit_of_work() as session:
        for model, values in tables:
            for start in range(0, count, 2000):
                await session.execute(insert(model), values[start:start + 2000])
    if not app.db.is_sqlite:
        async with app.db.engine.begin() as conn:
            for model, _ in tables:
                table = model.__tablename__
                await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', "
                                        f"'id'), {count})"))
    return due


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def bench(url: str, count: int, window: float, lead: float, copies: int,
                latency: float) -> dict[str, float]:
    settings = make_settings(database={"url": url})
    app = App(settings, scheduler_owner="bench")
    await app.open()
    others = [App(settings, scheduler_owner=f"bench-{n}") for n in range(2, copies + 1)]
    for other in others:
        await other.open()
    await wipe(app)
    print(f"  seeding {count} reminders ...", flush=True)
    started = time.time()
    first_due = datetime.now(UTC) + timedelta(seconds=lead)
    due = await seed(app, count, first_due, window)
    seeded = time.time() - started
    if datetime.now(UTC) > first_due - timedelta(seconds=2):
        raise SystemExit(f"seeding took {seeded:.0f}s; raise --lead above that")
    adapter = Recording(expected=count, latency=latency)
    for copy in (app, *others):
        copy.services.notifier.register(adapter)
        await copy.scheduler.start()
    try:
        await asyncio.wait_for(adapter.done.wait(), timeout=lead + window + 120)
    except TimeoutError:
        print(f"  timed out with {len(adapter.arrived)} of {count} delivered")
    finally:
        for copy in (app, *others):
            await copy.scheduler.stop()
        await asyncio.sleep(2)  # a late duplicate would arrive now
        for copy in (app, *others):
            await copy.close()
    lags = [adapter.arrived[f"m{i}"] - due[i].timestamp() for i in range(count)
            if f"m{i}" in adapter.arrived]
    return {"delivered": len(lags), "duplicates": adapter.duplicates,
            "lost": count - len(lags),
            "p50": percentile(lags, 50), "p99": percentile(lags, 99), "max": max(lags),
            "mean": statistics.fmean(lags), "seed_s": seeded}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds the dues span")
    parser.add_argument("--lead", type=float, default=30.0,
                        help="seconds from the start of seeding to the first due time")
    parser.add_argument("--copies", type=int, default=2,
                        help="copies of the bot on PostgreSQL (SQLite runs one)")
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds each platform call takes")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--baseline", metavar="REV",
                        help="also run this benchmark on git revision REV's code")
    args = parser.parse_args()
    targets = []
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_sqlite:
            targets.append(("SQLite, 1 copy", f"sqlite:///{Path(tmp) / 'bench.db'}", 1))
        pg = os.environ.get("STAFFROOM_BENCH_DATABASE_URL")
        if pg:
            targets.append((f"PostgreSQL, {args.copies} copies", pg, args.copies))
        else:
            print("(set STAFFROOM_BENCH_DATABASE_URL to a PostgreSQL database it may wipe "
                  "to measure PostgreSQL too)")
        print(f"{args.count} reminders due within {args.window:.0f} s, "
              f"{args.latency * 1000:.0f} ms per platform call; lag = due time to delivery")
        for name, url, copies in targets:
            print(f"{name}:", flush=True)
            result = asyncio.run(bench(url, args.count, args.window, args.lead, copies,
                                       args.latency))
            verdict = "meets" if result["p99"] < 2 else "MISSES"
            print(f"  delivered {result['delivered']:.0f}/{args.count}, duplicates "
                  f"{result['duplicates']:.0f}, lost {result['lost']:.0f}; lag p50 "
                  f"{result['p50'] * 1000:.0f} ms, p99 {result['p99'] * 1000:.0f} ms, max "
                  f"{result['max'] * 1000:.0f} ms ({verdict} the p99 < 2 s target)",
                  flush=True)
        if args.baseline:
            run_baseline(args, Path(tmp) / "baseline")


def run_baseline(args: argparse.Namespace, where: Path) -> None:
    """This benchmark, unchanged, on revision `args.baseline`'s code (PostgreSQL only)."""
    url = os.environ.get("STAFFROOM_BENCH_BASELINE_DATABASE_URL")
    if not url:
        print("(set STAFFROOM_BENCH_BASELINE_DATABASE_URL to run the baseline)")
        return
    root = Path(__file__).resolve().parents[2]
    where.mkdir()
    archive = subprocess.run(["git", "-C", str(root), "archive", args.baseline],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    print(f"Baseline: revision {args.baseline}, the same run:", flush=True)
    env = {**os.environ, "PYTHONPATH": str(where), "STAFFROOM_BENCH_DATABASE_URL": url}
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--no-sqlite",
                    "--count", str(args.count), "--window", str(args.window), "--lead",
                    str(args.lead), "--copies", str(args.copies), "--latency",
                    str(args.latency)], env=env, cwd=where, check=False)


if __name__ == "__main__":
    main()
