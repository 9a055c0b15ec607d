"""The one place the core's neutral replies become Slack Block Kit, modals and fallbacks.

Everything here is pure (dicts in, dicts out) so the rest of the adapter only moves JSON.
Slack's limits are respected here: 50 blocks a message (100 in a modal or App Home), 3000
characters of section text, 10 fields a section, 75-character button labels, 2000-character
button values, 150-character option values, 25 elements an actions block.

Buttons carry what to run, never a permission: the action id is `sr1:<kind>:<n>` and the
value is the version digit followed by compact JSON (`1["done remove",{"id":12}]`). A press
runs that command again as the presser through the core, which re-checks everything.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from adapters.common import KEPT_IF_EMPTY
from bot.render_text import render_text
from bot.replies import (
    Actions,
    Block,
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

VERSION = "1"
ACTION_PREFIX = f"sr{VERSION}:"
ACTION_PATTERN = re.compile(r"^sr\d+:")
FORM_CALLBACK = f"sr{VERSION}:form"

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_BUTTON_TEXT = 75
MAX_VALUE = 2000
MAX_URL = 3000
LINK_KIND = "u"
MAX_OPTION_VALUE = 150
MAX_OPTIONS = 100
MAX_ACTION_ELEMENTS = 25
MAX_FALLBACK_TEXT = 3000
"""Slack truncates `text` past 40,000 characters; notifications show far less."""
MAX_INPUT = 3000
MAX_PLACEHOLDER = 150
LONG_LIST = 8
"""More items with buttons than this and a list's buttons become one menu per action."""

_TONE_MARK = {"error": ":warning: ", "success": ":white_check_mark: "}
_KEEP = re.compile(r"<https?://[^\s<>|]+>")
"""Bare links are kept. Everything else in angle brackets is shown literally: a member's
`<!channel>`, `<@U123>` or labelled link (`<https://x|label>`) never becomes a broadcast, a
mention that notifies someone, or a link disguised as something else. The core itself never
writes Slack markup, so nothing it meant is lost."""
_BROADCAST = re.compile(r"(?<![\w.])@(channel|here|everyone)\b", re.IGNORECASE)
_CONTROL = re.compile(r"<(?=[!@#])")
_OPEN_TAIL = re.compile(r"(?:&[a-z]{0,4}|<[^<>]*)$")
WORD_JOINER = "\u2060"


# -- text --------------------------------------------------------------------------------------
def escape(text: str) -> str:
    """Text for a mrkdwn field or a message's `text`: Slack's three control characters
    escaped (bare links excepted) and `@channel`-style words kept from ever broadcasting."""
    out, last = [], 0
    for found in _KEEP.finditer(text):
        out.append(_escape_all(text[last:found.start()]))
        out.append(found.group(0))
        last = found.end()
    out.append(_escape_all(text[last:]))
    return _BROADCAST.sub(lambda m: f"@{WORD_JOINER}{m.group(1)}", "".join(out))


def _escape_all(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Plain text at most `limit` characters, marked with "…" where it was cut."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def safe_cut(text: str, limit: int) -> int:
    """Where to cut escaped text to at most `limit` characters without splitting an
    entity (`&amp;`) or a link: either would show as broken markup."""
    if len(text) <= limit:
        return len(text)
    found = _OPEN_TAIL.search(text[:limit])
    return found.start() if found else limit


def clip_escaped(text: str, limit: int) -> str:
    """`clip` for text already escaped."""
    return text if len(text) <= limit else text[:safe_cut(text, limit - 1)] + "…"


def chunks(text: str, limit: int = MAX_SECTION_TEXT) -> Iterator[str]:
    """Split (escaped) text at line breaks where possible so each piece fits one section."""
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else safe_cut(text, limit) or limit
        if text[:cut].strip():
            yield text[:cut]
        text = text[cut:].lstrip("\n")
    if text.strip():
        yield text


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def inert(text: str) -> str:
    """Text for a plain_text object. Slack shows it as written, entities included, so it
    is not escaped; a word joiner after `<` and `@` keeps anything that looks like a
    mention or a broadcast from ever reading as one, and shows nothing."""
    return _BROADCAST.sub(lambda m: f"@{WORD_JOINER}{m.group(1)}",
                          _CONTROL.sub(f"<{WORD_JOINER}", text))


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(inert(text.strip()), limit) or "…",
            "emoji": True}


