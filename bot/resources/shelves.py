"""Local shelves: a pin is on one space's shelf or on the network's.

A space's moderators publish to and moderate their own shelf only; network moderators
(`[network] moderators`, and the console's) publish to the network's shelf, promote a
space's pin to it, and may moderate any shelf. Members see their space's shelf first, then
the network's. Every moderation command checks the pin's shelf here, however the request
arrived (typed, a button, a form, a hand-made payload).
"""

from __future__ import annotations

from bot.context import Context
from bot.errors import NotAllowed
from bot.settings import Settings
from storage.models import Pin
from storage.repositories.resources import NETWORK, Shelf


def shelf_here(ctx: Context) -> Shelf:
    """The caller's space's shelf; the console (no space of its own) has the network's."""
    if ctx.caller.platform == "console":
        return NETWORK
    return (ctx.caller.platform, ctx.caller.space_id)


def visible_shelves(ctx: Context) -> list[Shelf]:
    """What `pins` shows: this space's shelf first, then the network's."""
    return list(dict.fromkeys([shelf_here(ctx), NETWORK]))


def shelf_name(settings: Settings, shelf: Shelf, here: Shelf | None = None) -> str:
    """"Camden ed-tech's shelf", "the network's shelf"; a space with no configured name is
    "this space's shelf" to its own members."""
    if shelf == NETWORK:
        return "the network's shelf"
    space = settings.space(*shelf)
    if (space is None or not space.name) and shelf == here:
        return "this space's shelf"
    return f"{settings.space_label(*shelf)}'s shelf"


def name_for(ctx: Context, shelf: Shelf) -> str:
    """A shelf's name as the caller reads it."""
    return shelf_name(ctx.settings, shelf, shelf_here(ctx))


async def may_moderate(ctx: Context, pin: Pin) -> bool:
    """Network moderators may moderate any shelf; a space's moderators only theirs."""
    if ctx.is_network_moderator():
        return True
    return pin.shelf == shelf_here(ctx) and pin.shelf != NETWORK \
        and await ctx.is_space_moderator()


async def require_shelf(ctx: Context, pin: Pin, what: str) -> None:
    """Refuse (and audit the refusal) unless the caller may moderate the pin's shelf."""
    if not await may_moderate(ctx, pin):
        raise NotAllowed(f"Pin #{pin.id} is on {shelf_name(ctx.settings, pin.shelf)}: only "
                         f"its moderators or network moderators can {what} it.")


async def may_publish(ctx: Context, shelf: Shelf) -> bool:
    if ctx.is_network_moderator():
        return True
    return shelf == shelf_here(ctx) and shelf != NETWORK and await ctx.is_space_moderator()
