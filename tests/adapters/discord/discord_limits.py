"""Discord's published limits for messages, embeds, components, modals and autocomplete,
as the fake Discord enforces them.

Written from Discord's API reference (Message, Embed limits, Message Components, Interaction
responses), not from the bot's renderer: the fake answers a payload breaking any of them as
Discord does (400, code 50035 "Invalid Form Body") and records it, so no test can pass on a
payload a real server would refuse. Also what in a message would notify people: mentions in
`content` that `allowed_mentions` does not suppress; and any mention or broadcast written
into any text at all (embeds show them as live-looking mentions even where none pings).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

CONTENT, EMBEDS, TOTAL = 2000, 10, 6000
TITLE, DESCRIPTION, FIELDS, FIELD_NAME, FIELD_VALUE, FOOTER, AUTHOR = (
    256, 4096, 25, 256, 1024, 2048, 256)
ROWS, BUTTONS_PER_ROW, LABEL, CUSTOM_ID = 5, 5, 80, 100
OPTIONS, OPTION_TEXT, PLACEHOLDER = 25, 100, 150
MODAL_TITLE, MODAL_ROWS, INPUT_LABEL, INPUT_VALUE, INPUT_PLACEHOLDER = 45, 5, 45, 4000, 100
CHOICES = 25
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT, LABEL_COMPONENT = 1, 2, 3, 4, 18
MENTION = re.compile(r"@(?:everyone|here)\b|<@[!&]?\d+>")


class Problems(list[str]):
    def need(self, ok: bool, where: str, what: str) -> None:
        if not ok:
            self.append(f"{where}: {what}")


def _length(value: Any, low: int, high: int) -> bool:
    return isinstance(value, str) and low <= len(value) <= high


def embed_chars(embed: Mapping[str, Any]) -> int:
    """Characters counted towards a message's 6,000: title, description, field names and
    values, footer text, author name."""
    return (len(embed.get("title") or "") + len(embed.get("description") or "")
            + len((embed.get("footer") or {}).get("text") or "")
            + len((embed.get("author") or {}).get("name") or "")
            + sum(len(f.get("name") or "") + len(f.get("value") or "")
                  for f in embed.get("fields") or ()))


def _embeds(embeds: Any, out: Problems) -> None:
    out.need(isinstance(embeds, list) and len(embeds) <= EMBEDS, "embeds",
             f"{len(embeds)} embeds (at most {EMBEDS})")
    for n, embed in enumerate(embeds):
        at = f"embeds[{n}]"
        for key, limit in (("title", TITLE), ("description", DESCRIPTION)):
            if key in embed:
                out.need(_length(embed[key], 1, limit), at, f"{key} length (1..{limit})")
        if "footer" in embed:
            out.need(_length(embed["footer"].get("text"), 1, FOOTER), at, "footer.text")
        if "author" in embed:
            out.need(_length(embed["author"].get("name"), 1, AUTHOR), at, "author.name")
        fields = embed.get("fields") or []
        out.need(len(fields) <= FIELDS, at, f"{len(fields)} fields (at most {FIELDS})")
        for i, f in enumerate(fields):
            out.need(_length(f.get("name"), 1, FIELD_NAME), f"{at}.fields[{i}]", "name")
            out.need(_length(f.get("value"), 1, FIELD_VALUE), f"{at}.fields[{i}]", "value")
        out.need(any(embed.get(k) for k in ("title", "description", "fields", "footer",
                                             "author", "image", "thumbnail")),
                 at, "an embed needs some content")
    total = sum(embed_chars(e) for e in embeds)
    out.need(total <= TOTAL, "embeds", f"{total} characters in all embeds (at most {TOTAL})")


def _components(rows: Any, out: Problems) -> None:
    out.need(isinstance(rows, list) and len(rows) <= ROWS, "components",
             f"{len(rows)} action rows (at most {ROWS})")
    ids: set[str] = set()
    for n, row in enumerate(rows):
        at = f"components[{n}]"
        out.need(row.get("type") == ACTION_ROW, at, "top level must be action rows")
        children = row.get("components") or []
        selects = [c for c in children if c.get("type") == STRING_SELECT]
        out.need(1 <= len(children) <= BUTTONS_PER_ROW, at, f"{len(children)} components")
        out.need(not selects or len(children) == 1, at, "a select fills its row alone")
        for i, child in enumerate(children):
            where = f"{at}.components[{i}]"
            custom_id = child.get("custom_id")
            if child.get("type") == BUTTON and child.get("style") == 5:
                out.need("url" in child and custom_id is None, where, "link button")
            else:
                out.need(_length(custom_id, 1, CUSTOM_ID), where, "custom_id (1..100)")
                out.need(custom_id not in ids, where, f"duplicate custom_id {custom_id!r}")
                ids.add(custom_id)
            if child.get("type") == BUTTON:
                out.need(child.get("style") in (1, 2, 3, 4, 5), where, "button style")
                out.need("label" not in child or _length(child["label"], 0, LABEL), where,
                         f"label (at most {LABEL})")
            elif child.get("type") == STRING_SELECT:
                options = child.get("options") or []
                out.need(1 <= len(options) <= OPTIONS, where, f"{len(options)} options")
                for k, o in enumerate(options):
                    out.need(_length(o.get("label"), 1, OPTION_TEXT), f"{where}.o[{k}]",
                             "label")
                    out.need(_length(o.get("value"), 1, OPTION_TEXT), f"{where}.o[{k}]",
                             "value")
                    out.need("description" not in o or _length(o["description"], 0,
                                                               OPTION_TEXT),
                             f"{where}.o[{k}]", "description")
                out.need("placeholder" not in child or _length(child["placeholder"], 0,
                                                               PLACEHOLDER),
                         where, "placeholder")
            else:
                out.append(f"{where}: component type {child.get('type')!r} in a message")


def message_problems(payload: Mapping[str, Any]) -> list[str]:
    """What Discord refuses in a message (create, follow-up, interaction response data)."""
    out = Problems()
    content = payload.get("content") or ""
    out.need(len(content) <= CONTENT, "content", f"{len(content)} characters (2000)")
    _embeds(payload.get("embeds") or [], out)
    _components(payload.get("components") or [], out)
    out.need(bool(content or payload.get("embeds") or payload.get("attachments")
                  or payload.get("components")), "message", "empty message")
    mentions = payload.get("allowed_mentions")
    if mentions is not None:
        out.need(set(mentions.get("parse", [])) <= {"users", "roles", "everyone"},
                 "allowed_mentions", "parse")
    return out


def _text_input(component: Mapping[str, Any], where: str, out: Problems, *,
                labelled: bool) -> None:
    out.need(_length(component.get("custom_id"), 1, CUSTOM_ID), where, "custom_id")
    out.need(component.get("style") in (1, 2), where, "style")
    if not labelled:
        out.need(_length(component.get("label"), 1, INPUT_LABEL), where,
                 f"label (1..{INPUT_LABEL})")
    longest = component.get("max_length", INPUT_VALUE)
    out.need(isinstance(longest, int) and 1 <= longest <= INPUT_VALUE, where,
             f"max_length {longest} (1..{INPUT_VALUE})")
    out.need(0 <= component.get("min_length", 0) <= INPUT_VALUE, where, "min_length")
    if "value" in component:
        out.need(_length(component["value"], 0, min(longest, INPUT_VALUE)), where,
                 f"value of {len(component['value'])} characters over max_length {longest}")
    if "placeholder" in component:
        out.need(_length(component["placeholder"], 0, INPUT_PLACEHOLDER), where,
                 "placeholder")


def modal_problems(data: Mapping[str, Any]) -> list[str]:
    """What Discord refuses in a MODAL interaction response."""
    out = Problems()
    out.need(_length(data.get("title"), 1, MODAL_TITLE), "modal", f"title (1..{MODAL_TITLE})")
    out.need(_length(data.get("custom_id"), 1, CUSTOM_ID), "modal", "custom_id")
    rows = data.get("components") or []
    out.need(1 <= len(rows) <= MODAL_ROWS, "modal", f"{len(rows)} components (1..5)")
    for n, row in enumerate(rows):
        at = f"modal.components[{n}]"
        if row.get("type") == LABEL_COMPONENT:
            out.need(_length(row.get("label"), 1, INPUT_LABEL), at, "label")
            inner = row.get("component") or {}
            out.need(inner.get("type") == TEXT_INPUT, at, "label of a text input")
            _text_input(inner, f"{at}.component", out, labelled=True)
        else:
            inner_rows = row.get("components") or []
            out.need(row.get("type") == ACTION_ROW and len(inner_rows) == 1, at,
                     "one text input a row")
            for child in inner_rows:
                out.need(child.get("type") == TEXT_INPUT, at, "text input")
                _text_input(child, f"{at}.components[0]", out, labelled=False)
    return out


def choices_problems(data: Mapping[str, Any]) -> list[str]:
    out = Problems()
    choices = data.get("choices") or []
    out.need(len(choices) <= CHOICES, "choices", f"{len(choices)} (at most {CHOICES})")
    for n, choice in enumerate(choices):
        out.need(_length(choice.get("name"), 1, 100), f"choices[{n}]", "name")
        out.need(len(str(choice.get("value"))) <= 100, f"choices[{n}]", "value")
    return out


def _texts(node: Any) -> Iterator[str]:
    """Every text a member is shown; not a form box's own value (what they typed before,
    given back to edit), nor ids, links and option values."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        is_box = node.get("type") == TEXT_INPUT
        is_option = "label" in node and "value" in node and "name" not in node
        for key, value in node.items():
            if key in ("custom_id", "url", "type", "color", "style", "allowed_mentions"):
                continue
            if key == "value" and (is_box or is_option):
                continue
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def pings(payload: Mapping[str, Any]) -> list[str]:
    """Mentions in `content` that `allowed_mentions` lets notify (everything, by default).
    Mentions in embeds never notify."""
    found = MENTION.findall(payload.get("content") or "")
    allowed = payload.get("allowed_mentions")
    if allowed is None:
        return found
    parse = set(allowed.get("parse") or ())
    out = []
    for token in found:
        kind = "everyone" if token.startswith("@") else "roles" if "&" in token else "users"
        if kind in parse:
            out.append(token)
    return out


def mention_tokens(payload: Mapping[str, Any]) -> list[str]:
    """Every mention or broadcast written anywhere in a payload, live-looking or pinging."""
    return [m.group(0) for text in _texts(payload) for m in MENTION.finditer(text)]
