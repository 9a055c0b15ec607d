"""Shared by the introduction flows: describing members, reaching them, connecting them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.context import Context
from bot.notifier import Destination
from bot.replies import Reply
from storage.models import Identity, Member

log = logging.getLogger(__name__)

Where = tuple[str, str]
"""(platform, space_id)."""


def describe(member: Member) -> str:
    """"Ceri Jones, a computing lead in Camden": how the bot presents someone to a stranger."""
    line = member.name
    role = member.role.strip()
    if role:
        if role[0].isupper() and (len(role) == 1 or role[1].islower()):
            role = role[0].lower() + role[1:]
        article = "an" if role[0].lower() in "aeiou" else "a"
        line += f", {article} {role}"
    if member.region:
        line += f" in {member.region}"
    return line


def local_time(moment: datetime, member: Member, fallback_zone: str) -> str:
    """A moment as the member reads it: in their time zone (else the network's)."""
    try:
        zone = ZoneInfo(member.timezone or fallback_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(fallback_zone)
    return f"{moment.astimezone(zone):%d %B %Y %H:%M} ({zone.key})"


def month_start(now: datetime) -> datetime:
    """The start of the calendar month (UTC) that meet quotas count in."""
    now = now.astimezone(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def reach(identities: Sequence[Identity], prefer: Where | None = None) -> Destination | None:
    """A direct-message destination for a member: the preferred space's account if they have
    one there, else their first account; None for members known only from an import."""
    if not identities:
        return None
    chosen = next((i for i in identities if prefer and (i.platform, i.space_id) == prefer),
                  identities[0])
    return Destination(chosen.platform, chosen.space_id, user_id=chosen.user_id)


def spaces_of(identities: Sequence[Identity]) -> set[Where]:
    return {(i.platform, i.space_id) for i in identities}


class HasPrivacy(Protocol):
    privacy: str


def mutually_visible(first: HasPrivacy, first_spaces: set[Where], second: HasPrivacy,
                     second_spaces: set[Where]) -> bool:
    """Each one's privacy choice lets the other see them (hidden members see nobody's
    profile through the bot's matching, and nobody sees theirs)."""
    def sees(viewer_spaces: set[Where], member: HasPrivacy,
             member_spaces: set[Where]) -> bool:
        return member.privacy == "network" or (
            member.privacy == "space" and bool(viewer_spaces & member_spaces))

    return sees(first_spaces, second, second_spaces) and sees(second_spaces, first,
                                                              first_spaces)


async def connect(ctx: Context, members: Sequence[Member], message: Reply, prefer: Where,
                  *, direct: Sequence[Member] | None = None) -> str:
    """Open one conversation for these members (a group DM where they share a space and the
    platform can), else send the message directly to each of `direct` (default: all of
    them). Returns "group" or "direct", for replies."""
    direct_ids = {m.id for m in (direct if direct is not None else members)}
    identities = {m.id: await ctx.directory.identities(m.id) for m in members}
    shared = set.intersection(*(spaces_of(i) for i in identities.values()))
    if shared:
        platform, space = prefer if prefer in shared else sorted(shared)[0]
        users = [next(i.user_id for i in identities[m.id]
                      if (i.platform, i.space_id) == (platform, space)) for m in members]
        group = None
        try:
            group = await ctx.services.notifier.open_group(platform, space, users)
        except Exception:
            log.exception("could not open a group conversation on %s", platform)
        if group is not None:
            ctx.notify(group, message, about="the group conversation")
            return "group"
        for member, user in zip(members, users, strict=True):
            if member.id in direct_ids:
                ctx.notify(Destination(platform, space, user_id=user), message,
                           about=member.name)
        return "direct"
    for member in members:
        if member.id not in direct_ids:
            continue
        destination = reach(identities[member.id], prefer)
        if destination is not None:
            ctx.notify(destination, message, about=member.name)
    return "direct"
