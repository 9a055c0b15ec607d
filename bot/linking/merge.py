"""Joining two members into one, with the rules members are told (README, "Linking").

The older profile (first created) is kept: its fields win unless empty, the more private
of the two privacy choices and web listing only if both had it on; everything else of the
newer profile moves across, exact duplicates collapsing (`LinkRepository.merge_members`).
Where two places at one teach-meet became one, its waitlist moves up.
"""

from __future__ import annotations

from bot.context import Context
from bot.errors import UserError
from storage.models import Member
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
