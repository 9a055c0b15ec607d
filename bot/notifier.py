"""Proactive messages (reminders, digests, DMs) go to an explicit destination.

A `Notifier` routes each message to the adapter for its platform. Adapters implement the
small `Adapter` protocol; optional capabilities have defaults in `AdapterBase`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.replies import Reply

log = logging.getLogger(__name__)

THREAD_NAME_MAX = 100
"""Discord's limit on a thread's name, the strictest of the platforms that name threads."""


@dataclass(frozen=True)
class Destination:
    """A channel (channel_id) or a person's direct messages (user_id) in one space; with
    `thread_id`, a reply in that thread of the channel (a reference from `open_thread`)."""

    platform: str
    space_id: str
    channel_id: str = ""
    user_id: str = ""
    thread_id: str = ""

    def __post_init__(self) -> None:
        if bool(self.channel_id) == bool(self.user_id):
            raise ValueError("a destination is either a channel or a user, not both/neither")
        if self.thread_id and not self.channel_id:
            raise ValueError("a thread belongs to a channel")


@dataclass(frozen=True)
class Posted:
    """Where a sent message landed, in the platform's own ids: enough to open a thread on
    it later (a Slack `ts`, a Discord message id)."""

    platform: str
    space_id: str
    channel_id: str
    message_id: str


@runtime_checkable
class Adapter(Protocol):
    platform: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, destination: Destination, reply: Reply) -> Posted | None: ...


class AdapterBase:
    """Defaults for the optional capabilities an adapter may offer."""

    platform: str = ""

    async def open_thread(self, posted: Posted, name: str) -> Destination | None:
        """Where replies to this message go, in a thread under it (`name` ≤ THREAD_NAME_MAX
        where the platform shows one); None if the platform has no threads."""
        return None

    async def open_group(self, space_id: str, user_ids: list[str]) -> Destination | None:
        """Open a group conversation with these people; None if the platform cannot."""
        return None


class DeliveryError(RuntimeError):
    """No adapter could deliver a message (platform not running, or the send failed)."""


class Undeliverable(DeliveryError):
    """The platform refused this message for good: the member does not accept direct
    messages, the bot is not in the channel, the account is gone. Retrying will not help;
    `reason` is a sentence a member can act on ("They don't accept direct messages from
    server members on Discord.")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Notifier:
    def __init__(self) -> None:
        self._adapters: dict[str, Adapter] = {}

    def register(self, adapter: Adapter) -> None:
        self._adapters[adapter.platform] = adapter

    def unregister(self, adapter: Adapter) -> None:
        if self._adapters.get(adapter.platform) is adapter:
            del self._adapters[adapter.platform]

    def can_reach(self, platform: str) -> bool:
        return platform in self._adapters

    async def send(self, destination: Destination, reply: Reply) -> Posted | None:
        """Deliver; where it landed, when the platform says (None when it cannot)."""
        adapter = self._adapters.get(destination.platform)
        if adapter is None:
            raise DeliveryError(f"no running adapter for {destination.platform!r}")
        return await adapter.send(destination, reply)

    async def open_thread(self, posted: Posted, name: str) -> Destination | None:
        """A thread under a posted message; None when its platform is not running here
        or has no threads. The platform's refusals propagate."""
        adapter = self._adapters.get(posted.platform)
        opener = getattr(adapter, "open_thread", None)
        return await opener(posted, name[:THREAD_NAME_MAX]) if opener else None

    async def open_group(self, platform: str, space_id: str,
                         user_ids: list[str]) -> Destination | None:
        adapter = self._adapters.get(platform)
        opener = getattr(adapter, "open_group", None)
        return await opener(space_id, user_ids) if opener else None
