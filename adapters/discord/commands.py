"""Discord application commands generated from the core's command registry.

Multi-word names become groups (`/done list`, `/teachmeet create`); argument models become
typed options (descriptions from `Arg.help`, choices from `Literal`, autocomplete where
`Arg.complete` names a source the core offers). Nothing here is Discord-only behaviour:
a new capability's commands appear on the next `discord-sync` with no change here.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types

from bot.commands import Command, CommandRegistry, is_list_field

SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN, NUMBER = 1, 2, 3, 4, 5, 10
CHAT_INPUT = 1
MAX_NAME, MAX_DESCRIPTION, MAX_CHOICES, MAX_OPTIONS, MAX_STRING = 32, 100, 25, 25, 6000
MAX_SAFE_INT = 2**53
LEAF_IN_GROUP = ("show", "run")
"""Sub-command names for a command whose name is also the prefix of other commands."""
_NAME_BAD = re.compile(r"[^-_'\w]+")


def discord_name(word: str) -> str:
    """A valid (lower-case, ≤32 characters, no spaces) Discord command or option name."""
    return (_NAME_BAD.sub("-", word.lower()).strip("-") or "x")[:MAX_NAME]


def _description(text: str, fallback: str) -> str:
    text = " ".join((text or fallback).split())
    return text if len(text) <= MAX_DESCRIPTION else text[:MAX_DESCRIPTION - 1] + "…"


@dataclass(frozen=True)
class Option:
    """One argument of a command as a Discord option."""

    name: str
    field: str
    type: int
    description: str
    required: bool
    is_list: bool = False
    choices: tuple[Any, ...] = ()
    complete: str = ""
    limits: tuple[tuple[str, Any], ...] = ()

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "name": self.name,
                               "description": self.description, "required": self.required}
        if self.choices:
            out["choices"] = [{"name": str(c)[:100], "value": c} for c in self.choices]
        elif self.complete:
            out["autocomplete"] = True
        out.update(self.limits)
        return out

    def convert(self, value: Any) -> Any:
        """An option value as the args model expects it (lists from "a, b c")."""
        if self.is_list and isinstance(value, str):
            return [w.lstrip("#") for w in re.split(r"[\s,]+", value) if w.lstrip("#")]
        return value


def _unwrap(annotation: Any) -> Any:
    """`X | None` -> X."""
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [a for a in get_args(annotation) if a is not type(None)]
        if len(rest) == 1:
            return _unwrap(rest[0])
    return annotation


def _limits(kind: int, metadata: Sequence[Any]) -> tuple[tuple[str, Any], ...]:
    out: dict[str, Any] = {}
    for m in metadata:
        if kind in (INTEGER, NUMBER):
            if isinstance(m, annotated_types.Ge):
                out["min_value"] = m.ge
            elif isinstance(m, annotated_types.Gt):
                out["min_value"] = m.gt + 1 if kind == INTEGER else m.gt
            elif isinstance(m, annotated_types.Le):
                out["max_value"] = m.le
            elif isinstance(m, annotated_types.Lt):
                out["max_value"] = m.lt - 1 if kind == INTEGER else m.lt
        elif kind == STRING:
            if isinstance(m, annotated_types.MinLen):
                out["min_length"] = min(m.min_length, MAX_STRING)
            elif isinstance(m, annotated_types.MaxLen):
                out["max_length"] = min(m.max_length, MAX_STRING)
    for key in ("min_value", "max_value"):
        if key in out:
            out[key] = max(-MAX_SAFE_INT, min(MAX_SAFE_INT, out[key]))
    return tuple(sorted(out.items()))


def option_for(field_name: str, meta: Any, info: Any, completions: Mapping[str, Any]) -> Option:
    annotation = _unwrap(info.annotation)
    name = discord_name(field_name)
    description = _description(meta.help, field_name.replace("_", " "))
    required = info.is_required()
    if is_list_field(info):
        return Option(name, field_name, STRING, _description(
            f"{meta.help or field_name} (separate with spaces or commas)", field_name),
            required, is_list=True)
    choices: tuple[Any, ...] = ()
    if get_origin(annotation) is Literal:
        choices = get_args(annotation)[:MAX_CHOICES]
        sample = choices[0] if choices else ""
        kind = INTEGER if isinstance(sample, int) and not isinstance(sample, bool) else (
            NUMBER if isinstance(sample, float) else STRING)
    elif annotation is bool:
        kind = BOOLEAN
    elif annotation is int:
        kind = INTEGER
    elif annotation is float:
        kind = NUMBER
    else:
        kind = STRING
    complete = meta.complete if meta.complete in completions and kind == STRING else ""
    return Option(name, field_name, kind, description, required, choices=choices,
                  complete=complete, limits=_limits(kind, info.metadata))


@dataclass(frozen=True)
class Leaf:
    """A command as Discord shows it: its path (`("done", "list")`) and its options."""

    path: tuple[str, ...]
    command: Command
    options: tuple[Option, ...]

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    def payload(self, kind: int) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.path[-1],
                               "description": _description(self.command.summary,
                                                           self.command.name)}
        if kind == CHAT_INPUT:
            out["type"] = CHAT_INPUT
        else:
            out["type"] = SUB_COMMAND
        out["options"] = [o.payload() for o in self.options]
        return out


@dataclass(frozen=True)
class Invoked:
    """An application-command interaction read back into a command and its raw arguments."""

    leaf: Leaf
    args: dict[str, Any]
    focused: Option | None = None
    typed: str = ""


class SlashCommands:
    """The whole set of application commands for one registry, and the way back."""

    def __init__(self, registry: CommandRegistry) -> None:
        self.leaves: dict[tuple[str, ...], Leaf] = {}
        completions = registry.completions
        paths: dict[tuple[str, ...], Command] = {}
        for command in sorted(registry.commands.values(), key=lambda c: c.name):
            if command.hidden:
                continue
            words = [discord_name(w) for w in command.words]
            if len(words) > 3:
                words = [*words[:2], discord_name("-".join(words[2:]))]
            paths[tuple(words)] = command
        for path, command in paths.items():
            if any(other[:len(path)] == path and other != path for other in paths):
                path = (*path, next(n for n in LEAF_IN_GROUP if (*path, n) not in paths))
            specs = [option_for(n, m, i, completions) for n, m, i in command.arg_specs()]
            specs.sort(key=lambda o: not o.required)  # Discord wants required ones first
            self.leaves[path] = Leaf(path, command, tuple(specs[:MAX_OPTIONS]))

    def for_command(self, name: str) -> Leaf | None:
        return next((leaf for leaf in self.leaves.values() if leaf.command.name == name), None)

    def payload(self) -> list[dict[str, Any]]:
        """The JSON body for a bulk overwrite of the application's commands."""
        tops: dict[str, Any] = {}
        for path, leaf in sorted(self.leaves.items()):
            if len(path) == 1:
                tops[path[0]] = leaf.payload(CHAT_INPUT)
                continue
            top = tops.setdefault(path[0], {"type": CHAT_INPUT, "name": path[0],
                                            "description": "", "options": []})
            if len(path) == 2:
                top["options"].append(leaf.payload(SUB_COMMAND))
                continue
            group = next((o for o in top["options"]
                          if o["type"] == SUB_COMMAND_GROUP and o["name"] == path[1]), None)
            if group is None:
                group = {"type": SUB_COMMAND_GROUP, "name": path[1], "description": "",
                         "options": []}
                top["options"].append(group)
            group["options"].append(leaf.payload(SUB_COMMAND))
        for top in tops.values():
            for group in (top, *(o for o in top["options"] if o["type"] == SUB_COMMAND_GROUP)):
                if not group["description"]:
                    subs = ", ".join(o["name"] for o in group["options"])
                    group["description"] = _description(f"{group['name']}: {subs}",
                                                        group["name"])
        return list(tops.values())

    def read(self, data: Mapping[str, Any]) -> Invoked | None:
        """The command and raw arguments of an application-command (or autocomplete)
        interaction's `data`; None for a command this registry no longer has."""
        path = [str(data.get("name", ""))]
        options: list[Mapping[str, Any]] = list(data.get("options") or [])
        while options and options[0].get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            path.append(str(options[0].get("name", "")))
            options = list(options[0].get("options") or [])
        leaf = self.leaves.get(tuple(path))
        if leaf is None:
            return None
        args: dict[str, Any] = {}
        focused: Option | None = None
        typed = ""
        for given in options:
            option = leaf.option(str(given.get("name", "")))
            if option is None:
                continue
            if given.get("focused"):
                focused, typed = option, str(given.get("value", ""))
            args[option.field] = option.convert(given.get("value"))
        return Invoked(leaf, args, focused, typed)


def _normalise(options: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    out = []
    for o in options:
        out.append((
            int(o.get("type", CHAT_INPUT)), o.get("name"), o.get("description", ""),
            bool(o.get("required", False)), bool(o.get("autocomplete", False)),
            tuple((c.get("name"), c.get("value")) for c in o.get("choices") or ()),
            tuple((k, o.get(k)) for k in ("min_value", "max_value", "min_length",
                                          "max_length") if o.get(k) is not None),
            tuple(_normalise(o.get("options") or ())),
        ))
    return sorted(out, key=lambda t: (str(t[1]), t[0]))


def differences(registered: Sequence[Mapping[str, Any]],
                wanted: Sequence[Mapping[str, Any]]) -> list[str]:
    """Names of commands that are missing, stale or extra on Discord (empty: up to date)."""
    have = {c.get("name"): _normalise([c]) for c in registered}
    want = {c.get("name"): _normalise([c]) for c in wanted}
    out = [f"/{n} missing" for n in want if n not in have]
    out += [f"/{n} changed" for n in want if n in have and have[n] != want[n]]
    out += [f"/{n} no longer exists" for n in have if n not in want]
    return sorted(out)
