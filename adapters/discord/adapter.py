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
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discord import custom_ids, render
from adapters.discord.commands import SlashCommands, differences
from adapters.discord.custom_ids import Target
from bot.commands import Command
from bot.core import APOLOGY, Core
from bot.events import Caller, CommandInvocation, MemberJoined, TextMessage
from bot.grammar import GrammarError, parse
from bot.http import HealthResult, HttpServer
from bot.notifier import AdapterBase, Destination
from bot.replies import Form, Reply, Text
from bot.settings import DiscordSettings
from storage.db import Database
from storage.leadership import LeaderLock

log = logging.getLogger(__name__)

PLATFORM = "discord"
GONE = "That button no longer works. Say `help` to see what I can do now."
GATEWAY_RETRY_SECONDS = 30.0
DRAFT_SECONDS = 30 * 60
MAX_DRAFTS = 10_000
EXPIRED = "That form has expired (or was restarted); please start it again."


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

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(self, message)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.adapter.on_interaction(interaction)

    async def on_member_join(self, member: discord.Member) -> None:
        await self.adapter.on_member_join(member)


class DiscordAdapter(AdapterBase):
    platform = PLATFORM

    def __init__(self, core: Core, settings: DiscordSettings, *, database: Database,
                 gateway_options: Mapping[str, Any] | None = None) -> None:
        self.core = core
        self.gateway_options = dict(gateway_options or {})
        """Extra `discord.Client` options (tests shorten `guild_ready_timeout`)."""
        self.settings = settings
        self.database = database
        self.commands = SlashCommands(core.registry)
        self.rest: discord.Client | None = None
        self.gateway: _Gateway | None = None
        self.is_leader = asyncio.Event()
        self.standing_by = False
        """Another copy holds the gateway (PostgreSQL leader lock): healthy, not connected."""
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._dm_channels: dict[str, int] = {}
        self._drafts: dict[str, Draft] = {}
        self._draft_for: dict[tuple[str, str], str] = {}
        """(user id, one-page form custom_id) -> draft token, to offer "edit your answers"."""
        self._tasks: set[asyncio.Task[Any]] = set()

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

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.rest is not None:
            await self.rest.close()

    def mount_http(self, server: HttpServer) -> None:
        """`/healthz` reports the gateway: connected here (this copy leads), standing by
        (another copy leads), or down."""
        server.add_health_check("discord", self._discord_health)

    async def _discord_health(self) -> HealthResult:
        gateway = self.gateway
        if gateway is not None and gateway.is_ready() and gateway.ws is not None and (
                gateway.ws.open):
            return HealthResult(True, f"leader: gateway connected to {len(gateway.guilds)} "
                                      "server(s)")
        if self.standing_by:
            return HealthResult(True, "standby: another copy holds the gateway")
        if gateway is not None:
            return HealthResult(False, "leader: gateway not connected (connecting or "
                                       "reconnecting)")
        return HealthResult(False, "gateway not connected (retrying)")

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
                failed = await self._serve(lock)
                lost = lock is not None and not lock.held
                if lock is not None:
                    await lock.release()
                if failed:
                    await self._sleep(GATEWAY_RETRY_SECONDS)
                elif lost:  # step back so a healthy standby takes over first
                    await self._sleep(2 * self.settings.leader_retry_seconds)
        finally:
            if lock is not None:
                await lock.dispose()

    async def _serve(self, lock: LeaderLock | None) -> bool:
        """One term: connect the gateway until stopped or the lock is lost. True if the
        gateway failed (bad token, missing intents) and a retry should wait."""
        client = _Gateway(self)
        self.gateway = client
        failed = False
        gateway = asyncio.create_task(self._connect(client), name="discord-gateway")
        waits: list[asyncio.Task[Any]] = [
            gateway, asyncio.create_task(self._stopping.wait())]
        if lock is not None:
            waits.append(asyncio.create_task(self._watch(lock)))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            if gateway.done() and not gateway.cancelled() and gateway.exception() is not None:
                failed = True
        finally:
            self.is_leader.clear()
            for task in waits[1:]:
                task.cancel()
            await client.close()
            gateway.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await gateway
            self.gateway = None
        return failed

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

    # -- gateway events ----------------------------------------------------------------------
    async def on_ready(self, client: discord.Client) -> None:
        self.is_leader.set()
        log.info("discord: connected as %s to %d server(s)", client.user, len(client.guilds))
        self._spawn(self.check_commands(client))

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
        try:
            reply = await self.core.handle_text(TextMessage(caller, text))
            out = render.render(reply, open_form=self._form_opener(reply, text))
            await message.channel.send(**out.kwargs(), reference=message, mention_author=False)
        except Exception:
            log.exception("discord: answering a message from %s in %s failed",
                          message.author.id, message.channel.id)
            with contextlib.suppress(Exception):
                await message.channel.send(**render.notice(APOLOGY, tone="error").kwargs())

    def _form_opener(self, reply: Reply, text: str) -> Target | None:
        """A message cannot open a modal: offer a button that re-runs what was typed."""
        if reply.form is None:
            return None
        try:
            parsed = parse(self.core.registry, text)
        except GrammarError:
            return None
        return Target("run", parsed.command.name, parsed.args)

    async def on_member_join(self, member: discord.Member) -> None:
        if member.bot:
            return
        guild = member.guild
        channel = guild.system_channel.id if guild.system_channel else None
        caller = self.caller(member, guild_id=guild.id, channel_id=channel)
        try:
            await self.core.member_joined(MemberJoined(caller, channel_id=str(channel or "")))
        except Exception:
            log.exception("discord: welcome flow failed for %s in %s", member.id, guild.id)

    # -- interactions ------------------------------------------------------------------------
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        kind = interaction.type
        data: dict[str, Any] = dict(interaction.data or {})
        try:
            if kind is discord.InteractionType.application_command:
                await self._slash(interaction, data)
            elif kind is discord.InteractionType.autocomplete:
                await self._autocomplete(interaction, data)
            elif kind is discord.InteractionType.component:
                await self._component(interaction, data)
            elif kind is discord.InteractionType.modal_submit:
                await self._modal_submit(interaction, data)
        except Exception:
            log.exception("discord: %s interaction %s from %s in %s failed (%r)",
                          kind.name, interaction.id, interaction.user.id, interaction.guild_id,
                          {k: data.get(k) for k in ("name", "custom_id")})
            await self._apologise(interaction)

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
        command = invoked.leaf.command
        await self._run(interaction, command, invoked.args, modal_ok=True)

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
            await self._send(interaction, render.notice(GONE, tone="warning"))
            return
        if target.kind == "edit":
            await self._reopen(interaction, target)
            return
        if target.kind == "cancel":
            await interaction.response.edit_message(
                embeds=[discord.Embed(description="Cancelled; nothing was changed.",
                                             colour=render.COLOURS["info"])], view=None)
            return
        command = self.core.registry.get(target.command)
        if target.kind == "confirm":
            label = self._pressed_label(interaction, custom_id)
            await self._send(interaction, render.confirmation(
                f"{label} — `{command.name if command else target.command}`", target))
            return
        await self._run(interaction, command, dict(target.args), name=target.command,
                        modal_ok=True)

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
            await self._send(interaction, render.notice(GONE, tone="warning"))
            return
        token = self._draft_for.get((user_id, custom_id), "")
        if token in self._drafts:
            self._drafts[token].values.update(values)
        await self._submit(interaction, target.command, values, dict(target.args), token=token)

    async def _submit(self, interaction: discord.Interaction, command_name: str,
                      values: Mapping[str, str], hidden: dict[str, Any], *, token: str) -> None:
        """Run a form's command with what was typed (blank answers left to the defaults;
        the form's fixed values win over anything typed). Rejected answers come back with a
        button to fix them in the form, pre-filled."""
        args: dict[str, Any] = {k: v for k, v in values.items() if v.strip()}
        args.update(hidden)
        command = self.core.registry.get(command_name)
        reply = await self._in_time(interaction, CommandInvocation(
            self._interaction_caller(interaction), command_name, args, from_form=True), command)
        draft = self._drafts.get(token)
        extra: list[tuple[str, Target]] = []
        if reply.field_errors and draft is not None:
            pages = render.form_pages(draft.form)
            page = next((i for i, fields in enumerate(pages)
                         if any(f.name in reply.field_errors for f in fields)), 0)
            extra.append(("Edit your answers", Target("edit", token, {"p": page})))
        elif not reply.is_error:
            self._forget(token)
        await self._send(interaction, render.render(
            reply, ephemeral=render.is_private(reply, command), extra=extra))

    async def _reopen(self, interaction: discord.Interaction, target: Target) -> None:
        """Show a page of a drafted form again (the next page, or to fix answers)."""
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

    def _open_form(self, form: Form, user_id: str) -> render.StaticModal | None:
        """The first modal of a form, with a draft kept for its answers."""
        self._prune()
        token = secrets.token_urlsafe(9)
        self._drafts[token] = Draft(form, user_id, expires=time.monotonic() + DRAFT_SECONDS)
        if len(render.form_pages(form)) > 1:
            return render.modal(form, draft=token)
        modal = render.modal(form)
        if modal is not None:
            self._draft_for[(user_id, modal.custom_id)] = token
        return modal

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

    async def _run(self, interaction: discord.Interaction, command: Command | None,
                   args: dict[str, Any], *, name: str = "", modal_ok: bool = False) -> None:
        """Run a command as the person who interacted; answer within Discord's 3 seconds
        (deferring when the core is slower) and render whatever comes back."""
        caller = self._interaction_caller(interaction)
        invocation = CommandInvocation(caller, command.name if command else name, args)
        reply = await self._in_time(interaction, invocation, command)
        private = render.is_private(reply, command)
        origin = Target("run", invocation.command, args) if command else None
        if reply.form is not None and modal_ok and not interaction.response.is_done():
            modal = self._open_form(reply.form, caller.user_id)
            if modal is not None:
                await interaction.response.send_modal(modal)
                return
        await self._send(interaction, render.render(reply, ephemeral=private,
                                                    open_form=origin))

    async def _in_time(self, interaction: discord.Interaction, invocation: CommandInvocation,
                       command: Command | None) -> Reply:
        """The core's reply; if it is not ready within `defer_after_seconds` the interaction
        is deferred first (Discord drops interactions unanswered after 3 seconds)."""
        work: asyncio.Task[Reply] = asyncio.create_task(self.core.invoke(invocation))
        done, _ = await asyncio.wait({work}, timeout=self.settings.defer_after_seconds)
        if not done:
            private = not (command is not None and command.channel_reply)
            await interaction.response.defer(ephemeral=private, thinking=True)
        return await work

    async def _send(self, interaction: discord.Interaction, message: render.Message) -> None:
        if interaction.response.is_done():
            await interaction.followup.send(**message.kwargs(interaction=True))
        else:
            await interaction.response.send_message(**message.kwargs(interaction=True))

    async def _apologise(self, interaction: discord.Interaction) -> None:
        with contextlib.suppress(Exception):
            await self._send(interaction, render.notice(APOLOGY, tone="error"))

    def _spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- proactive delivery -------------------------------------------------------------------
    async def send(self, destination: Destination, reply: Reply) -> None:
        """Deliver from any copy (HTTP only; the gateway is not needed to post)."""
        client = self.rest
        if client is None:
            raise RuntimeError("the Discord adapter is not started")
        if destination.user_id:
            channel_id = self._dm_channels.get(destination.user_id)
            if channel_id is None:
                data = await client.http.start_private_message(int(destination.user_id))
                channel_id = int(data["id"])
                self._dm_channels[destination.user_id] = channel_id
        else:
            channel_id = int(destination.channel_id)
        channel = client.get_partial_messageable(channel_id)
        await channel.send(**render.render(reply).kwargs())

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
