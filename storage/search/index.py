"""The search index: one class, with the dialect-specific SQL kept side by side.

Writing: each done entry's analysed terms go into the engine's full-text table (FTS5 on
SQLite, a tsvector column on PostgreSQL), and a vocabulary table counts, per term, how many
entries hold it (document frequency). Both are kept in step in the caller's transaction.
PostgreSQL's GIN index keeps no word positions, so a phrase there would re-read every row
holding its words; each pair of adjacent terms is therefore indexed as one more lexeme
("digit_leader", see `postgres_document`) and a two-word phrase is a single lookup.

Searching: the query is read into "units" — a thesaurus concept, or a plain word with its
run-together/split forms — each an OR of alternatives. A typo (a word no entry and no
thesaurus phrase uses) is replaced by the nearest vocabulary term. The database then scores
every entry by the summed weight (inverse document frequency, from the vocabulary) of the
units it matches, ranks with LIMIT, and entries are gathered into people. The weights are
integers and ties break on entry id, so SQLite and PostgreSQL give the same answer.
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import OSA
from sqlalchemy import Select, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DoneEntry, Member
from storage.search.analysis import (
    ACRONYM_MARK,
    MAX_QUERY_CHARS,
    QUERY_NOISE,
    STOPWORDS,
    Thesaurus,
    competing,
    load_thesaurus,
    stem,
    tokens,
)

DOC_COUNT = ""
"""The vocabulary row that holds the number of indexed entries."""
MAX_UNITS = 8
MAX_ALTERNATIVES = 400
SMALL_RESULT = 40
"""Up to this many matching entries are fetched at once and ranked in Python..."""
SMALL_SCAN = 600
"""...when no more than this many entries could match at all (so the look is cheap)."""
MAX_TIERS = 8
"""Score tiers tried in exact order before a last sweep for anything that matches."""
WALK_SKEW = 25
WALK_COST = 1.0
"""See `SearchIndex._walk_pays`."""
PAIR = "_"
"""Joins two adjacent terms into one PostgreSQL lexeme; terms never contain it."""
UNPAIRED = frozenset(stem(word) for word in STOPWORDS)
"""Terms never indexed in a pair: two in three pairs of ordinary prose hold a stopword,
and phrases seldom do (those that do are found by their words, then their positions)."""


@dataclass(frozen=True)
class Viewer:
    """Who is searching: decides which members' privacy choices let them be found."""

    platform: str
    space_id: str
    member_id: int | None = None


@dataclass(frozen=True)
class IndexRow:
    """What the index needs of a done entry."""

    id: int
    member_id: int
    summary: str
    tags: Sequence[str] = ()


@dataclass(frozen=True)
class PersonHit:
    """A person found, loaded with the search's own reads so callers need no more."""

    member: Member
    score: float
    entries: tuple[DoneEntry, ...]
    """Matching entries, best first."""

    @property
    def member_id(self) -> int:
        return self.member.id

    @property
    def entry_ids(self) -> tuple[int, ...]:
        return tuple(e.id for e in self.entries)


def _visible(privacy: str, member: str) -> str:
    """A member is visible to a viewer if they share the network, or share a space: the
    viewer's, or one of the viewer's linked accounts' (`privacy` and `member` name the
    columns holding theirs)."""
    return f"""
  ({privacy} = 'network'
   OR ({privacy} = 'space' AND EXISTS (
        SELECT 1 FROM identities i
        WHERE i.member_id = {member} AND (
          (i.platform = :v_platform AND i.space_id = :v_space)
          OR EXISTS (SELECT 1 FROM identities v WHERE v.member_id = :v_member
                     AND v.platform = i.platform AND v.space_id = i.space_id)))))
"""


def _in_spaces(member: str, spaces: Sequence[tuple[str, str]],
               params: dict[str, object]) -> str:
    """The member has an account in one of these spaces (a local group's)."""
    found = []
    for n, (platform, space) in enumerate(spaces):
        params.update({f"gp{n}": platform, f"gs{n}": space})
        found.append(f"(g.platform = :gp{n} AND g.space_id = :gs{n})")
    return (f"EXISTS (SELECT 1 FROM identities g WHERE g.member_id = {member} "
            f"AND ({' OR '.join(found)}))")

Alternative = tuple[str, ...]
"""One way a unit can appear in an entry: a term, or a phrase of adjacent terms."""


TYPED, SYNONYM, NARROWER, BROADER, ELSEWHERE = 1.0, 0.85, 0.7, 0.5, 0.25
"""How much of a unit's weight an entry earns for holding the words as typed, a synonym, or
only a narrower term."""
WORD_SHARE = 0.9
"""A plain word refines the field terms in a query; it never outweighs them."""


