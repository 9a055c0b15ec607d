"""Teach-meets: events, RSVPs with a waitlist, presenter slots, reminders and calendars.

`CAPABILITY` is loaded on first use, so `staffroom when` (bot.teachmeets.cli) starts
without the command machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.commands import Capability

    CAPABILITY: Capability

__all__ = ["CAPABILITY"]


def __getattr__(name: str) -> Any:
    if name == "CAPABILITY":
        from bot.teachmeets.commands import CAPABILITY

        return CAPABILITY
    raise AttributeError(name)
