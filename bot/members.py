"""Finding members from what people type, and where to reach them."""

from __future__ import annotations

import re

from bot.context import Context
from bot.errors import UserError
from bot.notifier import Destination
from storage.models import Identity, Member

_PLATFORM_MENTION = re.compile(r"<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>")


async def resolve_member(ctx: Context, ref: str) -> Member:
    """A member from `@handle`, `handle`, a platform mention (<@U123>) or an exact name.

    Only members the caller may see are found: a hidden member gets the same answer as
    nobody at all, so no command can reveal them by accident."""
    ref = ref.strip()
    not_found = UserError(f"I can't find a member called {ref[:60]!r}. Try their handle or "
                          "@-mention them.")
    mention = _PLATFORM_MENTION.fullmatch(ref)
    directory = ctx.directory
    if mention:
        member = await directory.find_by_identity(ctx.caller.platform, ctx.caller.space_id,
                                                  mention.group(1))
        if member is None:
            raise UserError("I don't know that person yet: they haven't used Staffroom here.")
        candidates = [member]
    else:
        handle = ref.removeprefix("@")
        member = await directory.by_handle(handle) if handle else None
        candidates = [member] if member is not None else await directory.by_name(ref)
    visible = [m for m in candidates if await can_see(ctx, m)]
    if len(visible) > 1:
        handles = ", ".join(m.handle for m in visible)
        raise UserError(f"Several members are called {ref[:60]!r} ({handles}); use a handle.")
    if not visible:
        raise not_found
    return visible[0]


async def can_see(ctx: Context, member: Member) -> bool:
    """Does the member's privacy choice let the caller see them? `space` means a space of
    any of the member's accounts, shared with any of the caller's (linked) accounts."""
    viewer = await ctx.viewer()
    if viewer.member_id == member.id:
        return True
    if member.privacy == "network":
        return True
    if member.privacy == "hidden":
        return False
    directory = ctx.directory
    mine = {(viewer.platform, viewer.space_id)} | await directory.spaces_of(viewer.member_id)
    return bool(mine & await directory.spaces_of(member.id))


def destinations(identities: list[Identity]) -> list[Destination]:
    """Direct-message destinations for every account a member has (console excluded)."""
    return [Destination(i.platform, i.space_id, user_id=i.user_id) for i in identities]
