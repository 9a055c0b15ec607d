"""Pins: writes keep the full-text index in step; all library search SQL lives here.

Published pins are indexed in the database's own engine (SQLite FTS5 table `pin_search`,
rowid = pin id; PostgreSQL table `pin_search` with a tsvector), with the same Python text
analysis as "who's done X", over title, description and tags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    false,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Pin
from storage.models.resources import LIVE_STATUSES
from storage.search.analysis import analyse_document, query_terms

Shelf = tuple[str, str]
"""(platform, space_id) of a space's shelf of the library."""
NETWORK: Shelf = ("", "")
"""The network's shelf, which every space sees."""


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
                     exclude_spaces: Sequence[tuple[str, str]] = (),
                     shelves: Sequence[Shelf] | None = None,
                     first: Shelf | None = None) -> PinPage:
        """Published pins (with every one of `tags`), newest first. `shelves` keeps only
        those shelves (None: every shelf), `first` puts one shelf's pins before the rest;
        `exclude_spaces` leaves out pins from those (platform, space) pairs (spaces kept off
        the web): on their shelves, or added from there."""
        where = [Pin.status == "published", *self.shelf_filter(shelves, exclude_spaces)]
        where += [Pin.tag_index.contains(f"|{tag}|", autoescape=True) for tag in tags]
        total = await self.session.scalar(select(func.count()).select_from(Pin).where(*where))
        order = [Pin.published_at.desc(), Pin.id.desc()]
        if first is not None:
            order.insert(0, case((self._on(first), 0), else_=1))
        rows = await self.session.scalars(
            select(Pin).where(*where).order_by(*order).limit(limit).offset(offset))
        return PinPage(list(rows), total or 0)

    @staticmethod
    def _on(shelf: Shelf) -> ColumnElement[bool]:
        return and_(Pin.shelf_platform == shelf[0], Pin.shelf_space == shelf[1])

    @classmethod
    def shelf_filter(cls, shelves: Sequence[Shelf] | None,
                     exclude_spaces: Sequence[tuple[str, str]]) -> list[ColumnElement[bool]]:
        """Pins on `shelves` (None: any), and neither on the shelf of, nor added from, a
        space in `exclude_spaces` (spaces kept off the web)."""
        where: list[ColumnElement[bool]] = []
        if shelves is not None:
            where.append(or_(*(cls._on(s) for s in shelves)) if shelves else false())
        for platform, space in exclude_spaces:
            where.append(~and_(Pin.added_by_platform == platform, Pin.added_by_space == space))
            where.append(~cls._on((platform, space)))
        return where

    async def search(self, query: str, *, tags: Sequence[str] = (), limit: int = 10,
                     offset: int = 0,
                     exclude_spaces: Sequence[tuple[str, str]] = (),
                     shelves: Sequence[Shelf] | None = None,
                     first: Shelf | None = None) -> list[Pin]:
        """Published pins (with every one of `tags`) matching any query term, best first
        (`first`'s shelf before the rest); `offset` skips that many (a later page);
        `shelves` and `exclude_spaces` as in `browse`."""
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
            tag_sql += (f" AND NOT (p.added_by_platform = :xp{i} AND p.added_by_space = :xs{i})"
                        f" AND NOT (p.shelf_platform = :xp{i} AND p.shelf_space = :xs{i})")
        if shelves is not None:
            on = []
            for i, (platform, space) in enumerate(shelves):
                params.update({f"sp{i}": platform, f"ss{i}": space})
                on.append(f"(p.shelf_platform = :sp{i} AND p.shelf_space = :ss{i})")
            tag_sql += f" AND ({' OR '.join(on) or '1 = 0'})"
        ahead = ""
        if first is not None:
            params.update({"fp": first[0], "fs": first[1]})
            ahead = ("CASE WHEN p.shelf_platform = :fp AND p.shelf_space = :fs THEN 0 "
                     "ELSE 1 END, ")
        if self.dialect == "sqlite":
            params["q"] = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
            sql = f"""
                SELECT p.id FROM pin_search JOIN pins p ON p.id = pin_search.rowid
                WHERE pin_search MATCH :q AND p.status = 'published' {tag_sql}
                ORDER BY {ahead}bm25(pin_search), p.published_at DESC, p.id DESC
                LIMIT :k OFFSET :o"""
        else:
            names = [f"t{i}" for i in range(len(terms))]
            params.update(zip(names, terms, strict=True))
            tsquery = " || ".join(f"plainto_tsquery('simple', :{n})" for n in names)
            sql = f"""
                SELECT p.id FROM pin_search s JOIN pins p ON p.id = s.pin_id,
                     (SELECT {tsquery} AS query) AS q
                WHERE s.document @@ q.query AND p.status = 'published' {tag_sql}
                ORDER BY {ahead}ts_rank(s.document, q.query) DESC, p.published_at DESC,
                         p.id DESC
                LIMIT :k OFFSET :o"""
        ids = [row[0] for row in (await self.session.execute(text(sql), params)).all()]
        if not ids:
            return []
        found = {p.id: p for p in await self.session.scalars(select(Pin).where(Pin.id.in_(ids)))}
        return [found[i] for i in ids if i in found]

    async def pending(self, *, limit: int = 20, offset: int = 0,
                      shelves: Sequence[Shelf] | None = None) -> list[Pin]:
        """Suggestions waiting for review (on `shelves`; None: every shelf), oldest first."""
        return list(await self.session.scalars(
            select(Pin).where(Pin.status == "pending", *self.shelf_filter(shelves, ()))
            .order_by(Pin.created_at, Pin.id).limit(limit).offset(offset)))

    async def count_pending(self, shelves: Sequence[Shelf] | None = None) -> int:
        return await self.session.scalar(
            select(func.count()).select_from(Pin).where(
                Pin.status == "pending", *self.shelf_filter(shelves, ()))) or 0

    async def dead(self, *, limit: int = 20, offset: int = 0,
                   shelves: Sequence[Shelf] | None = None) -> list[Pin]:
        """Published pins whose link the checker found dead, for moderators to review."""
        return list(await self.session.scalars(
            select(Pin).where(Pin.status == "published", Pin.link_status == "dead",
                              *self.shelf_filter(shelves, ()))
            .order_by(Pin.last_checked_at, Pin.id).limit(limit).offset(offset)))

    async def count_dead(self, shelves: Sequence[Shelf] | None = None) -> int:
        return await self.session.scalar(
            select(func.count()).select_from(Pin).where(
                Pin.status == "published", Pin.link_status == "dead",
                *self.shelf_filter(shelves, ()))) or 0

    async def proposed(self, *, limit: int = 20) -> list[Pin]:
        """Pins of spaces' shelves proposed for the network's, oldest proposal first."""
        return list(await self.session.scalars(
            select(Pin).where(Pin.status == "published", Pin.shelf_platform != "",
                              Pin.promotion_asked_by != "")
            .order_by(Pin.promotion_asked_at, Pin.id).limit(limit)))

    async def published_between(self, since: datetime, until: datetime, *,
                                shelf: Shelf | None = None) -> list[Pin]:
        """Pins that reached the library (or, for the network's shelf, were promoted to it)
        in [since, until), on `shelf` (None: any)."""
        arrived = func.coalesce(Pin.promoted_at, Pin.published_at) if shelf == NETWORK \
            else Pin.published_at
        where = [Pin.status == "published", arrived >= since, arrived < until]
        if shelf is not None:
            where.append(self._on(shelf))
        return list(await self.session.scalars(
            select(Pin).where(*where).order_by(arrived, Pin.id)))

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
