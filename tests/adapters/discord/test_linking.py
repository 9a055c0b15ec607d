"""Linking through the real Discord adapter: a code asked for in a server (a mention or a
slash command) goes to the member's DMs and never into the channel; `link CODE` mentioned in
a channel is refused there without repeating the code; in a DM it links."""

from __future__ import annotations

import json
import re

from tests.adapters.discord import fake_discord as fd
from tests.adapters.discord.conftest import Harness
from tests.adapters.discord.test_discord_adapter import ALICE, BOB, is_ephemeral, text_of
from tests.linking.helpers import members

CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
PUBLIC = f"/channels/{fd.CHANNEL_ID}/messages"


def _dm_channel(user_id: str) -> str:
    return f"/channels/8{user_id[1:]}/messages"


async def _dm_with_code(bot: Harness, user_id: str, after: int) -> str:
    call = await bot.fake.wait_until(lambda: next(
        (c for c in bot.fake.calls[after:] if c.method == "POST"
         and c.path == _dm_channel(user_id) and CODE.search(json.dumps(c.json))), None))
    return CODE.search(text_of(call)).group(0)  # type: ignore[union-attr]


async def test_the_code_is_private_on_discord(discord_bot: Harness) -> None:
    # a mention in a server channel: the channel hears where the code went, not the code
    before = len(discord_bot.fake.calls)
    said = await discord_bot.mention("link", **ALICE)
    assert said.path == PUBLIC and not CODE.search(json.dumps(said.json))
    assert "direct message" in text_of(said)
    code = await _dm_with_code(discord_bot, ALICE["user_id"], before)

    # the slash command in a server: an ephemeral answer without the code, the code by DM
    before = len(discord_bot.fake.calls)
    slashed = await discord_bot.slash("link", "show", **ALICE)
    assert is_ephemeral(slashed) and not CODE.search(json.dumps(slashed.json))
    code = await _dm_with_code(discord_bot, ALICE["user_id"], before)

    # `link CODE` mentioned in the channel: refused there, and the code is not repeated
    refused = await discord_bot.mention(f"link {code}", **BOB)
    assert "only take linking codes in a direct message" in text_of(refused)
    assert code not in json.dumps(refused.json)
    assert len(await members(discord_bot.app)) == 1  # alice only: bob was not even added

    # in a DM (no server) bob's account links after confirming
    for text in (f"link {code}", f"link {code} confirm=yes"):
        data = fd.message_create(text, guild_id=None, mentions_bot=False, **BOB)
        await discord_bot.fake.dispatch("MESSAGE_CREATE", data)
        answer = await discord_bot.fake.wait_until(lambda d=data, t=text: next(
            (c for c in discord_bot.fake.calls if c.path == f"/channels/{d['channel_id']}"
             "/messages" and ("confirm" not in t or "now one profile" in text_of(c))), None))
    assert "2 accounts are now one profile" in text_of(answer)
    [member] = await members(discord_bot.app)
    assert member.handle == "alice"

    # no code ever reached the server channel or a public interaction answer
    for call in discord_bot.fake.calls:
        if CODE.search(json.dumps(call.json or {})):
            assert call.path.startswith("/channels/8") or is_ephemeral(call), call.path
