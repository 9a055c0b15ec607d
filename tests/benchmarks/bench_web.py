"""Web pages benchmark, run on demand (pytest does not collect it):

    python3 -m tests.benchmarks.bench_web [--pins 10000] [--meets 500] [--requests 200]
        [--database-url postgresql://user@127.0.0.1:5432/scratch_db]

Fills a database with N published pins (tagged, indexed like any pin) and M teach-meets
over the coming year (regions, talks, sign-ups, members of every privacy choice), starts
the bot's HTTP server on a free loopback port, and fetches every kind of page in turn, each
address different (ids, pages, queries and tags vary), printing p50/p99 latency and the
largest body per page. The same run measures the baseline: `/healthz` (the server's floor:
HTTP plus one database round trip) and a static file. Target: every page's p99 < 50 ms.
Without --database-url it uses a temporary SQLite file; a PostgreSQL database is WIPED.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

TARGET_P99_MS = 50.0
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WORDS = ("chromebook rollout safety online parents vle moodle assessment send cpd microbit "
         "coding robotics library museum art drama phonics maths science primary secondary "
         "teams office google classroom accessibility dyslexia broadband wifi devices ipad "
         "podcast radio film animation").split()
FILLER = [f"{a}{b}{c}" for a in ("bra", "cle", "dro", "fen", "gal", "hop", "jin", "kel",
                                "lum", "mor", "nev", "pol", "quar", "ros", "sil", "tam")
          for b in ("a", "e", "i", "o", "u") for c in ("nd", "rk", "st", "mp", "lt")]
"""400 made-up words: the bulk of the text, each rare."""
QUERIES = ["online safety", "chromebook rollout", "microbit coding", "museum art",
           "office teams", "dyslexia accessibility", "podcast", "nothing-matches-this"]
REGIONS = ["Wales", "Kent", "Camden", "Leeds", "North East", "Glasgow", "Bristol", "Devon",
           "Manchester", "Belfast"]


class FixedClock:
    def now(self) -> datetime:
        return NOW


async def fill(url: str, pins: int, meets: int, rnd: random.Random) -> None:
    from storage.db import Database
    from storage.models import Member, Pin, TeachMeet, TeachMeetRsvp, TeachMeetTalk
    from storage.repositories.resources import PinRepository

    db = Database(url)
    await db.upgrade()
    async with db.unit_of_work() as session:
        people = [Member(handle=f"m{n:05d}", name=f"Member {n}", privacy=("network", "space",
                         "hidden")[n % 3], web_listing=n % 2 == 0, role="", organisation="",
                         region=REGIONS[n % len(REGIONS)], bio="", timezone="")
                  for n in range(300)]
        session.add_all(people)
        await session.flush()
        repo = PinRepository(session)
        start = NOW - timedelta(days=900)
        for n in range(pins):
            # Field words are common (each in several hundred pins); the rest of the text
            # is drawn from a wide vocabulary, as a real library's is.
            title = " ".join([rnd.choice(WORDS), *rnd.sample(FILLER, 3)]).capitalize()
            text = [*rnd.sample(WORDS, 2), *rnd.sample(FILLER, 18)]
            rnd.shuffle(text)
            await repo.add(Pin(
                url=f"https://bench.example/{n}", url_key=f"{n:064d}", title=title,
                description=" ".join(text), tags=[rnd.choice(WORDS), rnd.choice(FILLER[:200])],
                status="published", published_at=start + timedelta(minutes=90 * n),
                created_at=start, added_by_platform="", added_by_space="", added_by_user="",
                reviewed_by="", reject_reason="", link_status="unchecked",
                consecutive_failures=0, last_error=""))
        for n in range(meets):
            when = NOW + timedelta(hours=2 + n * 17)
            meet = TeachMeet(
                title=f"TeachMeet {' '.join(rnd.sample(WORDS, 2))} {n}", description="Talks.",
                organiser_id=people[n % len(people)].id, platform="slack", space_id="T1",
                channel_id="", starts_at=when, duration_minutes=120, timezone="Europe/London",
                venue=f"Venue {n}", online_url="", region=REGIONS[n % len(REGIONS)],
                capacity=40, slots=[{"type": "nano", "count": 6, "minutes": 2}],
                status="scheduled", cancel_reason="", sequence=0, created_at=NOW,
                updated_at=NOW)
            session.add(meet)
            await session.flush()
            for k in range(6):
                person = people[(n * 7 + k) % len(people)]
                session.add(TeachMeetTalk(teachmeet_id=meet.id, member_id=person.id,
                                          kind="nano", title=f"Talk {k}", minutes=2,
                                          created_at=NOW))
            for k in range(20):
                person = people[(n * 11 + k) % len(people)]
                session.add(TeachMeetRsvp(teachmeet_id=meet.id, member_id=person.id,
                                          answer="going", answered_at=NOW))
    await db.settle()
    await db.dispose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def measure(url: str, pins: int, meets: int, requests: int, rnd: random.Random) -> bool:
    from bot.app import App
    from bot.settings import Settings

    settings = Settings(database={"url": url}, http={"host": "127.0.0.1", "port": 0},
                        web={"page_size": 20})
    app = App(settings, clock=FixedClock())  # type: ignore[arg-type]
    await app.open()
    server = app.build_http()
    await server.start()
    kinds = {
        "baseline /healthz": lambda: "/healthz",
        "baseline static css": lambda: f"/static/web.css?v={rnd.random()}",
        "/": lambda: "/",
        "/teachmeets": lambda: "/teachmeets",
        "/teachmeets?region&page": lambda: (f"/teachmeets?region={rnd.choice(REGIONS)}"
                                            f"&page={rnd.randint(1, 2)}"),
        "/teachmeets/<id>": lambda: f"/teachmeets/{rnd.randint(1, meets)}",
        "/teachmeets/<id>.ics": lambda: f"/teachmeets/{rnd.randint(1, meets)}.ics",
        "/library": lambda: "/library",
        "/library?page": lambda: f"/library?page={rnd.randint(2, pins // 20)}",
        "/library?q": lambda: f"/library?q={rnd.choice(QUERIES).replace(' ', '+')}",
        "/library?q&tag&page": lambda: (f"/library?q={rnd.choice(QUERIES).replace(' ', '+')}"
                                        f"&tag={rnd.choice(WORDS)}&page=1"),
        "/library?tag": lambda: f"/library?tag={rnd.choice(WORDS)}",
        "/library/<id>": lambda: f"/library/{rnd.randint(1, pins)}",
    }
    ok = True
    try:
        async with aiohttp.ClientSession() as client:
            for _ in range(20):  # warm up: templates compiled, connections open
                await client.get(server.url + "/library")
            print(f"{app.db.dialect}: {pins} pins, {meets} teach-meets, {requests} requests "
                  "per page kind (sequential, one client)")
            for name, make in kinds.items():
                timings, biggest = [], 0
                for _ in range(requests):
                    path = make()
                    began = time.perf_counter()
                    async with client.get(server.url + path,
                                          headers={"Accept-Encoding": "identity"}) as resp:
                        body = await resp.read()
                    timings.append((time.perf_counter() - began) * 1000)
                    assert resp.status in (200, 404), (path, resp.status)
                    biggest = max(biggest, len(body))
                p50, p99 = percentile(timings, 0.5), percentile(timings, 0.99)
                page = not name.startswith("baseline")
                verdict = "" if not page else ("  ok" if p99 < TARGET_P99_MS else "  SLOW")
                ok = ok and (not page or p99 < TARGET_P99_MS)
                print(f"  {name:26s} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  "
                      f"largest {biggest / 1024:5.1f} KB{verdict}")
    finally:
        await server.stop()
        await app.close()
    print(f"target: every page p99 < {TARGET_P99_MS:.0f} ms: {'met' if ok else 'NOT met'}")
    return ok


async def _wipe_postgres(url: str) -> None:
    from sqlalchemy import text

    from storage.db import Database

    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await db.dispose()


async def run(url: str, args: argparse.Namespace) -> bool:
    if not url.startswith("sqlite"):
        await _wipe_postgres(url)
    began = time.perf_counter()
    await fill(url, args.pins, args.meets, random.Random(args.seed))
    print(f"filled in {time.perf_counter() - began:.1f}s")
    return await measure(url, args.pins, args.meets, args.requests, random.Random(args.seed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pins", type=int, default=10_000)
    parser.add_argument("--meets", type=int, default=500)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=os.environ.get("STAFFROOM_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        ok = asyncio.run(run(f"sqlite:///{Path(folder) / 'bench.db'}", args)) and ok
    if args.database_url:
        ok = asyncio.run(run(args.database_url, args)) and ok
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
