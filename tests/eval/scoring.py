"""Score a "who's done X" evaluation set in-process, the way `search_eval.py` does it.

`search_eval.py` (../shared/eval) asks each question through a new `staffroom` process,
which is the figure to report; this does the same through the core's `whodone` path
(`bot.expertise.commands.find`, as `staffroom whodone --json` calls it) in one process, so a
test can hold a set to a floor in seconds. Same metrics: nDCG@10 over the `relevant` list,
recall@10, MRR, and leaks (an interest-only member returned without a matching done entry).

    python -m tests.eval.scoring DIR [--database-url URL]   # prints the summary line

The database must be empty (SQLite: a new file by default): it refuses one that already
holds members, whose entries would compete with the set's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from bot.app import App
from bot.context import Context
from bot.directory_io import import_file
from bot.events import Caller
from bot.expertise.commands import find, split_region
from storage.models import Member


@dataclass(frozen=True)
class Figures:
    ndcg: float
    recall: float
    mrr: float
    leaks: int
    queries: int
    misses: tuple[tuple[str, float, tuple[str, ...]], ...]
    """(question, nDCG, first five handles) where nDCG < 0.5."""
    per_query: tuple[tuple[str, float], ...] = ()
    """(question id, nDCG) of every question."""

    def line(self) -> str:
        return (
            f"nDCG@10={self.ndcg:.3f} recall@10={self.recall:.3f} MRR={self.mrr:.3f} "
            f"leaks={self.leaks} queries={self.queries}"
        )


def load_set(folder: Path) -> tuple[dict[str, dict], list[dict]]:
    members = {}
    for line in (folder / "members.jsonl").read_text().splitlines():
        m = json.loads(line)
        members[m["handle"]] = m
    queries = [json.loads(q) for q in (folder / "queries.jsonl").read_text().splitlines()]
    return members, queries


async def score(app: App, folder: Path, *, load: bool = True) -> Figures:
    """Import the set's members into `app` (an empty directory) and ask every question."""
    members, queries = load_set(folder)
    if load:
        await import_file(
            app.db, app.services.search, folder / "members.jsonl", default_privacy="network"
        )
    caller = Caller(platform="console", space_id="local", user_id="evaluator")
    ndcg = recall = mrr = 0.0
    leaks = 0
    misses = []
    per_query = []
    for q in queries:
        async with app.db.sessions() as session:
            ctx = Context(caller=caller, services=app.services, command="whodone", session=session)
            query, region = q["query"], q.get("region")
            if region is None:
                query, region = await split_region(ctx, query)
            found = await find(ctx, query, region, 10)
        got = [f.member.handle for f in found]
        relevant = set(q["relevant"])
        dcg = sum(1 / math.log2(i + 2) for i, h in enumerate(got[:10]) if h in relevant)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
        ndcg += dcg / ideal
        per_query.append((q.get("id", q["query"]), round(dcg / ideal, 3)))
        recall += len(relevant & set(got[:10])) / min(10, len(relevant))
        mrr += next((1 / (i + 1) for i, h in enumerate(got) if h in relevant), 0.0)
        for f in found[:10]:
            if f.member.handle in q.get("interest_only", []):
                wishes = {w.lower() for w in members[f.member.handle].get("interests", [])}
                shown = [e.summary.lower() for e in f.entries]
                if not shown or any(s in wishes for s in shown):
                    leaks += 1
        if dcg / ideal < 0.5:
            misses.append((q["query"], round(dcg / ideal, 2), tuple(got[:5])))
    n = len(queries)
    return Figures(ndcg / n, recall / n, mrr / n, leaks, n, tuple(misses), tuple(per_query))


async def _main(folder: Path, url: str | None, per_query: bool) -> None:
    from bot.testing import make_settings

    settings = make_settings()
    url = url or f"sqlite:///{tempfile.mkdtemp()}/eval.db"
    app = App(
        settings.model_copy(update={"database": settings.database.model_copy(update={"url": url})})
    )
    await app.open()
    try:
        async with app.db.sessions() as session:
            already = await session.scalar(select(func.count()).select_from(Member))
        if already:  # other members would compete with the set's and skew its figures
            raise SystemExit(f"The database already holds {already} members; score a set in "
                             "an empty database (a new one for each set).")
        figures = await score(app, folder)
    finally:
        await app.close()
    for query, value, got in figures.misses:
        print(f"miss: {query!r} nDCG={value:.2f} got={list(got)}")
    if per_query:
        for qid, value in figures.per_query:
            print(f"{qid}\t{value:.3f}")
    print(figures.line())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", type=Path)
    parser.add_argument("--database-url")
    parser.add_argument("--per-query", action="store_true", help="every question's nDCG")
    args = parser.parse_args()
    asyncio.run(_main(args.dir, args.database_url, args.per_query))
