"""Every command and every button, on a directory as full as a busy network makes it,
answered through the real Slack adapter: each payload is one Slack accepts (the fake Slack
refuses anything over Block Kit's published limits) and none notifies anyone of a mention
or broadcast a member typed. Normally, and "deferred": form submissions answered after the
acknowledgement (slash commands and buttons always are)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.slack import SlackAdapter
from bot.app import App
from bot.events import Caller
from tests.adapters.long_content import commands_to_try, seed
from tests.adapters.slack.blockkit import check_message, check_view, pressables
from tests.adapters.slack.conftest import MODERATOR
from tests.adapters.slack.fake_slack import FakeSlack, SlackClient
from tests.adapters.slack.test_http import APOLOGY

MENU_OPTIONS = (0, 1, -1)
"""Options of a long menu pressed: they all run one command, for different items."""


def slack_caller(user: str) -> Caller:
    return Caller(platform="slack", space_id="T1", user_id=user, display_name=user.lower(),
                  channel_id="C1")


def initial_values(view: dict[str, Any]) -> dict[str, Any]:
    """What a member submits by pressing Save on the form as shown."""
    values: dict[str, Any] = {}
    for block in view.get("blocks", []):
        element = block.get("element") or {}
        if "initial_value" in element:
            values[block["block_id"]] = element["initial_value"]
        elif "initial_option" in element:
            values[block["block_id"]] = element["initial_option"]["value"]
    return values


class Run:
    """What the commands showed, collected for pressing and submitting."""

    def __init__(self, slack: SlackAdapter, client: SlackClient, fake: FakeSlack) -> None:
        self.slack, self.client, self.fake = slack, client, fake
        self.presses: dict[tuple[str, str, str], tuple[dict[str, Any], Any, str]] = {}
        self.views: list[tuple[dict[str, Any], str]] = []
        self.answered = 0

    async def caused_by(self, what: str, user: str, act: Any) -> None:
        before = len(self.fake.calls)
        sent = await act
        assert sent.status == 200, (what, sent)
        await self.slack.idle()
        caused = self.fake.calls[before:]
        shown = [c.params for c in caused if c.method == "response_url"
                 or c.method in ("chat.postMessage", "chat.postEphemeral")]
        opened = [c.params["view"] for c in caused if c.method == "views.open"]
        answer = sent.json() if sent.text else None
        assert shown or opened or answer, f"{what!r} got no answer"
        self.answered += 1
        for message in shown:
            check_message(message)
            assert APOLOGY not in message["text"], (what, message["text"][:300])
            self._collect(message["blocks"], user)
        for view in opened:
            check_view(view)
            self.views.append((view, user))

    def _collect(self, blocks: list[dict[str, Any]], user: str) -> None:
        by_element: dict[str, list[Any]] = {}
        for element, option in pressables(blocks):
            by_element.setdefault(json.dumps(element, sort_keys=True), []).append(
                (element, option))
        for pairs in by_element.values():
            chosen = pairs if pairs[0][1] is None else [pairs[i] for i in MENU_OPTIONS
                                                        if -len(pairs) <= i < len(pairs)]
            for element, option in chosen:
                value = (option or element).get("value", "")
                self.presses.setdefault((value, element["type"], user), (element, option, user))


@pytest.mark.parametrize("deferred", [False, True], ids=["normal", "deferred"])
async def test_every_payload_fits_slack_with_long_content(
        app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack,
        deferred: bool) -> None:
    if not app.db.is_sqlite:
        pytest.skip("payload shapes do not depend on the database: checked once, on SQLite")
    people = [f"UP{n:02d}" for n in range(50)]
    seeded = await seed(app, slack_caller, heavy="UANN", moderator=MODERATOR, people=people)
    if deferred:
        slack.form_ack_budget = 0.0
    run = Run(slack, client, fake_slack)
    for text in commands_to_try(app, seeded):
        for user in (seeded.heavy, MODERATOR):
            await run.caused_by(text, user, client.command(text, user=user))
    # App Home, composed of core replies on the long content, for both
    for user in (seeded.heavy, MODERATOR):
        before = len(fake_slack.calls)
        await client.event({"type": "app_home_opened", "user": user, "tab": "home"})
        await slack.idle()
        [home] = [c.params["view"] for c in fake_slack.calls[before:]
                  if c.method == "views.publish"]
        check_view(home)
        element, option = next(pressables(home["blocks"]))
        await run.caused_by("press on Home", user, client.press(
            element, option=option, user=user, view={"id": "VHOME", "type": "home"}))
    typed = run.answered
    # every button and menu option shown, pressed by the member it was shown to; those
    # that change things for good (a confirmation dialog) last
    presses = sorted(run.presses.values(), key=lambda p: "confirm" in p[0])
    for element, option, user in presses:
        await run.caused_by(f"press {element.get('text') or element['type']}", user,
                            client.press(element, option=option, user=user))
    # every form opened, submitted as shown
    for view, user in list(run.views):
        await run.caused_by(f"submit {view['title']['text']}", user,
                            client.submit(view, initial_values(view), user=user))
    assert typed > 100 and len(presses) > 50 and run.views
    assert fake_slack.refused == [] and fake_slack.pinged == []
    shown = [t for c in fake_slack.calls for t in texts(c.params)]
    live = [(token, t[max(t.find(token) - 60, 0):t.find(token) + 30]) for t in shown
            for token in ("<!channel>", "<!here>", "<@U0BOSS>", "<!subteam", "@everyone",
                          "@here") if token in t]
    assert shown and live == []


def texts(node: Any) -> list[str]:
    """Every text Slack shows: text objects of both kinds, and a message's `text`."""
    if isinstance(node, dict):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        return own + [t for key, value in node.items() if key != "text" or not own
                      for t in texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in texts(value)]
    return []
