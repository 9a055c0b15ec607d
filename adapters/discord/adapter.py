"""The Discord adapter: gateway events and interactions in, rendered replies out.

Every copy logs in over HTTP (so any copy can deliver reminders and DMs), but only the
leader holds the gateway connection: on PostgreSQL the copy holding the advisory lock
(`storage.leadership`), on SQLite the only copy. Slash commands, buttons, selects and modal
submissions are all read from the raw interaction by one dispatcher keyed on the custom_id
prefix, so nothing lives in memory and every component keeps working after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.common import ChatAdapter, guarded, not_posted, stale_button
from adapters.discord import custom_ids, render
from adapters.discord.commands import SlashCommands, differences
from adapters.discord.custom_ids import Target
from bot.core import Core
from bot.events import Caller, CommandInvocation, MemberJoined, TextMessage
from bot.http import HealthResult, HttpServer
from bot.notifier import THREAD_NAME_MAX, Destination, Posted, Undeliverable
from bot.replies import Answer, Form, Reply, Text
from bot.settings import DiscordSettings
from storage.leadership import LeaderLock

log = logging.getLogger(__name__)

PLATFORM = "discord"
GATEWAY_RETRY_SECONDS = 30.0
DRAFT_SECONDS = 30 * 60
MAX_DRAFTS = 10_000
EXPIRED = "That form has expired (or was restarted); please start it again."
SHARED = "Done: it is in the channel for everyone."
REFUSALS: dict[int, str] = {
    50007: "They don't accept direct messages from this server's members (a Discord "
           "privacy setting), so I can't message them.",
    50001: "I can't see that channel: a server admin needs to give my role access to it.",
    50013: "I'm not allowed to post there: a server admin needs to let my role send "
           "messages and embed links in that channel.",
    10003: "That channel no longer exists.",
    10013: "That Discord account no longer exists.",
    50278: "They can't be messaged by me: we no longer share a server.",
}
"""Discord's JSON error codes that no retry will change, as sentences a member can act on."""
THREAD_EXISTS = 160004
"""A thread has already been created for this message."""


def refusal(exc: discord.HTTPException) -> Undeliverable | None:
    """Discord's final word on a message, as `Undeliverable`; None for anything a retry may
    fix (rate limits, outages)."""
    reason = REFUSALS.get(exc.code) if exc.status in (403, 404) else None
    return Undeliverable(reason) if reason else None


@dataclass
class Draft:
    """What someone has typed into a form so far: the pages of a form longer than one
    modal, or answers kept so a rejected submission can be fixed rather than retyped.
    Kept in memory only (interactions all reach the leader); lost on restart, which the
    member is told."""

    form: Form
    user_id: str
    values: dict[str, str] = field(default_factory=dict)
    expires: float = 0.0


def intents_for(settings: DiscordSettings) -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.members = settings.members_intent
    intents.message_content = settings.message_content_intent
    return intents


def make_client(settings: DiscordSettings, **kwargs: Any) -> discord.Client:
    return discord.Client(intents=intents_for(settings), chunk_guilds_at_startup=False,
                          application_id=int(settings.application_id)
                          if settings.application_id else None, **kwargs)


