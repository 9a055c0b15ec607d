"""`staffroom slack-manifest`: a complete Slack app manifest built from the command registry,
so the slash commands Slack knows are always the ones this build of the bot answers."""

from __future__ import annotations

from typing import Any

from adapters.slack.entry import MAIN_COMMAND, active_aliases
from bot.commands import CommandRegistry

BOT_SCOPES = (
    "app_mentions:read",   # app_mention events
    "channels:read",       # member_joined_channel in public channels
    "chat:write",          # replies, reminders, digests
    "commands",            # slash commands
    "files:write",         # .ics files and other attachments
    "groups:read",         # member_joined_channel in private channels
    "im:history",          # message.im: direct messages to the bot
    "im:read",
    "im:write",            # opening DMs
    "mpim:write",          # opening group DMs for introductions
    "usergroups:read",     # moderator user groups
    "users:read",          # team_join
)
BOT_EVENTS = ("app_home_opened", "app_mention", "member_joined_channel", "message.im",
              "team_join")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def build_manifest(registry: CommandRegistry, *, name: str, url: str | None,
                   socket_mode: bool) -> dict[str, Any]:
    """The manifest; with `url` (HTTP mode) every request URL is `<url>/slack/events`."""
    endpoint = f"{url.rstrip('/')}/slack/events" if url and not socket_mode else None
    words = sorted({c.name.split()[0] for c in registry.visible()})
    commands = [{"command": MAIN_COMMAND,
                 "description": _clip(f"Ask {name}: {', '.join(words)}", 100),
                 "usage_hint": "help | whodone chromebooks in Wales | ...",
                 "should_escape": True}]
    for slash, word in sorted(active_aliases(registry).items()):
        command = registry.get(word)
        summary = command.summary if command else f"{word} commands"
        usage = command.usage_line().removeprefix(command.name).strip() if command else ""
        commands.append({"command": slash, "description": _clip(summary, 100),
                         "usage_hint": _clip(usage or "help", 100), "should_escape": True})
    if endpoint:
        for command in commands:
            command["url"] = endpoint
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if endpoint:
        events["request_url"] = endpoint
        interactivity["request_url"] = endpoint
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": _clip(name, 35),
            "description": "Find the colleague who has already done the thing.",
            "long_description": _clip(
                f"{name} connects a network of practitioners: log what you have done, find "
                "who has done what (\"/whodone chromebooks in Wales\"), introduce yourself, "
                "meet at teach-meets and share resources. Say `/staffroom help` to start, "
                "or mention the bot in plain language.", 4000).ljust(175),
            "background_color": "#2c4a6e",
        },
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": False},
            "bot_user": {"display_name": _clip(name, 80), "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }
