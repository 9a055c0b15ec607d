"""After a teach-meet: talks become knowledge.

When an event ends (due work planned with its reminders, moved with it, cancelled with it),
each presenter gets one private message inviting them to add their talk to their profile as
a done entry linked to the event (one click; a slides link optional, by form or typed), and
each attendee one asking what they'll try. Each invitation is a `TeachMeetFollowup` row,
unique per (event, member, role): however many copies run, or however often the due work
is retried, nobody is invited twice. Pressing a button re-checks everything: the
invitation must be the presser's own, still open, and not already used.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from sqlalchemy import delete, select, update

from bot.commands import ID_RANGE, Arg, Args
from bot.context import Context
from bot.conversation import Conversation
from bot.errors import NotAllowed, UserError
from bot.expertise.commands import check_link
from bot.expertise.replies import entry_line
from bot.notifier import Destination
from bot.replies import Actions, Button, Form, FormField, Reply, Text, choose
from bot.replies import Context as SmallPrint
from bot.teachmeets.services import ends_at
from storage.models import Identity, Member, TeachMeet, TeachMeetFollowup
from storage.models.directory import LINK_MAX, SUMMARY_MAX
from storage.repositories.teachmeets import TeachMeetRepository

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.context import Services
    from storage.models import DueWork

log = logging.getLogger(__name__)

GRACE = timedelta(days=3)
"""A follow-up is still worth sending this long after the event (downtime)."""
OPEN_DAYS = 30
"""How long an invitation can be answered."""
TAKEAWAY_MAX = 500
ADD_WORDS = ("yes", "y", "yes please", "ok", "okay", "sure", "add it", "add", "please do")
NO_WORDS = ("no", "n", "no thanks", "nope", "not now", "skip")


# -- sending ------------------------------------------------------------------------------------
def _reach(identities: list[Identity], meet: TeachMeet) -> Destination | None:
    """One private message: the account in the event's own space if there is one."""
    if not identities:
        return None
    chosen = next((i for i in identities if (i.platform, i.space_id)
                   == (meet.platform, meet.space_id)), identities[0])
    return Destination(chosen.platform, chosen.space_id, user_id=chosen.user_id)


def _day(moment: datetime, member: Member, fallback: str) -> str:
    try:
        zone = ZoneInfo(member.timezone or fallback)
    except (KeyError, ValueError):
        zone = ZoneInfo(fallback)
    return f"{moment.astimezone(zone):%d %B %Y}"


def presenter_message(invite: TeachMeetFollowup, meet: TeachMeet, title: str,
                      until: str) -> Reply:
    add = Button("Add to my profile", "teachmeet addtalk", {"invite": invite.id},
                 style="primary")
    no = Button("No thanks", "teachmeet addtalk", {"invite": invite.id, "answer": "no"})
    slides = Button("Add with a slides link", "teachmeet addtalk",
                    {"invite": invite.id, "form": True})
    return Reply(blocks=(
        Text(f"Thanks for presenting “{title}” at {meet.title}! Add it to your profile, so "
             "people searching for it find you?"),
        Actions((add, slides, no)),
        SmallPrint(f"It shows as “{title} — talk at {meet.title}”. Say `yes` or `no`, or "
                   f"type `teachmeet addtalk {invite.id} slides=<link>`. Open until {until}."),
    ), question=choose(f"Add “{title[:80]}” to your profile?", (add, no),
                       minutes=OPEN_DAYS * 24 * 60, words={0: ADD_WORDS, 1: NO_WORDS}))


def attendee_message(invite: TeachMeetFollowup, meet: TeachMeet, until: str) -> Reply:
    button = Button("Add what I'll try", "teachmeet try", {"invite": invite.id},
                    style="primary")
    return Reply(blocks=(
        Text(f"Thanks for coming to {meet.title}! Is there one thing you'll try after it? "
             "Noting it helps you remember, and it's yours alone (`mydata` shows it)."),
        Actions((button,)),
        SmallPrint(f"Or type `teachmeet try {invite.id} <what you'll try>`. Open until "
                   f"{until}."),
    ))


