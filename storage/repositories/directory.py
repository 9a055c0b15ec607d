"""Members, identities, done entries and interests, keeping the search index in step."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import DoneEntry, Identity, Interest, Member, Moderator
from storage.models.base import UTCDateTime, utcnow
from storage.models.directory import HANDLE_MAX, LESSONS
from storage.search import IndexRow, PersonHit, SearchIndex, Viewer


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[: HANDLE_MAX - 8] or "member"


@dataclass
class ImportedMember:
    """One member as the import format describes them (already validated)."""

    handle: str
    name: str
    role: str = ""
    organisation: str = ""
    region: str = ""
    bio: str = ""
    timezone: str = ""
    privacy: str | None = None
    """None keeps an existing member's choice (or the default for a new one)."""
    interests: list[str] = field(default_factory=list)
    done: list[dict[str, Any]] = field(default_factory=list)
    identities: list[dict[str, str]] = field(default_factory=list)


class DirectoryRepository:
    def __init__(self, session: AsyncSession, search: SearchIndex) -> None:
        self.session = session
        self.search = search

    # -- members -------------------------------------------------------------------------
    async def get(self, member_id: int) -> Member | None:
        return await self.session.get(Member, member_id)

    async def by_handle(self, handle: str) -> Member | None:
        return await self.session.scalar(
            select(Member).where(func.lower(Member.handle) == handle.lower()))

    async def by_name(self, name: str) -> list[Member]:
        rows = await self.session.scalars(
            select(Member).where(func.lower(Member.name) == name.lower()).limit(5))
        return list(rows)

    async def find_by_identity(self, platform: str, space_id: str,
                               user_id: str) -> Member | None:
        return await self.session.scalar(
            select(Member).join(Identity).where(
                Identity.platform == platform, Identity.space_id == space_id,
                Identity.user_id == user_id))

    async def member_for_identity(self, platform: str, space_id: str, user_id: str, *,
                                  display_name: str = "", default_privacy: str = "network",
                                  default_region: str = "") -> Member:
        """The member behind an identity, creating both on first contact (in
        `default_region`: the local group of the space they came from).

        The console's identities use the handle as user id, so `--as m000123` is the
        imported member m000123.
        """
        member = await self.find_by_identity(platform, space_id, user_id)
        if member is not None:
            return member
        try:
            async with self.session.begin_nested():
                return await self._first_contact(platform, space_id, user_id, display_name,
                                                 default_privacy, default_region)
        except IntegrityError:
            # Another command from the same person got there first (a double click, two
            # copies of the bot): theirs is the member.
            member = await self.find_by_identity(platform, space_id, user_id)
            if member is None:
                raise
            return member

    async def _first_contact(self, platform: str, space_id: str, user_id: str,
                             display_name: str, default_privacy: str,
                             default_region: str) -> Member:
        member = await self.by_handle(user_id) if platform == "console" else None
        if member is None:
            member = Member(handle=await self.free_handle(display_name or user_id),
                            name=display_name or user_id, privacy=default_privacy,
                            role="", organisation="", region=default_region, bio="",
                            timezone="")
            self.session.add(member)
            await self.session.flush()
        self.session.add(Identity(member_id=member.id, platform=platform, space_id=space_id,
                                  user_id=user_id, display_name=display_name))
        await self.session.flush()
        return member

    async def free_handle(self, wanted: str) -> str:
        base = slugify(wanted)
        taken = set(await self.session.scalars(
            select(Member.handle).where(Member.handle.like(f"{base}%"))))
        if base not in taken:
            return base
        n = 2
        while f"{base}-{n}" in taken:
            n += 1
        return f"{base}-{n}"

    async def identities(self, member_id: int) -> list[Identity]:
        return list(await self.session.scalars(
            select(Identity).where(Identity.member_id == member_id).order_by(Identity.id)))

    async def region_named(self, lowered: str) -> str | None:
        """The region as members spell it, given in lower case; None if nobody is there."""
        return await self.session.scalar(
            select(Member.region).where(func.lower(Member.region) == lowered).limit(1))

    async def spaces_of(self, member_id: int | None) -> set[tuple[str, str]]:
        """(platform, space_id) of every account the member has."""
        if member_id is None:
            return set()
        rows = await self.session.execute(select(Identity.platform, Identity.space_id).where(
            Identity.member_id == member_id))
        return {(p, s) for p, s in rows.all()}

    async def regions(self) -> list[str]:
        rows = await self.session.scalars(
            select(Member.region).where(Member.region != "").distinct())
        return sorted(set(rows))

    # -- done entries ----------------------------------------------------------------------
    async def add_done(self, member: Member, summary: str, *, tags: Sequence[str] = (),
                       year: int | None = None, link: str = "",
                       lessons: Mapping[str, str] | None = None,
                       now: datetime | None = None) -> DoneEntry:
        """A new entry, indexed; `lessons` by field name (see `LESSONS`), written `now`."""
        given = {k: v for k, v in (lessons or {}).items() if v}
        entry = DoneEntry(member_id=member.id, summary=summary, tags=list(tags), year=year,
                          link=link, **{name: given.get(name, "") for name in LESSONS},
                          lessons_at=(now or utcnow()) if given else None)
        self.session.add(entry)
        await self.session.flush()
        await self.search.index(self.session, [entry])
        return entry

    async def set_lessons(self, entry: DoneEntry, lessons: Mapping[str, str], *,
                          now: datetime) -> None:
        """Write some of an entry's lessons ("" clears one), written `now`; re-index it."""
        for name, value in lessons.items():
            if name not in LESSONS:
                raise ValueError(f"not a lesson: {name!r}")
            setattr(entry, name, value)
        entry.lessons_at = now if entry.lessons else None
        await self.session.flush()
        await self.search.index(self.session, [entry])

    async def lessons_since(self, since: datetime, until: datetime, *, platform: str,
                            space_id: str, limit: int) -> tuple[list[tuple[DoneEntry, Member]],
                                                                int]:
        """Entries whose lessons were written in [since, until), newest first (at most
        `limit`), and how many there are in all: only of members whose privacy lets the
        space see them (`network`, or `space` with an account there; never `hidden`)."""
        in_space = select(Identity.id).where(
            Identity.member_id == Member.id, Identity.platform == platform,
            Identity.space_id == space_id).exists()
        wanted = select(DoneEntry, Member).join(Member, Member.id == DoneEntry.member_id).where(
            DoneEntry.lessons_at >= since, DoneEntry.lessons_at < until,
            or_(Member.privacy == "network", and_(Member.privacy == "space", in_space)))
        total = await self.session.scalar(
            select(func.count()).select_from(wanted.subquery())) or 0
        rows = await self.session.execute(
            wanted.order_by(DoneEntry.lessons_at.desc(), DoneEntry.id.desc()).limit(limit))
        return [(e, m) for e, m in rows.all()], total

    async def done_for(self, member_id: int) -> list[DoneEntry]:
        return list(await self.session.scalars(
            select(DoneEntry).where(DoneEntry.member_id == member_id).order_by(DoneEntry.id)))

    async def done_by_ids(self, ids: Sequence[int]) -> dict[int, DoneEntry]:
        if not ids:
            return {}
        rows = await self.session.scalars(select(DoneEntry).where(DoneEntry.id.in_(ids)))
        return {e.id: e for e in rows}

    async def remove_done(self, entry: DoneEntry) -> None:
        await self.search.unindex(self.session, [entry.id])
        await self.session.delete(entry)
        await self.session.flush()

    async def interests_for(self, member_id: int) -> list[Interest]:
        return list(await self.session.scalars(
            select(Interest).where(Interest.member_id == member_id).order_by(Interest.id)))

    # -- search ------------------------------------------------------------------------------
    async def find_people(self, query: str, *, viewer: Viewer, regions: Sequence[str] = (),
                          limit: int = 10,
                          spaces: Sequence[tuple[str, str]] = ()) -> list[PersonHit]:
        return await self.search.find_people(self.session, query, viewer=viewer,
                                             regions=regions, limit=limit, spaces=spaces)

    # -- import / export -----------------------------------------------------------------------
    async def upsert_imported(self, batch: Sequence[ImportedMember], *, default_privacy: str,
                              vocabulary: Counter[str] | None = None) -> tuple[int, int]:
        """Create or replace members by handle; their done entries and interests are replaced
        by the file's. Returns (created, updated). With `vocabulary`, the new entries' search
        terms are counted there for the caller to write once (`SearchIndex.add_vocabulary`).

        Bulk Core statements (one executemany per table), not ORM objects: a 100,000-member
        import must take seconds, not minutes. The caller's transaction keeps it
        all-or-nothing."""
        now = utcnow()
        if self.session.bind.dialect.name == "postgresql":
            # Let the GIN indexes collect the import in their pending lists; the VACUUM
            # after it commits (`Database.settle`) merges them once, not every few batches.
            await self.session.execute(text("SET LOCAL gin_pending_list_limit = '256MB'"))
        handles = [m.handle for m in batch]
        existing = {h: (i, p) for i, h, p in (await self.session.execute(
            select(Member.id, Member.handle, Member.privacy).where(
                Member.handle.in_(handles)))).all()}
        if existing:
            ids = [i for i, _ in existing.values()]
            old_ids = list(await self.session.scalars(
                select(DoneEntry.id).where(DoneEntry.member_id.in_(ids))))
            await self.search.unindex(self.session, old_ids)
            await self.session.execute(delete(DoneEntry).where(DoneEntry.member_id.in_(ids)))
            await self.session.execute(delete(Interest).where(Interest.member_id.in_(ids)))
            changes: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
            for m in batch:
                if m.handle in existing:
                    member_id, privacy = existing[m.handle]
                    row = {"b_id": member_id, "name": m.name, "role": m.role,
                           "organisation": m.organisation, "region": m.region, "bio": m.bio,
                           "privacy": m.privacy or privacy, "updated_at": now}
                    if m.timezone:  # an empty time zone keeps the member's own
                        row["timezone"] = m.timezone
                    changes[bool(m.timezone)].append(row)
            table = Member.__table__
            for rows in changes.values():
                if rows:
                    await self.session.execute(
                        update(table).where(table.c.id == bindparam("b_id")), rows)
        ids_by_handle = {h: i for h, (i, _) in existing.items()}
        fresh = [m for m in batch if m.handle not in existing]
        if fresh:
            ids_by_handle.update(await self._insert_members(fresh, default_privacy, now))
        await self._attach_identities(ids_by_handle, batch, now)
        entries = [{"member_id": ids_by_handle[item.handle], "summary": str(done["summary"]),
                    "tags": list(done.get("tags") or []), "year": done.get("year"),
                    "link": str(done.get("link") or ""), "created_at": now,
                    **{name: str(done.get(name) or "") for name in LESSONS},
                    "lessons_at": done.get("lessons_at")}
                   for item in batch for done in item.done]
        if entries:
            for entry, entry_id in zip(entries, await self._new_entry_ids(len(entries)),
                                       strict=True):
                entry["id"] = entry_id
            await self._insert_entries(entries, now)
            await self.search.index_rows(self.session, [
                IndexRow(e["id"], e["member_id"], e["summary"], e["tags"],
                         [e[name] for name in LESSONS]) for e in entries],
                fresh=True, vocabulary=vocabulary)
        interests = [{"member_id": ids_by_handle[item.handle], "text": text_,
                      "created_at": now} for item in batch for text_ in item.interests]
        if interests and self.session.bind.dialect.name == "postgresql":
            await self.session.execute(text(
                "INSERT INTO interests(member_id, text, created_at) "
                "SELECT m, t, :now FROM unnest(CAST(:m AS int[]), CAST(:t AS text[])) "
                "AS u(m, t)").bindparams(bindparam("now", type_=UTCDateTime)),
                {"m": [i["member_id"] for i in interests], "t": [i["text"] for i in interests],
                 "now": now})
        elif interests:
            await self.session.execute(insert(Interest.__table__), interests)
        return len(fresh), len(existing)

    async def _insert_members(self, fresh: Sequence[ImportedMember], default_privacy: str,
                              now: datetime) -> list[tuple[str, int]]:
        """Insert new members; (handle, id) of each, from RETURNING rather than a second
        look-up. PostgreSQL takes the batch as arrays in one statement; elsewhere
        SQLAlchemy's multi-row "insertmanyvalues"."""
        rows = [{"handle": m.handle, "name": m.name, "role": m.role,
                 "organisation": m.organisation, "region": m.region, "bio": m.bio,
                 "timezone": m.timezone, "privacy": m.privacy or default_privacy}
                for m in fresh]
        if self.session.bind.dialect.name != "postgresql":
            table = Member.__table__
            found = await self.session.execute(
                insert(table).returning(table.c.handle, table.c.id),
                [{**row, "created_at": now, "updated_at": now} for row in rows])
            return [(h, i) for h, i in found]
        columns = list(rows[0])
        found = await self.session.execute(text(
            f"INSERT INTO members({', '.join(columns)}, created_at, updated_at) "
            f"SELECT {', '.join(columns)}, :now, :now FROM unnest("
            + ", ".join(f"CAST(:{c} AS text[])" for c in columns)
            + f") AS u({', '.join(columns)}) RETURNING handle, id").bindparams(
                bindparam("now", type_=UTCDateTime)),
            {"now": now, **{c: [row[c] for row in rows] for c in columns}})
        return [(h, i) for h, i in found]

    async def _insert_entries(self, entries: list[dict[str, Any]], now: datetime) -> None:
        """On PostgreSQL one unnest statement per batch (a driver executemany sends one
        statement per row, which dominated a 100,000-member import)."""
        if self.session.bind.dialect.name != "postgresql":
            await self.session.execute(insert(DoneEntry.__table__), entries)
            return
        await self.session.execute(text(
            "INSERT INTO done_entries(id, member_id, summary, tags, year, link, worked, "
            "differently, cost, lessons_at, created_at) "
            "SELECT i, m, s, CAST(t AS json), y, l, w, d, c, a, :now FROM unnest("
            "CAST(:i AS int[]), CAST(:m AS int[]), CAST(:s AS text[]), CAST(:t AS text[]), "
            "CAST(:y AS int[]), CAST(:l AS text[]), CAST(:w AS text[]), CAST(:d AS text[]), "
            "CAST(:c AS text[]), CAST(:a AS timestamptz[])) "
            "AS u(i, m, s, t, y, l, w, d, c, a)").bindparams(
                bindparam("now", type_=UTCDateTime)), {
            "i": [e["id"] for e in entries], "m": [e["member_id"] for e in entries],
            "s": [e["summary"] for e in entries],
            "t": [json.dumps(e["tags"]) for e in entries],
            "y": [e["year"] for e in entries], "l": [e["link"] for e in entries],
            "w": [e["worked"] for e in entries], "d": [e["differently"] for e in entries],
            "c": [e["cost"] for e in entries], "a": [e["lessons_at"] for e in entries],
            "now": now})

    async def _new_entry_ids(self, count: int) -> list[int]:
        """Ids for entries about to be inserted in bulk. PostgreSQL hands them out from the
        table's sequence; on SQLite this transaction already holds the write lock (the
        members were written first), so nobody else can take the ones after the largest."""
        if self.session.bind.dialect.name == "postgresql":
            rows = await self.session.scalars(text(
                "SELECT nextval(pg_get_serial_sequence('done_entries', 'id')) "
                "FROM generate_series(1, :n)"), {"n": count})
            return list(rows)
        largest = await self.session.scalar(select(func.coalesce(func.max(DoneEntry.id), 0)))
        return list(range(largest + 1, largest + 1 + count))

    async def _attach_identities(self, ids_by_handle: dict[str, int],
                                 batch: Sequence[ImportedMember], now: datetime) -> None:
        for item in batch:
            for ident in item.identities:
                owner = await self.find_by_identity(ident["platform"], ident["space_id"],
                                                    ident["user_id"])
                if owner is None:
                    await self.session.execute(insert(Identity.__table__), [{
                        "member_id": ids_by_handle[item.handle],
                        "platform": ident["platform"], "space_id": ident["space_id"],
                        "user_id": ident["user_id"], "display_name": "", "created_at": now}])

    async def all_members(self, *, after_id: int = 0, batch: int = 500) -> list[Member]:
        rows = await self.session.scalars(
            select(Member).where(Member.id > after_id).order_by(Member.id).limit(batch)
            .options(selectinload(Member.done), selectinload(Member.interests),
                     selectinload(Member.identities)))
        return list(rows)


class ModeratorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def exists(self, platform: str, space_id: str, user_id: str) -> bool:
        found = await self.session.scalar(select(Moderator.id).where(
            Moderator.platform == platform, Moderator.space_id == space_id,
            Moderator.user_id == user_id))
        return found is not None

    async def add(self, platform: str, space_id: str, user_id: str) -> bool:
        if await self.exists(platform, space_id, user_id):
            return False
        self.session.add(Moderator(platform=platform, space_id=space_id, user_id=user_id))
        await self.session.flush()
        return True

    async def remove(self, platform: str, space_id: str, user_id: str) -> bool:
        result = await self.session.execute(delete(Moderator).where(
            Moderator.platform == platform, Moderator.space_id == space_id,
            Moderator.user_id == user_id))
        return bool(result.rowcount)

    async def all(self) -> list[Moderator]:
        return list(await self.session.scalars(select(Moderator).order_by(Moderator.id)))
