"""`meet <topic>`: a double opt-in introduction to someone who has done it.

The asker picks from the best matches; the expert is asked privately and nothing opens
until they accept. A decline reaches the asker only as "not available right now". "Not now"
keeps the request open and reminds the expert once, `meet_later_days` later (due work, so
it survives restarts), extending the request if it would lapse before then; Accept and
Decline still work afterwards. The expert can answer by button or by typing (`yes`, `no`,
`not now`): the request message asks them as a question. A request is expired exactly when
the clock reaches `expires_at`: by due work at that moment, or lazily when someone presses a
button later, whichever comes first.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field
from sqlalchemy import select

from bot.commands import ID_RANGE, Arg, Args
from bot.context import Context
from bot.conversation import Conversation
from bot.errors import NotAllowed, UserError
from bot.expertise.commands import find, tidy_query
from bot.expertise.replies import entry_line, member_title
from bot.introductions.common import connect, describe, local_time, month_start, reach
from bot.members import resolve_member
from bot.notifier import Destination, Undeliverable
from bot.paging import PageArg, page_of, window
from bot.replies import Actions, Button, ItemList, ListItem, Reply, Text, choose
from bot.replies import Context as SmallPrint
from storage.models import DueWork, MeetRequest, Member
from storage.models.introductions import TOPIC_MAX
from storage.repositories.due_work import DueWorkRepository
from storage.repositories.introductions import (
    MEET_EXPIRY_KIND,
    MEET_LATER_KIND,
    IntroductionsRepository,
    later_key,
    meet_key,
)

if TYPE_CHECKING:
    from bot.context import Services
    from bot.settings import Settings

log = logging.getLogger(__name__)
LATER_GRACE = timedelta(days=1)
"""After the "Not now" reminder, the request stays open at least this long."""


class MeetArgs(Args):
    topic: Annotated[str, Arg(help="what you want to hear about", rest=True),
                     Field(min_length=1, max_length=TOPIC_MAX)]


class AskArgs(Args):
    member: Annotated[str, Arg(help="who to ask"), Field(min_length=1, max_length=200)]
    topic: Annotated[str, Arg(help="what about", rest=True),
                     Field(min_length=1, max_length=TOPIC_MAX)]


class AnswerArgs(Args):
    request: Annotated[int, Arg(help="the request's number", numbers="meet request"),
                       ID_RANGE]
    answer: Annotated[Literal["accept", "decline", "later"], Arg(help="accept, decline or later")]


def not_available(name: str, topic: str) -> str:
    return (f"{name} is not available right now. Try `meet {topic}` to ask someone else.")


async def _unavailable(ctx: Context, expert_ids: list[int]) -> set[int]:
    """Experts who paused requests or reached this month's limit."""
    repo = IntroductionsRepository(ctx.session)
    limit = ctx.settings.introductions.meet_monthly_limit
    counts = await repo.received_since(expert_ids, month_start(ctx.now()))
    full = {m for m, n in counts.items() if n >= limit}
    return full | await repo.meet_paused(expert_ids)


async def meet(ctx: Context, args: MeetArgs) -> Reply:
    me = await ctx.member()
    topic = tidy_query(args.topic)
    choices = ctx.settings.introductions.meet_choices
    everyone = await find(ctx, topic, None, choices * 3)
    found = [f for f in everyone if f.member.id != me.id]
    if everyone and not found:
        raise UserError(f"Only you have logged “{topic}” so far, so there is nobody else to "
                        "ask yet.")
    if not found:
        raise UserError(f"Nobody has logged “{topic}” yet, so there is nobody to ask. Try "
                        "other words, or `whodone` to browse.")
    away = await _unavailable(ctx, [f.member.id for f in found])
    reachable = {f.member.id for f in found if await ctx.directory.identities(f.member.id)}
    found = [f for f in found if f.member.id not in away and f.member.id in reachable][:choices]
    if not found:
        raise UserError(f"Everyone who has done “{topic}” is not available right now. Try "
                        "again later, or `whodone` to read what they did.")
    asks = [Button(f"Ask {f.member.name}", "meet-ask",
                   {"member": f.member.handle, "topic": topic}, style="primary")
            for f in found]
    items = tuple(ListItem(
        member_title(f.member), "\n".join(f"• {entry_line(e)}" for e in f.entries),
        buttons=(ask,)) for f, ask in zip(found, asks, strict=True))
    pick = ("Say its number or the name" if len(asks) > 1 else "Say `1` or the name")
    return Reply(blocks=(
        ItemList(items, title=f"Who could tell you about “{topic}”"),
        SmallPrint(f"Pick one ({pick.lower()}): I'll ask them privately, and open a "
                   "conversation only if they accept."),
    ), question=choose(f"Whom shall I ask about {topic}?", asks, words={
        i: (f.member.name, f.member.handle, f.member.name.split()[0])
        for i, f in enumerate(found)}))


