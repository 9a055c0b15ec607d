"""Terminal rendering: the core's plain text, with a marker for errors and deliveries."""

from __future__ import annotations

from bot.notifier import Destination
from bot.render_text import render_text
from bot.replies import Reply


def render(reply: Reply) -> str:
    body = render_text(reply)
    return f"! {body}" if reply.is_error else body


def render_delivery(destination: Destination, reply: Reply) -> str:
    where = f"@{destination.user_id}" if destination.user_id else f"#{destination.channel_id}"
    body = "\n".join(f"  {line}" for line in render_text(reply).splitlines())
    return f"[{destination.platform} {destination.space_id} → {where}]\n{body}"
