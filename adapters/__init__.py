"""Platform adapters: each turns platform events into core events and renders replies.

`platform_adapters` is the one place that knows which adapters exist; platform libraries
are imported only when that platform is configured.
"""

from __future__ import annotations

from bot.core import Core
from bot.notifier import Adapter
from bot.settings import Settings


def platform_adapters(settings: Settings, core: Core) -> list[Adapter]:
    """Every chat-platform adapter that has credentials configured."""
    adapters: list[Adapter] = []
    if settings.discord.token:
        from adapters.discord.adapter import DiscordAdapter

        adapters.append(DiscordAdapter(core))
    if settings.slack.configured:
        from adapters.slack import SlackAdapter

        adapters.append(SlackAdapter(core))
    return adapters