def _sections(text: str) -> list[dict[str, Any]]:
    return [{"type": "section", "text": _mrkdwn(part)} for part in chunks(text)]


# -- button encoding ---------------------------------------------------------------------------
def encode_action(command: str, args: Mapping[str, Any]) -> str:
    """The stable, versioned, compact form of "run this command with these arguments"."""
    return VERSION + json.dumps([command, dict(args)], separators=(",", ":"),
                                ensure_ascii=False, default=str)


def decode_action(value: str) -> tuple[str, dict[str, Any]] | None:
    """(command, args) from a button or option value; None if it is not ours or is from an
    incompatible version (the member is asked to run the command again)."""
    if not value.startswith(VERSION + "["):
        return None
    try:
        command, args = json.loads(value[len(VERSION):])
    except (ValueError, TypeError):
        return None
    if not isinstance(command, str) or not isinstance(args, dict):
        return None
    return command, args


def encode_form(form: Form) -> str:
    return VERSION + json.dumps(_form_dict(form), separators=(",", ":"), ensure_ascii=False,
                                default=str)


def decode_form(value: str) -> Form | None:
    if not value.startswith(VERSION + "{"):
        return None
    try:
        data = json.loads(value[len(VERSION):])
        return Form(title=data["t"], command=data["c"], submit_label=data["s"],
                    hidden=data.get("h", {}),
                    fields=tuple(FormField(name=f[0], label=f[1], kind=f[2], required=f[3],
                                           max_length=f[4], initial=f[5], placeholder=f[6],
                                           choices=tuple(tuple(c) for c in f[7]))
                                 for f in data["f"]))
    except (ValueError, TypeError, KeyError, IndexError):
        return None


def _form_dict(form: Form) -> dict[str, Any]:
    return {"t": form.title, "c": form.command, "s": form.submit_label, "h": dict(form.hidden),
            "f": [[f.name, f.label, f.kind, f.required, f.max_length, f.initial,
                   f.placeholder, [list(c) for c in f.choices]] for f in form.fields]}


# -- interactive elements ----------------------------------------------------------------------
class _Ids:
    """Action ids unique within one message, as Slack requires."""

    def __init__(self) -> None:
        self.n = 0

    def next(self, kind: str) -> str:
        self.n += 1
        return f"{ACTION_PREFIX}{kind}:{self.n}"


def _confirm(text: str, label: str, style: str) -> dict[str, Any]:
    dialog = {"title": _plain("Are you sure?", 100), "text": _plain(text, 300),
              "confirm": _plain(label, 30), "deny": _plain("Cancel", 30)}
    if style == "danger":
        dialog["style"] = "danger"
    return dialog


def button(b: Button, ids: _Ids) -> dict[str, Any] | None:
    if b.url:
        return link_button(b, ids)
    value = encode_action(b.command, b.args)
    if len(value) > MAX_VALUE:
        log.warning("a button for %r carries too much to fit Slack; left out", b.command)
        return None
    element: dict[str, Any] = {"type": "button", "text": _plain(b.label, MAX_BUTTON_TEXT),
                               "action_id": ids.next("b"), "value": value}
    if b.style != "default":
        element["style"] = b.style
    if b.confirm:
        element["confirm"] = _confirm(b.confirm, b.label, b.style)
    return element


def link_button(b: Button, ids: _Ids) -> dict[str, Any] | None:
    """A button that opens a web page. Slack still sends the app a press (action id
    `sr1:u:<n>`), which the adapter only acknowledges."""
    if len(b.url) > MAX_URL or not b.url.startswith(("https://", "http://")):
        log.warning("a link button has an address Slack cannot take; left out")
        return None
    element: dict[str, Any] = {"type": "button", "text": _plain(b.label, MAX_BUTTON_TEXT),
                               "action_id": ids.next(LINK_KIND), "url": b.url}
    if b.style != "default":
        element["style"] = b.style
    return element


def _actions(elements: Iterable[dict[str, Any] | None]) -> list[dict[str, Any]]:
    kept = [e for e in elements if e is not None]
    return [{"type": "actions", "elements": kept[i:i + MAX_ACTION_ELEMENTS]}
            for i in range(0, len(kept), MAX_ACTION_ELEMENTS)]


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": _plain(label, MAX_BUTTON_TEXT), "value": value}


