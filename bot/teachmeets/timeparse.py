"""Reading when, for how long and which presenter slots from what people type."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser

SLOT_TYPES = ("nano", "micro", "soapbox")
SLOT_MINUTES = {"nano": (1, 3), "micro": (5, 7), "soapbox": (8, 30)}
"""Allowed talk lengths per slot type: a nano is ~2 minutes, a micro 5–7, a soapbox longer."""
MAX_SLOTS = 50
MAX_DURATION_MINUTES = 24 * 60

_ZONE = re.compile(r"(?:^|\s)([A-Za-z]+(?:/[A-Za-z0-9_+-]+)+|UTC|GMT)\s*$")
_DURATION = re.compile(
    r"^\s*(?:(?P<h>\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hour|hours))?\s*"
    r"(?:(?P<m>\d+)\s*(?:m|min|mins|minute|minutes))?\s*$", re.IGNORECASE | re.ASCII)
_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$", re.ASCII)


class WhenError(ValueError):
    """The text is not a time we can use; the message says why, for the member."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise WhenError(f"I don't know the time zone “{name[:60]}”; use a name such as "
                        "Europe/London.") from exc


def parse_when(text: str, *, default_tz: str, now: datetime) -> tuple[datetime, str]:
    """A start time in UTC and the time zone it was meant in.

    Relative dates ("next Tuesday 4pm") are read against `now` in `default_tz` (the
    member's zone, else the network's); a trailing IANA name ("... Europe/London") sets the
    zone. Times in the past are refused.
    """
    raw = " ".join(text.split())
    if not raw:
        raise WhenError("Say when it starts, e.g. `next Tuesday 4pm` or "
                        "`2026-12-03 16:00 Europe/London`.")
    tz_name = default_tz
    found = _ZONE.search(raw)
    if found:
        tz_name = "UTC" if found.group(1).upper() in ("UTC", "GMT") else found.group(1)
        zone(tz_name)
        raw = raw[:found.start()].strip()
    tz = zone(tz_name)
    base = now.astimezone(tz).replace(tzinfo=None)
    parsed = dateparser.parse(raw, languages=["en"], settings={
        "TIMEZONE": tz_name, "RETURN_AS_TIMEZONE_AWARE": True, "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY"}) if raw else None
    if parsed is None:
        raise WhenError(f"I couldn't understand “{text.strip()[:80]}” as a date and time. Try "
                        "`next Tuesday 4pm` or `2026-12-03 16:00 Europe/London`.")
    start = parsed.astimezone(ZoneInfo("UTC"))
    if start <= now:
        shown = parsed.astimezone(tz).strftime("%a %d %b %Y %H:%M")
        raise WhenError(f"{shown} ({tz_name}) is in the past; a teach-meet needs a future "
                        "start.")
    return start, tz_name


def parse_duration(text: str) -> int:
    """Minutes from "2h", "90m", "1h30", "1.5 hours", "1:30" or a bare number of minutes."""
    value = text.strip().lower()
    minutes: float | None = None
    if re.fullmatch(r"[0-9]+", value):
        minutes = int(value)
    elif hhmm := _HHMM.fullmatch(value):
        minutes = int(hhmm.group(1)) * 60 + int(hhmm.group(2))
    else:
        value = re.sub(r"^(\d+)\s*h\s*(\d+)$", r"\1h \2m", value, flags=re.ASCII)
        found = _DURATION.fullmatch(value)
        if found and (found.group("h") or found.group("m")):
            minutes = float(found.group("h") or 0) * 60 + int(found.group("m") or 0)
    if minutes is None:
        raise WhenError(f"I couldn't read “{text[:40]}” as a length; try `2h`, `90m` or "
                        "`1h30`.")
    if not 1 <= minutes <= MAX_DURATION_MINUTES:
        raise WhenError("A teach-meet lasts between 1 minute and 24 hours.")
    return int(minutes)


@dataclass(frozen=True)
class Slot:
    type: str
    count: int
    minutes: int

    def as_dict(self) -> dict[str, int | str]:
        return {"type": self.type, "count": self.count, "minutes": self.minutes}


_SLOT = re.compile(
    r"(?:(?P<count>\d+)\s*(?:x\s*)?(?P<type>nano|micro|soapbox)e?s?"
    r"|(?P<type2>nano|micro|soapbox)e?s?\s*[:=x]\s*(?P<count2>\d+))"
    r"(?:\s*(?:of|@|at|x)?\s*(?P<minutes>\d+)\s*(?:minutes|minute|mins|min|m)\b)?",
    re.IGNORECASE | re.ASCII)


