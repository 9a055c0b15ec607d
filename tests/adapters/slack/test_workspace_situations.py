"""What real Slack workspaces do that a tidy test workspace does not (issue 12, items 6 to
11): members typing broadcasts, channels the bot is not in, DMs between two people,
a slow or rate-limited Slack, threads, expired response URLs, workspaces nobody set up,
accounts that are gone. The fake Slack answers each as Slack's documentation says."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import func, select

from adapters.slack import SlackAdapter
from bot.app import App
from storage.models import MeetRequest, TeachMeet
from tests.adapters.slack.blockkit import check_message, check_view, pressables
from tests.adapters.slack.fake_slack import FakeSlack, SlackClient
from tests.adapters.slack.test_http import APOLOGY, ask


async def count(app: App, model: Any) -> int:
    async with app.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


def everything_sent(fake: FakeSlack) -> str:
    return json.dumps([c.params for c in fake.calls], ensure_ascii=False)


async def test_broadcasts_typed_by_members_never_notify_anyone(
        app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack) -> None:
    """Item 6: blocks escaped `<!channel>`, but the plain-text fallback `text` of intro
    cards, published pins and teach-meet announcements carried it raw, and Slack's
    notifications use that text. Now nothing a member wrote is live in any field."""
    await ask(client, slack, 'intro name="Meet <!channel> Bcast" role="<!here> lead" '
                             'bio="ask <@U0BOSS> or <!subteam^S1|@mods>, @channel"', user="UANN")
    await ask(client, slack, 'pin https://example.org/g "<!channel> urgent guide" -- '
                             "<!everyone> read this", user="UMOD")
    await ask(client, slack, 'teachmeet create "<!channel> Autumn meet" '
                             'start="2026-12-03 16:00 Europe/London"', user="UANN")
    card = next(c for c in fake_slack.calls_to("chat.postMessage") if c["channel"] == "CINTRO")
    assert "Meet &lt;!channel&gt; Bcast" in card["text"]
    assert "&lt;@U0BOSS&gt;" in card["text"] and "@\u2060channel" in card["text"]
    sent = everything_sent(fake_slack)
    assert "<!channel>" not in sent and "<!here>" not in sent and "<@U0BOSS>" not in sent
    assert fake_slack.pinged == []  # (the fixture checks this after every test, too)


async def test_a_form_made_teachmeet_in_a_channel_the_bot_is_not_in(
        app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack) -> None:
    """Item 7: slash commands work in every channel, but the bot can post only where it is
    a member. The teach-meet is created; the organiser is told the truth, gets the
    announcement by DM, and how to invite the bot; nothing says "something went wrong"."""
    fake_slack.outside.add("CSTAFF")
    shown = await ask(client, slack, "teachmeet create", user="UORG", channel="CSTAFF")
    assert "Tell me about the teach-meet" in shown["text"]
    view = fake_slack.calls_to("views.open")[-1]["view"]
    check_view(view)
    sent = await client.submit(view, {"title": "Autumn TeachMeet",
                                      "start": "2026-12-03 16:00 Europe/London"}, user="UORG")
    assert sent.status == 200
    await slack.idle()
    # first a preview, for the organiser alone (never posted in the channel), by DM here
    assert await count(app, TeachMeet) == 0
    assert not any(c.params.get("channel") == "CSTAFF" and c.method == "chat.postMessage"
                   for c in fake_slack.calls)
    preview = next(c.params for c in reversed(fake_slack.calls)
                   if c.method == "chat.postMessage" and c.params["channel"] == "DUORG")
    check_message(preview)
    assert "Autumn TeachMeet" in preview["text"]  # private, so by DM where Slack refused it
    create = next(e for e, _ in pressables(preview["blocks"])
                  if e.get("text", {}).get("text") == "Create")
    before = len(fake_slack.calls)
    await client.press(create, user="UORG", channel="DUORG")
    await slack.idle()
    assert await count(app, TeachMeet) == 1
    caused = fake_slack.calls[before:]
    assert not any(APOLOGY in json.dumps(c.params) for c in caused)
    announced = [c.params for c in caused if "New teach-meet" in json.dumps(c.params)]
    assert announced, [c.method for c in caused]  # the organiser sees it where they confirmed
    for message in announced:
        check_message(message)


async def test_a_slow_user_group_lookup_never_delays_the_forms_acknowledgement(
        app: App, extra: App, slack: SlackAdapter, client: SlackClient,
        fake_slack: FakeSlack) -> None:
    """Item 9: with moderator groups configured and the cache expired, the submission
    waited for usergroups.list (5.2-5.6 s behind a 429) before acknowledging; Slack gives
    3 s. The acknowledgement comes first; the answer follows once Slack replies."""
    slack.form_ack_budget = 0.3
    await ask(client, slack, "survey", user="UANN")
    view = fake_slack.calls_to("views.open")[-1]["view"]
    fake_slack.gates["usergroups.list"] = gate = asyncio.Event()
    slack._groups.clear()  # the cache has expired
    sent = await asyncio.wait_for(client.submit(view, {"name": "Ann"}, user="UANN"), 5)
    assert sent.status == 200 and sent.text == ""  # acknowledged while Slack is still slow
    assert not fake_slack.calls_to("chat.postEphemeral")
    gate.set()
    await slack.idle()
    assert fake_slack.calls_to("chat.postEphemeral")[-1]["text"].startswith("Saved Ann")


async def test_a_mention_in_a_thread_is_answered_in_the_thread(
        app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack) -> None:
    """Item 10: the ephemeral reply to a mention in a thread carried no thread_ts."""
    await client.event({"type": "app_mention", "channel": "C1", "user": "UANN",
                        "text": "<@UBOTT1> help", "ts": "7.7", "thread_ts": "5.5"})
    await slack.idle()
    ephemeral = fake_slack.calls_to("chat.postEphemeral")[-1]
    assert ephemeral["channel"] == "C1" and ephemeral["thread_ts"] == "5.5"


async def test_an_expired_response_url_falls_back_to_an_ephemeral_message(
        app: App, extra: App, slack: SlackAdapter, client: SlackClient,
        fake_slack: FakeSlack) -> None:
    """Item 11: an answer (or an apology) for a response URL Slack no longer takes (30
    minutes, 5 uses) went to the same dead URL; it now reaches the member another way."""
    url = fake_slack.new_response_url()
    fake_slack.expired.add(url.rsplit("/", 1)[1])
    sent = await client.command("help", user="UANN", response_url=url)
    assert sent.status == 200
    await slack.idle()
    assert "what I can do" in fake_slack.calls_to("chat.postEphemeral")[-1]["text"]
    # a failing command's apology does not go back to the dead URL either
    url = fake_slack.new_response_url()
    key = url.rsplit("/", 1)[1]
    fake_slack.expired.add(key)
    await client.command("broken", user="UANN", response_url=url)
    await slack.idle()
    assert APOLOGY in fake_slack.calls_to("chat.postEphemeral")[-1]["text"]
    tries = [c for c in fake_slack.calls if c.token == key]
    assert [c.method for c in tries] == ["response_url (refused)"]  # tried once


async def test_a_workspace_nobody_set_up_gets_a_sentence_not_silence(
        app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack) -> None:
    """Item 11: a slash command from a workspace with no bot token got an empty 200."""
    before = len(fake_slack.calls)
    sent = await client.command("help", user="UX", team="T9")
    assert sent.status == 200
    await slack.idle()
    shown = [c.params for c in fake_slack.responses if c.token == sent.response_url.rsplit(
        "/", 1)[1]]
    said = sent.text + " ".join(m.get("text", "") for m in shown)
    assert "isn't set up for this Slack workspace" in said and "bot token" in said
    assert [c.method for c in fake_slack.calls[before:]] == ["response_url"]  # no API call


async def test_a_deactivated_account_is_reported_to_whoever_asked(
        app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack) -> None:
    """Undeliverable DMs: a meet request to someone Slack cannot message is not left
    pending; the asker hears why and what to do instead."""
    await ask(client, slack, "done Rolled out Chromebooks 1:1 in year 7", user="UBOB")
    fake_slack.disabled.add("UBOB")
    shown = await ask(client, slack, "meet chromebook rollout", user="UANN")
    ask_button = next(e for b in shown["blocks"] for e in
                      ([b["accessory"]] if "accessory" in b else b.get("elements", []))
                      if e.get("type") == "button")
    await client.press(ask_button, user="UANN")
    await slack.idle()
    answer = fake_slack.responses[-1].params["text"]
    assert "I couldn't ask ubob privately: Their Slack account has been deactivated." in answer
    assert await count(app, MeetRequest) == 0
