"""A fake Discord on loopback: the REST API and the gateway websocket, as aiohttp.

The real discord.py client talks to it (`Route.BASE` and the default gateway URL point
here), so tests assert on the JSON Discord would receive, and events reach the bot as
gateway dispatches parsed by discord.py's own state (INTERACTION_CREATE, MESSAGE_CREATE,
GUILD_MEMBER_ADD). Used by the adapter tests and the benchmark.

It behaves as Discord's documentation says, not as the bot expects: every message, modal
and autocomplete answer is checked against the published limits (`discord_limits`) and
refused with 400/50035 when over; an interaction takes one response (40060 after that), so
a modal cannot follow a defer; the first follow-up after a deferred response is as
ephemeral as the defer was, whatever it asks; a member who blocks DMs from server members
cannot be messaged (403/50007); the bot cannot post where it has no access (403/50001). A
copy's gateway can fall silent (`partition`): no heartbeat ACKs, nothing dispatched, new
connections unanswered, as when Discord drops a connection without closing it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yarl
from aiohttp import WSMsgType, web
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.testing import serve_on_loopback
from tests.adapters.discord import discord_limits

APP_ID = "900000000000000001"
BOT_ID = "900000000000000002"
GUILD_ID = "910000000000000001"
OTHER_GUILD_ID = "910000000000000002"
CHANNEL_ID = "920000000000000001"
MOD_ROLE = "930000000000000001"
MEMBER_ROLE = "930000000000000002"
EPOCH = "2026-11-02T09:00:00+00:00"
EPHEMERAL = 64

_ids = itertools.count(950000000000000000)


def snowflake() -> str:
    return str(next(_ids))


def user(user_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {"id": user_id, "username": name, "discriminator": "0", "global_name": name,
            "avatar": None, "bot": bot}


BOT_USER = user(BOT_ID, "Staffroom", bot=True)


def role(role_id: str, name: str, position: int) -> dict[str, Any]:
    return {"id": role_id, "name": name, "permissions": "0", "position": position, "color": 0,
            "hoist": False, "managed": False, "mentionable": False, "flags": 0}


def guild(guild_id: str = GUILD_ID, name: str = "Camden ed-tech") -> dict[str, Any]:
    return {
        "id": guild_id, "name": name, "icon": None, "owner_id": "1", "unavailable": False,
        "roles": [role(guild_id, "@everyone", 0), role(MOD_ROLE, "Moderators", 1),
                  role(MEMBER_ROLE, "Members", 2)],
        "channels": [{"id": CHANNEL_ID if guild_id == GUILD_ID else snowflake(), "type": 0,
                      "name": "general", "position": 0, "permission_overwrites": [],
                      "guild_id": guild_id}],
        "members": [], "member_count": 3, "emojis": [], "stickers": [], "features": [],
        "threads": [], "presences": [], "voice_states": [], "stage_instances": [],
        "guild_scheduled_events": [], "large": False, "premium_tier": 0, "mfa_level": 0,
        "verification_level": 0, "explicit_content_filter": 0,
        "default_message_notifications": 0, "preferred_locale": "en-GB", "nsfw_level": 0,
        "afk_timeout": 300, "system_channel_flags": 0, "joined_at": EPOCH,
        "system_channel_id": CHANNEL_ID if guild_id == GUILD_ID else None,
    }


@dataclass
class Call:
    """One HTTP request the bot made."""

    method: str
    path: str
    json: Any = None
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = 0.0
    ephemeral: bool = False
    """Whether Discord shows it to the member alone (for a first follow-up after a defer,
    as the defer said, whatever its own flags)."""
    status: int = 200

    @property
    def token(self) -> str:
        parts = self.path.split("/")
        if self.path.startswith("/interactions/"):
            return parts[3]
        if self.path.startswith("/webhooks/"):
            return parts[3]
        return ""


@dataclass
class Session:
    ws: web.WebSocketResponse
    identified: bool = False
    seq: int = 0
    session_id: str = ""
    token: str = ""
    silent: bool = False


@dataclass
class Interaction:
    """What Discord remembers of one interaction: its kind and how it was answered."""

    kind: int
    response: int | None = None
    deferred_ephemeral: bool = False
    followups: int = 0


class FakeDiscord:
    def __init__(self, guilds: list[dict[str, Any]] | None = None) -> None:
        self.guilds = guilds or [guild()]
        self.calls: list[Call] = []
        self.sessions: list[Session] = []
        self.identifies = 0
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.on_call: Callable[[Call], None] | None = None
        self.refuse_token = False
        self.heartbeat_interval = 45000
        """Milliseconds, sent in HELLO (Discord's is about 41,250)."""
        self.interactions: dict[str, Interaction] = {}
        self.refused: list[tuple[str, list[str]]] = []
        """(path, problems) for payloads Discord would refuse as invalid."""
        self.pinged: list[str] = []
        """Mentions Discord would have notified someone of."""
        self.mentions_shown: list[str] = []
        """Mentions or broadcasts written anywhere in what the bot sent."""
        self.blocks_dms: set[str] = set()
        """Users who do not accept direct messages from server members."""
        self.no_access: set[str] = set()
        """Channels the bot cannot see or post in."""
        self.partitioned: set[str] = set()
        self.gone: set[str] = set()
        """Channels and threads that were deleted (posting there: 404, Unknown Channel)."""
        self.threads: dict[str, dict[str, Any]] = {}
        """Threads started from a message, by id (a message's thread has the message's id)."""
        self._dm_recipients: dict[str, str] = {}

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner, self.port = await serve_on_loopback(app)

    async def stop(self) -> None:
        for session in self.sessions:
            await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @contextmanager
    def patched(self) -> Iterator[None]:
        """Point discord.py's REST base and default gateway at this server."""
        old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
        Route.BASE = f"http://127.0.0.1:{self.port}/api/v10"
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{self.port}/gateway")
        try:
            yield
        finally:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway

    @property
    def live(self) -> list[Session]:
        return [s for s in self.sessions if s.identified and not s.ws.closed and not s.silent]

    def partition(self, token: str) -> None:
        """Discord falls silent for the copy using `token` (its host can no longer reach
        the gateway), without closing anything: no heartbeat ACKs, no events, and its new
        connections are never answered either. Other copies are unaffected."""
        self.partitioned.add(token)
        for session in self.sessions:
            if session.token == token:
                session.silent = True

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, check: Callable[[], Any], within: float = 10.0) -> Any:
        """Wait (event-driven, no polling sleeps) until `check()` returns something truthy."""
        async def waiter() -> Any:
            async with self._changed:
                while not (found := check()):
                    await self._changed.wait()
                return found
        return await asyncio.wait_for(waiter(), within)

    # -- gateway -----------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = Session(ws)
        self.sessions.append(session)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval},
                            "s": None, "t": None})
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(msg.data)
            op = payload.get("op")
            if op in (2, 6):
                session.token = str((payload.get("d") or {}).get("token", ""))
                session.silent = session.token in self.partitioned
            if session.silent:
                continue
            if op == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif op in (2, 6):  # identify, or resume (answered as a fresh session)
                self.identifies += 1
                session.session_id = f"session-{self.identifies}"
                await self._send(session, "READY", {
                    "v": 10, "user": BOT_USER, "session_id": session.session_id,
                    "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
                    "guilds": [{"id": g["id"], "unavailable": True} for g in self.guilds],
                    "application": {"id": APP_ID, "flags": 0}, "shard": [0, 1]})
                for g in self.guilds:
                    await self._send(session, "GUILD_CREATE", g)
                session.identified = True
                await self._notify()
        await self._notify()
        return ws

    async def _send(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        await session.ws.send_json({"op": 0, "t": event, "s": session.seq, "d": data})

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event to the connected bot (there must be exactly one)."""
        live = self.live
        assert len(live) == 1, f"{len(live)} gateway connections"
        if event == "INTERACTION_CREATE":
            self.interactions[data["token"]] = Interaction(int(data["type"]))
        await self._send(live[0], event, data)

    # -- REST --------------------------------------------------------------------------------
    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        call = Call(request.method, path, at=time.perf_counter())
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    call.json = json.loads(await part.text())
                else:
                    call.files[part.filename or part.name or "file"] = await part.read()
        elif request.can_read_body:
            call.json = await request.json()
        refusal = self._refusal(call)
        if refusal is not None:
            call.status = refusal.status
        self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)
        await self._notify()
        return refusal or self._answer(request, call)

    def _invalid(self, call: Call, problems: list[str]) -> web.Response | None:
        if not problems:
            return None
        self.refused.append((call.path, problems))
        return _json({"code": 50035, "message": "Invalid Form Body",
                      "errors": {"_errors": [{"code": "BASE_TYPE_INVALID", "message": p}
                                             for p in problems]}}, status=400)

    def _seen(self, payload: dict[str, Any]) -> None:
        self.pinged += discord_limits.pings(payload)
        self.mentions_shown += discord_limits.mention_tokens(payload)

    def _refusal(self, call: Call) -> web.Response | None:
        """Discord's answer to what it would not take; None when it takes it. Also works
        out whether a message is ephemeral, and records mentions."""
        parts = call.path.strip("/").split("/")
        body = call.json if isinstance(call.json, dict) else {}
        if parts[0] == "interactions" and parts[-1] == "callback":
            seen = self.interactions.get(parts[2])
            if seen is None:
                return _json({"code": 10062, "message": "Unknown interaction"}, status=404)
            if seen.response is not None:
                return _json({"code": 40060, "message": "Interaction has already been "
                                                       "acknowledged."}, status=400)
            kind = int(body.get("type", 0))
            data = body.get("data") or {}
            if kind == 9 and seen.kind == 5:
                return self._invalid(call, ["a modal cannot answer a modal submission"])
            problems = (discord_limits.modal_problems(data) if kind == 9 else
                        discord_limits.choices_problems(data) if kind == 8 else
                        discord_limits.message_problems(data) if kind in (4, 7) else [])
            if invalid := self._invalid(call, problems):
                return invalid
            seen.response = kind
            ephemeral = bool(int(data.get("flags") or 0) & EPHEMERAL)
            seen.deferred_ephemeral = kind == 5 and ephemeral
            call.ephemeral = ephemeral
            self._seen(data)
            return None
        if parts[0] == "webhooks" and call.method == "POST" and len(parts) == 3:
            seen = self.interactions.get(parts[2])
            if seen is None or seen.response is None:
                return _json({"code": 10015, "message": "Unknown Webhook"}, status=404)
            if invalid := self._invalid(call, discord_limits.message_problems(body)):
                return invalid
            seen.followups += 1
            first_after_defer = seen.response == 5 and seen.followups == 1
            call.ephemeral = seen.deferred_ephemeral if first_after_defer else bool(
                int(body.get("flags") or 0) & EPHEMERAL)
            self._seen(body)
            return None
        if (parts[0] == "channels" and len(parts) == 5 and parts[2] == "messages"
                and parts[-1] == "threads" and call.method == "POST"):
            name = str(body.get("name") or "")
            if invalid := self._invalid(call, [] if 1 <= len(name) <= 100 else
                                        [f"thread name of {len(name)} characters"]):
                return invalid
            if parts[3] in self.threads:
                return _json({"code": 160004, "message": "A thread has already been "
                                                        "created for this message"}, status=400)
            return None
        if parts[0] == "channels" and parts[-1] == "messages" and call.method == "POST":
            channel = parts[1]
            if channel in self.gone:
                return _json({"code": 10003, "message": "Unknown Channel"}, status=404)
            if channel in self.no_access:
                return _json({"code": 50001, "message": "Missing Access"}, status=403)
            if self._dm_recipients.get(channel) in self.blocks_dms:
                return _json({"code": 50007, "message": "Cannot send messages to this user"},
                             status=403)
            if invalid := self._invalid(call, discord_limits.message_problems(body)):
                return invalid
            self._seen(body)
        return None

    def _message(self, channel_id: str, body: dict[str, Any] | None) -> dict[str, Any]:
        body = body or {}
        return {"id": snowflake(), "channel_id": channel_id, "author": BOT_USER,
                "content": body.get("content") or "", "timestamp": EPOCH,
                "edited_timestamp": None, "tts": False, "mention_everyone": False,
                "mentions": [], "mention_roles": [], "attachments": [],
                "embeds": body.get("embeds") or [], "pinned": False, "type": 0,
                "components": body.get("components") or [], "flags": body.get("flags", 0)}

    def _answer(self, request: web.Request, call: Call) -> web.Response:
        parts = call.path.strip("/").split("/")
        m = call.method
        if call.path == "/users/@me" and m == "GET":
            if self.refuse_token:
                return _json({"message": "401: Unauthorized", "code": 0}, status=401)
            return _json(BOT_USER)
        if call.path == "/oauth2/applications/@me":
            return _json({
                "id": APP_ID, "name": "Staffroom", "icon": None, "description": "",
                "bot_public": True, "bot_require_code_grant": False, "owner": user("1", "owner"),
                "verify_key": "k", "flags": 0, "summary": ""})
        if parts[0] == "applications":
            key = "global" if parts[2] == "commands" else parts[3]
            if m == "PUT":
                self.commands[key] = [dict(c, id=snowflake(), application_id=APP_ID,
                                           version="1") for c in call.json]
            return _json(self.commands.get(key, []))
        if parts[0] == "interactions":
            return _json({"interaction": {"id": parts[1], "type": 2},
                                      "resource": {"type": (call.json or {}).get("type", 4)}})
        if parts[0] == "webhooks":
            if m == "DELETE":
                return web.Response(status=204)
            return _json(self._message(CHANNEL_ID, call.json))
        if call.path == "/users/@me/channels":
            recipient = str(call.json["recipient_id"])
            self._dm_recipients[f"8{recipient[1:]}"] = recipient
            return _json({"id": f"8{recipient[1:]}", "type": 1,
                                      "recipients": [user(recipient, "someone")],
                                      "last_message_id": None})
        if parts[0] == "channels" and parts[-1] == "messages" and m == "POST":
            return _json(self._message(parts[1], call.json))
        if parts[0] == "channels" and len(parts) == 5 and parts[-1] == "threads" and m == "POST":
            thread = {"id": parts[3], "type": 11, "guild_id": GUILD_ID, "parent_id": parts[1],
                      "name": call.json["name"], "owner_id": BOT_ID, "thread_metadata": {
                          "archived": False, "auto_archive_duration": 10080,
                          "archive_timestamp": EPOCH, "locked": False}}
            self.threads[parts[3]] = thread
            return _json(thread)
        if parts[0] == "channels" and parts[-1] == "threads" and m == "POST":
            return _json({"id": snowflake(), "type": 12, "guild_id": GUILD_ID,
                                      "parent_id": parts[1], "name": call.json["name"],
                                      "owner_id": BOT_ID, "thread_metadata": {
                                          "archived": False, "auto_archive_duration": 10080,
                                          "archive_timestamp": EPOCH, "locked": False}})
        if parts[0] == "channels" and "thread-members" in parts:
            return web.Response(status=204)
        if parts[0] == "channels" and parts[-1] == "typing":
            return web.Response(status=204)
        return _json({"message": f"fake: no route {m} {call.path}", "code": 0},
                                 status=404)

    # -- what the bot said -------------------------------------------------------------------
    def answers(self, token: str) -> list[Call]:
        """Interaction callbacks and follow-ups for one interaction token, in order."""
        return [c for c in self.calls if c.token == token]

    async def answer(self, token: str, within: float = 10.0) -> Call:
        """The interaction's final answer: a message, modal or autocomplete callback (not a
        bare defer), or the follow-up after a defer."""
        final = {4, 7, 8, 9}

        def found() -> Call | None:
            return next((c for c in self.answers(token)
                         if (c.path.endswith("/callback") and c.json["type"] in final)
                         or c.path.startswith("/webhooks/")), None)
        return await self.wait_until(found, within)


def _json(data: Any, status: int = 200) -> web.Response:
    """discord.py only parses bodies whose content-type is exactly application/json."""
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json"})


# -- payload builders ----------------------------------------------------------------------------
def member(user_id: str, name: str, roles: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"user": user(user_id, name), "roles": list(roles), "joined_at": EPOCH,
            "deaf": False, "mute": False, "flags": 0, "pending": False,
            "permissions": "2147483647"}


def interaction(kind: int, data: dict[str, Any], *, user_id: str = "1001",
                name: str = "alice", roles: tuple[str, ...] = (), guild_id: str | None = GUILD_ID,
                message: dict[str, Any] | None = None) -> dict[str, Any]:
    """An INTERACTION_CREATE payload as Discord sends it (a DM when guild_id is None)."""
    interaction_id = snowflake()
    payload: dict[str, Any] = {
        "id": interaction_id, "application_id": APP_ID, "type": kind, "data": data,
        "channel_id": CHANNEL_ID, "token": f"token{interaction_id}", "version": 1,
        "locale": "en-GB", "app_permissions": "2147483647", "entitlements": [],
        "attachment_size_limit": 26214400,
        "authorizing_integration_owners": {"0": GUILD_ID}, "context": 0,
        "channel": {"id": CHANNEL_ID, "type": 0, "name": "general", "guild_id": guild_id,
                    "position": 0, "permission_overwrites": []},
    }
    if guild_id is None:
        payload["user"] = user(user_id, name)
        payload["channel"] = {"id": CHANNEL_ID, "type": 1, "recipients": [user(user_id, name)]}
        payload["context"] = 1
    else:
        payload["guild_id"] = guild_id
        payload["guild_locale"] = "en-GB"
        payload["member"] = member(user_id, name, roles)
    if message is not None:
        payload["message"] = message
    return payload


def message_create(content: str, *, user_id: str = "1001", name: str = "alice",
                   mentions_bot: bool = True, guild_id: str | None = GUILD_ID,
                   roles: tuple[str, ...] = ()) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": snowflake(), "channel_id": CHANNEL_ID if guild_id else f"8{user_id[1:]}",
        "author": user(user_id, name), "content": content, "timestamp": EPOCH,
        "edited_timestamp": None, "tts": False, "mention_everyone": False,
        "mentions": [BOT_USER] if mentions_bot else [], "mention_roles": [],
        "attachments": [], "embeds": [], "pinned": False, "type": 0}
    if guild_id:
        data["guild_id"] = guild_id
        data["member"] = {k: v for k, v in member(user_id, name, roles).items() if k != "user"}
    return data
