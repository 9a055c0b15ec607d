"""How fast the library answers `pins <query>` and `pins` with many pins (run on demand):

    python -m tests.benchmarks.pins_search [N_PINS] [DATABASE_URL]

Prints the time to index N pins and the median/95th-percentile query times. With no URL it
uses a temporary SQLite file.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.db import Database
from storage.models import Pin
from storage.repositories.resources import PinRepository

WORDS = ("chromebook rollout safety online parents vle moodle assessment sen send cpd "
         "microbit coding robotics library museum art drama phonics maths science primary "
         "secondary teams office 365 google classroom accessibility dyslexia esafety "
         "broadband wifi devices ipad tablets podcast radio film animation").split()
QUERIES = ["online safety", "chromebook rollout", "microbit coding", "museum art",
           "office 365 teams", "dyslexia accessibility", "podcast", "nothing-matches-this"]


async def run(count: int, url: str) -> None:
    db = Database(url)
    await db.upgrade()
    rnd = random.Random(7)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    async with db.unit_of_work() as session:
        repo = PinRepository(session)
        for n in range(count):
            title = " ".join(rnd.sample(WORDS, 4)).capitalize()
            await repo.add(Pin(
                url=f"https://bench.example/{n}", url_key=f"{n:064d}", title=title,
                description=" ".join(rnd.sample(WORDS, 12)), tags=rnd.sample(WORDS, 2),
                status="published", published_at=start + timedelta(minutes=n),
                created_at=start, added_by_platform="", added_by_space="", added_by_user="",
                reviewed_by="", reject_reason="", link_status="unchecked",
                consecutive_failures=0, last_error=""))
    indexed = time.perf_counter() - began
    timings: dict[str, list[float]] = {"search": [], "browse": []}
    async with db.sessions() as session:
        repo = PinRepository(session)
        for _round in range(20):
            for query in QUERIES:
                t0 = time.perf_counter()
                await repo.search(query, limit=10)
                timings["search"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await repo.browse(tags=["safety"], limit=10, offset=20)
            timings["browse"].append(time.perf_counter() - t0)
    await db.dispose()
    print(f"{db.dialect}: indexed {count} pins in {indexed:.2f}s")
    for name, values in timings.items():
        values.sort()
        p95 = values[int(len(values) * 0.95) - 1]
        print(f"  {name}: median {statistics.median(values) * 1000:.2f} ms, "
              f"p95 {p95 * 1000:.2f} ms over {len(values)} queries")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    if len(sys.argv) > 2:
        asyncio.run(run(count, sys.argv[2]))
        return
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(count, f"sqlite:///{Path(folder) / 'bench.db'}"))


if __name__ == "__main__":
    main()
