"""PostgreSQL's cost model for a candidate query: walk the rank key, or look matches up.

Walking the rank-key index in order is cheap per row and stops at the LIMIT, but it visits
about `entries * wanted / matches` rows to find `wanted` matches, and more in practice: a
term's matches gather among long entries, at the walk's far end (WALK_SKEW). Looking the
matches up in the GIN index visits every match (a heap visit each, WALK_COST times a walked
row's cost) and sorts them. The planner's own choice assumes matches are spread evenly
along the key, so it walks a hundred thousand rows for a few hundred matches; this decides
from the vocabulary's counts instead, with costs measured on the 100,000-member benchmark.
Pure arithmetic: no round trip to ask the planner.
"""

from __future__ import annotations

from collections.abc import Sequence

WALK_SKEW = 25
WALK_COST = 1.0
WANTED = 40
"""Rows a walk is taken to need (visible, in the region asked) before it can stop."""


def walk_pays(matches: int, entries: int, wanted: int,
              alternatives: Sequence[tuple[str, ...]] = ((),)) -> bool:
    """Whether walking the rank key beats looking `matches` rows up and sorting them.
    Each walked row is checked against the whole query, so a query of many alternatives
    makes every step dearer; and a phrase's count is only its rarest word's, so a query
    with phrases is never walked on that guess."""
    if any(len(a) > 1 for a in alternatives):
        return False
    matches = max(matches, 1)
    walked = WALK_SKEW * entries * wanted / matches
    return walked * WALK_COST * max(len(alternatives), 1) < matches


def estimate(frequencies: list[int], entries: int) -> int:
    """Entries holding one of each set of alternatives, whose summed frequencies are
    given: their counts multiplied as if independent (each at most every entry)."""
    entries = max(entries, 1)
    share = 1.0
    for n in frequencies:
        share *= min(1.0, n / entries)
    return max(1, round(share * entries)) if frequencies else 0
