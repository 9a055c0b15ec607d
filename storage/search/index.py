"""The search index: what the rest of the bot calls (`SearchIndex`), built from

- `planner`: a question read into weighted units (pure Python),
- `ranking`: the relevance model scoring one entry, and bounding a tier (pure Python),
- `sqlite` / `postgres`: each engine's SQL behind `engine.Engine`,
- `writer`: entries analysed and written, with the vocabulary,
- `cost`: how far PostgreSQL walks postings before looking matches up.

Finding people (`find_people`) retrieves candidates with dynamic pruning, MaxScore-style,
so common words stay cheap: the rare units' entries are few, and all of them are fetched
at once; the common units' entries are fetched tier by tier (a tier: each common unit met at
a given level or better), best bound first, each in rank-key order (shorter entries
first, which score higher), a page at a time, pages growing as a tier is read again. The
lightest units do not define tiers; a tier requires more of them once entries holding
fewer can no longer beat the people found. Every candidate is scored exactly in Python;
the search stops when no unread entry of any tier can beat the people already found. The
answer is the exhaustive ranking's, on both engines.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import DoneEntry, Member
from storage.search.analysis import Document, Thesaurus, load_thesaurus
from storage.search.engine import (
    DOC_COUNT,
    Candidate,
    Conjunction,
    Engine,
    Filters,
    Match,
    Page,
    Viewer,
)
from storage.search.planner import Plan, QueryPlanner
from storage.search.postgres import PAIR, PostgresEngine, postgres_document
from storage.search.ranking import MAX_SIZE, Ranker, Tier, tiers
from storage.search.sqlite import SqliteEngine
from storage.search.writer import IndexRow, IndexWriter, fields_version, rank_key, size_of

log = logging.getLogger(__name__)

RARE_BUDGET = 400
"""Units whose entries number at most this many, together, are fetched whole at once."""
MAX_TIER_UNITS = 4
"""Common units that define tiers (the heaviest); lighter ones are read as one remainder."""
def batch(limit: int) -> int:
    """Rows a tier query reads at a time: a few more than the people wanted (one person
    seldom has two entries on one idea); a region filter makes every extra row dear."""
    return limit + limit // 2 + 2
MAX_COMBINATIONS = 70
"""The most combinations of lighter units one tier query spells out (see `tighten`)."""
MAX_PAGE = 640
"""The most rows one page of a tier reads (see `_Cursor.size`)."""
VERSION_KEY = "analyser"


def entry_row(entry: DoneEntry) -> IndexRow:
    """What the index reads of a done entry."""
    return IndexRow(entry.id, entry.member_id, entry.summary, entry.tags or [],
                    [entry.worked or "", entry.differently or "", entry.cost or ""])


@dataclass(frozen=True)
class PersonHit:
    """A person found, loaded with the search's own reads so callers need no more."""

    member: Member
    score: float
    entries: tuple[DoneEntry, ...]
    """Matching entries, best first."""
    matched: tuple[frozenset[str], ...] = ()
    """Per entry, the index terms that matched (for highlighting)."""

    @property
    def member_id(self) -> int:
        return self.member.id

    @property
    def entry_ids(self) -> tuple[int, ...]:
        return tuple(e.id for e in self.entries)


class _People:
    """People found so far, by their best entry: (score, rank key) per member, and the
    best `limit` of them kept in order as entries arrive. A long question reads thousands
    of candidates over hundreds of pages; re-sorting everyone for each page's threshold
    cost seconds of CPU, while a person's best only ever improves, so the top places can
    be kept up to date in O(limit) per improvement."""

    def __init__(self, ranker: Ranker, limit: int) -> None:
        self.ranker = ranker
        self.limit = limit
        self.best: dict[int, tuple[int, int]] = {}
        self.seen: set[int] = set()
        self._top: list[tuple[int, int, int]] = []
        """(-score, rank key, member id) of the best `limit` people, best first."""

    def add(self, rows: Sequence[Candidate]) -> None:
        for row in rows:
            if row.entry_id in self.seen:
                continue
            self.seen.add(row.entry_id)
            score = self.ranker.score(Document.decode(row.terms, size_of(row.rank_key))).score
            if score <= 0:
                continue
            current = self.best.get(row.member_id)
            if current is None or (-score, row.rank_key) < (-current[0], current[1]):
                self.best[row.member_id] = (score, row.rank_key)
                self._place(row.member_id, score, row.rank_key, current)

    def _place(self, member: int, score: int, key: int,
               previous: tuple[int, int] | None) -> None:
        """Move a person whose best improved into the top places, if it earns one (one
        pushed out never returns unless it improves, which calls this again)."""
        entry = (-score, key, member)
        if len(self._top) == self.limit and entry >= self._top[-1]:
            return
        if previous is not None:
            old = (-previous[0], previous[1], member)
            if old in self._top:
                self._top.remove(old)
        bisect.insort(self._top, entry)
        del self._top[self.limit:]

    def ranked(self) -> list[tuple[int, int, int]]:
        """(member id, score, rank key of the best entry), best first."""
        return [(m, -s, k) for s, k, m in self._top]

    def threshold(self) -> tuple[int, int]:
        """What an unread entry must beat: the last place's score and rank key (an equal
        score wins only with a smaller key); nothing while places are free."""
        if len(self._top) < self.limit:
            return 0, -1
        score, key, _ = self._top[-1]
        return -score, key


