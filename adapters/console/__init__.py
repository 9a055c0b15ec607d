"""The terminal adapter: a local chat with the bot, interactive or one command a line."""

from adapters.console.adapter import ConsoleAdapter

__all__ = ["ConsoleAdapter"]
