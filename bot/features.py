"""Every capability the bot has. Add a module here and every adapter gets its commands."""

from __future__ import annotations

from bot import (
    asking,
    backups,
    conversation,
    digest,
    expertise,
    help,
    introductions,
    linking,
    resources,
    teachmeets,
    web,
)
from bot.commands import Capability, CommandRegistry


def capabilities() -> list[Capability]:
    return [help.CAPABILITY, expertise.CAPABILITY, asking.CAPABILITY, introductions.CAPABILITY,
            resources.CAPABILITY, teachmeets.CAPABILITY, digest.CAPABILITY,
            web.CAPABILITY, conversation.CAPABILITY, linking.CAPABILITY,
            backups.capability()]


def build_registry() -> CommandRegistry:
    """Raises DuplicateCommandError at start-up if two commands claim one name."""
    return CommandRegistry.from_capabilities(capabilities())
