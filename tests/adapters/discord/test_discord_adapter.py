"""The Discord adapter end to end: the real discord.py client against a fake Discord.

Events arrive as gateway dispatches parsed by discord.py's own state (INTERACTION_CREATE,
MESSAGE_CREATE, GUILD_MEMBER_ADD); assertions are on the JSON the bot sends to Discord's
REST API. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select

from adapters.discord import custom_ids
from adapters.discord.commands import BOOLEAN, INTEGER, NUMBER, STRING, SlashCommands
from adapters.discord.custom_ids import Target
from adapters.discord.sync import sync_commands
from bot.core import APOLOGY
from bot.features import build_registry
from bot.notifier import Destination
from bot.replies import Reply, Text
from storage.models import DoneEntry, Member
from tests.adapters.discord import fake_discord as fd
from tests.adapters.discord.conftest import REGIONS, Gate, Harness, slash_data

ALICE = {"user_id": "1001", "name": "alice"}
BOB = {"user_id": "1002", "name": "bob"}
MOD = {"user_id": "1003", "name": "mo", "roles": (fd.MOD_ROLE,)}


# -- helpers: reading what Discord received -------------------------------------------------------
def body(call: fd.Call) -> dict[str, Any]:
    """The message part of a callback, follow-up or channel message."""
    payload = call.json or {}
    return payload.get("data", payload) if call.path.endswith("/callback") else payload


def text_of(call: fd.Call) -> str:
    parts: list[str] = []
    for embed in body(call).get("embeds") or []:
        parts += [embed.get("title", ""), embed.get("description", ""),
                  embed.get("footer", {}).get("text", "")]
        for f in embed.get("fields") or []:
            parts += [f["name"], f["value"]]
    return "\n".join(p for p in parts if p)


def components(call: fd.Call) -> list[dict[str, Any]]:
    out = []
    for row in body(call).get("components") or []:
        out += row.get("components") or []
    return out


def button(call: fd.Call, label: str) -> dict[str, Any]:
    return next(c for c in components(call) if c.get("label", "").startswith(label))


def is_ephemeral(call: fd.Call) -> bool:
    """As Discord shows it (a first follow-up after a defer is as private as the defer)."""
    return call.ephemeral


def check_limits(call: fd.Call) -> None:
    """Everything Discord would reject outright."""
    data = body(call)
    embeds = data.get("embeds") or []
    assert len(embeds) <= 10
    total = 0
    for e in embeds:
        assert len(e.get("title", "")) <= 256 and len(e.get("description", "")) <= 4096
        assert len(e.get("fields") or []) <= 25
        for f in e.get("fields") or []:
            assert 0 < len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024
        total += sum(len(e.get(k, "")) for k in ("title", "description"))
        total += len(e.get("footer", {}).get("text", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in e.get("fields") or [])
    assert total <= 6000
    rows = data.get("components") or []
    assert len(rows) <= 5
    for row in rows:
        assert len(row["components"]) <= 5
        for c in row["components"]:
            assert len(c.get("custom_id", "")) <= 100
            assert len(c.get("label", "")) <= 80
            assert len(c.get("options", [])) <= 25


async def done_entries(bot: Harness) -> list[DoneEntry]:
    async with bot.app.db.sessions() as session:
        return list(await session.scalars(select(DoneEntry).order_by(DoneEntry.id)))


def sample(option: dict[str, Any]) -> Any:
    """A plausible value for a required option of any type."""
    if option.get("choices"):
        return option["choices"][0]["value"]
    kind = option["type"]
    if kind == INTEGER:
        return option.get("min_value", 1)
    if kind == NUMBER:
        return float(option.get("min_value", 1))
    if kind == BOOLEAN:
        return True
    assert kind == STRING
    value = "Wales" if option.get("autocomplete") else "chromebooks rollout"
    return value[:option.get("max_length", 6000)]


def leaves(payload: list[dict[str, Any]]) -> list[tuple[list[str], dict[str, Any]]]:
    out = []
    for top in payload:
        subs = [o for o in top.get("options", []) if o["type"] in (1, 2)]
        if not subs:
            out.append(([top["name"]], top))
        for sub in subs:
            if sub["type"] == 1:
                out.append(([top["name"], sub["name"]], sub))
            else:
                out += [([top["name"], sub["name"], leaf["name"]], leaf)
                        for leaf in sub["options"]]
    return out


# -- slash commands ------------------------------------------------------------------------------
async def test_every_command_answers_as_a_slash_command(discord_bot: Harness) -> None:
    """Every command of the product registry (so every future one too), with its required
    options filled in, gets a rendered answer that Discord would accept, never an apology."""
    product = SlashCommands(build_registry())
    wanted = SlashCommands(discord_bot.app.services.registry).payload()
    seen = set()
    for path, leaf in leaves(wanted):
        command = SlashCommands(discord_bot.app.services.registry).leaves[tuple(path)].command
        if tuple(path) not in product.leaves:
            continue
        seen.add(command.name)
        options = {o["name"]: sample(o) for o in leaf.get("options", []) if o.get("required")}
        call = await discord_bot.slash(path[0], *path[1:], options=options, **ALICE)
        deferred = call.path.startswith("/webhooks/")  # a slow moment: defer + follow-up
        assert deferred or call.json["type"] in (4, 9), (path, call.json)
        if deferred or call.json["type"] == 4:
            check_limits(call)
            assert text_of(call), path
            assert APOLOGY not in text_of(call), (path, text_of(call))
    assert seen == {c.name for c in build_registry().commands.values() if not c.hidden}


async def test_slash_done_add_then_list_and_remove_with_confirmation(discord_bot: Harness
                                                                    ) -> None:
    added = await discord_bot.slash("done", "add", options={
        "summary": "Rolled out Chromebooks 1:1 in year 7", "tags": "#devices, chromebooks 1to1",
        "year": 2021}, **ALICE)
    assert added.json["type"] == 4 and is_ephemeral(added)
    assert "Logged #1" in text_of(added)
    entry = (await done_entries(discord_bot))[0]
    assert entry.tags == ["devices", "chromebooks", "1to1"] and entry.year == 2021
    assert added.json["data"]["embeds"][0]["color"] == 0x57F287  # success

    listed = await discord_bot.slash("done", "list", **ALICE)
    remove = button(listed, "Remove")
    assert remove["style"] == 4 and remove["custom_id"] == 'sr1:k:done remove:{"id":1}'

    asked = await discord_bot.press(remove["custom_id"], message=body_message(listed), **ALICE)
    assert is_ephemeral(asked) and "Are you sure?" in text_of(asked)
    assert "Remove" in text_of(asked)
    assert len(await done_entries(discord_bot)) == 1  # nothing happens before confirming

    cancelled = await discord_bot.press(button(asked, "Cancel")["custom_id"], **ALICE)
    assert cancelled.json["type"] == 7 and "nothing was changed" in text_of(cancelled)
    assert len(await done_entries(discord_bot)) == 1

    done = await discord_bot.press(button(asked, "Yes")["custom_id"], **ALICE)
    assert "Removed #1" in text_of(done) and is_ephemeral(done)
    assert await done_entries(discord_bot) == []


def body_message(call: fd.Call) -> dict[str, Any]:
    """The message a component sits on, as Discord sends it with the press."""
    data = body(call)
    return {"id": fd.snowflake(), "channel_id": fd.CHANNEL_ID, "author": fd.BOT_USER,
            "content": "", "timestamp": fd.EPOCH, "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [],
            "embeds": data.get("embeds") or [], "pinned": False, "type": 0,
            "components": data.get("components") or [], "flags": data.get("flags", 0)}


async def test_options_are_validated_like_typed_text(discord_bot: Harness) -> None:
    bad = await discord_bot.slash("done", "add", options={
        "summary": "Ran a VLE migration", "link": "javascript:alert(1)"}, **ALICE)
    assert is_ephemeral(bad) and bad.json["data"]["embeds"][0]["color"] == 0xED4245
    assert "web address" in text_of(bad)
    assert await done_entries(discord_bot) == []


async def test_whodone_with_region_option_and_profile_button(discord_bot: Harness) -> None:
    await discord_bot.slash("done", "add", options={"summary": "Chromebook rollout for a MAT"},
                            **ALICE)
    await discord_bot.slash("done", "add", options={"summary": "Chromebook trial in Kent"},
                            **BOB)
    async with discord_bot.app.db.unit_of_work() as session:
        for m in await session.scalars(select(Member)):
            m.region = "Wales" if m.name == "alice" else "Kent"
    found = await discord_bot.slash("whodone", options={"query": "chromebooks",
                                                        "region": "Wales"}, **BOB)
    assert "alice" in text_of(found) and "bob" not in text_of(found)
    profile = await discord_bot.press(button(found, "Profile")["custom_id"], **BOB)
    assert "Chromebook rollout for a MAT" in text_of(profile)


async def test_region_autocomplete_comes_from_the_core(discord_bot: Harness) -> None:
    data = slash_data("whodone", options={"query": "vr", "region": "w"})
    data["options"][1]["focused"] = True
    call = await discord_bot.interact(fd.interaction(4, data, **ALICE))
    assert call.json["type"] == 8
    names = [c["value"] for c in call.json["data"]["choices"]]
    assert names == [r for r in sorted(REGIONS, key=str.lower) if r.lower().startswith("w")]


async def test_a_command_discord_still_shows_but_we_dropped(discord_bot: Harness) -> None:
    call = await discord_bot.slash("retired", options={}, **ALICE)
    assert is_ephemeral(call) and "help" in text_of(call)


async def test_slow_work_is_deferred_then_followed_up(discord_bot: Harness) -> None:
    payload = fd.interaction(2, slash_data("slow"), **ALICE)
    await discord_bot.fake.dispatch("INTERACTION_CREATE", payload)
    deferred = await discord_bot.fake.wait_until(lambda: discord_bot.fake.answers(
        payload["token"]))
    assert deferred[0].json["type"] == 5 and deferred[0].json["data"]["flags"] == fd.EPHEMERAL
    Gate.release.set()
    follow = await discord_bot.fake.answer(payload["token"])
    assert follow.path == f"/webhooks/{fd.APP_ID}/{payload['token']}"
    assert "Finally done." in text_of(follow)


async def test_failures_get_a_short_apology_and_a_log_line(discord_bot: Harness,
                                                           caplog: Any) -> None:
    with caplog.at_level(logging.ERROR):
        call = await discord_bot.slash("boom", **ALICE)
    assert APOLOGY in text_of(call) and "secret internal detail" not in str(call.json)
    assert is_ephemeral(call)
    assert any("boom" in r.getMessage() and "1001" in r.getMessage() for r in caplog.records)


async def test_refusals_are_ephemeral_errors(discord_bot: Harness) -> None:
    call = await discord_bot.slash("refuse", **ALICE)
    assert is_ephemeral(call) and text_of(call) == "Nope."


# -- permissions ---------------------------------------------------------------------------------
async def test_moderator_buttons_are_rechecked_for_the_presser(discord_bot: Harness) -> None:
    panel = await discord_bot.slash("mod", "panel", **MOD)
    wipe = button(panel, "Wipe spam")["custom_id"]
    assert custom_ids.decode(wipe) == Target("confirm", "mod wipe", {"topic": "spam"})
    yes = custom_ids.encode(Target("run", "mod wipe", {"topic": "spam"}))
    assert yes is not None

    refused = await discord_bot.press(yes, **BOB)  # a member replaying the moderator's press
    assert is_ephemeral(refused) and "Only moderators" in text_of(refused)
    assert await discord_bot.audit("wiped") == []
    assert len(await discord_bot.audit("refused")) == 1

    member_role = await discord_bot.press(yes, user_id="1002", name="bob",
                                          roles=(fd.MEMBER_ROLE,))
    assert "Only moderators" in text_of(member_role)
    assert await discord_bot.audit("wiped") == []

    allowed = await discord_bot.press(yes, **MOD)  # the configured moderator role
    assert "Wiped spam." in text_of(allowed) and not is_ephemeral(allowed)  # channel reply
    assert len(await discord_bot.audit("wiped")) == 1


async def test_replayed_custom_id_with_another_id_changes_nothing(discord_bot: Harness) -> None:
    await discord_bot.slash("done", "add", options={"summary": "Alice's only entry"}, **ALICE)
    await discord_bot.slash("done", "add", options={"summary": "Bob's entry"}, **BOB)
    forged = custom_ids.encode(Target("run", "done remove", {"id": 1}))  # alice's entry
    assert forged is not None
    call = await discord_bot.press(forged, **BOB)
    assert "You have no entry #1" in text_of(call)
    assert [e.summary for e in await done_entries(discord_bot)] == ["Alice's only entry",
                                                                      "Bob's entry"]
    garbage = await discord_bot.press("sr1:b:done remove:{not json", **BOB)
    assert "no longer works" in text_of(garbage)
    extra = await discord_bot.press(custom_ids.encode(Target(
        "run", "done remove", {"id": 1, "member_id": 1002})) or "", **BOB)
    assert "not an option" in text_of(extra)
    assert len(await done_entries(discord_bot)) == 2


# -- selects and forms ---------------------------------------------------------------------------
async def test_long_lists_of_actions_become_selects(discord_bot: Harness) -> None:
    async with discord_bot.app.db.unit_of_work() as session:
        from storage.repositories.directory import DirectoryRepository

        directory = DirectoryRepository(session, discord_bot.app.services.search)
        member = await directory.member_for_identity("discord", fd.GUILD_ID, "1001",
                                                     display_name="alice")
        for n in range(30):
            await directory.add_done(member, f"Entry number {n} about devices")
    discord_bot.app.services.settings.conversation.page_size = 30  # all 30 on one page
    listed = await discord_bot.slash("done", "list", **ALICE)
    check_limits(listed)
    selects = [c for c in components(listed) if c["type"] == 3]
    assert selects and sum(len(s["options"]) for s in selects) == 30
    option = selects[1]["options"][0]
    asked = await discord_bot.press(selects[1]["custom_id"], values=[option["value"]], **ALICE)
    assert "Are you sure?" in text_of(asked)
    await discord_bot.press(button(asked, "Yes")["custom_id"], **ALICE)
    remaining = [e.summary for e in await done_entries(discord_bot)]
    assert len(remaining) == 29 and "Entry number 25 about devices" not in remaining


async def test_forms_become_modals_and_field_errors_come_back(discord_bot: Harness) -> None:
    opened = await discord_bot.slash("survey", **ALICE)
    assert opened.json["type"] == 9
    modal = opened.json["data"]
    assert modal["title"] == "Quick survey"
    assert custom_ids.decode(modal["custom_id"]) == Target("form", "survey save", {"ref": "s1"})
    inputs = [c for row in modal["components"] for c in _walk(row) if c.get("type") == 4]
    assert [i["custom_id"] for i in inputs] == ["colour", "count", "note"]
    assert inputs[2]["style"] == 2 and inputs[2]["max_length"] == 20

    bad = await discord_bot.submit(modal["custom_id"], {"colour": "blue", "count": "12",
                                                        "note": ""}, **ALICE)
    assert is_ephemeral(bad)
    fields = {f["name"]: f["value"] for f in body(bad)["embeds"][0]["fields"]}
    assert "must be one of" in fields["colour"] and "at most 9" in fields["count"]
    assert await discord_bot.audit("survey") == []

    forged = modal["custom_id"]
    good = await discord_bot.submit(forged, {"colour": "green", "count": "3",
                                             "ref": "someone-else"}, **ALICE)
    assert "Saved green x3 for s1" in text_of(good)  # hidden values win over typed ones


def _walk(component: dict[str, Any]) -> list[dict[str, Any]]:
    out = [component]
    for child in component.get("components") or []:
        out += _walk(child)
    if isinstance(component.get("component"), dict):
        out += _walk(component["component"])
    return out


async def test_a_form_reached_from_a_mention_offers_a_button_to_open_it(discord_bot: Harness
                                                                       ) -> None:
    said = await discord_bot.mention("survey", **ALICE)
    opener = button(said, "Open")
    assert custom_ids.decode(opener["custom_id"]) == Target("run", "survey", {})
    opened = await discord_bot.press(opener["custom_id"], **ALICE)
    assert opened.json["type"] == 9


# -- mentions, DMs, joins, deliveries ------------------------------------------------------------
async def test_channel_mention_in_plain_language(discord_bot: Harness) -> None:
    await discord_bot.slash("done", "add", options={"summary": "Chromebook rollout across 12 "
                                                               "primaries"}, **BOB)
    async with discord_bot.app.db.unit_of_work() as session:
        for m in await session.scalars(select(Member)):
            m.region = "Wales"
    call = await discord_bot.mention("who's done a Chromebook rollout in Wales?", **ALICE)
    assert "bob" in text_of(call) and "in Wales" in text_of(call)
    assert call.json["message_reference"]["message_id"]
    assert call.json["allowed_mentions"] == {"parse": [], "replied_user": False}
    check_limits(call)


async def test_messages_without_a_mention_are_ignored(discord_bot: Harness) -> None:
    before = len(discord_bot.fake.calls)
    await discord_bot.fake.dispatch("MESSAGE_CREATE", fd.message_create(
        "whodone vr", mentions_bot=False))
    done = await discord_bot.mention("help")  # processed after the ignored one
    assert [c for c in discord_bot.fake.calls[before:] if c.method == "POST"] == [done]


async def test_direct_messages_are_commands_too(discord_bot: Harness) -> None:
    data = fd.message_create("done Ran a podcast club", guild_id=None, mentions_bot=False,
                             **ALICE)
    await discord_bot.fake.dispatch("MESSAGE_CREATE", data)
    call = await discord_bot.fake.wait_until(lambda: next(
        (c for c in discord_bot.fake.calls if c.path == f"/channels/{data['channel_id']}"
         "/messages"), None))
    assert "Logged #1" in text_of(call)
    async with discord_bot.app.db.sessions() as session:
        identity = await session.scalar(select(func.count()).select_from(Member))
    assert identity == 1
    # the DM counts as the configured server, so a slash command there is the same member
    listed = await discord_bot.slash("done", "list", **ALICE)
    assert "Ran a podcast club" in text_of(listed)


async def test_member_join_runs_the_welcome_flow(discord_bot: Harness) -> None:
    await discord_bot.fake.dispatch("GUILD_MEMBER_ADD", dict(
        fd.member("1009", "newbie"), guild_id=fd.GUILD_ID))
    dm = await discord_bot.fake.wait_until(lambda: next(
        (c for c in discord_bot.fake.calls if c.path == "/channels/8009/messages"), None))
    assert "Welcome to Staffroom!" in text_of(dm)  # the introductions capability's welcome
    opened = next(c for c in discord_bot.fake.calls if c.path == "/users/@me/channels")
    assert opened.json == {"recipient_id": 1009}


async def test_proactive_messages_and_group_threads(discord_bot: Harness) -> None:
    notifier = discord_bot.app.services.notifier
    await notifier.send(Destination("discord", fd.GUILD_ID, channel_id=fd.CHANNEL_ID),
                        Reply(blocks=(Text("Teach-meet tomorrow"),)))
    posted = next(c for c in discord_bot.fake.calls
                  if c.path == f"/channels/{fd.CHANNEL_ID}/messages")
    assert "Teach-meet tomorrow" in text_of(posted)
    assert await discord_bot.adapter.open_group(fd.GUILD_ID, ["1001", "1002"]) is None
    discord_bot.adapter.settings = discord_bot.adapter.settings.model_copy(
        update={"group_channel": fd.CHANNEL_ID})
    where = await discord_bot.adapter.open_group(fd.GUILD_ID, ["1001", "1002"])
    assert where is not None and where.channel_id
    thread = next(c for c in discord_bot.fake.calls if c.path.endswith("/threads"))
    assert thread.json["type"] == 12 and thread.json["invitable"] is False
    added = [c.path for c in discord_bot.fake.calls if "thread-members" in c.path]
    assert added == [f"/channels/{where.channel_id}/thread-members/1001",
                     f"/channels/{where.channel_id}/thread-members/1002"]


async def test_attachments_become_files(discord_bot: Harness) -> None:
    from bot.replies import Attachment

    reply = Reply(blocks=(Text("Your calendar"),),
                  attachment=Attachment("event.ics", b"BEGIN:VCALENDAR", "text/calendar"))
    await discord_bot.adapter.send(Destination("discord", fd.GUILD_ID, user_id="1001"), reply)
    sent = next(c for c in discord_bot.fake.calls if c.files)
    assert sent.files == {"event.ics": b"BEGIN:VCALENDAR"}
    assert sent.json["attachments"][0]["filename"] == "event.ics"


# -- command sync --------------------------------------------------------------------------------
async def test_sync_registers_the_generated_commands_and_start_notices_drift(
        discord_bot: Harness, caplog: Any) -> None:
    adapter = discord_bot.adapter
    gateway = adapter.gateway
    assert gateway is not None
    with caplog.at_level(logging.WARNING):
        assert await adapter.check_commands(gateway)
    assert any("out of date" in r.getMessage() and "discord-sync" in r.getMessage()
               for r in caplog.records)

    where, count = await sync_commands(adapter.settings, discord_bot.app.services.registry,
                                       fd.GUILD_ID)
    assert where == f"guild {fd.GUILD_ID}"
    put = next(c for c in discord_bot.fake.calls if c.method == "PUT")
    assert put.path == f"/applications/{fd.APP_ID}/guilds/{fd.GUILD_ID}/commands"
    assert put.json == adapter.commands.payload() and count == len(put.json)
    await sync_commands(adapter.settings, discord_bot.app.services.registry)
    assert await adapter.check_commands(gateway) == []


# -- several servers, DMs, wiring ----------------------------------------------------------------
async def test_several_servers_share_one_directory(discord_bot: Harness) -> None:
    await discord_bot.slash("done", "add", options={"summary": "Ran a micro:bit club"},
                            **ALICE)
    found = await discord_bot.slash("whodone", options={"query": "microbit"},
                                    guild_id=fd.OTHER_GUILD_ID, **BOB)
    assert "alice" in text_of(found) and "**micro:bit** club" in text_of(found)  # marked


async def test_slash_commands_in_a_dm_are_the_same_member(discord_bot: Harness) -> None:
    await discord_bot.slash("done", "add", options={"summary": "Led CPD on AI"}, **ALICE)
    listed = await discord_bot.slash("done", "list", guild_id=None, **ALICE)
    assert "Led CPD on AI" in text_of(listed)


def test_the_adapter_is_registered_only_with_a_token(settings: Any) -> None:
    from adapters import platform_adapters
    from adapters.discord.adapter import DiscordAdapter
    from bot.app import App

    app = App(settings.model_copy(update={"database": settings.database.model_copy(
        update={"url": "sqlite:///:memory:"})}))
    assert [type(a) for a in platform_adapters(settings, app.core)] == [DiscordAdapter]
    bare = settings.model_copy(update={"discord": settings.discord.model_copy(
        update={"token": ""})})
    assert platform_adapters(bare, app.core) == []


def test_discord_sync_needs_a_token(monkeypatch: Any, capsys: Any) -> None:
    from bot.main import main

    monkeypatch.delenv("STAFFROOM_DISCORD__TOKEN", raising=False)
    monkeypatch.setenv("STAFFROOM_DATABASE_URL", "sqlite:///:memory:")
    assert main(["discord-sync", "--guild", "123"]) == 2
    assert "STAFFROOM_DISCORD__TOKEN" in capsys.readouterr().err


async def test_buttons_keep_working_after_a_restart(discord_bot: Harness) -> None:
    from tests.adapters.discord.conftest import start_adapter

    await discord_bot.slash("done", "add", options={"summary": "Set up Google Classroom"},
                            **ALICE)
    listed = await discord_bot.slash("done", "list", **ALICE)
    remove = button(listed, "Remove")["custom_id"]
    await discord_bot.adapter.stop()
    discord_bot.app.services.notifier.unregister(discord_bot.adapter)
    await discord_bot.fake.wait_until(lambda: not discord_bot.fake.live)
    discord_bot.adapter = await start_adapter(discord_bot.app)
    await discord_bot.adapter.is_leader.wait()
    asked = await discord_bot.press(remove, **ALICE)
    done = await discord_bot.press(button(asked, "Yes")["custom_id"], **ALICE)
    assert "Removed #1" in text_of(done) and await done_entries(discord_bot) == []


async def test_a_refused_token_stops_start_with_a_clear_line(app: Any, fake: fd.FakeDiscord,
                                                              caplog: Any) -> None:
    import pytest

    from adapters.discord.adapter import DiscordAdapter

    fake.refuse_token = True
    adapter = DiscordAdapter(app.core)
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit):
        await adapter.start()
    assert any("refused the bot token" in r.getMessage() for r in caplog.records)


async def test_a_rejected_form_can_be_fixed_without_retyping(discord_bot: Harness) -> None:
    opened = await discord_bot.slash("survey", **ALICE)
    form_id = opened.json["data"]["custom_id"]
    bad = await discord_bot.submit(form_id, {"colour": "blue", "count": "12"}, **ALICE)
    edit = button(bad, "Edit your answers")["custom_id"]
    assert await discord_bot.audit("survey") == []
    stranger = await discord_bot.press(edit, **BOB)
    assert "expired" in text_of(stranger)
    again = await discord_bot.press(edit, **ALICE)
    assert again.json["type"] == 9 and again.json["data"]["custom_id"] == form_id
    typed = {c["custom_id"]: c.get("value") for row in again.json["data"]["components"]
             for c in _walk(row) if c.get("type") == 4}
    assert typed == {"colour": "blue", "count": "12", "note": None}
    good = await discord_bot.submit(form_id, {"colour": "red", "count": "2"}, **ALICE)
    assert "Saved red x2 for s1" in text_of(good) and components(good) == []


async def test_forms_longer_than_one_modal_come_in_pages(discord_bot: Harness) -> None:
    opened = await discord_bot.slash("long", "survey", **ALICE)
    first = opened.json["data"]
    assert opened.json["type"] == 9 and first["title"] == "Long survey (1/2)"
    assert [c["custom_id"] for row in first["components"] for c in _walk(row)
            if c.get("type") == 4] == ["a", "b", "c", "d", "e"]
    page_one = first["custom_id"]
    assert (await discord_bot.submit(page_one, {"a": "x"}, **BOB)).json["data"]["embeds"][0][
        "description"].startswith("That form has expired")  # not Bob's form

    saved = await discord_bot.submit(page_one, {"a": "alpha", "e": "echo"}, **ALICE)
    assert "Part 1 of 2 saved." in text_of(saved) and is_ephemeral(saved)
    shown = await discord_bot.press(button(saved, "Continue")["custom_id"], **ALICE)
    second = shown.json["data"]
    assert shown.json["type"] == 9 and second["title"] == "Long survey (2/2)"
    assert [c["custom_id"] for row in second["components"] for c in _walk(row)
            if c.get("type") == 4] == ["f", "g"]

    bad = await discord_bot.submit(second["custom_id"], {"g": "far too long"}, **ALICE)
    assert "g" in {f["name"] for f in body(bad)["embeds"][0]["fields"]}
    fix = await discord_bot.press(button(bad, "Edit your answers")["custom_id"], **ALICE)
    assert fix.json["data"]["title"] == "Long survey (2/2)"
    good = await discord_bot.submit(second["custom_id"], {"g": "short"}, **ALICE)
    assert "Saved alpha/echo/short for L1" in text_of(good)
    late = await discord_bot.submit(second["custom_id"], {"g": "again"}, **ALICE)
    assert "expired" in text_of(late)  # a finished form's draft is gone
    assert len(await discord_bot.audit("long survey")) == 1
