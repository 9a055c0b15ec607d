"""Commands: teachmeet create, list, show, edit, move, cancel, rsvp, going, present,
withdraw, draw, ics, feed; plus the weekly digest section, the reminder and series wiring
and the calendar feeds' routes.

Times go through one reader (`reader.read`): confident, it gives a start; unsure, the
member gets a question with the readings as buttons; impossible, a specific refusal.
Creating and moving show a preview first and save nothing (and tell nobody) until the
organiser confirms: with the button, or by typing the command with `confirm=yes`. The
preview's exact arguments wait in a pending action its buttons name by id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field, ValidationError, field_validator

from bot.commands import (
    ID_RANGE,
    MAX_ID,
    Arg,
    Args,
    Capability,
    Command,
    DigestRequest,
    no_such_id,
)
from bot.context import Context
from bot.errors import UserError
from bot.expertise.commands import check_link
from bot.paging import PageArg, window
from bot.replies import Attachment, Block, Button, Reply, Text
from bot.teachmeets import calendar, feeds, followups, replies, series, services
from bot.teachmeets.leaving import leave_teachmeets
from bot.teachmeets.privacy import export_teachmeets, forget_teachmeets
from bot.teachmeets.reader import Ask, Refuse, Repeat, When, describe_rule, phrase, read
from bot.teachmeets.services import (
    load,
    notify_members,
    reader_timezone,
    require_organiser,
    roster,
    roster_for,
)
from bot.teachmeets.timeparse import WhenError, parse_duration, parse_slots, split_sentence
from bot.web import links
from storage.models import PendingAction, TeachMeet
from storage.models.teachmeets import REASON_MAX, TALK_TITLE_MAX, TITLE_MAX, VENUE_MAX
from storage.repositories.pending import PendingRepository
from storage.repositories.teachmeets import TeachMeetRepository

MAX_CAPACITY = 100_000
PENDING_HOURS = 24
"""A preview or question can be answered for this long."""
NEXT_SHOWN = 4
"""How many coming meetings of a series a preview lists."""


def _id(value: Any) -> Any:
    return value.strip().lstrip("#") if isinstance(value, str) else value


def _blank_is_none(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in ("", "none", "unlimited", "no limit"):
        return None
    return value


MeetId = Annotated[int, BeforeValidator(_id), Arg(help="the teach-meet's number, e.g. 12",
                                                   numbers="teach-meet"), ID_RANGE]
Capacity = Annotated[Annotated[int, Field(ge=1, le=MAX_CAPACITY)] | None,
                     BeforeValidator(_blank_is_none),
                     Arg(help="how many places (empty: no limit)")]
Scope = Annotated[Literal["this", "rest"] | None,
                  Arg(help="for a repeating teach-meet: this meeting, or this and the rest")]
Confirm = Annotated[bool, Arg(help="yes: do it without a preview")]
PendingId = Annotated[int | None, Arg(help="a preview or question to answer (its buttons "
                                           "say which)", numbers="preview"), ID_RANGE]
Pick = Annotated[int | None, Arg(help="which of a question's choices"), Field(ge=0, le=20)]


class _Details(Args):
    """What create and edit share."""

    start: Annotated[str | None, Arg(help="when, e.g. \"next Tuesday 4-6pm\" or \"every "
                                          "first Thursday of the month 4pm\"",
                                     date=True),
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
    confirm: Confirm = False
    pending: PendingId = None
    pick: Pick = None
    form: Annotated[bool, Arg(help="show the form with these values")] = False

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

    repeat: Annotated[str | None, Arg(help="an RRULE from a preview, e.g. "
                                           "FREQ=WEEKLY;INTERVAL=1;BYDAY=TH"),
                      Field(max_length=300)] = None

    @field_validator("repeat")
    @classmethod
    def _rule(cls, value: str | None) -> str | None:
        if value and not series.valid_rule(value):
            raise ValueError("is not a repeat this bot makes; describe it in words, e.g. "
                             "start=\"every Thursday 4pm\"")
        return value


# -- shared pieces -----------------------------------------------------------------------------
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


def slots_phrase(slots: list[dict[str, Any]]) -> str:
    """Slots as text `parse_slots` reads back exactly."""
    return ", ".join(f"{s['count']} {s['type']} {s['minutes']}min" for s in slots) or "none"


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


async def _pending(ctx: Context, command: str, args: dict[str, Any], *,
                   options: list[dict[str, Any]] | None = None,
                   question: str = "") -> PendingAction:
    caller = ctx.caller
    now = ctx.now()
    return await PendingRepository(ctx.session).add(
        platform=caller.platform, space_id=caller.space_id, user_id=caller.user_id,
        command=command, args=args, options=options, question=question, now=now,
        expires_at=now + timedelta(hours=PENDING_HOURS))


async def _answered(ctx: Context, command: str, pending_id: int, pick: int | None, *,
                    keep: bool = False) -> dict[str, Any]:
    """The arguments a preview or question kept, with the chosen option; used once."""
    caller = ctx.caller
    action = await PendingRepository(ctx.session).take(
        pending_id, platform=caller.platform, space_id=caller.space_id,
        user_id=caller.user_id, now=ctx.now(), keep=keep)
    if action is None or action.command != command:
        raise UserError("That preview or question has expired or was already answered "
                        "(or was someone else's). Please run the command again.")
    args = dict(action.args)
    if pick is not None:
        if not 0 <= pick < len(action.options):
            raise UserError("That choice is not one of the question's.")
        args.update(action.options[pick])
    return args


def _reread(model: type[Args], values: dict[str, Any], field_name: str = "start") -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        why = exc.errors()[0]["msg"]
        raise UserError(f"That preview no longer reads as a valid command ({why}). Please "
                        "run the command again.", field=field_name) from None


def _reading(text: str, *, now: datetime, tz: str) -> When | Ask:
    reading = read(text, now=now, tz=tz)
    if isinstance(reading, Refuse):
        raise UserError(reading.reason, field="start")
    return reading


async def _ask(ctx: Context, command: str, ask: Ask, base: dict[str, Any], *,
               today: Any) -> Reply:
    """The reader's question, its readings as buttons that carry on with the command."""
    options = []
    for candidate in ask.candidates:
        option: dict[str, Any] = {"start": candidate.canonical()}
        if candidate.repeat is not None:
            option["repeat"] = candidate.repeat.rule
        options.append(option)
    action = await _pending(ctx, command, base, options=options, question=ask.question)
    buttons = tuple(Button(c.label(today), command, {**_base_ids(base), "pending": action.id,
                                                     "pick": i})
                    for i, c in enumerate(ask.candidates))
    return replies.asking(ask.question, buttons)


