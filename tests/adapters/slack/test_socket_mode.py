"""Socket Mode: the bot opens a WebSocket (URL from apps.connections.open on the fake Web API)
and a local server pushes envelopes to it, as Slack does; acks go back on the socket."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

import pytest
from sqlalchemy import func, select

from adapters.slack import SlackAdapter
from bot.app import App
from bot.settings import Settings
from bot.testing import make_settings
from storage.models import DoneEntry
from tests.adapters.slack.blockkit import check_message
from tests.adapters.slack.fake_slack import FakeSlack, SlackClient


@pytest.fixture
def settings(fake_slack: FakeSlack) -> Settings:
    from tests.adapters.slack.conftest import slack_settings

    return make_settings(slack=slack_settings(fake_slack, mode="socket", signing_secret="",
                                              app_token="xapp-1-test", workspaces=[]))


async def next_ack(fake: FakeSlack) -> dict:
    return await asyncio.wait_for(fake.socket_acks.get(), 10)


async def test_socket_mode_envelopes(app: App, slack: SlackAdapter,
                                     fake_slack: FakeSlack) -> None:
    with pytest.raises(RuntimeError, match="Socket Mode"):
        _ = slack.url  # Slack's requests do not come over HTTP in Socket Mode
    opened = [c for c in fake_slack.calls if c.method == "apps.connections.open"]
    assert opened and opened[0].token == "xapp-1-test"

    body = SlackClient("", fake_slack, "", None).command_body(  # type: ignore[arg-type]
        "done Ran a TeachMeet for 40 teachers", user="UANN")
    payload = {k: v[0] for k, v in parse_qs(body).items()}
    await fake_slack.push({"envelope_id": "env-1", "type": "slash_commands",
                           "payload": payload, "accepts_response_payload": True})
    assert (await next_ack(fake_slack))["envelope_id"] == "env-1"
    await slack.idle()
    answer = fake_slack.responses[-1].params
    check_message(answer)
    assert answer["text"].startswith(":white_check_mark: Logged #1")

    event = {"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
             "event_id": "EvSOCKET", "event_time": 1,
             "event": {"type": "message", "channel_type": "im", "channel": "DUANN",
                       "user": "UANN", "text": "done Wrote a strategy"}}
    for attempt in (0, 1):
        await fake_slack.push({"envelope_id": f"env-ev-{attempt}", "type": "events_api",
                               "payload": event, "retry_attempt": attempt,
                               "retry_reason": "timeout" if attempt else "",
                               "accepts_response_payload": False})
        assert (await next_ack(fake_slack))["envelope_id"] == f"env-ev-{attempt}"
        await slack.idle()
    async with app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DoneEntry)) == 2
    posted = fake_slack.calls_to("chat.postMessage")
    assert [p["channel"] for p in posted] == ["DUANN"]
