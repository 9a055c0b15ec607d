"""The search's SQL for SQLite: an external-content FTS5 table over `search_docs`.

`search_docs` holds each entry's rank key (its rowid in FTS5), ids and analysed document;
FTS5 indexes the document's terms (its separators are punctuation, which FTS5 skips) and
keeps word positions, so a phrase is a native phrase query. FTS5 reads rowids in order, so
a candidate query walks the rank key and stops at its LIMIT.

Each document also ends with its member's region as one more term (`region_term`), so a
search in a region is FTS5's own intersection instead of a join to every match's member;
a trigger on members (migration 0009) rewrites the documents when a member's region
changes. A local group's region (`Filters.spaces`) also takes people with an account in
its spaces, which no document holds: that search filters in SQL, not by the term.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.search.engine import (
    DOC_COUNT,
    Candidate,
    DocRow,
    Filters,
    Match,
    Page,
)
from storage.search.planner import MAX_ALTERNATIVES, Alternative

CHUNK = 900
"""Bound parameters per statement, under SQLite's limit."""
REGION_SEPARATOR = " ;; "
"""Before the region term at the end of a stored document (not an analysed field)."""
REGION_MARK = "zz0r"
"""A region term: never an analysed word's term (marked acronyms are letters)."""


def region_term(region: str) -> str:
    """The term a member's region is indexed as: its UTF-8 bytes in hex after lowering
    ASCII letters, as the members trigger computes it with SQLite's lower() and hex()."""
    lowered = "".join(c.lower() if c.isascii() else c for c in region)
    return REGION_MARK + lowered.encode("utf-8").hex()


def analysed_part(stored: str) -> str:
    """A stored document without its region term."""
    return stored.split(REGION_SEPARATOR, 1)[0]

_VISIBLE = """(m.privacy = 'network' OR (m.privacy = 'space' AND EXISTS (
        SELECT 1 FROM identities i WHERE i.member_id = m.id
        AND ((i.platform = :v_platform AND i.space_id = :v_space)
             OR EXISTS (SELECT 1 FROM identities v WHERE v.member_id = :v_member
                        AND v.platform = i.platform AND v.space_id = i.space_id)))))"""
"""Network members; `privacy space` members sharing a space with the viewer's account or
with any account of the viewer's member."""


def _in_spaces(spaces: Sequence[tuple[str, str]], params: dict[str, object]) -> str:
    """The member has an account in one of these spaces (a local group's)."""
    found = []
    for n, (platform, space) in enumerate(spaces):
        params.update({f"gp{n}": platform, f"gs{n}": space})
        found.append(f"(g.platform = :gp{n} AND g.space_id = :gs{n})")
    return (f"EXISTS (SELECT 1 FROM identities g WHERE g.member_id = m.id "
            f"AND ({' OR '.join(found)}))")