def _base_ids(base: dict[str, Any]) -> dict[str, Any]:
    """What a button must name besides the pending action: the event, for move/edit."""
    return {"id": base["id"]} if "id" in base else {}


# -- create -------------------------------------------------------------------------------------
@dataclass
class _Plan:
    """A teach-meet as understood, not yet saved."""

    meet: TeachMeet
    when: When
    assumed: bool
    repeat: Repeat | None
    args: dict[str, Any] = field(default_factory=dict)
    """Exact arguments that make this again (what the preview's Create button runs)."""


async def create(ctx: Context, args: CreateArgs) -> Reply:
    tz = await reader_timezone(ctx)
    if args.pending is not None:
        kept = await _answered(ctx, "teachmeet create", args.pending, args.pick, keep=args.form)
        args = _reread(CreateArgs, {**kept, "confirm": args.confirm, "form": args.form})
    if args.form:
        return Reply(form=replies.create_form(_form_values(args, tz, ctx.now())))
    if args.title is None and args.start is None:
        return Reply(blocks=(Text("Tell me about the teach-meet."),),
                     form=replies.create_form({}))
    plan = await _plan(ctx, args, tz)
    if isinstance(plan, Reply):
        return plan
    if not args.confirm:
        return await _preview(ctx, plan, tz)
    return await _save(ctx, plan, tz)


def _form_values(args: CreateArgs, tz: str, now: datetime) -> dict[str, str]:
    start = args.start or ""
    if start:
        reading = read(start, now=now, tz=tz, suggest=False)
        if isinstance(reading, When):
            if args.repeat:
                reading = When(reading.start, reading.zone, reading.end,
                               Repeat(args.repeat, describe_rule(args.repeat, reading.start)))
            if args.duration and reading.end is None:
                reading = When(reading.start, reading.zone, reading.start + timedelta(
                    minutes=_minutes(args.duration)), reading.repeat)
            start = phrase(reading)
    return {"title": args.title or "", "start": start,
            "where": args.link or args.venue or args.where or "",
            "capacity": str(args.capacity or ""), "slots": args.slots or ""}


async def _plan(ctx: Context, args: CreateArgs, tz: str) -> _Plan | Reply:
    member = await ctx.member()
    now = ctx.now()
    title, venue, region = (args.title or "").strip(), "", ""
    if args.start:
        when_text = args.start
    else:
        spoken = split_sentence(title, default_tz=tz, now=now)
        if spoken is None:
            raise UserError(
                "I couldn't find when it starts. Write it like `teachmeet create Autumn "
                "TeachMeet next Tuesday 4pm for 2h at Cardiff Library`, or give "
                "start=\"...\".", field="start")
        title, when_text, venue, region = spoken.title, spoken.when, spoken.venue, spoken.region
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
    region = (args.region or region
              or ctx.settings.group_of(ctx.caller.platform, ctx.caller.space_id)
              or member.region)
    slots = _slots(ctx, args.slots or "")
    base: dict[str, Any] = {"title": title, "venue": venue, "link": link, "region": region,
                            "slots": slots_phrase(slots)}
    if args.capacity is not None:
        base["capacity"] = args.capacity
    if args.description:
        base["description"] = args.description
    if args.duration:
        base["duration"] = args.duration
    reading = _reading(when_text, now=now, tz=tz)
    if isinstance(reading, Ask):
        return await _ask(ctx, "teachmeet create", reading, base, today=_today(now, tz))
    repeat = reading.repeat
    if args.repeat:
        repeat = Repeat(args.repeat, describe_rule(args.repeat, reading.start))
    minutes = _minutes(args.duration) if args.duration else reading.minutes
    assumed = minutes is None
    if minutes is None:
        minutes = ctx.settings.teachmeets.default_duration_minutes
    meet = TeachMeet(
        title=title, description=args.description or "", organiser_id=member.id,
        platform=ctx.caller.platform, space_id=ctx.caller.space_id, channel_id=_channel(ctx),
        starts_at=reading.start.astimezone(ZoneInfo("UTC")), duration_minutes=minutes,
        timezone=reading.zone, venue=venue, online_url=link, region=region,
        capacity=args.capacity, slots=slots, status="scheduled", cancel_reason="",
        sequence=0, created_at=now, updated_at=now)
    exact = {**base, "start": When(reading.start, reading.zone).canonical()}
    if not assumed:
        exact["duration"] = f"{minutes}m"
    if repeat is not None:
        exact["repeat"] = repeat.rule
    return _Plan(meet=meet, when=reading, assumed=assumed, repeat=repeat, args=exact)


