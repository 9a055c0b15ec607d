"""`intro` (profile form or key=value), intro cards, "Say hello" and the digest section."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import Field, field_validator

from bot.commands import Arg, Args, DigestRequest
from bot.context import Context
from bot.errors import UserError
from bot.expertise.replies import entry_line, member_title
from bot.introductions.common import connect, describe
from bot.members import resolve_member
from bot.notifier import Destination, Undeliverable
from bot.replies import (
    Actions,
    Block,
    Button,
    FormField,
    ItemList,
    ListItem,
    Reply,
    Section,
    Text,
)
from bot.replies import Context as SmallPrint
from bot.replies import Field as ReplyField
from bot.replies import Form as ReplyForm
from storage.models import DoneEntry, Interest, Member
from storage.models.directory import BIO_MAX, NAME_MAX, SHORT_MAX, SUMMARY_MAX
from storage.repositories.introductions import IntroductionsRepository

MAX_INTERESTS = 10
LEARN_MAX = MAX_INTERESTS * (SUMMARY_MAX + 1)
"""As much as can be stored (imports included), so a stored profile always fits its form."""
CARD_ENTRIES = 5


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(value: str | None) -> str | None:
    if value and value not in _zones():
        raise ValueError(f"{value[:60]!r} is not a known time zone (use an IANA name such as "
                         "Europe/London or America/New_York)")
    return value


def split_learn(text: str) -> list[str]:
    """"podcasts; VR in science" -> ["podcasts", "VR in science"]: separated by ; or new
    lines, or, when neither is used, by commas ("podcasts, VR")."""
    separators = r"[;\n]" if re.search(r"[;\n]", text) else ","
    return list(dict.fromkeys(p.strip() for p in re.split(separators, text) if p.strip()))


class IntroArgs(Args):
    words: Annotated[str | None, Arg(help="details as key=value pairs (see examples)",
                                     rest=True)] = None
    name: Annotated[str | None, Arg(help="your name"),
                    Field(min_length=1, max_length=NAME_MAX)] = None
    role: Annotated[str | None, Arg(help="your role"), Field(max_length=SHORT_MAX)] = None
    organisation: Annotated[str | None, Arg(help="where you work"),
                            Field(max_length=SHORT_MAX)] = None
    region: Annotated[str | None, Arg(help="your region or area", complete="regions"),
                      Field(max_length=SHORT_MAX)] = None
    bio: Annotated[str | None, Arg(help="a few words about you"),
                   Field(max_length=BIO_MAX)] = None
    learn: Annotated[str | None, Arg(help="what you want to learn, separated by ; or ,"),
                     Field(max_length=LEARN_MAX)] = None
    timezone: Annotated[str | None, Arg(help="your time zone, e.g. Europe/London"),
                        Field(max_length=64)] = None

    @field_validator("words")
    @classmethod
    def _key_value_only(cls, value: str | None) -> str | None:
        if value:
            raise ValueError(f"{value[:40]!r} is not understood: write each detail as "
                             'key=value, e.g. intro name="Ceri Jones" role="Computing lead"')
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return check_timezone(value)

    @field_validator("learn")
    @classmethod
    def _few_interests(cls, value: str | None) -> str | None:
        if value is not None:
            parts = split_learn(value)
            if len(parts) > MAX_INTERESTS:
                raise ValueError(f"has {len(parts)} items; at most {MAX_INTERESTS}")
            if any(len(p) > SUMMARY_MAX for p in parts):
                raise ValueError(f"items must be at most {SUMMARY_MAX} characters each")
        return value


PROFILE_FIELDS = ("name", "role", "organisation", "region", "bio", "timezone")


def intro_form(member: Member, interests: Sequence[Interest]) -> Reply:
    fields = (
        FormField("name", "Name", required=True, max_length=NAME_MAX, initial=member.name),
        FormField("role", "Role", max_length=SHORT_MAX, initial=member.role,
                  placeholder="Computing lead"),
        FormField("organisation", "Organisation", max_length=SHORT_MAX,
                  initial=member.organisation),
        FormField("region", "Region", max_length=SHORT_MAX, initial=member.region),
        FormField("bio", "About you", kind="long_text", max_length=BIO_MAX,
                  initial=member.bio),
        FormField("learn", "What you want to learn (one a line)", kind="long_text",
                  max_length=LEARN_MAX, initial="\n".join(i.text for i in interests)),
        FormField("timezone", "Time zone", max_length=64, initial=member.timezone,
                  placeholder="Europe/London"),
    )
    return Reply(form=ReplyForm("Introduce yourself", "intro", fields, submit_label="Post"),
                 blocks=(Text("Tell the network who you are and what you want to learn."),))


def card(member: Member, entries: Sequence[DoneEntry], interests: Sequence[Interest]) -> Reply:
    """The intro card posted to a space's introductions channel."""
    fields = tuple(ReplyField(label, value) for label, value in (
        ("Role", member.role), ("Organisation", member.organisation),
        ("Region", member.region)) if value)
    blocks: list[Block] = [Section(title=f"Meet {member.name} (@{member.handle})",
                                   text=member.bio, fields=fields)]
    if entries:
        shown = entries[-CARD_ENTRIES:]
        blocks.append(ItemList(tuple(ListItem(entry_line(e)) for e in shown),
                               title="Has done"))
    if interests:
        blocks.append(ItemList(tuple(ListItem(i.text) for i in interests),
                               title="Wants to learn"))
    blocks.append(Actions((Button("Say hello", "say-hello", {"member": member.handle},
                                  style="primary"),)))
    return Reply(blocks=tuple(blocks), visibility="channel")


