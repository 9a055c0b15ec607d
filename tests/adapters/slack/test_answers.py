"""Slack: a typed `yes` answers the bot's question, in a direct message, in a mention and
after a slash command, exactly as pressing the button would."""

from __future__ import annotations

from sqlalchemy import func, select

from adapters.slack import SlackAdapter
from bot.app import App
from storage.models import Member, Pin
from tests.adapters.slack.conftest import MODERATOR
from tests.adapters.slack.fake_slack import FakeSlack, SlackClient


async def dm(client: SlackClient, slack: SlackAdapter, fake: FakeSlack, user: str,
             text: str) -> str:
    await client.event({"type": "message", "channel_type": "im", "channel": f"D{user}",
                        "user": user, "text": text})
    await slack.idle()
    posted = fake.calls_to("chat.postMessage")[-1]
    assert posted["channel"] == f"D{user}"
    return posted["text"]


async def test_yes_in_a_direct_message_answers_forgetme(
        app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack) -> None:
    await dm(client, slack, fake_slack, "UANN", 'intro name="Ann Jones"')
    asked = await dm(client, slack, fake_slack, "UANN", "forgetme")
    assert "Reply `yes` to delete it all" in asked
    gone = await dm(client, slack, fake_slack, "UANN", "yes")
    assert "everything about you has been deleted" in gone
    async with app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Member)) == 0


async def test_yes_in_a_mention_after_a_slash_command(
        app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack) -> None:
    await client.command('pin https://example.org/guide "A guide"', user=MODERATOR)
    await slack.idle()
    await client.command("unpin 1", user=MODERATOR)
    await slack.idle()
    asked = fake_slack.responses[-1].params
    assert "Reply `yes` to remove it" in asked["text"]
    await client.event({"type": "app_mention", "channel": "C1", "user": MODERATOR,
                        "text": "<@UBOTT1> yes", "ts": "7.7"})
    await slack.idle()
    answered = fake_slack.calls_to("chat.postEphemeral")[-1]
    assert answered["user"] == MODERATOR and "Removed #1" in answered["text"]
    async with app.db.sessions() as session:
        pin = await session.get(Pin, 1)
        assert pin is not None and pin.status == "removed"
