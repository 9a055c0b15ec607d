"""A fake Discord on loopback: the REST API and the gateway websocket, as aiohttp.

The real discord.py client talks to it (`Route.BASE` and the default gateway URL point
here), so tests assert on the JSON Discord would receive, and events reach the bot as
gateway dispatches parsed by discord.py's own state (INTERACTION_CREATE, MESSAGE_CREATE,
GUILD_MEMBER_ADD). Used by the adapter tests and the benchmark.
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
        return [s for s in self.sessions if s.identified and not s.ws.closed]

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
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45000}, "s": None, "t": None})
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(msg.data)
            op = payload.get("op")
            if op == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif op in (2, 6):  # identify, or resume (answered as a fresh session)
                self.identifies += 1
                await self._send(session, "READY", {
                    "v": 10, "user": BOT_USER, "session_id": f"session-{self.identifies}",
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
        self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)
        await self._notify()
        return self._answer(request, call)

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
            return _json({"id": f"8{recipient[1:]}", "type": 1,
                                      "recipients": [user(recipient, "someone")],
                                      "last_message_id": None})
        if parts[0] == "channels" and parts[-1] == "messages" and m == "POST":
            return _json(self._message(parts[1], call.json))
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
