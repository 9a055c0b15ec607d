"""Search benchmark, run on demand (pytest does not collect it):

    python3 -m tests.benchmarks.bench_search [--members 100000] [--queries 1000]
        [--database-url postgresql://user@127.0.0.1:5432/scratch_db] [--generator PATH]

Builds a directory with the shared gen_directory.py, then for SQLite and (when a database
URL is given, or STAFFROOM_BENCH_DATABASE_URL is set) PostgreSQL prints: import time through
our import code path, `whodone` latency p50/p99 over the queries through the core
(`bot.expertise.commands.find`, as a chat command runs it), the worst query's CPU time in
this process, and peak RSS. Each backend runs
in its own child process so its peak RSS is its own. The same run measures the baseline: a
naive FTS5 OR-query (porter tokenizer over the raw summaries, terms OR-ed, ORDER BY rank).
The PostgreSQL database is WIPED.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TARGETS = {"import_s": 30.0, "p99_ms": 15.0, "rss_mb": 250.0}


def find_generator(given: str | None) -> Path:
    candidates = [given, os.environ.get("STAFFROOM_EVAL_DIR") and
                  str(Path(os.environ["STAFFROOM_EVAL_DIR"]) / "gen_directory.py")]
    candidates += [str(p / "shared" / "eval" / "gen_directory.py") for p in ROOT.parents]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise SystemExit("gen_directory.py not found: pass --generator PATH")


def workload(directory: Path, count: int) -> list[tuple[str, str | None]]:
    """`count` queries, cycling through the generated ones (with and without regions)."""
    queries = [json.loads(line) for line in (directory / "queries.jsonl").open()]
    return [(q["query"], q.get("region")) for q in
            (queries[i % len(queries)] for i in range(count))]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _wipe_postgres(url: str) -> None:
    from sqlalchemy import text

    from storage.db import Database

    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await db.dispose()


async def run_ours(url: str, directory: Path, queries: int) -> dict[str, Any]:
    from bot.app import App
    from bot.context import Context
    from bot.directory_io import import_file
    from bot.events import Caller
    from bot.expertise.commands import find
    from bot.settings import Settings

    if url.startswith("postgres"):
        await _wipe_postgres(url)
    app = App(Settings(database={"url": url}, scheduler={"enabled": False}))
    await app.open()
    started, cpu = time.perf_counter(), time.process_time()
    result = await import_file(app.db, app.services.search, directory / "members.jsonl",
                               default_privacy="network")
    import_s, import_cpu = time.perf_counter() - started, time.process_time() - cpu
    app.freeze_heap()  # as `staffroom run` does once it has started
    caller = Caller(platform="console", space_id="local", user_id="bench")
    latencies, found, worst = [], 0, (0.0, "")
    for query, region in workload(directory, queries):
        started, cpu = time.perf_counter(), time.process_time()
        async with app.db.sessions() as session:
            ctx = Context(caller=caller, services=app.services, command="whodone",
                          session=session)
            found += len(await find(ctx, query, region, 10))
        latencies.append((time.perf_counter() - started) * 1000)
        worst = max(worst, ((time.process_time() - cpu) * 1000, query))
    await app.close()
    return {"members": result.created, "import_s": import_s, "import_cpu_s": import_cpu,
            "p50_ms": percentile(latencies, 0.5), "p99_ms": percentile(latencies, 0.99),
            "people_found": found, "rss_mb": peak_rss_mb(), "worst_cpu_ms": worst[0],
            "worst_query": worst[1]}


def run_baseline(directory: Path, queries: int) -> dict[str, Any]:
    """The naive approach: FTS5 porter over raw summaries, query words OR-ed, bm25 rank."""
    path = Path(tempfile.mkdtemp()) / "naive.db"
    con = sqlite3.connect(path)
    con.execute("CREATE VIRTUAL TABLE naive USING fts5(summary, member UNINDEXED, "
                "region UNINDEXED, tokenize = 'porter unicode61')")
    started = time.perf_counter()
    with (directory / "members.jsonl").open() as fh:
        rows = ((d["summary"], m["handle"], m.get("region", ""))
                for m in map(json.loads, fh) for d in m.get("done", []))
        con.executemany("INSERT INTO naive VALUES (?, ?, ?)", rows)
    con.commit()
    import_s = time.perf_counter() - started
    latencies = []
    for query, region in workload(directory, queries):
        words = re.findall(r"[0-9a-z]+", query.lower())
        match = " OR ".join(f'"{w}"' for w in words)
        started = time.perf_counter()
        sql = "SELECT member FROM naive WHERE naive MATCH ?"
        params: list[Any] = [match]
        if region:
            sql += " AND region = ?"
            params.append(region)
        con.execute(sql + " ORDER BY rank LIMIT 200", params).fetchall()
        latencies.append((time.perf_counter() - started) * 1000)
    con.close()
    return {"import_s": import_s, "p50_ms": percentile(latencies, 0.5),
            "p99_ms": percentile(latencies, 0.99), "rss_mb": peak_rss_mb()}


def child(args: argparse.Namespace) -> None:
    directory = Path(args.dir)
    if args.child == "baseline":
        out = run_baseline(directory, args.queries)
    else:
        out = asyncio.run(run_ours(args.url, directory, args.queries))
    print(json.dumps(out))


def measure(kind: str, directory: Path, queries: int, url: str = "") -> dict[str, Any]:
    """One backend in its own process, so peak RSS is that backend's alone."""
    cmd = [sys.executable, "-m", "tests.benchmarks.bench_search", "--child", kind,
           "--dir", str(directory), "--queries", str(queries), "--url", url]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=os.environ.get("STAFFROOM_BENCH_DATABASE_URL"))
    parser.add_argument("--generator", default=None)
    parser.add_argument("--child", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    work = Path(tempfile.mkdtemp(prefix="staffroom-bench-"))
    directory = work / "directory"
    subprocess.run([sys.executable, str(find_generator(args.generator)), "--members",
                    str(args.members), "--seed", str(args.seed), "--out", str(directory)],
                   check=True, stdout=subprocess.DEVNULL)
    runs = {"SQLite": measure("ours", directory, args.queries, f"sqlite:///{work / 'bench.db'}")}
    if args.database_url:
        runs["PostgreSQL"] = measure("ours", directory, args.queries, args.database_url)
    else:
        print("(PostgreSQL skipped: pass --database-url or set STAFFROOM_BENCH_DATABASE_URL)")
    baseline = measure("baseline", directory, args.queries)
    print(f"\n{args.members:,} members, {args.queries:,} whodone queries (limit 10)")
    print(f"{'':28}{'import s':>10}{'(cpu s)':>9}{'p50 ms':>9}{'p99 ms':>9}{'peak RSS MB':>13}")
    for name, r in runs.items():
        print(f"{'Staffroom, ' + name:28}{r['import_s']:>10.1f}{r['import_cpu_s']:>9.1f}"
              f"{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['rss_mb']:>13.0f}")
    print(f"{'naive FTS5 OR (baseline)':28}{baseline['import_s']:>10.1f}{'':>9}"
          f"{baseline['p50_ms']:>9.2f}{baseline['p99_ms']:>9.2f}{baseline['rss_mb']:>13.0f}")
    for name, r in runs.items():
        # CPU time, not wall-clock: on a loaded machine one query's wall time is mostly
        # waiting; a pathological question shows as CPU spent in this process
        print(f"{name}: worst query {r['worst_cpu_ms']:.1f} ms CPU ({r['worst_query'][:60]!r})")
    print(f"targets: import <= {TARGETS['import_s']:.0f} s, p99 <= {TARGETS['p99_ms']:.0f} ms, "
          f"peak RSS <= {TARGETS['rss_mb']:.0f} MB; load average now "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, r in runs.items():
        misses = [k for k, limit in TARGETS.items() if r[k] > limit]
        beats = r["p50_ms"] < baseline["p50_ms"] and r["p99_ms"] < baseline["p99_ms"]
        print(f"{name}: {'meets all targets' if not misses else 'misses ' + ', '.join(misses)}"
              f"; {'beats' if beats else 'does not beat'} the baseline's p50 and p99")


if __name__ == "__main__":
    main()
