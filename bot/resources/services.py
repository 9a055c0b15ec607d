"""The library's timed work and its part of the weekly digest.

Link checking uses the one due-work mechanism: a planner plans one `link-check` item per
interval (the same key from every copy of the bot), and the handler checks one polite
batch, so two copies never check the same batch twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from apscheduler.triggers.interval import IntervalTrigger

from bot.replies import Block, Context, ItemList, ListItem
from bot.resources.links import AiohttpProbe, check_links
from bot.resources.replies import pin_summary
from bot.resources.shelves import shelf_name
from storage.repositories.due_work import DueWorkRepository
from storage.repositories.resources import NETWORK, PinRepository

if TYPE_CHECKING:
    from bot.commands import DigestRequest
    from bot.context import Services
    from scheduled import Scheduler
    from storage.models import DueWork

LINK_CHECK = "link-check"
DIGEST_PINS_SHOWN = 15


async def digest_section(request: DigestRequest) -> list[Block]:
    """What reached the space's own shelf in the digest's period, then the network's
    highlights (published on, or promoted to, the network's shelf); oldest first in each,
    nothing when both are empty."""
    repo = PinRepository(request.session)
    settings = request.services.settings
    space = (request.platform, request.space_id)
    blocks: list[Block] = []
    for shelf, title in ((space, f"New on {shelf_name(settings, space, space)}"),
                         (NETWORK, "Network highlights")):
        if shelf == space and space == NETWORK:
            continue
        pins = await repo.published_between(request.since, request.until, shelf=shelf)
        if not pins:
            continue
        shown = pins[:DIGEST_PINS_SHOWN]
        blocks.append(ItemList(tuple(ListItem(p.title, pin_summary(p)) for p in shown),
                               title=f"{title} ({len(pins)})"))
        if len(pins) > len(shown):
            blocks.append(Context(f"…and {len(pins) - len(shown)} more: say `pins` to "
                                  "browse."))
    return blocks


async def plan_link_check(services: Services) -> None:
    """Plan this interval's batch; every copy plans the same key, so it runs once."""
    cfg = services.settings.resources.link_check
    if not cfg.enabled:
        return
    now = services.clock.now()
    interval = int(cfg.every_minutes * 60)
    bucket = int(now.timestamp()) // max(interval, 1)
    async with services.db.unit_of_work() as session:
        await DueWorkRepository(session).plan(LINK_CHECK, f"{LINK_CHECK}:{bucket}", now)


async def run_link_check(services: Services, _work: DueWork) -> None:
    async with AiohttpProbe(services.settings.resources.link_check) as probe:
        await check_links(services, probe)


def schedule(scheduler: Scheduler) -> None:
    cfg = scheduler.services.settings.resources.link_check
    scheduler.handle(LINK_CHECK, run_link_check, grace=timedelta(minutes=cfg.every_minutes))
    scheduler.every("link-check-planner", IntervalTrigger(minutes=cfg.every_minutes),
                    plan_link_check)