class _Gateway(discord.Client):
    """One leadership term's gateway connection; events go straight to the adapter."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        super().__init__(intents=intents_for(adapter.settings), chunk_guilds_at_startup=False,
                         application_id=int(adapter.settings.application_id)
                         if adapter.settings.application_id else None,
                         **adapter.gateway_options)
        self.adapter = adapter

    async def on_ready(self) -> None:
        await self.adapter.on_ready(self)

    async def on_resumed(self) -> None:
        self.adapter.gateway_up()

    async def on_disconnect(self) -> None:
        self.adapter.gateway_down()

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(self, message)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.adapter.on_interaction(interaction)

    async def on_member_join(self, member: discord.Member) -> None:
        await self.adapter.on_member_join(member)


class DiscordAdapter(ChatAdapter):
    platform = PLATFORM

    def __init__(self, core: Core, *, gateway_options: Mapping[str, Any] | None = None,
                 ) -> None:
        super().__init__(core)
        self.settings = core.services.settings.discord
        self.database = core.services.db
        self.gateway_options = dict(gateway_options or {})
        """Extra `discord.Client` options (tests shorten `guild_ready_timeout`)."""
        self.commands = SlashCommands(core.registry)
        self.rest: discord.Client | None = None
        self.gateway: _Gateway | None = None
        self.is_leader = asyncio.Event()
        self.standing_by = False
        """Another copy holds the gateway (PostgreSQL leader lock): healthy, not connected."""
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._down_since: float | None = None
        """While this copy leads: since when its gateway has not been connected."""
        self._dm_channels: dict[str, int] = {}
        self._drafts: dict[str, Draft] = {}
        self._draft_for: dict[tuple[str, str], str] = {}
        """(user id, one-page form custom_id) -> draft token, to offer "edit your answers"."""

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Log in over HTTP (for deliveries), then stand for leadership in the background."""
        self.rest = make_client(self.settings)
        try:
            await self.rest.login(self.settings.token)
        except discord.LoginFailure:
            await self.rest.close()
            log.error("discord: Discord refused the bot token; check STAFFROOM_DISCORD__TOKEN "
                      "(README: \"Creating the Discord bot\")")
            raise SystemExit(2) from None
        self._task = asyncio.create_task(self._lead(), name="discord-leadership")

    def mount_http(self, server: HttpServer) -> None:
        """`/healthz` reports whether this copy's gateway is healthy (or that it stands by)."""
        server.add_health_check("discord", self._health)

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.background.drain(GATEWAY_RETRY_SECONDS)
        if self.rest is not None:
            await self.rest.close()

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when the adapter is asked to stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _lead(self) -> None:
        """Hold the gateway while this copy is the leader; otherwise wait to take over."""
        lock = None if self.database.is_sqlite else LeaderLock(self.database.url,
                                                               self.settings.leader_lock_key)
        try:
            while not self._stopping.is_set():
                if lock is not None and not await lock.try_acquire():
                    self.standing_by = True
                    await self._sleep(self.settings.leader_retry_seconds)
                    continue
                self.standing_by = False
                if lock is not None:
                    log.info("discord: this copy is now the leader (holds the gateway)")
                ended = await self._serve(lock)
                if lock is not None:
                    await lock.release()
                if ended == "failed":
                    await self._sleep(GATEWAY_RETRY_SECONDS)
                elif ended in ("lost", "unhealthy") and lock is not None:
                    # step back so a healthy standby takes over first
                    await self._sleep(2 * self.settings.leader_retry_seconds)
        finally:
            if lock is not None:
                await lock.dispose()

    async def _serve(self, lock: LeaderLock | None) -> str:
        """One term: connect the gateway until stopped, the lock is lost or the gateway
        stays down past its grace. Says how it ended: "stopped", "failed" (bad token,
        missing intents: retry later), "lost" or "unhealthy"."""
        client = _Gateway(self)
        self.gateway = client
        self._down_since = time.monotonic()
        gateway = asyncio.create_task(self._connect(client), name="discord-gateway")
        waits: list[asyncio.Task[Any]] = [gateway, asyncio.create_task(self._stopping.wait())]
        # with a lock there may be a standby to hand over to; alone (SQLite), reconnecting
        # is all there is to do, and /healthz says how long the gateway has been down
        health = asyncio.create_task(self._watch_gateway()) if lock is not None else None
        watch = asyncio.create_task(self._watch(lock)) if lock is not None else None
        waits += [t for t in (health, watch) if t is not None]
        ended = "stopped"
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            if gateway.done() and not gateway.cancelled() and gateway.exception() is not None:
                ended = "failed"
            elif health is not None and health.done() and not self._stopping.is_set():
                ended = "unhealthy"
            elif watch is not None and watch.done() and not self._stopping.is_set():
                ended = "lost"
        finally:
            self.is_leader.clear()
            for task in waits[1:]:
                task.cancel()
            await client.close()
            gateway.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await gateway
            self.gateway = None
            self._down_since = None
        return ended

    async def _connect(self, client: _Gateway) -> None:
        try:
            await client.login(self.settings.token)
            await client.connect(reconnect=True)
        except discord.PrivilegedIntentsRequired:
            log.error("discord: the gateway refused the members intent. Enable \"Server "
                      "Members Intent\" for the bot in the Discord developer portal (Bot "
                      "page), or set discord.members_intent = false.")
            raise
        except Exception:
            log.exception("discord: the gateway connection failed")
            raise

    async def _watch(self, lock: LeaderLock) -> None:
        """Return when the database session holding the lock is gone."""
        while await lock.still_held():
            await self._sleep(self.settings.leader_retry_seconds)
            if self._stopping.is_set():
                return
        log.warning("discord: lost leadership (database session ended); disconnecting")

    async def _watch_gateway(self) -> None:
        """Return when the gateway has been down for `gateway_grace_seconds`: leadership
        follows the gateway's health, so a copy whose Discord connection went silent (while
        its process and database session live on) hands over instead of holding on."""
        grace = self.settings.gateway_grace_seconds
        while True:
            down = self._down_since
            if down is not None and time.monotonic() - down >= grace:
                log.warning("discord: the gateway has been down for %.0f s; giving up the "
                            "gateway so a copy that can reach Discord takes over", grace)
                return
            await asyncio.sleep(grace / 4 if down is None else
                                max(down + grace - time.monotonic(), 0.01))

    def gateway_up(self) -> None:
        self._down_since = None
        self.is_leader.set()

    def gateway_down(self) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            log.info("discord: the gateway disconnected; reconnecting")

    async def _health(self) -> HealthResult:
        """Healthy while this copy's gateway is connected, briefly reconnecting, or held by
        another copy; not once it has been down for `gateway_grace_seconds` (by then a
        leader with a standby has handed over; a copy alone needs someone to look)."""
        if self.rest is None:
            return HealthResult(False, "not started")
        if self.standing_by:
            return HealthResult(True, "standby: another copy holds the gateway")
        down = self._down_since
        if self.gateway is None and down is None:
            return HealthResult(True, "leader: gateway connecting")
        if down is None and self.gateway is not None:
            return HealthResult(True, f"leader: gateway connected to "
                                      f"{len(self.gateway.guilds)} server(s)")
        elapsed = 0.0 if down is None else time.monotonic() - down
        if elapsed < self.settings.gateway_grace_seconds:
            return HealthResult(True, f"leader: gateway reconnecting for {elapsed:.0f} s")
        return HealthResult(False, f"leader: gateway down for {elapsed:.0f} s")

    # -- gateway events ----------------------------------------------------------------------
    async def on_ready(self, client: discord.Client) -> None:
        self.gateway_up()
        log.info("discord: connected as %s to %d server(s)", client.user, len(client.guilds))
        self.background.spawn(self.check_commands(client), what="command check")

    async def check_commands(self, client: discord.Client) -> list[str]:
        """Compare the registered commands with the generated ones; log when out of date."""
        wanted = self.commands.payload()
        app_id = client.application_id
        if app_id is None:
            return []
        try:
            scopes = [("global", await client.http.get_global_commands(app_id))]
            for guild_id in self.settings.guild_ids:
                scopes.append((f"guild {guild_id}",
                               await client.http.get_guild_commands(app_id, int(guild_id))))
        except discord.HTTPException as exc:
            log.warning("discord: could not read the registered commands (%s)", exc)
            return []
        found: list[str] = []
        for scope, registered in scopes:
            if not registered and scope == "global" and self.settings.guild_ids:
                continue
            changes = differences(registered, wanted)
            if changes:
                log.warning("discord: %s slash commands are out of date (%s); run "
                            "`staffroom discord-sync%s`", scope, ", ".join(changes[:10]),
                            "" if scope == "global" else f" --guild {scope.split()[-1]}")
            found += changes
        if not found:
            log.info("discord: slash commands are up to date")
        return found

    def caller(self, user: discord.abc.User, *, guild_id: int | None,
               channel_id: int | None) -> Caller:
        roles = frozenset(str(r.id) for r in getattr(user, "roles", ()) if not r.is_default())
        space = str(guild_id) if guild_id else self._home_space(user)
        return Caller(platform=PLATFORM, space_id=space, user_id=str(user.id),
                      display_name=getattr(user, "display_name", "") or user.name,
                      channel_id=str(channel_id or ""), roles=roles, is_direct=guild_id is None)

    def _home_space(self, user: discord.abc.User) -> str:
        """A DM has no server: use a server the person shares with the bot, else the first
        configured Discord space, so they are the same member as in that server."""
        client = self.gateway
        if client is not None:
            for guild in client.guilds:
                if guild.get_member(user.id) is not None:
                    return str(guild.id)
        spaces = [s.id for s in self.core.services.settings.spaces if s.platform == PLATFORM]
        if spaces:
            return spaces[0]
        return str(client.guilds[0].id) if client is not None and client.guilds else "direct"

    async def on_message(self, client: discord.Client, message: discord.Message) -> None:
        me = client.user
        if me is None or message.author.bot:
            return
        is_dm = message.guild is None
        if not is_dm and not any(u.id == me.id for u in message.mentions):
            return
        text = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        caller = self.caller(message.author, guild_id=message.guild.id if message.guild
                             else None, channel_id=message.channel.id)

        async def apologise(reply: Reply) -> None:
            await message.channel.send(**render.render(reply).kwargs())

        await guarded(self._answer_message(message, caller, text), platform=PLATFORM,
                      what=f"answering a message in {message.channel.id}",
                      who=f"user={message.author.id}", apologise=apologise)

    async def _answer_message(self, message: discord.Message, caller: Caller,
                              text: str) -> None:
        """A mention (or a DM) is answered where it was said, as a reply to it; a message
        cannot open a modal, so a form comes as a button that runs the command again. A
        file goes to the member's own DMs, never into a channel."""
        answer = await self.answer(TextMessage(caller, text))
        reply = answer.reply if answer.for_channel else answer.seen_by_caller()
        opener = Target("run", answer.command, answer.args) if answer.command else None
        out = render.render(reply, open_form=opener, with_file=caller.is_direct)
        try:
            await message.channel.send(**out.kwargs(), reference=message, mention_author=False)
        except discord.HTTPException as exc:
            refused = refusal(exc)
            if refused is None:
                raise
            log.info("discord: may not answer in %s (%s); answering %s by DM",
                     message.channel.id, exc.code, caller.user_id)
            await self._dm(caller.user_id, render.render(not_posted(reply, refused.reason),
                                                         open_form=opener))
        if answer.for_channel and answer.aside is not None:
            await self._dm(caller.user_id, render.render(answer.aside))
        if reply.attachment is not None and not caller.is_direct:
            await self._dm(caller.user_id, render.render(Reply(
                blocks=(Text("Here is the file you asked for."),), attachment=reply.attachment)))

    async def on_member_join(self, member: discord.Member) -> None:
        if member.bot:
            return
        guild = member.guild
        channel = guild.system_channel.id if guild.system_channel else None
        caller = self.caller(member, guild_id=guild.id, channel_id=channel)
        await guarded(self.core.member_joined(MemberJoined(caller, channel_id=str(channel or ""))),
                      platform=PLATFORM, what="welcome flow",
                      who=f"user={member.id} guild={guild.id}")

    # -- interactions ------------------------------------------------------------------------
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        kind = interaction.type
        data: dict[str, Any] = dict(interaction.data or {})
        handlers = {discord.InteractionType.application_command: self._slash,
                    discord.InteractionType.autocomplete: self._autocomplete,
                    discord.InteractionType.component: self._component,
                    discord.InteractionType.modal_submit: self._modal_submit}
        handler = handlers.get(kind)
        if handler is None:
            return

        async def apologise(reply: Reply) -> None:
            await self._send(interaction, render.render(reply, ephemeral=True))

        await guarded(handler(interaction, data), platform=PLATFORM,
                      what=f"{kind.name} interaction {interaction.id} "
                           f"{ {k: data.get(k) for k in ('name', 'custom_id')} !r}",
                      who=f"user={interaction.user.id} guild={interaction.guild_id}",
                      apologise=apologise)

    def _interaction_caller(self, interaction: discord.Interaction) -> Caller:
        return self.caller(interaction.user, guild_id=interaction.guild_id,
                           channel_id=interaction.channel_id)

    async def _slash(self, interaction: discord.Interaction, data: dict[str, Any]) -> None:
        invoked = self.commands.read(data)
        if invoked is None:
            await self._send(interaction, render.notice(
                "I don't have that command any more; the command list is being updated. "
                "Say `help` to see what I can do.", tone="warning"))
            return
        await self._run(interaction, invoked.leaf.command.name, invoked.args)

    async def _autocomplete(self, interaction: discord.Interaction,
                            data: dict[str, Any]) -> None:
        invoked = self.commands.read(data)
        choices: list[discord.app_commands.Choice[str]] = []
        if invoked is not None and invoked.focused is not None and invoked.focused.complete:
            found = await self.core.complete(self._interaction_caller(interaction),
                                             invoked.focused.complete, invoked.typed)
            choices = [discord.app_commands.Choice(name=render.cut(v, 100), value=v[:100])
                       for v in found]
        await interaction.response.autocomplete(choices)

    async def _component(self, interaction: discord.Interaction, data: dict[str, Any]) -> None:
        custom_id = str(data.get("custom_id", ""))
        if not custom_ids.is_ours(custom_id):
            return
        target = custom_ids.decode(custom_id)
        if target is not None and target.kind == "select":
            values = data.get("values") or []
            target = custom_ids.decode(str(values[0])) if values else None
        if target is None or target.kind in ("form", "page"):
            await self._send(interaction, render.render(stale_button(), ephemeral=True))
            return
        if target.kind == "edit":
            await self._reopen(interaction, target)
            return
        if target.kind == "cancel":
            await interaction.response.edit_message(
                embeds=[discord.Embed(description="Cancelled; nothing was changed.",
                                      colour=render.COLOURS["info"])], view=None)
            return
        if target.kind == "confirm":
            label = self._pressed_label(interaction, custom_id)
            await self._send(interaction, render.confirmation(
                f"{label} — `{target.command}`", target))
            return
        await self._run(interaction, target.command, dict(target.args))

    @staticmethod
    def _pressed_label(interaction: discord.Interaction, custom_id: str) -> str:
        message = interaction.message
        for row in message.components if message else ():
            for child in getattr(row, "children", ()):
                if getattr(child, "custom_id", None) == custom_id:
                    return str(getattr(child, "label", "") or "")
        return "Go ahead"

    async def _modal_submit(self, interaction: discord.Interaction,
                            data: dict[str, Any]) -> None:
        custom_id = str(data.get("custom_id", ""))
        target = custom_ids.decode(custom_id)
        values = render.submitted(data.get("components") or [])
        user_id = str(interaction.user.id)
        if target is not None and target.kind == "page":
            draft = self._drafts.get(target.command)
            if draft is None or draft.user_id != user_id or draft.expires < time.monotonic():
                await self._send(interaction, render.notice(EXPIRED, tone="warning"))
                return
            draft.values.update(values)
            page = int(target.args.get("p", 0))
            pages = render.form_pages(draft.form)
            if page + 1 < len(pages):
                await self._send(interaction, render.render(Reply(
                    blocks=(Text(f"Part {page + 1} of {len(pages)} saved."),)),
                    ephemeral=True, extra=[("Continue", Target(
                        "edit", target.command, {"p": page + 1}))]))
                return
            await self._submit(interaction, draft.form.command, draft.values,
                               dict(draft.form.hidden), token=target.command)
            return
        if target is None or target.kind != "form":
            await self._send(interaction, render.render(stale_button(), ephemeral=True))
            return
        token = self._draft_for.get((user_id, custom_id), "")
        if token in self._drafts:
            self._drafts[token].values.update(values)
        await self._submit(interaction, target.command, values, dict(target.args), token=token)

    async def _submit(self, interaction: discord.Interaction, command: str,
                      values: Mapping[str, str], hidden: dict[str, Any], *, token: str) -> None:
        """Run a form's command with what was typed (blank answers left to the defaults;
        the form's fixed values win over anything typed). Rejected answers come back with a
        button to fix them in the form, pre-filled."""
        args: dict[str, Any] = {k: v for k, v in values.items() if v.strip()}
        args.update(hidden)
        answer = await self._in_time(interaction, CommandInvocation(
            self._interaction_caller(interaction), command, args, from_form=True))
        draft = self._drafts.get(token)
        extra: list[tuple[str, Target]] = []
        if answer.reply.field_errors and draft is not None:
            pages = render.form_pages(draft.form)
            page = next((i for i, fields in enumerate(pages)
                         if any(f.name in answer.reply.field_errors for f in fields)), 0)
            extra.append(("Edit your answers", Target("edit", token, {"p": page})))
        elif not answer.reply.is_error:
            self._forget(token)
        await self._deliver(interaction, answer, extra=extra)

    async def _reopen(self, interaction: discord.Interaction, target: Target) -> None:
        """Show a page of a kept form (its first page, the next one, or one to fix): no
        work to wait for, so it always opens within Discord's 3 seconds."""
        draft = self._drafts.get(target.command)
        if draft is None or draft.user_id != str(interaction.user.id) \
                or draft.expires < time.monotonic():
            await self._send(interaction, render.notice(EXPIRED, tone="warning"))
            return
        pages = render.form_pages(draft.form)
        page = min(max(int(target.args.get("p", 0)), 0), len(pages) - 1)
        modal = render.modal(draft.form, values=draft.values, page=page,
                             draft=target.command if len(pages) > 1 else "")
        if modal is None:
            await self._send(interaction, render.notice(EXPIRED, tone="warning"))
            return
        await interaction.response.send_modal(modal)

    def _keep(self, form: Form, user_id: str) -> str:
        """Keep a form for this member (its answers, its pages); the token names it."""
        self._prune()
        token = secrets.token_urlsafe(9)
        self._drafts[token] = Draft(form, user_id, expires=time.monotonic() + DRAFT_SECONDS)
        if len(render.form_pages(form)) == 1:
            modal = render.modal(form)
            if modal is not None:
                self._draft_for[(user_id, modal.custom_id)] = token
        return token

    def _forget(self, token: str) -> None:
        draft = self._drafts.pop(token, None)
        if draft is not None:
            self._draft_for = {k: v for k, v in self._draft_for.items() if v != token}

    def _prune(self) -> None:
        now = time.monotonic()
        stale = [t for t, d in self._drafts.items() if d.expires < now]
        if len(self._drafts) - len(stale) >= MAX_DRAFTS:
            stale += list(self._drafts)[:len(self._drafts) // 2]
        for token in stale:
            self._forget(token)

    async def _run(self, interaction: discord.Interaction, command: str,
                   args: dict[str, Any]) -> None:
        """Run a command as the person who interacted and answer within Discord's 3
        seconds (deferring when the core is slower). A form opens as a modal when the
        interaction is still unanswered; once deferred it can no longer open one, so the
        form is kept and a button opens it, at once, on the next press."""
        caller = self._interaction_caller(interaction)
        answer = await self._in_time(interaction, CommandInvocation(caller, command, args))
        form = answer.reply.form
        if form is None:
            await self._deliver(interaction, answer)
            return
        token = self._keep(form, caller.user_id)
        if not interaction.response.is_done():
            pages = len(render.form_pages(form))
            modal = render.modal(form, draft=token if pages > 1 else "")
            if modal is not None:
                await interaction.response.send_modal(modal)
                return
        await self._deliver(interaction, answer, open_form=Target("edit", token, {"p": 0}))

    async def _in_time(self, interaction: discord.Interaction,
                       invocation: CommandInvocation) -> Answer:
        """The core's answer; if it is not ready within `defer_after_seconds` the interaction
        is deferred first (Discord drops interactions unanswered after 3 seconds). Always
        privately: who sees the answer is not known until it exists, and a private answer
        must never follow a public "thinking…"."""
        work: asyncio.Task[Answer] = asyncio.create_task(self.answer(invocation))
        done, _ = await asyncio.wait({work}, timeout=self.settings.defer_after_seconds)
        if not done:
            await interaction.response.defer(ephemeral=True, thinking=True)
        return await work

    async def _deliver(self, interaction: discord.Interaction, answer: Answer, *,
                       extra: Sequence[tuple[str, Target]] = (),
                       open_form: Target | None = None) -> None:
        """The answer to the interaction, for its audience. After a (private) defer, the
        first follow-up is private whatever it asks for, so a channel answer comes second,
        after a private line (or the aside) saying it is done."""
        message = render.render(answer.reply, ephemeral=not answer.for_channel,
                                extra=extra, open_form=open_form,
                                with_file=not answer.for_channel)
        aside = render.render(answer.aside, ephemeral=True) if answer.aside else None
        if answer.for_channel and interaction.response.is_done():
            await self._send(interaction, aside or render.notice(SHARED, tone="success"))
            aside = None
        await self._send(interaction, message)
        if aside is not None:
            await self._send(interaction, aside)
        if answer.for_channel and answer.reply.attachment is not None:
            await self._send(interaction, render.render(Reply(
                blocks=(Text("Here is the file, for you alone."),),
                attachment=answer.reply.attachment), ephemeral=True))

    async def _send(self, interaction: discord.Interaction, message: render.Message) -> None:
        if interaction.response.is_done():
            await interaction.followup.send(**message.kwargs(interaction=True))
        else:
            await interaction.response.send_message(**message.kwargs(interaction=True))

    # -- proactive delivery -------------------------------------------------------------------
    async def send(self, destination: Destination, reply: Reply) -> Posted:
        """Deliver from any copy (HTTP only; the gateway is not needed to post). Raises
        `Undeliverable` when Discord refuses for good (the member blocks DMs from server
        members, the bot may not post in the channel), so the core can tell who waits."""
        message = render.render(reply)
        if destination.user_id:
            sent = await self._dm(destination.user_id, message)
        else:
            # a thread is a channel of its own: its replies are posted to it
            channel = int(destination.thread_id or destination.channel_id)
            try:
                sent = await self._client().get_partial_messageable(channel).send(
                    **message.kwargs())
            except discord.HTTPException as exc:
                refused = refusal(exc)
                if refused is None:
                    raise
                raise refused from exc
        return Posted(PLATFORM, destination.space_id, str(sent.channel.id), str(sent.id))

    async def open_thread(self, posted: Posted, name: str) -> Destination:
        """A public thread started from the posted message (POST /channels/{channel}/
        messages/{message}/threads), named within Discord's 100 characters. A message has
        at most one thread, whose id is the message's: if it already has one, that is it."""
        client = self._client()
        try:
            data = await client.http.start_thread_with_message(
                int(posted.channel_id), int(posted.message_id),
                name=render.cut(name, THREAD_NAME_MAX) or "Question",
                auto_archive_duration=10080)
            thread_id = str(data["id"])
        except discord.HTTPException as exc:
            if exc.code != THREAD_EXISTS:
                raise
            thread_id = posted.message_id
        return Destination(PLATFORM, posted.space_id, channel_id=posted.channel_id,
                           thread_id=thread_id)

    async def _dm(self, user_id: str, message: render.Message) -> discord.Message:
        client = self._client()
        try:
            channel_id = self._dm_channels.get(user_id)
            if channel_id is None:
                data = await client.http.start_private_message(int(user_id))
                channel_id = int(data["id"])
                self._dm_channels[user_id] = channel_id
            return await client.get_partial_messageable(channel_id).send(**message.kwargs())
        except discord.HTTPException as exc:
            refused = refusal(exc)
            if refused is None:
                raise
            raise refused from exc

    def _client(self) -> discord.Client:
        if self.rest is None:
            raise RuntimeError("the Discord adapter is not started")
        return self.rest

    async def open_group(self, space_id: str, user_ids: list[str]) -> Destination | None:
        """Discord bots cannot open group DMs: a private thread in `discord.group_channel`
        stands in, with the people added; None when no such channel is configured."""
        client = self.rest
        parent = self.settings.group_channel
        if client is None or not parent:
            return None
        data = await client.http.start_thread_without_message(
            int(parent), name="Staffroom introduction", auto_archive_duration=10080,
            type=discord.ChannelType.private_thread.value, invitable=False)
        thread_id = int(data["id"])
        for user_id in user_ids:
            await client.http.add_user_to_thread(thread_id, int(user_id))
        return Destination(PLATFORM, space_id, channel_id=str(thread_id))
