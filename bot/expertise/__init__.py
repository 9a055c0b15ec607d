""""Who's done X": members log what they have done; anyone can find who has done a thing."""

from bot.expertise.commands import CAPABILITY

__all__ = ["CAPABILITY"]
