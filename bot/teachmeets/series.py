"""Repeating teach-meets: a rule, and one TeachMeet row per meeting.

Each meeting is an ordinary teach-meet (its own RSVPs, waitlist, talks and reminders, sent
exactly once by the one due-work mechanism); the series keeps the rule and what a new
meeting copies. Meetings are made `[teachmeets] series_horizon_days` ahead; due work
("teachmeet.series", one item per series and round) adds the next ones as time passes, so
an open-ended series never needs rows for years to come. The unique (series, recurrence
id) pair means a meeting is never made twice, whichever copy of the bot makes it.

Changing "this and later meetings" splits the series: the old one ends (UNTIL) before the
meeting, and a new series, with a rule fitted to the new start, carries on from there with
the same meeting rows (so their RSVPs stay).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.teachmeets.reader import (
    MAX_REPEATS,
    RRULE_DAYS,
    Repeat,
    describe_rule,
    nth_weekday,
    rule_parts,
)
from storage.models import DueWork, TeachMeet, TeachMeetSeries
from storage.repositories.due_work import DueWorkRepository
from storage.repositories.teachmeets import TeachMeetRepository

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.context import Services
    from bot.settings import Settings
    from scheduled import Scheduler

log = logging.getLogger(__name__)

SERIES_KIND = "teachmeet.series"
OPEN_ENDED_LIMIT = 10_000
"""Meetings an open-ended series may reach (a weekly one: about 190 years)."""
TEMPLATE_FIELDS = ("title", "description", "venue", "online_url", "region", "capacity",
                   "slots", "duration_minutes", "platform", "space_id", "channel_id")
_RULE = re.compile(
    r"FREQ=(?:WEEKLY;INTERVAL=[12];BYDAY=(?:MO|TU|WE|TH|FR|SA|SU)(?:,(?:MO|TU|WE|TH|FR|SA|SU))*"
    r"|MONTHLY;BYDAY=(?:-1|[1-5])(?:MO|TU|WE|TH|FR|SA|SU)|MONTHLY;BYMONTHDAY=(?:[1-9]|1\d|2[0-8]))"
    r"(?:;UNTIL=\d{8}T\d{6}Z|;COUNT=\d{1,3})?")


def valid_rule(rule: str) -> bool:
    """Only the rules the reader makes (buttons carry them; typed ones are checked)."""
    return _RULE.fullmatch(rule) is not None


def extend_key(series_id: int, due: datetime) -> str:
    return f"teachmeet-series:{series_id}:extend:{due:%Y%m%dT%H%M}"


def extend_prefix(series_id: int) -> str:
    return f"teachmeet-series:{series_id}:"


def repeat_of(series: TeachMeetSeries) -> Repeat:
    first = series.first_start.astimezone(ZoneInfo(series.timezone))
    return Repeat(series.rule, describe_rule(series.rule, first))


def template_of(meet: TeachMeet) -> dict[str, Any]:
    return {name: getattr(meet, name) for name in TEMPLATE_FIELDS}


def _meeting(series: TeachMeetSeries, start: datetime, now: datetime) -> TeachMeet:
    t = series.template
    return TeachMeet(
        title=t["title"], description=t["description"], organiser_id=series.organiser_id,
        platform=t["platform"], space_id=t["space_id"], channel_id=t["channel_id"],
        starts_at=start, duration_minutes=t["duration_minutes"], timezone=series.timezone,
        venue=t["venue"], online_url=t["online_url"], region=t["region"],
        capacity=t["capacity"], slots=list(t["slots"]), status="scheduled", cancel_reason="",
        sequence=0, series_id=series.id, recurrence_id=start, created_at=now, updated_at=now)


async def start_series(session: AsyncSession, settings: Settings, first: TeachMeet,
                       repeat: Repeat, now: datetime) -> TeachMeetSeries:
    """Make a series whose first meeting is `first` (not yet added), and its meetings up
    to the horizon."""
    series = TeachMeetSeries(
        organiser_id=first.organiser_id, rule=repeat.rule, first_start=first.starts_at,
        timezone=first.timezone, template=template_of(first), planned_until=first.starts_at,
        status="active", sequence=0, created_at=now, updated_at=now)
    await TeachMeetRepository(session).add_series(series)
    await extend(session, settings, series, now)
    return series


async def extend(session: AsyncSession, settings: Settings, series: TeachMeetSeries,
                 now: datetime) -> list[TeachMeet]:
    """Make the meetings up to the horizon that do not exist yet, plan their reminders and
    the next extension; returns the meetings made."""
    from bot.teachmeets.services import plan_reminders

    if series.status != "active":
        return []
    repo = TeachMeetRepository(session)
    # at least the first meeting, however far ahead the series starts
    horizon = max(now + timedelta(days=settings.teachmeets.series_horizon_days),
                  series.first_start)
    zone = ZoneInfo(series.timezone)
    first = series.first_start.astimezone(zone)
    starts = repeat_of(series).starts(first, horizon, limit=OPEN_ENDED_LIMIT)
    existing = {m.recurrence_id for m in await repo.meetings(series.id)}
    made = []
    for start in starts:
        when = start.astimezone(UTC)
        if when in existing or when <= now:
            continue
        meeting = _meeting(series, when, now)
        session.add(meeting)
        made.append(meeting)
    await session.flush()
    for meeting in made:
        await plan_reminders(session, settings, meeting, now)
    series.planned_until = max(series.planned_until, horizon)
    more = repeat_of(series).starts(first, horizon + timedelta(days=400),
                                    limit=len(starts) + 1)
    if len(more) > len(starts):
        due = now + timedelta(days=settings.teachmeets.series_horizon_days / 2)
        await DueWorkRepository(session).plan(SERIES_KIND, extend_key(series.id, due), due,
                                               {"series_id": series.id})
    return made


async def _extend_due(services: Services, work: DueWork) -> None:
    """The due-work handler: add the next meetings of one series."""
    async with services.db.unit_of_work() as session:
        series = await TeachMeetRepository(session).series(int(work.payload["series_id"]),
                                                           lock=True)
        if series is None or series.status != "active":
            return
        made = await extend(session, services.settings, series, services.clock.now())
        log.info("series %s: %d more meetings", series.id, len(made))


def register(scheduler: Scheduler) -> None:
    scheduler.handle(SERIES_KIND, _extend_due, grace=timedelta(days=3650))


async def stop_extending(session: AsyncSession, series: TeachMeetSeries) -> None:
    await DueWorkRepository(session).cancel_prefix(SERIES_KIND, extend_prefix(series.id))


def end_before(series: TeachMeetSeries, meeting: TeachMeet) -> None:
    """End the series' rule just before `meeting` (UNTIL, in UTC as RFC 5545 wants)."""
    assert meeting.recurrence_id is not None
    parts = {k: v for k, v in rule_parts(series.rule).items() if k not in ("UNTIL", "COUNT")}
    until = meeting.recurrence_id - timedelta(seconds=1)
    parts["UNTIL"] = f"{until.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    series.rule = ";".join(f"{k}={v}" for k, v in parts.items())