class SqliteEngine:
    async def frequencies(self, session: AsyncSession, terms: set[str]) -> dict[str, int]:
        wanted = sorted(terms | {DOC_COUNT})
        found: dict[str, int] = {}
        for start in range(0, len(wanted), CHUNK):
            rows = await session.execute(
                text("SELECT term, df FROM search_vocab WHERE term IN :terms")
                .bindparams(bindparam("terms", expanding=True)),
                {"terms": wanted[start:start + CHUNK]})
            found.update({t: int(n) for t, n in rows})
        return found

    async def near_terms(self, session: AsyncSession, words: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for word in words:
            if not word:
                continue
            rows = await session.execute(text(
                "SELECT term, df FROM search_vocab WHERE "
                "((term >= :lo AND term < :hi) OR (rev >= :rlo AND rev < :rhi)) "
                "AND length(term) BETWEEN :short AND :long AND df > 0"), _near(word))
            found.update({t: int(n) for t, n in rows if t})
        return found

    async def insert(self, session: AsyncSession, rows: Sequence[DocRow], *,
                     deferred: bool = False) -> None:
        connection = await session.connection()
        members = sorted({r.member_id for r in rows})
        regions: dict[int, str] = {}
        for start in range(0, len(members), CHUNK):
            chunk = members[start:start + CHUNK]
            found = await connection.exec_driver_sql(
                f"SELECT id, region FROM members WHERE id IN ({', '.join('?' * len(chunk))})",
                tuple(chunk))
            regions.update({i: r or "" for i, r in found})
        stored = [(r, f"{r.terms}{REGION_SEPARATOR}{region_term(regions.get(r.member_id, ''))}")
                  for r in rows]
        # plain driver executemany: a bulk import indexes hundreds of thousands of rows
        await connection.exec_driver_sql(
            "INSERT INTO search_docs(rank_key, entry_id, member_id, terms) VALUES (?, ?, ?, ?)",
            [(r.rank_key, r.entry_id, r.member_id, t) for r, t in stored])
        await connection.exec_driver_sql(
            "INSERT INTO done_search(rowid, terms) VALUES (?, ?)",
            [(r.rank_key, t) for r, t in stored])

    async def delete(self, session: AsyncSession, entry_ids: Sequence[int]) -> list[str]:
        gone: list[str] = []
        ids = sorted(set(entry_ids))
        for start in range(0, len(ids), CHUNK):
            found = await session.execute(
                text("SELECT rank_key, terms FROM search_docs WHERE entry_id IN :ids")
                .bindparams(bindparam("ids", expanding=True)), {"ids": ids[start:start + CHUNK]})
            rows = [(k, t) for k, t in found]
            if rows:
                # external-content FTS5: a row is removed by restating what it held
                await session.execute(text(
                    "INSERT INTO done_search(done_search, rowid, terms) "
                    "VALUES ('delete', :k, :t)"), [{"k": k, "t": t} for k, t in rows])
                await session.execute(text("DELETE FROM search_docs WHERE rank_key = :k"),
                                      [{"k": k} for k, _ in rows])
            gone.extend(analysed_part(t) for _, t in rows)
        return gone

    async def count(self, session: AsyncSession, deltas: Mapping[str, int]) -> None:
        rows = [{"term": t, "rev": t[::-1], "n": n} for t, n in sorted(deltas.items()) if n]
        if rows:
            await session.execute(text(
                "INSERT INTO search_vocab(term, rev, df) VALUES (:term, :rev, :n) "
                "ON CONFLICT (term) DO UPDATE SET df = search_vocab.df + excluded.df"), rows)
            await session.execute(text("DELETE FROM search_vocab WHERE df <= 0 AND term != ''"))

    async def optimise(self, session: AsyncSession) -> None:
        """Merge FTS5's many small segments into one, so queries read one b-tree per term."""
        await session.execute(text("INSERT INTO done_search(done_search) VALUES ('optimize')"))

    async def clear(self, session: AsyncSession) -> None:
        await session.execute(text("INSERT INTO done_search(done_search) VALUES ('delete-all')"))
        await session.execute(text("DELETE FROM search_docs"))
        await session.execute(text("DELETE FROM search_vocab"))

    async def candidates(self, session: AsyncSession, match: Match, filters: Filters,
                         page: Page) -> list[Candidate]:
        expression = fts_expression(match)
        if not expression:
            return []
        params: dict[str, object] = {
            "after": page.after, "before": page.before, "n": page.size,
            "v_platform": filters.viewer.platform, "v_space": filters.viewer.space_id,
            "v_member": filters.viewer.member_id}
        region = ""
        if filters.regions:
            params["regions"] = [r.lower() for r in filters.regions]
            if filters.spaces:
                # a local group: its region, or an account in its spaces (not a term)
                region = (" AND (lower(m.region) IN :regions OR "
                          f"{_in_spaces(filters.spaces, params)})")
            else:
                # FTS5 intersects with the region's term; the join re-checks it
                terms = " OR ".join(sorted({region_term(r) for r in filters.regions}))
                expression = f"({expression}) AND ({terms})"
                region = " AND lower(m.region) IN :regions"
        params["match"] = expression
        statement = text(
            "SELECT d.rank_key, d.entry_id, d.member_id, d.terms "
            "FROM done_search f JOIN search_docs d ON d.rank_key = f.rowid "
            "JOIN members m ON m.id = d.member_id "
            "WHERE done_search MATCH :match AND f.rowid > :after AND f.rowid < :before "
            f"AND {_VISIBLE}{region} "
            "ORDER BY f.rowid LIMIT :n")
        if filters.regions:
            statement = statement.bindparams(bindparam("regions", expanding=True))
        return [Candidate(k, e, m, analysed_part(t))
                for k, e, m, t in await session.execute(statement, params)]

    async def exclusive(self, session: AsyncSession) -> None:
        """SQLite: the writes that follow take the database's one write lock."""

    async def meta(self, session: AsyncSession, key: str) -> str | None:
        return await session.scalar(text("SELECT value FROM search_meta WHERE key = :k"),
                                    {"k": key})

    async def set_meta(self, session: AsyncSession, key: str, value: str) -> None:
        await session.execute(text(
            "INSERT INTO search_meta(key, value) VALUES (:k, :v) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value"), {"k": key, "v": value})


def fts_expression(match: Match) -> str:
    """FTS5 query syntax: each alternative a quoted phrase (terms are letters and digits
    only, so nothing in them is syntax)."""
    parts = []
    for conjunction in match.any_of:
        if not conjunction or not all(conjunction):
            continue
        parts.append(" AND ".join(f"({_alternatives(a)})" for a in conjunction))
    return " OR ".join(f"({p})" for p in parts)


def _alternatives(alternatives: frozenset[Alternative]) -> str:
    return " OR ".join('"' + " ".join(a) + '"' for a in sorted(alternatives)[:MAX_ALTERNATIVES])


def _near(word: str) -> dict[str, object]:
    """Vocabulary ranges that hold the terms a misspelling can be: same first letter or
    same last letter, about the same length."""
    return {"lo": word[0], "hi": chr(ord(word[0]) + 1), "rlo": word[-1],
            "rhi": chr(ord(word[-1]) + 1), "short": len(word) - 2, "long": len(word) + 2}


