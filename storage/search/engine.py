"""What the search needs from a database engine: a small interface, one module per engine
(`storage.search.sqlite`, `storage.search.postgres`), so neither holds the other's SQL.

An engine stores each done entry's analysed document beside a full-text index of its terms
and a vocabulary of document frequencies, and answers *candidate* queries: the entries
meeting a `Match` (a disjunction of conjunctions of alternatives), visible to a viewer,
in rank-key order after a given key, up to a limit. It never ranks: every candidate is
scored in Python with `storage.search.ranking`, so both engines rank identically.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from storage.search.planner import Alternative

DOC_COUNT = ""
"""The vocabulary row that holds the number of indexed entries."""


@dataclass(frozen=True)
class Viewer:
    """Who is searching: decides which members' privacy choices let them be found. A
    `privacy space` member is visible from any space where they have an account, and to a
    viewer whose member (`member_id`, if known) has an account in one of those spaces."""

    platform: str
    space_id: str
    member_id: int | None = None


@dataclass(frozen=True)
class DocRow:
    """One entry's row in the index, ready to write."""

    rank_key: int
    entry_id: int
    member_id: int
    terms: str
    """Encoded fields (`analysis.Document.encode`); as text, just the terms."""
    term_list: tuple[str, ...]
    """The terms in order, for the engine's own index."""


@dataclass(frozen=True)
class Candidate:
    """An entry a candidate query found, with what ranking needs to score it."""

    rank_key: int
    entry_id: int
    member_id: int
    terms: str


Conjunction = tuple[frozenset[Alternative], ...]
"""Entries holding some alternative of each set."""


@dataclass(frozen=True)
class Match:
    """Entries meeting any of the conjunctions."""

    any_of: tuple[Conjunction, ...]
    frequencies: Mapping[str, int] = field(default_factory=dict)
    """Entries holding each term (for PostgreSQL's choice of the postings to walk)."""


@dataclass(frozen=True)
class Filters:
    """Who may be found: visible to the viewer, and in one of the regions if any (or, with
    `spaces`, a local group's: with an account in one of those spaces)."""

    viewer: Viewer
    regions: tuple[str, ...] = ()
    spaces: tuple[tuple[str, str], ...] = ()
    """(platform, space_id) of the regions' local groups; only used with `regions`."""


@dataclass(frozen=True)
class Page:
    """A candidate query's position: rank keys after `after` (and before `before`, when
    longer entries cannot score enough to matter), `size` at a time."""

    after: int = -1
    size: int = 40
    before: int = 1 << 62


class Engine(Protocol):
    """One database engine's SQL for the search."""

    async def frequencies(self, session: AsyncSession, terms: set[str]) -> dict[str, int]:
        """Entries holding each term (and DOC_COUNT: all entries); absent terms left out."""

    async def near_terms(self, session: AsyncSession, words: Sequence[str]) -> dict[str, int]:
        """Used terms that could be what these misspelt words meant (a superset: the
        planner makes the choice), with their frequencies."""

    async def insert(self, session: AsyncSession, rows: Sequence[DocRow], *,
                     deferred: bool = False) -> None:
        """Index new rows (no copy of their entries indexed yet). `deferred`: part of a
        bulk load, which calls `optimise` at its end; work cheaper done once for the
        whole load may wait until then."""

    async def delete(self, session: AsyncSession, entry_ids: Sequence[int]) -> list[str]:
        """Unindex entries; the stored term strings of those that were indexed."""

    async def count(self, session: AsyncSession, deltas: Mapping[str, int]) -> None:
        """Add to terms' document frequencies (dropping those that reach zero)."""

    async def optimise(self, session: AsyncSession) -> None:
        """At the end of a bulk load: deferred work, and whatever makes the next searches
        fast."""

    async def clear(self, session: AsyncSession) -> None:
        """Empty the index and the vocabulary (before a rebuild)."""

    async def candidates(self, session: AsyncSession, match: Match, filters: Filters,
                         page: Page) -> list[Candidate]:
        """Entries meeting `match`, visible under `filters`, rank key after `page.after`,
        in rank-key order, at most `page.size`."""

    async def exclusive(self, session: AsyncSession) -> None:
        """Hold off other writers of the index until this transaction ends."""

    async def meta(self, session: AsyncSession, key: str) -> str | None: ...

    async def set_meta(self, session: AsyncSession, key: str, value: str) -> None: ...


def vocabulary_of(rows: Sequence[DocRow]) -> Counter[str]:
    """The document-frequency increments for these rows: each distinct term once per row,
    and the entry count."""
    counts: Counter[str] = Counter()
    for row in rows:
        counts.update(set(row.term_list))
    counts[DOC_COUNT] = len(rows)
    return counts


def terms_of(stored: str) -> set[str]:
    """The distinct terms of a stored term string (separators are not terms)."""
    return {t for t in stored.split() if t.isalnum()}