def _today(now: datetime, tz: str) -> Any:
    return now.astimezone(ZoneInfo(tz)).date()


async def _warnings(ctx: Context, meet: TeachMeet, tz: str) -> list[str]:
    """A likely duplicate: the same title at the same place on the same (local) day."""
    zone = ZoneInfo(tz)
    day = meet.starts_at.astimezone(zone).date()
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    twins = await TeachMeetRepository(ctx.session).same_day_same_place(
        meet.title, meet.venue, start, start + timedelta(days=1))
    return [f"#{t.id} “{t.title}” is already on that day" + (f" at {t.venue}" if t.venue
                                                             else "") +
            f" ({replies.when(t, tz)}). Create another anyway?" for t in twins[:2]]


async def _preview(ctx: Context, plan: _Plan, tz: str) -> Reply:
    action = await _pending(ctx, "teachmeet create", plan.args)
    coming: list[datetime] = []
    if plan.repeat is not None:
        coming = plan.repeat.starts(plan.when.start, plan.when.start + timedelta(days=400),
                                    limit=NEXT_SHOWN + 1)
    return replies.create_preview(
        plan.meet, tz, assumed=plan.assumed, repeats=plan.repeat.text if plan.repeat else "",
        coming=coming, warnings=await _warnings(ctx, plan.meet, tz),
        buttons=(Button("Create", "teachmeet create", {"pending": action.id, "confirm": True},
                        style="primary"),
                 Button("Change", "teachmeet create", {"pending": action.id, "form": True})))


async def _save(ctx: Context, plan: _Plan, tz: str) -> Reply:
    now = ctx.now()
    meet = plan.meet
    repo = TeachMeetRepository(ctx.session)
    repeats = ""
    if plan.repeat is not None:
        made = await series.start_series(ctx.session, ctx.settings, meet, plan.repeat, now)
        meet = min((m for m in await repo.meetings(made.id)), key=lambda m: m.starts_at)
        repeats = plan.repeat.text
        ctx.audit("teachmeet.series.create", f"teachmeet-series:{made.id}",
                  after={**_snapshot(meet), "rule": made.rule})
    else:
        await repo.add(meet)
        await services.plan_reminders(ctx.session, ctx.settings, meet, now)
        ctx.audit("teachmeet.create", f"teachmeet:{meet.id}", after=_snapshot(meet))
    member = await ctx.member()
    planned = [m for m in sorted(set(ctx.settings.teachmeets.reminder_offsets_minutes),
                                 reverse=True) if meet.starts_at - timedelta(minutes=m) > now]
    return replies.created(meet, await roster_for(ctx, meet, in_channel=True), tz,
                           viewer_id=member.id, now=now, reminders=planned, repeats=repeats,
                           details_url=links.meet_url(ctx.settings, meet))


def _snapshot(meet: TeachMeet) -> dict[str, Any]:
    return {"title": meet.title, "starts_at": meet.starts_at.isoformat(),
            "duration": meet.duration_minutes, "venue": meet.venue, "link": meet.online_url,
            "region": meet.region, "capacity": meet.capacity, "slots": meet.slots,
            "status": meet.status}


# -- list, show, going ------------------------------------------------------------------------
class ListArgs(Args):
    region: Annotated[str | None, Arg(help="only this region", rest=True, complete="regions"),
                      Field(max_length=200)] = None
    page: PageArg = 1


async def list_meets(ctx: Context, args: ListArgs) -> Reply:
    at = window(args.page, ctx.settings.teachmeets.list_limit)
    repo = TeachMeetRepository(ctx.session)
    meets, total = await repo.upcoming_page(now=ctx.now(), region=args.region,
                                            offset=at.offset, limit=at.size)
    return replies.listing(meets, await reader_timezone(ctx), args.region, total=total,
                           at=at, repeats=await _repeat_texts(ctx, meets))


async def _repeat_texts(ctx: Context, meets: list[TeachMeet]) -> dict[int, str]:
    found = await TeachMeetRepository(ctx.session).series_many(
        [m.series_id for m in meets if m.series_id is not None])
    return {m.id: series.repeat_of(found[m.series_id]).text for m in meets
            if m.series_id in found and found[m.series_id].status == "active"}


