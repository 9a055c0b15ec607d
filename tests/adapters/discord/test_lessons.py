"""Lessons in Discord: `/done add` with lessons, the "Add what you learned" button opening a
modal of the three lessons (within Discord's modal limits), a too-long lesson coming back
inside the form, and `done show` within the embed limits."""

from __future__ import annotations

from typing import Any

from storage.models.directory import LESSON_MAX
from tests.adapters.discord.conftest import Harness
from tests.adapters.discord.test_discord_adapter import (
    ALICE,
    BOB,
    button,
    check_limits,
    done_entries,
    text_of,
)


def _inputs(modal: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(component: dict[str, Any]) -> None:
        if component.get("type") == 4:
            found.append(component)
        for child in component.get("components") or []:
            walk(child)
        if isinstance(component.get("component"), dict):
            walk(component["component"])

    for row in modal["components"]:
        walk(row)
    return found


async def test_lessons_by_slash_command_button_and_modal(discord_bot: Harness) -> None:
    logged = await discord_bot.slash(
        "done",
        "add",
        options={"summary": "Rolled out Chromebooks 1:1", "worked": "staff training first"},
        **ALICE,
    )
    check_limits(logged)
    assert "Worked: staff training first" in text_of(logged)
    opened = await discord_bot.press(button(logged, "Edit what you learned")["custom_id"], **ALICE)
    assert opened.json["type"] == 9  # a modal
    modal = opened.json["data"]
    inputs = _inputs(modal)
    assert [i["custom_id"] for i in inputs] == ["worked", "differently", "cost"]
    assert len(inputs) <= 5 and len(modal["title"]) <= 45
    for box in inputs:
        assert box["style"] == 2 and box["max_length"] == LESSON_MAX
        assert len(box.get("label", "")) <= 45
    assert inputs[0].get("value") == "staff training first"

    bad = await discord_bot.submit(modal["custom_id"], {"cost": "c" * (LESSON_MAX + 1)}, **ALICE)
    assert "at most 500" in text_of(bad)
    [entry] = await done_entries(discord_bot)
    assert entry.cost == ""
    saved = await discord_bot.submit(
        modal["custom_id"], {"differently": "buy cases", "cost": "a term"}, **ALICE
    )
    assert "Saved what you learned" in text_of(saved)
    [entry] = await done_entries(discord_bot)
    assert (entry.worked, entry.differently, entry.cost) == (
        "staff training first",
        "buy cases",
        "a term",
    )

    shown = await discord_bot.slash("done", "show", options={"id": entry.id}, **BOB)
    check_limits(shown)
    assert "buy cases" in text_of(shown) and "What worked" in text_of(shown)
