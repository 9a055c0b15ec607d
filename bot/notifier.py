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


@dataclass(frozen=True)
class Destination:
    """A channel (channel_id) or a person's direct messages (user_id) in one space."""

    platform: str
    space_id: str
    channel_id: str = ""
    user_id: str = ""

    def __post_init__(self) -> None:
        if bool(self.channel_id) == bool(self.user_id):
            raise ValueError("a destination is either a channel or a user, not both/neither")


@runtime_checkable
class Adapter(Protocol):
    platform: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, destination: Destination, reply: Reply) -> None: ...


class AdapterBase:
    """Defaults for the optional capabilities an adapter may offer."""

    platform: str = ""

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

    async def send(self, destination: Destination, reply: Reply) -> None:
        adapter = self._adapters.get(destination.platform)
        if adapter is None:
            raise DeliveryError(f"no running adapter for {destination.platform!r}")
        await adapter.send(destination, reply)

    async def open_group(self, platform: str, space_id: str,
                         user_ids: list[str]) -> Destination | None:
        adapter = self._adapters.get(platform)
        opener = getattr(adapter, "open_group", None)
        return await opener(space_id, user_ids) if opener else None
