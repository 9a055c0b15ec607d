"""Linked accounts: one person, one profile across Slack, Discord and several spaces.

`link` gives a one-time code; `link CODE`, said from another account of the same person in
a direct message and confirmed there, joins the two members into one (`merge`). `link list`,
`link cancel` and `unlink` look after the result; operators link from the command line
(`bot.linking.cli`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.commands import Capability

    CAPABILITY: Capability


def __getattr__(name: str) -> Any:
    """`CAPABILITY` is loaded on first use, so `bot.linking.cli` (the `staffroom link`
    subcommands) can be imported without the whole capability."""
    if name == "CAPABILITY":
        from bot.linking.commands import CAPABILITY

        return CAPABILITY
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CAPABILITY"]