def fitted_rule(rule: str, old: datetime, new: datetime, *, remaining: int | None) -> str | None:
    """The rule for meetings from `new` on, keeping the pattern of `rule` whose meeting was
    at `old`: weekly on the new weekday(s), monthly on the new nth weekday or day; None when
    the new day cannot carry the pattern (a 29th–31st). A COUNT becomes `remaining`."""
    parts = rule_parts(rule)
    fresh = {"FREQ": parts["FREQ"]}
    if parts["FREQ"] == "WEEKLY":
        shift = (new.date() - old.date()).days
        days = [RRULE_DAYS[(RRULE_DAYS.index(d) + shift) % 7] for d in parts["BYDAY"].split(",")]
        fresh["INTERVAL"] = parts.get("INTERVAL", "1")
        fresh["BYDAY"] = ",".join(sorted(set(days), key=RRULE_DAYS.index))
    elif "BYMONTHDAY" in parts:
        if new.day > 28:
            return None
        fresh["BYMONTHDAY"] = str(new.day)
    else:
        last = parts["BYDAY"].startswith("-1") and nth_weekday(
            new.date().replace(day=1), -1, new.weekday()) == new.date()
        nth = -1 if last else (new.day - 1) // 7 + 1
        if nth == 5:
            nth = -1
        fresh["BYDAY"] = f"{nth}{RRULE_DAYS[new.weekday()]}"
    if "UNTIL" in parts:
        fresh["UNTIL"] = parts["UNTIL"]
    elif remaining is not None:
        fresh["COUNT"] = str(max(remaining, 1))
    return ";".join(f"{k}={v}" for k, v in fresh.items())


