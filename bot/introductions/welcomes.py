"""Welcoming people who join a space, and one reminder for those who don't introduce
themselves (planned as due work at join time, delivered by the scheduler)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.context import Context
from bot.events import MemberJoined
from bot.notifier import Destination
from bot.replies import Actions, Button, Reply, Text
from bot.replies import Context as SmallPrint
from storage.models import DueWork, Member
from storage.repositories.due_work import DueWorkRepository
from storage.repositories.introductions import (
    NUDGE_KIND,
    IntroductionsRepository,
    nudge_key,
)

if TYPE_CHECKING:
    from bot.context import Services

INTRODUCE_BUTTON = Button("Introduce yourself", "intro", style="primary")


def welcome_message(network: str) -> Reply:
    return Reply(blocks=(
        Text(f"Welcome to {network}! I help members find the colleague who has already done "
             "the thing they are about to try."),
        Text("• `whodone <topic>` finds people who have done something\n"
             "• `meet <topic>` asks one of them, privately, for a conversation\n"
             "• `done <what you did>` lets others find you\n"
             "• `pairing on` pairs you with a peer every month\n"
             "• `privacy network|space|hidden` chooses who can find you"),
        Actions((INTRODUCE_BUTTON,)),
        SmallPrint("Say `help` any time to see everything I can do."),
    ))


def nudge_message() -> Reply:
    return Reply(blocks=(
        Text("A quick reminder: you haven't introduced yourself yet. A short intro helps "
             "people who have done what you want to learn find you."),
        Actions((INTRODUCE_BUTTON,)),
        SmallPrint("This is the only reminder I'll send."),
    ))


async def on_member_joined(ctx: Context, event: MemberJoined) -> None:
    member = await ctx.member()
    caller = event.caller
    settings = ctx.settings.introductions
    if settings.welcome_dm:
        ctx.notify(Destination(caller.platform, caller.space_id, user_id=caller.user_id),
                   welcome_message(ctx.settings.network.name))
    space = ctx.settings.space(caller.platform, caller.space_id)
    if settings.welcome_channel_post and space and space.introductions_channel and \
            member.privacy != "hidden":
        ctx.notify(Destination(caller.platform, caller.space_id,
                               channel_id=space.introductions_channel),
                   Reply(blocks=(Text(f"Please welcome {caller.display_name or member.name}, "
                                      "who has just joined!"),), visibility="channel"))
    if member.introduced_at is None and settings.nudge_after_days > 0:
        key = nudge_key(member.id, caller.platform, caller.space_id)
        repo = IntroductionsRepository(ctx.session)
        if not await repo.work_exists(NUDGE_KIND, key):  # once, even if they rejoin
            await DueWorkRepository(ctx.session).plan(
                NUDGE_KIND, key, ctx.now() + timedelta(days=settings.nudge_after_days),
                {"member_id": member.id, "platform": caller.platform,
                 "space_id": caller.space_id})


async def deliver_nudge(services: Services, work: DueWork) -> None:
    """Remind them once, unless they introduced themselves (or left, or were forgotten)."""
    payload = work.payload
    async with services.db.unit_of_work() as session:
        member = await session.get(Member, payload.get("member_id"))
        if member is None or member.introduced_at is not None:
            return
        identity = await IntroductionsRepository(session).identity_in(
            member.id, payload.get("platform", ""), payload.get("space_id", ""))
        if identity is None:
            return
        destination = Destination(identity.platform, identity.space_id,
                                  user_id=identity.user_id)
    await services.notifier.send(destination, nudge_message())
