"""The resource library: pins, suggestions and their moderation, search, link health."""

from bot.resources.commands import CAPABILITY

__all__ = ["CAPABILITY"]
