"""Teach-meets: events, RSVPs with a waitlist, presenter slots, reminders and calendars."""

from bot.teachmeets.commands import CAPABILITY

__all__ = ["CAPABILITY"]
