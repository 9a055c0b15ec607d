"""A local stand-in for Slack: the Web API, response URLs, file uploads and a Socket Mode
WebSocket, all on loopback, recording every call in the order the bot made it; and a client
that signs requests exactly as Slack does. Used by the tests and the benchmark.

It behaves as Slack's documentation says, not as the bot expects: every message and view is
checked against Block Kit's published limits (`blockkit`) and refused as Slack refuses it;
the bot can post only where it is a member (`not_in_channel`, `channel_not_found`); a
deactivated account cannot be messaged (`user_disabled`); a response URL takes at most five
answers within 30 minutes (`used_url`, `expired_url`). What was refused, and every
broadcast or mention Slack would have notified, is recorded for the fixtures to check."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bot.testing import serve_on_loopback
from tests.adapters.slack import blockkit

JSON_FIELDS = ("blocks", "view", "files", "attachments")
MESSAGE_METHODS = ("chat.postMessage", "chat.postEphemeral")
VIEW_METHODS = ("views.open", "views.update", "views.push", "views.publish")
RESPONSE_URL_USES = 5


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str
    """The bot token used; for a response URL, its key."""
    at: float = field(default_factory=time.perf_counter)


class FakeSlack:
    """Answers Web API methods plausibly and records them; `tokens` maps bot tokens to team
    ids (auth.test). `rate_limited[method] = n` answers the next n calls with 429."""

    def __init__(self, tokens: Mapping[str, str] | None = None) -> None:
        self.tokens = dict(tokens or {"xoxb-1": "T1", "xoxb-2": "T2"})
        self.calls: list[Call] = []
        """Everything the bot sent, Web API calls and response-URL answers, in order."""
        self.refused: list[tuple[str, list[str]]] = []
        """(method, problems) for payloads Slack would refuse as invalid."""
        self.pinged: list[tuple[str, str]] = []
        """(method, token) for each broadcast or mention Slack would have notified."""
        self.uploads: list[bytes] = []
        self.usergroups: list[dict[str, Any]] = []
        self.rate_limited: dict[str, int] = {}
        self.failing: dict[str, str] = {}
        """method -> Slack error code to answer with (e.g. chat.postEphemeral)."""
        self.outside: set[str] = set()
        """Public channels the bot is not a member of (it may not post there)."""
        self.disabled: set[str] = set()
        """Users whose accounts are deactivated."""
        self.expired: set[str] = set()
        """Response URL keys past their 30 minutes."""
        self.gates: dict[str, asyncio.Event] = {}
        """method -> an event the method waits for before answering (a slow Slack)."""
        self.response_waiters: dict[str, asyncio.Future[float]] = {}
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_acks: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._socket_open = asyncio.Event()
        self.posted: dict[str, list[str]] = {}
        """channel -> the `ts` of each message chat.postMessage put there, in order."""
        self._ids = itertools.count(1)
        self._uses: dict[str, int] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner, self.port = await serve_on_loopback(app)

    async def stop(self) -> None:
        for ws in self.sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- recording ----------------------------------------------------------------------------
    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    @property
    def responses(self) -> list[Call]:
        return [c for c in self.calls if c.method == "response_url"]

    def messages(self) -> list[dict[str, Any]]:
        """Every message the bot showed anyone (response URLs, posts, ephemerals), in the
        order it sent them."""
        return [c.params for c in self.calls
                if c.method == "response_url" or c.method in MESSAGE_METHODS]

    def clear(self) -> None:
        self.calls.clear()

    def new_response_url(self) -> str:
        return f"{self.url}/respond/{next(self._ids)}"

    def wait_response(self, key: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.response_waiters[key] = future
        return future

    def _check(self, method: str, params: dict[str, Any]) -> list[str]:
        if method in VIEW_METHODS or method == "response_action":
            problems = blockkit.view_problems(params.get("view") or {})
        else:
            problems = blockkit.message_problems(params)
        if problems:
            self.refused.append((method, problems))
        self.pinged += [(method, token) for token in blockkit.pings(params)]
        return problems

    # -- handlers -------------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            params.update({k: v for k, v in (await request.post()).items()
                           if isinstance(v, str)})
        for name in JSON_FIELDS:
            if isinstance(params.get(name), str):
                params[name] = json.loads(params[name])
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or \
            params.pop("token", "")
        if self.rate_limited.get(method, 0) > 0:
            self.rate_limited[method] -= 1
            self.calls.append(Call(f"{method} (429)", params, token))
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": "0"})
        self.calls.append(Call(method, params, token))
        if method in self.gates:
            await self.gates[method].wait()
        if method in self.failing:
            return web.json_response({"ok": False, "error": self.failing[method]})
        if method in MESSAGE_METHODS or method in VIEW_METHODS:
            problems = self._check(method, params)
            if problems:
                error = "invalid_arguments" if method in VIEW_METHODS else "invalid_blocks"
                return web.json_response({"ok": False, "error": error, "response_metadata": {
                    "messages": [f"[ERROR] {p}" for p in problems]}})
        refusal = self._refusal(method, params)
        if refusal:
            return web.json_response({"ok": False, "error": refusal})
        return web.json_response(self._answer(method, params, token))

    def _refusal(self, method: str, params: dict[str, Any]) -> str:
        """Slack's answer where the bot may not do this (not a member, a gone account, a
        reply to a message that is not in that channel)."""
        channel = str(params.get("channel") or params.get("channel_id") or "")
        thread = params.get("thread_ts")
        if method == "chat.postMessage" and thread and thread not in self.posted.get(channel,
                                                                                     []):
            self.refused.append((method, [f"thread_ts {thread} is no message in {channel}"]))
            return "thread_not_found"
        if method in (*MESSAGE_METHODS, "files.completeUploadExternal"):
            if channel in self.outside:
                return "not_in_channel"
            if channel.startswith("D") and not channel.startswith("DU"):
                return "channel_not_found"  # somebody else's direct conversation
            if channel.startswith("DU") and channel[1:] in self.disabled:
                return "user_disabled"
        if method == "conversations.open":
            users = str(params.get("users", "")).split(",")
            if any(u in self.disabled for u in users):
                return "user_disabled"
        return ""

    def _answer(self, method: str, params: dict[str, Any], token: str) -> dict[str, Any]:
        ok: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            team = self.tokens.get(token)
            if team is None:
                return {"ok": False, "error": "invalid_auth"}
            return {**ok, "team_id": team, "user_id": f"UBOT{team}", "bot_id": f"BBOT{team}",
                    "team": f"Team {team}", "url": "https://example.slack.com/"}
        if method == "conversations.open":
            users = str(params.get("users", "")).split(",")
            prefix = "D" if len(users) == 1 else "G"
            return {**ok, "channel": {"id": prefix + "-".join(users)}}
        if method == "chat.postMessage":
            ts = f"{next(self._ids)}.0001"
            self.posted.setdefault(str(params.get("channel")), []).append(ts)
            return {**ok, "channel": params.get("channel"), "ts": ts}
        if method == "chat.postEphemeral":
            return {**ok, "message_ts": f"{next(self._ids)}.0002"}
        if method in VIEW_METHODS:
            return {**ok, "view": {**params.get("view", {}), "id": f"V{next(self._ids)}"}}
        if method == "usergroups.list":
            return {**ok, "usergroups": self.usergroups}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids)}"
            return {**ok, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files") or []
            return {**ok, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        if method == "apps.connections.open":
            return {**ok, "url": f"ws://127.0.0.1:{self.port}/socket"}
        return ok

    async def _respond(self, request: web.Request) -> web.Response:
        """A response URL: at most five answers, within 30 minutes; a refused answer is
        recorded under "response_url (refused)"."""
        key = request.match_info["key"]
        payload = await request.json()
        self._uses[key] = self._uses.get(key, 0) + 1
        if key in self.expired or self._uses[key] > RESPONSE_URL_USES:
            self.calls.append(Call("response_url (refused)", payload, key))
            return web.Response(status=404, text="expired_url" if key in self.expired
                                else "used_url")
        problems = self._check("response_url", payload)
        if problems:
            self.calls.append(Call("response_url (refused)", payload, key))
            return web.Response(status=400, text="invalid_blocks")
        self.calls.append(Call("response_url", payload, key))
        waiter = self.response_waiters.pop(key, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(time.perf_counter())
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads.append(await request.read())
        return web.Response(text="OK")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1})
        self._socket_open.set()
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                await self.socket_acks.put(json.loads(msg.data))
        return ws

    async def push(self, envelope: dict[str, Any]) -> None:
        """Send a Socket Mode envelope to the connected bot."""
        await asyncio.wait_for(self._socket_open.wait(), 10)
        await self.sockets[-1].send_json(envelope)


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Sent:
    status: int
    text: str
    response_url: str = ""

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class SlackClient:
    """Speaks to the bot's HTTP endpoint the way Slack does, correctly signed."""

    def __init__(self, url: str, fake: FakeSlack, secret: str,
                 session: aiohttp.ClientSession) -> None:
        self.endpoint = f"{url}/slack/events"
        self.fake = fake
        self.secret = secret
        self.session = session
        self._ids = itertools.count(1)

    async def post(self, body: str, content_type: str, *, headers: Mapping[str, str] = (),
                   timestamp: int | None = None, secret: str | None = None) -> Sent:
        signed = sign(secret or self.secret, body, timestamp)
        async with self.session.post(self.endpoint, data=body.encode(), headers={
                "Content-Type": content_type, **signed, **dict(headers)}) as resp:
            return Sent(resp.status, await resp.text())

    def command_body(self, text: str, *, command: str = "/staffroom", user: str = "U1",
                     team: str = "T1", channel: str = "C1", response_url: str = "") -> str:
        return urlencode({
            "token": "legacy", "team_id": team, "team_domain": "example", "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else "general",
            "user_id": user, "user_name": user.lower(), "command": command, "text": text,
            "api_app_id": "A1", "is_enterprise_install": "false",
            "response_url": response_url or self.fake.new_response_url(),
            "trigger_id": f"trigger-{next(self._ids)}"})

    async def command(self, text: str, **kw: Any) -> Sent:
        response_url = kw.pop("response_url", "") or self.fake.new_response_url()
        sent = await self.post(self.command_body(text, response_url=response_url, **kw),
                               "application/x-www-form-urlencoded")
        sent.response_url = response_url
        return sent

    async def event(self, event: dict[str, Any], *, team: str = "T1", event_id: str = "",
                    retry: int | None = None, **kw: Any) -> Sent:
        body = json.dumps({
            "token": "legacy", "team_id": team, "api_app_id": "A1", "event": event,
            "type": "event_callback", "event_id": event_id or f"Ev{next(self._ids)}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team, "user_id": f"UBOT{team}", "is_bot": True}]})
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} \
            if retry is not None else {}
        return await self.post(body, "application/json", headers=headers, **kw)

    async def interact(self, payload: dict[str, Any], **kw: Any) -> Sent:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded", **kw)

    def _user(self, user: str, team: str) -> dict[str, Any]:
        return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team}

    async def press(self, element: dict[str, Any], *, option: dict[str, Any] | None = None,
                    user: str = "U1", team: str = "T1", channel: str = "C1",
                    view: dict[str, Any] | None = None) -> Sent:
        """A block_actions payload for a button, or an option chosen from a menu; from a
        message (with a response URL) or from a view such as App Home."""
        action: dict[str, Any] = {"action_id": element["action_id"], "block_id": "b1",
                                  "type": element["type"], "action_ts": str(time.time())}
        if option is not None:
            action["selected_option"] = option
        else:
            action["value"] = element.get("value", "")
        response_url = self.fake.new_response_url()
        payload: dict[str, Any] = {
            "type": "block_actions", "user": self._user(user, team), "api_app_id": "A1",
            "token": "legacy", "trigger_id": f"trigger-{next(self._ids)}",
            "team": {"id": team, "domain": "example"}, "actions": [action]}
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
            payload["view"] = view
        else:
            payload["container"] = {"type": "message", "message_ts": "1.1",
                                    "channel_id": channel, "is_ephemeral": True}
            payload["channel"] = {"id": channel, "name": "general"}
            payload["response_url"] = response_url
        sent = await self.interact(payload)
        sent.response_url = response_url if view is None else ""
        return sent

    async def submit(self, view: dict[str, Any], values: Mapping[str, Any], *,
                     user: str = "U1", team: str = "T1") -> Sent:
        """A view_submission for a modal the bot opened, with these values typed in."""
        state: dict[str, Any] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input" or block["block_id"] not in values:
                continue
            element = block["element"]
            value = values[block["block_id"]]
            if element["type"] == "static_select":
                chosen = next(o for o in element["options"] if o["value"] == value)
                state[block["block_id"]] = {"value": {"type": "static_select",
                                                      "selected_option": chosen}}
            else:
                state[block["block_id"]] = {"value": {"type": element["type"],
                                                      "value": value}}
        payload = {"type": "view_submission", "team": {"id": team, "domain": "example"},
                   "user": self._user(user, team), "api_app_id": "A1", "token": "legacy",
                   "trigger_id": f"trigger-{next(self._ids)}",
                   "view": {**view, "id": "V1", "state": {"values": state}}}
        sent = await self.interact(payload)
        answer = sent.json()
        if isinstance(answer, dict) and isinstance(answer.get("view"), dict):
            self.fake._check("response_action", {"view": answer["view"]})
        return sent
