"""`help`: one screen (the five most useful commands and the topics), `help <topic>` (one
capability's commands), `help all` (every command, by capability, page by page) and
`help <command>` (usage and examples); all generated from the command definitions."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field as PydanticField

from bot.commands import Arg, Args, Capability, Command, CommandRegistry
from bot.context import Context
from bot.errors import UserError
from bot.paging import PageArg, count_line, window
from bot.replies import (
    Actions,
    Block,
    Button,
    Field,
    ItemList,
    ListItem,
    Reply,
    Section,
    Text,
    more_of,
)
from bot.replies import Context as SmallPrint

FEATURED = ("whodone", "done add", "intro", "teachmeet list", "pins")
"""The five commands `help` leads with: find people, be found, introduce yourself, what's
on, the library."""
ALL_PAGE = 12
_FILLER = re.compile(r"^(?:me|us|please|pls|plz|i|im|stuck|lost|\?+|what|with|out|now|"
                     r"anything|something|the|a|how)(?:\s+|$)", re.IGNORECASE)


class HelpArgs(Args):
    command: Annotated[str | None, Arg(help="a command or topic to explain, or `all`",
                                       rest=True), PydanticField(max_length=200)] = None
    page: PageArg = 1


def _example(command: Command) -> str:
    return command.examples[0] if command.examples else command.name


async def show_help(ctx: Context, args: HelpArgs) -> Reply:
    registry = ctx.services.registry
    wanted = (args.command or "").strip()
    while _FILLER.match(wanted):  # "help me", "help please": the overview
        wanted = _FILLER.sub("", wanted, count=1).strip()
    if not wanted:
        return overview(registry, ctx.settings.network.name, configured_moderator(ctx))
    lowered = wanted.lower()
    if lowered in ("all", "everything", "commands", "all commands", "more"):
        return everything(registry, args.page, await ctx.is_moderator())
    if lowered in MODERATION:
        return about_group(moderation(registry))
    group = topic(registry, lowered)
    if group is not None:
        return about_group(group)
    command = registry.get(wanted) or registry.get(wanted.split()[0])
    if command is None or command.hidden:
        from bot.intents import suggestions

        close = [s for s in suggestions(registry, wanted) if registry.get(s) is not None]
        hint = (" Did you mean " + " or ".join(f"`help {s}`" for s in close) + "?"
                if close else "")
        raise UserError(f"There is no command or topic {wanted[:40]!r}.{hint} Say `help` "
                        "for the list.")
    return Reply(blocks=(describe(command),))


MODERATION = ("moderation", "moderators", "moderator", "mod", "mods")


def configured_moderator(ctx: Context) -> bool:
    """A moderator by the configuration alone: `help` itself reads no database."""
    caller, settings = ctx.caller, ctx.settings
    if caller.platform == "console":
        return caller.user_id in settings.console.moderators
    space = settings.space(caller.platform, caller.space_id)
    return space is not None and (caller.user_id in space.moderators
                                  or bool(caller.roles & set(space.moderator_groups)))


def moderation(registry: CommandRegistry) -> Capability:
    """Every moderator's command, wherever it lives, as one help topic."""
    return Capability(name="moderation", title="Moderation (moderators only)",
                      commands=[c for c in registry.visible() if c.moderator_only])


def topic(registry: CommandRegistry, word: str) -> Capability | None:
    for group in registry.groups:
        if word in group.topics or word == group.title.lower() or word == group.name:
            return group
    return None


def _topics_line(registry: CommandRegistry) -> str:
    return "\n".join(f"• `help {g.topics[0] if g.topics else g.name}` — {g.title}"
                     for g in registry.groups)


def overview(registry: CommandRegistry, network: str, moderator: bool) -> Reply:
    """One phone screen: five commands, the topics, and where the rest is."""
    featured = [c for name in FEATURED if (c := registry.get(name)) is not None]
    items = tuple(ListItem(f"{_example(c)}", c.summary) for c in featured)
    more = "`help all` lists every command; `help <command>` explains one."
    if moderator:
        more += " `help moderation` shows yours as a moderator."
    return Reply(blocks=(
        ItemList(items, title=f"{network}: what I can do"),
        Text("More, by topic:\n" + _topics_line(registry)),
        SmallPrint(more),
    ))


def about_group(group: Capability) -> Reply:
    marked = group.name != "moderation"
    items = tuple(ListItem(c.usage_line(), c.summary + (" (moderators)" if marked and
                                                        c.moderator_only else ""))
                  for c in group.commands if not c.hidden)
    return Reply(blocks=(ItemList(items, title=group.title),
                         SmallPrint("`help <command>` explains one, with examples.")))


def everything(registry: CommandRegistry, page: int, moderator: bool) -> Reply:
    """Every command under its capability's title, a page at a time."""
    listed = [(group, c) for group in registry.groups for c in group.commands
              if not c.hidden and (moderator or not c.moderator_only)]
    at = window(page, ALL_PAGE)
    shown = listed[at.offset:at.offset + at.size]
    if not shown:
        pages = max(1, -(-len(listed) // at.size))
        raise UserError(f"There is no page {page}: `help all` has {pages} pages.",
                        field="page")
    blocks: list[Block] = []
    titles = list(dict.fromkeys(g.title for g, _ in shown))
    for title in titles:
        blocks.append(ItemList(tuple(
            ListItem(c.usage_line(), c.summary + (" (moderators)" if c.moderator_only else ""))
            for g, c in shown if g.title == title), title=title))
    more = at.offset + len(shown) < len(listed)
    line = count_line(at, len(shown), len(listed), more, "commands")
    if not more:
        blocks.append(SmallPrint(line + " `help <command>` explains one."))
        return Reply(blocks=tuple(blocks))
    button = Button("More", "help", {"command": "all", "page": at.page + 1})
    blocks += [SmallPrint(line + " Say `more` for the next page."), Actions((button,))]
    return Reply(blocks=tuple(blocks), question=more_of(button))


def describe(command: Command) -> Section:
    fields = [Field("Usage", f"`{command.usage_line()}`", inline=False)]
    for name, meta, info in command.arg_specs():
        if meta.help:
            need = "" if info.is_required() else " (optional)"
            fields.append(Field(name.replace("_", " "), f"{meta.help}{need}"))
    if command.aliases:
        fields.append(Field("Also", ", ".join(f"`{a}`" for a in command.aliases)))
    if command.examples:
        fields.append(Field("Examples", "\n".join(f"`{e}`" for e in command.examples),
                            inline=False))
    if command.moderator_only:
        fields.append(Field("Who", "moderators only"))
    return Section(title=command.name, text=command.description or command.summary,
                   fields=tuple(fields))


CAPABILITY = Capability(
    name="help",
    commands=[Command(
        name="help", summary="List what I can do, or explain one command or topic.",
        handler=show_help, args=HelpArgs, aliases=("?", "commands"),
        usage="help [all|topic|command]",
        examples=("help", "help all", "help teachmeets", "help whodone"))],
)