@dataclass
class Unit:
    """One thing the searcher asked for; an entry matches it if it holds any alternative."""

    typed: frozenset[Alternative]
    synonyms: frozenset[Alternative] = frozenset()
    narrower: frozenset[Alternative] = frozenset()
    broader: frozenset[Alternative] = frozenset()
    """For a narrower term asked alone: the synonyms of what it is part of."""
    elsewhere: frozenset[Alternative] = frozenset()
    """Phrases of other thesaurus groups that use this unit's words (see `competing`)."""
    weight: int = 0

    concept: bool = False
    """Read from the thesaurus (a field term), rather than a plain word."""

    @property
    def alternatives(self) -> frozenset[Alternative]:
        return self.typed | self.synonyms | self.narrower | self.broader

    def states(self) -> list[State]:
        """The ways an entry can meet this unit, best first: the words as typed, a synonym,
        a narrower term (each also split by whether the entry uses the words inside another
        idea's phrase), or not at all. Each way's entries include the better ways' ones, so
        an entry is first met at its best."""
        levels: list[tuple[frozenset[Alternative], float]] = []
        wider: frozenset[Alternative] = frozenset()
        for alternatives, share in ((self.typed, TYPED), (self.synonyms, SYNONYM),
                                    (self.narrower, NARROWER), (self.broader, BROADER)):
            wider = wider | alternatives
            if alternatives and (not levels or wider != levels[-1][0]):
                levels.append((wider, share))
        out: list[State] = []
        # the best way the corpus offers earns the full weight: a unit is not worth less
        # because nobody wrote the exact words the searcher typed
        top = levels[0][1] if levels else 1.0
        for alternatives, share in ((a, s / top) for a, s in levels):
            if self.elsewhere:
                out.append(State(round(self.weight * share), (alternatives,), (self.elsewhere,)))
                out.append(State(round(self.weight * (share - ELSEWHERE)), (alternatives,)))
            else:
                out.append(State(round(self.weight * share), (alternatives,)))
        out.sort(key=lambda st: -st.weight)
        out.append(State(0, ()))
        return out


@dataclass(frozen=True)
class Tier:
    """Entries scoring `score`: those meeting `match`."""

    score: int
    match: str
    narrow: str = ""
    """PostgreSQL: a looser expression that its GIN index answers alone (a phrase as just
    its indexed pairs, or words), when `match` also checks word positions; the index
    finds rows by `narrow` and `match` is then checked on those rows only. Asking the
    index for positions would make it scan the phrase's every (common) word."""


@dataclass(frozen=True)
class State:
    """Entries holding every `must` set (any alternative of each) and no `never` set."""

    weight: int
    must: tuple[frozenset[Alternative], ...]
    never: tuple[frozenset[Alternative], ...] = ()


@dataclass
class _Position:
    raw: str
    """The word as typed, lower-case (for run-together/split forms)."""
    terms: set[str]
    noise: bool
    compound: int
    """Which written token it came from ("micro:bit" gives two positions, one compound)."""
    consumed: bool = False
    spare: str = ""
    """The acronym reading of a lower-case word, tried only within longer phrases."""


@dataclass
class Plan:
    units: list[Unit] = field(default_factory=list)
    most: int = 0
    """At most this many entries can match (the sum of the alternatives' frequencies)."""
    entries: int = 0
    """How many entries are indexed."""


def _osa_limit(word: str) -> int:
    return 1 if len(word) <= 5 else 2


