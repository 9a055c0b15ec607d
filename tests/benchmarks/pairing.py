"""How long one peer-pairing round's matching takes, by number of opted-in members.

Run on demand: `python -m tests.benchmarks.pairing`. Prints seconds per round (averaged
over six consecutive rounds, each avoiding every earlier pair) and checks no pair repeats.
"""

from __future__ import annotations

import time
from itertools import combinations

from bot.introductions.pairing import Candidate, make_groups
from storage.search.analysis import analyse_document, query_terms

TOPICS = ["chromebook rollout", "podcast club", "vr headsets", "coding club", "esports",
          "microsoft 365 migration", "sen assistive technology", "3d printing"]


def people(n: int) -> list[Candidate]:
    out = []
    for i in range(1, n + 1):
        done = TOPICS[i % len(TOPICS)]
        learn = TOPICS[(i * 3) % len(TOPICS)]
        out.append(Candidate(
            id=i, name=f"m{i}", region=f"region{i % 9}",
            done=((done, frozenset(analyse_document(done).terms.split())),),
            learn=((learn, frozenset(query_terms(learn))),)))
    return out


def main() -> None:
    for n in (20, 100, 300, 600):
        group = people(n)
        past: set[frozenset[int]] = set()
        started = time.perf_counter()
        rounds = 6
        for r in range(rounds):
            groups = make_groups(group, past, seed=f"bench-{r}")
            new = {frozenset(p) for g in groups for p in combinations(g, 2)}
            assert not new & past, "a pair repeated"
            past |= new
        per_round = (time.perf_counter() - started) / rounds
        print(f"{n:4d} members: {per_round:7.3f} s per round")


if __name__ == "__main__":
    main()