def parse_slots(text: str, defaults: dict[str, int]) -> list[Slot]:
    """Slots from "4 nano, 3 micro 6min, 1 soapbox 15min" (or "nano:4 micro:3").

    Lengths default to `defaults` and must suit the type (nano 1–3, micro 5–7, soapbox
    8–30 minutes).
    """
    value = text.strip()
    if not value or value.lower() in ("none", "no", "0"):
        return []
    slots: dict[str, Slot] = {}
    position = 0
    for found in _SLOT.finditer(value):
        gap = re.sub(r"^[\s,;+&]*(?:and)?[\s,;+&]*$", "", value[position:found.start()])
        if gap:
            break
        kind = (found.group("type") or found.group("type2")).lower()
        count = int(found.group("count") or found.group("count2"))
        minutes = int(found.group("minutes") or defaults[kind])
        low, high = SLOT_MINUTES[kind]
        if not low <= minutes <= high:
            raise WhenError(f"A {kind} talk lasts {low}–{high} minutes, not {minutes}.")
        if not 0 <= count <= MAX_SLOTS:
            raise WhenError(f"At most {MAX_SLOTS} {kind} slots.")
        if kind in slots:
            raise WhenError(f"{kind} slots are given twice.")
        slots[kind] = Slot(kind, count, minutes)
        position = found.end()
    if value[position:].strip(" ,;") or not slots:
        raise WhenError(f"I couldn't read the slots “{text[:60]}”; write them like "
                        "`4 nano, 3 micro 6min, 1 soapbox 15min`.")
    return [slots[k] for k in SLOT_TYPES if k in slots and slots[k].count > 0]


_STARTERS = {"on", "at", "next", "this", "last", "tomorrow", "today", "tonight", "yesterday",
             "in", "monday",
             "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue",
             "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "jan", "january",
             "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june", "jul",
             "july", "aug", "august", "sep", "sept", "september", "oct", "october", "nov",
             "november", "dec", "december"}
_FOR = re.compile(r"\s+for\s+(\d+(?:\.\d+)?\s*(?:hours?|hrs?|h|minutes?|mins?|m)"
                  r"(?:\s*\d+\s*(?:minutes|mins|min|m)?)?)\s*$", re.IGNORECASE | re.ASCII)
_AFTER_WHEN = re.compile(r"^(?:(?:at|@|venue)\s+(?P<venue>.+?))?"
                         r"(?:\s*\bin\s+(?P<region>[^,]+?))?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Spoken:
    """A teach-meet described in one sentence, taken apart."""

    title: str
    when: str
    duration: str = ""
    venue: str = ""
    region: str = ""


def split_duration(text: str) -> tuple[str, str]:
    """"next Tuesday 4pm for 2h" -> ("next Tuesday 4pm", "2h")."""
    found = _FOR.search(text)
    return (text[:found.start()], found.group(1)) if found else (text, "")


def split_sentence(text: str, *, default_tz: str, now: datetime) -> Spoken:
    """Read "Autumn TeachMeet next Tuesday 4pm for 2h at Cardiff Library in Wales".

    The title is what comes before the first word that can begin a date; the date is the
    longest run of words from there that reads as one; after it may come "for <length>",
    "at <venue>" and "in <region>". Raises WhenError when no date can be found (the message
    of the most plausible failure, such as a date in the past).
    """
    body, duration = text, ""
    words = body.split()
    for i in range(1, len(words)):
        word = words[i].lower().strip(",")
        if word not in _STARTERS and not word[:1].isdigit():
            continue
        for j in range(len(words), i, -1):
            when, maybe_duration = split_duration(" ".join(words[i:j]))
            after = " ".join(words[j:])
            rest = _AFTER_WHEN.fullmatch(after)
            if rest is None:
                continue
            candidate = re.sub(r"^(?:on|at)\s+", "", when, flags=re.IGNORECASE)
            try:
                parse_when(candidate, default_tz=default_tz, now=now)
            except WhenError as exc:
                if "past" in str(exc) or "time zone" in str(exc):
                    raise  # the longest date from here reads fine but cannot be used
                continue
            title = re.sub(r"[\s,:;-]+(?:on|at)?$", "", " ".join(words[:i]),
                           flags=re.IGNORECASE).strip(" ,:;-")
            if not title:
                continue
            duration = maybe_duration
            return Spoken(title=title, when=candidate, duration=duration,
                          venue=(rest.group("venue") or "").strip(),
                          region=(rest.group("region") or "").strip())
    raise WhenError(
        "I couldn't find when it starts. Write it like `teachmeet create Autumn TeachMeet "
        "next Tuesday 4pm for 2h at Cardiff Library`, or give start=\"...\".")