async def split(session: AsyncSession, settings: Settings, series: TeachMeetSeries,
                meeting: TeachMeet, rule: str, new_start: datetime,
                changes: dict[str, Any], now: datetime) -> tuple[TeachMeetSeries,
                                                                 list[TeachMeet]]:
    """This meeting and the later ones, moved to `new_start` on `rule` and changed by
    `changes`: a new series for them (the old one ends before), or the same series
    reshaped if this is its first meeting. Returns the series now carrying them and the
    meetings that moved or changed (re-timed in order; any left over are cancelled)."""
    from bot.teachmeets.services import cancel_reminders, plan_reminders

    repo = TeachMeetRepository(session)
    assert meeting.recurrence_id is not None
    later = [m for m in await repo.meetings(series.id, since=meeting.recurrence_id,
                                            lock=True)]
    earlier = [m for m in await repo.meetings(series.id)
               if m.recurrence_id is not None and m.recurrence_id < meeting.recurrence_id]
    template = {**series.template, **{k: v for k, v in changes.items()
                                      if k in TEMPLATE_FIELDS}}
    if earlier:
        end_before(series, meeting)
        series.sequence += 1
        series.updated_at = now
        await stop_extending(session, series)
        carrier = TeachMeetSeries(
            organiser_id=series.organiser_id, rule=rule, first_start=new_start.astimezone(UTC),
            timezone=changes.get("timezone", series.timezone), template=template,
            planned_until=new_start.astimezone(UTC), status="active", sequence=0,
            created_at=now, updated_at=now)
        await repo.add_series(carrier)
    else:
        carrier = series
        carrier.rule, carrier.first_start = rule, new_start.astimezone(UTC)
        carrier.timezone = changes.get("timezone", series.timezone)
        carrier.template = template
        carrier.sequence += 1
        carrier.updated_at = now
        await stop_extending(session, carrier)
    zone = ZoneInfo(carrier.timezone)
    horizon = max(now + timedelta(days=settings.teachmeets.series_horizon_days),
                  max((m.starts_at for m in later), default=now))
    starts = Repeat(rule, "").starts(new_start.astimezone(zone), horizon, limit=MAX_REPEATS)
    changed: list[TeachMeet] = []
    # free the (series, recurrence id) pairs first: re-timed meetings may swap places
    for index, meet in enumerate(later):
        meet.recurrence_id = None if index < len(starts) else meet.recurrence_id
    await session.flush()
    for index, meet in enumerate(later):
        if meet.status == "cancelled":
            if index < len(starts):
                meet.series_id, meet.recurrence_id = carrier.id, starts[index].astimezone(UTC)
            continue
        if index >= len(starts):
            meet.status, meet.sequence, meet.updated_at = "cancelled", meet.sequence + 1, now
            await cancel_reminders(session, meet)
            changed.append(meet)
            continue
        start = starts[index].astimezone(UTC)
        meet.series_id, meet.recurrence_id = carrier.id, start
        moved = meet.starts_at != start
        meet.starts_at = start
        meet.timezone = carrier.timezone
        for name, value in changes.items():
            if name in TEMPLATE_FIELDS and name not in ("platform", "space_id", "channel_id"):
                setattr(meet, name, value)
        meet.sequence += 1
        meet.updated_at = now
        if moved or "duration_minutes" in changes:
            await plan_reminders(session, settings, meet, now)
        changed.append(meet)
    carrier.planned_until = max((m.starts_at for m in later), default=carrier.first_start)
    await session.flush()
    await extend(session, settings, carrier, now)
    return carrier, changed


async def end_from(session: AsyncSession, series: TeachMeetSeries, meeting: TeachMeet,
                   reason: str, now: datetime) -> list[TeachMeet]:
    """Cancel this meeting and every later one; the series ends before it (or is
    cancelled, if this was its first). Returns the meetings cancelled."""
    from bot.teachmeets.services import cancel_reminders

    repo = TeachMeetRepository(session)
    assert meeting.recurrence_id is not None
    later = await repo.meetings(series.id, since=meeting.recurrence_id, lock=True)
    earlier = [m for m in await repo.meetings(series.id)
               if m.recurrence_id is not None and m.recurrence_id < meeting.recurrence_id]
    if earlier:
        end_before(series, meeting)
    else:
        series.status = "cancelled"
    series.sequence += 1
    series.updated_at = now
    await stop_extending(session, series)
    cancelled = []
    for meet in later:
        if meet.status == "cancelled":
            continue
        meet.status, meet.cancel_reason = "cancelled", reason
        meet.sequence += 1
        meet.updated_at = now
        await cancel_reminders(session, meet)
        cancelled.append(meet)
    await session.flush()
    return cancelled