class SearchIndex:
    def __init__(self, dialect: str, *, synonyms: Sequence[Sequence[str]] = ()) -> None:
        if dialect not in ("sqlite", "postgresql"):
            raise ValueError(f"no search backend for {dialect!r}")
        self.dialect = dialect
        self.thesaurus: Thesaurus = load_thesaurus(synonyms)
        self.analyser = self.thesaurus.analyser
        self.small_scan = SMALL_SCAN
        """Rank in Python when no more entries than this could match; 0 always ranks in
        the database (tests use it to reach the tier path with a small directory)."""

    # -- writing -----------------------------------------------------------------------------
    async def index(self, session: AsyncSession, entries: Sequence[DoneEntry]) -> None:
        """(Re)index entries; they must already have ids (flush first)."""
        await self.index_rows(session, [IndexRow(e.id, e.member_id, e.summary, e.tags or [])
                                        for e in entries])

    async def index_rows(self, session: AsyncSession, entries: Sequence[IndexRow], *,
                         fresh: bool = False, vocabulary: Counter[str] | None = None) -> None:
        """Index entries given as plain rows; `fresh` says none is indexed yet (a bulk
        import of new ids), which skips looking for old copies. With `vocabulary` the
        entries' term counts are added to it for the caller to write once with
        `add_vocabulary` (an import's batches share most of their terms)."""
        if not entries:
            return
        if not fresh:
            await self.unindex(session, [e.id for e in entries])
        rows, counts = [], Counter[str]()
        document = " ".join if self.dialect == "sqlite" else postgres_document
        for e in entries:
            terms, size = self.analyser.document_terms([e.summary, *e.tags])
            rows.append((rank_key(e.id, size), e.id, e.member_id, document(terms)))
            counts.update(set(terms))
        counts[DOC_COUNT] = len(entries)
        # Plain driver executemany: bulk imports index hundreds of thousands of rows.
        connection = await session.connection()
        if self.dialect == "sqlite":
            await connection.exec_driver_sql(
                "INSERT INTO search_docs(rank_key, entry_id, member_id, terms) "
                "VALUES (?, ?, ?, ?)", rows)
            await connection.exec_driver_sql(
                "INSERT INTO done_search(rowid, terms) VALUES (?, ?)",
                [(r[0], r[3]) for r in rows])
        else:
            # the member's privacy and region ride along (kept in step by a trigger on
            # members), so a search filters without joining every match to its member
            await connection.exec_driver_sql(
                "INSERT INTO done_search(rank_key, entry_id, member_id, document, privacy, "
                "region) SELECT u.k, u.e, u.m, CAST(u.t AS tsvector), m.privacy, "
                "lower(m.region) FROM unnest($1::bigint[], $2::int[], $3::int[], $4::text[]) "
                "AS u(k, e, m, t) JOIN members m ON m.id = u.m",
                tuple(list(column) for column in zip(*rows, strict=True)))
        if vocabulary is None:
            await self._count(session, counts)
        else:
            vocabulary.update(counts)

    async def add_vocabulary(self, session: AsyncSession, counts: Counter[str]) -> None:
        """Write term counts gathered by `index_rows(..., vocabulary=...)`."""
        await self._count(session, counts)

    async def unindex(self, session: AsyncSession, entry_ids: Sequence[int]) -> None:
        if not entry_ids:
            return
        ids = sorted(set(entry_ids))
        counts = Counter[str]()
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            if self.dialect == "sqlite":
                found = await session.execute(
                    text("SELECT rank_key, terms FROM search_docs WHERE entry_id IN :ids")
                    .bindparams(bindparam("ids", expanding=True)), {"ids": chunk})
                rows = [(k, t) for k, t in found]
                if rows:
                    # external-content FTS5: a row is removed by restating what it held
                    await session.execute(text(
                        "INSERT INTO done_search(done_search, rowid, terms) "
                        "VALUES ('delete', :k, :t)"), [{"k": k, "t": t} for k, t in rows])
                    await session.execute(text("DELETE FROM search_docs WHERE rank_key = :k"),
                                          [{"k": k} for k, _ in rows])
                held = [set(t.split()) for _, t in rows]
            else:
                found = await session.execute(
                    text("DELETE FROM done_search WHERE entry_id IN :ids "
                         "RETURNING tsvector_to_array(document)")
                    .bindparams(bindparam("ids", expanding=True)), {"ids": chunk})
                held = [{t for t in terms if PAIR not in t} for (terms,) in found]
            for terms in held:
                counts.update(terms)
            counts[DOC_COUNT] += len(held)
        if counts:
            await self._count(session, {t: -n for t, n in counts.items()})
            await session.execute(text("DELETE FROM search_vocab WHERE df <= 0 AND term != ''"))

    async def optimise(self, session: AsyncSession) -> None:
        """At the end of a bulk import, SQLite: merge FTS5's many small segments into one,
        so queries read one b-tree per term. (PostgreSQL's counterpart, VACUUM, must run
        after the import commits: `Database.settle`.)"""
        if self.dialect == "sqlite":
            await session.execute(text(
                "INSERT INTO done_search(done_search) VALUES ('optimize')"))

    async def _count(self, session: AsyncSession, deltas: dict[str, int]) -> None:
        """Add to terms' document frequencies (sorted, so concurrent writers lock alike)."""
        rows = [{"term": t, "rev": t[::-1], "n": n} for t, n in sorted(deltas.items()) if n]
        if rows and self.dialect == "postgresql":
            # One statement for the whole batch: an import adds thousands of terms at once.
            await session.execute(text(
                "INSERT INTO search_vocab(term, rev, df) SELECT * FROM unnest("
                "CAST(:terms AS text[]), CAST(:revs AS text[]), CAST(:ns AS int[])) "
                "ON CONFLICT (term) DO UPDATE SET df = search_vocab.df + excluded.df"),
                {"terms": [r["term"] for r in rows], "revs": [r["rev"] for r in rows],
                 "ns": [r["n"] for r in rows]})
        elif rows:
            await session.execute(text(
                "INSERT INTO search_vocab(term, rev, df) VALUES (:term, :rev, :n) "
                "ON CONFLICT (term) DO UPDATE SET df = search_vocab.df + excluded.df"), rows)

    # -- reading the query -------------------------------------------------------------------
    async def _frequencies(self, session: AsyncSession, terms: set[str]) -> dict[str, int]:
        wanted = sorted(terms | {DOC_COUNT})
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 900):
            rows = await session.execute(
                text("SELECT term, df FROM search_vocab WHERE term IN :terms")
                .bindparams(bindparam("terms", expanding=True)),
                {"terms": wanted[start:start + 900]})
            found.update({t: int(n) for t, n in rows})
        return found

    def _positions(self, query: str) -> list[_Position]:
        positions: list[_Position] = []
        for number, token in enumerate(tokens(query[:MAX_QUERY_CHARS])):
            for part in token:
                lower = part.lower()
                positions.append(_Position(lower, {self.analyser.term(part)}, lower in
                                           QUERY_NOISE and self.analyser.acronym(part) is None,
                                           number))
        positions = positions[:40]
        # A lower-case acronym-word ("send", "mat", "it") may still mean the acronym inside
        # a longer phrase ("it strategy"), or when it is all that was asked ("send").
        alone = sum(not p.noise for p in positions) == 1
        for p in positions:
            if p.raw in self.analyser.acronyms and ACRONYM_MARK + p.raw not in p.terms:
                p.spare = ACRONYM_MARK + p.raw
                if alone:
                    p.terms.add(p.spare)
                    p.noise = False
        return positions

    def _match_concepts(self, positions: list[_Position]) -> list[Unit]:
        """Greedy longest match of thesaurus phrases over the query's words."""
        units: list[Unit] = []
        lookup, i, n = self.thesaurus.lookup, 0, len(positions)
        while i < n:
            for length in range(min(self.thesaurus.longest, n - i), 0, -1):
                span = positions[i:i + length]
                if length == 1 and span[0].noise:
                    continue
                groups: set[int] = set()
                options = [p.terms | {p.spare} - {""} if length > 1 else p.terms for p in span]
                for key in itertools.islice(itertools.product(*options), 16):
                    groups |= lookup.get(key, set())
                if length > 1 and not groups:
                    joined = self.analyser.term("".join(p.raw for p in span))
                    groups |= lookup.get((joined,), set())
                above: set[int] = set()
                if not groups:
                    for key in itertools.islice(itertools.product(*options), 16):
                        above |= self.thesaurus.broader.get(key, set())
                if above:  # a narrower term alone ("algebra"): itself, then what it is part of
                    typed = set(itertools.islice(itertools.product(*(p.terms for p in span)), 16))
                    broader, _ = self.thesaurus.expand(above)
                    units.append(Unit(frozenset(typed), broader=broader))
                    for p in span:
                        p.consumed = True
                    i += length
                    break
                if groups:
                    synonyms, narrower = self.thesaurus.expand(groups)
                    typed = set(itertools.islice(itertools.product(*(p.terms for p in span)), 16))
                    if length > 1:
                        typed.add((self.analyser.term("".join(p.raw for p in span)),))
                    units.append(Unit(frozenset(typed), synonyms, narrower, elsewhere=competing(
                        self.thesaurus, narrower, groups), concept=True))
                    for p in span:
                        p.consumed = True
                    i += length
                    break
            else:
                i += 1
        return units

    async def plan(self, session: AsyncSession, query: str) -> Plan:
        """Read a query into weighted units (a few vocabulary look-ups, no scanning)."""
        positions = self._positions(query)
        concepts = self._match_concepts(positions)
        leftovers = [p for p in positions if not p.consumed and not p.noise]
        lookups = {t for p in leftovers for t in p.terms}
        lookups |= {self.analyser.term(p.raw + q.raw) for p, q in itertools.pairwise(leftovers)}
        for p in leftovers:
            lookups |= {self.analyser.term(s) for pair in _splits(p.raw) for s in pair}
        lookups |= {t for u in concepts for a in u.alternatives | u.elsewhere for t in a}
        df = await self._frequencies(session, lookups)
        known = self.thesaurus.vocabulary

        def is_known(term: str) -> bool:
            return df.get(term, 0) > 0 or term in known or term.startswith(ACRONYM_MARK)

        unknown = [p for p in leftovers if not any(is_known(t) for t in p.terms)
                   and p.raw.isalpha() and len(p.raw) >= 4 and not _splits_known(
                       p.raw, self.analyser.term, is_known)]
        if unknown:
            fixes = await self._corrections(
                session, [(p.raw, next(iter(p.terms))) for p in unknown], df)
            for p in unknown:
                if p.raw in fixes:
                    p.terms = {fixes[p.raw]}
            for p in positions:
                p.consumed = False
            concepts = self._match_concepts(positions)
            leftovers = [p for p in positions if not p.consumed and not p.noise]

        units = concepts + self._word_units(leftovers, is_known)
        units = units[:MAX_UNITS]
        for unit in units:
            if not unit.synonyms:
                unit.elsewhere = competing(self.thesaurus, unit.typed)
        needed = {t for u in units for a in u.alternatives | u.elsewhere for t in a} - set(df)
        if needed - lookups:
            df.update(await self._frequencies(session, needed - lookups))
        total = max(df.get(DOC_COUNT, 0), 1)

        def used(alternatives: frozenset[Alternative]) -> frozenset[Alternative]:
            """Only what some entry holds: an alternative with an unused term can't match."""
            return frozenset(a for a in alternatives if all(df.get(t, 0) > 0 for t in a))

        for unit in units:
            unit.typed, unit.synonyms = used(unit.typed), used(unit.synonyms)
            unit.narrower, unit.elsewhere = used(unit.narrower), used(unit.elsewhere)
            unit.weight = _weight(_unit_frequency(unit, df), total)
        units = [u for u in units if u.alternatives]
        concepts = [u.weight for u in units if u.concept]
        for unit in units:
            if concepts and not unit.concept:
                unit.weight = min(unit.weight, round(WORD_SHARE * min(concepts)))
        most = sum(min(df.get(t, 0) for t in a) for u in units for a in u.alternatives)
        return Plan(units, most, total)

    def _word_units(self, leftovers: list[_Position],
                    is_known: Callable[[str], bool]) -> list[Unit]:
        """Plain words: a compound as joined-or-phrase; two words that are one known term
        when run together ("teach meet") as one unit; a word that splits into two known
        words ("microbit") also as the phrase."""
        units: list[Unit] = []
        i = 0
        while i < len(leftovers):
            p = leftovers[i]
            group = [q for q in leftovers[i:] if q.compound == p.compound]
            if len(group) > 1:
                alternatives = {tuple(next(iter(q.terms)) for q in group),
                                (self.analyser.term("".join(q.raw for q in group)),)}
                units.append(Unit(frozenset(alternatives)))
                i += len(group)
                continue
            alternatives = {(t,) for t in p.terms}
            if i + 1 < len(leftovers):
                q = leftovers[i + 1]
                joined = self.analyser.term(p.raw + q.raw)
                if q.compound != p.compound and is_known(joined) and joined not in p.terms:
                    alternatives = {(joined,), (next(iter(p.terms)), next(iter(q.terms)))}
                    units.append(Unit(frozenset(alternatives)))
                    i += 2
                    continue
            for first, second in _splits(p.raw):
                a, b = self.analyser.term(first), self.analyser.term(second)
                if is_known(a) and is_known(b) and len(p.terms) == 1:
                    alternatives.add((a, b))
                    break
            units.append(Unit(frozenset(alternatives)))
            i += 1
        return units

    async def _corrections(self, session: AsyncSession, words: list[tuple[str, str]],
                           df: dict[str, int]) -> dict[str, str]:
        """Nearest known term for each misspelt (word, term): within 1 edit (2 for longer
        words) of a thesaurus word or an indexed term, sharing its first or last letter;
        ties go to the commoner term. The same rule on both databases."""
        candidates: dict[str, tuple[str, int]] = {
            surface: (term, df.get(term, 0)) for surface, term in
            self.thesaurus.spellings.items()}
        for _, stemmed in words:
            limit = _osa_limit(stemmed)
            params: dict[str, object] = {
                "lo": stemmed[0], "hi": chr(ord(stemmed[0]) + 1), "rlo": stemmed[-1],
                "rhi": chr(ord(stemmed[-1]) + 1), "short": len(stemmed) - limit,
                "long": len(stemmed) + limit}
            sql = ("SELECT term, df FROM search_vocab WHERE "
                   "((term >= :lo AND term < :hi) OR (rev >= :rlo AND rev < :rhi)) "
                   "AND length(term) BETWEEN :short AND :long AND df > 0")
            if self.dialect == "postgresql":
                # pg_trgm finds near spellings through its own index; the final choice
                # below applies the same rule to whatever either database proposes.
                sql = (f"{sql} UNION SELECT term, df FROM search_vocab "
                       "WHERE term % :word AND df > 0")
                params["word"] = stemmed
            for term, n in await session.execute(text(sql), params):
                if term and not term.startswith(ACRONYM_MARK):
                    candidates.setdefault(term, (term, int(n)))
        out: dict[str, str] = {}
        for raw, stemmed in words:
            best: tuple[int, int, str] | None = None
            for surface, (term, n) in candidates.items():
                word = raw if surface != term else stemmed
                limit = _osa_limit(raw)
                if not (surface[0] == word[0] or surface[-1] == word[-1]) or \
                        abs(len(surface) - len(word)) > limit:
                    continue
                distance = OSA.distance(word, surface, score_cutoff=limit)
                if distance <= limit:
                    key = (distance, -n, term)
                    best = key if best is None or key < best else best
            if best is not None:
                out[raw] = best[2]
        return out

    # -- searching ---------------------------------------------------------------------------
    async def find_people(self, session: AsyncSession, query: str, *, viewer: Viewer,
                          regions: Sequence[str] = (), limit: int = 10,
                          spaces: Sequence[tuple[str, str]] = ()) -> list[PersonHit]:
        """People ranked by their best entry: its score (the summed weights of the units it
        meets), then the shorter entry, then the older. Entries are fetched tier by tier in
        that order, so the database stops as soon as enough people are found. With
        `regions`, only people there, or (`spaces`) with an account in those spaces."""
        plan = await self.plan(session, query)
        if not plan.units or limit < 1:
            return []
        params: dict[str, object] = {"v_platform": viewer.platform, "v_space": viewer.space_id,
                                     "v_member": viewer.member_id}
        region_sql = ""
        if regions:
            names = {f"r{i}": r.lower() for i, r in enumerate(regions)}
            params.update(names)
            region = "lower(m.region)" if self.dialect == "sqlite" else "d.region"
            region_sql = f"{region} IN ({', '.join(':' + n for n in names)})"
            if spaces:
                member = "m.id" if self.dialect == "sqlite" else "d.member_id"
                region_sql += f" OR {_in_spaces(member, spaces, params)}"
            region_sql = f" AND ({region_sql})"
        if self.dialect == "sqlite":
            source = """FROM done_search f JOIN search_docs d ON d.rank_key = f.rowid
                JOIN members m ON m.id = d.member_id
                WHERE done_search MATCH :tier AND f.rowid > :after"""
            key = "f.rowid"
        else:
            # ts_match_vq is the function behind @@: called by name, the planner does not
            # hand it to the GIN index, so it only checks the rows `narrow` found.
            source = """FROM done_search d
                WHERE d.document @@ CAST(:narrow AS tsquery) {exact}
                AND d.rank_key > :after"""
            key = "d.rank_key"
        visible = _visible("m.privacy", "m.id") if self.dialect == "sqlite" else \
            _visible("d.privacy", "d.member_id")

        def sql(select_: str, tier: Tier) -> tuple[str, dict[str, object]]:
            exact = " AND ts_match_vq(d.document, CAST(:tier AS tsquery))" if tier.narrow \
                else ""
            return (f"SELECT {select_} {source.replace('{exact}', exact)} AND {visible} "
                    f"{region_sql} ORDER BY {key} LIMIT :n",
                    {**params, "tier": tier.match, "narrow": tier.narrow or tier.match})

        walking = True
        """PostgreSQL's default. (A search earlier in this transaction may have left it
        off; a walking tier then reads the GIN index instead, with the same result.)"""

        async def read_by(*, walk: bool) -> None:
            """PostgreSQL: let the planner walk the rank_key index, or make it read the
            GIN index and sort (no walk, no scan of every row); sent only on a change."""
            nonlocal walking
            if walk != walking:
                value = "on" if walk else "off"
                await session.execute(text(
                    "SELECT set_config('enable_indexscan', :v, true), "
                    "set_config('enable_seqscan', :v, true)"), {"v": value})
                walking = walk

        everything = self._tier(1, [[State(1, (u.alternatives,))] for u in plan.units],
                                [tuple(0 if j == i else -1 for j in range(len(plan.units)))
                                 for i in range(len(plan.units))])
        # Few matches (a rare thing): fetch them all at once and rank them here.
        rows: Sequence[Any] = ()
        if plan.most <= self.small_scan:
            if self.dialect == "postgresql":
                await read_by(walk=False)
            probe, values = sql("d.rank_key, d.member_id, e.id, e.summary, e.tags", everything)
            probe = probe.replace("WHERE", "JOIN done_entries e ON e.id = d.entry_id WHERE", 1)
            rows = (await session.execute(text(probe), {
                **values, "after": -1, "n": SMALL_RESULT + 1})).all()
            if len(rows) <= SMALL_RESULT:
                return await self._load(session, self._rank_here(rows, plan.units, limit))
        best: dict[int, int] = {}
        """member id -> score of their best entry, in rank order."""
        batch = max(limit * 4, 20)
        tiers = list(itertools.islice(self._tiers(plan.units), MAX_TIERS))
        tiers.append(everything)  # a last sweep: anything that meets any unit
        # PostgreSQL: no tier can match more than the whole query; when even that is few,
        # reading the GIN index is the way for every tier, without asking the planner
        may_walk = plan.most ** 2 > _walk_threshold(plan.entries, batch)
        for tier in tiers:
            tier_sql, values = sql("d.rank_key, d.member_id", tier)
            if self.dialect == "postgresql":
                await read_by(walk=may_walk and await self._walk_pays(
                    session, tier_sql, values, plan.entries, batch))
            after = -1
            while len(best) < limit:
                found = (await session.execute(text(tier_sql), {
                    **values, "after": after, "n": batch})).all()
                for _, member_id in found:
                    best.setdefault(member_id, tier.score)
                if len(found) < batch:
                    break
                after = found[-1][0]
            if len(best) >= limit:
                break
        chosen = list(best)[:limit]
        matches = await self._matching_entries(session, chosen, plan.units)
        return [PersonHit(matches[m][0], best[m] / 1000, matches[m][1])
                for m in chosen if m in matches]

    async def _walk_pays(self, session: AsyncSession, tier_sql: str,
                         values: dict[str, object], entries: int, wanted: int) -> bool:
        """PostgreSQL: whether to walk the rank_key index in order (cheap per row, and it
        stops at `wanted` rows) rather than read every match from the GIN index and sort
        (dearer per row: a heap visit each). The planner's own choice assumes matches are
        spread evenly along rank_key, but a term's matches gather among long entries, so
        walks run far longer than it expects; this decides with its row estimates and
        measured costs instead: a walk visits about entries * wanted / visible rows (taken
        as WALK_SKEW times that for the gathering, at WALK_COST of a heap visit's cost
        each), a look-up visits every match."""
        found = (await session.execute(
            text(f"EXPLAIN (FORMAT JSON) {tier_sql.rsplit(' ORDER BY ', 1)[0]}"),
            {**values, "after": -1})).scalar_one()
        top = (json.loads(found) if isinstance(found, str) else found)[0]["Plan"]
        visible = max(float(top["Plan Rows"]), 1.0)
        matches = _rows_of(top, "done_search") or visible
        return matches * visible > _walk_threshold(entries, wanted)

    def _rank_here(self, rows: Sequence[Any], units: list[Unit],
                   limit: int) -> list[tuple[int, float, list[int]]]:
        """Rank a complete (small) set of matching entries with the same scores and order
        the tiers give: best entry's score, then its rank key. Gives (member id, score,
        entry ids best first) per person."""
        states = [u.states() for u in units]
        people: dict[int, list[tuple[int, int, int]]] = {}
        for key, member_id, entry_id, summary, tags in rows:
            score, _ = self._score(summary, tags, states)
            if score > 0:
                people.setdefault(member_id, []).append((-score, key, entry_id))
        ranked = sorted((sorted(found), member_id) for member_id, found in people.items())
        return [(member_id, -found[0][0] / 1000, [e for *_, e in found])
                for found, member_id in ranked[:limit]]

    @staticmethod
    async def _load(session: AsyncSession,
                    ranked: list[tuple[int, float, list[int]]]) -> list[PersonHit]:
        """The people and entries `_rank_here` chose, in one read."""
        wanted = [e for *_, ids in ranked for e in ids]
        if not wanted:
            return []
        rows = (await session.execute(
            _entries_and_members().where(DoneEntry.id.in_(wanted)))).all()
        loaded = {entry.id: entry for entry, _ in rows}
        people = {member.id: member for _, member in rows}
        hits = []
        for member_id, score, ids in ranked:
            entries = tuple(loaded[e] for e in ids if e in loaded)
            if entries:  # gone since the probe only if deleted meanwhile
                hits.append(PersonHit(people[member_id], score, entries))
        return hits

    def _tiers(self, units: list[Unit]) -> Iterator[Tier]:
        """Match expressions for combinations of unit states, best total score first;
        combinations with equal scores share one tier, so rank order within it is exact."""
        states = [u.states() for u in units]
        start = (0,) * len(units)
        heap = [(-sum(s[0].weight for s in states), start)]
        seen = {start}
        pending: list[tuple[int, ...]] = []
        pending_score: int | None = None
        while heap:
            negative, combo = heapq.heappop(heap)
            for i in range(len(units)):
                if combo[i] + 1 < len(states[i]):
                    nxt = (*combo[:i], combo[i] + 1, *combo[i + 1:])
                    if nxt not in seen:
                        seen.add(nxt)
                        heapq.heappush(heap, (-sum(states[j][k].weight
                                                   for j, k in enumerate(nxt)), nxt))
            if -negative <= 0:
                break
            if pending_score is not None and -negative != pending_score:
                yield self._tier(pending_score, states, pending)
                pending = []
            pending_score = -negative
            pending.append(combo)
        if pending and pending_score:
            yield self._tier(pending_score, states, pending)

    def _tier(self, score: int, states: list[list[State]],
              combos: list[tuple[int, ...]]) -> Tier:
        match = self._tier_expression(states, combos)
        if self.dialect == "postgresql" and "<->" in match:
            return Tier(score, match, self._tier_expression(states, combos, narrow=True))
        return Tier(score, match)

    def _tier_expression(self, states: list[list[State]], combos: list[tuple[int, ...]],
                         *, narrow: bool = False) -> str:
        """Entries meeting any of the combinations; `narrow` gives PostgreSQL's index-only
        superset (see `Tier.narrow`): phrases without their position checks, and no such
        phrase in what must be absent (leaving one out only lets more rows through)."""
        parts = []
        for combo in combos:
            chosen = [states[i][k] for i, k in enumerate(combo) if k >= 0]
            must = [a for st in chosen for a in st.must]
            never = [a for st in chosen for a in st.never]
            if not must:
                continue
            if self.dialect == "sqlite":
                expr = " AND ".join(f"({self._match_expression(a)})" for a in must)
                if never:
                    expr = f"({expr}) NOT ({' OR '.join(self._match_expression(a) for a in never)})"
            else:
                expr = " & ".join(f"({self._match_expression(a, narrow=narrow)})"
                                  for a in must)
                if narrow:
                    never = [frozenset(x for x in a if not _needs_positions(x)) for a in never]
                    never = [a for a in never if a]
                if never:
                    excluded = " | ".join(self._match_expression(a) for a in never)
                    expr = f"{expr} & !({excluded})"
            parts.append(f"({expr})")
        return (" OR " if self.dialect == "sqlite" else " | ").join(parts)

    async def _matching_entries(
            self, session: AsyncSession, members: list[int],
            units: list[Unit]) -> dict[int, tuple[Member, tuple[DoneEntry, ...]]]:
        """These people, each with every entry of theirs that meets the query, best first
        (checked here in Python, with the same analysis the index was built with); people
        and entries are read together, as the caller will show them."""
        if not members:
            return {}
        rows = await session.execute(
            _entries_and_members().where(DoneEntry.member_id.in_(members)))
        states = [u.states() for u in units]
        people: dict[int, Member] = {}
        scored: dict[int, list[tuple[int, int, int]]] = {}
        loaded: dict[int, DoneEntry] = {}
        for entry, member in rows:
            score, size = self._score(entry.summary, entry.tags, states)
            if score > 0:
                people[member.id], loaded[entry.id] = member, entry
                scored.setdefault(member.id, []).append((-score, size, entry.id))
        return {m: (people[m], tuple(loaded[e] for *_, e in sorted(found)))
                for m, found in scored.items()}

    def _score(self, summary: str, tags: Sequence[str] | None,
               states: list[list[State]]) -> tuple[int, int]:
        """An entry's score (each unit's weight at the best state it meets, summed) and its
        size in terms, from the same analysis the index was built with."""
        terms, size = self.analyser.document_terms([summary, *(tags or [])])
        return sum(next((st.weight for st in unit if _meets(terms, st)), 0)
                   for unit in states), size

    def _match_expression(self, alternatives: frozenset[Alternative], *,
                          narrow: bool = False) -> str:
        chosen = sorted(alternatives)[:MAX_ALTERNATIVES]
        if self.dialect == "sqlite":
            return " OR ".join('"' + " ".join(a) + '"' for a in chosen)
        return " | ".join(_postgres_alternative(a, narrow=narrow) for a in chosen)


