"""Slack during a database outage: a mention or a direct message (whose retry check needs
the database) is still answered, with the same honest sentence as a slash command."""

from __future__ import annotations

import logging

import pytest

from adapters.slack import SlackAdapter
from bot.app import App
from bot.core import UNAVAILABLE
from tests.adapters.slack.fake_slack import FakeSlack, SlackClient
from tests.test_outage import database_away


async def test_mentions_and_commands_during_an_outage_are_answered(
    app: App,
    slack: SlackAdapter,
    client: SlackClient,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    async with database_away(app):
        await client.event(
            {
                "type": "app_mention",
                "channel": "C1",
                "user": "UANN",
                "text": "<@UBOTT1> done list",
                "ts": "1.1",
            }
        )
        await slack.idle()
        answered = fake_slack.calls_to("chat.postEphemeral")
        assert answered and UNAVAILABLE in answered[-1]["text"], answered
        sent = await client.command("done Ran a coding club")
        assert sent.status == 200
        await slack.idle()
        assert UNAVAILABLE in fake_slack.responses[-1].params["text"]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    await client.event(
        {
            "type": "app_mention",
            "channel": "C1",
            "user": "UANN",
            "text": "<@UBOTT1> done Ran a coding club",
            "ts": "1.2",
        }
    )
    await slack.idle()
    assert "Logged #1" in fake_slack.calls_to("chat.postEphemeral")[-1]["text"]
