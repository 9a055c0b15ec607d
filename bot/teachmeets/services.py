"""Teach-meet rules: who may change an event, RSVPs and the waitlist, talks, reminders.

Reminders are due work (`scheduled/`): one row per event and offset, keyed
"teachmeet:<id>:reminder:<minutes>", so moving an event moves the same rows (the old time
can never fire) and cancelling it cancels them. The handler re-reads the event before
sending, so a reminder for an event moved or cancelled a moment ago is not sent either.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.context import Context
from bot.errors import NotAllowed, UserError
from bot.members import destinations
from bot.notifier import Destination
from bot.replies import Reply
from bot.teachmeets import replies
from bot.web import links
from storage.models import (
    DueWork,
    Identity,
    Member,
    TeachMeet,
    TeachMeetRsvp,
    TeachMeetTalk,
)
from storage.repositories.due_work import DueWorkRepository
from storage.repositories.teachmeets import TeachMeetRepository

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.context import Services
    from bot.settings import Settings
    from scheduled import Scheduler
    from scheduled.deliveries import Deliveries

log = logging.getLogger(__name__)

REMINDER_KIND = "teachmeet.reminder"
FOLLOWUP_KIND = "teachmeet.followup"
"""When an event ends: presenters are invited to add their talk, attendees asked what
they'll try (`bot.teachmeets.followups`)."""
ANSWERS = ("going", "maybe", "not_going")


def reminder_key(meet_id: int, offset_minutes: int) -> str:
    return f"teachmeet:{meet_id}:reminder:{offset_minutes}"


def reminder_prefix(meet_id: int) -> str:
    return f"teachmeet:{meet_id}:"


def followup_key(meet_id: int) -> str:
    return f"teachmeet:{meet_id}:followup"


# -- loading and permissions ----------------------------------------------------------------
async def load(ctx: Context, meet_id: int, *, lock: bool = False) -> TeachMeet:
    meet = await TeachMeetRepository(ctx.session).get(meet_id, lock=lock)
    if meet is None:
        raise UserError(f"There is no teach-meet #{meet_id}. `teachmeet list` shows the "
                        "upcoming ones.", field="id")
    return meet


async def require_organiser(ctx: Context, meet: TeachMeet, what: str) -> Member:
    """The caller, if they organise this event or moderate; otherwise refused."""
    member = await ctx.member()
    if member.id != meet.organiser_id and not await ctx.is_moderator():
        raise NotAllowed(f"Only the organiser of teach-meet #{meet.id} or a moderator can "
                         f"{what} it.")
    return member


def require_open(meet: TeachMeet, now: datetime, what: str) -> None:
    if meet.status == "cancelled":
        raise UserError(f"Teach-meet #{meet.id} ({meet.title}) has been cancelled, so you "
                        f"can't {what}.")
    if ends_at(meet) <= now:
        raise UserError(f"Teach-meet #{meet.id} ({meet.title}) is over, so you can't {what}.")


def ends_at(meet: TeachMeet) -> datetime:
    return meet.starts_at + timedelta(minutes=meet.duration_minutes)


async def reader_timezone(ctx: Context) -> str:
    member = await ctx.member()
    return member.timezone or ctx.settings.network.timezone


# -- the event's picture --------------------------------------------------------------------
@dataclass(frozen=True)
class Roster:
    """Who is coming and presenting, with the members behind them."""

    rsvps: list[TeachMeetRsvp]
    talks: list[TeachMeetTalk]
    members: dict[int, Member]
    named: frozenset[int] | None = None
    """Members the reader may see named among who is coming (`roster_for`); None: all but
    hidden members."""

    def with_answer(self, answer: str) -> list[Member]:
        return [self.members[r.member_id] for r in self.rsvps if r.answer == answer]

    def answer_of(self, member_id: int) -> str | None:
        return next((r.answer for r in self.rsvps if r.member_id == member_id), None)

    def signed_up(self) -> set[int]:
        """Everyone who would want to hear the event moved or cancelled."""
        return {r.member_id for r in self.rsvps if r.answer != "not_going"} | {
            t.member_id for t in self.talks}

    def reminded(self) -> set[int]:
        """Everyone going, and every presenter."""
        return {r.member_id for r in self.rsvps if r.answer == "going"} | {
            t.member_id for t in self.talks}


async def roster(session: AsyncSession, meet: TeachMeet) -> Roster:
    repo = TeachMeetRepository(session)
    rsvps, talks = await repo.rsvps(meet.id), await repo.talks(meet.id)
    ids = [r.member_id for r in rsvps] + [t.member_id for t in talks] + [meet.organiser_id]
    return Roster(rsvps, talks, await repo.members(ids))


