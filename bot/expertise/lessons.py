"""Lessons on done entries: what worked, what I'd do differently, cost and effort.

Given with the entry (`done ... worked="..."`, or the form), added or changed later
(`done edit 12 ...`, or the "Add what you learned" button), read in full with `done show 12`
(listings show one compact line), and, when a network opts in, the weekly digest's "New
lessons" section.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from bot.commands import ID_RANGE, Arg, Args, DigestRequest
from bot.context import Context
from bot.errors import UserError
from bot.expertise import replies
from bot.members import can_see
from bot.replies import Block, Reply, Text
from storage.models import DoneEntry
from storage.models.directory import LESSON_MAX, LESSONS
from storage.repositories.directory import DirectoryRepository

DIGEST_LESSONS = 5
"""Lessons a digest shows at most (the newest); it says how many more there were."""


def bounded(value: str | None) -> str | None:
    """A lesson is at most LESSON_MAX characters; the answer says by how much it is over."""
    if value is not None and len(value) > LESSON_MAX:
        raise ValueError(
            f"is {len(value)} characters long; at most {LESSON_MAX}. Keep the "
            "heart of it (the other lessons have room of their own)"
        )
    return value


Worked = Annotated[str | None, Arg(help='worked="what worked"'), AfterValidator(bounded)]
Differently = Annotated[
    str | None, Arg(help='differently="what you would do differently"'), AfterValidator(bounded)
]
Cost = Annotated[
    str | None, Arg(help='cost="the cost and effort it took"'), AfterValidator(bounded)
]


def given_lessons(args: Args) -> dict[str, str]:
    """The lessons an argument model was given (None: not given; "" clears one)."""
    return {name: value for name in LESSONS if (value := getattr(args, name)) is not None}


class EditArgs(Args):
    id: Annotated[int, Arg(help="the entry's number, from `done list`", numbers="entry"),
                  ID_RANGE]
    words: Annotated[
        str | None,
        Arg(help="lessons as key=value (see examples)", rest=True),
        Field(max_length=LESSON_MAX),
    ] = None
    worked: Worked = None
    differently: Differently = None
    cost: Cost = None

    @field_validator("words")
    @classmethod
    def _key_value_only(cls, value: str | None) -> str | None:
        if value:
            raise ValueError(
                f"{value[:40]!r} is not understood: write each lesson as "
                'key=value, e.g. done edit 12 worked="staff training first"'
            )
        return value


async def own_entry(ctx: Context, entry_id: int) -> DoneEntry:
    """The caller's entry with this id; a specific answer for an unknown id and for
    someone else's entry."""
    member = await ctx.member()
    entry = (await ctx.directory.done_by_ids([entry_id])).get(entry_id)
    if entry is None:
        raise UserError(f"There is no entry #{entry_id}. `done list` shows yours.", field="id")
    if entry.member_id != member.id:
        raise UserError(
            f"#{entry_id} is someone else's entry: you can add lessons only to "
            "your own. `done list` shows yours.",
            field="id",
        )
    return entry


async def edit_lessons(ctx: Context, args: EditArgs) -> Reply:
    entry = await own_entry(ctx, args.id)
    given = given_lessons(args)
    if not given:
        return Reply(
            form=replies.lessons_form(entry),
            blocks=(Text(f"What did you learn from #{entry.id}, {entry.summary}?"),),
        )
    await ctx.directory.set_lessons(entry, given, now=ctx.now())
    return replies.lessons_saved(entry)


class ShowArgs(Args):
    id: Annotated[int, Arg(help="the entry's number", numbers="entry"), ID_RANGE]


async def show_entry(ctx: Context, args: ShowArgs) -> Reply:
    """An entry and all its lessons, if its member's privacy lets the caller see them (an
    entry they may not see gets the answer an unknown id gets)."""
    me = await ctx.member()
    entry = (await ctx.directory.done_by_ids([args.id])).get(args.id)
    member = await ctx.directory.get(entry.member_id) if entry is not None else None
    if entry is None or member is None or not await can_see(ctx, member):
        raise UserError(
            f"There is no entry #{args.id} that you can see. `whodone` finds "
            "entries; `done list` shows yours.",
            field="id",
        )
    return replies.entry_card(entry, member, is_own=member.id == me.id)


async def digest(request: DigestRequest) -> list[Block]:
    """The digest's "New lessons": lessons written this week by members the space may see
    (privacy `network`, or `space` with an account there). Opt-in: `[digest] lessons`."""
    if not request.services.settings.digest.lessons:
        return []
    repo = DirectoryRepository(request.session, request.services.search)
    found, total = await repo.lessons_since(
        request.since,
        request.until,
        platform=request.platform,
        space_id=request.space_id,
        limit=DIGEST_LESSONS,
    )
    return replies.digest_lessons(found, total)
