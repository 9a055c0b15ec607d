"""The search's SQL for PostgreSQL: a `tsvector` column with a GIN index, on `done_search`.

PostgreSQL's GIN index keeps no word positions, so a phrase there would re-read every row
holding its words; each pair of adjacent terms is therefore indexed as one more lexeme
("digit_leader", see `postgres_document`) and a two-word phrase is a single lookup. Each
row also carries its member's privacy and region (kept in step by a trigger on members), so
a candidate query reads one table. Beside the GIN index, `search_postings` keeps each
lexeme's entries (pairs too) in rank-key order in a B-tree, so a common word's best
entries are read first instead of every one of them sorted. A candidate query walks
postings first, as far as `storage.search.cost` allows, and looks its matches up in the GIN
index only if that walk did not fill the page; the choice is expressed in the statements'
shapes, not in session settings.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.search import cost
from storage.search.analysis import STOPWORDS, stem
from storage.search.engine import (
    DOC_COUNT,
    Candidate,
    DocRow,
    Filters,
    Match,
    Page,
)
from storage.search.planner import MAX_ALTERNATIVES, Alternative

CHUNK = 5000
MAX_DRIVERS = 16
"""The most terms whose postings one walk merges (one sub-select each)."""
UNPOSTED = "staffroom.search.unposted"
"""`session.info` key: entries a bulk load indexed, posted at its end (`optimise`)."""
ENTRY_BITS = 0xFFFFFFFF
"""A rank key's low bits are its entry's id (`storage.search.writer.rank_key`)."""
REBUILD_LOCK = 0x5EA4C11
"""Advisory lock key held while the index is rebuilt."""
PAIR = "_"
"""Joins two adjacent terms into one PostgreSQL lexeme; terms never contain it."""
UNPAIRED = frozenset(stem(word) for word in STOPWORDS)
"""Terms never indexed in a pair: two in three pairs of ordinary prose hold a stopword,
and phrases seldom do (those that do are found by their words, then their positions)."""

_VISIBLE = """(d.privacy = 'network' OR (d.privacy = 'space' AND EXISTS (
        SELECT 1 FROM identities i WHERE i.member_id = d.member_id
        AND ((i.platform = :v_platform AND i.space_id = :v_space)
             OR EXISTS (SELECT 1 FROM identities v WHERE v.member_id = :v_member
                        AND v.platform = i.platform AND v.space_id = i.space_id)))))"""
"""Network members; `privacy space` members sharing a space with the viewer's account or
with any account of the viewer's member."""
_COLUMNS = "d.rank_key, d.entry_id, d.member_id, d.terms"


