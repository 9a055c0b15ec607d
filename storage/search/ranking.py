"""The relevance model: how well one entry answers a plan, and how well at best the entries
of a score tier can. Pure Python, no database; both engines rank with it, so they agree.

An entry's score is BM25 with binary term frequency, over *units* instead of words:

    score = L(size) * (sum over units met of  weight * share * field weight  +  proximity)

- `weight` is the unit's inverse document frequency, so matching two of three ideas beats
  one of three, and the rare idea beats the common one;
- `share` is the level it is met at (the words as typed, a synonym, a narrower term...),
  less for another word with the typed word's stem ("animal" for "animation"), and less
  when the words sit inside another idea's phrase ("digitised collection");
- each field of an entry has its own weight (`FIELDS`): a tag counts a little less than the
  summary, and fields added later (what worked, what to do differently) less again;
- ideas asked for side by side earn a bonus when the entry has them side by side, a smaller
  one when near each other;
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
)
"""The fields, in the order the index stores them. A new field is added at the end (with a
new analyser version, so the index is rebuilt) and the writer given its text."""
TOP_FIELD = max(f.weight for f in FIELDS)

RELATIVE = 700
"""Per mille kept when the entry's word only shares the typed word's stem."""
ELSEWHERE = 250
"""Per mille lost when the unit's words sit inside another idea's phrase."""
ADJACENT, NEAR = 350, 150
"""Per mille of the lighter of two ideas asked side by side, when an entry has them side by
side (in order), or within NEAR_WINDOW words of each other."""
NEAR_WINDOW = 3
K1, B, TYPICAL_SIZE = 1.2, 0.3, 8
"""BM25's saturation and length normalisation, against a typical entry of 8 words."""
MAX_SIZE = 0xFFFF


def length_factor(size: int) -> int:
    """BM25's length normalisation for a term met once, per mille."""
    size = min(max(size, 1), MAX_SIZE)
    return round(1000 * (K1 + 1) / (K1 * (1 - B + B * size / TYPICAL_SIZE) + 1))


@dataclass(frozen=True)
class Occurrence:
    unit: int
    share: int
    field: int
    part: int
    start: int
    end: int
    alternative: Alternative


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
        self._pairs = [(a, a + 1) for a in range(len(self.units) - 1)]

    def score(self, document: Document) -> Scored:
        best: dict[int, Occurrence] = {}
        spots: dict[int, list[Occurrence]] = {}
        for f, (spec, text) in enumerate(zip(FIELDS, document.fields, strict=False)):
            for p, (terms, lemmas) in enumerate(text.parts):
                inside = self._inside(terms)
                for i, term in enumerate(terms):
                    for u, share, alternative in self._first.get(term, ()):
                        n = len(alternative)
                        if n > 1 and terms[i:i + n] != alternative:
                            continue
                        earned = share * spec.weight // 1000
                        if n == 1 and (typed := self.units[u].lemmas.get(term)) is not None \
                                and lemmas[i] not in typed:
                            earned = earned * RELATIVE // 1000
                        if any(s <= i and i + n <= e for s, e in inside.get(u, ())):
                            earned -= ELSEWHERE
                        if earned <= 0:
                            continue
                        spot = Occurrence(u, earned, f, p, i, i + n, alternative)
                        spots.setdefault(u, []).append(spot)
                        if u not in best or earned > best[u].share:
                            best[u] = spot
        if not best:
            return Scored(0)
        total = sum(self.units[u].weight * o.share for u, o in best.items()) // 1000
        total += self._proximity(best, spots)
        return Scored(length_factor(document.size) * total // 1000,
                      frozenset(t for o in best.values() for t in o.alternative))

    def _inside(self, terms: tuple[str, ...]) -> dict[int, list[tuple[int, int]]]:
        """Per unit, the spans of this part where another idea's phrase holds its words."""
        found: dict[int, list[tuple[int, int]]] = {}
        if not self._elsewhere:
            return found
        for i, term in enumerate(terms):
            for u, phrase in self._elsewhere.get(term, ()):
                if terms[i:i + len(phrase)] == phrase:
                    found.setdefault(u, []).append((i, i + len(phrase)))
        return found

    def _proximity(self, best: dict[int, Occurrence],
                   spots: dict[int, list[Occurrence]]) -> int:
        bonus = 0
        for a, b in self._pairs:
            if a not in best or b not in best:
                continue
            lighter = min(self.units[a].weight * best[a].share,
                          self.units[b].weight * best[b].share) // 1000
            found = 0
            for x in spots[a]:
                for y in spots[b]:
                    if (x.field, x.part) != (y.field, y.part):
                        continue
                    if y.start == x.end:
                        found = ADJACENT
                    elif min(abs(y.start - x.end), abs(x.start - y.end)) < NEAR_WINDOW:
                        found = max(found, NEAR)
            bonus += lighter * found // 1000
        return bonus

    # -- bounds ------------------------------------------------------------------------------
    def ceiling(self, shares: Sequence[int], size: int) -> int:
        """The most an entry of at least `size` words can score meeting each unit at no
        more than `shares[u]` (0: not at all): `score` for the best such entry, so the
        bound is tight (entries of equal score are ordered by rank key, see `tiers`)."""
        earned = [s * TOP_FIELD // 1000 for s in shares]
        total = sum(u.weight * e for u, e in zip(self.units, earned, strict=True)) // 1000
        for a, b in self._pairs:
            if earned[a] and earned[b]:
                lighter = min(self.units[a].weight * earned[a],
                              self.units[b].weight * earned[b]) // 1000
                total += lighter * ADJACENT // 1000
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
