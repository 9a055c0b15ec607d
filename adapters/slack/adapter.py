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

from adapters.common import ChatAdapter, Start, guarded, not_posted, stale_button
from adapters.slack import render
from adapters.slack.entry import command_text, home_parts
from bot.core import Core
from bot.events import Caller, CommandInvocation, MemberJoined, TextMessage
from bot.http import HealthResult, HttpServer
from bot.notifier import DeliveryError, Destination, Posted, Undeliverable
from bot.replies import Answer, Attachment, Form, Reply, error
from storage.db import is_outage
from storage.repositories.slack_events import SlackEventRepository

log = logging.getLogger(__name__)

DEFAULT_API = "https://slack.com/api/"
FORM_ACK_BUDGET = 2.0
"""Seconds a form submission may take before the modal is closed and the answer posted."""
PURGE_EVERY = 600.0
SHUTDOWN_GRACE = 10.0
DEAD_URLS_KEPT = 1000
Ack = Callable[..., Awaitable[Any]]
_HELD: contextvars.ContextVar[list[Start] | None] = contextvars.ContextVar(
    "slack_held_work", default=None)
NOT_SET_UP = ("{name} isn't set up for this Slack workspace yet, so it can't answer here. "
              "Ask whoever runs it to add this workspace's bot token ([slack] workspaces).")
FORM_TOO_SLOW = "Slack didn't let me open that form in time; please press the button again."
REFUSALS: dict[str, str] = {
    "not_in_channel": "I'm not a member of that channel. Type `/invite @{name}` there and I "
                      "can post in it.",
    "channel_not_found": "I can't see that channel: it is private and I'm not in it, or it "
                         "was deleted. If it exists, type `/invite @{name}` there.",
    "is_archived": "That channel has been archived.",
    "restricted_action": "This workspace doesn't let me post there.",
    "restricted_action_read_only_channel": "That channel is read-only.",
    "restricted_action_thread_only_channel": "That channel only takes replies in threads.",
    "ekm_access_denied": "This workspace's administrators have suspended posting.",
    "cannot_dm_bot": "That is a bot account, which can't receive direct messages.",
    "user_disabled": "Their Slack account has been deactivated.",
    "user_not_found": "That Slack account no longer exists in this workspace.",
}
"""Slack's errors that no retry will change, as sentences a member can act on."""


@dataclass(frozen=True)
class Origin:
    """Where a request came from, and so where its answer goes."""

    team_id: str
    user_id: str
    channel_id: str = ""
    response_url: str = ""
    trigger_id: str = ""
    is_direct: bool = False
    own_dm: bool = False
    """The channel is the bot's own direct conversation with this member."""
    thread_ts: str = ""
    from_home: bool = False

    def __str__(self) -> str:
        return f"team={self.team_id} user={self.user_id} channel={self.channel_id or '-'}"


@dataclass(frozen=True)
class _Bot:
    user_id: str
    bot_id: str
    team_id: str