async def roster_for(ctx: Context, meet: TeachMeet, *, in_channel: bool = False) -> Roster:
    """The roster as its reader may see it: a `privacy space` member is named only to
    someone sharing a space with them, through any of the reader's linked accounts (or, for
    a card posted `in_channel`, that channel's space); a hidden one only to themselves."""
    people = await roster(ctx.session, meet)
    viewer = await ctx.viewer()
    mine = {(viewer.platform, viewer.space_id)}
    if not in_channel:
        mine |= await ctx.directory.spaces_of(viewer.member_id)
    private = [m.id for m in people.members.values() if m.privacy == "space"]
    accounts = await TeachMeetRepository(ctx.session).identities(private)
    named = {m.id for m in people.members.values()
             if m.privacy == "network" or m.id == viewer.member_id
             or (m.privacy == "space"
                 and mine & {(i.platform, i.space_id) for i in accounts[m.id]})}
    return replace(people, named=frozenset(named))


async def card(ctx: Context, meet: TeachMeet) -> Reply:
    """The event card for the caller: times in their zone, their own answer marked, and
    how it repeats if it does."""
    from bot.teachmeets.series import repeat_of

    me = await ctx.member()
    repeats = ""
    if meet.series_id is not None:
        owner = await TeachMeetRepository(ctx.session).series(meet.series_id)
        if owner is not None and owner.status == "active":
            repeats = repeat_of(owner).text
    return replies.card(meet, await roster_for(ctx, meet), await reader_timezone(ctx),
                        viewer_id=me.id, now=ctx.now(), repeats=repeats,
                        details_url=links.meet_url(ctx.settings, meet))


# -- notices ---------------------------------------------------------------------------------
async def notify_members(ctx: Context, member_ids: Iterable[int],
                         build: Callable[[str], Reply]) -> None:
    """DM each member on every account they have; `build` gets their time zone."""
    ids = sorted(set(member_ids))
    repo = TeachMeetRepository(ctx.session)
    members, identities = await repo.members(ids), await repo.identities(ids)
    for member_id in ids:
        tz = members[member_id].timezone or ctx.settings.network.timezone
        message = build(tz)
        for destination in destinations(identities[member_id]):
            ctx.notify(destination, message, about=members[member_id].name)


def channel_of(meet: TeachMeet) -> Destination | None:
    return Destination(meet.platform, meet.space_id, channel_id=meet.channel_id) \
        if meet.channel_id else None


async def cancel_meet(ctx: Context, meet: TeachMeet, reason: str, *,
                      not_told: Iterable[int] = ()) -> tuple[set[int], int]:
    """Cancel one meeting the one way there is: its reminders stopped, everyone signed up
    (but `not_told`) and its channel sent the cancellation notice. Returns who was told
    and how many reminders will not go out."""
    people = await roster(ctx.session, meet)
    meet.status, meet.cancel_reason = "cancelled", reason
    meet.sequence += 1
    meet.updated_at = ctx.now()
    await ctx.session.flush()
    stopped = await cancel_reminders(ctx.session, meet)
    tell = people.signed_up() - set(not_told)
    await notify_members(ctx, tell, lambda tz: replies.cancelled_notice(meet, tz))
    channel = channel_of(meet)
    if channel is not None:
        ctx.notify(channel, replies.cancelled_notice(meet, meet.timezone))
    return tell, stopped


# -- reminders -------------------------------------------------------------------------------
async def plan_reminders(session: AsyncSession, settings: Settings, meet: TeachMeet,
                         now: datetime) -> None:
    """Plan (or move) each reminder; one whose time has already passed is cancelled, so a
    move never leaves an old reminder to fire."""
    repo = DueWorkRepository(session)
    for offset in sorted(set(settings.teachmeets.reminder_offsets_minutes)):
        due = meet.starts_at - timedelta(minutes=offset)
        key = reminder_key(meet.id, offset)
        if due > now:
            await repo.plan(REMINDER_KIND, key, due,
                            {"teachmeet_id": meet.id, "offset_minutes": offset})
        else:
            await repo.cancel(REMINDER_KIND, [key])
    await plan_followup(session, meet)


async def plan_followup(session: AsyncSession, meet: TeachMeet) -> None:
    """Plan (or move) the after-the-event follow-up to the event's end."""
    await DueWorkRepository(session).plan(FOLLOWUP_KIND, followup_key(meet.id), ends_at(meet),
                                          {"teachmeet_id": meet.id})


async def cancel_reminders(session: AsyncSession, meet: TeachMeet) -> int:
    """Cancel the event's reminders (how many is returned) and its follow-up."""
    repo = DueWorkRepository(session)
    await repo.cancel(FOLLOWUP_KIND, [followup_key(meet.id)])
    return await repo.cancel_prefix(REMINDER_KIND, reminder_prefix(meet.id))


