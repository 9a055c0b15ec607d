"""Slack: slash commands, mentions, DMs, Block Kit, modals and App Home over slack-bolt."""

from adapters.slack.adapter import SlackAdapter

__all__ = ["SlackAdapter"]
