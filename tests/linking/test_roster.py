"""Teach-meet cards name a `privacy space` member only to people who share a space with
them, through any of either's linked accounts (others see them counted, as hidden members
are)."""

from __future__ import annotations

from bot.app import App
from bot.testing import FakeAdapter
from tests.linking.conftest import OTHER_SPACE
from tests.linking.helpers import create_meet, link, member_of

CREATE = ('teachmeet create "Spring TeachMeet" start="2026-12-10 16:00 Europe/London" '
          'duration=2h venue="Camden Library" capacity=5')


async def test_space_private_members_are_named_only_to_people_sharing_a_space(
        app: App, chat: FakeAdapter, other: FakeAdapter) -> None:
    await create_meet(chat, CREATE, user="org")
    await other.say("privacy space", user="wyn")  # only in the Wales server
    await other.say("teachmeet going 1", user="wyn")
    await chat.say("teachmeet going 1", user="ann")
    wyn = (await member_of(app, "other", OTHER_SPACE, "wyn")).handle

    seen = (await chat.say("teachmeet show 1", user="pat")).plain_text()
    assert "ann (@ann), 1 other" in seen and f"@{wyn}" not in seen, seen
    assert f"@{wyn}" in (await other.say("teachmeet show 1", user="zed")).plain_text(), \
        "someone in the Wales server sees who is coming from it"
    assert f"@{wyn}" in (await other.say("teachmeet show 1", user="wyn")).plain_text()

    # pat links a Wales account: from Camden, she now shares a space with wyn
    await link(chat, "pat", other, "pat-d")
    seen = (await chat.say("teachmeet show 1", user="pat")).plain_text()
    assert f"@{wyn}" in seen, seen
