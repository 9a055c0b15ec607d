"""What real Discord servers do that a tidy test server does not (issue 12, items 1 to 6):
long content against the 6,000-character embed total, members who block DMs from server
members, a slow database while a form should open, long imported values in forms, a
gateway that goes silent under a live leader, members typing @everyone and role mentions.
The fake Discord answers each as Discord's documentation says."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import func, select

from adapters.discord import render
from bot.replies import Reply, Text
from storage.models import MeetRequest, Pin
from storage.repositories.directory import DirectoryRepository
from tests.adapters.discord import discord_limits
from tests.adapters.discord import fake_discord as fd
from tests.adapters.discord.conftest import Harness
from tests.adapters.discord.test_discord_adapter import (
    ALICE,
    BOB,
    MOD,
    body,
    button,
    is_ephemeral,
    text_of,
)


async def count(bot: Harness, model: Any) -> int:
    async with bot.app.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_ordinary_pins_stay_within_the_6000_character_total(discord_bot: Harness
                                                                  ) -> None:
    """Item 1: ten pins with ~500-character descriptions spent the budget, after which
    `_Embeds.take()` still added "…" and the "showing N of M" footer: 6,001 characters,
    a 400 from Discord, and the member saw only "Sorry, something went wrong"."""
    for n in range(10):
        pinned = await discord_bot.slash("pin", options={
            "url": f"https://resources.example.org/{n}/" + "guide-" * 30,
            "title": f"Guide {n}: " + "online safety for families and schools " * 4,
            "description": "What it covers and why it is good. " * 14,
            "tags": "safety parents"}, **MOD)
        assert not is_ephemeral(pinned), text_of(pinned)
    assert await count(discord_bot, Pin) == 10
    library = await discord_bot.slash("pins", "run", **ALICE)
    assert library.status == 200 and "Resource library" in text_of(library)
    data = body(library)
    assert sum(discord_limits.embed_chars(e) for e in data["embeds"]) <= 6000
    assert discord_bot.fake.refused == []


def test_no_reply_can_pass_the_total_however_its_budget_runs_out() -> None:
    """The notes that say what was left out come from a reserve, so a reply whose content
    spends the budget exactly still fits, notes included."""
    for filler in range(5600, 6100, 7):
        reply = Reply(blocks=(Text("a" * 4000), Text("b" * (filler - 4000))))
        message = render.render(reply, open_form=None)
        data = {"embeds": [e.to_dict() for e in message.embeds]}
        assert discord_limits.message_problems(data) == [], filler


async def test_a_member_who_blocks_dms_is_reported_to_the_asker(discord_bot: Harness) -> None:
    """Item 2: a meet request to someone who blocks DMs from server members (403, code
    50007) was saved and the asker told "I've asked bob privately"; bob never saw it."""
    await discord_bot.slash("done", "add", options={"summary": "Chromebook rollout for a MAT"},
                            **BOB)
    discord_bot.fake.blocks_dms.add(BOB["user_id"])
    found = await discord_bot.slash("meet", "show", options={"topic": "chromebook rollout"},
                                    **ALICE)
    asked = await discord_bot.press(button(found, "Ask bob")["custom_id"], **ALICE)
    said = text_of(asked)
    assert "I've asked" not in said
    assert ("I couldn't ask bob privately: They don't accept direct messages from this "
            "server's members") in said
    assert await count(discord_bot, MeetRequest) == 0
    refused = [c for c in discord_bot.fake.calls if c.status == 403]
    assert len(refused) == 1 and refused[0].path == "/channels/8002/messages"


async def test_a_form_opens_at_once_after_a_deferred_reply(discord_bot: Harness) -> None:
    """Item 3: once a reply was deferred it cannot be a modal, so the bot offered an "Open"
    button that ran the command again, deferred again, and so on for ever whenever the
    database was slow. The button now opens the kept form without waiting on anything."""
    adapter = discord_bot.adapter
    adapter.settings = adapter.settings.model_copy(update={"defer_after_seconds": 0.05})
    original = discord_bot.app.core.answer

    async def slow_answer(event: Any) -> Any:
        await asyncio.sleep(0.3)  # a slow database, every time
        return await original(event)

    discord_bot.app.core.answer = slow_answer  # type: ignore[method-assign]
    deferred = await discord_bot.slash("survey", **ALICE)
    assert deferred.path.startswith("/webhooks/") and is_ephemeral(deferred)
    opened = await discord_bot.press(button(deferred, "Open")["custom_id"], **ALICE)
    assert opened.json["type"] == 9 and opened.json["data"]["title"] == "Quick survey"
    saved = await discord_bot.submit(opened.json["data"]["custom_id"],
                                     {"colour": "red", "count": "2"}, **ALICE)
    assert "Saved red x2 for s1" in text_of(saved)
    # a form longer than one modal too
    deferred = await discord_bot.slash("long", "survey", **ALICE)
    opened = await discord_bot.press(button(deferred, "Open")["custom_id"], **ALICE)
    assert opened.json["type"] == 9 and opened.json["data"]["title"] == "Long survey (1/2)"


async def test_imported_long_interests_no_longer_lock_a_member_out_of_the_form(
        discord_bot: Harness) -> None:
    """Item 4: the intro form pre-filled `learn` with up to 4,000 characters into a box of
    2,000, so Discord refused the modal for members imported with long interests."""
    async with discord_bot.app.db.unit_of_work() as session:
        directory = DirectoryRepository(session, discord_bot.app.services.search)
        member = await directory.member_for_identity("discord", fd.GUILD_ID,
                                                     ALICE["user_id"], display_name="alice")
        from storage.repositories.introductions import IntroductionsRepository

        await IntroductionsRepository(session).set_interests(
            member.id, [f"interest {n} " + "x" * 440 for n in range(10)])
    opened = await discord_bot.slash("intro", **ALICE)
    assert opened.json["type"] == 9, text_of(opened)
    assert discord_bot.fake.refused == []
    page = opened.json["data"]
    saved = await discord_bot.submit(page["custom_id"], {"name": "Alice A", "role": "Head"},
                                     **ALICE)
    shown = await discord_bot.press(button(saved, "Continue")["custom_id"], **ALICE)
    boxes = {c["custom_id"]: c for row in shown.json["data"]["components"]
             for c in _walk(row) if c.get("type") == 4}
    assert boxes["learn"].get("value") is None
    assert boxes["learn"]["placeholder"].startswith("Too long to show here")
    done = await discord_bot.submit(shown.json["data"]["custom_id"], {}, **ALICE)
    assert "profile is saved" in text_of(done) or "profile is updated" in text_of(done)
    async with discord_bot.app.db.sessions() as session:
        from storage.models import Interest

        kept = await session.scalar(select(func.count()).select_from(Interest))
    assert kept == 10  # left empty: kept as it was


def _walk(component: dict[str, Any]) -> list[dict[str, Any]]:
    out = [component]
    for child in component.get("components") or []:
        out += _walk(child)
    if isinstance(component.get("component"), dict):
        out += _walk(component["component"])
    return out


async def test_members_mentions_and_broadcasts_never_reach_discord_live(
        discord_bot: Harness) -> None:
    """Item 6: every member-written string is escaped (`@everyone`, `@here`, user and role
    mentions) and every message says `allowed_mentions: none`."""
    await discord_bot.slash("done", "add", options={
        "summary": f"@everyone ran <@&{fd.MOD_ROLE}> training with <@{fd.BOT_ID}> @here"},
        **BOB)
    await discord_bot.slash("intro", **BOB)
    found = await discord_bot.slash("whodone", options={"query": "training"}, **ALICE)
    said = text_of(found)
    assert "everyone ran" in said and "@everyone" not in said
    assert f"<@&{fd.MOD_ROLE}>" not in said and "@here" not in said
    mention = await discord_bot.mention("whodone training", **ALICE)
    assert mention.json["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert discord_bot.fake.mentions_shown == [] and discord_bot.fake.pinged == []


async def test_a_channel_answer_after_a_defer_is_public_and_the_defer_stays_private(
        discord_bot: Harness) -> None:
    """The first follow-up after a deferred response is as private as the defer: a
    channel answer goes in a second follow-up, after a private line saying it is done."""
    adapter = discord_bot.adapter
    adapter.settings = adapter.settings.model_copy(update={"defer_after_seconds": 0.05})
    original = discord_bot.app.core.answer

    async def slow_answer(event: Any) -> Any:
        await asyncio.sleep(0.3)
        return await original(event)

    discord_bot.app.core.answer = slow_answer  # type: ignore[method-assign]
    payload = fd.interaction(2, {"id": fd.snowflake(), "name": "mod", "type": 1, "options": [
        {"name": "wipe", "type": 1, "options": [{"name": "topic", "type": 3,
                                                 "value": "spam"}]}]}, **MOD)
    await discord_bot.fake.dispatch("INTERACTION_CREATE", payload)
    calls = await discord_bot.fake.wait_until(lambda: (
        found if len(found := [c for c in discord_bot.fake.answers(payload["token"])
                               if c.path.startswith("/webhooks/")]) >= 2 else None))
    first, second = calls[:2]
    assert is_ephemeral(first) and "in the channel" in text_of(first)
    assert not is_ephemeral(second) and "Wiped spam." in text_of(second)


async def test_healthz_reports_the_gateway(discord_bot: Harness) -> None:
    """Item 5's other half: `/healthz` says whether this copy's gateway is up."""
    import aiohttp

    server = discord_bot.app.build_http([discord_bot.adapter])
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{server.url}/healthz") as resp:
                up = await resp.json()
            adapter = discord_bot.adapter
            adapter.gateway_down()  # a reconnect: not yet a problem
            async with session.get(f"{server.url}/healthz") as resp:
                blip = (resp.status, await resp.json())
            adapter._down_since = time.monotonic() - adapter.settings.gateway_grace_seconds
            async with session.get(f"{server.url}/healthz") as resp:
                down = (resp.status, await resp.json())
    finally:
        await server.stop()
    assert up["checks"]["discord"]["ok"] is True
    assert "gateway connected to 2 server(s)" in up["checks"]["discord"]["detail"]
    assert blip[0] == 200 and "reconnecting" in blip[1]["checks"]["discord"]["detail"]
    assert down[0] == 503 and down[1]["checks"]["discord"]["ok"] is False
    assert "gateway down for 90 s" in down[1]["checks"]["discord"]["detail"]


async def test_a_mention_where_the_bot_may_not_post_is_answered_by_dm(discord_bot: Harness
                                                                      ) -> None:
    """The bot can read a channel but not post in it (403, code 50001): the member gets
    the answer by DM with the reason, rather than nothing."""
    fake = discord_bot.fake
    fake.no_access.add(fd.CHANNEL_ID)
    refused = await discord_bot.mention("help", **ALICE)
    assert refused.status == 403
    dm = await fake.wait_until(lambda: next(
        (c for c in fake.calls if c.path == "/channels/8001/messages"), None))
    assert dm.status == 200
    said = text_of(dm)
    assert said.startswith("I couldn't post this in the channel: I can't see that channel")
    assert "what I can do" in said


async def test_files_asked_for_in_a_channel_go_by_dm(discord_bot: Harness) -> None:
    """`mydata` mentioned in a channel: the personal-data export never lands there."""
    fake = discord_bot.fake
    said = await discord_bot.mention("mydata", **ALICE)
    assert not said.files
    dm = await fake.wait_until(lambda: next(
        (c for c in fake.calls if c.path == "/channels/8001/messages" and c.files), None))
    assert next(iter(dm.files)).endswith(".json")