async def ask(ctx: Context, args: AskArgs) -> Reply:
    me = await ctx.member()
    expert = await resolve_member(ctx, args.member)
    if expert.id == me.id:
        raise UserError("You can't ask yourself for an introduction.")
    repo = IntroductionsRepository(ctx.session)
    if expert.id in await _unavailable(ctx, [expert.id]):
        raise UserError(not_available(expert.name, args.topic))
    now = ctx.now()
    pending = await repo.pending_between(me.id, expert.id)
    if pending is not None and now >= pending.expires_at:  # expired, the scheduler not yet run
        pending.status, pending.answered_at = "expired", now
        await DueWorkRepository(ctx.session).cancel(MEET_EXPIRY_KIND, [meet_key(pending.id)])
    elif pending is not None:
        until = local_time(pending.expires_at, me, ctx.settings.network.timezone)
        raise UserError(f"You have already asked {expert.name}; they have until {until} to "
                        "answer.")
    where = (ctx.caller.platform, ctx.caller.space_id)
    destination = reach(await ctx.directory.identities(expert.id), where)
    if destination is None:
        raise UserError(not_available(expert.name, args.topic))
    expires = now + timedelta(days=ctx.settings.introductions.meet_expiry_days)
    request = await repo.add_request(MeetRequest(
        asker_id=me.id, expert_id=expert.id, topic=args.topic, platform=where[0],
        space_id=where[1], status="pending", created_at=now, expires_at=expires))
    await DueWorkRepository(ctx.session).plan(MEET_EXPIRY_KIND, meet_key(request.id), expires,
                                              {"request_id": request.id})
    services, request_id, name, topic = ctx.services, request.id, expert.name, args.topic

    async def withdraw(exc: Undeliverable) -> Reply:
        """The expert never saw it: the request is gone, as if never made (it neither
        blocks asking again nor counts against their monthly limit)."""
        async with services.db.unit_of_work() as session:
            stale = await session.get(MeetRequest, request_id)
            if stale is not None:
                await session.delete(stale)
            await DueWorkRepository(session).cancel(MEET_EXPIRY_KIND, [meet_key(request_id)])
        return Reply(blocks=(
            Text(f"I couldn't ask {name} privately: {exc.reason} Nothing was sent, so I've "
                 "withdrawn the request."),
            SmallPrint(f"`meet {topic}` shows who else could tell you about it."),
        ), tone="warning")

    ctx.notify(destination, request_message(request, me, expert, ctx.settings, now=now),
               about=expert.name, if_undeliverable=withdraw)
    return Reply(blocks=(Text(f"I've asked {expert.name} privately. If they accept, I'll open a "
                              "conversation between you."),
                         SmallPrint(f"Requests expire after "
                                    f"{ctx.settings.introductions.meet_expiry_days:g} days.")),
                 tone="success")


ANSWERS = (("Accept", "accept", "primary",
            ("yes", "y", "ok", "okay", "sure", "happy to", "yes please", "go ahead",
             "of course", "gladly", "accept it")),
           ("Decline", "decline", "default",
            ("no", "n", "no thanks", "nope", "not interested", "sorry no", "decline it")),
           ("Not now", "later", "default",
            ("later", "maybe later", "not right now", "another time", "remind me later",
             "ask me later", "busy", "snooze", "not yet")))


def introduced(member: Member) -> str:
    """"Ann Jones, a computing lead in Camden," (the closing comma, when there is a
    description, so a sentence can go on after it)."""
    described = describe(member)
    return described + ("," if described != member.name else "")


