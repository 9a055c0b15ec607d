"""The relevance model: how well one entry answers a plan, and how well at best the entries
of a score tier can. Pure Python, no database; both engines rank with it, so they agree.

An entry's score is BM25 with binary term frequency, over *units* instead of words:

    score = L(size) * sum over units met of  weight * share * field weight

- `weight` is the unit's inverse document frequency, so matching two of three ideas beats
  one of three, and the rare idea beats the common one;
- `share` is the level it is met at (the words as typed, a synonym, a narrower term...),
  less for another word with the typed word's stem ("animal" for "animation"), and less
  when the words sit inside another idea's phrase ("digitised collection");
- each field of an entry has its own weight (`FIELDS`): a tag counts a little less than the
  summary, and fields added later (what worked, what to do differently) less again;
- two words typed side by side earn a bonus when the entry has them side by side (a
  phrase unit, see `planner.PHRASE`); a thesaurus phrase is already one unit;
- L is BM25's length normalisation: among equals, the shorter, more focused entry first.

A person's score is their best entry's; ties go to the shorter entry, then the older.
Scores are integers, so sums and ties are exact.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from storage.search.analysis import Document
from storage.search.planner import Alternative, Plan, Unit


@dataclass(frozen=True)
class FieldSpec:
    """One searchable field of a done entry."""

    name: str
    weight: int
    """Per mille of a unit's weight earned by meeting it in this field."""
    sized: bool
    """Its words count in the entry's size (length normalisation)."""


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("summary", 1000, sized=True),
    FieldSpec("tags", 900, sized=True),
    FieldSpec("lessons", 600, sized=False),
)
"""The fields, in the order the index stores them. A new field is added at the end (the
index's version names the fields, so the index is rebuilt) and the writer given its text.
Lessons (what worked, what I'd do differently, cost) count well below the summary, and not
in an entry's size: a long lesson neither lengthens nor dilutes what the entry is."""
TOP_FIELD = max(f.weight for f in FIELDS)

ELSEWHERE = 250
"""Per mille lost when the unit's words sit inside another idea's phrase."""
K1, B, TYPICAL_SIZE = 1.2, 0.3, 8
"""BM25's saturation and length normalisation, against a typical entry of 8 words."""
MAX_SIZE = 0xFFFF


def length_factor(size: int) -> int:
    """BM25's length normalisation for a term met once, per mille."""
    size = min(max(size, 1), MAX_SIZE)
    return round(1000 * (K1 + 1) / (K1 * (1 - B + B * size / TYPICAL_SIZE) + 1))


@dataclass(frozen=True)
class Scored:
    """An entry's score, and the terms that earned it (for "why it matched")."""

    score: int
    terms: frozenset[str] = frozenset()


class Ranker:
    """Scores entries for one plan."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.units = plan.units
        self._first: dict[str, list[tuple[int, int, Alternative]]] = {}
        self._elsewhere: dict[str, list[tuple[int, Alternative]]] = {}
        for index, unit in enumerate(self.units):
            for level in unit.levels:
                for alternative in level.alternatives:
                    self._first.setdefault(alternative[0], []).append(
                        (index, level.share, alternative))
            for phrase in unit.elsewhere:
                self._elsewhere.setdefault(phrase[0], []).append((index, phrase))

    def score(self, document: Document) -> Scored:
        earned: dict[int, tuple[int, Alternative]] = {}
        for spec, text in zip(FIELDS, document.fields, strict=False):
            for terms in text.parts:
                inside = self._inside(terms) if self._elsewhere else {}
                for i, term in enumerate(terms):
                    for u, share, alternative in self._first.get(term, ()):
                        n = len(alternative)
                        if n > 1 and terms[i:i + n] != alternative:
                            continue
                        got = share * spec.weight // 1000
                        if any(s <= i and i + n <= e for s, e in inside.get(u, ())):
                            got -= ELSEWHERE
                        if got > earned.get(u, (0,))[0]:
                            earned[u] = (got, alternative)
        if not earned:
            return Scored(0)
        total = sum(self.units[u].weight * got for u, (got, _) in earned.items()) // 1000
        return Scored(length_factor(document.size) * total // 1000,
                      frozenset(t for _, a in earned.values() for t in a))

    def _inside(self, terms: tuple[str, ...]) -> dict[int, list[tuple[int, int]]]:
        """Per unit, the spans of this part where another idea's phrase holds its words."""
        found: dict[int, list[tuple[int, int]]] = {}
        for i, term in enumerate(terms):
            for u, phrase in self._elsewhere.get(term, ()):
                if terms[i:i + len(phrase)] == phrase:
                    found.setdefault(u, []).append((i, i + len(phrase)))
        return found

    def ceiling(self, shares: Sequence[int], size: int) -> int:
        """The most an entry of at least `size` words can score meeting each unit at no
        more than `shares[u]` (0: not at all): `score` for the best such entry, so the
        bound is tight (entries of equal score are ordered by rank key)."""
        total = sum(u.weight * (s * TOP_FIELD // 1000)
                    for u, s in zip(self.units, shares, strict=True)) // 1000
        return length_factor(size) * total // 1000


@dataclass(frozen=True)
class Tier:
    """Entries meeting each unit at `levels[u]` or better (-1: not required)."""

    levels: tuple[int, ...]
    shares: tuple[int, ...]
    """The share each unit earns at its level (0 where not required)."""


def tiers(units: Sequence[Unit], among: Sequence[int],
          ceiling: Callable[[Sequence[int]], int]) -> Iterator[tuple[int, Tier]]:
    """Every combination of levels of the units `among` (the others not required), highest
    `ceiling` of their shares first: (ceiling, tier). A tier's entries are those meeting
    each chosen unit at its level or better; an entry is in the tier of its own best
    levels, which bounds its score. Lowering a level never raises the ceiling, so a tier
    is never met before one that bounds higher."""
    options = [[(i, level.share) for i, level in enumerate(units[u].levels)] + [(-1, 0)]
               for u in among]

    def build(combo: tuple[int, ...]) -> Tier:
        levels = [-1] * len(units)
        shares = [0] * len(units)
        for k, (u, c) in enumerate(zip(among, combo, strict=True)):
            levels[u], shares[u] = options[k][c]
        return Tier(tuple(levels), tuple(shares))

    start = (0,) * len(among)
    heap = [(-ceiling(build(start).shares), start)]
    seen = {start}
    while heap:
        negative, combo = heapq.heappop(heap)
        for k in range(len(among)):
            if combo[k] + 1 < len(options[k]):
                nxt = (*combo[:k], combo[k] + 1, *combo[k + 1:])
                if nxt not in seen:
                    seen.add(nxt)
                    heapq.heappush(heap, (-ceiling(build(nxt).shares), nxt))
        tier = build(combo)
        if any(tier.shares):
            yield -negative, tier
