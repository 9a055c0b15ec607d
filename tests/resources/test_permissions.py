"""Only moderators publish, approve, reject, edit, unpin or review — whatever the path
(typed, a button press, a form, or a hand-made payload carrying another id) — and every
refused attempt is answered clearly and written to the audit log."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import App
from bot.settings import SpaceSettings
from bot.testing import SPACE, FakeAdapter, make_settings
from storage.repositories.directory import ModeratorRepository
from tests.resources.helpers import MOD, audit_rows, pin_row, pins


async def _library(chat: FakeAdapter) -> None:
    """#1 published by the moderator, #2 suggested by ann, #3 suggested by bob."""
    await chat.say("pin https://example.org/one Published one #tag", user=MOD)
    await chat.say("pin https://example.org/two Suggested by ann", user="ann")
    await chat.say("pin https://example.org/three Suggested by bob", user="bob")


async def _snapshot(app: App) -> list[tuple[Any, ...]]:
    return [(p.id, p.status, p.title, p.url, tuple(p.tags), p.description, p.reject_reason,
             p.link_status) for p in await pins(app)]


TYPED = [
    ("pins approve 2", "pins approve"),
    ("pins approve 3", "pins approve"),
    ("pins reject 3 I do not like it", "pins reject"),
    ("pins reject 2", "pins reject"),
    ("pins edit 1 Hijacked title", "pins edit"),
    ("pins edit 1 url=https://evil.example/", "pins edit"),
    ("unpin 1", "unpin"),
    ("unpin 1 confirm=yes", "unpin"),
    ("pins remove 1 confirm=yes", "unpin"),
    ("pins queue", "pins queue"),
    ("pins dead", "pins dead"),
    ("pins keep 1", "pins keep"),
    ("audit", "audit"),
    ("pins audit", "audit"),
]
PRESSED = [
    ("pins approve", {"id": 2}),
    ("pins approve", {"id": 3}),  # someone else's suggestion: a crafted payload
    ("pins reject", {"id": 3}),
    ("pins reject", {"id": 3, "reason": "crafted form submission"}),
    ("pins edit", {"id": 1, "title": "Hijacked"}),
    ("pins edit", {"id": 1, "tags": ["spam"]}),
    ("unpin", {"id": 1}),
    ("unpin", {"id": 1, "confirm": True}),
    ("pins keep", {"id": 1}),
    ("pins queue", {}),
    ("audit", {"limit": 100}),
]


@pytest.mark.parametrize(("text", "command"), TYPED)
async def test_typed_moderator_commands_are_refused_and_logged(
        app: App, chat: FakeAdapter, text: str, command: str) -> None:
    await _library(chat)
    before = await _snapshot(app)
    reply = await chat.say(text, user="ann")
    assert reply.is_error
    assert reply.plain_text() == f"Only moderators can use `{command}`."
    assert await _snapshot(app) == before
    [refusal] = await audit_rows(app, "refused")
    assert refusal.actor == f"fake:{SPACE}:ann" and refusal.target == command
    assert chat.sent == []


@pytest.mark.parametrize(("command", "args"), PRESSED)
async def test_pressed_and_crafted_payloads_are_refused_and_logged(
        app: App, chat: FakeAdapter, command: str, args: dict[str, Any]) -> None:
    await _library(chat)
    before = await _snapshot(app)
    reply = await chat.press(command, args, user="bob")
    assert reply.is_error and "Only moderators can" in reply.plain_text()
    assert reply.form is None
    assert await _snapshot(app) == before
    [refusal] = await audit_rows(app, "refused")
    assert refusal.actor == f"fake:{SPACE}:bob" and refusal.target == command
    assert refusal.after == {k: str(v) for k, v in args.items()}
    assert chat.sent == []


async def test_a_member_cannot_publish_through_pin(app: App, chat: FakeAdapter) -> None:
    typed = await chat.say("pin https://example.org/mine Mine", user="ann")
    assert "suggestion #1" in typed.plain_text()
    pressed = await chat.press("pin", {"url": "https://example.org/p", "title": "Pressed"},
                               user="ann")
    assert "suggestion #2" in pressed.plain_text()
    crafted = await chat.press("pin", {"url": "https://example.org/c", "title": "Crafted",
                                       "status": "published"}, user="ann")
    assert crafted.is_error and "not an option" in crafted.plain_text()
    assert [p.status for p in await pins(app)] == ["pending", "pending"]
    assert await audit_rows(app, "pin.publish") == []


async def test_moderator_of_another_space_is_not_a_moderator_here(
        app: App, chat: FakeAdapter) -> None:
    await _library(chat)
    reply = await chat.say("pins approve 2", user=MOD, space="T-OTHER")
    assert reply.is_error and "Only moderators" in reply.plain_text()
    assert (await pin_row(app, 2)).status == "pending"
    [refusal] = await audit_rows(app, "refused")
    assert refusal.actor == f"fake:T-OTHER:{MOD}"


@pytest.fixture
def settings():
    return make_settings(spaces=[SpaceSettings(
        platform="fake", id=SPACE, announcements_channel="C-NEWS", moderators=[MOD],
        moderator_groups=["S-CURATORS"])])


async def test_role_and_table_moderators_may_act(app: App, chat: FakeAdapter) -> None:
    await _library(chat)
    by_role = await chat.say("pins approve 2", user="cat", roles=frozenset({"S-CURATORS"}))
    assert not by_role.is_error, by_role.plain_text()
    assert (await chat.say("pins approve 3", user="dan")).is_error
    async with app.db.unit_of_work() as session:
        await ModeratorRepository(session).add("fake", SPACE, "dan")
    by_table = await chat.say("pins approve 3", user="dan")
    assert not by_table.is_error, by_table.plain_text()
    assert [p.status for p in await pins(app)] == ["published"] * 3
    actors = [e.actor for e in await audit_rows(app, "pin.approve")]
    assert actors == [f"fake:{SPACE}:cat", f"fake:{SPACE}:dan"]
