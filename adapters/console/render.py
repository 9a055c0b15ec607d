"""Terminal rendering: the core's plain text, with a marker for errors and deliveries."""

from __future__ import annotations

from bot.notifier import Destination
from bot.render_text import render_text
from bot.replies import Reply


def render(reply: Reply) -> str:
    body = render_text(reply)
    return f"! {body}" if reply.is_error else body


def render_delivery(destination: Destination, reply: Reply, *, thread: str = "") -> str:
    """A message sent somewhere; in a `thread` (its name), indented under "in reply to"."""
    where = f"@{destination.user_id}" if destination.user_id else f"#{destination.channel_id}"
    indent = "    " if thread else "  "
    body = "\n".join(f"{indent}{line}" for line in render_text(reply).splitlines())
    above = f"\n  ↳ in reply to {thread[:1].lower()}{thread[1:]}" if thread else ""
    return f"[{destination.platform} {destination.space_id} → {where}]{above}\n{body}"