class SlackAdapter(ChatAdapter):
    platform = "slack"

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self.settings = core.services.settings.slack
        self.name = core.services.settings.network.name
        self.base_url = self.settings.api_base_url or DEFAULT_API
        if not self.base_url.endswith("/"):
            self.base_url += "/"
        self.tokens: dict[str, str] = {w.team_id: w.token() for w in self.settings.workspaces
                                       if w.token()}
        self.default_token = self.settings.bot_token
        self.bots: dict[str, _Bot] = {}
        self.bolt: AsyncApp | None = None
        self.form_ack_budget = FORM_ACK_BUDGET
        self._session: aiohttp.ClientSession | None = None
        self._clients: dict[str, AsyncWebClient] = {}
        self._dm_channels: dict[tuple[str, str], str] = {}
        self._groups: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        self._dead_urls: dict[str, None] = {}
        """Response URLs Slack refused (expired, used up): not tried again."""
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
        await self.background.drain(SHUTDOWN_GRACE)
        if self._session is not None:
            await self._session.close()
            self._session = None

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
            log.warning("request from unconfigured Slack workspace %r answered with a "
                        "set-up note", team_id)
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
            # the error's message may quote what the member typed: its type only
            log.error("Slack request failed (type=%s team=%s): %s", body.get("type"),
                      _team(body), type(error).__name__)

        bolt = AsyncApp(
            name="staffroom", logger=logging.getLogger("staffroom.slack.bolt"),
            signing_secret=self.settings.signing_secret or "unused-in-socket-mode",
            authorize=authorize, client=self._web_client(None),
            user_facing_authorize_error_message=NOT_SET_UP.format(name=self.name),
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
        held: list[Start] = []
        token = _HELD.set(held)
        try:
            bolt_response = await self.bolt.async_dispatch(await to_bolt_request(request))
        finally:
            _HELD.reset(token)
        response = await to_aiohttp_response(bolt_response)
        try:
            await response.prepare(request)
            await response.write_eof()
        finally:
            for start in held:
                start()
        return response

    async def _slack_health(self) -> HealthResult:
        if not self.bots:
            return HealthResult(False, "no workspace token was accepted by auth.test")
        return HealthResult(True, f"{len(self.bots)} workspace(s), {len(self.background)} "
                                  "deliveries under way")

    # -- background work -------------------------------------------------------------------------
    def _spawn(self, work: Awaitable[None], what: str, origin: Origin | None) -> None:
        """Run work after the acknowledgement: at once in Socket Mode, after the HTTP
        response has been written in HTTP mode. A failure is apologised for to `origin`."""
        async def apologise(reply: Reply) -> None:
            assert origin is not None
            await self._privately(origin, render.message(reply))

        self.background.spawn(work, what=what, who=str(origin) if origin else "no origin",
                              apologise=apologise if origin else None, hold=_HELD.get())

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

    # -- slash commands --------------------------------------------------------------------------
    async def _on_command(self, ack: Ack, body: dict[str, Any]) -> None:
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
            await self._privately(origin, render.message(error(
                f"I don't answer {body.get('command', '')[:40]} here. Try "
                "`/staffroom help`.")))
            return
        caller = await self._caller(origin, body.get("user_name", ""))
        await self._answer(origin, await self.answer(TextMessage(caller, text)))

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

    async def _sighting_or_outage(self, event_id: str, team_id: str) -> bool:
        """Whether to handle the event: its first sighting, or the database cannot say
        (then the core answers that the directory is unavailable; a retry answered twice
        that way changes nothing)."""
        try:
            return await self._first_sighting(event_id, team_id)
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.info("Slack event %s: the database is unavailable, so it is answered as such",
                     event_id)
            return True

    async def _run_event(self, body: Mapping[str, Any]) -> None:
        event = body.get("event") or {}
        team = _team(body) or event.get("team", "")
        event_id = body.get("event_id", "")
        if event_id and not await self._sighting_or_outage(event_id, team):
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
        """A mention or a direct message; answered in its thread, if it was in one."""
        origin = Origin(team_id=team, user_id=event.get("user", ""),
                        channel_id=event.get("channel", ""), is_direct=direct, own_dm=direct,
                        thread_ts=event.get("thread_ts", ""))

        async def run() -> None:
            caller = await self._caller(origin)
            await self._answer(origin, await self.answer(TextMessage(caller,
                                                                     event.get("text", ""))))

        async def apologise(reply: Reply) -> None:
            await self._privately(origin, render.message(reply))

        await guarded(run(), platform=self.platform, what="message", who=str(origin),
                      apologise=apologise)

    async def publish_home(self, team_id: str, user_id: str) -> None:
        """App Home, composed of the replies of core commands run as the member."""
        caller = await self._caller(Origin(team_id, user_id))
        parts = [(part.heading, (await self.answer(TextMessage(
            caller, part.text, conversational=False))).seen_by_caller())
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
                        thread_ts=(body.get("message") or {}).get("thread_ts", ""),
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
                await self._privately(origin, render.message(stale_button()))
            elif not await self._open_form(origin, form):
                await self._privately(origin, render.message(error(FORM_TOO_SLOW)))
            return
        decoded = render.decode_action(value)
        if decoded is None:
            await self._privately(origin, render.message(stale_button()))
            return
        user = body.get("user") or {}
        caller = await self._caller(origin, user.get("username") or user.get("name") or "")
        command, args = decoded
        await self._answer(origin, await self.answer(CommandInvocation(caller, command, args)))
        if origin.from_home:
            await self.publish_home(origin.team_id, origin.user_id)

    async def _on_view(self, ack: Ack, body: dict[str, Any],
                       view: dict[str, Any]) -> None:
        """Acknowledge within Slack's 3 seconds, whatever happens: the submission (looking
        up the caller's groups included) runs while a budget lasts, so per-field problems
        can be shown in the modal; past it, the modal is closed and the answer posted."""
        meta = render.read_metadata(view)
        user = body.get("user") or {}
        channel = (meta or {}).get("ch", "")
        origin = Origin(team_id=_team(body), user_id=user.get("id", ""), channel_id=channel,
                        is_direct=channel.startswith("D"),
                        from_home=bool((meta or {}).get("home")))
        if meta is None:
            await ack()
            self._spawn(self._privately(origin, render.message(stale_button())),
                        "form submission", origin)
            return
        name = user.get("username") or user.get("name") or ""
        args = {**meta.get("h", {}), **render.submitted_values(view)}
        task = asyncio.ensure_future(self._submitted(origin, name, meta["c"], args))
        done, _ = await asyncio.wait({task}, timeout=self.form_ack_budget)
        if done and task.exception() is None:
            answer = task.result()
            errors = render.form_errors(answer.reply, view)
            if errors:
                await ack(response_action="errors", errors=errors)
                return
            if answer.reply.form is not None:  # a next step: the modal becomes the next form
                metadata = {k: v for k, v in meta.items() if k in ("ch", "home")}
                await ack(response_action="update",
                          view=render.modal(answer.reply.form, metadata))
                rest = replace(answer, reply=replace(answer.reply, form=None))
                if render.has_content(rest.reply) or rest.aside is not None:
                    self._spawn(self._answer(origin, rest), "form submission", origin)
                return
        await ack()

        async def finish() -> None:
            await self._answer(origin, await task)
            if origin.from_home:
                await self.publish_home(origin.team_id, origin.user_id)

        self._spawn(finish(), "form submission", origin)

    async def _submitted(self, origin: Origin, name: str, command: str,
                         args: dict[str, Any]) -> Answer:
        caller = await self._caller(origin, name)
        return await self.answer(CommandInvocation(caller, command, args, from_form=True))

    async def _open_form(self, origin: Origin, form: Form) -> bool:
        """Open the form as a modal; False if Slack refused (the trigger expired)."""
        metadata: dict[str, Any] = {"ch": "" if origin.from_home else origin.channel_id}
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
    async def _answer(self, origin: Origin, answer: Answer) -> None:
        """Deliver the core's answer where its request came from: to the channel or to the
        caller alone, as the answer says; a form as a modal where there is a trigger; a file
        always into the member's own direct conversation with the bot."""
        reply = answer.reply
        opened = False
        if reply.form is not None and origin.trigger_id:
            opened = await self._open_form(origin, reply.form)
        if not opened or render.has_content(reply):
            msg = render.message(reply, form_opened=opened,
                                 rerun=(answer.command, answer.args) if answer.command else None)
            if answer.for_channel and not origin.from_home:
                await self._publicly(origin, reply, msg)
            else:
                await self._privately(origin, msg)
        if answer.aside is not None:
            await self._privately(origin, render.message(answer.aside))
        if reply.attachment is not None:
            await self._upload(origin.team_id,
                               await self._dm_channel(origin.team_id, origin.user_id),
                               reply.attachment)

    async def _publicly(self, origin: Origin, reply: Reply, msg: render.Message) -> None:
        """In the channel: through the response URL while it lasts, else as a post; where
        Slack will not take it (the bot is not in the channel), the caller gets it with
        the reason and what to do."""
        if await self._respond(origin, msg, "in_channel"):
            return
        thread = {"thread_ts": origin.thread_ts} if origin.thread_ts else {}
        try:
            await self._client(origin.team_id).chat_postMessage(
                channel=origin.channel_id, unfurl_links=False, **msg.as_dict(), **thread)
        except SlackApiError as exc:
            refused = self._refusal(exc)
            if refused is None:
                raise
            log.info("Slack refused a channel answer in %s (%s); giving it to %s instead",
                     origin.channel_id, exc.response.get("error"), origin.user_id)
            await self._privately(origin, render.message(not_posted(reply, refused.reason)))

    async def _privately(self, origin: Origin, msg: render.Message) -> None:
        """For the caller alone: through the response URL while it lasts, else as an
        ephemeral message where they asked (a post in the bot's own DM), else by DM."""
        if await self._respond(origin, msg, "ephemeral"):
            return
        client = self._client(origin.team_id)
        thread = {"thread_ts": origin.thread_ts} if origin.thread_ts else {}
        if origin.channel_id and not origin.from_home and origin.own_dm:
            await client.chat_postMessage(channel=origin.channel_id, unfurl_links=False,
                                          **msg.as_dict(), **thread)
            return
        if origin.channel_id and not origin.from_home:
            try:
                await client.chat_postEphemeral(channel=origin.channel_id,
                                                user=origin.user_id, **msg.as_dict(), **thread)
                return
            except SlackApiError as exc:
                log.info("ephemeral reply refused (%s); sending by DM",
                         exc.response.get("error"))
        await self._post_dm(origin.team_id, origin.user_id, msg)

    async def _respond(self, origin: Origin, msg: render.Message, kind: str) -> bool:
        """Answer through the request's response URL; False when there is none (events,
        forms, App Home) or Slack no longer takes it (30 minutes, 5 uses)."""
        url = origin.response_url
        if not url or origin.from_home or url in self._dead_urls:
            return False
        webhook = AsyncWebhookClient(url, session=self._session, retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=3)])
        try:
            response = await webhook.send_dict({**msg.as_dict(), "response_type": kind,
                                                "replace_original": False})
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("response URL unreachable (%r); answering another way", exc)
            return False
        if response.status_code == 200:
            return True
        log.info("response URL refused (%s %s); answering another way", response.status_code,
                 str(response.body)[:80])
        self._dead_urls[url] = None
        while len(self._dead_urls) > DEAD_URLS_KEPT:
            del self._dead_urls[next(iter(self._dead_urls))]
        return False

    def _refusal(self, exc: SlackApiError) -> Undeliverable | None:
        """Slack's final word on a message, as `Undeliverable`; None for errors a retry
        or an operator may fix."""
        code = str(exc.response.get("error", ""))
        reason = REFUSALS.get(code)
        return Undeliverable(reason.format(name=self.name)) if reason else None

    async def _post_dm(self, team_id: str, user_id: str,
                       msg: render.Message) -> tuple[str, str]:
        """The DM channel and the message's `ts`."""
        channel = await self._dm_channel(team_id, user_id)
        posted = await self._client(team_id).chat_postMessage(channel=channel,
                                                              unfurl_links=False,
                                                              **msg.as_dict())
        return channel, str(posted.get("ts", ""))

    async def _dm_channel(self, team_id: str, user_id: str) -> str:
        """The bot's own direct conversation with this member (never a conversation the
        member has with someone else)."""
        key = (team_id, user_id)
        if key not in self._dm_channels:
            opened = await self._client(team_id).conversations_open(users=user_id)
            self._dm_channels[key] = opened["channel"]["id"]
        return self._dm_channels[key]

    async def _upload(self, team_id: str, channel: str, attachment: Attachment,
                      thread_ts: str | None = None) -> None:
        await self._client(team_id).files_upload_v2(
            channel=channel, filename=attachment.filename, title=attachment.filename,
            content=attachment.content, thread_ts=thread_ts)

    # -- proactive delivery (bot.notifier.Adapter) ------------------------------------------------
    async def send(self, destination: Destination, reply: Reply) -> Posted:
        """Post to a channel (in a thread: `thread_ts`) or a member's DMs; `Undeliverable`
        when Slack refuses for good (not in the channel, a deactivated account), so the
        core can tell who waits. Where it landed is the message's `ts`."""
        msg = render.message(reply)
        team = destination.space_id
        thread = {"thread_ts": destination.thread_id} if destination.thread_id else {}
        try:
            if destination.user_id:
                channel, ts = await self._post_dm(team, destination.user_id, msg)
            else:
                posted = await self._client(team).chat_postMessage(
                    channel=destination.channel_id, unfurl_links=False, **thread,
                    **msg.as_dict())
                channel, ts = posted.get("channel") or destination.channel_id, posted["ts"]
            if reply.attachment is not None:
                await self._upload(team, channel, reply.attachment, **thread)
        except SlackApiError as exc:
            refused = self._refusal(exc)
            if refused is None:
                raise
            raise refused from exc
        return Posted(self.platform, team, channel, str(ts))

    async def open_thread(self, posted: Posted, name: str) -> Destination:
        """Slack threads need no opening: replies carry the parent's `ts` (and no name)."""
        return Destination(self.platform, posted.space_id, channel_id=posted.channel_id,
                           thread_id=posted.message_id)

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