def _entries_and_members() -> Select[tuple[DoneEntry, Member]]:
    """Entries read with their members, as search results show them."""
    return select(DoneEntry, Member).join(Member, Member.id == DoneEntry.member_id)


def _walk_threshold(entries: int, wanted: int) -> float:
    """See `SearchIndex._walk_pays`: walk when matches times visible matches exceed this."""
    return WALK_SKEW * WALK_COST * entries * wanted


def _rows_of(node: dict[str, Any], relation: str) -> float:
    """The planner's row estimate for its scan of `relation` in an EXPLAIN (FORMAT JSON)
    plan (0 when absent)."""
    if node.get("Relation Name") == relation:
        return float(node["Plan Rows"])
    return max((_rows_of(child, relation) for child in node.get("Plans", ())), default=0.0)


def _holds(terms: list[str], alternatives: frozenset[Alternative]) -> bool:
    present = set(terms)
    for a in alternatives:
        if len(a) == 1:
            if a[0] in present:
                return True
        elif present.issuperset(a) and any(
                tuple(terms[i:i + len(a)]) == a for i in range(len(terms) - len(a) + 1)):
            return True
    return False


def _meets(terms: list[str], state: State) -> bool:
    return bool(state.must) and all(_holds(terms, a) for a in state.must) and not any(
        _holds(terms, a) for a in state.never)