class IdArgs(Args):
    id: MeetId


async def show(ctx: Context, args: IdArgs) -> Reply:
    return await services.card(ctx, await load(ctx, args.id))


class GoingArgs(Args):
    event: Annotated[str, Arg(help="the teach-meet's number, or words of its title",
                              rest=True, numbers="teach-meet"),
                     Field(min_length=1, max_length=200)]


async def going(ctx: Context, args: GoingArgs) -> Reply:
    """`teachmeet going 12`, or `teachmeet going autumn` when one upcoming title matches."""
    text = args.event.strip().lstrip("#")
    if re.fullmatch(r"[+-]?\d+", text):
        if not 1 <= int(text) <= MAX_ID:
            raise UserError(no_such_id("teach-meet", text), field="event")
        return await services.answer(ctx, int(text), "going")
    words = [w for w in re.findall(r"\w+", text.lower()) if len(w) > 1 or w.isdigit()]
    if not words:
        raise UserError("Say which teach-meet: its number (`teachmeet going 12`) or words "
                        "from its title.", field="event")
    found = await TeachMeetRepository(ctx.session).find_upcoming(words, now=ctx.now())
    if len(found) == 1:
        return await services.answer(ctx, found[0].id, "going")
    if not found:
        raise UserError(f"No upcoming teach-meet's title has “{' '.join(words)[:60]}”. "
                        "`teachmeet list` shows them.", field="event")
    tz = await reader_timezone(ctx)
    return replies.asking(
        f"{len(found)} upcoming teach-meets match “{' '.join(words)[:60]}”: which one?",
        tuple(Button(f"#{m.id} {m.title[:40]} ({replies.short_when(m, tz)})", "teachmeet rsvp",
                     {"id": m.id, "answer": "going"}) for m in found[:5]))


# -- edit and move ------------------------------------------------------------------------------
class _EditHead(Args):
    id: MeetId
    title: Annotated[str | None, Arg(help="a new title", rest=True),
                     Field(max_length=TITLE_MAX)] = None


class EditArgs(_Details, _EditHead):
    """The id first, then (as free text) a new title; everything else as key=value."""

    scope: Scope = None


_CONTROL = {"id", "confirm", "pending", "pick", "form", "scope"}


async def edit(ctx: Context, args: EditArgs) -> Reply:
    if args.pending is not None:
        kept = await _answered(ctx, "teachmeet edit", args.pending, args.pick)
        args = _reread(EditArgs, {**kept, "id": args.id, "confirm": args.confirm,
                                  "scope": args.scope or kept.get("scope")})
    meet = await load(ctx, args.id, lock=True)
    await require_organiser(ctx, meet, "change")
    services.require_open(meet, ctx.now(), "change it")
    given = args.model_dump(exclude=_CONTROL, exclude_none=True)
    if not given or args.form:
        return Reply(blocks=(Text(f"What should change about #{meet.id}?"),),
                     form=replies.edit_form(meet, _start_phrase(meet)))
    return await _apply(ctx, meet, args, command="teachmeet edit")


def _start_phrase(meet: TeachMeet) -> str:
    zone = ZoneInfo(meet.timezone)
    return phrase(When(meet.starts_at.astimezone(zone), meet.timezone,
                       (meet.starts_at + timedelta(minutes=meet.duration_minutes))
                       .astimezone(zone)))


class MoveArgs(Args):
    id: MeetId
    start: Annotated[str | None, Arg(help="the new start, e.g. \"next Thursday 4pm\"",
                                     rest=True, date=True),
                     Field(min_length=1, max_length=200)] = None
    scope: Scope = None
    confirm: Confirm = False
    pending: PendingId = None
    pick: Pick = None
    form: Annotated[bool, Arg(help="show the form")] = False


async def move(ctx: Context, args: MoveArgs) -> Reply:
    meet = await load(ctx, args.id, lock=True)
    await require_organiser(ctx, meet, "move")
    services.require_open(meet, ctx.now(), "move it")
    if args.form or (args.pending is None and not args.start):
        if args.pending is not None:
            await _answered(ctx, "teachmeet move", args.pending, None, keep=True)
        return Reply(blocks=(Text(f"When should #{meet.id} start instead?"),),
                     form=replies.move_form(meet, _start_phrase(meet)))
    if args.pending is not None:
        kept = await _answered(ctx, "teachmeet move", args.pending, args.pick)
        edit_args = _reread(EditArgs, {**kept, "id": meet.id, "confirm": args.confirm,
                                       "scope": args.scope or kept.get("scope")})
    else:
        edit_args = EditArgs(id=args.id, start=args.start, scope=args.scope,
                             confirm=args.confirm)
    return await _apply(ctx, meet, edit_args, command="teachmeet move")


@dataclass
class _Changes:
    values: dict[str, Any]
    exact: dict[str, Any]
    """Arguments that make these changes again, exactly (for the preview's buttons)."""


