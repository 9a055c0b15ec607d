"""The weekly digest: one post per space, in its announcements channel, made of the sections
every capability contributes (`Capability.digest`); nothing is sent when all are empty.

Timing uses the one due-work mechanism: a planner (run every `[digest] plan_every_minutes`)
plans a `digest` item per (space, ISO week) at the space's day and time in the network time
zone; the `digest` handler builds and sends it. Every copy of the bot plans the same keys,
so a digest is sent once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.triggers.interval import IntervalTrigger

from bot.commands import Capability, DigestRequest
from bot.notifier import Destination
from bot.replies import Block, Context, Reply, Section
from bot.settings import WEEKDAYS
from storage.repositories.due_work import DueWorkRepository

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.context import Services
    from bot.settings import Settings, SpaceSettings
    from scheduled import Scheduler
    from storage.models import DueWork

log = logging.getLogger(__name__)

KIND = "digest"
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Occurrence:
    """One space's digest in one week: sent at `until`, covering [since, until)."""

    platform: str
    space_id: str
    since: datetime
    until: datetime
    week: str
    """ISO week of the local send date, e.g. "2026-W46"."""

    @property
    def key(self) -> str:
        return f"{KIND}:{self.platform}:{self.space_id}:{self.week}"


def _when(settings: Settings, platform: str, space_id: str) -> tuple[int, time, ZoneInfo]:
    space = settings.space(platform, space_id)
    day = (space.digest_day if space and space.digest_day else settings.digest.day)
    clock = (space.digest_time if space and space.digest_time else settings.digest.time)
    hour, minute = (int(part) for part in clock.split(":"))
    return WEEKDAYS.index(day), time(hour, minute), ZoneInfo(settings.network.timezone)


def _at(local_day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(local_day, at, tzinfo=zone).astimezone(ZoneInfo("UTC"))


def occurrence_in_week(settings: Settings, platform: str, space_id: str,
                       local_day: date) -> Occurrence:
    """The digest of the week (Monday to Sunday, local) that contains `local_day`."""
    weekday, at, zone = _when(settings, platform, space_id)
    send_day = local_day - timedelta(days=local_day.weekday()) + timedelta(days=weekday)
    until = _at(send_day, at, zone)
    since = _at(send_day - WEEK, at, zone)
    year, week, _ = send_day.isocalendar()
    return Occurrence(platform, space_id, since, until, f"{year}-W{week:02d}")


def next_occurrence(settings: Settings, platform: str, space_id: str,
                    now: datetime) -> Occurrence:
    """The first digest strictly after `now`."""
    local_today = now.astimezone(ZoneInfo(settings.network.timezone)).date()
    this_week = occurrence_in_week(settings, platform, space_id, local_today)
    if this_week.until > now:
        return this_week
    return occurrence_in_week(settings, platform, space_id, local_today + WEEK)


def digest_spaces(settings: Settings) -> list[SpaceSettings]:
    """Spaces that get a digest: those with an announcements channel."""
    return [s for s in settings.spaces if s.announcements_channel]


async def plan_digests(services: Services) -> None:
    """Plan each space's next digest (and a just-missed one still within the grace)."""
    settings = services.settings
    if not settings.digest.enabled:
        return
    now = services.clock.now()
    grace = timedelta(seconds=settings.scheduler.grace_seconds)
    async with services.db.unit_of_work() as session:
        repo = DueWorkRepository(session)
        for space in digest_spaces(settings):
            upcoming = next_occurrence(settings, space.platform, space.id, now)
            wanted = [upcoming]
            sent_on = upcoming.until.astimezone(ZoneInfo(settings.network.timezone)).date()
            previous = occurrence_in_week(settings, space.platform, space.id, sent_on - WEEK)
            if timedelta(0) <= now - previous.until <= grace:
                wanted.append(previous)
            for item in wanted:
                await repo.plan(KIND, item.key, item.until, {
                    "platform": item.platform, "space_id": item.space_id,
                    "since": item.since.isoformat(), "until": item.until.isoformat()})


async def build_digest(services: Services, session: AsyncSession, platform: str,
                       space_id: str, since: datetime, until: datetime) -> Reply | None:
    """The digest post, or None when no capability has anything new for the period."""
    from bot.features import capabilities

    request = DigestRequest(services=services, session=session, platform=platform,
                            space_id=space_id, since=since, until=until)
    blocks: list[Block] = []
    for capability in capabilities():
        if capability.digest is None:
            continue
        try:
            blocks.extend(await capability.digest(request))
        except Exception:
            log.exception("the %s digest section failed for %s:%s; left out",
                          capability.name, platform, space_id)
    if not blocks:
        return None
    zone = ZoneInfo(services.settings.network.timezone)
    period = (f"{since.astimezone(zone):%d %b} to "
              f"{(until - timedelta(seconds=1)).astimezone(zone):%d %b %Y}")
    name = services.settings.network.name
    return Reply(blocks=(Section(title=f"{name} weekly digest", text=f"What's new, {period}."),
                         *blocks,
                         Context("Say `help` to see everything I can do.")),
                 visibility="channel")


async def send_digest(services: Services, work: DueWork) -> None:
    payload = work.payload
    platform, space_id = payload["platform"], payload["space_id"]
    space = services.settings.space(platform, space_id)
    if space is None or not space.announcements_channel:
        log.warning("digest %s: %s:%s has no announcements channel any more; not sent",
                    work.key, platform, space_id)
        return
    since = datetime.fromisoformat(payload["since"])
    until = datetime.fromisoformat(payload["until"])
    async with services.db.sessions() as session:
        reply = await build_digest(services, session, platform, space_id, since, until)
    if reply is None:
        log.info("digest %s: nothing new, nothing sent", work.key)
        return
    await services.notifier.send(
        Destination(platform, space_id, channel_id=space.announcements_channel), reply)


async def preview(services: Services, platform: str, space_id: str
                  ) -> tuple[Occurrence, Reply | None]:
    """The next digest for a space as it would be sent now (None: nothing to send)."""
    upcoming = next_occurrence(services.settings, platform, space_id, services.clock.now())
    async with services.db.sessions() as session:
        reply = await build_digest(services, session, platform, space_id, upcoming.since,
                                   upcoming.until)
    return upcoming, reply


def schedule(scheduler: Scheduler) -> None:
    minutes = scheduler.services.settings.digest.plan_every_minutes
    scheduler.handle(KIND, send_digest)
    scheduler.every("digest-planner", IntervalTrigger(minutes=minutes), plan_digests)


CAPABILITY = Capability(name="digest", schedule=schedule)
