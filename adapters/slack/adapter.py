"""The Slack adapter: slack-bolt's async app, over HTTP (aiohttp) or Socket Mode.

Every request is acknowledged first and worked on after, so Slack's 3-second limit holds
however slow the work is; the answer goes back through `response_url`, chat.postMessage,
chat.postEphemeral or a modal. The core sees only `bot.events` and returns `Reply`s, which
`adapters.slack.render` turns into Block Kit.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import render
from adapters.slack.entry import command_text, home_parts
from bot.core import APOLOGY, Core
from bot.events import Caller, CommandInvocation, MemberJoined, TextMessage
from bot.grammar import GrammarError, parse, strip_mention
from bot.http import HealthResult, HttpServer
from bot.notifier import AdapterBase, DeliveryError, Destination
from bot.replies import Attachment, Form, Reply, error
from storage.repositories.slack_events import SlackEventRepository

log = logging.getLogger(__name__)

DEFAULT_API = "https://slack.com/api/"
FORM_ACK_BUDGET = 2.0
"""Seconds a form submission may take before the modal is closed and the answer posted."""
PURGE_EVERY = 600.0
SHUTDOWN_GRACE = 10.0
Ack = Callable[..., Awaitable[Any]]
_DEFERRED: contextvars.ContextVar[list[Callable[[], None]] | None] = contextvars.ContextVar(
    "slack_deferred_work", default=None)
STALE_BUTTON = ("That button is from an older version of the bot. Please run the command "
                "again.")


@dataclass(frozen=True)
class Origin:
    """Where a request came from, and so where its answer goes."""

    team_id: str
    user_id: str
    channel_id: str = ""
    response_url: str = ""
    trigger_id: str = ""
    is_direct: bool = False
    thread_ts: str = ""
    from_home: bool = False


@dataclass(frozen=True)
class _Bot:
    user_id: str
    bot_id: str
    team_id: str


class SlackAdapter(AdapterBase):
    platform = "slack"

    def __init__(self, core: Core) -> None:
        self.core = core
        self.settings = core.services.settings.slack
        self.base_url = self.settings.api_base_url or DEFAULT_API
        if not self.base_url.endswith("/"):
            self.base_url += "/"
        self.tokens: dict[str, str] = {w.team_id: w.token() for w in self.settings.workspaces
                                       if w.token()}
        self.default_token = self.settings.bot_token
        self.bots: dict[str, _Bot] = {}
        self.bolt: AsyncApp | None = None
        self._session: aiohttp.ClientSession | None = None
        self._clients: dict[str, AsyncWebClient] = {}
        self._dm_channels: dict[tuple[str, str], str] = {}
        self._groups: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        self._tasks: set[asyncio.Future[None]] = set()
        self._http_server: HttpServer | None = None
        self._socket: Any = None
        self._last_purge = 0.0

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        await self._identify_tokens()
        self.bolt = self._build_bolt()
        if self.settings.mode == "socket":
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.bolt, self.settings.app_token,
                                                  web_client=self._web_client(None))
            await self._socket.connect_async()
            log.info("Slack Socket Mode connected")
            return
        if self._http_server is None:
            raise RuntimeError("Slack HTTP mode needs the bot's HTTP server: call mount_http "
                               "before start")
        log.info("Slack HTTP endpoint on %s/slack/events", self._http_server.url)

    def mount_http(self, server: HttpServer) -> None:
        """In HTTP mode, Slack's requests arrive at /slack/events on the bot's server, and
        `/healthz` reports whether Slack accepted the bot tokens."""
        server.add_health_check("slack", self._slack_health)
        if self.settings.mode == "socket":
            return
        self._http_server = server
        server.add_post("/slack/events", self._http)

    async def stop(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close_async()
            self._socket = None
        try:
            async with asyncio.timeout(SHUTDOWN_GRACE):
                await self.idle()
        except TimeoutError:
            log.warning("%d Slack deliveries still running at shutdown", len(self._tasks))
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def idle(self) -> None:
        """Wait for work already acknowledged to finish (deliveries under way; tests)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    @property
    def url(self) -> str:
        """The bot's HTTP server, where Slack's requests arrive (HTTP mode)."""
        if self._http_server is None:
            raise RuntimeError("the Slack adapter has no HTTP server (Socket Mode?)")
        return self._http_server.url

    async def _identify_tokens(self) -> None:
        """auth.test for each token: which team it serves and the bot's own ids (so the bot
        ignores its own messages). A token that fails is logged, not fatal."""
        for token in {*self.tokens.values(), self.default_token} - {""}:
            try:
                found = await self._web_client(None).auth_test(token=token)
            except SlackApiError as exc:
                log.error("Slack rejected a bot token (%s); check [slack] settings",
                          exc.response.get("error"))
                continue
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.error("could not reach Slack to check a bot token (%s); its workspace "
                          "is learned later", exc)
                continue
            bot = _Bot(user_id=found.get("user_id", ""), bot_id=found.get("bot_id", ""),
                       team_id=found.get("team_id", ""))
            self.bots[token] = bot
            if token == self.default_token and bot.team_id:
                self.tokens.setdefault(bot.team_id, token)

    def _token(self, team_id: str) -> str:
        """The workspace's token. The main token serves other teams only while its own team
        is unknown (auth.test failed), never a workspace it was not issued for."""
        if team_id in self.tokens:
            return self.tokens[team_id]
        known = self.bots.get(self.default_token)
        return self.default_token if known is None or not known.team_id else ""

    def _web_client(self, team_id: str | None) -> AsyncWebClient:
        key = team_id or ""
        client = self._clients.get(key)
        if client is None:
            client = AsyncWebClient(
                token=self._token(team_id) if team_id else None, base_url=self.base_url,
                session=self._session, retry_handlers=[
                    AsyncRateLimitErrorRetryHandler(max_retry_count=3)])
            self._clients[key] = client
        return client

    def _client(self, team_id: str) -> AsyncWebClient:
        if not self._token(team_id):
            raise DeliveryError(f"no Slack bot token for workspace {team_id!r}")
        return self._web_client(team_id)

    async def _authorize(self, enterprise_id: str | None, team_id: str | None,
                         ) -> AuthorizeResult | None:
        token = self._token(team_id or "")
        if not token:
            log.warning("request from unconfigured Slack workspace %r ignored", team_id)
            return None
        bot = self.bots.get(token)
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token,
                               bot_user_id=bot.user_id if bot else None,
                               bot_id=bot.bot_id if bot else None)

    def _build_bolt(self) -> AsyncApp:
        # Bolt passes arguments by parameter name, so it is given plain closures (a bound
        # method's `self` would be mistaken for an argument to fill).
        async def authorize(enterprise_id: str | None, team_id: str | None,
                            ) -> AuthorizeResult | None:
            return await self._authorize(enterprise_id, team_id)

        async def on_command(ack: Ack, body: dict[str, Any]) -> None:
            await self._on_command(ack, body)

        async def on_action(ack: Ack, body: dict[str, Any]) -> None:
            await self._on_action(ack, body)

        async def on_view(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
            await self._on_view(ack, body, view)

        async def on_closed(ack: Ack) -> None:
            await ack()

        async def on_event(ack: Ack, body: dict[str, Any]) -> None:
            await self._on_event(ack, body)

        async def on_error(error: Exception, body: dict[str, Any]) -> None:
            log.error("Slack request failed (type=%s team=%s): %r", body.get("type"),
                      _team(body), error)

        bolt = AsyncApp(
            name="staffroom", logger=logging.getLogger("staffroom.slack.bolt"),
            signing_secret=self.settings.signing_secret or "unused-in-socket-mode",
            authorize=authorize, client=self._web_client(None),
            process_before_response=True,
            request_verification_enabled=self.settings.mode == "http")
        bolt.command(re.compile(r"^/"))(on_command)
        bolt.action(render.ACTION_PATTERN)(on_action)
        bolt.view_submission(render.FORM_CALLBACK)(on_view)
        bolt.view_closed(render.FORM_CALLBACK)(on_closed)
        for kind in ("app_mention", "message", "team_join", "member_joined_channel",
                     "app_home_opened"):
            bolt.event(kind)(on_event)
        bolt.error(on_error)
        return bolt

    async def _http(self, request: web.Request) -> web.StreamResponse:
        """Dispatch to bolt; the ack is written to Slack before any work it started runs,
        so the core's work never delays the acknowledgement."""
        assert self.bolt is not None
        deferred: list[Callable[[], None]] = []
        token = _DEFERRED.set(deferred)
        try:
            bolt_response = await self.bolt.async_dispatch(await to_bolt_request(request))
        finally:
            _DEFERRED.reset(token)
        response = await to_aiohttp_response(bolt_response)
        try:
            await response.prepare(request)
            await response.write_eof()
        finally:
            for start in deferred:
                start()
        return response

    async def _slack_health(self) -> HealthResult:
        if not self.bots:
            return HealthResult(False, "no workspace token was accepted by auth.test")
        return HealthResult(True, f"{len(self.bots)} workspace(s), {len(self._tasks)} "
                                  "deliveries under way")

    # -- background work -------------------------------------------------------------------------
    def _spawn(self, work: Awaitable[None], what: str, origin: Origin | None) -> None:
        """Run work after the acknowledgement: at once in Socket Mode, after the HTTP
        response has been written in HTTP mode."""
        guarded = self._guard(work, what, origin)
        waiting: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tasks.add(waiting)  # so idle() also waits for work not yet started

        def start() -> None:
            task = asyncio.ensure_future(guarded)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            self._tasks.discard(waiting)
            waiting.set_result(None)

        deferred = _DEFERRED.get()
        if deferred is None:
            start()
        else:
            deferred.append(start)

    async def _guard(self, work: Awaitable[None], what: str, origin: Origin | None) -> None:
        """Log a failure with what was being done and for whom; the member gets a short
        apology (never a traceback)."""
        try:
            await work
        except Exception:
            where = (f"team={origin.team_id} user={origin.user_id} channel={origin.channel_id}"
                     if origin else "no origin")
            log.exception("Slack %s failed (%s)", what, where)
            if origin is not None:
                with contextlib.suppress(Exception):
                    await self._answer(origin, error(APOLOGY), in_channel=False)

    # -- roles -----------------------------------------------------------------------------------
    async def _roles(self, team_id: str, user_id: str) -> frozenset[str]:
        """The caller's user groups, looked up only where moderator groups are configured,
        cached briefly. If Slack cannot say, no groups: moderator rights fail closed."""
        settings = self.core.services.settings
        space = settings.space(self.platform, team_id)
        network = [g for g in settings.network.moderator_groups
                   if g.startswith(f"{self.platform}:{team_id}:")]
        if not network and (space is None or not space.moderator_groups):
            return frozenset()
        cached = self._groups.get(team_id)
        now = time.monotonic()
        if cached is None or now - cached[0] > self.settings.usergroup_cache_seconds:
            try:
                found = await self._client(team_id).usergroups_list(include_users=True)
            except (SlackApiError, DeliveryError, aiohttp.ClientError, TimeoutError) as exc:
                log.warning("could not list Slack user groups for %s: %s", team_id, exc)
                return frozenset()
            cached = (now, list(found.get("usergroups") or []))
            self._groups[team_id] = cached
        return frozenset(g["id"] for g in cached[1] if user_id in (g.get("users") or []))

    async def _caller(self, origin: Origin, display_name: str = "") -> Caller:
        return Caller(platform=self.platform, space_id=origin.team_id, user_id=origin.user_id,
                      display_name=display_name, channel_id=origin.channel_id,
                      roles=await self._roles(origin.team_id, origin.user_id),
                      is_direct=origin.is_direct)

    def _channel_reply(self, command_name: str | None, reply: Reply) -> bool:
        """Said in the channel when the command is meant for it or the reply says so; an
        error always goes to the caller alone."""
        if reply.is_error:
            return False
        command = self.core.registry.get(command_name) if command_name else None
        return reply.visibility == "channel" or bool(command and command.channel_reply)

    def _command_of(self, text: str) -> str | None:
        try:
            return parse(self.core.registry, strip_mention(text)).command.name
        except GrammarError:
            return None

    # -- slash commands --------------------------------------------------------------------------
    async def _on_command(self, ack: Ack,
                          body: dict[str, Any]) -> None:
        await ack()
        channel = body.get("channel_id", "")
        origin = Origin(team_id=_team(body), user_id=body.get("user_id", ""),
                        channel_id=channel, response_url=body.get("response_url", ""),
                        trigger_id=body.get("trigger_id", ""),
                        is_direct=channel.startswith("D"))
        self._spawn(self._run_command(origin, body), f"command {body.get('command')}", origin)

    async def _run_command(self, origin: Origin, body: Mapping[str, Any]) -> None:
        text = command_text(self.core.registry, body.get("command", ""), body.get("text", ""))
        if text is None:
            reply = error(f"I don't answer {body.get('command', '')[:40]} here. Try "
                          "`/staffroom help`.")
            await self._answer(origin, reply, in_channel=False)
            return
        caller = await self._caller(origin, body.get("user_name", ""))
        reply = await self.core.handle_text(TextMessage(caller, text))
        await self._answer(origin, reply,
                           in_channel=self._channel_reply(self._command_of(text), reply))

    # -- events ------------------------------------------------------------------------------------
    async def _on_event(self, ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        event = body.get("event") or {}
        self._spawn(self._run_event(body), f"event {event.get('type')}", None)

    async def _first_sighting(self, event_id: str, team_id: str) -> bool:
        services = self.core.services
        now = services.clock.now()
        keep = timedelta(hours=self.settings.event_dedupe_hours)
        async with services.db.unit_of_work() as session:
            repo = SlackEventRepository(session)
            if time.monotonic() - self._last_purge > PURGE_EVERY:
                self._last_purge = time.monotonic()
                await repo.purge(now)
            return await repo.first_sighting(event_id, team_id, now, keep)

    async def _run_event(self, body: Mapping[str, Any]) -> None:
        event = body.get("event") or {}
        team = _team(body) or event.get("team", "")
        event_id = body.get("event_id", "")
        if event_id and not await self._first_sighting(event_id, team):
            log.info("Slack event %s already handled (a retry); skipped", event_id)
            return
        kind = event.get("type")
        if kind == "app_mention":
            await self._on_text(team, event, direct=False)
        elif kind == "message":
            if (event.get("channel_type") == "im" and not event.get("subtype")
                    and not event.get("bot_id")):
                await self._on_text(team, event, direct=True)
        elif kind == "team_join":
            user = event.get("user") or {}
            if not user.get("is_bot"):
                profile = user.get("profile") or {}
                name = (profile.get("display_name") or profile.get("real_name")
                        or user.get("real_name") or user.get("name") or "")
                caller = await self._caller(Origin(team, user.get("id", "")), name)
                await self.core.member_joined(MemberJoined(caller))
        elif kind == "member_joined_channel":
            space = self.core.services.settings.space(self.platform, team)
            channel = event.get("channel", "")
            ours = {b.user_id for b in self.bots.values()}
            if (space is not None and space.introductions_channel == channel
                    and event.get("user") not in ours):
                caller = await self._caller(Origin(team, event.get("user", ""), channel))
                await self.core.member_joined(MemberJoined(caller, channel_id=channel))
        elif kind == "app_home_opened" and event.get("tab", "home") == "home":
            await self.publish_home(team, event.get("user", ""))

    async def _on_text(self, team: str, event: Mapping[str, Any], *, direct: bool) -> None:
        channel = event.get("channel", "")
        origin = Origin(team_id=team, user_id=event.get("user", ""), channel_id=channel,
                        is_direct=direct, thread_ts=event.get("thread_ts", ""))
        try:
            caller = await self._caller(origin)
            text = event.get("text", "")
            reply = await self.core.handle_text(TextMessage(caller, text))
            await self._answer(origin, reply,
                               in_channel=self._channel_reply(self._command_of(text), reply))
        except Exception:
            log.exception("Slack message failed (team=%s user=%s channel=%s)", team,
                          origin.user_id, channel)
            with contextlib.suppress(Exception):
                await self._answer(origin, error(APOLOGY), in_channel=False)

    async def publish_home(self, team_id: str, user_id: str) -> None:
        """App Home, composed of the replies of core commands run as the member."""
        caller = await self._caller(Origin(team_id, user_id))
        parts = [(part.heading, await self.core.handle_text(TextMessage(caller, part.text)))
                 for part in home_parts(self.core.registry)]
        await self._client(team_id).views_publish(user_id=user_id, view=render.home(parts))

    # -- buttons, menus and forms ----------------------------------------------------------------
    async def _on_action(self, ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        user = body.get("user") or {}
        channel = (body.get("channel") or {}).get("id", "")
        container = body.get("container") or {}
        view = body.get("view") or {}
        origin = Origin(team_id=_team(body), user_id=user.get("id", ""), channel_id=channel,
                        response_url=body.get("response_url", ""),
                        trigger_id=body.get("trigger_id", ""), is_direct=channel.startswith("D"),
                        from_home=container.get("type") == "view" and view.get("type") == "home")
        self._spawn(self._run_action(origin, body), "button press", origin)

    async def _run_action(self, origin: Origin, body: Mapping[str, Any]) -> None:
        action = (body.get("actions") or [{}])[0]
        kind = str(action.get("action_id", "")).split(":")[1:2]
        if kind == [render.LINK_KIND]:
            return  # a link button: the browser opened the page; nothing to run
        value = action.get("value") or (action.get("selected_option") or {}).get("value", "")
        if kind == ["f"]:
            form = render.decode_form(value)
            if form is None:
                await self._answer(origin, error(STALE_BUTTON), in_channel=False)
            else:
                await self._open_form(origin, form)
            return
        decoded = render.decode_action(value)
        if decoded is None:
            await self._answer(origin, error(STALE_BUTTON), in_channel=False)
            return
        user = body.get("user") or {}
        caller = await self._caller(origin, user.get("username") or user.get("name") or "")
        command, args = decoded
        reply = await self.core.invoke(CommandInvocation(caller, command, args))
        await self._answer(origin, reply, in_channel=self._channel_reply(command, reply))
        if origin.from_home:
            await self.publish_home(origin.team_id, origin.user_id)

    async def _on_view(self, ack: Ack, body: dict[str, Any],
                       view: dict[str, Any]) -> None:
        """Run the form's command before answering, so per-field problems are shown in the
        modal; if the core is slow, close the modal in time and post the answer after."""
        meta = render.read_metadata(view)
        user = body.get("user") or {}
        channel = (meta or {}).get("ch", "")
        origin = Origin(team_id=_team(body), user_id=user.get("id", ""), channel_id=channel,
                        is_direct=channel.startswith("D"), from_home=bool((meta or {}).get("home")))
        if meta is None:
            await ack()
            self._spawn(self._answer(origin, error(STALE_BUTTON), in_channel=False),
                        "form submission", origin)
            return
        caller = await self._caller(origin, user.get("username") or user.get("name") or "")
        args = {**meta.get("h", {}), **render.submitted_values(view)}
        invocation = CommandInvocation(caller, meta["c"], args, from_form=True)
        task = asyncio.ensure_future(self.core.invoke(invocation))
        done, _ = await asyncio.wait({task}, timeout=FORM_ACK_BUDGET)
        if done:
            reply = task.result()
            errors = render.form_errors(reply, view)
            if errors:
                await ack(response_action="errors", errors=errors)
                return
            if reply.form is not None:  # a next step: the modal becomes the next form
                metadata = {k: v for k, v in meta.items() if k in ("ch", "home")}
                await ack(response_action="update", view=render.modal(reply.form, metadata))
                if render.has_content(reply):
                    self._spawn(self._answer(origin, replace(reply, form=None),
                                             in_channel=self._channel_reply(meta["c"], reply)),
                                "form submission", origin)
                return
        await ack()

        async def finish() -> None:
            answer = await task
            await self._answer(origin, answer, in_channel=self._channel_reply(meta["c"], answer))
            if origin.from_home:
                await self.publish_home(origin.team_id, origin.user_id)

        self._spawn(finish(), "form submission", origin)

    async def _open_form(self, origin: Origin, form: Form) -> bool:
        """Open the form as a modal; False if Slack refused (the trigger expired)."""
        metadata = {"ch": "" if origin.from_home else origin.channel_id}
        if origin.from_home:
            metadata["home"] = 1
        try:
            await self._client(origin.team_id).views_open(
                trigger_id=origin.trigger_id, view=render.modal(form, metadata))
        except SlackApiError as exc:
            log.warning("could not open a modal for %s: %s", origin.user_id,
                        exc.response.get("error"))
            return False
        return True

    # -- answering ---------------------------------------------------------------------------------
    async def _answer(self, origin: Origin, reply: Reply, *, in_channel: bool) -> None:
        """Deliver a reply where its request came from: the response URL, an ephemeral or
        channel message, or the member's DMs (App Home has no channel)."""
        form_opened = False
        if reply.form is not None and origin.trigger_id:
            form_opened = await self._open_form(origin, reply.form)
        if form_opened and not render.has_content(reply):
            return
        msg = render.message(reply, form_opened=form_opened)
        client = self._client(origin.team_id)
        if origin.response_url and not origin.from_home:
            await self._respond(origin.response_url, {
                **msg.as_dict(), "response_type": "in_channel" if in_channel else "ephemeral",
                "replace_original": False})
            target = origin.channel_id if in_channel or origin.is_direct else ""
        elif origin.channel_id and not origin.from_home and (in_channel or origin.is_direct):
            extra = {"thread_ts": origin.thread_ts} if origin.thread_ts else {}
            await client.chat_postMessage(channel=origin.channel_id, unfurl_links=False,
                                          **msg.as_dict(), **extra)
            target = origin.channel_id
        elif origin.channel_id and not origin.from_home:
            try:
                await client.chat_postEphemeral(channel=origin.channel_id,
                                                user=origin.user_id, **msg.as_dict())
                target = ""
            except SlackApiError as exc:
                log.info("ephemeral reply refused (%s); sending by DM",
                         exc.response.get("error"))
                target = await self._post_dm(origin.team_id, origin.user_id, msg)
        else:
            target = await self._post_dm(origin.team_id, origin.user_id, msg)
        if reply.attachment is not None:
            target = target or await self._dm_channel(origin.team_id, origin.user_id)
            await self._upload(origin.team_id, target, reply.attachment)

    async def _respond(self, url: str, payload: dict[str, Any]) -> None:
        webhook = AsyncWebhookClient(url, session=self._session, retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=3)])
        response = await webhook.send_dict(payload)
        if response.status_code != 200:
            raise DeliveryError(f"response_url answered {response.status_code}: "
                                f"{response.body[:200]}")

    async def _post_dm(self, team_id: str, user_id: str, msg: render.Message) -> str:
        channel = await self._dm_channel(team_id, user_id)
        await self._client(team_id).chat_postMessage(channel=channel, unfurl_links=False,
                                                     **msg.as_dict())
        return channel

    async def _dm_channel(self, team_id: str, user_id: str) -> str:
        key = (team_id, user_id)
        if key not in self._dm_channels:
            opened = await self._client(team_id).conversations_open(users=user_id)
            self._dm_channels[key] = opened["channel"]["id"]
        return self._dm_channels[key]

    async def _upload(self, team_id: str, channel: str, attachment: Attachment) -> None:
        await self._client(team_id).files_upload_v2(
            channel=channel, filename=attachment.filename, title=attachment.filename,
            content=attachment.content)

    # -- proactive delivery (bot.notifier.Adapter) ------------------------------------------------
    async def send(self, destination: Destination, reply: Reply) -> None:
        msg = render.message(reply)
        team = destination.space_id
        if destination.user_id:
            channel = await self._post_dm(team, destination.user_id, msg)
        else:
            channel = destination.channel_id
            await self._client(team).chat_postMessage(channel=channel, unfurl_links=False,
                                                      **msg.as_dict())
        if reply.attachment is not None:
            await self._upload(team, channel, reply.attachment)

    async def open_group(self, space_id: str, user_ids: list[str]) -> Destination | None:
        """A group DM (mpim) with these people and the bot."""
        opened = await self._client(space_id).conversations_open(users=",".join(user_ids))
        return Destination(self.platform, space_id, channel_id=opened["channel"]["id"])


def _team(body: Mapping[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, dict):
        return team.get("id", "")
    return body.get("team_id") or (body.get("user") or {}).get("team_id", "") or ""


__all__ = ["Origin", "SlackAdapter"]
