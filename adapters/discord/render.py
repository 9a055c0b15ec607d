"""The one place the core's neutral replies become Discord messages and modals.

Blocks become embeds (colour by tone), buttons become components whose custom_ids name a
command and its arguments (see `custom_ids`), long lists of actions become selects, forms
become modals, attachments become files. Discord's limits are respected here: 10 embeds and
6,000 characters a message, 25 fields an embed, 5 action rows of 5 buttons, 25 select
options, custom_ids of 100 and labels of 80 characters, modals of 5 inputs.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.common import KEPT_IF_EMPTY
from adapters.discord import custom_ids
from adapters.discord.custom_ids import Target
from bot.render_text import button_command
from bot.replies import (
    Actions,
    Button,
    Context,
    Form,
    FormField,
    ItemList,
    ListItem,
    Reply,
    Section,
    Text,
    segments,
)

log = logging.getLogger(__name__)

COLOURS = {"info": 0x5865F2, "success": 0x57F287, "warning": 0xFEE75C, "error": 0xED4245}
MAX_EMBEDS, MAX_TOTAL, MAX_FIELDS = 10, 6000, 25
MAX_TITLE, MAX_DESCRIPTION, MAX_FIELD_NAME, MAX_FIELD_VALUE, MAX_FOOTER = (
    256, 4096, 256, 1024, 2048)
MAX_ROWS, MAX_PER_ROW, MAX_LABEL, MAX_OPTIONS = 5, 5, 80, 25
MAX_MODAL_INPUTS, MAX_MODAL_TITLE, MAX_INPUT_LABEL, MAX_INPUT_VALUE = 5, 45, 45, 4000
MAX_PLACEHOLDER = 100
MAX_URL = 512
_STYLES = {"default": discord.ButtonStyle.secondary, "primary": discord.ButtonStyle.primary,
           "danger": discord.ButtonStyle.danger}
BLANK = "\u200b"
NOTE_RESERVE = 300
"""Characters of the 6,000 kept back for the notes that say what was left out."""
NO_PINGS = discord.AllowedMentions.none()
"""Members' text (a summary saying @everyone) must never ping anyone."""
_BROADCAST = re.compile(r"@(everyone|here)\b", re.IGNORECASE)
_MENTION = re.compile(r"<@([!&]?\d+)>")


def escape(text: str) -> str:
    """Member-written text made inert: `@everyone`, `@here`, user and role mentions are
    shown as typed, never as pings or mention pills (`allowed_mentions` says the same to
    Discord). The core writes no Discord markup of its own."""
    text = _BROADCAST.sub(f"@{BLANK}\\1", text)
    return _MENTION.sub(f"<@{BLANK}\\1>", text)


def short(text: str, limit: int) -> str:
    """Member-written text for a label, title or placeholder: escaped, then cut."""
    return cut(escape(text), limit)


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, marked with "…" where cut; nothing when there is no
    room at all."""
    text = text or ""
    if limit <= 0:
        return ""
    return text if len(text) <= limit else text[:limit - 1] + "…"


class StaticView(discord.ui.View):
    """Components only: presses are handled by the adapter's dispatcher from the custom_id,
    so discord.py must not keep this view in memory (it would grow with every message)."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    def is_finished(self) -> bool:
        return True


class StaticModal(discord.ui.Modal):
    """A modal whose submission the dispatcher handles from its custom_id."""

    def is_finished(self) -> bool:
        return True


@dataclass
class Message:
    """Keyword arguments for `send`, `send_message` or a follow-up."""

    embeds: list[discord.Embed] = field(default_factory=list)
    view: StaticView | None = None
    file: discord.File | None = None
    ephemeral: bool = False

    def kwargs(self, *, interaction: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"embeds": self.embeds, "allowed_mentions": NO_PINGS}
        if self.view is not None:
            out["view"] = self.view
        if self.file is not None:
            out["file"] = self.file
        if interaction:
            out["ephemeral"] = self.ephemeral
        return out


@dataclass
class _Action:
    label: str
    button: Button
    target: Target | None = None
    """Set for the adapter's own actions (continue a form); else built from the button."""