def postgres_document(terms: Sequence[str]) -> str:
    """An entry's terms in tsvector's text form: each term with its positions, then each
    pair of adjacent terms as a lexeme of its own (no position), for phrase lookups."""
    positions: dict[str, str] = {}
    for number, term in enumerate(terms, start=1):
        found = positions.get(term)
        positions[term] = str(number) if found is None else f"{found},{number}"
    out = [f"'{t}':{p}" for t, p in positions.items()]
    out.extend(dict.fromkeys(f"'{pair}'" for pair in _indexed_pairs(terms)))
    return " ".join(out)


def _indexed_pairs(terms: Sequence[str]) -> list[str]:
    """The pair lexemes PostgreSQL indexes for these adjacent terms (none with a stopword);
    documents and queries both use this, so they always agree."""
    return [f"{a}{PAIR}{b}" for a, b in itertools.pairwise(terms)
            if a not in UNPAIRED and b not in UNPAIRED]


def _needs_positions(alternative: Alternative) -> bool:
    """Whether PostgreSQL must check word positions to match this alternative: a phrase,
    unless it is two words indexed as one pair."""
    return len(alternative) > 2 or (len(alternative) == 2
                                    and not _indexed_pairs(alternative))


def _postgres_alternative(alternative: Alternative, *, narrow: bool = False) -> str:
    """A term, or a phrase: looked up by its indexed pairs (its words, if a stopword
    leaves it none), then its words' positions checked (unless `narrow`) -- except for
    two words indexed as a pair, which is the phrase itself."""
    if len(alternative) == 1:
        return f"'{alternative[0]}'"
    pairs = [f"'{pair}'" for pair in _indexed_pairs(alternative)]
    if not _needs_positions(alternative):
        return f"({pairs[0]})"
    keys = " & ".join(pairs or [f"'{t}'" for t in alternative])
    if narrow:
        return f"({keys})"
    phrase = " <-> ".join(f"'{t}'" for t in alternative)
    return f"({keys} & {phrase})"


def rank_key(entry_id: int, size: int) -> int:
    """Orders entries by size, then id, in one integer the engines can sort and page on."""
    return min(size, 0xFFFF) << 32 | entry_id


def _splits(word: str) -> list[tuple[str, str]]:
    if len(word) < 6 or not word.isalpha():
        return []
    return [(word[:i], word[i:]) for i in range(3, len(word) - 2)]


def _splits_known(word: str, term: Callable[[str], str],
                  is_known: Callable[[str], bool]) -> bool:
    return any(is_known(term(a)) and is_known(term(b))
               for a, b in _splits(word))


def _unit_frequency(unit: Unit, df: dict[str, int]) -> int:
    """An estimate of how many entries match the unit: its commonest alternative."""
    return max((min(df.get(t, 0) for t in a) for a in unit.alternatives), default=0)


def _weight(frequency: int, total: int) -> int:
    """BM25's inverse document frequency, as an integer so sums are exact everywhere."""
    return max(1, round(1000 * math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))))


__all__ = ["STOPWORDS", "IndexRow", "PersonHit", "Plan", "SearchIndex", "Unit", "Viewer"]
