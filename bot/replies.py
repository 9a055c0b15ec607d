"""Outbound: replies made of neutral blocks. Each adapter has one module that renders them.

Text in blocks is plain; `*bold*` style markup is deliberately not used, so each renderer
decides how headings and labels look on its platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Visibility = Literal["private", "channel"]
Audience = Literal["caller", "channel"]
ButtonStyle = Literal["default", "primary", "danger"]
Tone = Literal["info", "success", "warning", "error"]


@dataclass(frozen=True)
class Button:
    """Pressing it runs `command` with `args` as the presser (re-checked like typed input),
    or, for a link button (`url` set, no command), opens that web address."""

    label: str
    command: str = ""
    args: Mapping[str, Any] = field(default_factory=dict)
    style: ButtonStyle = "default"
    confirm: str = ""
    """If set, the platform asks "are you sure?" with this text before sending the press."""
    url: str = ""
    """An absolute http(s) address: the button is a link (a web page), not a command."""


@dataclass(frozen=True)
class Field:
    label: str
    value: str
    inline: bool = True


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Section:
    """A titled block with optional body, fields and actions (a profile, an event card)."""

    title: str
    text: str = ""
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str = ""
    link: str = ""


@dataclass(frozen=True)
class ListItem:
    title: str
    text: str = ""
    buttons: tuple[Button, ...] = ()
    marks: tuple[tuple[int, int], ...] = ()
    """(start, end) spans of `text` to emphasise, in order: the words a search matched, so
    a reader sees at a glance why a result is there. Renderers escape the text as ever."""


def segments(text: str, marks: tuple[tuple[int, int], ...]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, emphasised) by `marks`, for renderers."""
    out: list[tuple[str, bool]] = []
    last = 0
    for start, end in marks:
        start, end = max(start, last), min(end, len(text))
        if start >= end:
            continue
        if start > last:
            out.append((text[last:start], False))
        out.append((text[start:end], True))
        last = end
    if last < len(text):
        out.append((text[last:], False))
    return out


@dataclass(frozen=True)
class ItemList:
    items: tuple[ListItem, ...]
    title: str = ""
    empty: str = "Nothing to show."


@dataclass(frozen=True)
class Actions:
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Context:
    """Small print: hints, counts, "showing 5 of 23"."""

    text: str


Block = Text | Section | ItemList | Actions | Context


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: Literal["text", "long_text", "choice", "number"] = "text"
    required: bool = False
    max_length: int | None = None
    initial: str = ""
    placeholder: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    """(value, label) pairs for kind="choice"."""


@dataclass(frozen=True)
class Form:
    """A form (Slack modal, Discord modal); submitting it runs `command` with the values."""

    title: str
    command: str
    fields: tuple[FormField, ...]
    submit_label: str = "Save"
    hidden: Mapping[str, Any] = field(default_factory=dict)
    """Fixed argument values carried through the form (ids), re-checked on submit."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Reply:
    blocks: tuple[Block, ...] = ()
    visibility: Visibility = "private"
    tone: Tone = "info"
    form: Form | None = None
    attachment: Attachment | None = None
    field_errors: Mapping[str, str] = field(default_factory=dict)
    """For a rejected form submission: per-field messages to show inside the form."""

    @property
    def is_error(self) -> bool:
        return self.tone == "error"

    def plain_text(self) -> str:
        """A plain-text fallback (notifications, logs, terminal)."""
        from bot.render_text import render_text

        return render_text(self)


@dataclass(frozen=True)
class Answer:
    """The core's answer to one event, complete: which command ran with which validated
    arguments, the reply with who sees it already decided, and anything the caller alone
    must also be told (messages that could not be delivered). Adapters only transport and
    render it; none of them re-decides the audience or re-parses what was typed."""

    reply: Reply
    audience: Audience = "caller"
    command: str = ""
    """The resolved command's name; empty when the event named no command the core knows."""
    args: Mapping[str, Any] = field(default_factory=dict)
    """Its arguments as validated (JSON-ready): running `command` with them again, as a
    button does, means the same thing."""
    aside: Reply | None = None
    """For the caller alone, next to a reply meant for the channel."""

    @property
    def for_channel(self) -> bool:
        return self.audience == "channel"

    def seen_by_caller(self) -> Reply:
        """The reply and the aside as one reply: what a single reader (a terminal, a test)
        is shown."""
        if self.aside is None:
            return self.reply
        tone = self.reply.tone if self.reply.tone == "error" else self.aside.tone
        return replace(self.reply, blocks=(*self.reply.blocks, *self.aside.blocks), tone=tone)


def text(message: str, *, visibility: Visibility = "private", tone: Tone = "info") -> Reply:
    return Reply(blocks=(Text(message),), visibility=visibility, tone=tone)


def error(message: str, **field_errors: str) -> Reply:
    return Reply(blocks=(Text(message),), tone="error", field_errors=field_errors)