@dataclass(frozen=True)
class _Loaded:
    """What one reminder needs, read in one go."""

    meet: TeachMeet
    people: Roster
    recipients: list[tuple[int, str, Identity]]


class ReminderSender:
    """Delivers teach-meet reminders (the due-work handler for REMINDER_KIND).

    Deliveries run several at a time; the ones that start together share their database
    reads (one query for all their events, one for all their recipients), so 10,000
    reminders due in the same minute cost a few hundred queries, not tens of thousands.
    """

    def __init__(self, services: Services, deliveries: Deliveries) -> None:
        self.services = services
        self.deliveries = deliveries
        self._waiting: dict[int, list[asyncio.Future[_Loaded | None]]] = {}
        self._loading: asyncio.Task[None] | None = None

    async def _load(self, meet_id: int) -> _Loaded | None:
        future: asyncio.Future[_Loaded | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(meet_id, []).append(future)
        if self._loading is None:
            self._loading = asyncio.ensure_future(self._load_waiting())
        return await future

    async def _load_waiting(self) -> None:
        await asyncio.sleep(0)  # let deliveries starting together join this read
        waiting, self._waiting, self._loading = self._waiting, {}, None
        try:
            async with self.services.db.sessions() as session:
                repo = TeachMeetRepository(session)
                meets = await repo.get_many(list(waiting))
                live = [i for i, m in meets.items() if m.status == "scheduled"]
                talks = await repo.talks_with_presenters([i for i in live if meets[i].slots])
                recipients = await repo.reminder_recipients(live)
        except Exception as exc:
            for futures in waiting.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(exc)
            return
        for meet_id, futures in waiting.items():
            meet = meets.get(meet_id)
            loaded = None
            if meet is not None and meet_id in recipients:
                ordered, presenters = talks.get(meet_id, ([], {}))
                loaded = _Loaded(meet, Roster(rsvps=[], talks=ordered, members=presenters),
                                 recipients[meet_id])
            for future in futures:
                if not future.done():
                    future.set_result(loaded)

    async def __call__(self, services: Services, work: DueWork) -> None:
        """Send one reminder: to the event's channel and to everyone going and presenting.

        The destinations go out together and each is recorded once reached (see
        `scheduled.deliveries`): a retry, or the copy that takes over from a crashed one,
        sends only to the destinations not reached yet.
        """
        meet_id = int(work.payload["teachmeet_id"])
        offset = int(work.payload["offset_minutes"])
        loaded = await self._load(meet_id)
        now = services.clock.now()
        if loaded is None:
            log.info("not sending %s: teach-meet %s is gone or cancelled", work.key, meet_id)
            return
        meet, people = loaded.meet, loaded.people
        if meet.starts_at - timedelta(minutes=offset) != work.due_at:
            log.info("not sending %s: teach-meet %s has moved", work.key, meet_id)
            return
        if meet.starts_at <= now:
            log.warning("dropping %s: teach-meet %s has already started", work.key, meet_id)
            return
        outgoing: list[tuple[Destination, Reply]] = []
        channel = channel_of(meet)
        if channel is not None:
            outgoing.append((channel, replies.reminder(meet, people, meet.timezone, now=now)))
        seen = {channel}
        messages: dict[tuple[int, str], Reply] = {}
        for member_id, timezone, identity in loaded.recipients:
            tz = timezone or services.settings.network.timezone
            if (member_id, tz) not in messages:
                messages[member_id, tz] = replies.reminder(meet, people, tz, now=now,
                                                           member_id=member_id)
            for destination in destinations([identity]):
                if destination not in seen:
                    seen.add(destination)
                    outgoing.append((destination, messages[member_id, tz]))
        async def tell_organiser(refused: list[tuple[Destination, str]]) -> None:
            async with services.db.sessions() as session:
                accounts = await TeachMeetRepository(session).identities([meet.organiser_id])
            notice = replies.reminder_unreached(meet, [reason for _, reason in refused])
            for destination in destinations(accounts.get(meet.organiser_id, [])):
                try:
                    await services.notifier.send(destination, notice)
                    return
                except Exception as exc:
                    log.warning("could not tell the organiser of %s: %r", work.key, exc)

        await self.deliveries.send(work, outgoing, on_refused=tell_organiser)


def register(scheduler: Scheduler) -> None:
    """Capability.schedule: reminders are delivered by the one due-work mechanism."""
    from bot.teachmeets import followups

    grace = timedelta(minutes=scheduler.services.settings.teachmeets.reminder_grace_minutes)
    scheduler.handle(REMINDER_KIND, ReminderSender(scheduler.services, scheduler.deliveries),
                     grace=grace)
    scheduler.handle(FOLLOWUP_KIND, followups.send_followups, grace=followups.GRACE)


# -- RSVPs and the waitlist -------------------------------------------------------------------
async def promote(ctx: Context, meet: TeachMeet) -> list[int]:
    """Fill free places from the waitlist, first come first served, and tell them."""
    if meet.capacity is None:
        free = None
    else:
        free = meet.capacity - await TeachMeetRepository(ctx.session).count_going(meet.id)
        if free <= 0:
            return []
    repo = TeachMeetRepository(ctx.session)
    waiting = await repo.first_waiting(meet.id, free if free is not None else 10_000)
    for row in waiting:
        row.answer = "going"
    await ctx.session.flush()
    promoted = [row.member_id for row in waiting]
    if promoted:
        await notify_members(ctx, promoted, lambda tz: replies.promoted(meet, tz))
    return promoted


async def answer(ctx: Context, meet_id: int, wanted: str) -> Reply:
    meet = await load(ctx, meet_id, lock=True)
    require_open(meet, ctx.now(), "answer it")
    member = await ctx.member()
    repo = TeachMeetRepository(ctx.session)
    current = await repo.rsvp(meet.id, member.id)
    before = current.answer if current else None
    if wanted == "going":
        if before in ("going", "waitlist"):
            return replies.rsvp_done(meet, before, unchanged=True)
        full = meet.capacity is not None and await repo.count_going(meet.id) >= meet.capacity
        result = "waitlist" if full else "going"
    else:
        result = wanted
        if before == result:
            return replies.rsvp_done(meet, result, unchanged=True)
    await repo.set_rsvp(meet.id, member.id, result, ctx.now())
    if before == "going" and result != "going":
        await promote(ctx, meet)
    position = None
    if result == "waitlist":
        waiting = await repo.first_waiting(meet.id, 100_000)
        position = next(i for i, r in enumerate(waiting, 1) if r.member_id == member.id)
    return replies.rsvp_done(meet, result, position=position)


# -- talks -------------------------------------------------------------------------------------
async def present(ctx: Context, meet_id: int, kind: str, title: str) -> Reply:
    meet = await load(ctx, meet_id, lock=True)
    require_open(meet, ctx.now(), "present at it")
    member = await ctx.member()
    repo = TeachMeetRepository(ctx.session)
    slot = next((s for s in meet.slots if s["type"] == kind), None)
    if slot is None:
        offered = ", ".join(s["type"] for s in meet.slots) or "none"
        raise UserError(f"Teach-meet #{meet.id} has no {kind} slots (it offers: {offered}).",
                        field="type")
    existing = await repo.talk(meet.id, member.id)
    if existing is not None:
        raise UserError(f"You are already presenting “{existing.title}” ({existing.kind}) at "
                        f"#{meet.id}. `teachmeet withdraw {meet.id}` first to change it.")
    taken = sum(1 for t in await repo.talks(meet.id) if t.kind == kind)
    if taken >= slot["count"]:
        raise UserError(f"All {slot['count']} {kind} slots at #{meet.id} are taken.",
                        field="type")
    talk = await repo.add_talk(TeachMeetTalk(
        teachmeet_id=meet.id, member_id=member.id, kind=kind, title=title,
        minutes=int(slot["minutes"]), created_at=ctx.now()))
    ctx.audit("teachmeet.present", f"teachmeet:{meet.id}", after={"talk": talk.title,
                                                                  "kind": kind})
    return replies.presenting(meet, talk)


async def withdraw(ctx: Context, meet_id: int) -> Reply:
    meet = await load(ctx, meet_id, lock=True)
    member = await ctx.member()
    repo = TeachMeetRepository(ctx.session)
    talk = await repo.talk(meet.id, member.id)
    if talk is None:
        raise UserError(f"You have no talk at teach-meet #{meet.id}.")
    await repo.remove_talk(talk)
    ctx.audit("teachmeet.withdraw", f"teachmeet:{meet.id}", before={"talk": talk.title})
    return replies.withdrawn(meet, talk)


async def draw(ctx: Context, meet_id: int) -> Reply:
    meet = await load(ctx, meet_id, lock=True)
    await require_organiser(ctx, meet, "draw presenters for")
    if meet.status == "cancelled":
        raise UserError(f"Teach-meet #{meet.id} has been cancelled.")
    talks = await TeachMeetRepository(ctx.session).talks(meet.id)
    waiting = [t for t in talks if t.drawn is None]
    if not talks:
        raise UserError(f"Nobody has claimed a slot at #{meet.id} yet.")
    if not waiting:
        raise UserError(f"Everyone at #{meet.id} has been drawn: that's the running order.")
    chosen = ctx.services.rng.choice(waiting)
    chosen.drawn = max((t.drawn or 0) for t in talks) + 1
    await ctx.session.flush()
    presenter = (await TeachMeetRepository(ctx.session).members([chosen.member_id]))[
        chosen.member_id]
    return replies.drawn(meet, chosen, presenter, left=len(waiting) - 1)