async def intro(ctx: Context, args: IntroArgs) -> Reply:
    member = await ctx.member()
    directory = ctx.directory
    given = args.model_dump(exclude_none=True, exclude={"words"})
    if not given:
        return intro_form(member, await directory.interests_for(member.id))
    for name in PROFILE_FIELDS:
        if name in given:
            setattr(member, name, given[name])
    if "learn" in given:
        await IntroductionsRepository(ctx.session).set_interests(member.id,
                                                                 split_learn(given["learn"]))
    first_time = member.introduced_at is None
    if first_time:
        member.introduced_at = ctx.now()
    await ctx.session.flush()
    entries = await directory.done_for(member.id)
    interests = await directory.interests_for(member.id)
    shown = card(member, entries, interests)
    done = "Thanks — your profile is saved." if first_time else "Your profile is updated."
    if member.privacy == "hidden":
        return Reply(blocks=(Text(f"{done} Your privacy is set to hidden, so I haven't posted "
                                  "an intro card. `privacy network` or `privacy space` makes "
                                  "you findable."),), tone="success")
    space = ctx.settings.space(ctx.caller.platform, ctx.caller.space_id)
    channel = space.introductions_channel if space else ""
    if not channel:
        return Reply(blocks=(Text(f"{done} This space has no introductions channel, so here "
                                  "is your card:"), *shown.blocks), tone="success")

    async def show_here(exc: Undeliverable) -> Reply:
        return Reply(blocks=(Text(f"{done} I couldn't post your intro card in the "
                                  f"introductions channel: {exc.reason} Here it is:"),
                             *shown.blocks), tone="warning")

    ctx.notify(Destination(ctx.caller.platform, ctx.caller.space_id, channel_id=channel), shown,
               about="your intro card", if_undeliverable=show_here)
    hint = "" if entries else " Add what you have done with `done <what you did>`."
    return Reply(blocks=(Text(f"{done} I've posted your intro card in the introductions "
                              f"channel.{hint}"),), tone="success")


class HelloArgs(Args):
    member: Annotated[str, Arg(help="whose card", rest=True), Field(min_length=1,
                                                                    max_length=200)]


async def hello(ctx: Context, args: HelloArgs) -> Reply:
    """The "Say hello" button: open a conversation between the presser and the card's owner."""
    me = await ctx.member()
    other = await resolve_member(ctx, args.member)
    if other.id == me.id:
        raise UserError("That's your own card — others can say hello to you with it.")
    if not await ctx.directory.identities(other.id):
        raise UserError(f"{other.name} can't be reached through the bot yet.")
    message = Reply(blocks=(Text(f"👋 {describe(me)} says hello to {describe(other)} after "
                                 "reading their intro. Over to you both!"),))
    await connect(ctx, [me, other], message, (ctx.caller.platform, ctx.caller.space_id))
    return Reply(blocks=(Text(f"I've passed your hello on to {other.name}."),), tone="success")


async def digest(request: DigestRequest) -> list[Block]:
    """New introductions in this space since the last digest."""
    members = await IntroductionsRepository(request.session).introduced_between(
        request.platform, request.space_id, request.since, request.until)
    if not members:
        return []
    items = []
    for member in members:
        lines = [member.bio[:200]] if member.bio else []
        if member.interests:
            lines.append("Wants to learn: " + "; ".join(i.text for i in member.interests))
        hello = Button("Say hello", "say-hello", {"member": member.handle})
        items.append(ListItem(member_title(member), "\n".join(lines), buttons=(hello,)))
    return [ItemList(tuple(items), title="New introductions"),
            SmallPrint("1 new member introduced themselves." if len(members) == 1 else
                       f"{len(members)} new members introduced themselves.")]
