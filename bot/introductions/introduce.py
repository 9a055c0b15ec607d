"""`introduce <member> <member> [why]`: connect two people in one conversation."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from bot.commands import Arg, Args
from bot.context import Context
from bot.errors import UserError
from bot.introductions.common import connect, describe, mutually_visible, spaces_of
from bot.members import resolve_member
from bot.replies import Reply, Text
from storage.models import Member

WHY_MAX = 1000


class IntroduceArgs(Args):
    first: Annotated[str, Arg(help="a handle, @mention, \"quoted name\" or me"),
                     Field(min_length=1, max_length=200)]
    second: Annotated[str, Arg(help="who they should meet"), Field(min_length=1,
                                                                   max_length=200)]
    why: Annotated[str, Arg(help="why they should talk", rest=True),
                   Field(max_length=WHY_MAX)] = ""


async def _visible(ctx: Context, ref: str) -> Member:
    if ref.lower() in ("me", "myself"):
        return await ctx.member()
    return await resolve_member(ctx, ref)


async def introduce(ctx: Context, args: IntroduceArgs) -> Reply:
    me = await ctx.member()
    first, second = await _visible(ctx, args.first), await _visible(ctx, args.second)
    if first.id == second.id:
        raise UserError(f"That's the same person twice ({first.name}): name two different "
                        "members.")
    directory = ctx.directory
    first_ids, second_ids = (await directory.identities(first.id),
                             await directory.identities(second.id))
    for member, ids in ((first, first_ids), (second, second_ids)):
        if not ids:
            raise UserError(f"{member.name} can't be reached through the bot yet (they "
                            "haven't used it in any space).")
    if not mutually_visible(first, spaces_of(first_ids), second, spaces_of(second_ids)):
        raise UserError(f"{first.name} and {second.name} keep their profiles within spaces "
                        "the other isn't in, so I can't introduce them.")
    people = [me, first, second] if me.id not in (first.id, second.id) else [first, second]
    who = "" if me.id in (first.id, second.id) else f"{describe(me)} would like you two to meet.\n"
    why = f"\nWhy: {args.why}" if args.why else ""
    message = Reply(blocks=(Text(f"{who}Meet {describe(first)} (@{first.handle}) and "
                                 f"{describe(second)} (@{second.handle}).{why}"),))
    how = await connect(ctx, people, message, (ctx.caller.platform, ctx.caller.space_id),
                        direct=[first, second])
    where = "a group conversation" if how == "group" else "direct messages"
    return Reply(blocks=(Text(f"Done: I've introduced {first.name} and {second.name} in "
                              f"{where}."),), tone="success")
