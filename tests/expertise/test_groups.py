"""Local groups (`[[spaces]] group`): the default region of new members and teach-meets from
a space, and `whodone ... in <group>` matching the group's spaces as well as typed regions."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.settings import Settings, SpaceSettings
from bot.testing import MODERATOR, SPACE, FakeAdapter, make_settings
from tests.linking.helpers import create_meet, member_of
from tests.teachmeets.support import meet

CAMDEN2, WALES, LOOSE = "T-CAMDEN-2", "T-WALES", "T-UNLISTED"


@pytest.fixture
def settings() -> Settings:
    return make_settings(spaces=[
        SpaceSettings(platform="fake", id=SPACE, name="Camden ed-tech", group="Camden",
                      moderators=[MODERATOR]),
        SpaceSettings(platform="fake", id=CAMDEN2, name="Camden libraries", group=" camden "),
        SpaceSettings(platform="fake", id=WALES, name="Wales server", group="Wales")])


async def test_new_members_and_teachmeets_default_to_their_spaces_group(
        app: App, chat: FakeAdapter) -> None:
    await chat.say("done Something", user="ceri")
    await chat.say("done Something", user="wyn", space=WALES)
    await chat.say("done Something", user="lou", space=LOOSE)
    assert (await member_of(app, "fake", SPACE, "ceri")).region == "Camden"
    assert (await member_of(app, "fake", WALES, "wyn")).region == "Wales"
    assert (await member_of(app, "fake", LOOSE, "lou")).region == ""
    await chat.say('intro region=Islington', user="ceri")  # a member's own choice stands
    assert (await member_of(app, "fake", SPACE, "ceri")).region == "Islington"

    await create_meet(chat, 'teachmeet create Winter meet start="2026-12-01 16:00"',
                      user="wyn", space=WALES)
    assert (await meet(app, 1)).region == "Wales"
    await create_meet(chat, 'teachmeet create Camden meet start="2026-12-02 16:00" '
                      "region=Kent", user="ceri")
    assert (await meet(app, 2)).region == "Kent", "a region given wins"
    await create_meet(chat, 'teachmeet create Another start="2026-12-03 16:00"', user="lou",
                      space=LOOSE)
    assert (await meet(app, 3)).region == "", "no group and no region of their own"


async def test_whodone_in_a_group_matches_its_spaces_and_typed_regions(
        app: App, chat: FakeAdapter) -> None:
    await chat.say("done Ran a Minecraft club", user="ceri")  # Camden space
    await chat.say('intro region=Islington', user="ceri")  # typed another region
    await chat.say("done Ran a Minecraft club for girls", user="libby", space=CAMDEN2)
    await chat.say("done Minecraft club after school", user="kim", space=LOOSE)
    await chat.say('intro region=Camden', user="kim", space=LOOSE)  # typed Camden
    await chat.say("done Minecraft club at lunch", user="wyn", space=WALES)
    handles = {u: (await member_of(app, "fake", s, u)).handle for u, s in (
        ("ceri", SPACE), ("libby", CAMDEN2), ("kim", LOOSE), ("wyn", WALES))}

    found = (await chat.say("whodone minecraft club in Camden", user="pat",
                            space=WALES)).plain_text()
    for user in ("ceri", "libby", "kim"):
        assert f"@{handles[user]}" in found, (user, found)
    assert f"@{handles['wyn']}" not in found
    assert "in Camden" in found
    typed = (await chat.say("whodone minecraft club region=camden", user="pat")).plain_text()
    assert all(f"@{handles[u]}" in typed for u in ("ceri", "libby", "kim"))
    wales = (await chat.say("whodone minecraft club in wales", user="pat")).plain_text()
    assert f"@{handles['wyn']}" in wales and f"@{handles['ceri']}" not in wales
    islington = (await chat.say("whodone minecraft club in Islington",
                                user="pat")).plain_text()
    assert f"@{handles['ceri']}" in islington and f"@{handles['libby']}" not in islington


async def test_groups_are_known_regions_before_anyone_types_them(app: App,
                                                                chat: FakeAdapter) -> None:
    await chat.say("done Ran a Minecraft club", user="lou", space=LOOSE)
    reply = await chat.say("whodone minecraft club in Wales", user="pat")
    assert "in Wales" in reply.plain_text() and "Nobody" in reply.plain_text()
    assert "Wales" in await app.core.complete(chat.caller("pat"), "regions", "wa")
