"""Teach-meets, their RSVPs and talks. Takes a session; never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Identity, Member, TeachMeet, TeachMeetRsvp, TeachMeetTalk

_LONGEST = timedelta(days=1)
"""No teach-meet is longer than a day, so the query can bound its scan by start time."""


class TeachMeetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, meet: TeachMeet) -> TeachMeet:
        self.session.add(meet)
        await self.session.flush()
        return meet

    async def get(self, meet_id: int, *, lock: bool = False) -> TeachMeet | None:
        """The event; `lock` holds it until commit, so RSVPs, talks and the waitlist are
        changed one command at a time per event, however many copies run."""
        query = select(TeachMeet).where(TeachMeet.id == meet_id)
        if lock:
            query = query.with_for_update()
            bind = self.session.bind
            if bind is not None and bind.dialect.name == "sqlite":
                # SQLite has no row locks and reads outside a write transaction: a no-op
                # write takes the database's write lock now, so a second copy changing the
                # same event waits here and then reads what the first one wrote.
                await self.session.execute(
                    update(TeachMeet).where(TeachMeet.id == meet_id)
                    .values(sequence=TeachMeet.sequence)
                    .execution_options(synchronize_session=False))
        return await self.session.scalar(query.execution_options(populate_existing=lock))

    async def upcoming(self, *, now: datetime, region: str | None = None,
                       until: datetime | None = None, limit: int = 100,
                       include_cancelled: bool = False) -> list[TeachMeet]:
        """Events that have not ended yet, soonest first; cancelled ones only if asked (a
        calendar feed keeps them, marked cancelled, so subscribers' entries go away)."""
        statuses = ["scheduled", "cancelled"] if include_cancelled else ["scheduled"]
        query = select(TeachMeet).where(TeachMeet.status.in_(statuses),
                                        TeachMeet.starts_at >= now - _LONGEST)
        if region:
            query = query.where(func.lower(TeachMeet.region) == region.lower())
        if until is not None:
            query = query.where(TeachMeet.starts_at < until)
        rows = await self.session.scalars(query.order_by(TeachMeet.starts_at, TeachMeet.id)
                                          .limit(limit * 2))
        running = [m for m in rows if m.starts_at + timedelta(minutes=m.duration_minutes) > now]
        return running[:limit]

    # -- RSVPs -------------------------------------------------------------------------------
    async def rsvp(self, meet_id: int, member_id: int) -> TeachMeetRsvp | None:
        return await self.session.scalar(select(TeachMeetRsvp).where(
            TeachMeetRsvp.teachmeet_id == meet_id, TeachMeetRsvp.member_id == member_id))

    async def rsvps(self, meet_id: int) -> list[TeachMeetRsvp]:
        rows = await self.session.scalars(
            select(TeachMeetRsvp).where(TeachMeetRsvp.teachmeet_id == meet_id)
            .order_by(TeachMeetRsvp.answered_at, TeachMeetRsvp.id))
        return list(rows)

    async def count_going(self, meet_id: int) -> int:
        return await self.session.scalar(
            select(func.count()).select_from(TeachMeetRsvp).where(
                TeachMeetRsvp.teachmeet_id == meet_id, TeachMeetRsvp.answer == "going")) or 0

    async def first_waiting(self, meet_id: int, limit: int) -> list[TeachMeetRsvp]:
        rows = await self.session.scalars(
            select(TeachMeetRsvp).where(TeachMeetRsvp.teachmeet_id == meet_id,
                                        TeachMeetRsvp.answer == "waitlist")
            .order_by(TeachMeetRsvp.answered_at, TeachMeetRsvp.id).limit(limit))
        return list(rows)

    async def set_rsvp(self, meet_id: int, member_id: int, answer: str,
                       at: datetime) -> TeachMeetRsvp:
        row = await self.rsvp(meet_id, member_id)
        if row is None:
            row = TeachMeetRsvp(teachmeet_id=meet_id, member_id=member_id, answer=answer,
                                answered_at=at)
            self.session.add(row)
        else:
            row.answer, row.answered_at = answer, at
        await self.session.flush()
        return row

    # -- talks -------------------------------------------------------------------------------
    async def talks(self, meet_id: int) -> list[TeachMeetTalk]:
        """The running order: drawn talks in draw order, then the rest as claimed."""
        rows = await self.session.scalars(
            select(TeachMeetTalk).where(TeachMeetTalk.teachmeet_id == meet_id)
            .order_by(TeachMeetTalk.drawn.is_(None), TeachMeetTalk.drawn,
                      TeachMeetTalk.created_at, TeachMeetTalk.id))
        return list(rows)

    async def talk(self, meet_id: int, member_id: int) -> TeachMeetTalk | None:
        return await self.session.scalar(select(TeachMeetTalk).where(
            TeachMeetTalk.teachmeet_id == meet_id, TeachMeetTalk.member_id == member_id))

    async def add_talk(self, talk: TeachMeetTalk) -> TeachMeetTalk:
        self.session.add(talk)
        await self.session.flush()
        return talk

    async def remove_talk(self, talk: TeachMeetTalk) -> None:
        await self.session.delete(talk)
        await self.session.flush()

    async def organised_by(self, member_id: int) -> list[TeachMeet]:
        return list(await self.session.scalars(
            select(TeachMeet).where(TeachMeet.organiser_id == member_id).order_by(TeachMeet.id)))

    async def rsvps_of(self, member_id: int) -> list[TeachMeetRsvp]:
        return list(await self.session.scalars(
            select(TeachMeetRsvp).where(TeachMeetRsvp.member_id == member_id)
            .order_by(TeachMeetRsvp.id)))

    async def talks_of(self, member_id: int) -> list[TeachMeetTalk]:
        return list(await self.session.scalars(
            select(TeachMeetTalk).where(TeachMeetTalk.member_id == member_id)
            .order_by(TeachMeetTalk.id)))

    async def forget_member(self, member_id: int) -> list[TeachMeet]:
        """Delete a member's RSVPs and talks, and the teach-meets they organised (with
        everyone's sign-ups for them); returns the deleted teach-meets."""
        organised = await self.organised_by(member_id)
        meet_ids = [m.id for m in organised]
        for model, column in ((TeachMeetRsvp, TeachMeetRsvp.member_id),
                              (TeachMeetTalk, TeachMeetTalk.member_id)):
            await self.session.execute(delete(model).where(column == member_id))
            if meet_ids:
                await self.session.execute(delete(model).where(
                    model.teachmeet_id.in_(meet_ids)))
        if meet_ids:
            await self.session.execute(delete(TeachMeet).where(TeachMeet.id.in_(meet_ids)))
        return organised

    async def get_many(self, ids: Sequence[int]) -> dict[int, TeachMeet]:
        if not ids:
            return {}
        rows = await self.session.scalars(select(TeachMeet).where(TeachMeet.id.in_(set(ids))))
        return {m.id: m for m in rows}

    async def talks_with_presenters(self, meet_ids: Sequence[int]
                                    ) -> dict[int, tuple[list[TeachMeetTalk], dict[int, Member]]]:
        """Each event's running order and its presenters, in one query."""
        out: dict[int, tuple[list[TeachMeetTalk], dict[int, Member]]] = {
            m: ([], {}) for m in meet_ids}
        if not meet_ids:
            return out
        result = await self.session.execute(
            select(TeachMeetTalk, Member).join(Member, Member.id == TeachMeetTalk.member_id)
            .where(TeachMeetTalk.teachmeet_id.in_(set(meet_ids)))
            .order_by(TeachMeetTalk.teachmeet_id, TeachMeetTalk.drawn.is_(None),
                      TeachMeetTalk.drawn, TeachMeetTalk.created_at, TeachMeetTalk.id))
        for talk, member in result:
            talks, members = out[talk.teachmeet_id]
            talks.append(talk)
            members[member.id] = member
        return out

    async def reminder_recipients(self, meet_ids: Sequence[int]
                                  ) -> dict[int, list[tuple[int, str, Identity]]]:
        """For each event, (member id, time zone, identity) for everyone going and every
        presenter: all the accounts its reminder goes to, in one query."""
        out: dict[int, list[tuple[int, str, Identity]]] = {m: [] for m in meet_ids}
        if not meet_ids:
            return out
        going = select(TeachMeetRsvp.teachmeet_id.label("meet_id"),
                       TeachMeetRsvp.member_id.label("member_id")).where(
            TeachMeetRsvp.teachmeet_id.in_(set(meet_ids)), TeachMeetRsvp.answer == "going")
        presenting = select(TeachMeetTalk.teachmeet_id, TeachMeetTalk.member_id).where(
            TeachMeetTalk.teachmeet_id.in_(set(meet_ids)))
        wanted = going.union(presenting).subquery()
        result = await self.session.execute(
            select(wanted.c.meet_id, Member.id, Member.timezone, Identity)
            .join(Member, Member.id == wanted.c.member_id)
            .join(Identity, Identity.member_id == Member.id)
            .order_by(wanted.c.meet_id, Member.id, Identity.id))
        for meet_id, member_id, timezone, identity in result:
            out[meet_id].append((member_id, timezone, identity))
        return out

    # -- people ------------------------------------------------------------------------------
    async def members(self, ids: Sequence[int]) -> dict[int, Member]:
        if not ids:
            return {}
        rows = await self.session.scalars(select(Member).where(Member.id.in_(set(ids))))
        return {m.id: m for m in rows}

    async def identities(self, member_ids: Sequence[int]) -> dict[int, list[Identity]]:
        out: dict[int, list[Identity]] = {m: [] for m in member_ids}
        if not member_ids:
            return out
        rows = await self.session.scalars(
            select(Identity).where(Identity.member_id.in_(set(member_ids)))
            .order_by(Identity.id))
        for identity in rows:
            out[identity.member_id].append(identity)
        return out