def _overflow(buttons: Sequence[Button], ids: _Ids) -> dict[str, Any] | None:
    """A "…" menu for an item with a few plain actions; None when a button needs more than
    a menu can carry (a confirmation or style of its own, a long value)."""
    if not 2 <= len(buttons) <= 5 or any(b.confirm or b.style != "default" or b.url
                                         for b in buttons):
        return None
    values = [encode_action(b.command, b.args) for b in buttons]
    if any(len(v) > MAX_OPTION_VALUE for v in values):
        return None
    return {"type": "overflow", "action_id": ids.next("b"),
            "options": [_option(b.label, v) for b, v in zip(buttons, values, strict=True)]}


def form_button(form: Form, ids: _Ids,
                rerun: tuple[str, Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
    """A button that opens the form as a modal (a message has no trigger to open it): it
    carries the form itself, or, when that is too big for a button, the command that made
    the form, whose press (with a trigger) opens it."""
    value, kind = encode_form(form), "f"
    if len(value) > MAX_VALUE and rerun is not None:
        value, kind = encode_action(*rerun), "b"
    if len(value) > MAX_VALUE:
        fields = " ".join(f"{f.name}=..." for f in form.fields)
        return [_context(f"Type: `{escape(form.command)} {escape(fields)}`")]
    return _actions([{"type": "button", "text": _plain(f"Open: {form.title}", MAX_BUTTON_TEXT),
                      "action_id": ids.next(kind), "value": value, "style": "primary"}])


# -- blocks ------------------------------------------------------------------------------------
def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(clip_escaped(text, MAX_SECTION_TEXT))]}


_SAFE_LINK = re.compile(r"https?://[^\s<>|]+")


def _title(title: str, link: str = "") -> str:
    """A bold title, linked when the link is a plain web address (one that could close
    the link early and add markup of its own is left out)."""
    shown = escape(title).replace("*", "")
    return f"*<{link}|{shown}>*" if _SAFE_LINK.fullmatch(link) else f"*{shown}*"


def _field(label: str, value: str) -> str:
    return clip_escaped(f"*{escape(label)}*\n{escape(value)}", MAX_FIELD_TEXT)


def _section(block: Section, ids: _Ids) -> list[dict[str, Any]]:
    body = [_title(block.title, block.link)] if block.title.strip() else []
    if block.text:
        body.append(escape(block.text))
    body.extend(_field(f.label, f.value) for f in block.fields if not f.inline)
    out = _sections("\n".join(body))
    inline = [_mrkdwn(_field(f.label, f.value)) for f in block.fields if f.inline]
    start = 0
    if inline and out:
        out[0]["fields"] = inline[:MAX_FIELDS]
        start = MAX_FIELDS
    out.extend({"type": "section", "fields": inline[i:i + MAX_FIELDS]}
               for i in range(start, len(inline), MAX_FIELDS))
    if block.footer.strip():
        out.append(_context(escape(block.footer)))
    out.extend(_actions(button(b, ids) for b in block.buttons))
    return out


def _item_text(item: ListItem) -> str:
    head = f"*{escape(item.title)}*" if item.title.strip() else ""
    body = "".join(f"*{escape(piece)}*" if marked and piece.strip() else escape(piece)
                   for piece, marked in segments(item.text, item.marks))
    return "\n".join(p for p in (head, body) if p.strip()) or "•"


def _item_list(block: ItemList, ids: _Ids) -> list[dict[str, Any]]:
    head = f"*{escape(block.title)}*" if block.title else ""
    if not block.items:
        return _sections("\n".join(p for p in (head, escape(block.empty)) if p))
    with_buttons = [i for i in block.items if i.buttons]
    if len(with_buttons) > LONG_LIST:
        return _long_list(block, head, ids)
    out: list[dict[str, Any]] = []
    pending = [head] if head else []
    for item in block.items:
        if not item.buttons:
            pending.append(_item_text(item))
            continue
        if pending:
            out.extend(_sections("\n".join(pending)))
            pending = []
        sections = _sections(_item_text(item))
        accessory = (button(item.buttons[0], ids) if len(item.buttons) == 1
                     else _overflow(item.buttons, ids))
        if accessory is not None:
            sections[-1]["accessory"] = accessory
            out.extend(sections)
        else:
            out.extend(sections)
            out.extend(_actions(button(b, ids) for b in item.buttons))
    if pending:
        out.extend(_sections("\n".join(pending)))
    return out


