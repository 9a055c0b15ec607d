""""Who's done X": members log what they have done; anyone can find who has done a thing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.commands import Capability

    CAPABILITY: Capability


def __getattr__(name: str) -> Any:
    """`CAPABILITY` is loaded on first use, so `bot.expertise.cli` (the `staffroom db
    reindex` subcommand) can be imported without the whole capability."""
    if name == "CAPABILITY":
        from bot.expertise.commands import CAPABILITY

        return CAPABILITY
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CAPABILITY"]
