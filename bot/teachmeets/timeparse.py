"""Reading lengths, presenter slots and one-sentence teach-meets from what people type;
the time itself is `reader`'s."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.teachmeets.reader import fully_read

SLOT_TYPES = ("nano", "micro", "soapbox")
SLOT_MINUTES = {"nano": (1, 3), "micro": (5, 7), "soapbox": (8, 30)}
"""Allowed talk lengths per slot type: a nano is ~2 minutes, a micro 5–7, a soapbox longer."""
MAX_SLOTS = 50
MAX_DURATION_MINUTES = 24 * 60

_DURATION = re.compile(
    r"^\s*(?:(?P<h>\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hour|hours))?\s*"
    r"(?:(?P<m>\d+)\s*(?:m|min|mins|minute|minutes))?\s*$", re.IGNORECASE | re.ASCII)
_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$", re.ASCII)


class WhenError(ValueError):
    """The text is not a time we can use; the message says why, for the member."""


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


_AFTER_WHEN = re.compile(r"^(?:(?:at|@|venue)\s+(?P<venue>.+?))?"
                         r"(?:\s*\bin\s+(?P<region>[^,]+?))?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Spoken:
    """A teach-meet described in one sentence, taken apart."""

    title: str
    when: str
    venue: str = ""
    region: str = ""


def split_sentence(text: str, *, default_tz: str, now: datetime) -> Spoken | None:
    """Read "Autumn TeachMeet next Tuesday 4pm for 2h at Cardiff Library in Wales".

    The time is the earliest run of words, longest first, that the reader understands
    completely (a time, a question about one or a refusal: all are about the time); before
    it is the title, after it may come "at <venue>" and "in <region>". None when no run of
    words reads as a time.
    """
    words = text.split()
    for i in range(1, len(words)):
        for j in range(len(words), i, -1):
            after = " ".join(words[j:])
            rest = _AFTER_WHEN.fullmatch(after)
            if rest is None:
                continue
            when = " ".join(words[i:j])
            if fully_read(when, now=now, tz=default_tz) is None:
                continue
            title = re.sub(r"[\s,:;-]+(?:on|at)?$", "", " ".join(words[:i]),
                           flags=re.IGNORECASE).strip(" ,:;-")
            if not title:
                continue
            return Spoken(title=title, when=when.strip(" ,"),
                          venue=(rest.group("venue") or "").strip(),
                          region=(rest.group("region") or "").strip())
    return None
