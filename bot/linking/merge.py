"""Joining two members into one, with the rules members are told (README, "Linking").

The older profile (first created) is kept: its fields win unless empty, the more private
of the two privacy choices and web listing only if both had it on; everything else of the
newer profile moves across, exact duplicates collapsing (`LinkRepository.merge_members`).
Where two places at one teach-meet became one, its waitlist moves up.
"""

from __future__ import annotations

from bot.context import Context
from bot.errors import UserError
from storage.models import Identity, Member
from storage.repositories.linking import LinkRepository, MergeReport
from storage.repositories.teachmeets import TeachMeetRepository


async def join(ctx: Context, first_id: int, second_id: int) -> tuple[Member, MergeReport]:
    """Merge the two members in the context's unit of work; returns the kept member."""
    if first_id == second_id:
        raise UserError("Those accounts are already one profile.")
    repo = LinkRepository(ctx.session)
    members = await repo.lock_members([first_id, second_id])
    if len(members) < 2:
        raise UserError("One of the two profiles changed at this very moment (another link "
                        "or an erasure); nothing was linked. Please try again.")
    winner, loser = sorted(members.values(), key=lambda m: (m.created_at, m.id))
    report = await repo.merge_members(ctx.services.search, winner, loser)
    if report.freed_meets:
        from bot.teachmeets.services import promote

        meets = TeachMeetRepository(ctx.session)
        for meet_id in sorted(set(report.freed_meets)):
            meet = await meets.get(meet_id, lock=True)
            if meet is not None and meet.status == "scheduled":
                await promote(ctx, meet)
    ctx.refresh_member()
    return winner, report


async def separate(ctx: Context, identity: Identity, member: Member) -> Member:
    """Give one of `member`'s accounts a new, empty member of its own (`unlink`): same
    privacy choice, its space's group as region; its waiting codes stop working."""
    name = identity.display_name or identity.user_id
    now = ctx.now()
    fresh = Member(handle=await ctx.directory.free_handle(name), name=name,
                   privacy=member.privacy, role="", organisation="", bio="", timezone="",
                   region=ctx.settings.group_of(identity.platform, identity.space_id),
                   created_at=now, updated_at=now)
    ctx.session.add(fresh)
    await ctx.session.flush()
    identity.member_id = fresh.id
    repo = LinkRepository(ctx.session)
    await repo.end_live(identity.platform, identity.space_id, identity.user_id,
                        status="cancelled")
    await repo.move_codes(identity.platform, identity.space_id, identity.user_id, fresh.id)
    await ctx.session.flush()
    ctx.refresh_member()
    return fresh


def summary(report: MergeReport) -> str:
    """One line of what moved, for an operator."""
    parts = [f"{report.accounts} account(s)"]
    for n, label in ((report.entries_moved, "entries moved"),
                     (report.entries_collapsed, "duplicate entries combined"),
                     (report.interests_moved, "interests"),
                     (report.rsvps_moved, "RSVPs"),
                     (len(report.rsvps_collapsed), "double RSVPs made one"),
                     (report.talks_moved, "talks"),
                     (len(report.talks_dropped), "second talks withdrawn"),
                     (report.organised, "teach-meets organised"),
                     (report.series, "repeating teach-meets"),
                     (report.requests_moved, "meet requests"),
                     (report.requests_dropped, "meet requests dropped"),
                     (report.pairings_moved, "pairings"), (report.pins, "pins")):
        if n:
            parts.append(f"{n} {label}")
    if report.filled:
        parts.append("filled in: " + ", ".join(report.filled))
    parts.append(f"privacy {report.privacy}")
    return "; ".join(parts)
