"""Commands: teachmeet create, list, show, edit, move, cancel, rsvp, present, withdraw,
draw, ics; plus the weekly digest section and the reminder wiring."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from bot.commands import Arg, Args, Capability, Command, DigestRequest
from bot.context import Context
from bot.errors import UserError
from bot.expertise.commands import check_link
from bot.replies import Attachment, Block, Reply, Text
from bot.teachmeets import calendar, replies, services
from bot.teachmeets.privacy import export_teachmeets, forget_teachmeets
from bot.teachmeets.services import (
    load,
    notify_members,
    reader_timezone,
    require_organiser,
    roster,
)
from bot.teachmeets.timeparse import (
    WhenError,
    parse_duration,
    parse_slots,
    parse_when,
    split_duration,
    split_sentence,
)
from bot.web import links
from storage.models import TeachMeet
from storage.models.teachmeets import REASON_MAX, TALK_TITLE_MAX, TITLE_MAX, VENUE_MAX
from storage.repositories.teachmeets import TeachMeetRepository

MAX_CAPACITY = 100_000


def _id(value: Any) -> Any:
    return value.strip().lstrip("#") if isinstance(value, str) else value


def _blank_is_none(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in ("", "none", "unlimited", "no limit"):
        return None
    return value


MeetId = Annotated[int, BeforeValidator(_id), Arg(help="the teach-meet's number, e.g. 12"),
                   Field(ge=1)]
Capacity = Annotated[Annotated[int, Field(ge=1, le=MAX_CAPACITY)] | None,
                     BeforeValidator(_blank_is_none),
                     Arg(help="how many places (empty: no limit)")]


class _Details(Args):
    """What create and edit share."""

    start: Annotated[str | None, Arg(help="when it starts, e.g. \"next Tuesday 4pm\" or "
                                          "\"2026-12-03 16:00 Europe/London\""),
                     Field(max_length=200)] = None
    duration: Annotated[str | None, Arg(help="how long: 2h, 90m, 1h30"),
                        Field(max_length=40)] = None
    where: Annotated[str | None, Arg(help="a venue or an online link"),
                     Field(max_length=2000)] = None
    venue: Annotated[str | None, Arg(help="where it happens"), Field(max_length=VENUE_MAX)] = None
    link: Annotated[str | None, Arg(help="the online meeting link"),
                    Field(max_length=2000)] = None
    region: Annotated[str | None, Arg(help="the region (default: yours)", complete="regions"),
                      Field(max_length=200)] = None
    capacity: Capacity = None
    slots: Annotated[str | None, Arg(help="presenter slots, e.g. \"4 nano, 3 micro 6min, "
                                          "1 soapbox 15min\""),
                     Field(max_length=200)] = None
    description: Annotated[str | None, Arg(help="more about it, after --", after="--"),
                           Field(max_length=2000)] = None

    @field_validator("link")
    @classmethod
    def _web_link(cls, value: str | None) -> str | None:
        return check_link(value) if value else value


class _CreateTitle(Args):
    title: Annotated[str | None, Arg(help="the title, or a whole sentence: title, when, "
                                          "for how long, at where", rest=True),
                     Field(max_length=TITLE_MAX + 300)] = None


class CreateArgs(_Details, _CreateTitle):
    """The title comes first (pydantic orders a later base's fields first), so free text
    after the command is the title or the whole sentence."""


def _place(where: str) -> tuple[str, str]:
    """(venue, link) from a "venue or link" answer."""
    where = where.strip()
    if re.match(r"https?://", where, re.IGNORECASE):
        check_link_or_refuse(where)
        return "", where
    if len(where) > VENUE_MAX:
        raise UserError(f"The venue is too long (at most {VENUE_MAX} characters).",
                        field="where")
    return where, ""


def check_link_or_refuse(link: str) -> str:
    try:
        return check_link(link)
    except ValueError as exc:
        raise UserError(f"The link {exc}.", field="link") from None


def _slots(ctx: Context, text: str) -> list[dict[str, Any]]:
    settings = ctx.settings.teachmeets
    defaults = {"nano": settings.nano_minutes, "micro": settings.micro_minutes,
                "soapbox": settings.soapbox_minutes}
    try:
        return [s.as_dict() for s in parse_slots(text, defaults)]
    except WhenError as exc:
        raise UserError(str(exc), field="slots") from None


def _when(text: str, tz: str, now: datetime) -> tuple[datetime, str, str]:
    """(start in UTC, its time zone, a duration said with it: "... for 2h")."""
    when, duration = split_duration(text)
    try:
        start, zone = parse_when(when, default_tz=tz, now=now)
    except WhenError as exc:
        raise UserError(str(exc), field="start") from None
    return start, zone, duration


def _minutes(text: str) -> int:
    try:
        return parse_duration(text)
    except WhenError as exc:
        raise UserError(str(exc), field="duration") from None


def _channel(ctx: Context) -> str:
    """Where the event is announced and reminded: the channel it was made in, else the
    space's announcements channel."""
    if ctx.caller.channel_id and not ctx.caller.is_direct:
        return ctx.caller.channel_id
    space = ctx.settings.space(ctx.caller.platform, ctx.caller.space_id)
    return space.announcements_channel if space else ""


async def create(ctx: Context, args: CreateArgs) -> Reply:
    if args.title is None and args.start is None:
        return Reply(blocks=(Text("Tell me about the teach-meet."),),
                     form=replies.create_form({}))
    member = await ctx.member()
    tz = await reader_timezone(ctx)
    now = ctx.now()
    title, venue, region, duration_text = (args.title or "").strip(), "", "", ""
    if args.start:
        start, zone, duration_text = _when(args.start, tz, now)
    else:
        try:
            spoken = split_sentence(title, default_tz=tz, now=now)
        except WhenError as exc:
            raise UserError(str(exc), field="start") from None
        title, venue, region = spoken.title, spoken.venue, spoken.region
        start, zone, duration_text = _when(spoken.when, tz, now)
        duration_text = spoken.duration or duration_text
    if not title:
        raise UserError("Give the teach-meet a title.", field="title")
    if len(title) > TITLE_MAX:
        raise UserError(f"The title is too long (at most {TITLE_MAX} characters).",
                        field="title")
    link = ""
    if venue:
        venue, link = _place(venue)
    if args.where:
        venue, link = _place(args.where)
    venue = args.venue if args.venue is not None else venue
    link = args.link if args.link is not None else link
    duration = _minutes(args.duration or duration_text) if (args.duration or duration_text) \
        else ctx.settings.teachmeets.default_duration_minutes
    meet = TeachMeet(
        title=title, description=args.description or "", organiser_id=member.id,
        platform=ctx.caller.platform, space_id=ctx.caller.space_id, channel_id=_channel(ctx),
        starts_at=start, duration_minutes=duration, timezone=zone, venue=venue,
        online_url=link, region=args.region or region or ctx.settings.group_of(
            ctx.caller.platform, ctx.caller.space_id) or member.region, capacity=args.capacity,
        slots=_slots(ctx, args.slots or ""), status="scheduled", cancel_reason="", sequence=0,
        created_at=now, updated_at=now)
    await TeachMeetRepository(ctx.session).add(meet)
    await services.plan_reminders(ctx.session, ctx.settings, meet, now)
    ctx.audit("teachmeet.create", f"teachmeet:{meet.id}", after=_snapshot(meet))
    planned = [m for m in sorted(set(ctx.settings.teachmeets.reminder_offsets_minutes),
                                 reverse=True) if start - timedelta(minutes=m) > now]
    return replies.created(meet, await roster(ctx.session, meet), tz, viewer_id=member.id,
                           now=now, reminders=planned,
                           details_url=links.meet_url(ctx.settings, meet))


def _snapshot(meet: TeachMeet) -> dict[str, Any]:
    return {"title": meet.title, "starts_at": meet.starts_at.isoformat(),
            "duration": meet.duration_minutes, "venue": meet.venue, "link": meet.online_url,
            "region": meet.region, "capacity": meet.capacity, "slots": meet.slots,
            "status": meet.status}


class ListArgs(Args):
    region: Annotated[str | None, Arg(help="only this region", rest=True, complete="regions"),
                      Field(max_length=200)] = None


async def list_meets(ctx: Context, args: ListArgs) -> Reply:
    meets = await TeachMeetRepository(ctx.session).upcoming(
        now=ctx.now(), region=args.region, limit=ctx.settings.teachmeets.list_limit)
    return replies.listing(meets, await reader_timezone(ctx), args.region)


class IdArgs(Args):
    id: MeetId


async def show(ctx: Context, args: IdArgs) -> Reply:
    return await services.card(ctx, await load(ctx, args.id))


class _EditHead(Args):
    id: MeetId
    title: Annotated[str | None, Arg(help="a new title", rest=True),
                     Field(max_length=TITLE_MAX)] = None


class EditArgs(_Details, _EditHead):
    """The id first, then (as free text) a new title; everything else as key=value."""


async def edit(ctx: Context, args: EditArgs) -> Reply:
    meet = await load(ctx, args.id, lock=True)
    await require_organiser(ctx, meet, "change")
    services.require_open(meet, ctx.now(), "change it")
    given = args.model_dump(exclude={"id"}, exclude_none=True)
    if not given:
        return Reply(blocks=(Text(f"What should change about #{meet.id}?"),),
                     form=replies.edit_form(meet))
    return await _apply(ctx, meet, args)


class MoveArgs(Args):
    id: MeetId
    start: Annotated[str, Arg(help="the new start, e.g. \"next Thursday 4pm\"", rest=True),
                     Field(min_length=1, max_length=200)]


async def move(ctx: Context, args: MoveArgs) -> Reply:
    meet = await load(ctx, args.id, lock=True)
    await require_organiser(ctx, meet, "move")
    services.require_open(meet, ctx.now(), "move it")
    return await _apply(ctx, meet, EditArgs(id=args.id, start=args.start))


async def _apply(ctx: Context, meet: TeachMeet, args: EditArgs) -> Reply:
    """Validate every change first, then apply them all (or nothing)."""
    now = ctx.now()
    before = _snapshot(meet)
    old_start = meet.starts_at
    changes: dict[str, Any] = {}
    if args.start is not None:
        start, zone, duration_text = _when(args.start, meet.timezone, now)
        changes.update(starts_at=start, timezone=zone)
        if duration_text and args.duration is None:
            changes["duration_minutes"] = _minutes(duration_text)
    if args.duration is not None:
        changes["duration_minutes"] = _minutes(args.duration)
    if args.title is not None:
        if not args.title:
            raise UserError("The title can't be empty.", field="title")
        changes["title"] = args.title
    if args.where:  # a link replaces the link, a place the venue; the other stays
        venue, link = _place(args.where)
        changes["online_url" if link else "venue"] = link or venue
    if args.venue is not None:
        changes["venue"] = args.venue
    if args.link is not None:
        changes["online_url"] = args.link
    if args.region is not None:
        changes["region"] = args.region
    if args.description is not None:
        changes["description"] = args.description
    if "capacity" in args.model_fields_set:
        changes["capacity"] = args.capacity
    repo = TeachMeetRepository(ctx.session)
    if args.slots is not None:
        slots = _slots(ctx, args.slots)
        talks = await repo.talks(meet.id)
        for kind in {t.kind for t in talks}:
            wanted = next((s["count"] for s in slots if s["type"] == kind), 0)
            taken = sum(1 for t in talks if t.kind == kind)
            if wanted < taken:
                raise UserError(f"{taken} {kind} talks are already claimed at #{meet.id}; "
                                f"keep at least {taken} {kind} slots.", field="slots")
        changes["slots"] = slots
    changed = [name for name, value in changes.items() if getattr(meet, name) != value]
    if not changed:
        return Reply(blocks=(Text(f"Nothing changed: #{meet.id} already says that."),))
    for name in changed:
        setattr(meet, name, changes[name])
    meet.sequence += 1
    meet.updated_at = now
    await ctx.session.flush()
    if "starts_at" in changed:
        await services.plan_reminders(ctx.session, ctx.settings, meet, now)
    if "capacity" in changed:
        await services.promote(ctx, meet)
    ctx.audit("teachmeet.move" if changed == ["starts_at"] else "teachmeet.edit",
              f"teachmeet:{meet.id}", before=before, after=_snapshot(meet))
    people = await roster(ctx.session, meet)
    me = await ctx.member()
    tell = people.signed_up() - {me.id}
    if "starts_at" in changed:
        await notify_members(ctx, tell, lambda tz: replies.moved_notice(meet, tz, old_start))
    elif {"duration_minutes", "venue", "online_url", "title"} & set(changed):
        shown = [_LABELS[c] for c in changed if c in _LABELS]
        await notify_members(ctx, tell, lambda tz: replies.updated_notice(meet, tz, shown))
    card = await services.card(ctx, meet)
    verb = "Moved" if "starts_at" in changed else "Updated"
    return Reply(blocks=(Text(f"{verb} #{meet.id}; {len(tell)} people who signed up have been "
                              "told." if tell and ("starts_at" in changed or shown_any(changed))
                              else f"{verb} #{meet.id}."), *card.blocks), tone="success")


_LABELS = {"duration_minutes": "length", "venue": "venue", "online_url": "online link",
           "title": "title"}


def shown_any(changed: list[str]) -> bool:
    return any(c in _LABELS for c in changed)


class CancelArgs(Args):
    id: MeetId
    reason: Annotated[str, Arg(help="why (told to everyone who signed up)", rest=True),
                      Field(max_length=REASON_MAX)] = ""
    confirm: Annotated[bool, Arg(help="yes, really cancel")] = False


async def cancel(ctx: Context, args: CancelArgs) -> Reply:
    meet = await load(ctx, args.id, lock=True)
    await require_organiser(ctx, meet, "cancel")
    if meet.status == "cancelled":
        raise UserError(f"Teach-meet #{meet.id} is already cancelled.")
    services.require_open(meet, ctx.now(), "cancel it")
    people = await roster(ctx.session, meet)
    if not args.confirm:
        return replies.confirm_cancel(meet, args.reason, len(people.signed_up()))
    before = _snapshot(meet)
    meet.status, meet.cancel_reason = "cancelled", args.reason
    meet.sequence += 1
    meet.updated_at = ctx.now()
    await ctx.session.flush()
    stopped = await services.cancel_reminders(ctx.session, meet)
    ctx.audit("teachmeet.cancel", f"teachmeet:{meet.id}", before=before,
              after={**_snapshot(meet), "reason": args.reason})
    me = await ctx.member()
    tell = people.signed_up() - {me.id}
    await notify_members(ctx, tell, lambda tz: replies.cancelled_notice(meet, tz))
    channel = services.channel_of(meet)
    if channel is not None:
        ctx.notify(channel, replies.cancelled_notice(meet, meet.timezone))
    return Reply(blocks=(Text(f"Cancelled #{meet.id} {meet.title}. {len(tell)} people who "
                              f"signed up have been told; {stopped} reminders will not go "
                              "out."),), tone="success")


def _answer(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    word = re.sub(r"[\s_'-]+", " ", value.strip().lower())
    return {"going": "going", "yes": "going", "y": "going", "maybe": "maybe",
            "not going": "not_going", "notgoing": "not_going", "no": "not_going",
            "n": "not_going", "cant go": "not_going", "can t go": "not_going",
            "not": "not_going"}.get(word, value)


class RsvpArgs(Args):
    id: MeetId
    answer: Annotated[str, BeforeValidator(_answer),
                      Arg(help="going, maybe or not going", rest=True)]

    @field_validator("answer")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in services.ANSWERS:
            raise ValueError("must be going, maybe or not going")
        return value


async def rsvp(ctx: Context, args: RsvpArgs) -> Reply:
    return await services.answer(ctx, args.id, args.answer)


async def going(ctx: Context, args: IdArgs) -> Reply:
    return await services.answer(ctx, args.id, "going")


async def maybe(ctx: Context, args: IdArgs) -> Reply:
    return await services.answer(ctx, args.id, "maybe")


async def not_going(ctx: Context, args: IdArgs) -> Reply:
    return await services.answer(ctx, args.id, "not_going")


def _kind(value: Any) -> Any:
    if isinstance(value, str):
        word = value.strip().lower()
        return {"nanos": "nano", "micros": "micro", "soapboxes": "soapbox"}.get(word, word)
    return value


class PresentArgs(Args):
    id: MeetId
    type: Annotated[str, BeforeValidator(_kind), Arg(help="nano (2 min), micro (5-7 min) or "
                                                          "soapbox (longer)")]
    title: Annotated[str, Arg(help="your talk's title", rest=True),
                     Field(min_length=3, max_length=TALK_TITLE_MAX)]

    @field_validator("type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in ("nano", "micro", "soapbox"):
            raise ValueError("must be nano, micro or soapbox")
        return value


async def present(ctx: Context, args: PresentArgs) -> Reply:
    return await services.present(ctx, args.id, args.type, args.title)


async def withdraw(ctx: Context, args: IdArgs) -> Reply:
    return await services.withdraw(ctx, args.id)


async def draw(ctx: Context, args: IdArgs) -> Reply:
    return await services.draw(ctx, args.id)


async def ics(ctx: Context, args: IdArgs) -> Reply:
    meet = await load(ctx, args.id)
    content = calendar.calendar([meet], ctx.settings.network.name)
    state = " (cancelled: importing it removes the entry)" if meet.status == "cancelled" else ""
    return Reply(blocks=(Text(f"Calendar file for #{meet.id} {meet.title}{state}. Open it to "
                              "add or update the entry in your calendar."),),
                 attachment=Attachment(calendar.filename(meet), content, calendar.MIME_TYPE))


async def digest(request: DigestRequest) -> list[Block]:
    """The weekly digest's teach-meet section: what is coming up soon, new ones marked."""
    settings = request.services.settings
    until = request.until + timedelta(days=settings.teachmeets.digest_days)
    meets = await TeachMeetRepository(request.session).upcoming(
        now=request.until, until=until, limit=settings.teachmeets.list_limit)
    return replies.digest(meets, settings.network.timezone, since=request.since)


_ID = "<id>"
CAPABILITY = Capability(
    name="teachmeets",
    forget=forget_teachmeets,
    export=export_teachmeets,
    commands=[
        Command(name="teachmeet create", handler=create, args=CreateArgs, channel_reply=True,
                aliases=("teachmeet new",),
                summary="Organise a teach-meet (with no details: a form).",
                usage="teachmeet create <title> <when> [for <length>] [at <venue>] "
                      "[capacity=N] [slots=\"4 nano, 3 micro\"] [-- description]",
                description="Times are read in your time zone (or the network's) unless you "
                            "name one. Reminders go out before it starts.",
                examples=("teachmeet create Autumn TeachMeet next Tuesday 4pm for 2h at "
                          "Cardiff Central Library capacity=40 slots=\"4 nano, 3 micro\"",
                          "teachmeet create \"Digital leaders\" start=\"2026-12-03 16:00 "
                          "Europe/London\" link=https://meet.example.org/dl region=Wales")),
        Command(name="teachmeet list", handler=list_meets, args=ListArgs,
                aliases=("teachmeets", "teachmeet"),
                summary="Upcoming teach-meets, optionally by region.",
                usage="teachmeet list [region]", examples=("teachmeet list", "teachmeets Wales")),
        Command(name="teachmeet show", handler=show, args=IdArgs,
                summary="A teach-meet's card: when, where, who is going, the running order.",
                usage=f"teachmeet show {_ID}", examples=("teachmeet show 12",)),
        Command(name="teachmeet edit", handler=edit, args=EditArgs,
                summary="Change a teach-meet (organiser or moderator).",
                usage=f"teachmeet edit {_ID} [title=...] [start=...] [duration=...] "
                      "[where=...] [region=...] [capacity=N] [slots=...]",
                examples=("teachmeet edit 12 capacity=60", "teachmeet edit 12 where=\"Room 2\"")),
        Command(name="teachmeet move", handler=move, args=MoveArgs,
                summary="Move a teach-meet to a new time; everyone signed up is told.",
                usage=f"teachmeet move {_ID} <when>",
                examples=("teachmeet move 12 next Thursday 4pm",)),
        Command(name="teachmeet cancel", handler=cancel, args=CancelArgs,
                summary="Cancel a teach-meet (asks first); everyone signed up is told.",
                usage=f"teachmeet cancel {_ID} [reason]",
                examples=("teachmeet cancel 12 Venue flooded, sorry!",)),
        Command(name="teachmeet rsvp", handler=rsvp, args=RsvpArgs,
                summary="Answer going, maybe or not going.",
                usage=f"teachmeet rsvp {_ID} going|maybe|not going",
                examples=("teachmeet rsvp 12 going", "teachmeet rsvp 12 not going")),
        Command(name="teachmeet going", handler=going, args=IdArgs,
                summary="Say you're going (or join the waitlist when it's full).",
                usage=f"teachmeet going {_ID}", examples=("teachmeet going 12",)),
        Command(name="teachmeet maybe", handler=maybe, args=IdArgs,
                summary="Say you might come.", usage=f"teachmeet maybe {_ID}"),
        Command(name="teachmeet not going", handler=not_going, args=IdArgs,
                aliases=("teachmeet notgoing",),
                summary="Say you can't come (frees your place).",
                usage=f"teachmeet not going {_ID}"),
        Command(name="teachmeet present", handler=present, args=PresentArgs,
                summary="Claim a presenter slot with your talk's title.",
                usage=f"teachmeet present {_ID} nano|micro|soapbox <title>",
                examples=("teachmeet present 12 micro Podcasting with year 5",)),
        Command(name="teachmeet withdraw", handler=withdraw, args=IdArgs,
                summary="Withdraw your talk.", usage=f"teachmeet withdraw {_ID}"),
        Command(name="teachmeet draw", handler=draw, args=IdArgs, channel_reply=True,
                summary="Pick the next presenter at random (organiser or moderator).",
                usage=f"teachmeet draw {_ID}", examples=("teachmeet draw 12",)),
        Command(name="teachmeet ics", handler=ics, args=IdArgs, aliases=("teachmeet calendar",),
                summary="A calendar (.ics) file for a teach-meet.",
                usage=f"teachmeet ics {_ID}", examples=("teachmeet ics 12",)),
    ],
    schedule=services.register,
    digest=digest,
)