def request_message(request: MeetRequest, asker: Member, expert: Member, settings: Settings,
                    *, now: datetime, reminder: bool = False) -> Reply:
    """What the expert is asked (and reminded of): the buttons, and the same answers by
    typing, for as long as the request is open."""
    who = introduced(asker)
    buttons = tuple(Button(label, "meet-answer", {"request": request.id, "answer": answer},
                           style=style) for label, answer, style, _ in ANSWERS)
    lead = "A reminder: " if reminder else ""
    until = local_time(request.expires_at, expert, settings.network.timezone)
    later = ("Not now keeps it open; I won't remind you again." if reminder else
             "Not now keeps it open and I'll remind you once.")
    minutes = max(1.0, (request.expires_at - now).total_seconds() / 60)
    return Reply(blocks=(
        Text(f"{lead}{who} would like to hear about your {request.topic}."),
        Actions(buttons),
        SmallPrint(f"Only if you accept will I open a conversation between you. {later} "
                   f"Reply `yes`, `no` or `not now`; this request is open until {until}. "
                   "`meet pause` stops requests."),
    ), question=choose(f"Will you talk with {asker.name} about {request.topic}?", buttons,
                       minutes=minutes, words={i: a[3] for i, a in enumerate(ANSWERS)}))


async def _tell_asker(ctx: Context, request: MeetRequest, expert: Member) -> None:
    destination = reach(await ctx.directory.identities(request.asker_id),
                        (request.platform, request.space_id))
    if destination is not None:
        asker = await ctx.directory.get(request.asker_id)
        ctx.notify(destination, Reply(blocks=(Text(not_available(expert.name,
                                                                  request.topic)),)),
                   about=asker.name if asker else "")


async def answer(ctx: Context, args: AnswerArgs) -> Reply:
    me = await ctx.member()
    repo = IntroductionsRepository(ctx.session)
    request = await repo.request(args.request)
    if request is None:
        raise UserError(f"There is no meet request #{args.request}.")
    if request.expert_id != me.id:
        raise NotAllowed("Only the person who was asked can answer this request.")
    if request.status != "pending":
        state = "has expired" if request.status == "expired" else "was already answered"
        raise UserError(f"This request {state}.")
    asker = await ctx.directory.get(request.asker_id)
    assert asker is not None  # the foreign key deletes requests with their asker
    now = ctx.now()
    due = DueWorkRepository(ctx.session)
    if now >= request.expires_at:
        request.status, request.answered_at = "expired", now
        await due.cancel(MEET_EXPIRY_KIND, [meet_key(request.id)])
        await _tell_asker(ctx, request, me)
        when = local_time(request.expires_at, me, ctx.settings.network.timezone)
        return Reply(blocks=(Text(f"This request expired on {when}, so I haven't passed "
                                  "anything on."),),
                     tone="warning")
    if args.answer == "later":
        return await _later(ctx, request, me, asker)
    await due.cancel(MEET_EXPIRY_KIND, [meet_key(request.id)])
    await due.cancel(MEET_LATER_KIND, [later_key(request.id)])
    request.answered_at = now
    if args.answer == "accept":
        request.status = "accepted"
        message = Reply(blocks=(Text(f"{describe(me)} has agreed to talk with {describe(asker)} "
                                     f"about {request.topic}. Over to you both!"),))
        await connect(ctx, [asker, me], message, (request.platform, request.space_id))
        return Reply(blocks=(Text(f"Thank you! I've opened a conversation with {asker.name}."),),
                     tone="success")
    request.status = "declined"
    await _tell_asker(ctx, request, me)
    return Reply(blocks=(Text(f"No problem. I've told {asker.name} you're not available right "
                              "now — they won't see that you declined."),
                         SmallPrint("`meet pause` stops all requests until `meet resume`.")))


async def _later(ctx: Context, request: MeetRequest, me: Member, asker: Member) -> Reply:
    """"Not now": the request stays open, the asker is told nothing, and the expert is
    reminded once (extending the request so the reminder comes before it lapses)."""
    tz = ctx.settings.network.timezone
    key = later_key(request.id)
    if await IntroductionsRepository(ctx.session).work_exists(MEET_LATER_KIND, key):
        until = local_time(request.expires_at, me, tz)
        return Reply(blocks=(Text(f"OK. {asker.name}'s request stays open until {until}; I "
                                  "won't remind you again."),
                             SmallPrint("`meet requests` shows it when you're ready.")))
    due = DueWorkRepository(ctx.session)
    remind_at = ctx.now() + timedelta(days=ctx.settings.introductions.meet_later_days)
    if request.expires_at < remind_at + LATER_GRACE:
        request.expires_at = remind_at + LATER_GRACE
        await due.plan(MEET_EXPIRY_KIND, meet_key(request.id), request.expires_at,
                       {"request_id": request.id})
    await due.plan(MEET_LATER_KIND, key, remind_at, {"request_id": request.id})
    return Reply(blocks=(
        Text(f"OK, I'll remind you on {local_time(remind_at, me, tz)}. {asker.name} hasn't "
             "been told anything; you can still accept or decline whenever you're ready."),
        SmallPrint("`meet requests` shows the requests waiting for you."),
    ), tone="success")


