"""An organiser who leaves (`forgetme`): their teach-meets are other people's plans too.

Each teach-meet (and series) they organise passes to a moderator of its space who uses
Staffroom (configured, then appointed; never the leaver), with every RSVP and talk kept;
where there is none, each upcoming meeting is cancelled the normal way, telling everyone
signed up, before the erase deletes it. Teach-meets have no co-organisers, so a moderator is
the only one who can take one over. `forgetme`'s confirmation lists what will happen to each
upcoming one; this runs again, the same way, when it is confirmed.
"""

from __future__ import annotations

from bot.context import Context
from bot.replies import Reply, Text
from bot.teachmeets import replies
from bot.teachmeets.services import cancel_meet, notify_members, reader_timezone, roster
from storage.models import Member, TeachMeet
from storage.repositories.directory import ModeratorRepository
from storage.repositories.teachmeets import TeachMeetRepository

LEFT = "The organiser has left Staffroom."


async def successor(ctx: Context, platform: str, space_id: str, leaver: int) -> Member | None:
    """A moderator of the space with a member record (one who has used Staffroom, so
    there is someone to hold the event), other than the leaver."""
    space = ctx.settings.space(platform, space_id)
    candidates = list(space.moderators) if space is not None else []
    candidates += sorted(
        m.user_id
        for m in await ModeratorRepository(ctx.session).all()
        if (m.platform, m.space_id) == (platform, space_id)
    )
    for user_id in candidates:
        member = await ctx.directory.find_by_identity(platform, space_id, user_id)
        if member is not None and member.id != leaver:
            return member
    return None


async def leave_teachmeets(ctx: Context, member_id: int, carry_out: bool) -> list[str]:
    """One line per upcoming teach-meet the member organises: who takes it over, or that
    it is cancelled and who is told. With `carry_out`, hands over every one (past ones
    too, so attendees' history stays) or cancels the upcoming ones."""
    repo = TeachMeetRepository(ctx.session)
    now = ctx.now()
    tz = await reader_timezone(ctx)
    lines: list[str] = []
    handed: dict[int, list[TeachMeet]] = {}
    heirs: dict[tuple[str, str], Member | None] = {}

    async def heir(platform: str, space_id: str) -> Member | None:
        if (platform, space_id) not in heirs:
            heirs[platform, space_id] = await successor(ctx, platform, space_id, member_id)
        return heirs[platform, space_id]

    for meet in await repo.organised_by(member_id):
        upcoming = meet.status == "scheduled" and meet.starts_at > now
        to = await heir(meet.platform, meet.space_id)
        people = len((await roster(ctx.session, meet)).signed_up() - {member_id}) if upcoming else 0
        label = f"#{meet.id} {meet.title[:60]} ({replies.short_when(meet, tz)})"
        if to is not None:
            if upcoming:
                kept = (
                    ""
                    if not people
                    else (" with its 1 sign-up" if people == 1 else f" with its {people} sign-ups")
                )
                lines.append(f"{label}: passes to {to.name} (a moderator){kept}.")
            if carry_out:
                meet.organiser_id = to.id
                ctx.audit(
                    "teachmeet.handover",
                    f"teachmeet:{meet.id}",
                    after={"organiser": f"member:{to.id}", "why": "organiser left"},
                )
                if upcoming:
                    handed.setdefault(to.id, []).append(meet)
        elif upcoming:
            told = (
                "nobody else had signed up"
                if not people
                else "the 1 person signed up is told"
                if people == 1
                else f"the {people} people signed up are told"
            )
            lines.append(f"{label}: cancelled; {told}.")
            if carry_out:
                await cancel_meet(ctx, meet, LEFT, not_told={member_id})
                ctx.audit("teachmeet.cancel", f"teachmeet:{meet.id}", after={"reason": LEFT})
    if carry_out:
        for owned in await repo.series_organised_by(member_id):
            to = await heir(owned.template.get("platform", ""), owned.template.get("space_id", ""))
            if to is not None:
                owned.organiser_id = to.id
        await ctx.session.flush()
        for to_id, meets in handed.items():
            await notify_members(
                ctx, [to_id], lambda zone, meets=meets: _handed_notice(meets, zone)
            )
    return lines


def _handed_notice(meets: list[TeachMeet], tz: str) -> Reply:
    listed = "\n".join(f"• #{m.id} {m.title[:60]} ({replies.short_when(m, tz)})" for m in meets)
    return Reply(
        blocks=(
            Text(
                "An organiser has left Staffroom, so as a moderator you now run "
                + ("this teach-meet" if len(meets) == 1 else "these teach-meets")
                + f"; everyone signed up keeps their place:\n{listed}\n`teachmeet edit`, `move` "
                "and `cancel` work for you now."
            ),
        ),
        tone="info",
    )
