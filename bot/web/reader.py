"""What the web pages may show, read in as few queries as a page needs.

Privacy is decided here, once, for every page: a member's name is shown only when their
privacy is `network` AND they turned web listing on (`privacy web on`); otherwise nothing
about them is read into a page at all. Teach-meets arranged in a space kept off the web
(`[[spaces]] web = false`), and resources pinned from one or on its shelf, are left out as
if absent: the library is the network's shelf and the shelves of the spaces on the web.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from storage.models import Member, Pin, TeachMeet, TeachMeetRsvp, TeachMeetTalk
from storage.repositories.resources import PinRepository

T = TypeVar("T")
LONGEST_MEET = timedelta(days=1)
"""No teach-meet lasts longer (the same bound the teach-meet repository uses)."""


def listed(member: Member | None) -> bool:
    """May this member's name appear on a public web page?"""
    return member is not None and member.privacy == "network" and bool(member.web_listing)


def hidden_spaces(settings: Settings) -> list[tuple[str, str]]:
    return [(s.platform, s.id) for s in settings.spaces if not s.web]


@dataclass(frozen=True)
class Talk:
    title: str
    kind: str
    minutes: int
    presenter: str
    """The presenter's name, or "" when they are not listed on the web."""
    drawn: bool


@dataclass(frozen=True)
class Slot:
    kind: str
    minutes: int
    count: int
    taken: int


@dataclass(frozen=True)
class MeetDetails:
    meet: TeachMeet
    going: int
    waiting: int
    organiser: str
    """The organiser's name, or "" when they are not listed on the web."""
    talks: list[Talk]
    slots: list[Slot]

    @property
    def places_left(self) -> int | None:
        if self.meet.capacity is None:
            return None
        return max(self.meet.capacity - self.going, 0)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int | None
    """None when counting would cost a second search (library search results)."""
    has_more: bool


class WebReader:
    """Read-only queries for one page, in the caller's session."""

    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.hidden = hidden_spaces(settings)

    # -- teach-meets ---------------------------------------------------------------------------
    def _meets_on_web(self) -> list[object]:
        return [~and_(TeachMeet.platform == platform, TeachMeet.space_id == space)
                for platform, space in self.hidden]

    async def upcoming(self, *, now: datetime, region: str | None = None, offset: int = 0,
                       limit: int = 20, count: bool = True) -> Page[TeachMeet]:
        """Scheduled teach-meets that have not ended, soonest first. The few that started
        within the last day are checked for having ended in Python (portable date
        arithmetic); the rest are counted (unless `count` is false: the home page only
        needs the first few) and paged in SQL."""
        where = [TeachMeet.status == "scheduled", *self._meets_on_web()]
        if region:
            where.append(func.lower(TeachMeet.region) == region.lower())
        order = (TeachMeet.starts_at, TeachMeet.id)
        started = [m for m in await self.session.scalars(
            select(TeachMeet).where(*where, TeachMeet.starts_at >= now - LONGEST_MEET,
                                    TeachMeet.starts_at < now).order_by(*order))
                   if m.starts_at + timedelta(minutes=m.duration_minutes) > now]
        later = [*where, TeachMeet.starts_at >= now]
        items = started[offset:offset + limit]
        if len(items) < limit:
            items += list(await self.session.scalars(
                select(TeachMeet).where(*later).order_by(*order)
                .offset(max(offset - len(started), 0)).limit(limit - len(items))))
        if not count:
            return Page(items, None, False)
        total = len(started) + (await self.session.scalar(
            select(func.count()).select_from(TeachMeet).where(*later)) or 0)
        return Page(items, total, offset + len(items) < total)

    async def regions(self, *, now: datetime) -> list[str]:
        """Regions with teach-meets coming up, and the network's configured regions."""
        rows = await self.session.scalars(
            select(TeachMeet.region).distinct().where(
                TeachMeet.status == "scheduled", TeachMeet.starts_at >= now - LONGEST_MEET,
                TeachMeet.region != "", *self._meets_on_web()))
        found: dict[str, str] = {}
        for name in [*self.settings.network.regions, *rows]:
            found.setdefault(name.strip().lower(), name.strip())
        return sorted(found.values(), key=str.lower)

    async def meet(self, meet_id: int) -> TeachMeet | None:
        """The teach-meet (cancelled or past ones too: a link to it keeps working), unless
        its space is kept off the web."""
        found = await self.session.get(TeachMeet, meet_id)
        if found is None or not self.settings.on_web(found.platform, found.space_id):
            return None
        return found

    async def details(self, meet: TeachMeet) -> MeetDetails:
        counts = dict((await self.session.execute(
            select(TeachMeetRsvp.answer, func.count()).where(
                TeachMeetRsvp.teachmeet_id == meet.id).group_by(TeachMeetRsvp.answer))).all())
        talks = list(await self.session.scalars(
            select(TeachMeetTalk).where(TeachMeetTalk.teachmeet_id == meet.id)
            .order_by(TeachMeetTalk.drawn.is_(None), TeachMeetTalk.drawn,
                      TeachMeetTalk.created_at, TeachMeetTalk.id)))
        ids = {t.member_id for t in talks} | {meet.organiser_id}
        people = {m.id: m for m in await self.session.scalars(
            select(Member).where(Member.id.in_(ids)))}
        organiser = people.get(meet.organiser_id)
        shown = [Talk(t.title, t.kind, t.minutes,
                      people[t.member_id].name if listed(people.get(t.member_id)) else "",
                      t.drawn is not None) for t in talks]
        slots = [Slot(str(s["type"]), int(s["minutes"]), int(s["count"]),
                      sum(1 for t in talks if t.kind == s["type"])) for s in meet.slots or []]
        return MeetDetails(meet, going=counts.get("going", 0),
                           waiting=counts.get("waitlist", 0),
                           organiser=organiser.name if listed(organiser) else "",
                           talks=shown, slots=slots)

    # -- the library ---------------------------------------------------------------------------
    async def pins(self, *, query: str, tags: Sequence[str], offset: int,
                   limit: int) -> Page[Pin]:
        """The library as `pins` ranks it: search results best first, else newest first."""
        repo = PinRepository(self.session)
        if query:
            found = await repo.search(query, tags=tags, limit=limit + 1, offset=offset,
                                      exclude_spaces=self.hidden)
            return Page(found[:limit], None, len(found) > limit)
        page = await repo.browse(tags=tags, limit=limit, offset=offset,
                                 exclude_spaces=self.hidden)
        return Page(page.pins, page.total, offset + len(page.pins) < page.total)

    async def newest_pins(self, limit: int) -> list[Pin]:
        """The latest additions to the library (one query: the home page's)."""
        where = [Pin.status == "published", *PinRepository.shelf_filter(None, self.hidden)]
        return list(await self.session.scalars(
            select(Pin).where(*where).order_by(Pin.published_at.desc(), Pin.id.desc())
            .limit(limit)))

    async def pin(self, pin_id: int) -> Pin | None:
        found = await self.session.get(Pin, pin_id)
        if found is None or found.status != "published" or not self.settings.on_web(
                found.added_by_platform, found.added_by_space) or (
                not found.on_network_shelf and not self.settings.on_web(*found.shelf)):
            return None
        return found

    async def tag_counts(self) -> Counter[str]:
        """How many published pins carry each tag (for the library's tag filters)."""
        where = [Pin.status == "published", *PinRepository.shelf_filter(None, self.hidden)]
        counts: Counter[str] = Counter()
        for index in await self.session.scalars(select(Pin.tag_index).where(*where)):
            counts.update(t for t in (index or "").split("|") if t)
        return counts
