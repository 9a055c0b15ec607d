"""Discord: a typed `yes` answers the bot's question, in a direct message and in a mention,
after a slash command asked it, exactly as pressing the button would."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from storage.models import Member
from tests.adapters.discord import fake_discord as fd
from tests.adapters.discord.conftest import Harness
from tests.adapters.discord.test_discord_adapter import ALICE, text_of


async def direct(harness: Harness, text: str, **who: Any) -> fd.Call:
    """A direct message to the bot (no server, no mention), answered in the same DM."""
    before = len(harness.fake.calls)
    data = fd.message_create(text, mentions_bot=False, guild_id=None, **who)
    await harness.fake.dispatch("MESSAGE_CREATE", data)
    return await harness.fake.wait_until(lambda: next(
        (c for c in harness.fake.calls[before:] if c.method == "POST"
         and c.path == f"/channels/{data['channel_id']}/messages"), None))


async def members(harness: Harness) -> int:
    async with harness.app.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Member)) or 0


async def test_yes_in_a_direct_message_answers_forgetme(discord_bot: Harness) -> None:
    await direct(discord_bot, 'intro name="Alice Jones"', **ALICE)
    asked = await direct(discord_bot, "forgetme", **ALICE)
    assert "Reply `yes` to delete it all" in text_of(asked)
    assert await members(discord_bot) == 1
    done = await direct(discord_bot, "yes", **ALICE)
    assert "everything about you has been deleted" in text_of(done)
    assert await members(discord_bot) == 0


async def test_yes_in_a_mention_after_a_slash_command(discord_bot: Harness) -> None:
    await discord_bot.mention('intro name="Alice Jones"', **ALICE)
    asked = await discord_bot.slash("forgetme", **ALICE)
    assert "Reply `yes`" in text_of(asked)
    no = await discord_bot.mention("no thanks", **ALICE)
    assert "nothing was deleted" in text_of(no) and await members(discord_bot) == 1
    await discord_bot.slash("forgetme", **ALICE)
    done = await discord_bot.mention("Yes please", **ALICE)
    assert "everything about you has been deleted" in text_of(done)
    assert await members(discord_bot) == 0
