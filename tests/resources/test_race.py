"""Two people pinning the same resource at the same moment still make one pin."""

from __future__ import annotations

import asyncio

from bot.app import App
from bot.testing import FakeAdapter
from tests.resources.helpers import MOD, pins


async def test_simultaneous_pins_of_one_resource(app: App, chat: FakeAdapter) -> None:
    people = [MOD, "ann", "bob", "cat"]
    for user in people:  # members exist already: only the pins race
        await chat.say("profile", user=user)
    replies = await asyncio.gather(*(
        chat.say(f"pin https://example.org/same?utm_source={n} Same resource {n}",
                 user=user)
        for n, user in enumerate(people)))
    assert len(await pins(app)) == 1
    texts = [r.plain_text() for r in replies]
    assert sum("already" in t for t in texts) == 3, texts
    assert not any("went wrong" in t for t in texts), texts