async def _changes(ctx: Context, meet: TeachMeet, args: EditArgs,
                   command: str) -> _Changes | Reply:
    """Validate every change first (nothing is applied here)."""
    now = ctx.now()
    values: dict[str, Any] = {}
    exact: dict[str, Any] = {"id": meet.id}
    if args.scope:
        exact["scope"] = args.scope
    if args.start is not None:
        reading = _reading(args.start, now=now, tz=meet.timezone)
        if isinstance(reading, Ask):
            base = {k: v for k, v in args.model_dump(exclude=_CONTROL | {"start"},
                                                     exclude_none=True).items()}
            return await _ask(ctx, command, reading, {**base, "id": meet.id,
                                                      **({"scope": args.scope}
                                                         if args.scope else {})},
                              today=_today(now, await reader_timezone(ctx)))
        if reading.repeat is not None:
            raise UserError("A move takes one new time. To change how a teach-meet repeats, "
                            f"cancel the rest (`teachmeet cancel {meet.id} scope=rest`) and "
                            "create it again.", field="start")
        values.update(starts_at=reading.start.astimezone(ZoneInfo("UTC")),
                      timezone=reading.zone)
        exact["start"] = When(reading.start, reading.zone).canonical()
        if reading.minutes is not None and args.duration is None:
            values["duration_minutes"] = reading.minutes
            exact["duration"] = f"{reading.minutes}m"
    if args.duration is not None:
        values["duration_minutes"] = _minutes(args.duration)
        exact["duration"] = args.duration
    if args.title is not None:
        if not args.title:
            raise UserError("The title can't be empty.", field="title")
        values["title"] = exact["title"] = args.title
    if args.where:  # a link replaces the link, a place the venue; the other stays
        venue, link = _place(args.where)
        values["online_url" if link else "venue"] = link or venue
        exact["link" if link else "venue"] = link or venue
    for name, column in (("venue", "venue"), ("link", "online_url"), ("region", "region"),
                         ("description", "description")):
        value = getattr(args, name)
        if value is not None:
            values[column] = exact[name] = value
    if "capacity" in args.model_fields_set:
        values["capacity"] = args.capacity
        if args.capacity is not None:
            exact["capacity"] = args.capacity
        else:
            exact["capacity"] = ""
    if args.slots is not None:
        slots = _slots(ctx, args.slots)
        talks = await TeachMeetRepository(ctx.session).talks(meet.id)
        for kind in {t.kind for t in talks}:
            wanted = next((s["count"] for s in slots if s["type"] == kind), 0)
            taken = sum(1 for t in talks if t.kind == kind)
            if wanted < taken:
                raise UserError(f"{taken} {kind} talks are already claimed at #{meet.id}; "
                                f"keep at least {taken} {kind} slots.", field="slots")
        values["slots"] = slots
        exact["slots"] = slots_phrase(slots)
    changed = {k: v for k, v in values.items() if getattr(meet, k) != v}
    return _Changes(changed, exact)


async def _apply(ctx: Context, meet: TeachMeet, args: EditArgs, *, command: str) -> Reply:
    """Preview a move (or any change to a series meeting that has not said which meetings)
    first; apply everything, or nothing, once confirmed."""
    now = ctx.now()
    found = await _changes(ctx, meet, args, command)
    if isinstance(found, Reply):
        return found
    changes = found.values
    if not changes:
        return Reply(blocks=(Text(f"Nothing changed: #{meet.id} already says that."),))
    moving = "starts_at" in changes
    in_series = meet.series_id is not None
    people = await roster(ctx.session, meet)
    me = await ctx.member()
    settled = args.confirm and (args.scope is not None or not in_series)
    if (moving or (in_series and args.scope is None)) and not settled:
        action = await _pending(ctx, command, found.exact)
        tz = await reader_timezone(ctx)
        buttons = _confirm_buttons(command, meet, action.id, moving=moving, in_series=in_series)
        return replies.change_preview(meet, changes, tz, told=len(people.signed_up() - {me.id}),
                                      buttons=buttons, in_series=in_series)
    if in_series and args.scope == "rest":
        return await _apply_rest(ctx, meet, changes, now)
    return await _apply_one(ctx, meet, changes, people, now)


def _confirm_buttons(command: str, meet: TeachMeet, pending: int, *, moving: bool,
                     in_series: bool) -> tuple[Button, ...]:
    verb = "Move" if moving else "Change"
    args = {"id": meet.id, "pending": pending, "confirm": True}
    if in_series:
        out = (Button(f"{verb} this one", command, {**args, "scope": "this"}, style="primary"),
               Button(f"{verb} this and later ones", command, {**args, "scope": "rest"}))
    else:
        out = (Button(verb, command, args, style="primary"),)
    if command == "teachmeet move":
        out += (Button("Change", command, {"id": meet.id, "pending": pending, "form": True}),)
    return out


_LABELS = {"duration_minutes": "length", "venue": "venue", "online_url": "online link",
           "title": "title"}


