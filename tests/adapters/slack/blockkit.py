"""Checks recorded Block Kit against Slack's documented limits, and finds what can be pressed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

BLOCK_TYPES = {"section", "context", "actions", "divider", "header", "input"}


def _text(obj: dict[str, Any], limit: int) -> None:
    assert obj["type"] in ("mrkdwn", "plain_text"), obj
    assert 0 < len(obj["text"]) <= limit and obj["text"].strip(), (len(obj["text"]),
                                                                  obj["text"][:80])


def _element(element: dict[str, Any], ids: set[str]) -> None:
    kind = element["type"]
    if kind in ("button", "overflow", "static_select"):
        assert element["action_id"] not in ids, f"duplicate action_id {element['action_id']}"
        ids.add(element["action_id"])
        assert len(element["action_id"]) <= 255
    if kind == "button":
        _text(element["text"], 75)
        assert len(element.get("value", "")) <= 2000
        assert len(element.get("url", "")) <= 3000
        assert "value" in element or "url" in element, element
        assert element.get("style") in (None, "primary", "danger")
    elif kind in ("overflow", "static_select"):
        options = element["options"]
        assert (2 if kind == "overflow" else 1) <= len(options) <= (5 if kind == "overflow"
                                                                     else 100)
        for option in options:
            _text(option["text"], 75)
            assert len(option["value"]) <= 150
    if "confirm" in element:
        confirm = element["confirm"]
        _text(confirm["title"], 100)
        _text(confirm["text"], 300)
        _text(confirm["confirm"], 30)
        _text(confirm["deny"], 30)


def check_blocks(blocks: list[dict[str, Any]], limit: int = 50) -> None:
    assert len(blocks) <= limit, f"{len(blocks)} blocks (limit {limit})"
    ids: set[str] = set()
    for block in blocks:
        assert block["type"] in BLOCK_TYPES, block
        if block["type"] == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                _text(block["text"], 3000)
            fields = block.get("fields", [])
            assert len(fields) <= 10
            for f in fields:
                _text(f, 2000)
            if "accessory" in block:
                _element(block["accessory"], ids)
        elif block["type"] == "context":
            assert 1 <= len(block["elements"]) <= 10
            for e in block["elements"]:
                _text(e, 3000)
        elif block["type"] == "actions":
            assert 1 <= len(block["elements"]) <= 25
            for e in block["elements"]:
                _element(e, ids)
        elif block["type"] == "header":
            _text(block["text"], 150)
        elif block["type"] == "input":
            _text(block["label"], 2000)
            assert block["element"]["action_id"] == "value"


def check_message(message: dict[str, Any]) -> None:
    assert message.get("text"), "a plain-text fallback is always sent"
    check_blocks(message.get("blocks") or [])


def check_view(view: dict[str, Any]) -> None:
    assert view["type"] in ("modal", "home")
    check_blocks(view["blocks"], limit=100)
    if view["type"] == "modal":
        _text(view["title"], 24)
        _text(view["submit"], 24)
        assert len(view.get("private_metadata", "")) <= 3000


def pressables(blocks: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any],
                                                             dict[str, Any] | None]]:
    """(element, option) for every button, and every option of every menu."""
    for block in blocks:
        elements = [block["accessory"]] if "accessory" in block else block.get("elements", [])
        for element in elements:
            if element.get("type") == "button":
                yield element, None
            elif element.get("type") in ("overflow", "static_select"):
                for option in element["options"]:
                    yield element, option


def text_of(message: dict[str, Any]) -> str:
    return message.get("text", "")
