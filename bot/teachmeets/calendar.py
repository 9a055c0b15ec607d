"""iCalendar (RFC 5545) files for one teach-meet and for a feed of upcoming ones.

The UID never changes for an event and SEQUENCE counts its changes, so a calendar app that
imported the file updates the entry (new time, STATUS:CANCELLED) instead of adding another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from storage.models import TeachMeet

MIME_TYPE = "text/calendar"


def uid(meet: TeachMeet, network: str) -> str:
    domain = re.sub(r"[^a-z0-9]+", "-", network.lower()).strip("-") or "staffroom"
    return f"teachmeet-{meet.id}@{domain}.staffroom"


def event(meet: TeachMeet, network: str) -> Event:
    zone = ZoneInfo(meet.timezone)
    component = Event()
    component.add("uid", uid(meet, network))
    component.add("sequence", meet.sequence)
    component.add("dtstamp", meet.updated_at.astimezone(ZoneInfo("UTC")))
    component.add("created", meet.created_at.astimezone(ZoneInfo("UTC")))
    component.add("last-modified", meet.updated_at.astimezone(ZoneInfo("UTC")))
    component.add("dtstart", meet.starts_at.astimezone(zone))
    component.add("dtend", (meet.starts_at + timedelta(minutes=meet.duration_minutes))
                  .astimezone(zone))
    component.add("summary", meet.title)
    location = meet.venue or meet.online_url
    if location:
        component.add("location", location)
    if meet.online_url:
        component.add("url", meet.online_url)
    details = [meet.description] if meet.description else []
    if meet.region:
        details.append(f"Region: {meet.region}")
    if meet.status == "cancelled" and meet.cancel_reason:
        details.append(f"Cancelled: {meet.cancel_reason}")
    if details:
        component.add("description", "\n".join(details))
    component.add("status", "CANCELLED" if meet.status == "cancelled" else "CONFIRMED")
    return component


def calendar(meets: Sequence[TeachMeet], network: str, *, name: str = "") -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Staffroom//Teach-meets//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
    for meet in meets:
        cal.add_component(event(meet, network))
    if meets:
        first = min(m.starts_at for m in meets).date() - timedelta(days=366)
        last = max(m.starts_at for m in meets).date() + timedelta(days=366)
        cal.add_missing_timezones(first_date=first, last_date=max(last, date(first.year + 2,
                                                                             1, 1)))
    return cal.to_ical()


def filename(meet: TeachMeet) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", meet.title.lower()).strip("-")[:40] or "teachmeet"
    return f"teachmeet-{meet.id}-{slug}.ics"


def feed_name(network: str, region: str | None) -> str:
    return f"{network} teach-meets" + (f" in {region}" if region else "")