async def _apply_one(ctx: Context, meet: TeachMeet, changes: dict[str, Any], people: Any,
                     now: datetime) -> Reply:
    before = _snapshot(meet)
    old_start = meet.starts_at
    going_now = len(people.with_answer("going"))
    for name, value in changes.items():
        setattr(meet, name, value)
    meet.sequence += 1
    meet.updated_at = now
    await ctx.session.flush()
    changed = list(changes)
    if "starts_at" in changed:
        await services.plan_reminders(ctx.session, ctx.settings, meet, now)
    elif "duration_minutes" in changed:
        await services.plan_followup(ctx.session, meet)
    if "capacity" in changed:
        await services.promote(ctx, meet)
    ctx.audit("teachmeet.move" if changed in (["starts_at"], ["starts_at", "timezone"])
              else "teachmeet.edit", f"teachmeet:{meet.id}", before=before,
              after=_snapshot(meet))
    me = await ctx.member()
    tell = people.signed_up() - {me.id}
    shown = [_LABELS[c] for c in changed if c in _LABELS]
    if "starts_at" in changed:
        await notify_members(ctx, tell, lambda tz: replies.moved_notice(meet, tz, old_start))
    elif shown:
        await notify_members(ctx, tell, lambda tz: replies.updated_notice(meet, tz, shown))
    card = await services.card(ctx, meet)
    verb = "Moved" if "starts_at" in changed else "Updated"
    told = tell and ("starts_at" in changed or shown)
    notes: list[Block] = []
    if "capacity" in changed and meet.capacity is not None and going_now > meet.capacity:
        notes.append(Text(f"Note: {going_now} people are already going, more than the "
                          f"{meet.capacity} places; nobody loses their place, and nobody more "
                          "gets one until some drop out."))
    return Reply(blocks=(Text(f"{verb} #{meet.id}; {len(tell)} people who signed up have been "
                              "told." if told else f"{verb} #{meet.id}."), *notes,
                         *card.blocks), tone="warning" if notes else "success")


async def _apply_rest(ctx: Context, meet: TeachMeet, changes: dict[str, Any],
                      now: datetime) -> Reply:
    """Change this meeting and every later one of its series."""
    repo = TeachMeetRepository(ctx.session)
    assert meet.series_id is not None
    owner = await repo.series(meet.series_id, lock=True)
    assert owner is not None
    zone = ZoneInfo(changes.get("timezone", meet.timezone))
    new_start = changes.get("starts_at", meet.starts_at).astimezone(zone)
    old_start = meet.starts_at.astimezone(zone)
    later = await repo.meetings(owner.id, since=meet.recurrence_id)
    remaining = sum(1 for m in later) if "COUNT" in owner.rule else None
    rule = series.fitted_rule(owner.rule, old_start, new_start, remaining=remaining)
    if rule is None:
        raise UserError("A monthly teach-meet on a given date can only move to the 1st–28th "
                        "(not every month has a 29th–31st).", field="start")
    before = [(m.id, m.starts_at) for m in later]
    signed_up: set[int] = set()
    for m in later:
        signed_up |= (await roster(ctx.session, m)).signed_up()
    carrier, changed = await series.split(ctx.session, ctx.settings, owner, meet, rule,
                                          new_start, changes, now)
    ctx.audit("teachmeet.series.change", f"teachmeet-series:{carrier.id}",
              before={"from": meet.id, "starts": [s.isoformat() for _, s in before]},
              after={"rule": carrier.rule, **{k: str(v) for k, v in changes.items()}})
    me = await ctx.member()
    tell = signed_up - {me.id}
    text = series.repeat_of(carrier).text
    shown = [_LABELS[c] for c in changes if c in _LABELS]
    await notify_members(ctx, tell, lambda tz: replies.series_changed_notice(
        meet, tz, text, moved="starts_at" in changes, changes=shown))
    return Reply(blocks=(
        Text(f"Changed #{meet.id} and the {len(changed) - 1} later meetings: now {text}. "
             f"{len(tell)} people who signed up have been told."),
        *(await services.card(ctx, meet)).blocks), tone="success")


# -- cancel ---------------------------------------------------------------------------------------
class CancelArgs(Args):
    id: MeetId
    reason: Annotated[str, Arg(help="why (told to everyone who signed up)", rest=True),
                      Field(max_length=REASON_MAX)] = ""
    confirm: Annotated[bool, Arg(help="yes, really cancel")] = False
    scope: Scope = None


async def cancel(ctx: Context, args: CancelArgs) -> Reply:
    meet = await load(ctx, args.id, lock=True)
    await require_organiser(ctx, meet, "cancel")
    if meet.status == "cancelled":
        raise UserError(f"Teach-meet #{meet.id} is already cancelled.")
    services.require_open(meet, ctx.now(), "cancel it")
    people = await roster(ctx.session, meet)
    in_series = meet.series_id is not None
    if not args.confirm or (in_series and args.scope is None):
        return replies.confirm_cancel(meet, args.reason, len(people.signed_up()),
                                      in_series=in_series)
    if in_series and args.scope == "rest":
        return await _cancel_rest(ctx, meet, args.reason)
    before = _snapshot(meet)
    me = await ctx.member()
    tell, stopped = await services.cancel_meet(ctx, meet, args.reason, not_told={me.id})
    ctx.audit("teachmeet.cancel", f"teachmeet:{meet.id}", before=before,
              after={**_snapshot(meet), "reason": args.reason})
    told = ("Nobody else had signed up" if not tell else "1 person who signed up has been "
            "told" if len(tell) == 1 else f"{len(tell)} people who signed up have been told")
    stop = ("no reminders were due" if not stopped else "1 reminder will not go out"
            if stopped == 1 else f"{stopped} reminders will not go out")
    return Reply(blocks=(Text(f"Cancelled #{meet.id} {meet.title}. {told}; {stop}."),),
                 tone="success")