class PostgresEngine:
    async def frequencies(self, session: AsyncSession, terms: set[str]) -> dict[str, int]:
        rows = await session.execute(
            text("SELECT term, df FROM search_vocab WHERE term = ANY(CAST(:terms AS text[]))"),
            {"terms": sorted(terms | {DOC_COUNT})})
        return {t: int(n) for t, n in rows}

    async def near_terms(self, session: AsyncSession, words: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for word in words:
            if not word:
                continue
            # pg_trgm finds near spellings through its own index, beside the ranges
            # SQLite reads; the planner applies one rule to whatever either proposes, and
            # both propose every term that rule can accept
            rows = await session.execute(text(
                "SELECT term, df FROM search_vocab WHERE "
                "((term >= :lo AND term < :hi) OR (rev >= :rlo AND rev < :rhi)) "
                "AND length(term) BETWEEN :short AND :long AND df > 0"),
                {"lo": word[0], "hi": chr(ord(word[0]) + 1), "rlo": word[-1],
                 "rhi": chr(ord(word[-1]) + 1), "short": len(word) - 2,
                 "long": len(word) + 2})
            found.update({t: int(n) for t, n in rows if t})
        return found

    async def insert(self, session: AsyncSession, rows: Sequence[DocRow], *,
                     deferred: bool = False) -> None:
        connection = await session.connection()
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            # the member's privacy and region ride along (kept in step by a trigger on
            # members), so a search filters without joining every match to its member
            added = ("INSERT INTO done_search(rank_key, entry_id, member_id, document, terms, "
                     "privacy, region) SELECT u.k, u.e, u.m, CAST(u.d AS tsvector), u.t, "
                     "m.privacy, lower(m.region) FROM unnest($1::bigint[], $2::int[], "
                     "$3::int[], $4::text[], $5::text[]) AS u(k, e, m, d, t) "
                     "JOIN members m ON m.id = u.m")
            if not deferred:  # and each lexeme's posting, from the documents just written
                added = (f"WITH added AS ({added} RETURNING rank_key, document) "
                         "INSERT INTO search_postings(term, rank_key) SELECT w, a.rank_key "
                         "FROM added a, unnest(tsvector_to_array(a.document)) AS w")
            await connection.exec_driver_sql(
                added,
                ([r.rank_key for r in chunk], [r.entry_id for r in chunk],
                 [r.member_id for r in chunk], [postgres_document(r.term_list) for r in chunk],
                 [r.terms for r in chunk]))
        if deferred:
            session.info.setdefault(UNPOSTED, []).extend(r.entry_id for r in rows)

    async def delete(self, session: AsyncSession, entry_ids: Sequence[int]) -> list[str]:
        if not entry_ids:
            return []
        # their postings go with them (a trigger on done_search, migration 0025)
        found = await session.execute(
            text("DELETE FROM done_search WHERE entry_id = ANY(CAST(:ids AS int[])) "
                 "RETURNING terms"), {"ids": sorted(set(entry_ids))})
        return [t for (t,) in found]

    async def count(self, session: AsyncSession, deltas: Mapping[str, int]) -> None:
        rows = [(t, n) for t, n in sorted(deltas.items()) if n]
        if not rows:
            return
        # one statement for the whole batch: an import adds thousands of terms at once
        await session.execute(text(
            "INSERT INTO search_vocab(term, rev, df) SELECT t, reverse(t), n FROM unnest("
            "CAST(:terms AS text[]), CAST(:ns AS int[])) AS u(t, n) "
            "ON CONFLICT (term) DO UPDATE SET df = search_vocab.df + excluded.df"),
            {"terms": [t for t, _ in rows], "ns": [n for _, n in rows]})
        if any(n < 0 for _, n in rows):
            await session.execute(text("DELETE FROM search_vocab WHERE df <= 0 AND term != ''"))

    async def optimise(self, session: AsyncSession) -> None:
        """Post a bulk load's entries, in the postings' own order (a third faster than
        as each batch arrives, into the B-tree's every part). VACUUM (ANALYZE) runs after
        an import commits (`storage.db.Database.settle`)."""
        unposted = session.info.pop(UNPOSTED, None)
        if unposted:
            await session.execute(text(
                "INSERT INTO search_postings(term, rank_key) SELECT w, d.rank_key "
                "FROM done_search d, unnest(tsvector_to_array(d.document)) AS w "
                "WHERE d.entry_id = ANY(CAST(:ids AS int[])) ORDER BY 1, 2"),
                {"ids": unposted})

    async def clear(self, session: AsyncSession) -> None:
        # postings first: the trigger on done_search then has none left to look up
        await session.execute(text("DELETE FROM search_postings"))
        await session.execute(text("DELETE FROM done_search"))
        await session.execute(text("DELETE FROM search_vocab"))

    async def candidates(self, session: AsyncSession, match: Match, filters: Filters,
                         page: Page) -> list[Candidate]:
        exact = tsquery(match)
        if not exact:
            return []
        params: dict[str, object] = {
            "exact": exact, "after": page.after, "before": page.before, "n": page.size,
            "v_platform": filters.viewer.platform, "v_space": filters.viewer.space_id,
            "v_member": filters.viewer.member_id}
        region = ""
        if filters.regions:
            region = "d.region = ANY(CAST(:regions AS text[]))"
            params["regions"] = [r.lower() for r in filters.regions]
            if filters.spaces:
                # a local group: its region, or an account in one of its spaces
                params["g_platforms"] = [p for p, _ in filters.spaces]
                params["g_spaces"] = [s for _, s in filters.spaces]
                region += (" OR EXISTS (SELECT 1 FROM identities g, unnest("
                           "CAST(:g_platforms AS text[]), CAST(:g_spaces AS text[])) "
                           "AS w(platform, space_id) WHERE g.member_id = d.member_id "
                           "AND g.platform = w.platform AND g.space_id = w.space_id)")
            region = f" AND ({region})"
        conditions = f"{_VISIBLE}{region}"
        drivers = _drivers(match)
        if drivers:
            rows, complete = await _walk(session, drivers, conditions, params, page.size,
                                         cost.walk_budget(page.size))
            if complete or len(rows) >= page.size:
                return rows
        # look the matches up in the GIN index (by the index-only superset `narrow`,
        # positions checked on those rows only) and sort them: ordering by an expression
        # keeps the planner off the rank-key index
        narrow = tsquery(match, narrow=True)
        params["narrow"] = narrow
        where = "d.document @@ CAST(:narrow AS tsquery)"
        if narrow != exact:
            where += " AND ts_match_vq(d.document, CAST(:exact AS tsquery))"
        found = await session.execute(text(
            f"SELECT {_COLUMNS} FROM done_search d WHERE {where} AND d.rank_key > :after "
            f"AND d.rank_key < :before AND {conditions} ORDER BY d.rank_key + 0 LIMIT :n"),
            params)
        return [Candidate(*row) for row in found]

    async def exclusive(self, session: AsyncSession) -> None:
        """One rebuild at a time: a transaction-scoped advisory lock."""
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": REBUILD_LOCK})

    async def meta(self, session: AsyncSession, key: str) -> str | None:
        return await session.scalar(text("SELECT value FROM search_meta WHERE key = :k"),
                                    {"k": key})

    async def set_meta(self, session: AsyncSession, key: str, value: str) -> None:
        await session.execute(text(
            "INSERT INTO search_meta(key, value) VALUES (:k, :v) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value"), {"k": key, "v": value})


def tsquery(match: Match, *, narrow: bool = False) -> str:
    """tsquery text for a match; `narrow` gives the superset PostgreSQL's GIN index answers
    alone (each phrase as just its indexed pairs or words)."""
    parts = []
    for conjunction in match.any_of:
        if not conjunction or not all(conjunction):
            continue
        parts.append(" & ".join(
            "(" + " | ".join(_alternative(a, narrow=narrow)
                             for a in sorted(alts)[:MAX_ALTERNATIVES]) + ")"
            for alts in conjunction))
    return " | ".join(f"({p})" for p in parts)


async def _walk(session: AsyncSession, drivers: Mapping[str, int], conditions: str,
                params: dict[str, object], size: int,
                budget: int) -> tuple[list[Candidate], bool]:
    """Merge the drivers' postings (lexeme: at most how many it holds) in rank-key order,
    reading at most `budget` of them, and keep the entries meeting the whole query
    (`:exact`, checked by ts_match_vq, the function behind @@, called by name so the
    planner cannot hand it to the GIN index) and `conditions`, up to `size` (`:n`).
    Returns the rows (an entry holding two drivers comes twice: the caller keeps it once)
    and whether they are all there are (the budget was not spent)."""
    branches = []
    for number, lexeme in enumerate(sorted(drivers)):
        params[f"w{number}"] = lexeme
        branches.append(f"(SELECT rank_key FROM search_postings WHERE term = :w{number} "
                        "AND rank_key > :after AND rank_key < :before ORDER BY rank_key)")
    walked = f"({' UNION ALL '.join(branches)})"
    params["budget"] = budget
    found = await session.execute(text(
        f"SELECT {_COLUMNS} FROM (SELECT rank_key FROM {walked} AS m ORDER BY rank_key "
        f"LIMIT :budget) AS p JOIN done_search d ON d.entry_id = CAST(p.rank_key & "
        f"{ENTRY_BITS} AS int) WHERE ts_match_vq(d.document, CAST(:exact AS tsquery)) "
        f"AND {conditions} ORDER BY p.rank_key LIMIT :n"), params)
    rows = [Candidate(*row) for row in found]
    if len(rows) >= size:
        return rows, False
    if sum(drivers.values()) < budget:  # by the vocabulary, fewer than it could read
        return rows, True
    read = await session.scalar(text(
        f"SELECT count(*) FROM (SELECT 1 FROM {walked} AS m LIMIT :budget) AS p"), params)
    return rows, (read or 0) < budget


def _drivers(match: Match) -> dict[str, int]:
    """Lexemes whose postings hold every entry meeting `match`, with at most how many
    entries hold each: of each conjunction, the alternative set held by the fewest. Nothing
    if the walk would merge too many postings."""
    drivers: dict[str, int] = {}
    for conjunction in match.any_of:
        if not conjunction or not all(conjunction):
            continue  # matches nothing (see `tsquery`)
        options = [dict(_driver(a, match.frequencies) for a in alts) for alts in conjunction]
        # a pair's bound is its rarest word's, but it holds fewer: on a tie, the pairs
        best = min(options, key=lambda found: (sum(found.values()),
                                               -sum(PAIR in lexeme for lexeme in found),
                                               sorted(found)))
        drivers.update(best)
    return drivers if len(drivers) <= MAX_DRIVERS else {}


def _driver(alternative: Alternative, frequencies: Mapping[str, int]) -> tuple[str, int]:
    """The lexeme whose postings hold every entry meeting `alternative` (a term; a
    phrase's first indexed pair, or its rarest word if it has none), and at most how many
    entries hold it (a pair's own count is not kept: its rarest word's)."""
    bound = min(frequencies.get(t, 0) for t in alternative)
    pairs = _indexed_pairs(alternative)
    if pairs:
        return pairs[0], bound
    rarest = min(alternative, key=lambda t: (frequencies.get(t, 0), t))
    return rarest, bound


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


def _alternative(alternative: Alternative, *, narrow: bool = False) -> str:
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