async def send_followups(services: Services, work: DueWork) -> None:
    """Due work at the event's end: invite each presenter and attendee, once.

    A cancelled or deleted event sends nothing, nor does one moved since this was planned
    (its follow-up was planned again for the new end). Invitations are recorded before
    anything is sent, in one unit of work with the questions they ask.
    """
    meet_id = int(work.payload["teachmeet_id"])
    now = services.clock.now()
    outbox: list[tuple[Destination, Reply]] = []
    fallback = services.settings.network.timezone
    async with services.db.unit_of_work() as session:
        repo = TeachMeetRepository(session)
        meet = await repo.get(meet_id)
        if meet is None or meet.status != "scheduled":
            log.info("no follow-up for teach-meet %s: gone or cancelled", meet_id)
            return
        if ends_at(meet) != work.due_at:
            log.info("no follow-up for teach-meet %s at %s: it has moved", meet_id,
                     work.due_at.isoformat())
            return
        talks = {t.member_id: t for t in await repo.talks(meet.id)}
        going = [r.member_id for r in await repo.rsvps(meet.id)
                 if r.answer == "going" and r.member_id not in talks]
        wanted = [(m, "presenter") for m in talks] + [(m, "attendee") for m in going]
        done = {(member_id, role) for member_id, role in await session.execute(
            select(TeachMeetFollowup.member_id, TeachMeetFollowup.role)
            .where(TeachMeetFollowup.teachmeet_id == meet.id))}
        ids = [m for m, _ in wanted]
        members, identities = await repo.members(ids), await repo.identities(ids)
        expires = now + timedelta(days=OPEN_DAYS)
        conversation = Conversation(services)
        for member_id, role in wanted:
            destination = _reach(identities[member_id], meet)
            if (member_id, role) in done or destination is None:
                continue
            invite = TeachMeetFollowup(teachmeet_id=meet.id, member_id=member_id, role=role,
                                       status="sent", takeaway="", sent_at=now,
                                       expires_at=expires)
            session.add(invite)
            await session.flush()
            until = _day(expires, members[member_id], fallback)
            message = (presenter_message(invite, meet, talks[member_id].title, until)
                       if role == "presenter" else attendee_message(invite, meet, until))
            if message.question is not None and destination.user_id:
                await conversation.ask(session, (destination.platform, destination.space_id,
                                                 destination.user_id), message.question)
            outbox.append((destination, message))
    for destination, message in outbox:
        try:
            await services.notifier.send(destination, message)
        except Exception:
            log.exception("could not deliver a teach-meet follow-up to %s", destination)


# -- answering ------------------------------------------------------------------------------------
async def _invitation(ctx: Context, invite_id: int, role: str) -> TeachMeetFollowup:
    """The caller's own open invitation, or a specific refusal."""
    me = await ctx.member()
    if ctx.session.bind.dialect.name == "sqlite":
        # no row locks: a no-op write takes the write lock now, so a second press (in any
        # copy) waits and then reads what the first one wrote
        await ctx.session.execute(
            update(TeachMeetFollowup).where(TeachMeetFollowup.id == invite_id)
            .values(status=TeachMeetFollowup.status)
            .execution_options(synchronize_session=False))
    invite = await ctx.session.scalar(
        select(TeachMeetFollowup).where(TeachMeetFollowup.id == invite_id).with_for_update()
        .execution_options(populate_existing=True))
    what = "talk invitation" if role == "presenter" else "teach-meet follow-up"
    if invite is None or invite.role != role:
        raise UserError(f"There is no {what} #{invite_id}.", field="invite")
    if invite.member_id != me.id:
        raise NotAllowed(f"That {what} was sent to someone else, so only they can answer it.")
    return invite


def _expired(ctx: Context, invite: TeachMeetFollowup) -> bool:
    return ctx.now() >= invite.expires_at


class AddTalkArgs(Args):
    invite: Annotated[int, Arg(help="the invitation's number, from its message",
                                  numbers="invitation"), ID_RANGE]
    slides: Annotated[str | None, Arg(help="a link to your slides"),
                      Field(max_length=LINK_MAX)] = None
    answer: Annotated[Literal["add", "no"], Arg(help="add (the default) or no")] = "add"
    form: Annotated[bool, Arg(help="show the form for a slides link")] = False

    @field_validator("slides")
    @classmethod
    def _web_link(cls, value: str | None) -> str | None:
        return check_link(value) if value else value


def slides_form(invite_id: int, initial: str = "") -> Form:
    return Form(title="Add your talk", command="teachmeet addtalk", submit_label="Add",
                hidden={"invite": invite_id}, fields=(
                    FormField("slides", "Slides link", max_length=LINK_MAX, initial=initial,
                              placeholder="https://..."),))