@dataclass
class _Cursor:
    """One tier's query, read page by page in rank-key order."""

    defining: Conjunction
    """What the tier requires of its defining units (nothing, for the remainder)."""
    shares: tuple[int, ...]
    bound: int
    size: int
    """Rows the next page reads: doubles each time the cursor is read again, so a tier
    that keeps its bound above the threshold (a long question's remainder of many common
    units) costs a few round trips, not hundreds."""
    need: int
    """Lighter (non-defining) units an entry must also meet: raised as the threshold
    rises past what entries meeting fewer could score (see `SearchIndex._tiers`)."""
    match: Match
    after: int = -1
    done: bool = False

    def may_beat(self, threshold: tuple[int, int]) -> bool:
        score, key = threshold
        return not self.done and (self.bound > score or (self.bound == score
                                  and (key < 0 or self.after < key)))


class SearchIndex:
    def __init__(self, dialect: str, *, synonyms: Sequence[Sequence[str]] = ()) -> None:
        if dialect not in ("sqlite", "postgresql"):
            raise ValueError(f"no search backend for {dialect!r}")
        self.dialect = dialect
        self.engine: Engine = SqliteEngine() if dialect == "sqlite" else PostgresEngine()
        self.thesaurus: Thesaurus = load_thesaurus(synonyms)
        self.analyser = self.thesaurus.analyser
        self.planner = QueryPlanner(self.thesaurus)
        self.writer = IndexWriter(self.engine, self.analyser)
        self.rare_budget = RARE_BUDGET
        """Tests set 0 to reach the tier path with a small directory."""

    # -- writing -----------------------------------------------------------------------------
    async def index(self, session: AsyncSession, entries: Sequence[DoneEntry]) -> None:
        """(Re)index entries; they must already have ids (flush first)."""
        await self.writer.index(session, [entry_row(e) for e in entries])

    async def index_rows(self, session: AsyncSession, entries: Sequence[IndexRow], *,
                         fresh: bool = False, vocabulary: Counter[str] | None = None) -> None:
        """Index entries given as plain rows (see `IndexWriter.index`)."""
        await self.writer.index(session, entries, fresh=fresh, vocabulary=vocabulary)

    async def add_vocabulary(self, session: AsyncSession, counts: Counter[str]) -> None:
        """Write term counts gathered by `index_rows(..., vocabulary=...)`."""
        await self.engine.count(session, counts)

    async def unindex(self, session: AsyncSession, entry_ids: Sequence[int]) -> None:
        await self.writer.unindex(session, entry_ids)

    async def optimise(self, session: AsyncSession) -> None:
        """At the end of a bulk load (see `Engine.optimise`)."""
        await self.engine.optimise(session)

    @property
    def version(self) -> str:
        """What the index was built by: the analysis and the fields it holds (a new field,
        such as lessons, rebuilds it as a new analysis does)."""
        return f"{self.analyser.version}; fields {fields_version()}"

    async def stored_version(self, session: AsyncSession) -> str | None:
        return await self.engine.meta(session, VERSION_KEY)

    async def rebuild(self, session: AsyncSession,
                      progress: Callable[[int, int], None] | None = None,
                      batch: int = 2000) -> int:
        """Re-analyse every entry into a fresh index, in this transaction, and record the
        analyser's version with it. Returns the number of entries indexed."""
        await self.engine.clear(session)
        count = await session.scalar(select(func.count(DoneEntry.id))) or 0
        vocabulary: Counter[str] = Counter()
        done, after = 0, 0
        while True:
            rows = (await session.execute(
                select(DoneEntry.id, DoneEntry.member_id, DoneEntry.summary, DoneEntry.tags,
                       DoneEntry.worked, DoneEntry.differently, DoneEntry.cost)
                .where(DoneEntry.id > after).order_by(DoneEntry.id).limit(batch))).all()
            if not rows:
                break
            await self.writer.index(session, [IndexRow(i, m, s, t or [], [w, d, c])
                                              for i, m, s, t, w, d, c in rows],
                                    fresh=True, vocabulary=vocabulary)
            done += len(rows)
            after = rows[-1][0]
            if progress is not None:
                progress(done, count)
        await self.engine.count(session, vocabulary)
        await self.engine.optimise(session)
        await self.engine.set_meta(session, VERSION_KEY, self.version)
        return done

    async def ensure_current(self, db: Database) -> int | None:
        """Rebuild the index if it was built by another analyser (other rules, another
        stemmer release) or by none; the number of entries re-indexed, or None if it was
        current. Two copies starting together rebuild once (the second waits and sees the
        new version)."""
        async with db.unit_of_work() as session:
            if await self.stored_version(session) == self.version:
                return None
            await self.engine.exclusive(session)
            if await self.stored_version(session) == self.version:
                return None
            count = await self.rebuild(session)
        if count:
            log.warning("search index was built by another analyser: rebuilt it "
                        "(%d entries)", count)
            await db.settle()
        return count

    # -- searching ---------------------------------------------------------------------------
    async def plan(self, session: AsyncSession, query: str) -> Plan:
        """Read a query into weighted units (a vocabulary look-up, and another only for a
        word nobody has used)."""
        reading = self.planner.read(query)
        df = await self.engine.frequencies(session, self.planner.lookups(reading))
        unknown = self.planner.unknown(reading, df)
        if unknown:
            near = await self.engine.near_terms(session, [w.term for w in unknown])
            fixes = self.planner.corrections(unknown, near, df.get(DOC_COUNT, 0))
            if fixes:
                reading = self.planner.read(query, {**reading.corrected, **fixes})
                missing = self.planner.lookups(reading) - set(df)
                if missing:
                    df.update(await self.engine.frequencies(session, missing))
        return self.planner.plan(reading, df)

    async def find_people(self, session: AsyncSession, query: str, *, viewer: Viewer,
                          regions: Sequence[str] = (), limit: int = 10,
                          spaces: Sequence[tuple[str, str]] = ()) -> list[PersonHit]:
        """People ranked by their best entry's score, then its rank key (shorter, then
        older), each with every entry of theirs that matched, best first. With `regions`,
        only people there, or (`spaces`: a local group's) with an account in one of those
        spaces."""
        plan = await self.plan(session, query)
        if not plan.units or limit < 1:
            return []
        ranker = Ranker(plan)
        people = _People(ranker, limit)
        filters = Filters(viewer, tuple(regions), tuple(spaces) if regions else ())
        units = plan.units

        def frequency(u: int) -> int:
            return sum(plan.frequency(a) for a in units[u].alternatives)

        rare: list[int] = []
        spent = 0
        for u in sorted(range(len(units)), key=lambda u: (frequency(u), u)):
            if spent + frequency(u) > self.rare_budget:
                break
            rare.append(u)
            spent += frequency(u)
        if rare:
            match = Match(tuple((units[u].alternatives,) for u in rare), plan.frequencies)
            people.add(await self.engine.candidates(session, match, filters,
                                                    Page(-1, spent + 1)))
        common = [u for u in range(len(units)) if u not in rare]
        if common:
            await self._tiers(session, plan, ranker, people, filters, common)
        return await self._load(session, ranker, people.ranked())

    async def _tiers(self, session: AsyncSession, plan: Plan, ranker: Ranker,
                     people: _People, filters: Filters, common: list[int]) -> None:
        """Read the common units' entries tier by tier, best bound first (see module)."""
        units = plan.units
        common.sort(key=lambda u: (-units[u].weight, u))
        defining, rest = common[:MAX_TIER_UNITS], common[MAX_TIER_UNITS:]
        top = [0] * len(units)
        for u in rest:
            top[u] = units[u].levels[0].share

        def ceiling(shares: Sequence[int], size: int = 1) -> int:
            return ranker.ceiling([max(s, t) for s, t in zip(shares, top, strict=True)], size)

        # heaviest first: entries meeting only j of the lighter units score at most as if
        # they met the j heaviest
        heaviest = sorted(rest, key=lambda u: (-units[u].weight * top[u], u))

        def partial(shares: Sequence[int], j: int, size: int) -> int:
            raised = list(shares)
            for u in heaviest[:j]:
                raised[u] = max(raised[u], top[u])
            return ranker.ceiling(raised, size)

        def matching(required: Conjunction, need: int) -> Match:
            conjunctions = tuple((*required, *(units[u].alternatives for u in combo))
                                 for combo in itertools.combinations(rest, need))
            return Match(conjunctions, plan.frequencies)

        def cursor(defining: Conjunction, shares: tuple[int, ...], need: int) -> _Cursor:
            return _Cursor(defining, shares, ceiling(shares), page, need,
                           matching(defining, need))

        def tighten(c: _Cursor, threshold: int) -> None:
            """Require one more lighter unit while entries meeting fewer cannot reach the
            threshold (MaxScore's non-essential terms): a long question's many common
            words then no longer bring in every entry holding any one of them."""
            size = size_of(c.after) if c.after >= 0 else 1
            need = c.need
            while (threshold > 0 and need < len(rest)
                   and math.comb(len(rest), need + 1) <= MAX_COMBINATIONS
                   and partial(c.shares, need, size) < threshold):
                need += 1
            if need != c.need:
                c.need = need
                c.match = matching(c.defining, need)

        def tier_cursor(tier: Tier) -> _Cursor:
            conjunction = tuple(
                frozenset(a for level in units[u].levels[:tier.levels[u] + 1]
                          for a in level.alternatives)
                for u in defining if tier.levels[u] >= 0)
            return cursor(conjunction, tier.shares, 0)

        page = batch(people.limit)
        pending = iter(tiers(units, defining, ceiling))
        upcoming = next(pending, None)
        active: list[_Cursor] = []
        if rest:  # entries meeting none of the defining units, only lighter ones
            active.append(cursor((), (0,) * len(units), 1))
        while True:
            threshold = people.threshold()
            live = [c for c in active if c.may_beat(threshold)]
            best = max(live, key=lambda c: c.bound, default=None)
            if upcoming is not None and (best is None or upcoming[0] >= best.bound):
                started = tier_cursor(upcoming[1])
                upcoming = next(pending, None)
                if not started.may_beat(threshold):
                    if best is None:
                        break
                    continue
                active.append(started)
                best = started
            if best is None:
                break
            tighten(best, threshold[0])
            before = _size_cap(lambda size, c=best: ceiling(c.shares, size), threshold[0])
            rows = await self.engine.candidates(session, best.match, filters,
                                                Page(best.after, best.size, before))
            people.add(rows)
            log.debug("tier %s need %d after %d: %d rows, bound %d, threshold %s", best.shares,
                      best.need, best.after, len(rows), best.bound, threshold)
            if len(rows) < best.size:
                best.done = True
            else:
                best.after = rows[-1].rank_key
                best.bound = ceiling(best.shares, size_of(best.after))
                best.size = min(2 * best.size, MAX_PAGE)

    async def _load(self, session: AsyncSession, ranker: Ranker,
                    ranked: list[tuple[int, int, int]]) -> list[PersonHit]:
        """The chosen people with every entry of theirs that matches, best first, read in
        one query and scored here with the same analysis the index holds."""
        if not ranked:
            return []
        rows = (await session.execute(_entries_and_members().where(
            DoneEntry.member_id.in_([m for m, _, _ in ranked])))).all()
        found: dict[int, list[tuple[int, int, DoneEntry, frozenset[str]]]] = {}
        members: dict[int, Member] = {}
        for entry, member in rows:
            document = self.writer.document(entry_row(entry))
            scored = ranker.score(document)
            if scored.score > 0:
                members[member.id] = member
                found.setdefault(member.id, []).append(
                    (-scored.score, rank_key(entry.id, document.size), entry, scored.terms))
        hits = []
        for member_id, score, _ in ranked:
            if member_id not in found:  # deleted meanwhile
                continue
            entries = sorted(found[member_id], key=lambda x: (x[0], x[1]))
            hits.append(PersonHit(members[member_id], score / 1000,
                                  tuple(e for *_, e, _ in entries),
                                  tuple(t for *_, t in entries)))
        return hits


def _size_cap(ceiling: Callable[[int], int], threshold: int) -> int:
    """The rank key below which an entry can still reach `threshold` (ceilings fall as
    entries grow), so a query need not look further: impact ordering by size."""
    if threshold <= 0:
        return 1 << 62
    low, high = 1, MAX_SIZE
    if ceiling(high) >= threshold:
        return 1 << 62
    while low < high:  # the first size whose ceiling falls short
        middle = (low + high) // 2
        if ceiling(middle) >= threshold:
            low = middle + 1
        else:
            high = middle
    return rank_key(0, low)


def _entries_and_members() -> Select[tuple[DoneEntry, Member]]:
    """Entries read with their members, as search results show them."""
    return select(DoneEntry, Member).join(Member, Member.id == DoneEntry.member_id)


__all__ = ["PAIR", "IndexRow", "PersonHit", "SearchIndex", "Viewer", "postgres_document",
           "rank_key"]