class _Embeds:
    """Builds embed dicts within Discord's per-message limits: 10 embeds, 6,000 characters
    in all. Content draws on all but a reserve; the notes that say what was left out
    ("showing 12 of 40") draw on the reserve, so they always fit."""

    def __init__(self, colour: int) -> None:
        self.colour = colour
        self.embeds: list[dict[str, Any]] = []
        self.left = MAX_TOTAL - NOTE_RESERVE
        self.reserve = NOTE_RESERVE
        self.dropped = 0

    def take(self, text: str, limit: int, *, note: bool = False) -> str:
        """`text` escaped and cut to fit both `limit` and what is left of the budget."""
        room = self.left + (self.reserve if note else 0)
        text = cut(escape(text), min(limit, room))
        spent = len(text)
        if note:
            from_reserve = min(spent, self.reserve)
            self.reserve -= from_reserve
            spent -= from_reserve
        self.left -= spent
        return text

    def spend(self, count: int, *, note: bool = False) -> bool:
        """Set aside `count` characters (separators); False if there is no room."""
        from_reserve = min(count, self.reserve) if note else 0
        if count - from_reserve > self.left:
            return False
        self.reserve -= from_reserve
        self.left -= count - from_reserve
        return True

    def new(self) -> dict[str, Any] | None:
        if len(self.embeds) >= MAX_EMBEDS or self.left < 50:
            self.dropped += 1
            return None
        embed: dict[str, Any] = {"type": "rich", "color": self.colour}
        self.embeds.append(embed)
        return embed

    def last(self) -> dict[str, Any] | None:
        return self.embeds[-1] if self.embeds else self.new()

    def add_text(self, text: str) -> None:
        embed = self.embeds[-1] if self.embeds and not self.embeds[-1].get("fields") \
            else self.new()
        if embed is None:
            return
        before = embed.get("description", "")
        joiner = "\n\n" if before else ""
        if not self.spend(len(joiner)):
            self.dropped += 1
            return
        shown = self.take(text, MAX_DESCRIPTION - len(before) - len(joiner))
        if not shown:
            self.left += len(joiner)
            self.dropped += 1
            return
        embed["description"] = before + joiner + shown

    def add_footer(self, embed: dict[str, Any] | None, text: str, *, note: bool = False
                   ) -> None:
        if embed is None or not text:
            return
        before = embed.get("footer", {}).get("text", "")
        joiner = " · " if before else ""
        if not self.spend(len(joiner), note=note):
            self.dropped += 1
            return
        shown = self.take(text, MAX_FOOTER - len(before) - len(joiner), note=note)
        if not shown:
            self.dropped += 1
            return
        embed["footer"] = {"text": before + joiner + shown}

    def add_field(self, embed: dict[str, Any], name: str, value: str, inline: bool) -> bool:
        fields = embed.setdefault("fields", [])
        if len(fields) >= MAX_FIELDS or self.left < 20:
            return False
        shown_name = self.take(name or BLANK, min(MAX_FIELD_NAME, self.left // 4))
        fields.append({"name": shown_name or BLANK,
                       "value": self.take(value or BLANK, MAX_FIELD_VALUE) or BLANK,
                       "inline": inline})
        return True


def _action_label(button: Button, item_title: str, repeated: bool) -> str:
    label = f"{button.label}: {item_title}" if repeated and item_title else button.label
    return short(label, MAX_LABEL)


def _embeds(reply: Reply, build: _Embeds) -> list[_Action]:
    actions: list[_Action] = []
    for block in reply.blocks:
        if isinstance(block, Text):
            build.add_text(block.text)
        elif isinstance(block, Context):
            build.add_footer(build.last(), block.text)
        elif isinstance(block, Actions):
            actions += [_Action(short(b.label, MAX_LABEL), b) for b in block.buttons]
        elif isinstance(block, Section):
            embed = build.new()
            actions += [_Action(short(b.label, MAX_LABEL), b) for b in block.buttons]
            if embed is None:
                continue
            _put(embed, "title", build.take(block.title, MAX_TITLE))
            if block.link.startswith(("https://", "http://")) and len(block.link) <= 2048:
                embed["url"] = block.link
            _put(embed, "description", build.take(block.text, MAX_DESCRIPTION))
            for f in block.fields:
                build.add_field(embed, f.label, f.value, f.inline)
            build.add_footer(embed, block.footer)
        elif isinstance(block, ItemList):
            embed = build.new()
            labels = [b.label for item in block.items for b in item.buttons]
            for item in block.items:
                actions += [_Action(_action_label(b, item.title, labels.count(b.label) > 1), b)
                            for b in item.buttons]
            if embed is None:
                continue
            _put(embed, "title", build.take(block.title, MAX_TITLE))
            if not block.items:
                _put(embed, "description", build.take(block.empty, MAX_DESCRIPTION))
            shown = sum(build.add_field(embed, item.title, _marked(item), False)
                        for item in block.items)
            if shown < len(block.items):
                build.add_footer(embed, f"showing {shown} of {len(block.items)}", note=True)
    if reply.field_errors:
        embed = build.last()
        if embed is not None:
            for name, message in reply.field_errors.items():
                build.add_field(embed, name.replace("_", " "), message, False)
    return actions


def _finish(build: _Embeds, notes: Sequence[str]) -> list[discord.Embed]:
    """Add the notes (what could only be typed, what was shortened) and make the embeds."""
    if build.dropped and build.embeds:
        build.add_footer(build.embeds[-1], "(shortened to fit Discord)", note=True)
    if notes:
        embed = build.embeds[-1] if build.embeds else build.new()
        if embed is None:  # ten embeds already: the notes share the last one's footer
            embed = build.embeds[-1]
        build.add_footer(embed, "Type: " + "  ".join(notes), note=True)
    for embed in build.embeds:
        if not any(embed.get(k) for k in ("title", "description", "fields", "footer")):
            embed["description"] = build.take(BLANK, 1, note=True)
    if not build.embeds:
        build.new()
        build.embeds[0]["description"] = build.take(BLANK, 1, note=True)
    return [discord.Embed.from_dict(e) for e in build.embeds]


def _put(embed: dict[str, Any], key: str, text: str) -> None:
    if text:
        embed[key] = text


def _link(action: _Action) -> discord.ui.Button[Any] | None:
    """A link button (opens a web page; Discord sends the bot nothing), if Discord can
    take its address."""
    url = action.button.url
    if len(url) > MAX_URL or not url.startswith(("https://", "http://")):
        return None
    return discord.ui.Button(label=action.label, url=url, style=discord.ButtonStyle.link)


def _button(action: _Action, custom_id: str) -> discord.ui.Button[Any]:
    return discord.ui.Button(label=action.label, custom_id=custom_id,
                             style=_STYLES.get(action.button.style,
                                               discord.ButtonStyle.secondary))


def _target(action: _Action) -> Target:
    if action.target is not None:
        return action.target
    button = action.button
    return Target("confirm" if button.confirm else "run", button.command, dict(button.args))


def _view(actions: Sequence[_Action]) -> tuple[StaticView | None, list[str], list[str]]:
    """Buttons while they fit in 5 rows of 5; selects (one per kind of action) beyond that.
    Returns the view, the text commands of actions that could not be made components, and
    "label: address" for links that could not be link buttons."""
    typed: list[str] = []
    links: list[str] = []
    if not actions:
        return None, typed, links
    view = StaticView()
    if len(actions) <= MAX_ROWS * MAX_PER_ROW:
        for index, action in enumerate(actions):
            if action.button.url and action.target is None:
                link = _link(action)
                if link is None:
                    links.append(f"{action.label}: {action.button.url}")
                    continue
                view.add_item(link)
                view.children[-1].row = index // MAX_PER_ROW
                continue
            custom_id = custom_ids.encode(_target(action))
            if custom_id is None:
                typed.append(button_command(action.button))
                continue
            view.add_item(_button(action, custom_id))
            view.children[-1].row = index // MAX_PER_ROW
        return (view if view.children else None), typed, links
    by_label: dict[str, list[_Action]] = {}
    for action in actions:
        by_label.setdefault(action.button.label, []).append(action)
    index = 0
    for label, group in by_label.items():
        options: list[discord.SelectOption] = []
        for action in group:
            if action.button.url and action.target is None:
                links.append(f"{action.label}: {action.button.url}")  # an option opens none
                continue
            value = custom_ids.encode_option(_target(action))
            room = (MAX_ROWS - index) * MAX_OPTIONS
            if value is None or len(options) >= room:
                typed.append(button_command(action.button))
                continue
            options.append(discord.SelectOption(label=cut(action.label, 100), value=value))
        for start in range(0, len(options), MAX_OPTIONS):
            if index >= MAX_ROWS:
                break
            view.add_item(discord.ui.Select(custom_id=custom_ids.select_id(index),
                                            placeholder=short(label, 150),
                                            options=options[start:start + MAX_OPTIONS],
                                            row=index))
            index += 1
    return (view if view.children else None), typed, links


def render(reply: Reply, *, ephemeral: bool = False, open_form: Target | None = None,
           extra: Sequence[tuple[str, Target]] = (), with_file: bool = True) -> Message:
    """A reply as a Discord message. `open_form` is what a button should do to open the
    reply's form where a modal cannot be shown directly (run the command again, or re-open
    a kept draft). `extra` adds the adapter's own buttons (label, target)."""
    build = _Embeds(COLOURS.get(reply.tone, COLOURS["info"]))
    actions = _embeds(reply, build)
    actions += [_Action(short(label, MAX_LABEL), Button(label, ""), target)
                for label, target in extra]
    if reply.form is not None and open_form is not None:
        actions.append(_Action(short(f"Open: {reply.form.title}", MAX_LABEL),
                               Button(reply.form.title, open_form.command,
                                      dict(open_form.args), style="primary"), open_form))
    view, typed, links = _view(actions)
    if links:  # addresses too long for a link button
        build.add_text("\n".join(links))
    notes = [f"`{t}`" for t in typed]
    if reply.form is not None and open_form is None:
        fields = " ".join(f"{f.name}=..." for f in reply.form.fields)
        notes.append(f"`{reply.form.command} {fields}`".replace(" `", "`"))
    embeds = _finish(build, notes)
    file = None
    if reply.attachment is not None and with_file:
        file = discord.File(io.BytesIO(reply.attachment.content),
                            filename=reply.attachment.filename)
    return Message(embeds=embeds, view=view, file=file, ephemeral=ephemeral)


def form_pages(form: Form) -> list[tuple[FormField, ...]]:
    """The form's fields in modal-sized pages (Discord shows at most 5 inputs a modal)."""
    fields = form.fields or ()
    return [fields[i:i + MAX_MODAL_INPUTS] for i in range(0, len(fields), MAX_MODAL_INPUTS)
            ] or [()]


def modal(form: Form, *, values: Mapping[str, str] | None = None, page: int = 0,
          draft: str = "") -> StaticModal | None:
    """One page of the form as a modal, pre-filled with `values` when re-opened. A
    one-page form's custom_id names its command and fixed values (so it survives a
    restart); the pages of a longer form name the adapter's `draft` token instead. None if
    the fixed values do not fit in a custom_id."""
    pages = form_pages(form)
    if draft:
        custom_id = custom_ids.encode(Target("page", draft, {"p": page}))
    else:
        custom_id = custom_ids.encode(Target("form", form.command, dict(form.hidden)))
    if custom_id is None:
        return None
    suffix = "" if len(pages) == 1 else f" ({page + 1}/{len(pages)})"
    title = short(form.title, MAX_MODAL_TITLE - len(suffix)) + suffix
    view = StaticModal(title=title, custom_id=custom_id, timeout=None)
    for f in pages[page]:
        placeholder = f.placeholder or (
            "one of: " + ", ".join(value for value, _ in f.choices) if f.choices else "")
        initial = (values or {}).get(f.name, f.initial)
        longest = min(f.max_length or MAX_INPUT_VALUE, MAX_INPUT_VALUE)
        required = f.required
        if len(initial) > longest:  # more than the box may hold: left empty, kept if so
            initial, placeholder, required = "", KEPT_IF_EMPTY, False
        view.add_item(discord.ui.TextInput(
            label=short(f.label, MAX_INPUT_LABEL), custom_id=f.name,
            style=discord.TextStyle.paragraph if f.kind == "long_text"
            else discord.TextStyle.short,
            required=required, default=initial or None,
            placeholder=short(placeholder, MAX_PLACEHOLDER) or None, max_length=longest))
    return view


def submitted(components: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The values of a modal submission by input custom_id, whichever way Discord nests them
    (action rows or labels)."""
    values: dict[str, str] = {}
    for component in components:
        if "value" in component and "custom_id" in component:
            values[str(component["custom_id"])] = str(component["value"])
        elif "values" in component and "custom_id" in component:
            values[str(component["custom_id"])] = ",".join(map(str, component["values"]))
        inner = list(component.get("components") or [])
        if isinstance(component.get("component"), Mapping):
            inner.append(component["component"])
        values.update(submitted(inner))
    return values


def confirmation(question: str, target: Target) -> Message:
    """An ephemeral "are you sure?" standing in for Slack's confirm dialog."""
    embed = discord.Embed(title="Are you sure?",
                          description=cut(escape(question), MAX_DESCRIPTION),
                          colour=COLOURS["warning"])
    view = StaticView()
    yes = custom_ids.encode(Target("run", target.command, dict(target.args)))
    if yes is not None:
        view.add_item(discord.ui.Button(label="Yes, do it", custom_id=yes,
                                        style=discord.ButtonStyle.danger))
    view.add_item(discord.ui.Button(label="Cancel", custom_id=f"{custom_ids.PREFIX}:x",
                                    style=discord.ButtonStyle.secondary))
    return Message(embeds=[embed], view=view, ephemeral=True)


def notice(text: str, *, tone: str = "info") -> Message:
    """A short ephemeral line: an apology, "cancelled", "that button no longer works"."""
    return Message(embeds=[discord.Embed(description=cut(escape(text), MAX_DESCRIPTION),
                                         colour=COLOURS.get(tone))], ephemeral=True)


def _marked(item: ListItem) -> str:
    """An item's text with its marked words in bold (their own markdown escaped, so a
    member's asterisks cannot unbalance it)."""
    return "".join(f"**{discord.utils.escape_markdown(piece)}**" if marked and piece.strip()
                   else piece for piece, marked in segments(item.text, item.marks))
