"""One way every listing pages: "Showing 11–20 of 24", a More button, `more` typed, and
`page=N` understood by every listing's command.

A listing command declares `page: PageArg = 1` among its arguments (so `page=2` is never
read as a region, a topic or a title), reads one window of its items (`window`), and builds
its reply's list with `page_of`, which adds the count line, the More button and the
question that makes a typed `more` press that button:

    class ListArgs(Args):
        region: ... = None
        page: PageArg = 1

    async def handler(ctx, args):
        at = window(args.page, ctx.settings.conversation.page_size)
        rows, total = await repo.list(offset=at.offset, limit=at.size)
        page = page_of([ListItem(...) for row in rows], at, total=total, title="...",
                       empty="...", command="<this command>", args={"region": args.region})
        return Reply(blocks=(*page.blocks,), question=page.question)

Where counting everything is costly (ranked search), read `at.size + 1` rows and pass
`total=None, more=len(rows) > at.size`: the count line then says what is known.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from bot.commands import Arg
from bot.replies import Actions, Block, Button, Context, ItemList, ListItem, Question, more_of

MAX_PAGE = 1000
PageArg = Annotated[int, Arg(help="which page of the list, e.g. page=2"),
                    Field(ge=1, le=MAX_PAGE)]


@dataclass(frozen=True)
class Window:
    """The part of a listing one page shows."""

    page: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def window(page: int, size: int) -> Window:
    return Window(max(1, page), max(1, size))


@dataclass(frozen=True)
class Page:
    """A listing's page, ready to put in a reply: the blocks, and the `more` question when
    there is a next page."""

    blocks: tuple[Block, ...]
    question: Question | None = None
    more: Button | None = None


def count_line(at: Window, shown: int, total: int | None, more: bool, noun: str) -> str:
    first, last = at.offset + 1, at.offset + shown
    span = f"{first}–{last}" if last > first else f"{first}"
    if total is None:
        return (f"Showing {noun} {span}; there are more." if more else
                f"Showing {noun} {span}, the last of them.")
    return f"Showing {span} of {total}."


def page_of(items: Sequence[ListItem], at: Window, *, total: int | None, title: str,
            empty: str, command: str, args: Mapping[str, Any] | None = None,
            more: bool | None = None, noun: str = "") -> Page:
    """The page's list, its count line when the listing is longer than one page, and a
    More button (answered by a typed `more` too) when there is a next page.

    `args` are the listing command's other arguments, carried to the next page."""
    has_more = more if more is not None else (total is not None
                                              and at.offset + len(items) < total)
    if not items and at.page > 1:
        last = max(1, -(-(total or 0) // at.size)) if total is not None else None
        where = (f"the list has {last} page" + ("s" if last != 1 else "")
                 if last is not None else "the list is shorter than that")
        shown = f" (`{command} page={last}` shows the last)" if last and total else ""
        return Page((ItemList((), title=title,
                              empty=f"There is no page {at.page}: {where}{shown}."),))
    blocks: list[Block] = [ItemList(tuple(items), title=title, empty=empty)]
    longer = has_more or at.page > 1
    if items and longer:
        line = count_line(at, len(items), total, has_more, noun or "items")
        if has_more:
            line += " Say `more` for the next page."
        blocks.append(Context(line))
    if not has_more:
        return Page(tuple(blocks))
    button = Button("More", command, {**{k: v for k, v in (args or {}).items()
                                         if v not in (None, "", [], ())},
                                      "page": at.page + 1})
    blocks.append(Actions((button,)))
    return Page(tuple(blocks), more_of(button), button)
