"""Commands: done, done list, done remove, done edit, done show, whodone, profile."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import Field, field_validator

from bot.commands import ID_RANGE, Arg, Args, Capability, Command
from bot.context import Context
from bot.errors import UserError
from bot.expertise import lessons, replies
from bot.expertise.lessons import Cost, Differently, Worked, given_lessons
from bot.expertise.privacy import export_entries, forget_entries
from bot.members import resolve_member
from bot.paging import PageArg, window
from bot.replies import Reply, Text
from storage.models.directory import LINK_MAX, SUMMARY_MAX
from storage.search import PersonHit

MAX_TAGS = 10
TAG_MAX = 40
QUERY_MAX = 300
SEARCH_DEPTH = 200
"""How far down the ranking `whodone` pages."""


_BARE_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
                        r"(?::\d{1,5})?(?:[/?#][^\s<>\"]*)?", re.IGNORECASE)


def with_scheme(value: str) -> str:
    """"example.org/guide" or "www.example.org" as people paste them: https:// added."""
    value = value.strip()
    if value and "://" not in value and _BARE_HOST.fullmatch(value):
        return f"https://{value}"
    return value


def check_link(value: str) -> str:
    """Only web links: javascript:, file: and the like are refused; an address written
    without its https:// gets it."""
    value = with_scheme(value)
    if value and not re.fullmatch(r"https?://[^\s<>\"]+\.[^\s<>\"]+", value, re.IGNORECASE):
        raise ValueError("must be a web address such as https://example.org/page")
    return value


class DoneArgs(Args):
    summary: Annotated[str | None, Arg(help="what you did, in a sentence", rest=True),
                       Field(min_length=3, max_length=SUMMARY_MAX)] = None
    tags: Annotated[list[Annotated[str, Field(min_length=1, max_length=TAG_MAX)]],
                    Arg(help="#tags", tags=True), Field(max_length=MAX_TAGS)] = Field(
                        default_factory=list)
    year: Annotated[int | None, Arg(help="the year you did it", year=True)] = None
    link: Annotated[str, Arg(help="link=https://... to a write-up"),
                    Field(max_length=LINK_MAX)] = ""
    worked: Worked = None
    differently: Differently = None
    cost: Cost = None

    @field_validator("tags", mode="before")
    @classmethod
    def _typed_in_a_form(cls, value: object) -> object:
        """A form's tags box: "devices, #chromebooks" or one a line."""
        if isinstance(value, str):
            return [t for t in re.split(r"[,;\s]+", value) if t.lstrip("#")]
        return value

    @field_validator("year")
    @classmethod
    def _plausible_year(cls, value: int | None) -> int | None:
        if value is not None and not 1950 <= value <= datetime.now(UTC).year + 1:
            raise ValueError("must be a year between 1950 and next year")
        return value

    @field_validator("link")
    @classmethod
    def _web_link(cls, value: str) -> str:
        return check_link(value)


async def add_done(ctx: Context, args: DoneArgs) -> Reply:
    if args.summary is None:
        if args.model_fields_set:
            raise UserError("Say what you did first, in a sentence: `done Rolled out "
                            'Chromebooks 1:1 worked="staff training first"`.', field="summary")
        return Reply(form=replies.lessons_form(),
                     blocks=(Text("What have you done that others could learn from?"),))
    member = await ctx.member()
    # a tag keeps its case: "#SEND" is the acronym, found by `whodone SEND`
    tags = list({t.lstrip("#").lower(): t.lstrip("#") for t in reversed(args.tags)}.values())
    tags.reverse()
    entry = await ctx.directory.add_done(member, args.summary, tags=tags, year=args.year,
                                         link=args.link, lessons=given_lessons(args),
                                         now=ctx.now())
    return replies.logged(entry)


class ListArgs(Args):
    page: PageArg = 1


async def list_done(ctx: Context, args: ListArgs) -> Reply:
    member = await ctx.member()
    at = window(args.page, ctx.settings.conversation.page_size)
    entries = await ctx.directory.done_for(member.id)
    return replies.my_entries(entries[at.offset:at.offset + at.size], at, total=len(entries))


class RemoveArgs(Args):
    id: Annotated[int, Arg(help="the entry's number, from `done list`", numbers="entry"),
                  ID_RANGE]


async def remove_done(ctx: Context, args: RemoveArgs) -> Reply:
    member = await ctx.member()
    entries = await ctx.directory.done_by_ids([args.id])
    entry = entries.get(args.id)
    if entry is None or entry.member_id != member.id:
        raise UserError(f"You have no entry #{args.id}. `done list` shows yours.")
    await ctx.directory.remove_done(entry)
    return Reply(blocks=(replies.Text(f"Removed #{args.id}: {entry.summary}"),),
                 tone="success")


class WhodoneArgs(Args):
    query: Annotated[str, Arg(help="what you want to find someone who has done", rest=True),
                     Field(min_length=1, max_length=QUERY_MAX)]
    region: Annotated[str | None, Arg(help="only people in this region (or say `in <region>`)",
                                      complete="regions"),
                      Field(max_length=200)] = None
    limit: Annotated[int | None, Arg(help="how many people to show at a time"),
                     Field(ge=1, le=25)] = None
    page: PageArg = 1


async def split_region(ctx: Context, query: str) -> tuple[str, str | None]:
    """Read a trailing "in <region>" as a filter when it names a known region."""
    found = re.fullmatch(r"(.+?)\s+in\s+(?:the\s+)?(.+?)[?.!]*", query, re.IGNORECASE)
    if not found:
        return query, None
    wanted = found.group(2).strip().lower()
    known = [*ctx.settings.network.regions, *(s.group for s in ctx.settings.spaces if s.group)]
    match = next((r for r in known if r.lower() == wanted), None) \
        or await ctx.directory.region_named(wanted)
    return (found.group(1), match) if match else (query, None)