async def _cancel_rest(ctx: Context, meet: TeachMeet, reason: str) -> Reply:
    repo = TeachMeetRepository(ctx.session)
    assert meet.series_id is not None
    owner = await repo.series(meet.series_id, lock=True)
    assert owner is not None
    later = await repo.meetings(owner.id, since=meet.recurrence_id)
    signed_up: set[int] = set()
    for m in later:
        if m.status == "scheduled":
            signed_up |= (await roster(ctx.session, m)).signed_up()
    cancelled = await series.end_from(ctx.session, owner, meet, reason, ctx.now())
    ctx.audit("teachmeet.series.cancel", f"teachmeet-series:{owner.id}",
              after={"from": meet.id, "cancelled": [m.id for m in cancelled],
                     "reason": reason})
    me = await ctx.member()
    tell = signed_up - {me.id}
    await notify_members(ctx, tell, lambda tz: replies.series_cancelled_notice(
        meet, tz, len(cancelled), reason))
    channel = services.channel_of(meet)
    if channel is not None:
        ctx.notify(channel, replies.series_cancelled_notice(meet, meet.timezone,
                                                            len(cancelled), reason))
    return Reply(blocks=(Text(f"Cancelled #{meet.id} {meet.title} and the "
                              f"{len(cancelled) - 1} later meetings. {len(tell)} people who "
                              "signed up have been told."),), tone="success")


# -- answers and talks -------------------------------------------------------------------------
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


# -- calendars ------------------------------------------------------------------------------------
class IcsArgs(Args):
    id: MeetId
    series: Annotated[bool, Arg(help="yes: the whole repeating teach-meet")] = False


async def ics(ctx: Context, args: IcsArgs) -> Reply:
    meet = await load(ctx, args.id)
    repo = TeachMeetRepository(ctx.session)
    deployment = await repo.deployment_id()
    if args.series and meet.series_id is not None:
        owner = await repo.series(meet.series_id)
        assert owner is not None
        content = calendar.calendar(calendar.series_events(
            owner, await repo.meetings(owner.id), deployment))
        return Reply(blocks=(Text(f"Calendar file for every meeting of {meet.title} "
                                  f"({series.repeat_of(owner).text})."),),
                     attachment=Attachment(calendar.filename(meet, series=True), content,
                                           calendar.MIME_TYPE))
    content = calendar.calendar([calendar.event(meet, deployment)])
    state = " (cancelled: importing it removes the entry)" if meet.status == "cancelled" else ""
    more = (f" For every meeting: `teachmeet ics {meet.id} series=yes`."
            if meet.series_id is not None else "")
    return Reply(blocks=(Text(f"Calendar file for #{meet.id} {meet.title}{state}. Open it to "
                              f"add or update the entry in your calendar.{more}"),),
                 attachment=Attachment(calendar.filename(meet), content, calendar.MIME_TYPE))


class FeedArgs(Args):
    pass


async def feed(ctx: Context, args: FeedArgs) -> Reply:
    member = await ctx.member()
    repo = TeachMeetRepository(ctx.session)
    mine = await repo.feed_of(member.id)
    if mine is None:
        mine = await repo.new_feed(member.id, ctx.now())
    return replies.feed_links(feeds.personal_links(ctx.settings, mine.token),
                              feeds.shared_links(ctx.settings, member.region))


class FeedResetArgs(Args):
    confirm: Annotated[bool, Arg(help="yes, make a new address")] = False


async def feed_reset(ctx: Context, args: FeedResetArgs) -> Reply:
    if not args.confirm:
        return replies.confirm_feed_reset()
    member = await ctx.member()
    mine = await TeachMeetRepository(ctx.session).new_feed(member.id, ctx.now())
    ctx.audit("teachmeet.feed.reset", f"member:{member.id}")
    return replies.feed_links(feeds.personal_links(ctx.settings, mine.token), (),
                              reset=True)


async def digest(request: DigestRequest) -> list[Block]:
    """The weekly digest's teach-meet section: what is coming up soon, new ones marked."""
    settings = request.services.settings
    until = request.until + timedelta(days=settings.teachmeets.digest_days)
    meets, _ = await TeachMeetRepository(request.session).upcoming_page(
        now=request.until, limit=settings.teachmeets.list_limit)
    meets = [m for m in meets if m.starts_at < until]
    return replies.digest(meets, settings.network.timezone, since=request.since)


def _schedule(scheduler: Any) -> None:
    services.register(scheduler)
    series.register(scheduler)


