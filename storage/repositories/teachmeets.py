"""Teach-meets, their RSVPs and talks. Takes a session; never commits."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Identity,
    Member,
    TeachMeet,
    TeachMeetFeed,
    TeachMeetRsvp,
    TeachMeetSeries,
    TeachMeetTalk,
)
from storage.repositories.deployment import deployment_id

_LONGEST = timedelta(days=1)
"""No teach-meet is longer than a day, so the query can bound its scan by start time."""


class TeachMeetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, meet: TeachMeet) -> TeachMeet:
        self.session.add(meet)
        await self.session.flush()
        return meet

    @property
    def _dialect(self) -> str:
        bind = self.session.bind
        return bind.dialect.name if bind is not None else "sqlite"

    async def get(self, meet_id: int, *, lock: bool = False) -> TeachMeet | None:
        """The event; `lock` holds it until commit, so RSVPs, talks and the waitlist are
        changed one command at a time per event, however many copies run."""
        query = select(TeachMeet).where(TeachMeet.id == meet_id)
        if lock:
            query = query.with_for_update()
            if self._dialect == "sqlite":
                # SQLite has no row locks and reads outside a write transaction: a no-op
                # write takes the database's write lock now, so a second copy changing the
                # same event waits here and then reads what the first one wrote.
                await self.session.execute(
                    update(TeachMeet).where(TeachMeet.id == meet_id)
                    .values(sequence=TeachMeet.sequence)
                    .execution_options(synchronize_session=False))
        return await self.session.scalar(query.execution_options(populate_existing=lock))

    async def upcoming_page(self, *, now: datetime, region: str | None = None,
                            offset: int = 0, limit: int = 10) -> tuple[list[TeachMeet], int]:
        """A page of what is coming up (not ended, not cancelled), soonest first, each
        series by its next meeting only; and how many there are in all."""
        query = select(TeachMeet.id, TeachMeet.series_id, TeachMeet.starts_at,
                       TeachMeet.duration_minutes).where(
            TeachMeet.status == "scheduled", TeachMeet.starts_at >= now - _LONGEST)
        if region:
            query = query.where(func.lower(TeachMeet.region) == region.lower())
        rows = await self.session.execute(query.order_by(TeachMeet.starts_at, TeachMeet.id))
        seen: set[int] = set()
        ids: list[int] = []
        for meet_id, series_id, starts_at, minutes in rows:
            if starts_at + timedelta(minutes=minutes) <= now:
                continue
            if series_id is not None:
                if series_id in seen:
                    continue
                seen.add(series_id)
            ids.append(meet_id)
        page = ids[offset:offset + limit]
        found = await self.get_many(page)
        return [found[i] for i in page if i in found], len(ids)

    async def find_upcoming(self, words: Sequence[str], *, now: datetime,
                            limit: int = 6) -> list[TeachMeet]:
        """Upcoming events whose title has every word (any case), soonest first; a series
        counts once, by its next meeting."""
        query = select(TeachMeet).where(TeachMeet.status == "scheduled",
                                        TeachMeet.starts_at > now)
        for word in words:
            escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace(
                "_", "\\_")
            query = query.where(func.lower(TeachMeet.title).like(f"%{escaped}%", escape="\\"))
        rows = await self.session.scalars(query.order_by(TeachMeet.starts_at, TeachMeet.id)
                                          .limit(limit * 20))
        out: list[TeachMeet] = []
        series: set[int] = set()
        for meet in rows:
            if meet.series_id is not None:
                if meet.series_id in series:
                    continue
                series.add(meet.series_id)
            out.append(meet)
            if len(out) >= limit:
                break
        return out

    async def same_day_same_place(self, title: str, venue: str, start: datetime,
                                  end: datetime) -> list[TeachMeet]:
        """Scheduled events with this title and place starting between `start` and `end`
        (the organiser's local day): a likely duplicate."""
        return list(await self.session.scalars(select(TeachMeet).where(
            TeachMeet.status == "scheduled", TeachMeet.starts_at >= start,
            TeachMeet.starts_at < end, func.lower(TeachMeet.title) == title.lower(),
            func.lower(TeachMeet.venue) == venue.lower()).order_by(TeachMeet.id)))

    # -- series ------------------------------------------------------------------------------
    async def add_series(self, series: TeachMeetSeries) -> TeachMeetSeries:
        self.session.add(series)
        await self.session.flush()
        return series

    async def series(self, series_id: int, *, lock: bool = False) -> TeachMeetSeries | None:
        query = select(TeachMeetSeries).where(TeachMeetSeries.id == series_id)
        if lock:
            query = query.with_for_update()
            if self._dialect == "sqlite":
                await self.session.execute(
                    update(TeachMeetSeries).where(TeachMeetSeries.id == series_id)
                    .values(sequence=TeachMeetSeries.sequence)
                    .execution_options(synchronize_session=False))
        return await self.session.scalar(query.execution_options(populate_existing=lock))

    async def series_many(self, ids: Sequence[int]) -> dict[int, TeachMeetSeries]:
        if not ids:
            return {}
        rows = await self.session.scalars(select(TeachMeetSeries).where(
            TeachMeetSeries.id.in_(set(ids))))
        return {s.id: s for s in rows}

    async def meetings(self, series_id: int, *, since: datetime | None = None,
                       lock: bool = False) -> list[TeachMeet]:
        """A series' meetings in order of their place in the series (recurrence id)."""
        query = select(TeachMeet).where(TeachMeet.series_id == series_id)
        if since is not None:
            query = query.where(TeachMeet.recurrence_id >= since)
        if lock:
            query = query.with_for_update()
        return list(await self.session.scalars(
            query.order_by(TeachMeet.recurrence_id, TeachMeet.id)
            .execution_options(populate_existing=lock)))

    async def meetings_of(self, series_ids: Sequence[int]) -> dict[int, list[TeachMeet]]:
        out: dict[int, list[TeachMeet]] = {s: [] for s in series_ids}
        if not series_ids:
            return out
        rows = await self.session.scalars(select(TeachMeet).where(
            TeachMeet.series_id.in_(set(series_ids)))
            .order_by(TeachMeet.recurrence_id, TeachMeet.id))
        for meet in rows:
            out[meet.series_id or 0].append(meet)
        return out

    # -- calendar feeds ----------------------------------------------------------------------
    async def for_feed(self, *, since: datetime, region: str | None = None
                       ) -> tuple[list[TeachMeet], list[TeachMeetSeries]]:
        """One-off events not ended before `since` (cancelled ones too: subscribers' entries
        then go away), and the series with a meeting not ended before `since`."""
        query = select(TeachMeet).where(TeachMeet.starts_at >= since - _LONGEST)
        if region:
            query = query.where(func.lower(TeachMeet.region) == region.lower())
        rows = list(await self.session.scalars(query.order_by(TeachMeet.starts_at,
                                                              TeachMeet.id)))
        live = [m for m in rows if m.starts_at + timedelta(minutes=m.duration_minutes) > since]
        singles = [m for m in live if m.series_id is None]
        series = await self.series_many(sorted({m.series_id for m in live
                                                if m.series_id is not None}))
        return singles, [series[i] for i in sorted(series)]

    async def signed_up_for(self, member_id: int, *, since: datetime) -> list[TeachMeet]:
        """Events (and meetings) the member organises, presents at or answered going,
        maybe or waitlist to, not ended before `since`."""
        answered = select(TeachMeetRsvp.teachmeet_id).where(
            TeachMeetRsvp.member_id == member_id,
            TeachMeetRsvp.answer.in_(("going", "maybe", "waitlist")))
        talking = select(TeachMeetTalk.teachmeet_id).where(TeachMeetTalk.member_id == member_id)
        rows = await self.session.scalars(select(TeachMeet).where(
            TeachMeet.starts_at >= since - _LONGEST,
            or_(TeachMeet.organiser_id == member_id, TeachMeet.id.in_(answered),
                TeachMeet.id.in_(talking))).order_by(TeachMeet.starts_at, TeachMeet.id))
        return [m for m in rows if m.starts_at + timedelta(minutes=m.duration_minutes) > since]

    async def feed_of(self, member_id: int) -> TeachMeetFeed | None:
        return await self.session.get(TeachMeetFeed, member_id)

    async def feed_by_token(self, token: str) -> TeachMeetFeed | None:
        return await self.session.scalar(select(TeachMeetFeed).where(
            TeachMeetFeed.token == token))

    async def new_feed(self, member_id: int, at: datetime) -> TeachMeetFeed:
        """A fresh token for the member's feed (the old address stops working)."""
        feed = await self.feed_of(member_id)
        token = secrets.token_urlsafe(24)
        if feed is None:
            feed = TeachMeetFeed(member_id=member_id, token=token, created_at=at)
            self.session.add(feed)
        else:
            feed.token, feed.created_at = token, at
        await self.session.flush()
        return feed

    async def deployment_id(self) -> str:
        """This deployment's id, made once (whichever copy asks first) and kept."""
        return await deployment_id(self.session)

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
        """Delete a member's RSVPs, talks and feed, and the teach-meets and series they
        organised (with everyone's sign-ups for them); returns the deleted teach-meets."""
        organised = await self.organised_by(member_id)
        meet_ids = [m.id for m in organised]
        await self.session.execute(delete(TeachMeetFeed).where(
            TeachMeetFeed.member_id == member_id))
        for model, column in ((TeachMeetRsvp, TeachMeetRsvp.member_id),
                              (TeachMeetTalk, TeachMeetTalk.member_id)):
            await self.session.execute(delete(model).where(column == member_id))
            if meet_ids:
                await self.session.execute(delete(model).where(
                    model.teachmeet_id.in_(meet_ids)))
        if meet_ids:
            await self.session.execute(delete(TeachMeet).where(TeachMeet.id.in_(meet_ids)))
        await self.session.execute(delete(TeachMeetSeries).where(
            TeachMeetSeries.organiser_id == member_id))
        return organised

    async def series_organised_by(self, member_id: int) -> list[TeachMeetSeries]:
        return list(await self.session.scalars(select(TeachMeetSeries).where(
            TeachMeetSeries.organiser_id == member_id).order_by(TeachMeetSeries.id)))

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
