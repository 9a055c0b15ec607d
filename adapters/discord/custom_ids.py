"""Stable custom_ids for buttons, select options and modals: `sr1:<kind>:<command>:<args>`.

A custom_id only says WHICH command a component stands for and with which arguments; it
carries no authority. Pressing re-runs that command as the presser through the core, which
re-checks everything, so a forged or replayed id can do no more than typing the command.
Nothing is kept in memory, so components keep working after a restart.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

PREFIX = "sr1"
MAX_CUSTOM_ID = 100
MAX_OPTION_VALUE = 100

Kind = Literal["run", "confirm", "form", "select", "cancel", "page", "edit"]
_CODES: dict[str, Kind] = {"b": "run", "k": "confirm", "f": "form", "s": "select",
                           "x": "cancel", "p": "page", "e": "edit"}
"""`page` and `edit` carry a draft token in place of a command: a page of a form longer
than one modal, or re-opening a form to fix what was typed (see the adapter's drafts)."""
_KINDS = {kind: code for code, kind in _CODES.items()}


@dataclass(frozen=True)
class Target:
    """What a component stands for: a command to run (or confirm first), or a form."""

    kind: Kind
    command: str = ""
    args: Mapping[str, Any] = field(default_factory=dict)


def _body(kind: Kind, command: str, args: Mapping[str, Any]) -> str:
    packed = json.dumps(dict(args), separators=(",", ":"), ensure_ascii=False) if args else ""
    return f"{_KINDS[kind]}:{command}:{packed}"


def encode(target: Target) -> str | None:
    """The custom_id for a button or modal; None when it would exceed Discord's 100."""
    value = f"{PREFIX}:{_body(target.kind, target.command, target.args)}"
    return value if len(value) <= MAX_CUSTOM_ID else None


def encode_option(target: Target) -> str | None:
    """A select option's value (the select's own custom_id is just `sr1:s:<n>`)."""
    value = _body(target.kind, target.command, target.args)
    return value if len(value) <= MAX_OPTION_VALUE else None


def select_id(index: int) -> str:
    return f"{PREFIX}:s:{index}"


def is_ours(custom_id: str) -> bool:
    return custom_id.startswith(f"{PREFIX}:")


def decode(custom_id: str) -> Target | None:
    """The target of one of our custom_ids (or a select option value); None if malformed."""
    raw = custom_id.removeprefix(f"{PREFIX}:")
    code, _, rest = raw.partition(":")
    kind = _CODES.get(code)
    if kind is None:
        return None
    if kind in ("select", "cancel"):
        return Target(kind)
    command, sep, packed = rest.partition(":")
    if not sep or not command:
        return None
    try:
        args = json.loads(packed) if packed else {}
    except ValueError:
        return None
    if not isinstance(args, dict):
        return None
    return Target(kind, command, args)
