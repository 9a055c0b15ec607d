"""Ask the network: a question goes privately to a few people who have done the thing."""

from bot.asking.commands import CAPABILITY

__all__ = ["CAPABILITY"]
