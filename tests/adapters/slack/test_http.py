"""The Slack adapter over real HTTP: requests signed exactly as Slack signs them, the Web API
pointed at a local fake that records every call, assertions on the recorded Block Kit."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from adapters.slack import SlackAdapter
from adapters.slack.entry import HOME_PARTS, command_text, home_parts
from bot.app import App
from bot.commands import Args, Command
from bot.notifier import Destination
from bot.replies import (
    Reply,
    Text,
)
from storage.models import AuditEntry, DoneEntry, SlackEventSeen
from tests.adapters.slack.blockkit import check_message, check_view, pressables
from tests.adapters.slack.conftest import MOD_GROUP, MODERATOR, broken
from tests.adapters.slack.fake_slack import FakeSlack, SlackClient

APOLOGY = "Sorry, something went wrong"


async def count(app: App, model: Any) -> int:
    async with app.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def ask(client: SlackClient, slack: SlackAdapter, text: str, **kw: Any) -> dict[str, Any]:
    """A slash command; returns what came back through its response URL."""
    before = len(client.fake.responses)
    sent = await client.command(text, **kw)
    assert sent.status == 200 and sent.text == "", sent
    await slack.idle()
    answers = client.fake.responses[before:]
    assert len(answers) == 1, [a.params for a in answers]
    assert answers[0].token == sent.response_url.rsplit("/", 1)[1]
    check_message(answers[0].params)
    return answers[0].params


# -- signatures --------------------------------------------------------------------------------
async def test_forged_and_stale_signatures_are_refused_and_change_nothing(
        app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack) -> None:
    body = client.command_body("done Ran a TeachMeet for 40 teachers")
    forged = await client.post(body, "application/x-www-form-urlencoded", secret="not-it")
    stale = await client.post(body, "application/x-www-form-urlencoded",
                              timestamp=int(time.time()) - 10 * 60)
    unsigned = await client.session.post(client.endpoint, data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    event = await client.event({"type": "message", "channel_type": "im", "channel": "D1",
                                "user": "U1", "text": "done Wrote a strategy"},
                               secret="not-it")
    await slack.idle()
    assert (forged.status, stale.status, unsigned.status, event.status) == (401, 401, 401, 401)
    assert await count(app, DoneEntry) == 0
    assert await count(app, SlackEventSeen) == 0
    assert fake_slack.messages() == []
    # the same body, signed properly, is accepted: the refusals were about the signature
    assert (await client.post(body, "application/x-www-form-urlencoded")).status == 200
    await slack.idle()
    assert await count(app, DoneEntry) == 1


async def test_url_verification_and_health(slack: SlackAdapter, client: SlackClient) -> None:
    body = json.dumps({"token": "legacy", "challenge": "abc123", "type": "url_verification"})
    sent = await client.post(body, "application/json")
    assert sent.status == 200 and "abc123" in sent.text
    async with client.session.get(f"{slack.url}/healthz") as resp:
        health = await resp.json()
        assert resp.status == 200 and health["ok"] is True
        assert health["checks"]["database"]["ok"] and health["checks"]["slack"]["ok"]


# -- every command -----------------------------------------------------------------------------
async def seed(client: SlackClient, slack: SlackAdapter) -> None:
    for user, text in (("UANN", "done Rolled out Chromebooks 1:1 in year 7 #devices 2021"),
                       ("UBOB", "done Ran a TeachMeet for 40 teachers #teachmeet 2019"),
                       (MODERATOR, "done Set up a Moodle VLE #vle 2018")):
        reply = await ask(client, slack, text, user=user)
        assert "Logged #" in reply["text"]


async def every_command_answers(app: App, client: SlackClient, slack: SlackAdapter,
                                fake_slack: FakeSlack, *, leave_out: tuple[str, ...] = (),
                                ) -> None:
    """Every command of the registry (examples and bare name), as a moderator and as a
    member: each gets an answer Slack accepts, and none gets the apology. What each one
    caused is read from the calls it made, in the order it made them."""
    registry = app.services.registry
    for command in registry.commands.values():
        if command.name in leave_out:
            continue
        for text in (*command.examples, command.name):
            for user in (MODERATOR, "UANN"):
                before = len(fake_slack.calls)
                sent = await client.command(text, user=user)
                assert sent.status == 200 and sent.text == "", (text, sent)
                await slack.idle()
                caused = fake_slack.calls[before:]
                shown = [c.params for c in caused if c.method == "response_url"
                         or c.method in ("chat.postMessage", "chat.postEphemeral")]
                opened = [c.params for c in caused if c.method == "views.open"]
                assert shown or opened, f"{text!r} got no answer"
                for message in shown:
                    check_message(message)
                    assert APOLOGY not in message["text"], (text, message["text"])
                for view in opened:
                    check_view(view["view"])


async def test_every_command_in_the_registry_answers_in_slack(
        app: App, extra: App, slack: SlackAdapter, client: SlackClient,
        fake_slack: FakeSlack) -> None:
    await seed(client, slack)
    await every_command_answers(app, client, slack, fake_slack, leave_out=("broken",))


async def test_the_every_command_check_catches_a_command_that_raises(
        app: App, extra: App, slack: SlackAdapter, client: SlackClient,
        fake_slack: FakeSlack) -> None:
    """Issue 12, item 13: the fake used to list response-URL answers before API calls and
    the check sliced that list by a count taken earlier, so a command answered with the
    apology could pass once any API call had been made. Now the fake records in the order
    sent and the check reads what each command caused: a raising command fails it."""
    await seed(client, slack)
    await ask(client, slack, "help", user="UANN", channel="DUANN")
    await client.event({"type": "message", "channel_type": "im", "channel": "DUANN",
                        "user": "UANN", "text": "done Wrote a strategy"})  # an API call
    await slack.idle()
    app.services.registry.add(Command("ordinary", "Looks harmless.", broken, args=Args))
    with pytest.raises(AssertionError, match="Sorry, something went wrong"):
        await every_command_answers(app, client, slack, fake_slack, leave_out=("broken",))


async def test_slash_command_reply_is_the_core_reply_as_block_kit(
        app: App, slack: SlackAdapter, client: SlackClient) -> None:
    await seed(client, slack)
    found = await ask(client, slack, "whodone chromebook rollout", user="UCAT")
    assert found["response_type"] == "ephemeral" and found["replace_original"] is False
    assert "Chromebooks 1:1" in found["text"]
    sections = [b for b in found["blocks"] if b["type"] == "section"]
    assert sections[0]["text"]["text"].startswith("*Who's done")
    profile_button = sections[1]["accessory"]
    assert profile_button["type"] == "button" and profile_button["text"]["text"] == "Profile"
    assert json.loads(profile_button["value"][1:]) == ["profile", {"member": "uann"}]
    assert profile_button["action_id"].startswith("sr1:b:")


async def test_aliases_route_to_existing_command_words_only(
        app: App, slack: SlackAdapter, client: SlackClient) -> None:
    await seed(client, slack)
    reply = await ask(client, slack, "chromebooks", command="/whodone", user="UCAT")
    assert "Chromebooks 1:1" in reply["text"]
    registry = app.services.registry
    for slash in ("/teachmeet", "/pins", "/intro"):
        word = slash[1:]
        exists = any(c.name.split()[0] == word for c in registry.commands.values())
        assert (command_text(registry, slash, "x") is not None) == exists
        if not exists:
            answer = await ask(client, slack, "list", command=slash)
            assert "/staffroom help" in answer["text"]
    help_reply = await ask(client, slack, "")
    assert "what I can do" in help_reply["text"]


async def test_errors_are_short_apologies_with_context_logged(
        extra: App, slack: SlackAdapter, client: SlackClient,
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        reply = await ask(client, slack, "broken", user="UANN")
    assert APOLOGY in reply["text"] and "Traceback" not in reply["text"]
    assert "database on fire" not in reply["text"]
    assert any("broken" in r.getMessage() and "slack:T1:UANN" in r.getMessage()
               for r in caplog.records)
    bad = await ask(client, slack, "done remove banana", user="UANN")
    assert bad["text"].startswith(":warning:") and "whole number" in bad["text"]


# -- buttons -----------------------------------------------------------------------------------
async def test_every_button_the_core_renders_can_be_pressed(
        app: App, extra: App, slack: SlackAdapter, client: SlackClient,
        fake_slack: FakeSlack) -> None:
    """Run every command, then press every button and choose every menu option found in the
    recorded Block Kit; each press is answered, as the presser, without an apology."""
    await seed(client, slack)
    for command in app.services.registry.commands.values():
        if command.name == "broken":
            continue
        for text in (*command.examples, command.name):
            await client.command(text, user=MODERATOR)
    await slack.idle()
    found = [(m, e, o) for m in fake_slack.messages() for e, o in pressables(m["blocks"])]
    assert any(e["text"]["text"] == "Remove" for _, e, o in found if o is None)
    assert any(e["text"]["text"] == "Profile" for _, e, o in found if o is None)
    assert len(found) >= 4
    for _message, element, option in found:
        messages, views = len(fake_slack.messages()), len(fake_slack.calls_to("views.open"))
        sent = await client.press(element, option=option, user=MODERATOR)
        assert sent.status == 200, sent
        await slack.idle()
        answers = fake_slack.messages()[messages:]
        opened = fake_slack.calls_to("views.open")[views:]
        assert answers or opened, f"pressing {element} got no answer"
        for message in answers:
            check_message(message)
            assert APOLOGY not in message["text"] and "older version" not in message["text"]
        for view in opened:
            check_view(view["view"])
    await submit_every_modal(client, slack, fake_slack)


def fill(view: dict[str, Any]) -> dict[str, str]:
    """Plausible values for every field of a modal: the first choice, 1, a short text."""
    values = {}
    for block in view["blocks"]:
        element = block["element"]
        if element["type"] == "static_select":
            values[block["block_id"]] = element["options"][0]["value"]
        elif element["type"] == "number_input":
            values[block["block_id"]] = "1"
        else:
            values[block["block_id"]] = "Test value"[:element.get("max_length", 100)]
    return values


async def submit_every_modal(client: SlackClient, slack: SlackAdapter,
                             fake_slack: FakeSlack) -> None:
    views = [c["view"] for c in fake_slack.calls_to("views.open")]
    assert views, "the registry's forms (and the test survey) opened no modal"
    for view in views:
        messages = len(fake_slack.messages())
        sent = await client.submit(view, fill(view), user=MODERATOR)
        assert sent.status == 200, sent
        await slack.idle()
        answer = sent.json()
        if answer is not None:
            assert answer["response_action"] == "errors" and answer["errors"], answer
            continue
        shown = fake_slack.messages()[messages:]
        assert shown, f"submitting {view['title']} got no answer"
        for message in shown:
            check_message(message)
            assert APOLOGY not in message["text"]


async def test_a_press_runs_as_the_presser_never_as_the_payload_says(
        app: App, extra: App, slack: SlackAdapter, client: SlackClient,
        fake_slack: FakeSlack) -> None:
    await ask(client, slack, "done Wrote a digital strategy", user="UANN")
    listed = await ask(client, slack, "done list", user="UANN")
    remove = next(e for e, _ in pressables(listed["blocks"]))
    assert remove["style"] == "danger" and remove["confirm"]["text"]["text"].startswith("Remove")
    sent = await client.press(remove, user="UBOB")
    await slack.idle()
    answer = fake_slack.responses[-1].params
    assert sent.status == 200 and answer["response_type"] == "ephemeral"
    assert "no entry" in answer["text"] and await count(app, DoneEntry) == 1
    # a forged value naming a moderator-only command is re-checked by the core
    forged = {"type": "button", "action_id": "sr1:b:1",
              "value": '1["secret thing",{}]'}
    await client.press(forged, user="UBOB")
    await slack.idle()
    assert "Only moderators" in fake_slack.responses[-1].params["text"]
    assert await count(app, AuditEntry) == 1  # the refusal, nothing else
    # a value from an unknown version is not run
    await client.press({"type": "button", "action_id": "sr9:b:1", "value": "9[]"}, user="UBOB")
    await slack.idle()
    assert "older version" in fake_slack.responses[-1].params["text"]
    # the owner's press works
    await client.press(remove, user="UANN")
    await slack.idle()
    assert "Removed #1" in fake_slack.responses[-1].params["text"]
    assert await count(app, DoneEntry) == 0


async def test_a_link_button_press_is_acknowledged_and_runs_nothing(
        app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack) -> None:
    link = {"type": "button", "action_id": "sr1:u:1",
            "url": "https://staffroom.example.org/teachmeets/3"}
    messages, responses = len(fake_slack.messages()), len(fake_slack.responses)
    sent = await client.press(link, user="UANN")
    await slack.idle()
    assert sent.status == 200
    assert len(fake_slack.messages()) == messages and len(fake_slack.responses) == responses
    assert await count(app, AuditEntry) == 0


async def test_moderator_user_groups_are_roles(
        app: App, extra: App, slack: SlackAdapter, client: SlackClient,
        fake_slack: FakeSlack) -> None:
    fake_slack.usergroups = [{"id": MOD_GROUP, "users": ["UGROUPED"]},
                             {"id": "SOTHER", "users": ["UANN"]}]
    shown = await ask(client, slack, "moderate", user="UANN")
    button = next(e for e, _ in pressables(shown["blocks"]))
    assert button["confirm"]["style"] == "danger"
    await client.press(button, user="UANN")
    await slack.idle()
    assert "Only moderators" in fake_slack.responses[-1].params["text"]
    await client.press(button, user="UGROUPED")
    await slack.idle()
    done = fake_slack.responses[-1].params
    assert done["text"] == "Moderator thing done." and done["response_type"] == "in_channel"
    assert len(fake_slack.calls_to("usergroups.list")) == 1  # cached between the presses
    assert fake_slack.calls_to("usergroups.list")[0]["include_users"] in ("true", True, "1")


# -- modals ------------------------------------------------------------------------------------
async def test_forms_open_as_modals_and_show_field_errors(
        app: App, extra: App, slack: SlackAdapter, client: SlackClient,
        fake_slack: FakeSlack) -> None:
    shown = await ask(client, slack, "survey", user="UANN")
    assert "Tell us about you" in shown["text"]
    assert not list(pressables(shown["blocks"]))  # the form opened as a modal instead
    opened = fake_slack.calls_to("views.open")[-1]
    assert opened["trigger_id"].startswith("trigger-")
    view = opened["view"]
    check_view(view)
    assert view["title"]["text"] == "A rather long survey ti…"
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"]}
    assert kinds == {"name": "plain_text_input", "size": "number_input",
                     "colour": "static_select"}
    assert view["blocks"][0]["optional"] is False and view["blocks"][1]["optional"] is True

    too_long = await client.submit(view, {"name": "x" * 30, "size": "99"}, user="UANN")
    assert too_long.status == 200
    answer = too_long.json()
    assert answer["response_action"] == "errors"
    assert "too long" in answer["errors"]["name"] and "at most 10" in answer["errors"]["size"]
    assert await count(app, AuditEntry) == 0

    saved = await client.submit(view, {"name": "Ann", "size": "3", "colour": "blue"},
                                user="UANN")
    assert saved.status == 200 and saved.text == ""
    await slack.idle()
    posted = fake_slack.calls_to("chat.postEphemeral")[-1]
    assert posted["channel"] == "C1" and posted["user"] == "UANN"
    assert posted["text"] == "Saved Ann size=3 colour=blue ref=7"
    assert await count(app, AuditEntry) == 1

    # a reply that is another form turns the modal into the next step
    step = await client.submit(view, {"name": "Next"}, user="UANN")
    answer = step.json()
    assert answer["response_action"] == "update"
    check_view(answer["view"])
    assert answer["view"]["title"]["text"] == "Step two"
    done = await client.submit(answer["view"], {"name": "Bea"}, user="UANN")
    assert done.text == ""
    await slack.idle()
    last = fake_slack.calls_to("chat.postEphemeral")[-1]
    assert last["channel"] == "C1" and last["text"] == "Saved Bea size=None colour=None ref=8"


async def test_a_form_in_a_message_becomes_a_button_that_opens_it(
        app: App, extra: App, slack: SlackAdapter, client: SlackClient,
        fake_slack: FakeSlack) -> None:
    await client.event({"type": "app_mention", "channel": "C1", "user": "UANN",
                        "text": "<@UBOTT1> survey", "ts": "1.1"})
    await slack.idle()
    ephemeral = fake_slack.calls_to("chat.postEphemeral")[-1]
    check_message(ephemeral)
    element, _ = next(pressables(ephemeral["blocks"]))
    assert element["text"]["text"].startswith("Open: ")
    await client.press(element, user="UANN")
    await slack.idle()
    view = fake_slack.calls_to("views.open")[-1]["view"]
    check_view(view)
    await client.submit(view, {"name": "Ann"}, user="UANN")
    await slack.idle()
    assert fake_slack.calls_to("chat.postEphemeral")[-1]["text"].startswith("Saved Ann")


async def test_expired_trigger_falls_back_to_a_button(
        extra: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack) -> None:
    fake_slack.failing["views.open"] = "expired_trigger_id"
    shown = await ask(client, slack, "survey", user="UANN")
    assert [e["text"]["text"] for e, _ in pressables(shown["blocks"])] == [
        "Open: A rather long survey title"]


# -- mentions, DMs, files, retries -------------------------------------------------------------
async def test_mentions_and_direct_messages(
        app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack) -> None:
    await seed(client, slack)
    await client.event({"type": "app_mention", "channel": "C9", "user": "UCAT",
                        "text": "<@UBOTT1> who's done a TeachMeet?", "ts": "5.5"})
    await slack.idle()
    ephemeral = fake_slack.calls_to("chat.postEphemeral")[-1]
    assert ephemeral["channel"] == "C9" and ephemeral["user"] == "UCAT"
    assert "TeachMeet for 40" in ephemeral["text"]
    await client.event({"type": "message", "channel_type": "im", "channel": "DUCAT",
                        "user": "UCAT", "text": "done Built a makerspace #stem"})
    await slack.idle()
    posted = fake_slack.calls_to("chat.postMessage")[-1]
    assert posted["channel"] == "DUCAT" and "Logged #" in posted["text"]
    # the bot's own messages and edits are not commands
    await client.event({"type": "message", "channel_type": "im", "channel": "DUCAT",
                        "user": "UCAT", "subtype": "message_changed", "text": "done again"})
    await client.event({"type": "message", "channel_type": "im", "channel": "DUCAT",
                        "user": "UBOTT1", "bot_id": "BBOTT1", "text": "done Logged #4"})
    await slack.idle()
    assert await count(app, DoneEntry) == 4
    # the bot cannot post ephemerally where it is not a member: the answer goes by DM
    fake_slack.failing["chat.postEphemeral"] = "channel_not_found"
    await client.event({"type": "app_mention", "channel": "CPRIV", "user": "UCAT",
                        "text": "<@UBOTT1> help", "ts": "6.6"})
    await slack.idle()
    assert fake_slack.calls_to("conversations.open")[-1]["users"] == "UCAT"
    assert fake_slack.calls_to("chat.postMessage")[-1]["channel"] == "DUCAT"


async def test_a_retried_event_is_handled_once(
        app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack) -> None:
    event = {"type": "message", "channel_type": "im", "channel": "DUANN", "user": "UANN",
             "text": "done Wrote the digital strategy"}
    first = await client.event(event, event_id="Ev0RETRY")
    retry = await client.event(event, event_id="Ev0RETRY", retry=1)
    await slack.idle()
    assert (first.status, retry.status) == (200, 200)
    assert await count(app, DoneEntry) == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    # a second copy of the bot, sharing the database, also recognises the retry
    twin = SlackAdapter(app.core)
    twin_server = app.build_http([twin])
    await twin_server.start()
    await twin.start()
    try:
        twin_client = SlackClient(twin.url, fake_slack, client.secret, client.session)
        await twin_client.event(event, event_id="Ev0RETRY", retry=2)
        await twin.idle()
    finally:
        await twin.stop()
        await twin_server.stop()
    assert await count(app, DoneEntry) == 1 and await count(app, SlackEventSeen) == 1


async def test_files_go_only_to_the_members_own_dm_with_the_bot(
        extra: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack) -> None:
    """Issue 12, item 8: typed in a DM between two people (a `D…` channel that is not the
    bot's), a file (a personal-data export, an .ics) must never land in that conversation."""
    shown = await ask(client, slack, "calendar", user="UANN", channel="DANNBOB")
    assert "event.ics" in shown["text"] and "direct messages" in json.dumps(shown["blocks"])
    assert fake_slack.calls_to("conversations.open")[-1]["users"] == "UANN"
    completed = fake_slack.calls_to("files.completeUploadExternal")
    assert [c["channel_id"] for c in completed] == ["DUANN"]
    assert fake_slack.uploads[-1] == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    assert fake_slack.calls_to("files.getUploadURLExternal")[-1]["filename"] == "event.ics"
    # typed in a channel, too, the file goes to the member's own DM
    await ask(client, slack, "calendar", user="UANN", channel="C1")
    completed = fake_slack.calls_to("files.completeUploadExternal")
    assert [c["channel_id"] for c in completed] == ["DUANN", "DUANN"]


async def test_rate_limits_are_retried(
        app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack) -> None:
    fake_slack.rate_limited["chat.postMessage"] = 1
    await app.services.notifier.send(Destination("slack", "T1", channel_id="CNEWS"),
                                     Reply(blocks=(Text("Digest"),)))
    methods = [c.method for c in fake_slack.calls if c.method.startswith("chat.postMessage")]
    assert methods == ["chat.postMessage (429)", "chat.postMessage"]


# -- proactive delivery, welcome flow and App Home ---------------------------------------------
async def test_send_and_open_group_use_the_workspace_token(
        app: App, slack: SlackAdapter, fake_slack: FakeSlack) -> None:
    notifier = app.services.notifier
    await notifier.send(Destination("slack", "T2", user_id="UCARDIFF"),
                        Reply(blocks=(Text("Reminder: teach-meet tomorrow"),)))
    opened = [c for c in fake_slack.calls if c.method == "conversations.open"][-1]
    posted = [c for c in fake_slack.calls if c.method == "chat.postMessage"][-1]
    assert opened.token == posted.token == "xoxb-2"
    assert posted.params["channel"] == "DUCARDIFF"
    group = await notifier.open_group("slack", "T1", ["UANN", "UBOB"])
    assert group == Destination("slack", "T1", channel_id="GUANN-UBOB")
    assert fake_slack.calls[-1].token == "xoxb-1"


async def test_the_welcome_flow(app: App, slack: SlackAdapter, client: SlackClient,
                                fake_slack: FakeSlack) -> None:
    """team_join and joining the introductions channel run the core's welcome (the
    introductions capability); it arrives as Block Kit, and its "Introduce yourself" button
    opens the intro form as a modal for the newcomer."""
    await client.event({"type": "team_join", "user": {
        "id": "UNEW", "team_id": "T1", "name": "newbie", "real_name": "New Person",
        "profile": {"display_name": "Newbie", "real_name": "New Person"}}})
    await client.event({"type": "member_joined_channel", "user": "UNEW2", "channel": "CINTRO",
                        "channel_type": "C", "team": "T1"})
    await client.event({"type": "member_joined_channel", "user": "UNEW3", "channel": "CRANDOM",
                        "channel_type": "C", "team": "T1"})
    await client.event({"type": "team_join", "user": {"id": "UROBOT", "is_bot": True}})
    await slack.idle()
    welcomed = {c["channel"] for c in fake_slack.calls_to("chat.postMessage")
                if c["text"].startswith("Welcome to Staffroom!")}
    assert welcomed == {"DUNEW", "DUNEW2"}  # not the random channel's joiner, not the bot
    dm = next(c for c in fake_slack.calls_to("chat.postMessage") if c["channel"] == "DUNEW")
    check_message(dm)
    button = next(b for b, _ in pressables(dm["blocks"]) if "Introduce" in str(b))
    opened = len(fake_slack.calls_to("views.open"))
    await client.press(button, user="UNEW", channel="DUNEW")
    await slack.idle()
    modal = fake_slack.calls_to("views.open")[opened:]
    assert len(modal) == 1 and modal[0]["view"]["type"] == "modal"


async def test_app_home_is_composed_of_core_replies(
        app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack) -> None:
    await seed(client, slack)
    await client.event({"type": "app_home_opened", "user": "UANN", "channel": "DUANN",
                        "tab": "home"})
    await client.event({"type": "app_home_opened", "user": "UANN", "channel": "DUANN",
                        "tab": "messages"})
    await slack.idle()
    published = fake_slack.calls_to("views.publish")
    assert len(published) == 1 and published[0]["user_id"] == "UANN"
    view = published[0]["view"]
    check_view(view)
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    parts = home_parts(app.services.registry)
    assert headers == [p.heading for p in parts] and len(parts) >= 2
    assert {p.text for p in HOME_PARTS} >= {"profile", "help"}
    text = json.dumps(view)
    assert "Chromebooks 1:1" in text and "what I can do" in text
    # a press on Home answers by DM and refreshes Home
    await client.press({"type": "button", "action_id": "sr1:b:1", "value": '1["done list",{}]'},
                       user="UANN", view={"id": "VHOME", "type": "home"})
    await slack.idle()
    assert fake_slack.calls_to("chat.postMessage")[-1]["channel"] == "DUANN"
    assert len(fake_slack.calls_to("views.publish")) == 2


async def test_each_workspace_uses_its_own_token(
        app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack) -> None:
    for team in ("T1", "T2", "T9"):
        await client.event({"type": "app_mention", "channel": "C1", "user": "UX",
                            "text": "<@UBOT> help", "ts": "1.1"}, team=team)
    await slack.idle()
    tokens = [c.token for c in fake_slack.calls if c.method == "chat.postEphemeral"]
    assert sorted(tokens) == ["xoxb-1", "xoxb-2"]  # T9 is not configured: nothing is answered


def test_the_adapter_starts_only_when_configured(app: App) -> None:
    from adapters import platform_adapters
    from bot.settings import SlackSettings

    settings = app.services.settings
    assert [a.platform for a in platform_adapters(settings, app.core)] == ["slack"]
    for missing in ({"signing_secret": ""}, {"bot_token": "", "workspaces": []},
                    {"mode": "socket"}):
        partial = settings.model_copy(update={"slack": settings.slack.model_copy(
            update=missing)})
        assert platform_adapters(partial, app.core) == []
    assert not SlackSettings().configured


async def test_a_home_part_is_one_line_and_needs_its_command(
        app: App, extra: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.slack import entry

    monkeypatch.setattr(entry, "HOME_PARTS", (
        *entry.HOME_PARTS, entry.HomePart("Files", "calendar"),
        entry.HomePart("Not installed", "nosuchcommand here")))
    await client.event({"type": "app_home_opened", "user": "UANN", "tab": "home"})
    await slack.idle()
    view = fake_slack.calls_to("views.publish")[-1]["view"]
    check_view(view)
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers[-1] == "Files" and "Not installed" not in headers
    assert "Here is the calendar file." in json.dumps(view)
