"""Every command and every component, on a directory as full as a busy network makes it,
answered through the real Discord adapter: each payload is one Discord accepts (the fake
refuses anything over the published limits: 10 embeds and 6,000 characters a message,
fields, components, custom_ids, modals) and none shows or pings a mention a member typed.
Normally, and deferred: every interaction answered by follow-ups after "thinking…"."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from adapters.discord.commands import SlashCommands
from bot.events import Caller
from tests.adapters.discord import fake_discord as fd
from tests.adapters.discord.conftest import TESTING, Harness, slash_data
from tests.adapters.discord.test_discord_adapter import body, leaves, sample, text_of
from tests.adapters.long_content import TOPIC, commands_to_try, seed

HEAVY = {"user_id": "1001", "name": "alice"}
MOD = {"user_id": "1003", "name": "mo", "roles": (fd.MOD_ROLE,)}
MENU_OPTIONS = (0, 1, -1)
APOLOGY = "Sorry, something went wrong"


def discord_caller(user: str) -> Caller:
    roles = frozenset({fd.MOD_ROLE}) if user == MOD["user_id"] else frozenset()
    return Caller(platform="discord", space_id=fd.GUILD_ID, user_id=user,
                  display_name={"1001": "alice", "1003": "mo"}.get(user, f"p{user}"),
                  channel_id=fd.CHANNEL_ID, roles=roles)


class Run:
    """Speaks to the bot through the fake and collects what it showed."""

    def __init__(self, bot: Harness) -> None:
        self.bot = bot
        self.fake = bot.fake
        self.finished: dict[str, asyncio.Event] = {}
        self.presses: dict[tuple[str, str, str], tuple[str, list[str] | None, dict]] = {}
        self.modals: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.answered = 0
        for name in ("on_interaction", "on_message"):
            self._track(name)

    def _track(self, name: str) -> None:
        """Know when the adapter has finished with an event (every follow-up sent)."""
        adapter = self.bot.adapter
        original: Callable[..., Awaitable[None]] = getattr(adapter, name)

        async def tracked(*args: Any) -> None:
            try:
                await original(*args)
            finally:
                event = args[-1]
                self._done(str(event.id)).set()

        setattr(adapter, name, tracked)

    def _done(self, key: str) -> asyncio.Event:
        return self.finished.setdefault(key, asyncio.Event())

    async def event(self, what: str, kind: str, data: dict[str, Any], who: dict) -> None:
        before = len(self.fake.calls)
        await self.fake.dispatch(kind, data)
        await asyncio.wait_for(self._done(str(data["id"])).wait(), 30)
        caused = [c for c in self.fake.calls[before:] if c.method == "POST"
                  and (c.path.endswith("/callback") or c.path.startswith("/webhooks/")
                       or c.path.endswith("/messages"))]
        assert caused, f"{what!r} got no answer"
        self.answered += 1
        for call in caused:
            assert call.status == 200, (what, call.status, call.json)
            if call.path.endswith("/callback") and call.json["type"] == 9:
                self.modals.append((call.json["data"], who))
                continue
            assert APOLOGY not in text_of(call), (what, text_of(call)[:300])
            self._collect(call, who)

    def _collect(self, call: fd.Call, who: dict) -> None:
        for row in body(call).get("components") or []:
            for component in row.get("components") or []:
                custom_id = component.get("custom_id", "")
                if component.get("type") == 2:
                    self.presses.setdefault((custom_id, "", who["user_id"]),
                                            (custom_id, None, who))
                elif component.get("type") == 3:
                    options = component["options"]
                    for i in MENU_OPTIONS:
                        if -len(options) <= i < len(options):
                            value = options[i]["value"]
                            self.presses.setdefault((custom_id, value, who["user_id"]),
                                                    (custom_id, [value], who))

    async def slash(self, path: list[str], options: dict[str, Any], who: dict) -> None:
        payload = fd.interaction(2, slash_data(path[0], *path[1:], options=options), **who)
        await self.event(f"/{' '.join(path)} {options}", "INTERACTION_CREATE", payload, who)

    async def mention(self, text: str, who: dict) -> None:
        data = fd.message_create(f"<@{fd.BOT_ID}> {text}", **who)
        await self.event(text, "MESSAGE_CREATE", data, who)

    async def press(self, custom_id: str, values: list[str] | None, who: dict) -> None:
        data: dict[str, Any] = {"custom_id": custom_id,
                                "component_type": 2 if values is None else 3}
        if values is not None:
            data["values"] = values
        await self.event(f"press {custom_id}", "INTERACTION_CREATE",
                         fd.interaction(3, data, **who), who)

    async def submit(self, modal: dict[str, Any], who: dict) -> None:
        """Submit a modal as shown (the values it was pre-filled with)."""
        rows = []
        for component in modal["components"]:
            inner = component.get("component") or (component.get("components") or [{}])[0]
            rows.append({"type": 1, "components": [{"type": 4, "custom_id": inner["custom_id"],
                                                    "value": inner.get("value") or ""}]})
        await self.event(f"submit {modal['title']}", "INTERACTION_CREATE", fd.interaction(
            5, {"custom_id": modal["custom_id"], "components": rows}, **who), who)


LONG_SLASH: list[tuple[list[str], dict[str, Any], dict]] = [
    (["done", "list"], {}, HEAVY), (["whodone"], {"query": "chromebook", "limit": 25}, HEAVY),
    (["meet", "show"], {"topic": TOPIC}, HEAVY), (["pins", "run"], {}, HEAVY),
    (["pins", "run"], {"page": 2}, HEAVY), (["pins", "show"], {"id": 60}, MOD),
    (["pins", "queue"], {}, MOD), (["teachmeet", "show"], {"id": 1}, HEAVY),
    (["teachmeet", "list"], {}, HEAVY), (["teachmeet", "edit"], {"id": 1}, MOD),
    (["profile"], {}, HEAVY), (["intro"], {}, HEAVY), (["mydata"], {}, HEAVY),
    (["help"], {}, HEAVY), (["audit"], {"limit": 50}, MOD),
]


@pytest.mark.parametrize("deferred", [False, True], ids=["normal", "deferred"])
async def test_every_payload_fits_discord_with_long_content(discord_bot: Harness,
                                                             deferred: bool) -> None:
    app = discord_bot.app
    if not app.db.is_sqlite:
        pytest.skip("payload shapes do not depend on the database: checked once, on SQLite")
    people = [str(2000 + n) for n in range(50)]
    seeded = await seed(app, discord_caller, heavy=HEAVY["user_id"], moderator=MOD["user_id"],
                        people=people)
    assert seeded.meet_id == 1
    run = Run(discord_bot)
    if deferred:
        adapter = discord_bot.adapter
        adapter.settings = adapter.settings.model_copy(update={"defer_after_seconds": 0.01})
        original = app.core.answer

        async def slow_answer(event: Any) -> Any:
            await asyncio.sleep(0.03)  # longer than the defer: every interaction defers
            return await original(event)

        app.core.answer = slow_answer  # type: ignore[method-assign]
    # typed: every command (and the long content) mentioned in the channel, by both
    test_only = {c.name for c in TESTING.commands}
    for text in commands_to_try(app, seeded, leave_out=test_only):
        for who in (HEAVY, MOD):
            await run.mention(text, who)
    # slash: every leaf with its required options, then aimed at the long content
    commands = SlashCommands(app.services.registry)
    for path, leaf in leaves(commands.payload()):
        if commands.leaves[tuple(path)].command.name not in test_only:
            options = {o["name"]: sample(o) for o in leaf.get("options", [])
                       if o.get("required")}
            await run.slash(path, options, HEAVY)
    for path, options, who in LONG_SLASH:
        await run.slash(path, options, who)
    typed = run.answered
    presses = list(run.presses.values())
    for custom_id, values, who in presses:
        await run.press(custom_id, values, who)
    for modal, who in list(run.modals):
        await run.submit(modal, who)
    assert typed > 250 and len(presses) > 50 and run.modals
    fake = discord_bot.fake
    assert fake.refused == [] and fake.pinged == [] and fake.mentions_shown == []
