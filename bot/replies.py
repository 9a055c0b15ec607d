"""Outbound: replies made of neutral blocks. Each adapter has one module that renders them.

Text in blocks is plain; `*bold*` style markup is deliberately not used, so each renderer
decides how headings and labels look on its platform.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
class Option:
    """One answer a question accepts. Typed (one of `words`, or its number when the
    question is numbered) or pressed (a button with the same `command` and `args`), it does
    the same thing: runs `command` with `args` as the member, or, with no command, just says
    `said` ("OK, nothing was changed.")."""

    label: str
    command: str = ""
    args: Mapping[str, Any] = field(default_factory=dict)
    words: tuple[str, ...] = ()
    said: str = ""


@dataclass(frozen=True)
class Question:
    """What a reply asks its reader, so that what they type next is understood as the
    answer (in the console, a DM or a mention; by any running copy of the bot): a
    confirmation, a choice between offered options, "more" for the next page, or a form
    asked one field at a time where forms cannot be shown. The core records it for the
    caller (or, on a message it sends, for the recipient) and it lapses after `minutes`
    (default: `[conversation] answer_minutes`). Build one with `confirm`, `choose` or
    `more_of`."""

    prompt: str
    options: tuple[Option, ...] = ()
    numbered: bool = False
    """Options can be answered by their number (1, 2, ...), as listed."""
    form: Form | None = None
    minutes: float | None = None

    def option_for(self, button: Button) -> Option | None:
        """The option a button stands for (same command and arguments), if any."""
        return next((o for o in self.options if o.command and o.command == button.command
                     and dict(o.args) == dict(button.args)), None)


YES_WORDS = ("yes", "y", "yeah", "yea", "yep", "yup", "ya", "yes please", "sure", "ok",
             "okay", "k", "go ahead", "go on", "do it", "confirm", "confirmed", "please do",
             "definitely", "absolutely", "of course", "correct", "affirmative", "aye",
             "yes do it", "yes go ahead", "yes i am sure", "i am sure", "im sure")
NO_WORDS = ("no", "n", "nope", "nah", "no thanks", "no thank you", "cancel", "stop",
            "dont", "do not", "never mind", "nevermind", "leave it", "abort", "no dont",
            "not really", "keep it", "changed my mind")
MORE_WORDS = ("more", "next", "next page", "show more", "more please", "keep going",
              "continue", "and the rest", "the rest", "see more", "m")
NOTHING_CHANGED = "OK, nothing was changed."


def confirm(prompt: str, yes: Button, *, no: str = NOTHING_CHANGED,
            minutes: float | None = None) -> Question:
    """A yes/no question: `yes` does what the button does; `no` changes nothing."""
    return Question(prompt=prompt, minutes=minutes, options=(
        Option(yes.label, yes.command, dict(yes.args), YES_WORDS),
        Option("No", words=NO_WORDS, said=no)))


def choose(prompt: str, buttons: Sequence[Button], *, minutes: float | None = None,
           words: Mapping[int, Sequence[str]] | None = None) -> Question:
    """A choice between the buttons, answered by number (in order) or by label; `words`
    adds other ways to say option i (0-based)."""
    extra = words or {}
    return Question(prompt=prompt, numbered=True, minutes=minutes, options=tuple(
        Option(b.label, b.command, dict(b.args), (b.label, *extra.get(i, ())))
        for i, b in enumerate(buttons)))


def more_of(button: Button) -> Question:
    """A listing's next page: `more` (or `next`) does what its More button does."""
    return Question(prompt="Say `more` for the next page.",
                    options=(Option(button.label, button.command, dict(button.args),
                                    MORE_WORDS),))


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
    question: Question | None = None
    """What a typed answer to this reply would mean (see `Question`)."""

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
