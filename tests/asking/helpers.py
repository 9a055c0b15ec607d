"""Shared by the asking tests: experts, the messages they get, counting rows."""

from __future__ import annotations

from bot.replies import Button, Reply
from bot.testing import FakeAdapter
from tests.introductions.helpers import buttons, count, expert, member, set_fields

__all__ = [
    "ask_buttons",
    "asked_of",
    "buttons",
    "count",
    "expert",
    "member",
    "set_fields",
    "setup_experts",
]


async def setup_experts(
    chat: FakeAdapter, *users: str, summary: str = "Rolled out Chromebooks 1:1 in year 7"
) -> None:
    """The asker ann (with a profile), and each of `users` having done `summary`."""
    await chat.say('intro name="Ann Jones" role="Computing lead" region=Camden', user="ann")
    for user in users:
        await expert(chat, user, summary, name=f"{user.title()} Smith")
    chat.sent.clear()


def asked_of(chat: FakeAdapter) -> list[str]:
    """Who has been sent a question (in order)."""
    return [d.user_id for d, r in chat.sent if d.user_id and "asks the network" in r.plain_text()]


def ask_buttons(reply: Reply) -> dict[str, Button]:
    return {b.label: b for b in buttons(reply)}
