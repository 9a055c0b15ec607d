"""Linking over real Slack HTTP: the code reaches its owner privately (an ephemeral answer in
a direct message, or a DM when asked in a channel), is never posted where a channel can read
it, and `link CODE` mentioned in a channel is refused. And network moderators by user
group, in a workspace with no moderator groups of its own."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from adapters.slack import SlackAdapter
from bot.app import App
from bot.settings import NetworkSettings, Settings
from storage.models import Identity
from tests.adapters.slack.fake_slack import FakeSlack, SlackClient
from tests.linking.helpers import members

NET_GROUP = "SNETWORK"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"network": NetworkSettings(
        moderator_groups=[f"slack:T2:{NET_GROUP}"])})


CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def _where(message: dict[str, Any], fake: FakeSlack) -> str:
    """"ephemeral", "dm" or "channel": who could read a message the bot sent."""
    for call in fake.responses:
        if call.params is message:
            kind = message.get("response_type", "ephemeral")
            return "ephemeral" if kind == "ephemeral" else "channel"
    for call in fake.calls:
        if call.params is message:
            if call.method == "chat.postEphemeral":
                return "ephemeral"
            return "dm" if str(message.get("channel", "")).startswith("D") else "channel"
    raise AssertionError("not a message the bot sent")


def _seen(fake: FakeSlack, code: str) -> list[str]:
    return [_where(m, fake) for m in fake.messages() if code in json.dumps(m)]


async def test_the_code_is_private_on_slack(app: App, slack: SlackAdapter,
                                            client: SlackClient,
                                            fake_slack: FakeSlack) -> None:
    # asked in a channel: the answer there says where the code went, the code goes by DM
    sent = await client.command("link", channel="C1", user="U1")
    await slack.idle()
    [answer] = [c.params for c in fake_slack.responses if c.token ==
                sent.response_url.rsplit("/", 1)[1]]
    assert answer["response_type"] == "ephemeral"
    assert "direct message" in answer["text"] and not CODE.search(json.dumps(answer))
    assert fake_slack.calls_to("conversations.open")[-1]["users"] == "U1"
    [dm] = [m for m in fake_slack.calls_to("chat.postMessage") if CODE.search(json.dumps(m))]
    assert dm["channel"] == "DU1"
    code = CODE.search(json.dumps(dm)).group(0)  # type: ignore[union-attr]
    assert f"Say `link {code}`" in json.dumps(dm, ensure_ascii=False)

    # asked in the bot's DM: the code is in the (ephemeral) answer itself
    again = await client.command("link", channel="DU1", user="U1")
    await slack.idle()
    [direct] = [c.params for c in fake_slack.responses
                if c.token == again.response_url.rsplit("/", 1)[1]]
    code = CODE.search(json.dumps(direct)).group(0)  # type: ignore[union-attr]
    assert direct["response_type"] == "ephemeral"

    # `link CODE` mentioned in a channel (another workspace) is refused, privately
    await client.event({"type": "app_mention", "channel": "C9", "user": "U2",
                        "text": f"<@UBOTT2> link {code}", "ts": "7.7"}, team="T2")
    await slack.idle()
    refusal = fake_slack.calls_to("chat.postEphemeral")[-1]
    assert refusal["channel"] == "C9" and "direct message" in refusal["text"]
    assert code not in json.dumps(refusal)
    assert len(await members(app)) == 1, "refused: nothing changed (U2 was never even added)"

    # said in a direct message and confirmed there: linked, and U1 is told by DM
    await client.event({"type": "message", "channel_type": "im", "channel": "DU2",
                        "user": "U2", "text": f"link {code} confirm=yes"}, team="T2")
    await slack.idle()
    posted = {m["channel"]: m["text"] for m in fake_slack.calls_to("chat.postMessage")[-2:]}
    assert "2 accounts are now one profile" in posted["DU2"]
    assert "Your linking code was used" in posted["DU1"]
    [member] = await members(app)
    async with app.db.sessions() as session:
        accounts = {(i.space_id, i.user_id) for i in await session.scalars(select(Identity))}
    assert accounts == {("T1", "U1"), ("T2", "U2")} and member.id

    # nowhere did any code reach a channel
    for any_code in {code, *CODE.findall(json.dumps(fake_slack.messages()))}:
        assert "channel" not in _seen(fake_slack, any_code), any_code


async def test_network_moderators_by_user_group(app: App, slack: SlackAdapter,
                                                client: SlackClient,
                                                fake_slack: FakeSlack) -> None:
    fake_slack.usergroups = [{"id": NET_GROUP, "users": ["UNET"]}]
    for user, expected in (("UANN", "suggestion #1 for Cardiff's shelf"),
                           ("UNET", "on the network's shelf")):
        sent = await client.command(f"pin https://example.org/{user} A guide by {user}",
                                    team="T2", channel="C5", user=user)
        await slack.idle()
        [answer] = [c.params for c in fake_slack.responses
                    if c.token == sent.response_url.rsplit("/", 1)[1]]
        assert expected in answer["text"], answer["text"]
    assert answer["response_type"] == "in_channel"
