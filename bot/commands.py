"""Commands declared as data, and the registry that refuses duplicates at start-up.

A command is a name (one or more words: "done list", "teachmeet create"), typed arguments
(a pydantic model whose fields carry `Arg` metadata), help text and a plain async handler
`async def handler(ctx, args) -> Reply`. Adapters never define commands of their own: the
console, Slack and Discord all read this registry.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.context import Context, Services
    from bot.events import MemberJoined
    from bot.http import HttpServer
    from bot.intents import Intent, Matcher
    from bot.replies import Block, Reply
    from scheduled import Scheduler


@dataclass(frozen=True)
class Arg:
    """How an argument is written in text and described on platforms with typed options.

    Put it in `Annotated[type, Arg(...)]` on a field of the command's argument model.
    """

    help: str = ""
    rest: bool = False
    """Takes every word left over (a summary, a query, a title)."""
    tags: bool = False
    """Collects `#tag` words."""
    year: bool = False
    """Takes a trailing four-digit year."""
    after: str = ""
    """Takes everything after this separator, e.g. "--" for a description."""
    complete: str = ""
    """Name of an autocomplete source the core offers (e.g. "regions"), if any."""
    numbers: str = ""
    """An id: what it numbers ("pin", "teach-meet"). Give it `ID_RANGE` too: a number
    outside 1..MAX_ID names nothing, and is answered as such before any query runs."""
    date: bool = False
    """A date or time in words, read by the command (`teachmeet create`'s start); marked so
    the hostile-input tests find every one, including new ones."""


MAX_ID = 2**31 - 1
"""The largest row id: ids are 32-bit integers on PostgreSQL, and SQLite cannot even bind a
number past 2^63, so anything larger is answered at parse time, not by a database error."""
ID_RANGE = Field(ge=1, le=MAX_ID)
"""The bounds of every id argument (`Annotated[int, Arg(numbers=...), ID_RANGE]`)."""


def no_such_id(what: str, typed: object) -> str:
    """The answer to an id that cannot exist (0, -5, 99999999999999999999)."""
    shown = str(typed).strip().lstrip("#")
    shown = shown if len(shown) <= 24 else shown[:23] + "…"
    return f"There is no {what} #{shown}: {what} numbers run from 1 to {MAX_ID:,}."


def _without_controls(value: Any) -> Any:
    if isinstance(value, str):
        return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    if isinstance(value, list):
        return [_without_controls(v) for v in value]
    return value


class Args(BaseModel):
    """Base for argument models: unknown names are errors; text is stripped of white space
    and control characters whichever way it arrived (typed, a button, a form, an option)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _clean(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: _without_controls(v) for k, v in data.items()}
        return data


class NoArgs(Args):
    pass


Handler = Callable[["Context", Any], Awaitable["Reply"]]
JoinHook = Callable[["Context", "MemberJoined"], Awaitable[None]]
DigestSection = Callable[["DigestRequest"], Awaitable[list["Block"]]]
"""Blocks a capability adds to a space's weekly digest; empty when it has nothing new."""
ForgetHook = Callable[["AsyncSession", int], Awaitable[None]]
"""Erase everything a capability stores about one member (`forgetme`), in the caller's unit
of work; it runs before the member row itself is deleted."""
LeaveHook = Callable[["Context", int, bool], Awaitable[list[str]]]
"""What becomes of what a leaving member runs for others (their teach-meets): one line each
for `forgetme`'s confirmation; called again with True to do it, in the caller's unit of
work, before any `ForgetHook` erases the member, so others' sign-ups survive a handover."""
ExportHook = Callable[["AsyncSession", int], Awaitable[Any]]
"""Everything a capability stores about one member, as JSON-ready data (`mydata`)."""
CompletionSource = Callable[["Context", str], Awaitable[Sequence[str]]]
"""Suggestions for what the caller has typed so far into an argument whose `Arg.complete`
names this source (regions, teach-meet ids, tags); platforms with autocomplete show them."""
MAX_COMPLETIONS = 25
HttpRoutes = Callable[["HttpServer", "Services"], None]
"""Adds a capability's routes (calendar feeds, web pages) to the bot's HTTP server."""


@dataclass(frozen=True)
class DigestRequest:
    """What a digest section needs: the space, the period, a session and the services."""

    services: Services
    session: AsyncSession
    platform: str
    space_id: str
    since: datetime
    until: datetime


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    handler: Handler
    args: type[Args] = NoArgs
    aliases: tuple[str, ...] = ()
    usage: str = ""
    """Shown in help; generated from the argument model when empty."""
    description: str = ""
    examples: tuple[str, ...] = ()
    moderator_only: bool = False
    patterns: tuple[str, ...] = ()
    """Plain-language regexes (matched case-insensitively against the whole message) whose
    named groups become arguments, e.g. r"who(?:'s| has) done (?P<query>.+)"."""
    hidden: bool = False
    """Reached through buttons and forms only; left out of `help`'s list."""

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.name.split())

    def arg_specs(self) -> list[tuple[str, Arg, Any]]:
        """(field name, Arg metadata, field info) in declaration order."""
        out = []
        for name, info in self.args.model_fields.items():
            meta = next((m for m in info.metadata if isinstance(m, Arg)), Arg())
            out.append((name, meta, info))
        return out

    def usage_line(self) -> str:
        return self._usage_line

    @functools.cached_property
    def _usage_line(self) -> str:
        """Worked out once: help lists every command's usage on every call."""
        if self.usage:
            return self.usage
        parts = [self.name]
        for name, meta, info in self.arg_specs():
            shown = f"#{name}" if meta.tags else (f"{meta.after} <{name}>" if meta.after
                                                   else f"<{name}>")
            if meta.rest and not meta.after:
                shown = f"<{name}...>"
            parts.append(shown if info.is_required() else f"[{shown}]")
        return " ".join(parts)


