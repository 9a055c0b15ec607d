"""iCalendar (RFC 5545): one teach-meet, a repeating one, and the feeds members subscribe to.

UIDs are made from this deployment's id (stored in the database, made once), so they never
change when the network is renamed and two deployments never share one. SEQUENCE counts
changes, so a calendar app updates an entry (a new time, STATUS:CANCELLED) instead of adding
another. A repeating teach-meet is one VEVENT with an RRULE; a cancelled meeting is an
EXDATE, and a meeting that differs from the pattern (moved, renamed) is an override with
its RECURRENCE-ID.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vDuration, vRecur

from storage.models import TeachMeet, TeachMeetSeries

MIME_TYPE = "text/calendar"
UTC = ZoneInfo("UTC")
_COMPARED = ("title", "description", "venue", "online_url", "region", "duration_minutes")
"""What a meeting copies from its series; a meeting that differs gets an override."""


def uid(meet: TeachMeet, deployment: str) -> str:
    return f"teachmeet-{meet.id}.{deployment}@staffroom"


def series_uid(series: TeachMeetSeries, deployment: str) -> str:
    return f"teachmeet-series-{series.id}.{deployment}@staffroom"


def _describe(description: str, region: str, cancelled: bool, reason: str) -> str:
    details = [description] if description else []
    if region:
        details.append(f"Region: {region}")
    if cancelled and reason:
        details.append(f"Cancelled: {reason}")
    return "\n".join(details)


def event(meet: TeachMeet, deployment: str) -> Event:
    """A one-off teach-meet, or one meeting on its own (`teachmeet ics`, personal feeds)."""
    component = Event()
    component.add("uid", uid(meet, deployment))
    _fill(component, meet)
    return component


def _fill(component: Event, meet: TeachMeet, *, sequence: int | None = None) -> None:
    zone = ZoneInfo(meet.timezone)
    component.add("sequence", meet.sequence if sequence is None else sequence)
    component.add("dtstamp", meet.updated_at.astimezone(UTC))
    component.add("created", meet.created_at.astimezone(UTC))
    component.add("last-modified", meet.updated_at.astimezone(UTC))
    component.add("dtstart", meet.starts_at.astimezone(zone))
    component.add("dtend", (meet.starts_at + timedelta(minutes=meet.duration_minutes))
                  .astimezone(zone))
    component.add("summary", meet.title)
    location = meet.venue or meet.online_url
    if location:
        component.add("location", location)
    if meet.online_url:
        component.add("url", meet.online_url)
    cancelled = meet.status == "cancelled"
    details = _describe(meet.description, meet.region, cancelled, meet.cancel_reason)
    if details:
        component.add("description", details)
    component.add("status", "CANCELLED" if cancelled else "CONFIRMED")


def series_events(series: TeachMeetSeries, meetings: Sequence[TeachMeet],
                  deployment: str) -> list[Event]:
    """The series as one VEVENT with its RRULE, cancelled meetings as EXDATEs, and an
    override for each meeting that differs from the pattern."""
    zone = ZoneInfo(series.timezone)
    template = series.template
    master = Event()
    master.add("uid", series_uid(series, deployment))
    master.add("sequence", series.sequence)
    master.add("dtstamp", series.updated_at.astimezone(UTC))
    master.add("created", series.created_at.astimezone(UTC))
    master.add("last-modified", series.updated_at.astimezone(UTC))
    start = series.first_start.astimezone(zone)
    master.add("dtstart", start)
    master.add("dtend", (series.first_start + timedelta(
        minutes=template["duration_minutes"])).astimezone(zone))
    master.add("rrule", vRecur.from_ical(series.rule))
    master.add("summary", template["title"])
    location = template.get("venue") or template.get("online_url")
    if location:
        master.add("location", location)
    if template.get("online_url"):
        master.add("url", template["online_url"])
    cancelled = series.status == "cancelled"
    details = _describe(template.get("description", ""), template.get("region", ""),
                        cancelled, "")
    if details:
        master.add("description", details)
    master.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    out = [master]
    excluded: list[datetime] = []
    for meeting in meetings:
        if meeting.recurrence_id is None:
            continue
        if meeting.status == "cancelled" and not cancelled:
            excluded.append(meeting.recurrence_id.astimezone(zone))
            continue
        if meeting.starts_at == meeting.recurrence_id and all(
                getattr(meeting, name) == template.get(name) for name in _COMPARED):
            continue
        override = Event()
        override.add("uid", series_uid(series, deployment))
        override.add("recurrence-id", meeting.recurrence_id.astimezone(zone))
        _fill(override, meeting, sequence=max(series.sequence, meeting.sequence))
        out.append(override)
    if excluded:
        master.add("exdate", excluded)
    return out


def calendar(events: Sequence[Event], *, name: str = "",
             refresh_minutes: int | None = None) -> bytes:
    """A VCALENDAR with the events and the time zones they use. A feed says how often
    to re-read it (REFRESH-INTERVAL, and X-PUBLISHED-TTL for older apps)."""
    cal = Calendar()
    cal.add("prodid", "-//Staffroom//Teach-meets//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("name", name)
        cal.add("x-wr-calname", name)
    if refresh_minutes is not None:
        cal.add("refresh-interval", vDuration(timedelta(minutes=refresh_minutes)),
                parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(timedelta(minutes=refresh_minutes)))
    starts: list[date] = []
    for component in events:
        cal.add_component(component)
        starts.append(component.decoded("dtstart").date())
    if starts:
        first = min(starts) - timedelta(days=366)
        last = max(starts) + timedelta(days=3 * 366)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return cal.to_ical()


def filename(meet: TeachMeet, *, series: bool = False) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", meet.title.lower()).strip("-")[:40] or "teachmeet"
    return f"teachmeet-{meet.id}-{slug}" + ("-series" if series else "") + ".ics"


def feed_name(network: str, region: str | None) -> str:
    return f"{network} teach-meets" + (f" in {region}" if region else "")
