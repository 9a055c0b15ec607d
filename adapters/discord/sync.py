"""`staffroom discord-sync`: register the generated slash commands with Discord.

An explicit step rather than something every start does, because Discord rate-limits
command registration; on start the leader only compares and logs when they differ.
"""

from __future__ import annotations

from adapters.discord.adapter import make_client
from adapters.discord.commands import SlashCommands
from bot.commands import CommandRegistry
from bot.settings import DiscordSettings


async def sync_commands(settings: DiscordSettings, registry: CommandRegistry,
                        guild_id: str | None = None) -> tuple[str, int]:
    """Overwrite the application's commands (globally, or in one guild, which is instant);
    returns where they went and how many top-level commands there are now."""
    payload = SlashCommands(registry).payload()
    client = make_client(settings)
    try:
        await client.login(settings.token)
        app_id = client.application_id
        assert app_id is not None  # set by login from the application's own record
        if guild_id:
            await client.http.bulk_upsert_guild_commands(app_id, int(guild_id), payload)
            return f"guild {guild_id}", len(payload)
        await client.http.bulk_upsert_global_commands(app_id, payload)
        return "global (may take up to an hour to appear everywhere)", len(payload)
    finally:
        await client.close()
