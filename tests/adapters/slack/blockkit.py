"""Slack's published Block Kit and message limits, as the fake Slack enforces them.

Written from Slack's reference pages (Block Kit blocks, block elements, composition objects,
surfaces; chat.postMessage; formatting), not from the bot's renderer: every payload the bot
sends to the fake is checked here, and one Slack would refuse is answered as Slack answers
it (`invalid_blocks`, `invalid_arguments`) and recorded, so no test passes on a payload a
real workspace would reject. Also: what in a message would notify people (a broadcast or
a mention), which Slack parses in `mrkdwn` text and in a message's top-level `text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
LAYOUT = {"section", "context", "actions", "divider", "header", "input", "image", "rich_text",
          "markdown", "file", "video"}
PINGS = re.compile(r"<!(?:channel|here|everyone|subteam\^[^>]*)(?:\|[^>]*)?>|<@[UW][^>]*>")
"""Broadcasts, user-group and user mentions: what Slack turns into notifications."""


class Problems(list[str]):
    def need(self, ok: bool, where: str, what: str) -> None:
        if not ok:
            self.append(f"{where}: {what}")


def text_object(obj: Any, where: str, out: Problems, *, limit: int = 3000,
                plain_only: bool = False) -> None:
    """A composition text object: plain_text or mrkdwn, 1 to `limit` characters."""
    if not isinstance(obj, dict):
        out.append(f"{where}: not a text object")
        return
    kind = obj.get("type")
    out.need(kind in (("plain_text",) if plain_only else ("plain_text", "mrkdwn")), where,
             f"text type {kind!r}")
    text = obj.get("text")
    out.need(isinstance(text, str) and 1 <= len(text) <= limit, where,
             f"text length {len(text) if isinstance(text, str) else text!r} (1..{limit})")
    out.need("emoji" not in obj or kind == "plain_text", where, "emoji on mrkdwn")
    out.need("verbatim" not in obj or kind == "mrkdwn", where, "verbatim on plain_text")


def option(obj: Any, where: str, out: Problems) -> None:
    text_object(obj.get("text"), f"{where}.text", out, limit=75, plain_only=True)
    value = obj.get("value", "")
    out.need(isinstance(value, str) and 1 <= len(value) <= 150, where,
             f"option value length {len(value)} (1..150)")
    if "description" in obj:
        text_object(obj["description"], f"{where}.description", out, limit=75,
                    plain_only=True)


def confirm(obj: Any, where: str, out: Problems) -> None:
    text_object(obj.get("title"), f"{where}.title", out, limit=100, plain_only=True)
    text_object(obj.get("text"), f"{where}.text", out, limit=300)
    text_object(obj.get("confirm"), f"{where}.confirm", out, limit=30, plain_only=True)
    text_object(obj.get("deny"), f"{where}.deny", out, limit=30, plain_only=True)
    out.need(obj.get("style") in (None, "primary", "danger"), where, "confirm style")


def element(obj: Any, where: str, out: Problems, action_ids: set[str]) -> None:
    kind = obj.get("type")
    action_id = obj.get("action_id")
    if action_id is not None:
        out.need(isinstance(action_id, str) and 1 <= len(action_id) <= 255, where,
                 "action_id length (1..255)")
        out.need(action_id not in action_ids, where, f"duplicate action_id {action_id!r}")
        action_ids.add(action_id)
    if "confirm" in obj:
        confirm(obj["confirm"], f"{where}.confirm", out)
    if kind == "button":
        text_object(obj.get("text"), f"{where}.text", out, limit=75, plain_only=True)
        out.need(len(obj.get("value", "")) <= 2000, where, "button value over 2000")
        out.need(len(obj.get("url", "")) <= 3000, where, "button url over 3000")
        out.need(obj.get("style") in (None, "primary", "danger"), where, "button style")
    elif kind == "overflow":
        options = obj.get("options") or []
        out.need(2 <= len(options) <= 5, where, f"{len(options)} overflow options (2..5)")
        for n, o in enumerate(options):
            option(o, f"{where}.options[{n}]", out)
    elif kind == "static_select":
        options = obj.get("options") or []
        out.need(1 <= len(options) <= 100, where, f"{len(options)} select options (1..100)")
        for n, o in enumerate(options):
            option(o, f"{where}.options[{n}]", out)
        if "placeholder" in obj:
            text_object(obj["placeholder"], f"{where}.placeholder", out, limit=150,
                        plain_only=True)
        if "initial_option" in obj:
            out.need(obj["initial_option"] in options, where, "initial_option not an option")
    elif kind == "plain_text_input":
        if "placeholder" in obj:
            text_object(obj["placeholder"], f"{where}.placeholder", out, limit=150,
                        plain_only=True)
        out.need(0 <= obj.get("min_length", 0) <= 3000, where, "min_length (0..3000)")
        out.need(1 <= obj.get("max_length", 3000) <= 3000, where, "max_length (1..3000)")
        out.need(isinstance(obj.get("initial_value", ""), str), where, "initial_value type")
    elif kind == "number_input":
        out.need(isinstance(obj.get("is_decimal_allowed"), bool), where,
                 "number_input needs is_decimal_allowed")
        out.need(isinstance(obj.get("initial_value", ""), str), where, "initial_value type")
    else:
        out.append(f"{where}: element type {kind!r} not checked by this fake")


def blocks(items: Any, where: str, out: Problems, *, limit: int) -> None:
    if not isinstance(items, list):
        out.append(f"{where}: blocks must be a list")
        return
    out.need(len(items) <= limit, where, f"{len(items)} blocks (at most {limit})")
    action_ids: set[str] = set()
    block_ids: set[str] = set()
    for n, block in enumerate(items):
        at = f"{where}[{n}]"
        kind = block.get("type")
        out.need(kind in LAYOUT, at, f"block type {kind!r}")
        block_id = block.get("block_id")
        if block_id is not None:
            out.need(isinstance(block_id, str) and len(block_id) <= 255, at, "block_id")
            out.need(block_id not in block_ids, at, f"duplicate block_id {block_id!r}")
            block_ids.add(block_id)
        if kind == "section":
            out.need("text" in block or "fields" in block, at, "section needs text or fields")
            if "text" in block:
                text_object(block["text"], f"{at}.text", out)
            fields = block.get("fields", [])
            out.need(len(fields) <= 10, at, f"{len(fields)} fields (at most 10)")
            for i, f in enumerate(fields):
                text_object(f, f"{at}.fields[{i}]", out, limit=2000)
            if "accessory" in block:
                element(block["accessory"], f"{at}.accessory", out, action_ids)
        elif kind == "context":
            elements = block.get("elements", [])
            out.need(1 <= len(elements) <= 10, at, f"{len(elements)} context elements")
            for i, e in enumerate(elements):
                text_object(e, f"{at}.elements[{i}]", out)
        elif kind == "actions":
            elements = block.get("elements", [])
            out.need(1 <= len(elements) <= 25, at, f"{len(elements)} actions (1..25)")
            for i, e in enumerate(elements):
                element(e, f"{at}.elements[{i}]", out, action_ids)
        elif kind == "header":
            text_object(block.get("text"), f"{at}.text", out, limit=150, plain_only=True)
        elif kind == "input":
            text_object(block.get("label"), f"{at}.label", out, limit=2000, plain_only=True)
            if "hint" in block:
                text_object(block["hint"], f"{at}.hint", out, limit=2000, plain_only=True)
            element(block.get("element") or {}, f"{at}.element", out, set())


def message_problems(payload: dict[str, Any]) -> list[str]:
    """What Slack would refuse in a chat.postMessage / postEphemeral / response URL body."""
    out = Problems()
    if "blocks" in payload:
        blocks(payload["blocks"], "blocks", out, limit=MESSAGE_BLOCKS)
    else:
        out.need(bool(payload.get("text")), "message", "no_text")
    return out


def view_problems(view: dict[str, Any]) -> list[str]:
    """What Slack would refuse in views.open / views.update / views.publish or a
    response_action's view."""
    out = Problems()
    kind = view.get("type")
    out.need(kind in ("modal", "home"), "view", f"type {kind!r}")
    blocks(view.get("blocks"), "view.blocks", out, limit=VIEW_BLOCKS)
    out.need(len(view.get("private_metadata", "")) <= 3000, "view", "private_metadata > 3000")
    out.need(len(view.get("callback_id", "")) <= 255, "view", "callback_id > 255")
    if kind == "modal":
        text_object(view.get("title"), "view.title", out, limit=24, plain_only=True)
        for key in ("submit", "close"):
            if key in view:
                text_object(view[key], f"view.{key}", out, limit=24, plain_only=True)
        has_input = any(b.get("type") == "input" for b in view.get("blocks") or [])
        out.need("submit" in view or not has_input, "view", "inputs need a submit button")
    return out