def tidy_query(query: str) -> str:
    """Drop what people add around the thing itself: "a ...", trailing "?"."""
    query = re.sub(r"^(?:an?|the|any|some)\s+", "", query.strip(), flags=re.IGNORECASE)
    return query.rstrip("?!. ") or query


async def whodone(ctx: Context, args: WhodoneArgs) -> Reply:
    query, region = tidy_query(args.query), args.region
    if region is None:
        query, region = await split_region(ctx, query)
    at = window(args.page, args.limit or ctx.settings.search.default_limit)
    if at.offset >= SEARCH_DEPTH:
        raise UserError(f"I show at most the best {SEARCH_DEPTH} people; try fewer pages or "
                        "more precise words.", field="page")
    found = await find(ctx, query, region, at.offset + at.size + 1)
    more = {"query": query, "region": region, "limit": args.limit}
    return replies.results(query, region, found[at.offset:at.offset + at.size], at,
                           more=len(found) > at.offset + at.size, args=more)


async def find(ctx: Context, query: str, region: str | None,
               limit: int) -> list[PersonHit]:
    """People and the entries of theirs that matched, best first. A region that names a
    local group also finds the people with an account in that group's spaces."""
    # where they ask from, and (for `privacy space`) the spaces of their linked accounts
    viewer = await ctx.viewer()
    spaces = ctx.settings.group_spaces(region) if region else []
    with ctx.services.metrics.search_seconds.time():
        return await ctx.directory.find_people(query, viewer=viewer,
                                               regions=[region] if region else [], limit=limit,
                                               spaces=spaces)


class ProfileArgs(Args):
    member: Annotated[str | None, Arg(help="a handle, @mention or name; yours if left out",
                                      rest=True), Field(max_length=200)] = None
    page: PageArg = 1


async def show_profile(ctx: Context, args: ProfileArgs) -> Reply:
    me = await ctx.member()
    member = await resolve_member(ctx, args.member) if args.member else me
    directory = ctx.directory
    at = window(args.page, ctx.settings.conversation.page_size)
    return replies.profile(member, await directory.done_for(member.id),
                           await directory.interests_for(member.id), is_self=member.id == me.id,
                           at=at, ref=args.member)


async def complete_regions(ctx: Context, typed: str) -> list[str]:
    """Known regions (configured and where members live) starting with, then containing,
    what has been typed so far."""
    groups = {s.group for s in ctx.settings.spaces if s.group}
    known = sorted(set(ctx.settings.network.regions) | groups
                   | set(await ctx.directory.regions()), key=str.lower)
    typed = typed.lower()
    starts = [r for r in known if r.lower().startswith(typed)]
    return starts + [r for r in known if typed in r.lower() and r not in starts]


_WHO = (r"(?:who(?:'s|s| has| have)?|has anyone|have any of you|anyone(?: who has)?|"
        r"did anyone|is there anyone who has)\s+(?:already\s+|ever\s+)?"
        r"(?:done|tried|used|run|ran|led|set up|built|rolled out|implemented|worked on)")

CAPABILITY = Capability(
    name="expertise",
    title="Who's done what",
    topics=("people", "expertise", "finding"),
    completions={"regions": complete_regions},
    commands=[
        Command(name="done add", aliases=("done",), handler=add_done, args=DoneArgs,
                summary="Log something you have done, so others can find you.",
                usage="done <summary> [#tags] [year] [link=https://...] [worked=\"...\"] "
                      "[differently=\"...\"] [cost=\"...\"]",
                description="Log something you have done, so others can find you. What "
                            "worked, what you'd do differently and the cost and effort are "
                            "optional; `done` alone opens a form.",
                examples=("done Ran a TeachMeet for 40 teachers #teachmeet 2019",
                          "done Rolled out Chromebooks 1:1 in year 7 link=https://example.org",
                          'done Rolled out Chromebooks 1:1 worked="staff training first" '
                          'differently="buy cases"')),
        Command(name="done edit", handler=lessons.edit_lessons, args=lessons.EditArgs,
                summary="Add or change what you learned on one of your entries.",
                usage='done edit <id> [worked="..."] [differently="..."] [cost="..."]',
                description="Add or change what you learned on one of your entries. "
                            '`done edit <id>` alone opens a form; worked="" clears one.',
                examples=('done edit 12 worked="staff training first" cost="a term"',
                          "done edit 12")),
        Command(name="done show", handler=lessons.show_entry, args=lessons.ShowArgs,
                summary="Show an entry with everything learned from it.",
                examples=("done show 12",)),
        Command(name="done list", handler=list_done, args=ListArgs,
                summary="List what you have logged.", usage="done list [page=N]"),
        Command(name="done remove", handler=remove_done, args=RemoveArgs,
                summary="Remove one of your entries.", examples=("done remove 12",)),
        Command(name="whodone", aliases=("who's done", "who has done"), handler=whodone,
                args=WhodoneArgs, summary="Find people who have done something.",
                usage="whodone <query> [in <region>] [page=N]",
                patterns=(rf"{_WHO}\s+(?P<query>.+)",),
                examples=("whodone chromebooks in Wales", "who's done VR?",
                          "whodone office 365 region=Camden limit=10")),
        Command(name="profile", handler=show_profile, args=ProfileArgs,
                summary="Show a member's profile and what they have done.",
                usage="profile [member] [page=N]", examples=("profile", "profile @m000123")),
    ],
    forget=forget_entries,
    export=export_entries,
    digest=lessons.digest,
)
