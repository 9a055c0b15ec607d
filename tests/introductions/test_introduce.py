"""`introduce A B why`: one conversation for the three of them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.notifier import Destination
from bot.testing import SPACE, FakeAdapter
from tests.introductions.helpers import set_fields


async def _people(chat: FakeAdapter) -> None:
    for user in ("ann", "bob", "cat"):
        await chat.say("privacy", user=user)


async def test_introduce_opens_a_group_with_the_reason(app, chat) -> None:
    await _people(chat)
    reply = await chat.say("introduce @ann bob both rolling out Chromebooks", user="cat")
    assert not reply.is_error, reply.plain_text()
    assert chat.groups == [(SPACE, ["cat", "ann", "bob"])]
    [(destination, message)] = chat.sent
    assert destination.channel_id == "G-cat-ann-bob"
    assert "Why: both rolling out Chromebooks" in message.plain_text()


async def test_introduce_me(app, chat) -> None:
    await _people(chat)
    reply = await chat.say("introduce me bob", user="cat")
    assert not reply.is_error, reply.plain_text()
    assert chat.groups == [(SPACE, ["cat", "bob"])]
    assert "cat would like you two to meet" not in chat.sent[0][1].plain_text()


@dataclass
class NoGroups(FakeAdapter):
    async def open_group(self, space_id: str, user_ids: list[str]) -> Destination | None:
        return None


async def test_without_groups_both_get_a_direct_message(app) -> None:
    chat = NoGroups(app.core)
    app.services.notifier.register(chat)
    await _people(chat)
    await chat.say("introduce ann bob", user="cat")
    assert sorted(d.user_id for d, _ in chat.sent) == ["ann", "bob"]


async def test_bad_introductions_change_nothing(app, chat) -> None:
    await _people(chat)
    await set_fields(app, "bob", privacy="hidden")
    cases = {
        "introduce ann ann": "same person twice",
        "introduce me cat": "same person twice",
        "introduce ann @ann": "same person twice",
        "introduce ann nobody-here": "can't find",
        "introduce ghost ann": "can't find",
        "introduce ann bob": "can't find",  # hidden
        "introduce ann": "second is missing",
        "introduce <@UNOBODY1> ann": "don't know that person",
    }
    for text, expected in cases.items():
        reply = await chat.say(text, user="cat")
        assert reply.is_error, text
        assert expected in reply.plain_text().lower(), (text, reply.plain_text())
    assert chat.sent == [] and chat.groups == []


async def test_space_private_members_are_not_introduced_across_spaces(app, chat) -> None:
    await chat.say("privacy", user="ann")
    await chat.say("privacy", user="dan", space="T-OTHER")
    await chat.say("privacy", user="cat")
    await chat.say("privacy", user="cat", space="T-OTHER")  # cat is in both spaces
    await set_fields(app, "ann", privacy="space")
    reply = await chat.say("introduce ann dan", user="cat")
    assert reply.is_error and "keep their profiles within spaces" in reply.plain_text()
    assert chat.sent == []


async def test_members_of_different_spaces_are_messaged_where_they_are(app, chat) -> None:
    await chat.say("privacy", user="ann")
    await chat.say("privacy", user="dan", space="T-OTHER")
    reply = await chat.say("introduce ann dan", user="cat")
    assert not reply.is_error, reply.plain_text()
    assert chat.groups == []
    assert sorted((d.space_id, d.user_id) for d, _ in chat.sent) == [
        ("T-OTHER", "dan"), (SPACE, "ann")]
    assert all("@dan" in r.plain_text() and "@ann" in r.plain_text() for _, r in chat.sent)
