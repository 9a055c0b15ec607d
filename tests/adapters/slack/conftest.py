"""Fixtures: a fake Slack on loopback, the bot's Slack adapter serving real HTTP in front of
the `app` fixture's core (SQLite and PostgreSQL), and a client that signs like Slack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import aiohttp
import pytest
from pydantic import Field

from adapters.slack import SlackAdapter
from bot.app import App
from bot.commands import Arg, Args, Command
from bot.context import Context
from bot.replies import Actions, Attachment, Button, Form, FormField, Reply, Text
from bot.settings import Settings, SlackSettings, SlackWorkspace, SpaceSettings
from bot.testing import make_settings
from tests.adapters.slack.fake_slack import FakeSlack, SlackClient

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
MODERATOR = "UMOD"
MOD_GROUP = "SMODS"


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A fake Slack; at the end of every test, nothing the bot sent was refused as invalid,
    and nothing it sent would have notified anyone through a broadcast or mention."""
    fake = FakeSlack()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    assert fake.refused == [], fake.refused
    assert fake.pinged == [], fake.pinged


def slack_settings(fake: FakeSlack, **overrides: object) -> SlackSettings:
    values: dict[str, object] = {
        "bot_token": "xoxb-1", "signing_secret": SECRET,
        "api_base_url": fake.api_url,
        "workspaces": [SlackWorkspace(team_id="T2", bot_token_env="TEST_SLACK_TOKEN_T2")]}
    values.update(overrides)
    return SlackSettings(**values)


@pytest.fixture
def settings(fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("TEST_SLACK_TOKEN_T2", "xoxb-2")
    return make_settings(
        spaces=[SpaceSettings(platform="slack", id="T1", name="Camden",
                              introductions_channel="CINTRO", announcements_channel="CNEWS",
                              moderators=[MODERATOR], moderator_groups=[MOD_GROUP]),
                SpaceSettings(platform="slack", id="T2", name="Cardiff")],
        slack=slack_settings(fake_slack))


@pytest.fixture
async def slack(app: App) -> AsyncIterator[SlackAdapter]:
    adapter = SlackAdapter(app.core)
    app.services.notifier.register(adapter)
    server = app.build_http([adapter])
    await server.start()
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()
        await server.stop()
        app.services.notifier.unregister(adapter)


@pytest.fixture
async def client(slack: SlackAdapter, fake_slack: FakeSlack) -> AsyncIterator[SlackClient]:
    async with aiohttp.ClientSession() as session:
        yield SlackClient(slack.url, fake_slack, SECRET, session)


# -- a capability used only by these tests: a form with typed, checked fields ------------------
class SurveyArgs(Args):
    name: Annotated[str, Arg(help="your name"), Field(min_length=2, max_length=20)]
    size: Annotated[int | None, Arg(help="how many"), Field(ge=1, le=10)] = None
    colour: Annotated[str | None, Arg(help="a colour")] = None
    ref: Annotated[int, Arg(help="carried by the form")] = 0


async def survey_form(ctx: Context, _args: Args) -> Reply:
    return Reply(blocks=(Text("Tell us about you."),), form=Form(
        title="A rather long survey title", command="survey save", hidden={"ref": 7},
        fields=(FormField("name", "Name", required=True, max_length=20),
                FormField("size", "Size", kind="number"),
                FormField("colour", "Colour", kind="choice",
                          choices=(("red", "Red"), ("blue", "Blue"))))))


async def survey_save(ctx: Context, args: SurveyArgs) -> Reply:
    if args.colour not in (None, "red", "blue"):
        from bot.errors import UserError

        raise UserError("pick red or blue", field="colour")
    if args.name == "Next":
        return Reply(form=Form("Step two", "survey save", hidden={"ref": args.ref + 1},
                               fields=(FormField("name", "Name again", required=True),)))
    ctx.audit("survey", args.name, after={"size": args.size, "ref": args.ref})
    return Reply(blocks=(Text(f"Saved {args.name} size={args.size} colour={args.colour} "
                              f"ref={args.ref}"),))


async def secret_thing(ctx: Context, _args: Args) -> Reply:
    ctx.audit("secret", "thing")
    return Reply(blocks=(Text("Moderator thing done."),), visibility="channel")


async def broken(ctx: Context, _args: Args) -> Reply:
    raise RuntimeError("database on fire")


async def calendar(ctx: Context, _args: Args) -> Reply:
    return Reply(blocks=(Text("Here is the calendar file."),),
                 attachment=Attachment("event.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                                       "text/calendar"))


@pytest.fixture
def extra(app: App) -> App:
    """The test commands above, added to this app's registry only."""
    registry = app.services.registry
    registry.add(Command("survey", "Fill in a survey.", survey_form, args=Args))
    registry.add(Command("survey save", "Save a survey.", survey_save, args=SurveyArgs,
                         hidden=True))
    registry.add(Command("secret thing", "Moderators only.", secret_thing, args=Args,
                         moderator_only=True))
    registry.add(Command("broken", "Always fails.", broken, args=Args, hidden=True))
    registry.add(Command("calendar", "A file.", calendar, args=Args, hidden=True))
    registry.add(Command("moderate", "A button for moderators.", moderate_button, args=Args,
                         hidden=True))
    return app


async def moderate_button(ctx: Context, _args: Args) -> Reply:
    return Reply(blocks=(Actions((Button("Do the secret thing", "secret thing",
                                         style="danger", confirm="Really?"),)),))
