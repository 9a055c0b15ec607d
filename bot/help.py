"""`help` and `help <command>`, generated from the command definitions."""

from __future__ import annotations

from typing import Annotated

from bot.commands import Arg, Args, Capability, Command
from bot.context import Context
from bot.errors import UserError
from bot.replies import Context as SmallPrint
from bot.replies import Field, ItemList, ListItem, Reply, Section


class HelpArgs(Args):
    command: Annotated[str | None, Arg(help="a command to explain", rest=True)] = None


async def show_help(ctx: Context, args: HelpArgs) -> Reply:
    registry = ctx.services.registry
    if args.command:
        command = registry.get(args.command) or registry.get(args.command.split()[0])
        if command is None or command.hidden:
            raise UserError(f"There is no command {args.command[:40]!r}. Say `help` for the "
                            "list.")
        return Reply(blocks=(describe(command),))
    items = tuple(ListItem(f"{c.usage_line()}", c.summary) for c in registry.visible())
    name = ctx.settings.network.name
    return Reply(blocks=(
        ItemList(items, title=f"{name}: what I can do"),
        SmallPrint("Say `help <command>` for details and examples."),
    ))


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
        name="help", summary="List what I can do, or explain one command.",
        handler=show_help, args=HelpArgs, aliases=("?", "commands"), usage="help [command]",
        examples=("help", "help whodone"))],
)