def parsed_texts(payload: dict[str, Any]) -> Iterator[str]:
    """Every text Slack parses for mentions: mrkdwn objects, and the top-level `text`."""
    if isinstance(payload.get("text"), str):
        yield payload["text"]
    yield from _mrkdwn(payload.get("blocks") or [])
    view = payload.get("view")
    if isinstance(view, dict):
        yield from _mrkdwn(view.get("blocks") or [])


def _mrkdwn(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _mrkdwn(value)
    elif isinstance(node, list):
        for value in node:
            yield from _mrkdwn(value)


def pings(payload: dict[str, Any]) -> list[str]:
    """Broadcasts and mentions in the parsed texts of a payload: who would be notified."""
    return [m.group(0) for text in parsed_texts(payload) for m in PINGS.finditer(text)]


# -- what the tests use ---------------------------------------------------------------------
def check_message(message: dict[str, Any]) -> None:
    """Slack takes it, and the bot's own rule: a plain-text fallback is always sent."""
    assert message.get("text"), "a plain-text fallback is always sent"
    assert message_problems(message) == []


def check_view(view: dict[str, Any]) -> None:
    assert view_problems(view) == []


def pressables(items: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any],
                                                            dict[str, Any] | None]]:
    """(element, option) for every button, and every option of every menu."""
    for block in items:
        elements = [block["accessory"]] if "accessory" in block else block.get("elements", [])
        for item in elements:
            if item.get("type") == "button":
                yield item, None
            elif item.get("type") in ("overflow", "static_select"):
                for choice in item["options"]:
                    yield item, choice


def text_of(message: dict[str, Any]) -> str:
    return message.get("text", "")
