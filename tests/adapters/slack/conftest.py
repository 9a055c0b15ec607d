"""Fixtures: a fake Slack on loopback, the bot's Slack adapter serving real HTTP in front of
the `app` fixture's core (SQLite and PostgreSQL), and a client that signs like Slack."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from adapters.slack import SlackAdapter
from bot.app import App
from bot.settings import Settings, SlackSettings, SlackWorkspace, SpaceSettings
from bot.testing import make_settings
from tests.adapters.slack.fake_slack import FakeSlack, SlackClient

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
MODERATOR = "UMOD"
MOD_GROUP = "SMODS"


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


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
