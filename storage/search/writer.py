"""Keeping the index in step with done entries, in the caller's transaction.

Each entry is analysed in Python (`analysis.Analyser.document`) into its fields' terms,
written by the engine beside its full-text index, and counted in the vocabulary
(how many entries hold each term: the ranking's weights and the typo corrector's words).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.search.analysis import Analyser, Document
from storage.search.engine import DOC_COUNT, DocRow, Engine, terms_of, vocabulary_of
from storage.search.ranking import FIELDS, MAX_SIZE


@dataclass(frozen=True)
class IndexRow:
    """What the index needs of a done entry."""

    id: int
    member_id: int
    summary: str
    tags: Sequence[str] = ()
    lessons: Sequence[str] = ()
    """What worked, what I'd do differently, cost: each one part of the lessons field."""


FIELD_TEXT: dict[str, Callable[[IndexRow], list[str]]] = {
    "summary": lambda e: [e.summary],
    "tags": lambda e: [str(t) for t in e.tags],
    "lessons": lambda e: [str(t) for t in e.lessons if t],
}
"""Each field of `ranking.FIELDS` as parts of text taken from an entry."""


def fields_version() -> str:
    """The index's shape: its fields in order, and which count in an entry's size. Part of
    the index's version, so a new field rebuilds it."""
    return ",".join(f"{f.name}{'' if f.sized else '-'}" for f in FIELDS)


def rank_key(entry_id: int, size: int) -> int:
    """Orders entries by size, then id, in one integer the engines can sort and page on."""
    return min(size, MAX_SIZE) << 32 | entry_id


def size_of(key: int) -> int:
    return key >> 32


class IndexWriter:
    def __init__(self, engine: Engine, analyser: Analyser) -> None:
        self.engine = engine
        self.analyser = analyser

    def document(self, entry: IndexRow) -> Document:
        return self.analyser.document([FIELD_TEXT[f.name](entry) for f in FIELDS],
                                      counted=sum(f.sized for f in FIELDS))

    def rows(self, entries: Sequence[IndexRow]) -> list[DocRow]:
        out = []
        for e in entries:
            document = self.document(e)
            out.append(DocRow(rank_key(e.id, document.size), e.id, e.member_id,
                              document.encode(), tuple(document.terms())))
        return out

    async def index(self, session: AsyncSession, entries: Sequence[IndexRow], *,
                    fresh: bool = False, vocabulary: Counter[str] | None = None) -> None:
        """(Re)index entries; `fresh` says none is indexed yet (a bulk import of new ids).
        With `vocabulary` (a bulk load) the term counts are added there for the caller to
        write once, and the caller ends the load with `SearchIndex.optimise`."""
        if not entries:
            return
        if not fresh:
            await self.unindex(session, [e.id for e in entries])
        rows = self.rows(entries)
        await self.engine.insert(session, rows, deferred=vocabulary is not None)
        counts = vocabulary_of(rows)
        if vocabulary is None:
            await self.engine.count(session, counts)
        else:
            vocabulary.update(counts)

    async def unindex(self, session: AsyncSession, entry_ids: Sequence[int]) -> None:
        if not entry_ids:
            return
        gone = await self.engine.delete(session, entry_ids)
        counts: Counter[str] = Counter()
        for stored in gone:
            counts.update(terms_of(stored))
        counts[DOC_COUNT] += len(gone)
        if gone:
            await self.engine.count(session, {t: -n for t, n in counts.items()})