async def set_paused(ctx: Context, paused: bool) -> Reply:
    me = await ctx.member()
    prefs = await IntroductionsRepository(ctx.session).prefs_for_update(me.id)
    prefs.meet_paused = paused
    if paused:
        return Reply(blocks=(Text("Meet requests are paused: nobody can ask you for an "
                                  "introduction until you say `meet resume`."),), tone="success")
    return Reply(blocks=(Text("Meet requests are back on."),), tone="success")


async def pause(ctx: Context, _args: Args) -> Reply:
    return await set_paused(ctx, True)


async def resume(ctx: Context, _args: Args) -> Reply:
    return await set_paused(ctx, False)


async def remind_later(services: Services, work: DueWork) -> None:
    """Due work after "Not now": ask the expert again, once, unless they have answered."""
    now = services.clock.now()
    async with services.db.unit_of_work() as session:
        repo = IntroductionsRepository(session)
        request = await repo.request(int(work.payload.get("request_id", 0)))
        if request is None or request.status != "pending" or now >= request.expires_at:
            return
        asker = await session.get(Member, request.asker_id)
        expert = await session.get(Member, request.expert_id)
        assert asker is not None and expert is not None  # deleted with their requests
        destination = reach(await repo.identities(expert.id),
                            (request.platform, request.space_id))
        if destination is None:
            return
        message = request_message(request, asker, expert, services.settings, now=now,
                                  reminder=True)
        if message.question is not None and destination.user_id:
            await Conversation(services).ask(session, (destination.platform,
                                                       destination.space_id,
                                                       destination.user_id), message.question)
    await services.notifier.send(destination, message)


class RequestsArgs(Args):
    page: PageArg = 1


async def requests(ctx: Context, args: RequestsArgs) -> Reply:
    """`meet requests`: requests waiting for the caller's answer, then the caller's own
    requests still waiting for someone else's."""
    me = await ctx.member()
    now = ctx.now()
    tz = ctx.settings.network.timezone
    open_ = [r for r in await IntroductionsRepository(ctx.session).requests_of(me.id)
             if r.status == "pending" and r.expires_at > now]
    open_.sort(key=lambda r: (r.expert_id != me.id, r.created_at, r.id))
    at = window(args.page, ctx.settings.conversation.page_size)
    shown = open_[at.offset:at.offset + at.size]
    others = {m.id: m for m in await ctx.session.scalars(select(Member).where(Member.id.in_(
        {r.asker_id if r.expert_id == me.id else r.expert_id for r in shown})))}
    items = []
    for request in shown:
        until = local_time(request.expires_at, me, tz)
        if request.expert_id == me.id:
            asker = others[request.asker_id]
            items.append(ListItem(
                f"From {asker.name}: “{request.topic}”",
                f"{introduced(asker)} would like to hear about it; open until {until}.",
                buttons=tuple(Button(label, "meet-answer",
                                     {"request": request.id, "answer": answer}, style=style)
                              for label, answer, style, _ in ANSWERS)))
        else:
            expert = others[request.expert_id]
            items.append(ListItem(f"To {expert.name}: “{request.topic}”",
                                  f"Waiting for their answer until {until}."))
    page = page_of(items, at, total=len(open_), title="Meet requests", noun="requests",
                   command="meet requests",
                   empty="No meet requests are waiting: none for you to answer, and none of "
                         "yours waiting for an answer. `meet <topic>` asks someone.")
    return Reply(blocks=page.blocks, question=page.question)


async def expire(services: Services, work: DueWork) -> None:
    """Due work at `expires_at`: tell the asker, unless the expert answered in time."""
    now = services.clock.now()
    destination: Destination | None = None
    async with services.db.unit_of_work() as session:
        repo = IntroductionsRepository(session)
        request = await repo.request(int(work.payload.get("request_id", 0)))
        if request is None or request.status != "pending" or now < request.expires_at:
            return
        request.status, request.answered_at = "expired", now
        expert = await session.get(Member, request.expert_id)
        assert expert is not None  # the foreign key deletes requests with their expert
        identities = await repo.identities(request.asker_id)
        destination = reach(identities, (request.platform, request.space_id))
        text = not_available(expert.name, request.topic)
    if destination is not None:
        await services.notifier.send(destination, Reply(blocks=(Text(text),)))
