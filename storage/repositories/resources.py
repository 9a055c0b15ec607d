"""Pins: writes keep the full-text index in step; all library search SQL lives here.

Published pins are indexed in the database's own engine (SQLite FTS5 table `pin_search`,
rowid = pin id; PostgreSQL table `pin_search` with a tsvector), with the same Python text
analysis as "who's done X", over title, description and tags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Pin
from storage.models.resources import LIVE_STATUSES
from storage.search.analysis import analyse_document, query_terms


def tag_index(tags: Sequence[str]) -> str:
    return "|" + "|".join(tags) + "|" if tags else ""


@dataclass(frozen=True)
class PinPage:
    pins: list[Pin]
    total: int


class PinRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dialect = session.bind.dialect.name

    # -- reads -------------------------------------------------------------------------------
    async def get(self, pin_id: int) -> Pin | None:
        return await self.session.get(Pin, pin_id)

    async def live_by_key(self, key: str) -> Pin | None:
        """The pending or published pin for this resource, if there is one."""
        return await self.session.scalar(
            select(Pin).where(Pin.url_key == key, Pin.status.in_(LIVE_STATUSES)))

    async def browse(self, *, tags: Sequence[str] = (), limit: int = 10, offset: int = 0,
                     exclude_spaces: Sequence[tuple[str, str]] = ()) -> PinPage:
        """Published pins (with every one of `tags`), newest first; `exclude_spaces` leaves
        out pins added from those (platform, space) pairs (spaces kept off the web)."""
        where = [Pin.status == "published"]
        where += [Pin.tag_index.contains(f"|{tag}|", autoescape=True) for tag in tags]
        where += [~and_(Pin.added_by_platform == platform, Pin.added_by_space == space)
                  for platform, space in exclude_spaces]
        total = await self.session.scalar(select(func.count()).select_from(Pin).where(*where))
        rows = await self.session.scalars(
            select(Pin).where(*where).order_by(Pin.published_at.desc(), Pin.id.desc())
            .limit(limit).offset(offset))
        return PinPage(list(rows), total or 0)

    async def search(self, query: str, *, tags: Sequence[str] = (), limit: int = 10,
                     offset: int = 0,
                     exclude_spaces: Sequence[tuple[str, str]] = ()) -> list[Pin]:
        """Published pins (with every one of `tags`) matching any query term, best first;
        `offset` skips that many (a later page); `exclude_spaces` as in `browse`."""
        terms = query_terms(query)
        if not terms:
            return []
        params: dict[str, object] = {"k": limit, "o": offset}
        tag_sql = ""
        for i, tag in enumerate(tags):
            params[f"tag{i}"] = f"%|{tag}|%"
            tag_sql += f" AND p.tag_index LIKE :tag{i}"
        for i, (platform, space) in enumerate(exclude_spaces):
            params.update({f"xp{i}": platform, f"xs{i}": space})
            tag_sql += f" AND NOT (p.added_by_platform = :xp{i} AND p.added_by_space = :xs{i})"
        if self.dialect == "sqlite":
            params["q"] = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
            sql = f"""
                SELECT p.id FROM pin_search JOIN pins p ON p.id = pin_search.rowid
                WHERE pin_search MATCH :q AND p.status = 'published' {tag_sql}
                ORDER BY bm25(pin_search), p.published_at DESC, p.id DESC
                LIMIT :k OFFSET :o"""
        else:
            names = [f"t{i}" for i in range(len(terms))]
            params.update(zip(names, terms, strict=True))
            tsquery = " || ".join(f"plainto_tsquery('simple', :{n})" for n in names)
            sql = f"""
                SELECT p.id FROM pin_search s JOIN pins p ON p.id = s.pin_id,
                     (SELECT {tsquery} AS query) AS q
                WHERE s.document @@ q.query AND p.status = 'published' {tag_sql}
                ORDER BY ts_rank(s.document, q.query) DESC, p.published_at DESC, p.id DESC
                LIMIT :k OFFSET :o"""
        ids = [row[0] for row in (await self.session.execute(text(sql), params)).all()]
        if not ids:
            return []
        found = {p.id: p for p in await self.session.scalars(select(Pin).where(Pin.id.in_(ids)))}
        return [found[i] for i in ids if i in found]

    async def pending(self, *, limit: int = 20, offset: int = 0) -> list[Pin]:
        """Suggestions waiting for review, oldest first."""
        return list(await self.session.scalars(
            select(Pin).where(Pin.status == "pending").order_by(Pin.created_at, Pin.id)
            .limit(limit).offset(offset)))

    async def count_pending(self) -> int:
        return await self.session.scalar(
            select(func.count()).select_from(Pin).where(Pin.status == "pending")) or 0

    async def dead(self, *, limit: int = 20, offset: int = 0) -> list[Pin]:
        """Published pins whose link the checker found dead, for moderators to review."""
        return list(await self.session.scalars(
            select(Pin).where(Pin.status == "published", Pin.link_status == "dead")
            .order_by(Pin.last_checked_at, Pin.id).limit(limit).offset(offset)))

    async def count_dead(self) -> int:
        return await self.session.scalar(
            select(func.count()).select_from(Pin).where(Pin.status == "published",
                                                        Pin.link_status == "dead")) or 0

    async def published_between(self, since: datetime, until: datetime) -> list[Pin]:
        return list(await self.session.scalars(
            select(Pin).where(Pin.status == "published", Pin.published_at >= since,
                              Pin.published_at < until)
            .order_by(Pin.published_at, Pin.id)))

    async def due_for_check(self, *, checked_before: datetime, limit: int) -> list[Pin]:
        """Published pins never checked, or last checked before the cut-off; stalest first."""
        stale = (Pin.last_checked_at.is_(None)) | (Pin.last_checked_at < checked_before)
        return list(await self.session.scalars(
            select(Pin).where(Pin.status == "published", stale)
            .order_by(Pin.last_checked_at.is_not(None), Pin.last_checked_at, Pin.id)
            .limit(limit)))

    # -- writes ------------------------------------------------------------------------------
    async def added_by(self, member_id: int) -> list[Pin]:
        return list(await self.session.scalars(
            select(Pin).where(Pin.added_by_member_id == member_id).order_by(Pin.id)))

    async def forget_member(self, member_id: int, actor_labels: Sequence[str]) -> None:
        """Erase a member from the library: their pending suggestions go; pins already
        reviewed stay (they are the network's), with who added or reviewed them cleared."""
        pending = [p.id for p in await self.added_by(member_id) if p.status == "pending"]
        for pin_id in pending:
            await self.unindex(pin_id)
        if pending:
            await self.session.execute(delete(Pin).where(Pin.id.in_(pending)))
        await self.session.execute(
            update(Pin).where(Pin.added_by_member_id == member_id)
            .values(added_by_member_id=None, added_by_platform="", added_by_space="",
                    added_by_user=""))
        if actor_labels:
            await self.session.execute(
                update(Pin).where(Pin.reviewed_by.in_(actor_labels)).values(reviewed_by=""))

    async def add(self, pin: Pin) -> Pin:
        pin.tag_index = tag_index(pin.tags)
        self.session.add(pin)
        await self.session.flush()
        if pin.status == "published":
            await self.index(pin)
        return pin

    async def changed(self, pin: Pin) -> None:
        """Call after changing a pin's text, tags or status: keeps index and tag filter true."""
        pin.tag_index = tag_index(pin.tags)
        await self.session.flush()
        if pin.status == "published":
            await self.index(pin)
        else:
            await self.unindex(pin.id)

    async def index(self, pin: Pin) -> None:
        terms = analyse_document(f"{pin.title} . {pin.description}", list(pin.tags)).terms
        await self.unindex(pin.id)
        if self.dialect == "sqlite":
            sql = "INSERT INTO pin_search(rowid, terms) VALUES (:id, :terms)"
        else:
            sql = ("INSERT INTO pin_search(pin_id, document) "
                   "VALUES (:id, to_tsvector('simple', :terms))")
        await self.session.execute(text(sql), {"id": pin.id, "terms": terms})

    async def unindex(self, pin_id: int) -> None:
        column = "rowid" if self.dialect == "sqlite" else "pin_id"
        await self.session.execute(text(f"DELETE FROM pin_search WHERE {column} = :id"),
                                   {"id": pin_id})