def _long_list(block: ItemList, head: str, ids: _Ids) -> list[dict[str, Any]]:
    """Every item as text, then one menu per kind of action ("Profile…", "Remove…") whose
    options are the items: a long list stays within Slack's block budget."""
    lines = [head] if head else []
    lines += [f"{n}. {_item_text(item)}" + "".join(
        f" · <{b.url}|{escape(b.label)}>" for b in item.buttons
        if b.url.startswith(("https://", "http://")) and len(b.url) <= MAX_URL)
        for n, item in enumerate(block.items, 1)]
    out = _sections("\n".join(lines))
    groups: dict[str, list[tuple[int, ListItem, Button]]] = {}
    for n, item in enumerate(block.items, 1):
        for b in item.buttons:
            if not b.url:  # a link is in the item's text: a menu option cannot open one
                groups.setdefault(b.label, []).append((n, item, b))
    elements = []
    for label, entries in groups.items():
        options = []
        for n, item, b in entries[:MAX_OPTIONS]:
            value = encode_action(b.command, b.args)
            if len(value) <= MAX_OPTION_VALUE:
                options.append(_option(f"{n}. {item.title}", value))
        if not options:
            continue
        select: dict[str, Any] = {"type": "static_select", "action_id": ids.next("b"),
                                  "placeholder": _plain(f"{label}…", 150), "options": options}
        first = entries[0][2]
        if any(b.confirm for _, _, b in entries):
            select["confirm"] = _confirm(f"{label}: the item you chose. {first.confirm}",
                                         label, first.style)
        elements.append(select)
    return out + _actions(elements)


def render_blocks(blocks: Sequence[Block], ids: _Ids | None = None) -> list[dict[str, Any]]:
    ids = ids or _Ids()
    out: list[dict[str, Any]] = []
    for block in blocks:
        if isinstance(block, Text):
            out.extend(_sections(escape(block.text)))
        elif isinstance(block, Context):
            if block.text.strip():
                out.append(_context(escape(block.text)))
        elif isinstance(block, Actions):
            out.extend(_actions(button(b, ids) for b in block.buttons))
        elif isinstance(block, Section):
            out.extend(_section(block, ids))
        elif isinstance(block, ItemList):
            out.extend(_item_list(block, ids))
        else:
            raise TypeError(f"unknown block {block!r}")
    return out


