"""Inbound: frozen, platform-neutral descriptions of what happened on a platform.

Adapters build these from Slack or Discord payloads; the core never sees the payloads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Caller:
    """Who is asking, and where. `roles` are the caller's Slack user groups or Discord roles,
    supplied by the adapter so moderator rights can be checked on every action."""

    platform: str
    space_id: str
    user_id: str
    display_name: str = ""
    channel_id: str = ""
    roles: frozenset[str] = frozenset()
    is_direct: bool = False


@dataclass(frozen=True)
class TextMessage:
    """A command typed as text: a slash command's text, a mention, a DM, a console line."""

    caller: Caller
    text: str
    forms: bool = True
    """Whether the platform can show a reply's form (a modal). Where it cannot (the
    console), the core asks the form's fields one at a time instead."""
    conversational: bool = True
    """False for text run to fill a view nobody replies to (Slack's App Home): questions
    in its answer are not recorded, so they cannot replace one the member is answering."""


@dataclass(frozen=True)
class CommandInvocation:
    """A command chosen by name with already-typed arguments (Discord options, a button
    press, a form submission). Arguments are validated exactly as parsed text would be."""

    caller: Caller
    command: str
    args: Mapping[str, Any] = field(default_factory=dict)
    from_form: bool = False


@dataclass(frozen=True)
class MemberJoined:
    """Someone joined a space (Slack team_join / Discord on_member_join)."""

    caller: Caller
    channel_id: str = ""
