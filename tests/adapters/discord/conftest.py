"""Fixtures: a fake Discord, and the real adapter connected to it with the app's core.

The registry is the product's, plus a test-only capability (`TESTING`) with what the
product does not have yet: a moderator-only command behind a button, a form with its
hidden submit command, a join hook, and a command slow enough to need a defer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import pytest
from pydantic import Field

from adapters.discord.adapter import DiscordAdapter
from bot.app import App
from bot.commands import Arg, Args, Capability, Command, CommandRegistry
from bot.context import Context
from bot.errors import UserError
from bot.features import capabilities
from bot.replies import Actions, Button, Form, FormField, Reply, Text
from bot.settings import DiscordSettings, Settings, SpaceSettings
from bot.testing import make_settings
from storage.models import AuditEntry
from tests.adapters.discord import fake_discord as fd

REGIONS = ["Wales", "Camden", "West Midlands"]


# -- a test-only capability ----------------------------------------------------------------------
class WipeArgs(Args):
    topic: Annotated[str, Arg(help="what to wipe", rest=True), Field(max_length=50)]


async def mod_wipe(ctx: Context, args: WipeArgs) -> Reply:
    ctx.audit("wiped", args.topic)
    return Reply(blocks=(Text(f"Wiped {args.topic}."),), tone="success", visibility="channel")


async def mod_panel(ctx: Context, _args: Args) -> Reply:
    return Reply(blocks=(Text("Moderation"), Actions((
        Button("Wipe spam", "mod wipe", {"topic": "spam"}, style="danger",
               confirm="Wipe all spam?"),))))


class SurveyArgs(Args):
    colour: Annotated[Literal["red", "green"], Arg(help="a colour")]
    count: Annotated[int, Arg(help="how many"), Field(ge=1, le=9)]
    note: Annotated[str, Arg(help="anything else"), Field(max_length=20)] = ""
    ref: Annotated[str, Arg(help="which survey")] = ""


async def survey(ctx: Context, _args: Args) -> Reply:
    return Reply(form=Form("Quick survey", "survey save", fields=(
        FormField("colour", "Favourite colour", kind="choice", required=True,
                  choices=(("red", "Red"), ("green", "Green"))),
        FormField("count", "How many", kind="number", required=True),
        FormField("note", "Note", kind="long_text", max_length=20),
    ), hidden={"ref": "s1"}))


async def survey_save(ctx: Context, args: SurveyArgs) -> Reply:
    ctx.audit("survey", args.ref, after={"colour": args.colour, "count": args.count})
    return Reply(blocks=(Text(f"Saved {args.colour} x{args.count} for {args.ref}"),),
                 tone="success")


class LongArgs(Args):
    a: Annotated[str, Arg(help="a")]
    b: str = ""
    c: str = ""
    d: str = ""
    e: str = ""
    f: str = ""
    g: Annotated[str, Arg(help="g"), Field(max_length=5)] = ""
    ref: str = ""


async def long_survey(ctx: Context, _args: Args) -> Reply:
    return Reply(form=Form("Long survey", "long survey save", fields=tuple(
        FormField(n, f"Field {n}", required=n == "a") for n in "abcdefg"),
        hidden={"ref": "L1"}))


async def long_survey_save(ctx: Context, args: LongArgs) -> Reply:
    ctx.audit("long survey", args.ref, after=args.model_dump())
    return Reply(blocks=(Text(f"Saved {args.a}/{args.e}/{args.g} for {args.ref}"),),
                 tone="success")


class Gate:
    """Holds `slow` until the test has seen the defer (a fresh event per test's loop)."""

    release = asyncio.Event()


async def slow(ctx: Context, _args: Args) -> Reply:
    await asyncio.wait_for(Gate.release.wait(), 10)
    return Reply(blocks=(Text("Finally done."),))


async def boom(ctx: Context, _args: Args) -> Reply:
    raise RuntimeError("secret internal detail")


async def refuse(ctx: Context, _args: Args) -> Reply:
    raise UserError("Nope.")


TESTING = Capability(name="testing", commands=[
    Command(name="mod wipe", handler=mod_wipe, args=WipeArgs, moderator_only=True,
            summary="Wipe a topic (test-only)."),
    Command(name="mod panel", handler=mod_panel, args=Args, summary="Moderation buttons."),
    Command(name="survey", handler=survey, args=Args, summary="Open a survey form."),
    Command(name="survey save", handler=survey_save, args=SurveyArgs, hidden=True,
            summary="Save a survey."),
    Command(name="long survey", handler=long_survey, args=Args,
            summary="A form longer than one modal."),
    Command(name="long survey save", handler=long_survey_save, args=LongArgs, hidden=True,
            summary="Save the long survey."),
    Command(name="slow", handler=slow, args=Args, summary="Takes a while."),
    Command(name="boom", handler=boom, args=Args, summary="Always fails."),
    Command(name="refuse", handler=refuse, args=Args, summary="Always refuses."),
])


def registry_for_tests() -> CommandRegistry:
    return CommandRegistry.from_capabilities([*capabilities(), TESTING])


# -- fixtures ------------------------------------------------------------------------------------
def discord_settings(**overrides: Any) -> DiscordSettings:
    values: dict[str, Any] = {"token": "test-token", "application_id": fd.APP_ID,
                              "leader_retry_seconds": 0.1, "defer_after_seconds": 1.5}
    values.update(overrides)
    return DiscordSettings(**values)


@pytest.fixture
def settings() -> Settings:
    base = make_settings()
    return make_settings(
        spaces=[*base.spaces, SpaceSettings(platform="discord", id=fd.GUILD_ID,
                                            moderator_groups=[fd.MOD_ROLE]),
                SpaceSettings(platform="discord", id=fd.OTHER_GUILD_ID)],
        discord=discord_settings(),
        network=base.network.model_copy(update={"regions": REGIONS}))


@pytest.fixture
async def fake() -> AsyncIterator[fd.FakeDiscord]:
    """A fake Discord; at the end of every test, nothing the bot sent was refused as
    invalid, and nothing it sent pinged anyone or showed a mention someone typed."""
    server = fd.FakeDiscord([fd.guild(), fd.guild(fd.OTHER_GUILD_ID, "Cardiff teachers")])
    await server.start()
    with server.patched():
        yield server
    await server.stop()
    assert server.refused == [], server.refused
    assert server.pinged == [] and server.mentions_shown == [], (server.pinged,
                                                                  server.mentions_shown)


class Harness:
    """The adapter under test and ways to speak to it through the fake Discord."""

    def __init__(self, app: App, fake: fd.FakeDiscord, adapter: DiscordAdapter) -> None:
        self.app, self.fake, self.adapter = app, fake, adapter

    async def interact(self, payload: dict[str, Any]) -> fd.Call:
        await self.fake.dispatch("INTERACTION_CREATE", payload)
        return await self.fake.answer(payload["token"])

    async def slash(self, top: str, /, *sub: str, options: dict[str, Any] | None = None,
                    **who: Any) -> fd.Call:
        return await self.interact(fd.interaction(2, slash_data(top, *sub,
                                                               options=options), **who))

    async def press(self, custom_id: str, *, message: dict[str, Any] | None = None,
                    values: list[str] | None = None, **who: Any) -> fd.Call:
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2 if values is None
                                else 3}
        if values is not None:
            data["values"] = values
        return await self.interact(fd.interaction(3, data, message=message, **who))

    async def submit(self, custom_id: str, values: dict[str, str], **who: Any) -> fd.Call:
        rows = [{"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
                for k, v in values.items()]
        return await self.interact(fd.interaction(5, {"custom_id": custom_id,
                                                      "components": rows}, **who))

    async def mention(self, text: str, **kw: Any) -> fd.Call:
        before = len(self.fake.calls)
        data = fd.message_create(f"<@{fd.BOT_ID}> {text}", **kw)
        await self.fake.dispatch("MESSAGE_CREATE", data)
        return await self.fake.wait_until(lambda: next(
            (c for c in self.fake.calls[before:] if c.method == "POST"
             and c.path == f"/channels/{data['channel_id']}/messages"), None))

    async def audit(self, action: str) -> list[AuditEntry]:
        from sqlalchemy import select

        async with self.app.db.sessions() as session:
            rows = await session.scalars(select(AuditEntry).where(AuditEntry.action == action))
            return list(rows)


def slash_data(name: str, *sub: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """An application-command interaction's `data` for `/name sub... option=value`."""
    opts = [{"name": k, "type": 3 if isinstance(v, str) else 4 if isinstance(v, int)
             and not isinstance(v, bool) else 5 if isinstance(v, bool) else 10, "value": v}
            for k, v in (options or {}).items()]
    for index, word in enumerate(reversed(sub)):
        opts = [{"name": word, "type": 1 if index == 0 else 2, "options": opts}]
    return {"id": fd.snowflake(), "name": name, "type": 1, "options": opts}


async def start_adapter(app: App, **gateway_options: Any) -> DiscordAdapter:
    adapter = DiscordAdapter(app.core, gateway_options={"guild_ready_timeout": 0.01,
                                                        **gateway_options})
    app.services.notifier.register(adapter)
    await adapter.start()
    return adapter


@pytest.fixture
async def discord_bot(app: App, fake: fd.FakeDiscord) -> AsyncIterator[Harness]:
    Gate.release = asyncio.Event()
    app.services.registry = registry_for_tests()
    harness = Harness(app, fake, await start_adapter(app))
    try:
        await asyncio.wait_for(harness.adapter.is_leader.wait(), 10)
        yield harness
    finally:  # the adapter the test ends with (a test may restart it)
        await harness.adapter.stop()
        app.services.notifier.unregister(harness.adapter)