_ID = "<id>"
CAPABILITY = Capability(
    name="teachmeets",
    title="Teach-meets",
    topics=("teachmeets", "teachmeet", "teach-meets", "events"),
    forget=forget_teachmeets,
    leave=leave_teachmeets,
    export=export_teachmeets,
    http=feeds.routes,
    commands=[
        Command(name="teachmeet create", handler=create, args=CreateArgs,
                aliases=("teachmeet new",),
                summary="Organise a teach-meet, one-off or repeating (with no details: a form).",
                usage="teachmeet create <title> <when> [for <length>] [at <venue>] "
                      "[capacity=N] [slots=\"4 nano, 3 micro\"] [confirm=yes] [-- description]",
                description="Times are read in your time zone (or the network's) unless you "
                            "name one; unclear ones are asked about. You see a preview first; "
                            "`confirm=yes` skips it. Reminders go out before each meeting.",
                examples=("teachmeet create Autumn TeachMeet next Tuesday 4pm for 2h at "
                          "Cardiff Central Library capacity=40 slots=\"4 nano, 3 micro\"",
                          "teachmeet create Digital leaders every first Thursday of the month "
                          "4-6pm at https://meet.example.org/dl",
                          "teachmeet create \"Digital leaders\" start=\"2026-12-03 16:00 "
                          "Europe/London\" link=https://meet.example.org/dl region=Wales")),
        Command(name="teachmeet list", handler=list_meets, args=ListArgs,
                aliases=("teachmeets", "teachmeet"),
                summary="Upcoming teach-meets, optionally by region.",
                usage="teachmeet list [region] [page=N]",
                examples=("teachmeet list", "teachmeets Wales", "teachmeet list page=2")),
        Command(name="teachmeet show", handler=show, args=IdArgs,
                summary="A teach-meet's card: when, where, who is going, the running order.",
                usage=f"teachmeet show {_ID}", examples=("teachmeet show 12",)),
        Command(name="teachmeet edit", handler=edit, args=EditArgs,
                summary="Change a teach-meet (organiser or moderator).",
                usage=f"teachmeet edit {_ID} [title=...] [start=...] [duration=...] "
                      "[where=...] [region=...] [capacity=N] [slots=...] [scope=this|rest]",
                examples=("teachmeet edit 12 capacity=60", "teachmeet edit 12 where=\"Room 2\"",
                          "teachmeet edit 12 venue=\"Hall\" scope=rest")),
        Command(name="teachmeet move", handler=move, args=MoveArgs,
                summary="Move a teach-meet to a new time (preview first); everyone signed up "
                        "is told once you confirm.",
                usage=f"teachmeet move {_ID} <when> [scope=this|rest] [confirm=yes]",
                examples=("teachmeet move 12 next Thursday 4pm",
                          "teachmeet move 12 Thursday 5pm scope=rest")),
        Command(name="teachmeet cancel", handler=cancel, args=CancelArgs,
                summary="Cancel a teach-meet (asks first); everyone signed up is told.",
                usage=f"teachmeet cancel {_ID} [reason] [scope=this|rest]",
                examples=("teachmeet cancel 12 Venue flooded, sorry!",)),
        Command(name="teachmeet rsvp", handler=rsvp, args=RsvpArgs,
                summary="Answer going, maybe or not going.",
                usage=f"teachmeet rsvp {_ID} going|maybe|not going",
                examples=("teachmeet rsvp 12 going", "teachmeet rsvp 12 not going")),
        Command(name="teachmeet going", handler=going, args=GoingArgs,
                summary="Say you're going (or join the waitlist when it's full).",
                usage="teachmeet going <id or title words>",
                examples=("teachmeet going 12", "teachmeet going autumn teachmeet")),
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
        Command(name="teachmeet draw", handler=draw, args=IdArgs,
                summary="Pick the next presenter at random (organiser or moderator).",
                usage=f"teachmeet draw {_ID}", examples=("teachmeet draw 12",)),
        Command(name="teachmeet addtalk", handler=followups.add_talk,
                args=followups.AddTalkArgs, hidden=True,
                summary="Add your talk at a teach-meet to your profile (from its invitation).",
                usage="teachmeet addtalk <invitation> [slides=<link>]",
                examples=("teachmeet addtalk 7 slides=https://example.org/slides",)),
        Command(name="teachmeet try", handler=followups.try_after, args=followups.TryArgs,
                hidden=True, summary="After a teach-meet you went to: note what you'll try.",
                usage="teachmeet try <number> <what you'll try>",
                examples=("teachmeet try 8 Exit tickets on Padlet with year 9",)),
        Command(name="teachmeet ics", handler=ics, args=IcsArgs, aliases=("teachmeet calendar",),
                summary="A calendar (.ics) file for a teach-meet (series=yes: every meeting).",
                usage=f"teachmeet ics {_ID} [series=yes]", examples=("teachmeet ics 12",)),
        Command(name="teachmeet feed", handler=feed, args=FeedArgs,
                summary="Calendar feeds to subscribe to: your teach-meets, the network's, "
                        "your region's.",
                usage="teachmeet feed", examples=("teachmeet feed",)),
        Command(name="teachmeet feed reset", handler=feed_reset, args=FeedResetArgs,
                summary="A new address for your personal feed (the old one stops working).",
                usage="teachmeet feed reset [confirm=yes]"),
    ],
    schedule=_schedule,
    digest=digest,
)
