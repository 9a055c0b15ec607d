"""What a handler gets: the caller, the app's services and this command's unit of work."""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotAllowed
from bot.events import Caller
from bot.metrics import Metrics
from bot.notifier import Destination, Notifier, Posted, Undeliverable
from bot.replies import Reply
from storage.models import AuditEntry, Member
from storage.repositories.directory import DirectoryRepository, ModeratorRepository
from storage.search import SearchIndex, Viewer

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.commands import CommandRegistry
    from bot.settings import Settings
    from storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Built once in `main` (or a test fixture) and shared by every command and job."""

    settings: Settings
    db: Database
    search: SearchIndex
    clock: Clock
    notifier: Notifier
    registry: CommandRegistry
    rng: random.Random = field(default_factory=random.Random)
    """Chance, injectable: tests seed it (the teach-meet "fruit machine" draw)."""
    metrics: Metrics = field(default_factory=Metrics)
    """What `/metrics` reports: commands, errors, deliveries, search latency."""


IfUndeliverable = Callable[[Undeliverable], Awaitable[Reply | None]]
OnSent = Callable[[Posted | None], Awaitable[None]]
"""Runs when a queued message is refused for good, after the command's unit of work has
committed: it puts right whatever assumed the message would arrive (in a unit of work of its
own) and may return the answer the caller gets instead of the command's reply."""


@dataclass(frozen=True)
class Notice:
    """A proactive message queued by a command, sent once the command has committed."""

    destination: Destination
    reply: Reply
    about: str = ""
    """Whom or what it was for, as the caller would say it ("erin", "the introductions
    channel"), to tell the caller if it cannot be delivered."""
    if_undeliverable: IfUndeliverable | None = None
    instead: tuple[Destination, Reply] | None = None
    """Sent in its place if it cannot be (a channel post standing in for a thread reply
    whose thread was deleted)."""
    on_sent: OnSent | None = None
    """Told where it landed once it has (to open a thread under it)."""


class Account(Protocol):
    platform: str
    space_id: str
    user_id: str


def actor_label(account: Account) -> str:
    """How the audit log names who acted: a caller, or a stored identity of theirs."""
    return f"{account.platform}:{account.space_id}:{account.user_id}"


def caller_is_network_moderator(services: Services, caller: Caller) -> bool:
    """`[network] moderators` / `moderator_groups` (as platform:space:id), or a console
    moderator (the operator at the terminal)."""
    settings = services.settings
    if caller.platform == "console" and caller.user_id in settings.console.moderators:
        return True
    where = f"{caller.platform}:{caller.space_id}:"
    return where + caller.user_id in settings.network.moderators or any(
        where + role in settings.network.moderator_groups for role in caller.roles)


async def caller_is_moderator(services: Services, session: AsyncSession, caller: Caller) -> bool:
    """A network moderator, or one of the caller's space: configured user IDs or
    groups/roles for the space, or the moderators table."""
    if caller_is_network_moderator(services, caller):
        return True
    return await caller_is_space_moderator(services, session, caller)


async def caller_is_space_moderator(services: Services, session: AsyncSession,
                                    caller: Caller) -> bool:
    """A moderator of the caller's own space (who looks after its shelf of the library)."""
    space = services.settings.space(caller.platform, caller.space_id)
    if space is not None and (caller.user_id in space.moderators
                              or caller.roles & set(space.moderator_groups)):
        return True
    return await ModeratorRepository(session).exists(caller.platform, caller.space_id,
                                                     caller.user_id)


class Context:
    """One command's view of the world. Its unit of work is opened on first use of
    `session`, so commands that never touch the database (help, most errors) cost no
    session; `finish` ends it. A caller that manages its own session passes it in."""

    def __init__(self, *, caller: Caller, services: Services, command: str,
                 session: AsyncSession | None = None) -> None:
        self.caller = caller
        self.services = services
        self.command = command
        self.outbox: list[Notice] = []
        self._session = session
        self._owns_session = session is None
        self._member: Member | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self.services.db.sessions()
        return self._session

    @property
    def has_session(self) -> bool:
        """Whether the command has used the database so far."""
        return self._session is not None

    async def finish(self, *, commit: bool) -> None:
        """End the unit of work this context opened (if it opened one): commit it, or
        roll it back; a session passed in is left to its owner."""
        if self._session is None or not self._owns_session:
            return
        session, self._session = self._session, None
        try:
            if commit:
                await session.commit()
        finally:
            await session.close()

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def directory(self) -> DirectoryRepository:
        return DirectoryRepository(self.session, self.services.search)

    def now(self) -> datetime:
        return self.services.clock.now()

    async def member(self) -> Member:
        """The caller's member record, created on first contact."""
        if self._member is None:
            self._member = await self.directory.member_for_identity(
                self.caller.platform, self.caller.space_id, self.caller.user_id,
                display_name=self.caller.display_name,
                default_privacy=self.settings.network.default_privacy,
                default_region=self.settings.group_of(self.caller.platform,
                                                      self.caller.space_id))
        return self._member

    def refresh_member(self) -> None:
        """Look the caller's member up again on next use (their profile was merged)."""
        self._member = None

    async def viewer(self) -> Viewer:
        member = await self.directory.find_by_identity(
            self.caller.platform, self.caller.space_id, self.caller.user_id)
        return Viewer(self.caller.platform, self.caller.space_id,
                      member.id if member else None)

    async def is_moderator(self) -> bool:
        return await caller_is_moderator(self.services, self.session, self.caller)

    def is_network_moderator(self) -> bool:
        return caller_is_network_moderator(self.services, self.caller)

    async def is_space_moderator(self) -> bool:
        return await caller_is_space_moderator(self.services, self.session, self.caller)

    async def require_moderator(self, what: str) -> None:
        if not await self.is_moderator():
            raise NotAllowed(f"Only moderators can {what}.")

    def notify(self, destination: Destination, reply: Reply, *, about: str = "",
               if_undeliverable: IfUndeliverable | None = None,
               instead: tuple[Destination, Reply] | None = None,
               on_sent: OnSent | None = None) -> None:
        """Queue a proactive message; it is sent only after this command commits. If it
        cannot be, `instead` is tried; if that fails too (or there is none) and the
        platform refused for good, the caller is told (naming it by `about`), and
        `if_undeliverable` may undo what counted on it arriving. `on_sent` learns where
        it landed."""
        self.outbox.append(Notice(destination, reply, about, if_undeliverable, instead,
                                  on_sent))

    def audit(self, action: str, target: str, *, before: dict[str, Any] | None = None,
              after: dict[str, Any] | None = None) -> None:
        self.session.add(AuditEntry(at=self.now(), actor=actor_label(self.caller),
                                    action=action, target=target, before=before, after=after))