def fit(blocks: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """At most `limit` blocks; what is cut is said, not silently dropped."""
    if len(blocks) <= limit:
        return blocks
    return [*blocks[:limit - 1],
            _context(f"…and more ({len(blocks) - limit + 1} more parts not shown here).")]


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def fallback_text(reply: Reply) -> str:
    """Notifications and screen readers use this, and Slack parses it like any mrkdwn:
    escaped as the blocks are. Slack refuses a message without it."""
    text = escape(render_text(reply)) or "Done."
    return clip_escaped(_TONE_MARK.get(reply.tone, "") + text, MAX_FALLBACK_TEXT)


def message(reply: Reply, *, form_opened: bool = False,
            rerun: tuple[str, Mapping[str, Any]] | None = None,
            limit: int = MAX_MESSAGE_BLOCKS) -> Message:
    """A reply as a message. Its form, unless already opened as a modal, becomes a button
    (`rerun` is the command that made it, for a form too big to carry in a button)."""
    ids = _Ids()
    blocks = render_blocks(reply.blocks, ids)
    mark = _TONE_MARK.get(reply.tone, "")
    if mark and blocks and blocks[0]["type"] == "section" and "text" in blocks[0]:
        blocks[0]["text"]["text"] = clip_escaped(mark + blocks[0]["text"]["text"],
                                                 MAX_SECTION_TEXT)
    if reply.form is not None and not form_opened:
        blocks.extend(form_button(reply.form, ids, rerun))
    if reply.attachment is not None:
        blocks.append(_context(f":paperclip: {escape(reply.attachment.filename)} "
                               "(sent to you as a file, in our direct messages)"))
    return Message(text=fallback_text(reply), blocks=fit(blocks, limit))


def has_content(reply: Reply) -> bool:
    return bool(reply.blocks) or reply.attachment is not None


# -- modals ------------------------------------------------------------------------------------
def _input(field: FormField) -> dict[str, Any]:
    element: dict[str, Any]
    if field.kind == "choice":
        options = [_option(label, value[:MAX_OPTION_VALUE])
                   for value, label in field.choices[:MAX_OPTIONS]]
        element = {"type": "static_select", "options": options,
                   "placeholder": _plain(field.placeholder or "Choose…", 150)}
        initial = next((o for o in options if o["value"] == field.initial), None)
        if initial is not None:
            element["initial_option"] = initial
    elif field.kind == "number":
        element = {"type": "number_input", "is_decimal_allowed": False}
        if field.initial:
            element["initial_value"] = field.initial
    else:
        element = {"type": "plain_text_input", "multiline": field.kind == "long_text",
                   "max_length": min(field.max_length or MAX_INPUT, MAX_INPUT)}
        if field.initial and len(field.initial) <= element["max_length"]:
            element["initial_value"] = field.initial
        elif field.initial:  # more than the box may hold: left empty, and kept if left so
            field = replace(field, placeholder=KEPT_IF_EMPTY, required=False)
    element["action_id"] = "value"
    if field.placeholder and field.kind != "choice":
        element["placeholder"] = _plain(field.placeholder, MAX_PLACEHOLDER)
    return {"type": "input", "block_id": field.name, "optional": not field.required,
            "label": _plain(field.label, 2000), "element": element}


def modal(form: Form, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The form as a modal; `metadata` (the command, fixed values, where to answer) rides in
    private_metadata and is re-checked by the core on submission like anything typed."""
    meta = json.dumps({"v": int(VERSION), "c": form.command, "h": dict(form.hidden),
                       **metadata}, separators=(",", ":"), ensure_ascii=False, default=str)
    return {"type": "modal", "callback_id": FORM_CALLBACK,
            "title": _plain(form.title, 24), "submit": _plain(form.submit_label, 24),
            "close": _plain("Cancel", 24), "private_metadata": clip(meta, 3000),
            "blocks": [_input(f) for f in form.fields][:MAX_VIEW_BLOCKS]}


def read_metadata(view: Mapping[str, Any]) -> dict[str, Any] | None:
    try:
        meta = json.loads(view.get("private_metadata") or "")
    except ValueError:
        return None
    if not isinstance(meta, dict) or str(meta.get("v")) != VERSION \
            or not isinstance(meta.get("c"), str) or not isinstance(meta.get("h", {}), dict):
        return None
    return meta


def submitted_values(view: Mapping[str, Any]) -> dict[str, Any]:
    """Field name -> typed-in value; fields left empty are left out (their defaults apply)."""
    values: dict[str, Any] = {}
    for block_id, elements in (view.get("state", {}).get("values") or {}).items():
        element = elements.get("value") or next(iter(elements.values()), {})
        if element.get("type") == "static_select":
            value = (element.get("selected_option") or {}).get("value")
        else:
            value = element.get("value")
        if value not in (None, ""):
            values[block_id] = value
    return values


def form_errors(reply: Reply, view: Mapping[str, Any]) -> dict[str, str]:
    """Per-field messages for `response_action: errors`; a problem with no field of its own
    is shown under the first field, so the member always sees why nothing was saved."""
    block_ids = [b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"]
    if not reply.is_error or not block_ids:
        return {}
    errors: dict[str, str] = {}
    for name, problem in reply.field_errors.items():
        target = name if name in block_ids else block_ids[0]
        shown = problem if name in block_ids else f"{name.replace('_', ' ')}: {problem}"
        errors[target] = clip(f"{errors[target]} {shown}" if target in errors else shown, 2000)
    if not errors:
        errors[block_ids[0]] = clip(render_text(reply), 2000)
    return errors


# -- App Home ----------------------------------------------------------------------------------
def home(parts: Sequence[tuple[str, Reply]]) -> dict[str, Any]:
    """The Home tab: one headed part per core reply, in order."""
    ids = _Ids()
    blocks: list[dict[str, Any]] = []
    for heading, reply in parts:
        if blocks:
            blocks.append({"type": "divider"})
        blocks.append({"type": "header", "text": _plain(heading, 150)})
        blocks.extend(render_blocks(reply.blocks, ids))
    return {"type": "home", "blocks": fit(blocks, MAX_VIEW_BLOCKS)}