class DuplicateCommandError(RuntimeError):
    """Two commands (or aliases) claim the same name; raised at start-up, never later."""


@dataclass
class Capability:
    """What one feature module contributes: its commands and its event hooks."""

    name: str
    commands: Sequence[Command] = ()
    on_member_joined: Sequence[JoinHook] = ()
    schedule: Callable[[Scheduler], None] | None = None
    """Registers the capability's due-work handlers and planners with the scheduler."""
    digest: DigestSection | None = None
    forget: ForgetHook | None = None
    """Deletes the capability's rows about a member; every table holding personal data needs
    one, so `forgetme` leaves nothing behind."""
    leave: LeaveHook | None = None
    """Hands over (or cancels, telling those signed up) what the member runs for others."""
    export: ExportHook | None = None
    """Returns the capability's data about a member for `mydata`, under the capability name."""
    completions: Mapping[str, CompletionSource] = field(default_factory=dict)
    """Autocomplete sources by name, for `Arg(complete=name)` on any capability's commands."""
    http: HttpRoutes | None = None
    """Adds the capability's routes to the HTTP server, before it starts."""
    intents: Sequence[Intent] = ()
    """How people ask for the registry's commands in their own words (`bot.intents`)."""
    title: str = ""
    """The capability as `help` groups it ("Who's done what"); empty: not a help topic."""
    topics: tuple[str, ...] = ()
    """Words `help <topic>` knows the capability by ("people", "whodone")."""


@dataclass
class CommandRegistry:
    commands: dict[str, Command] = field(default_factory=dict)
    _names: dict[tuple[str, ...], Command] = field(default_factory=dict)
    _patterns: list[tuple[re.Pattern[str], Command]] = field(default_factory=list)
    join_hooks: list[JoinHook] = field(default_factory=list)
    forgetters: list[ForgetHook] = field(default_factory=list)
    leave_hooks: list[LeaveHook] = field(default_factory=list)
    exporters: dict[str, ExportHook] = field(default_factory=dict)
    completions: dict[str, CompletionSource] = field(default_factory=dict)
    intents: list[Intent] = field(default_factory=list)
    groups: list[Capability] = field(default_factory=list)
    """Capabilities with commands and a help title, in order: `help`'s topics."""
    _matcher: Matcher | None = None

    @classmethod
    def from_capabilities(cls, capabilities: Iterable[Capability]) -> CommandRegistry:
        registry = cls()
        for capability in capabilities:
            for command in capability.commands:
                registry.add(command)
            registry.intents.extend(capability.intents)
            if capability.title and capability.commands:
                registry.groups.append(capability)
            registry.join_hooks.extend(capability.on_member_joined)
            if capability.forget is not None:
                registry.forgetters.append(capability.forget)
            if capability.leave is not None:
                registry.leave_hooks.append(capability.leave)
            if capability.export is not None:
                registry.exporters[capability.name] = capability.export
            for name, source in capability.completions.items():
                if name in registry.completions:
                    raise DuplicateCommandError(f"autocomplete source {name!r} is offered "
                                                f"twice (again by {capability.name!r})")
                registry.completions[name] = source
        return registry

    def add(self, command: Command) -> None:
        for name in (command.name, *command.aliases):
            key = tuple(name.lower().split())
            if key in self._names:
                raise DuplicateCommandError(
                    f"command name {name!r} is used by both {self._names[key].name!r} "
                    f"and {command.name!r}")
            self._names[key] = command
        self.commands[command.name] = command
        for pattern in command.patterns:
            self._patterns.append((re.compile(pattern, re.IGNORECASE | re.DOTALL), command))

    def get(self, name: str) -> Command | None:
        return self._names.get(tuple(name.lower().split()))

    def visible(self) -> list[Command]:
        return sorted((c for c in self.commands.values() if not c.hidden),
                      key=lambda c: c.name)

    def resolve(self, words: Sequence[str]) -> tuple[Command, int] | None:
        """The command named by the longest prefix of `words`, and how many words it used."""
        lowered = tuple(w.lower().rstrip("!?.,;:") or w.lower() for w in words)  # "help!"
        for size in range(min(len(lowered), 4), 0, -1):
            command = self._names.get(lowered[:size])
            if command is not None:
                return command, size
        return None

    def match_intent(self, text: str) -> tuple[Command, dict[str, str]] | None:
        """A command asked for in plain words ("can anyone help with SIMS?")."""
        if not self.intents:
            return None
        if self._matcher is None:
            from bot.intents import Matcher

            self._matcher = Matcher(self.intents)
        return self._matcher.match(self, text)

    def group_of(self, command: Command) -> Capability | None:
        return next((g for g in self.groups if command in g.commands), None)

    def match_pattern(self, text: str) -> tuple[Command, dict[str, str]] | None:
        for pattern, command in self._patterns:
            found = pattern.fullmatch(text)
            if found:
                return command, {k: v for k, v in found.groupdict().items() if v is not None}
        return None


def is_list_field(info: Any) -> bool:
    annotation = info.annotation
    return getattr(annotation, "__origin__", None) in (list, tuple) or any(
        getattr(a, "__origin__", None) in (list, tuple) for a in get_args(annotation))