async def add_talk(ctx: Context, args: AddTalkArgs) -> Reply:
    """One click: the talk becomes a done entry linked to the event; a slides link can
    come with it, or be added afterwards the same way."""
    invite = await _invitation(ctx, args.invite, "presenter")
    directory = ctx.directory
    entry = (await directory.done_by_ids([invite.entry_id])).get(invite.entry_id) \
        if invite.entry_id is not None else None
    if invite.status == "accepted" and entry is not None:
        if args.form:
            return Reply(form=slides_form(invite.id, entry.link))
        if args.slides and args.slides != entry.link:
            entry.link = args.slides
            await ctx.session.flush()
            return Reply(blocks=(Text(f"Added the slides link to #{entry.id}: "
                                      f"{entry_line(entry)}"),), tone="success")
        raise UserError(f"Your talk is already on your profile as #{entry.id}: "
                        f"{entry_line(entry)}")
    if invite.status == "declined" and args.answer == "no":
        raise UserError("You already said no thanks to this invitation.")
    if _expired(ctx, invite):
        raise UserError("This invitation has expired. You can still log the talk yourself: "
                        "`done <your talk's title>`.")
    if args.answer == "no":
        invite.status, invite.answered_at = "declined", ctx.now()
        return Reply(blocks=(Text("OK, I won't add it. If you change your mind, the "
                                  "invitation's Add button works until it expires."),))
    if args.form:
        return Reply(form=slides_form(invite.id))
    meet = await ctx.session.get(TeachMeet, invite.teachmeet_id)
    talk = await TeachMeetRepository(ctx.session).talk(invite.teachmeet_id, invite.member_id)
    if meet is None or talk is None:
        raise UserError("That talk is no longer on the teach-meet, so there is nothing to "
                        "add. `done <your talk's title>` logs it yourself.")
    me = await ctx.member()
    entry = await directory.add_done(me, talk.title[:SUMMARY_MAX], year=meet.starts_at.year,
                                     link=args.slides or "")
    entry.teachmeet_id, entry.teachmeet = meet.id, meet
    invite.status, invite.answered_at, invite.entry_id = "accepted", ctx.now(), entry.id
    await ctx.session.flush()
    ctx.audit("teachmeet.talk.add", f"teachmeet:{meet.id}", after={"entry": entry.id})
    more = () if args.slides else (
        Actions((Button("Add slides link", "teachmeet addtalk",
                        {"invite": invite.id, "form": True}),)),
        SmallPrint(f"Or type `teachmeet addtalk {invite.id} slides=<link>`."))
    return Reply(blocks=(Text(f"Added to your profile as #{entry.id}: {entry_line(entry)}"),
                         *more), tone="success")


class TryArgs(Args):
    invite: Annotated[int, Arg(help="the follow-up's number, from its message",
                                  numbers="follow-up"), ID_RANGE]
    text: Annotated[str | None, Arg(help="what you'll try", rest=True),
                    Field(max_length=TAKEAWAY_MAX)] = None


def try_form(invite_id: int, initial: str = "") -> Form:
    return Form(title="What I'll try", command="teachmeet try", submit_label="Save",
                hidden={"invite": invite_id}, fields=(
                    FormField("text", "What will you try?", kind="long_text", required=True,
                              max_length=TAKEAWAY_MAX, initial=initial,
                              placeholder="Exit tickets on Padlet with year 9"),))


async def try_after(ctx: Context, args: TryArgs) -> Reply:
    """An attendee's "what I'll try", kept with the event; saying it again replaces it."""
    invite = await _invitation(ctx, args.invite, "attendee")
    if _expired(ctx, invite):
        raise UserError("This follow-up has expired, so nothing was saved.")
    text = (args.text or "").strip()
    if not text:
        return Reply(form=try_form(invite.id, invite.takeaway))
    again = invite.status == "accepted"
    invite.takeaway, invite.status, invite.answered_at = text, "accepted", ctx.now()
    meet = await ctx.session.get(TeachMeet, invite.teachmeet_id)
    title = meet.title if meet is not None else "the teach-meet"
    return Reply(blocks=(
        Text(f"{'Updated' if again else 'Noted'}: after {title} you'll try “{text}”."),
        SmallPrint("Only you see it (`mydata`); `forgetme` erases it with everything else."),
    ), tone="success")


# -- privacy ---------------------------------------------------------------------------------------
async def export_followups(session: AsyncSession, member_id: int) -> list[dict[str, object]]:
    rows = await session.scalars(select(TeachMeetFollowup).where(
        TeachMeetFollowup.member_id == member_id).order_by(TeachMeetFollowup.id))
    return [{"teachmeet_id": r.teachmeet_id, "role": r.role, "status": r.status,
             "what_ill_try": r.takeaway, "entry_id": r.entry_id,
             "sent_at": r.sent_at.isoformat()} for r in rows]


async def forget_followups(session: AsyncSession, member_id: int) -> None:
    await session.execute(delete(TeachMeetFollowup).where(
        TeachMeetFollowup.member_id == member_id))


