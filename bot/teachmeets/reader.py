"""Reading when a teach-meet happens, as UK organisers type it, and never silently wrong.

One reader serves `teachmeet create`, `move`, `edit`, the forms and `staffroom when`. It
answers with a `When` (confident), an `Ask` (ambiguous or incomplete: a question, with the
readings to choose from) or a `Refuse` (it cannot be a valid time). The conventions are UK
school usage (README, "Typing times"): a bare hour 1–7 is pm and 8–11 a question; "half
four" is 16:30; a weekday alone is the next one, today's weekday a question; "next
<weekday>" asks where UK speakers disagree; numeric dates are day/month; durations are real
elapsed time across clock changes; a wall time the clocks skip is refused and a doubled one
asked about; GMT or BST contradicting the date's UK time is a question.

The text is taken apart by a scanner into pieces (dates, clock times, ranges, durations,
zones, repeats). A word it does not know makes the reading a question, never a guess; only
then is dateparser asked, and its reading is offered as a button to press, never taken.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

MAX_MINUTES = 24 * 60
"""No teach-meet lasts longer than a day."""
MAX_REPEATS = 104
"""A repeating teach-meet is at most two years of weekly meetings."""
MAX_YEARS_AHEAD = 5
"""How far ahead a teach-meet may be planned. Schools plan a year or two ahead, so five
years leaves room while a mistyped year (2062 for 2026, 9999) is refused rather than
announced; it also keeps every date the reader returns far from the calendar's end, where
adding a length or a time zone would overflow."""
EXAMPLES = "`next Tuesday 4pm`, `Thu 3 Dec 16:00-17:30` or `2026-12-03 16:00 Europe/London`"


# -- results ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Repeat:
    """A recurrence: an RFC 5545 RRULE (no DTSTART: that is the first start) and its
    description for people."""

    rule: str
    text: str

    def starts(self, first: datetime, until: datetime, *,
               limit: int = MAX_REPEATS + 1) -> list[datetime]:
        """Starts from `first` (aware, in its zone) up to `until`, at the same wall time in
        the zone, as iCalendar expands an RRULE whose DTSTART has a TZID."""
        from dateutil.rrule import rrulestr

        out: list[datetime] = []
        for start in rrulestr(self.rule, dtstart=first):
            if start > until or len(out) >= limit:
                break
            out.append(start)
        return out


@dataclass(frozen=True)
class When:
    """A confident reading: `start` and `end` are aware datetimes in `zone`; `end` is None
    when neither an end nor a length was typed (the default duration applies)."""

    start: datetime
    zone: str
    end: datetime | None = None
    repeat: Repeat | None = None

    @property
    def minutes(self) -> int | None:
        """The length in real elapsed minutes (across a clock change too)."""
        if self.end is None:
            return None
        return elapsed_minutes(self.start, self.end)

    def canonical(self) -> str:
        """Text this reader reads back to exactly this start (and end), whatever the clock
        says by then: ISO times with their UTC offsets (so a doubled wall time stays
        itself) and the zone."""
        text = self.start.isoformat(timespec="minutes")
        if self.end is not None:
            text += f" for {self.minutes}m"
        return f"{text} {self.zone}"

    def label(self, today: date | None = None) -> str:
        """"Thu 3 Dec 16:00–17:30" (the year only when it is not this year's)."""
        start = self.start
        text = f"{start:%a} {start.day} {start:%b}"
        if today is None or start.year != today.year:
            text += f" {start.year}"
        text += f" {start:%H:%M}"
        if self.end is not None:
            end = self.end.astimezone(start.tzinfo)
            text += f"–{end:%H:%M}" if end.date() == start.date() else f"–{end:%a} {end:%H:%M}"
        return f"{text} {start:%Z}"


def rule_parts(rule: str) -> dict[str, str]:
    """"FREQ=WEEKLY;BYDAY=TH" -> {"FREQ": "WEEKLY", "BYDAY": "TH"}."""
    return dict(part.split("=", 1) for part in rule.split(";") if "=" in part)


def describe_rule(rule: str, first: datetime) -> str:
    """"every Thursday at 16:00 until Wed 21 Jul 2027", from an RRULE this reader makes."""
    parts = rule_parts(rule)
    if parts.get("FREQ") == "MONTHLY" and "BYMONTHDAY" in parts:
        day = int(parts["BYMONTHDAY"])
        text = f"on the {day}{_suffix(day)} of every month"
    elif parts.get("FREQ") == "MONTHLY":
        found = re.fullmatch(r"(-?\d)([A-Z]{2})", parts.get("BYDAY", ""))
        if found is None:
            return rule
        text = (f"on the {ORDINAL_WORDS[int(found[1])]} "
                f"{DAY_NAMES[RRULE_DAYS.index(found[2])]} of every month")
    else:
        names = " and ".join(DAY_NAMES[RRULE_DAYS.index(d)]
                             for d in parts.get("BYDAY", "").split(",") if d in RRULE_DAYS)
        text = ("every " if parts.get("INTERVAL", "1") == "1" else "every other ") + names
    text += f" at {first:%H:%M}"
    if "UNTIL" in parts:
        until = datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=UTC).astimezone(first.tzinfo).date()
        text += f" until {until:%a} {until.day} {until:%b %Y}"
    elif "COUNT" in parts:
        text += f", {parts['COUNT']} times"
    return text


def _suffix(day: int) -> str:
    if day in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def phrase(when: When) -> str:
    """Text this reader reads back to `when` (for a form's "When" field): plain words, not
    ISO, so the member can edit it."""
    start = when.start
    day = f"{start.day} {start:%b %Y}"
    clock = f"{start:%H:%M}"
    length = ""
    if when.end is not None:
        end = when.end.astimezone(start.tzinfo)
        if end.date() == start.date() and end > start:
            clock += f"-{end:%H:%M}"
        else:
            length = f" for {when.minutes}m"
    zone_text = f" {when.zone}"
    if when.repeat is None:
        return f"{start:%a} {day} {clock}{length}{zone_text}"
    parts = rule_parts(when.repeat.rule)
    pattern = describe_rule(";".join(f"{k}={v}" for k, v in parts.items()
                                     if k not in ("UNTIL", "COUNT")), start)
    pattern = pattern.rsplit(" at ", 1)[0]
    text = f"{pattern} {clock}{length} from {day}"
    if "UNTIL" in parts:
        until = datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=UTC).astimezone(start.tzinfo).date()
        text += f" until {until.day} {until:%b %Y}"
    elif "COUNT" in parts:
        text += f" {parts['COUNT']} times"
    return text + zone_text


@dataclass(frozen=True)
class Ask:
    """A question for the member, with the readings they may choose between (buttons)."""

    question: str
    candidates: tuple[When, ...] = ()


@dataclass(frozen=True)
class Refuse:
    """Not a usable time (past, impossible, skipped by the clocks); `reason` says why."""

    reason: str


Reading = When | Ask | Refuse


def elapsed_minutes(start: datetime, end: datetime) -> int:
    """Minutes between two aware times. In UTC: Python subtracts two times of the same
    zone by their wall clocks, which is an hour out across a clock change."""
    return round((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 60)


# -- vocabulary -------------------------------------------------------------------------------
WEEKDAYS = {"monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2,
            "wed": 2, "weds": 2, "wednes": 2, "thursday": 3, "thu": 3, "thur": 3, "thurs": 3,
            "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6}
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MONTHS = {"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
          "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
          "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11,
          "nov": 11, "december": 12, "dec": 12}
MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
           "couple of": 2, "a couple of": 2}
HOURS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
TO_MINUTES = {"five": 5, "ten": 10, "quarter": 15, "a quarter": 15, "twenty": 20,
              "twenty five": 25, "twentyfive": 25}
PAST_MINUTES = {**TO_MINUTES, "half": 30}
SPOKEN_MINUTES = {"fifteen": 15, "thirty": 30, "forty five": 45, "fortyfive": 45,
                  "o five": 5, "oh five": 5, "twenty": 20, "forty": 40, "fifty": 50,
                  "ten": 10, "twenty five": 25, "thirty five": 35, "fifty five": 55}
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
            "4th": 4, "fifth": 5, "5th": 5, "last": -1, "final": -1}
ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
PARTS = {"morning": "morning", "afternoon": "afternoon", "evening": "evening",
         "night": "evening", "after school": "after school", "afterschool": "after school",
         "after work": "evening", "lunchtime": "lunchtime", "lunch time": "lunchtime",
         "lunch": "lunchtime", "teatime": "after school", "tea time": "after school",
         "twilight": "after school", "breakfast": "morning", "before school": "morning",
         "end of the day": "after school", "end of the school day": "after school"}
"""Parts of the day settle a bare hour's am/pm but are never a clock time by themselves."""
PM_PARTS = {"afternoon", "evening", "after school"}
SUGGESTED = {None: ((16, 0), (16, 30), (17, 0), (18, 0)),
             "after school": ((15, 30), (16, 0), (16, 30), (17, 0)),
             "afternoon": ((13, 0), (14, 0), (15, 30), (16, 0)),
             "evening": ((18, 0), (18, 30), (19, 0), (19, 30)),
             "morning": ((8, 0), (8, 30), (9, 0), (10, 0)),
             "lunchtime": ((12, 0), (12, 30), (13, 0))}
ABBREVIATIONS: dict[str, tuple[int | None, str]] = {
    "utc": (0, "UTC"), "gmt": (0, "Europe/London"), "bst": (60, "Europe/London"),
    "cet": (60, "Europe/Paris"), "cest": (120, "Europe/Paris"),
    "eet": (120, "Europe/Athens"), "eest": (180, "Europe/Athens"),
    "est": (-300, "America/New_York"), "edt": (-240, "America/New_York"),
    "cst": (-360, "America/Chicago"), "cdt": (-300, "America/Chicago"),
    "mst": (-420, "America/Denver"), "mdt": (-360, "America/Denver"),
    "pst": (-480, "America/Los_Angeles"), "pdt": (-420, "America/Los_Angeles"),
    "et": (None, "America/New_York"), "ct": (None, "America/Chicago"),
    "pt": (None, "America/Los_Angeles"), "uk": (None, "Europe/London"),
}
"""Abbreviation -> (its UTC offset in minutes, or None for "that place's time"; home zone)."""
PLACES = {"uk": "Europe/London", "british": "Europe/London", "england": "Europe/London",
          "english": "Europe/London", "scotland": "Europe/London",
          "scottish": "Europe/London", "wales": "Europe/London", "welsh": "Europe/London",
          "northern ireland": "Europe/London", "ireland": "Europe/Dublin",
          "irish": "Europe/Dublin", "spain": "Europe/Madrid", "spanish": "Europe/Madrid",
          "france": "Europe/Paris", "french": "Europe/Paris", "germany": "Europe/Berlin",
          "german": "Europe/Berlin", "italy": "Europe/Rome", "italian": "Europe/Rome",
          "netherlands": "Europe/Amsterdam", "dutch": "Europe/Amsterdam",
          "portugal": "Europe/Lisbon", "portuguese": "Europe/Lisbon",
          "central european": "Europe/Paris", "eastern": "America/New_York",
          "us eastern": "America/New_York", "east coast": "America/New_York",
          "central": "America/Chicago", "us central": "America/Chicago",
          "mountain": "America/Denver", "pacific": "America/Los_Angeles",
          "us pacific": "America/Los_Angeles", "west coast": "America/Los_Angeles",
          "india": "Asia/Kolkata", "indian": "Asia/Kolkata", "japan": "Asia/Tokyo",
          "new york": "America/New_York", "nyc": "America/New_York"}
FILLER = {"on", "at", "from", "the", "starting", "starts", "start", "begins", "begin",
          "beginning", "please", "of", "it's", "its", "is", "will be", "be", "held", "prompt",
          "sharp", "onwards", "coming"}
EVENT_WORDS = {"session", "sessions", "meeting", "meet", "meetup", "event", "teachmeet",
               "teach", "training", "cpd", "inset", "workshop", "talk"}
"""What organisers call the event ("twilight session 4pm tomorrow"): no part of its time.
Dropped only when reading a time on its own, never when finding where a time starts in a
sentence ("Autumn TeachMeet next Tuesday 4pm" keeps its title)."""
SHORTHAND = {"nxt": "next", "wk": "week", "wks": "weeks", "2moro": "tomorrow",
             "2morrow": "tomorrow", "tonite": "tonight", "2nite": "tonight"}
"""Texting shorthand, spelt out before reading ("nxt wk tues 4pm")."""
US_ORDER_ZONES = ("America/", "US/", "Pacific/Honolulu", "Asia/Manila")
"""Members here may write month/day, so a numeric date that reads both ways is asked."""


@functools.cache
def _zone_names() -> dict[str, str]:
    """Lower-case IANA name -> its spelling; also place names ("new york") -> zone."""
    names: dict[str, str] = {}
    for name in available_timezones():
        names[name.lower()] = name
    return names


@functools.cache
def _cities() -> dict[str, str]:
    out: dict[str, str] = {}
    for name in available_timezones():
        area, _, city = name.rpartition("/")
        if area.split("/")[0] in ("Europe", "America", "Asia", "Africa", "Australia",
                                  "Pacific", "Atlantic", "Indian"):
            out.setdefault(city.lower().replace("_", " "), name)
    return out | {k: v for k, v in PLACES.items()}


def zone(name: str) -> ZoneInfo:
    """The zone, case-insensitively; ValueError (worded for people) if unknown."""
    key = name.strip().lower()
    spelled = _zone_names().get(key) or ("UTC" if key in ("utc", "gmt", "z") else None)
    if spelled is None:
        raise ValueError(f"I don't know the time zone “{name[:60]}”; use a name such as "
                         "Europe/London.")
    try:
        return ZoneInfo(spelled)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"I don't know the time zone “{name[:60]}”.") from exc


def uses_us_order(zone_name: str) -> bool:
    return zone_name.startswith(US_ORDER_ZONES)


# -- the scanner ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Piece:
    kind: str
    value: dict[str, Any] = field(default_factory=dict)
    text: str = ""

    def __getitem__(self, key: str) -> Any:
        return self.value[key]


Builder = Callable[[re.Match[str]], list[Piece] | None]
_RULES: list[tuple[re.Pattern[str], Builder]] = []
_BOUNDARY = r"(?![a-z0-9])"


def _alt(words: Iterable[str]) -> str:
    return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"


_WD = rf"(?P<wd>{_alt(WEEKDAYS)})\.?"
_WDS = rf"(?P<wds>{_alt(d.lower() for d in DAY_NAMES)})s"
_MON = rf"(?P<mon>{_alt(MONTHS)})\.?"
DAY_WORDS = {w: i for i, w in enumerate((
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth", "twenty first", "twenty second",
    "twenty third", "twenty fourth", "twenty fifth", "twenty sixth", "twenty seventh",
    "twenty eighth", "twenty ninth", "thirtieth", "thirty first"), start=1)}
_DAY = rf"(?P<d>\d{{1,2}}(?:st|nd|rd|th)?|{_alt(DAY_WORDS)})"
_YR = r"(?:\s*(?P<y>\d{4}|'\d{2}))?"
_MER = r"(?:\s*(?P<mer>am|pm))?"
_HOUR = rf"(?P<h>\d{{1,2}}|{_alt(HOURS)})"
_NUM = rf"(?P<n>\d{{1,3}}|{_alt(NUMBERS)})"
_H_UNIT = r"(?:hours?|hrs?|h)"
_M_UNIT = r"(?:minutes?|mins?|m)"
_DURATION = (
    rf"(?:\d+(?:\.\d+)?\s*{_H_UNIT}(?:\s*(?:and\s+)?\d{{1,2}}\s*(?:{_M_UNIT})?)?"
    rf"|\d+\s*{_M_UNIT}"
    rf"|\d{{1,2}}:\d{{2}}\s*(?:hours?|hrs?|h)?"
    rf"|(?:{_alt(NUMBERS)}|\d+)\s+and\s+a\s+(?:half|quarter)\s+hours?"
    rf"|(?:{_alt(NUMBERS)})\s+(?:hours?|hrs?)(?:\s+and\s+(?:a\s+half|a\s+quarter|three\s+quarters"
    rf"|\d{{1,2}}\s*{_M_UNIT}|(?:{_alt(SPOKEN_MINUTES)})\s+minutes))?"
    rf"|half\s+an\s+hour|(?:three\s+quarters|a\s+quarter|3/4|1/2|1/4)\s+(?:of\s+an\s+)?hour"
    rf"|(?:ninety|sixty|seventy five|forty five|forty|fifty|thirty|twenty)\s+minutes)")


def rule(regex: str, *, boundary: bool = True) -> Callable[[Builder], Builder]:
    """Register a scanner rule: a regex matched where the scanner stands, and what its match
    means (None: it does not apply here after all). The longest match wins; among equal
    lengths, the rule registered first."""
    compiled = re.compile(f"(?:{regex})" + (_BOUNDARY if boundary else ""))

    def register(build: Builder) -> Builder:
        _RULES.append((compiled, build))
        return build
    return register


def _p(kind: str, found: re.Match[str], **value: Any) -> list[Piece]:
    return [Piece(kind, value, found.group(0))]


def _time(h: int, m: int, style: str, found: re.Match[str], *, mer: str | None = None,
          spoken: int | None = None, minus: int = 0, raw: str = "") -> list[Piece]:
    """A clock time. style: "24h" (read as written), "bare" (an hour 1–12 said without
    am/pm), "mer" (am/pm given), "noon" or "midnight". For "quarter to five" the spoken hour
    (5) settles am/pm and `minus` (15) is taken off afterwards."""
    return [Piece("time", {"h": h, "m": m, "style": style, "mer": mer, "minus": minus,
                           "spoken": h if spoken is None else spoken, "raw": raw},
                  found.group(0))]


def _hour(text: str) -> int:
    return int(text) if text.isdigit() else HOURS[text]


def _mer(text: str | None) -> str | None:
    return None if not text else ("am" if text.startswith("a") else "pm")


def _style(raw_hour: str, mer: str | None) -> str:
    """How an h[:mm] without words is meant: a leading zero, 0 or 13–23 is 24-hour."""
    if mer:
        return "mer"
    hour = int(raw_hour)
    if raw_hour.startswith("0") or hour == 0 or hour >= 13:
        return "24h"
    return "bare"


# dates and days ----------------------------------------------------------------------------
@rule(r"(?P<y>\d{4})(?P<s>[-/.])(?P<mo>\d{1,2})(?P=s)(?P<d>\d{1,2})"
      r"(?:(?P<t>t|\s+)(?P<h>\d{1,2}):(?P<mi>\d{2})(?::\d{2}(?:\.\d+)?)?"
      r"(?P<off>z|[+-]\d{2}(?::?\d{2})?)?)?")
def _iso(found: re.Match[str]) -> list[Piece] | None:
    out = [Piece("date", {"y": int(found["y"]), "m": int(found["mo"]), "d": int(found["d"]),
                          "iso": True}, found.group(0))]
    if found["h"] is not None:
        out += _time(int(found["h"]), int(found["mi"]), "24h", found, raw=found["h"])
    offset = found["off"]
    if offset:
        if offset != "z" and offset.startswith("-") and (found["t"] != "t"
                                                         or int(offset[1:3]) > 14):
            return None  # "2027-01-05 16:00-17:30": a range, not a UTC offset
        minutes = 0 if offset == "z" else _offset_minutes(offset)
        if minutes is None:
            return None
        out.append(Piece("zone", {"fixed": minutes, "home": None, "abbr": offset.upper()},
                         offset))
    return out


@rule(r"(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})t(?P<h>\d{2})(?P<mi>\d{2})(?:\d{2})?(?P<z>z)?")
def _compact_iso(found: re.Match[str]) -> list[Piece]:
    """"20261203T160000Z", as calendar files write it."""
    out = [Piece("date", {"y": int(found["y"]), "m": int(found["mo"]), "d": int(found["d"]),
                          "iso": True}, found.group(0))]
    out += _time(int(found["h"]), int(found["mi"]), "24h", found, raw=found["h"])
    if found["z"]:
        out.append(Piece("zone", {"fixed": 0, "home": None, "abbr": "Z"}, "z"))
    return out


def _offset_minutes(text: str) -> int | None:
    found = re.fullmatch(r"([+-])(\d{1,2})(?::?(\d{2}))?", text)
    if found is None or int(found[2]) > 14 or int(found[3] or 0) > 59:
        return None
    minutes = int(found[2]) * 60 + int(found[3] or 0)
    return -minutes if found[1] == "-" else minutes


@rule(r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})")
def _numeric_with_year(found: re.Match[str]) -> list[Piece]:
    year = int(found["y"]) + (2000 if len(found["y"]) == 2 else 0)
    return _p("numeric", found, a=int(found["a"]), b=int(found["b"]), y=year)


@rule(r"(?P<a>\d{1,2})/(?P<b>\d{1,2})")
def _numeric(found: re.Match[str]) -> list[Piece]:
    return _p("numeric", found, a=int(found["a"]), b=int(found["b"]), y=None)


@rule(r"(?P<a>\d{1,2})\.(?P<b>\d{2})(?:\s*(?P<hrs>hrs|hours|h))?")
def _dotted(found: re.Match[str]) -> list[Piece]:
    """"12.03" (12 March) or "16.30" (a clock time): settled once the rest is known;
    "16.00hrs" is a time."""
    if found["hrs"]:
        return _time(int(found["a"]), int(found["b"]), _style(found["a"], None), found,
                     raw=found["a"])
    return _p("dotted", found, a=int(found["a"]), b=int(found["b"]), raw=found["a"])


@rule(rf"(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MON}{_YR}")
@rule(rf"{_MON}\s+(?:the\s+)?{_DAY}(?:,)?{_YR}")
def _named(found: re.Match[str]) -> list[Piece]:
    year = found["y"]
    value = (2000 + int(year[1:]) if year.startswith("'") else int(year)) if year else None
    return _p("date", found, y=value, m=MONTHS[found["mon"]], d=_day_number(found["d"]),
              iso=False)


FIXED_DAYS = {"christmas eve": (12, 24), "xmas eve": (12, 24), "christmas day": (12, 25),
              "xmas day": (12, 25), "boxing day": (12, 26), "new years eve": (12, 31),
              "new year's eve": (12, 31), "new years day": (1, 1), "new year's day": (1, 1),
              "halloween": (10, 31), "bonfire night": (11, 5), "valentines day": (2, 14),
              "valentine's day": (2, 14), "st andrews day": (11, 30),
              "st andrew's day": (11, 30), "st davids day": (3, 1), "st david's day": (3, 1),
              "st patricks day": (3, 17), "st patrick's day": (3, 17),
              "st georges day": (4, 23), "st george's day": (4, 23)}
"""Days with a fixed date every year (Easter and half terms move, so they are asked)."""


@rule(rf"(?P<fixed>{_alt(FIXED_DAYS)})")
def _fixed_date(found: re.Match[str]) -> list[Piece]:
    month, day = FIXED_DAYS[found["fixed"]]
    return _p("date", found, y=None, m=month, d=day, iso=False)


def _day_number(text: str) -> int:
    digits = re.match(r"\d+", text)
    return int(digits.group(0)) if digits else DAY_WORDS[text]


@rule(rf"(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)|the\s+(?P<dw>{_alt(DAY_WORDS)})")
def _ordinal(found: re.Match[str]) -> list[Piece]:
    return _p("ordinal", found, d=int(found["d"]) if found["d"] else DAY_WORDS[found["dw"]])


@rule(rf"(?:in\s+|of\s+)?{_MON}(?:\s+(?P<y>\d{{4}}))?")
def _month(found: re.Match[str]) -> list[Piece]:
    return _p("month", found, m=MONTHS[found["mon"]],
              y=int(found["y"]) if found["y"] else None)


@rule(rf"(?:the\s+)?(?P<nth>{_alt(ORDINALS)})\s+{_WD}"
      rf"(?:\s+(?:of|in)\s+(?:{_MON}(?:\s+(?P<y>\d{{4}}))?|(?P<rel>(?:the\s+|this\s+)?month"
      r"|(?:the\s+)?next\s+month|(?:the\s+)?following\s+month|every\s+month|each\s+month"
      r"|the\s+month)))?")
def _nth(found: re.Match[str]) -> list[Piece] | None:
    rel = found["rel"] or ""
    if ORDINALS[found["nth"]] == -1 and not rel and not found["mon"]:
        return None  # "last Monday" is the one just gone, not the month's last
    which = ("every" if rel.startswith(("every", "each")) else
             "next" if ("next" in rel or "following" in rel) else "this" if rel else None)
    return _p("nth", found, n=ORDINALS[found["nth"]], wd=WEEKDAYS[found["wd"]],
              m=MONTHS[found["mon"]] if found["mon"] else None,
              y=int(found["y"]) if found["y"] else None, which=which)


def _weekday(mod: str) -> Builder:
    def build(found: re.Match[str]) -> list[Piece]:
        return _p("weekday", found, wd=WEEKDAYS[found["wd"]], mod=mod)
    return build


rule(rf"next\s+week(?:\s+on)?\s+{_WD}")(_weekday("nextweek"))
rule(rf"{_WD}\s+(?:of\s+)?next\s+week")(_weekday("nextweek"))
rule(rf"{_WD}\s+(?:of\s+)?this\s+week")(_weekday("thisweek"))
rule(rf"this\s+week(?:\s+on)?\s+{_WD}")(_weekday("thisweek"))
rule(rf"next\s+{_WD}")(_weekday("next"))
rule(rf"(?:this\s+coming|coming|this)\s+{_WD}")(_weekday("this"))
rule(rf"{_WD}\s+(?:coming|this\s+coming)")(_weekday("this"))
rule(rf"{_WD}\s+week(?!\s+(?:commencing|beginning|starting|of)\b)")(_weekday("week"))
rule(rf"a\s+week\s+(?:on|from|after|come)\s+{_WD}")(_weekday("week"))
rule(rf"(?:the\s+)?{_WD}\s+after\s+next")(_weekday("week"))
rule(rf"{_WD}\s+fortnight")(_weekday("fortnight"))
rule(rf"(?:a\s+fortnight|two\s+weeks|2\s+weeks)\s+(?:on|from|come)\s+{_WD}")(
    _weekday("fortnight"))
rule(rf"(?:last|past)\s+{_WD}")(_weekday("last"))
rule(rf"{_WD}")(_weekday("plain"))


@rule(rf"(?:on\s+)?{_WDS}")
def _weekdays(found: re.Match[str]) -> list[Piece]:
    return _p("weekday", found, wd=WEEKDAYS[found["wds"]], mod="plural")


def _rel(days: int, *, part: str | None = None, today_only: bool = False) -> Builder:
    def build(found: re.Match[str]) -> list[Piece]:
        return _p("rel", found, days=days, part=part, today_only=today_only)
    return build


_TOMORROW = r"(?:tomorrow|tomorow|tommorow|tommorrow|tmrw|tmw|tomoz)"
rule(r"today")(_rel(0))
rule(r"tonight|this\s+evening|this\s+eve")(_rel(0, part="evening", today_only=True))
rule(r"this\s+afternoon")(_rel(0, part="afternoon", today_only=True))
rule(r"this\s+morning")(_rel(0, part="morning", today_only=True))
rule(_TOMORROW)(_rel(1))
rule(rf"{_TOMORROW}\s+(?:morning|am)")(_rel(1, part="morning"))
rule(rf"{_TOMORROW}\s+afternoon")(_rel(1, part="afternoon"))
rule(rf"{_TOMORROW}\s+(?:evening|night)")(_rel(1, part="evening"))
rule(r"yesterday")(_rel(-1))
rule(r"(?:the\s+)?day\s+after\s+tomorrow")(_rel(2))
rule(r"a\s+week\s+(?:today|from\s+today)|today\s+week|one\s+week\s+today")(_rel(7))
rule(rf"a\s+week\s+(?:on\s+)?{_TOMORROW}|{_TOMORROW}\s+week")(_rel(8))
rule(r"a\s+fortnight\s+(?:today|from\s+today)|today\s+fortnight")(_rel(14))
rule(rf"a\s+fortnight\s+(?:on\s+)?{_TOMORROW}|{_TOMORROW}\s+fortnight")(_rel(15))


@rule(rf"in\s+{_NUM}\s+(?P<u>days?|weeks?|fortnights?)(?:'?s?'?\s*time)?"
      rf"|(?P<n2>\d{{1,3}}|{_alt(NUMBERS)})\s+(?P<u2>days?|weeks?)\s+"
      r"(?:from\s+(?:now|today)|time|'\s*time|today|hence)")
def _in_days(found: re.Match[str]) -> list[Piece]:
    number = found["n"] or found["n2"]
    count = int(number) if number.isdigit() else NUMBERS[number]
    unit = (found["u"] or found["u2"]).rstrip("s")
    return _p("rel", found, days=count * {"day": 1, "week": 7, "fortnight": 14}[unit],
              part=None, today_only=False, vague="couple" in number)


@rule(rf"in\s+(?P<n>an|a|\d{{1,3}}|{_alt(HOURS)})\s+(?P<u>hours?|hrs?|minutes?|mins?)"
      r"(?:'?s?'?\s*time)?")
def _in_hours(found: re.Match[str]) -> list[Piece]:
    """"in 3 minutes", "in an hour": from now."""
    count = int(found["n"]) if found["n"].isdigit() else NUMBERS[found["n"]]
    return _p("soon", found, minutes=count * (60 if found["u"].startswith("h") else 1))


@rule(r"(?:(?:this|the)\s+)?weekend|next\s+weekend")
def _weekend(found: re.Match[str]) -> list[Piece]:
    return _p("marker", found, what="weekend")


@rule(r"next\s+week|this\s+week|(?:this|next|the)\s+month|later\s+this\s+week|soon"
      r"|this\s+term|next\s+term|after\s+half\s+term|half\s+term|end\s+of\s+term")
def _marker(found: re.Match[str]) -> list[Piece]:
    return _p("marker", found, what=found.group(0))


@rule(r"w/c|w/b|wc|wb|week\s+(?:commencing|beginning|starting)(?:\s+on)?|(?:in\s+)?the\s+week\s+of")
def _week_of(found: re.Match[str]) -> list[Piece]:
    """"w/c 7th Dec": a week named by its first day; a weekday then picks a day in it."""
    return _p("marker", found, what="week of")


@rule(rf"(?:in\s+the\s+|this\s+|at\s+)?(?P<part>{_alt(PARTS)})")
def _part(found: re.Match[str]) -> list[Piece]:
    return _p("part", found, part=PARTS[found["part"]])


@rule(r"at\s+night")
def _at_night(found: re.Match[str]) -> list[Piece]:
    return _p("part", found, part="evening")


# clock times --------------------------------------------------------------------------------
@rule(r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?(?:\s*(?P<mer>am|pm)|(?P<short>[ap]))")
def _with_meridiem(found: re.Match[str]) -> list[Piece]:
    """"4pm", "4.30 pm", "4p" (a lone a/p only straight after the digits)."""
    return _time(int(found["h"]), int(found["m"] or 0), "mer", found,
                 mer=_mer(found["mer"] or found["short"]), raw=found["h"])


@rule(r"(?P<h>\d{1,2})(?::|h)(?P<m>\d{2})(?:\s*(?:hrs|hours|h))?")
def _colon(found: re.Match[str]) -> list[Piece]:
    return _time(int(found["h"]), int(found["m"]), _style(found["h"], None), found,
                 raw=found["h"])


@rule(r"(?P<hm>\d{4})(?:\s*(?:hrs|hours|h))?")
def _four_digits(found: re.Match[str]) -> list[Piece]:
    hour, minute = int(found["hm"][:2]), int(found["hm"][2:])
    return _time(hour, minute, "24h", found, raw=found["hm"][:2])


@rule(r"(?P<h>[1-9])(?P<m>[0-5]\d)")
def _three_digits(found: re.Match[str]) -> list[Piece]:
    return _time(int(found["h"]), int(found["m"]), "bare", found, raw=found["h"])


@rule(r"(?:12\s*)?(?:noon|midday|mid\s+day)|twelve\s+noon")
def _noon(found: re.Match[str]) -> list[Piece]:
    return _time(12, 0, "noon", found)


@rule(r"(?:12\s*)?midnight")
def _midnight(found: re.Match[str]) -> list[Piece]:
    return _time(0, 0, "midnight", found)


@rule(rf"half\s+(?:past\s+)?{_HOUR}{_MER}")
def _half(found: re.Match[str]) -> list[Piece] | None:
    hour = _hour(found["h"])
    if not 1 <= hour <= 12:
        return None
    mer = _mer(found["mer"])
    return _time(hour, 30, "mer" if mer else "bare", found, mer=mer)


@rule(rf"(?P<mw>{_alt(PAST_MINUTES)}|\d{{1,2}})\s+(?:minutes?\s+)?(?:past|after)\s+"
      rf"{_HOUR}{_MER}")
def _past(found: re.Match[str]) -> list[Piece] | None:
    """"quarter past 4", "20 past four", "half past 4" (and "10 minutes past 4")."""
    words = found["mw"]
    minutes = int(words) if words.isdigit() else PAST_MINUTES[words]
    hour, mer = _hour(found["h"]), _mer(found["mer"])
    if not (1 <= hour <= 12 and 1 <= minutes <= 59):
        return None
    return _time(hour, minutes, "mer" if mer else "bare", found, mer=mer)


@rule(rf"(?P<mw>{_alt(TO_MINUTES)}|\d{{1,2}}\s+minutes?)\s+(?:minutes?\s+)?(?:to|before)\s+"
      rf"{_HOUR}{_MER}")
def _to(found: re.Match[str]) -> list[Piece] | None:
    """"quarter to 5": am/pm is settled on the hour said (5), then 15 minutes come off.
    Digits need "minutes" ("10 minutes to 5"): "4 to 6" is a range."""
    words = found["mw"]
    digits = re.match(r"\d+", words)
    minutes = int(digits.group(0)) if digits else TO_MINUTES[words]
    hour, mer = _hour(found["h"]), _mer(found["mer"])
    if not (1 <= hour <= 12 and 1 <= minutes <= 59):
        return None
    return _time(hour, 0, "mer" if mer else "bare", found, mer=mer, minus=minutes)


@rule(rf"{_HOUR}\s*oclock{_MER}")
def _oclock(found: re.Match[str]) -> list[Piece] | None:
    hour = _hour(found["h"])
    if not 1 <= hour <= 12:
        return None
    mer = _mer(found["mer"])
    return _time(hour, 0, "mer" if mer else "bare", found, mer=mer)


@rule(rf"(?P<h>{_alt(HOURS)})\s+(?P<mm>{_alt(SPOKEN_MINUTES)}){_MER}")
def _spoken(found: re.Match[str]) -> list[Piece]:
    mer = _mer(found["mer"])
    return _time(HOURS[found["h"]], SPOKEN_MINUTES[found["mm"]], "mer" if mer else "bare",
                 found, mer=mer)


@rule(rf"(?P<h>\d{{1,2}}|{_alt(HOURS)})(?![.:]\d)")
def _bare(found: re.Match[str]) -> list[Piece]:
    """"4", "at four"; "Thursday 16" could be 16:00 or the 16th, so without "at" before it
    a number from 13 up is asked about."""
    text = found["h"]
    if not text.isdigit():
        return _time(HOURS[text], 0, "bare", found)
    pieces = _time(int(text), 0, _style(text, None), found, raw=text)
    said_at = re.search(r"\bat\s+$", found.string[:found.start()]) is not None
    if int(text) >= 13 and not said_at and not text.startswith("0"):
        pieces.append(Piece("doubt", {"day": int(text)}, found.group(0)))
    return pieces


# ranges, lengths, repeats -------------------------------------------------------------------
@rule(r"-+|to|till|til|'til|until|untill|up\s+until|through|thru|ending(?:\s+at)?"
      r"|finishing(?:\s+at|\s+by)?|finishes(?:\s+at)?|ends(?:\s+at)?|end\s+at",
      boundary=False)
def _sep(found: re.Match[str]) -> list[Piece] | None:
    word = found.group(0)
    if word[0].isalpha() and re.match(_BOUNDARY, found.string[found.end():]) is None:
        return None
    return _p("sep", found, word=word)


@rule(r"(?P<t>\d{1,2}(?:[:.]\d{2})?(?:\s*(?:am|pm))?)\s*-?ish")
def _roughly(found: re.Match[str]) -> list[Piece] | None:
    """"4ish": the time, marked as rough (asked about, with the time offered)."""
    for compiled, build in _RULES:
        match = compiled.fullmatch(found["t"])
        if match is not None and build is not _roughly:
            pieces = build(match)
            if pieces and pieces[0].kind in ("time", "dotted"):
                return [*pieces, Piece("rough", {}, found.group(0))]
    return None


@rule(r"between")
def _between(found: re.Match[str]) -> list[Piece]:
    return _p("between", found)


@rule(r"and|&")
def _and(found: re.Match[str]) -> list[Piece]:
    return _p("and", found)


@rule(rf"(?:for|lasting|runs\s+for|duration|length)\s+(?:about\s+)?(?P<dur>{_DURATION})"
      rf"|(?P<dur2>{_DURATION})(?:\s+long)?")
def _duration(found: re.Match[str]) -> list[Piece] | None:
    text = found["dur"] or found["dur2"]
    if found["dur2"] and not re.search(r"[a-z]", text):
        return None  # a bare "1:30" is a clock time, not a length
    minutes = duration_minutes(text)
    if minutes is None or (found["dur2"] and minutes > 12 * 60):
        return None  # "16h" without "for" is more likely a clock time than a length
    return _p("duration", found, minutes=minutes)


@rule(rf"for\s+(?:another\s+)?{_NUM}\s+(?:more\s+)?(?P<u>weeks?|months?|sessions?|times|"
      r"meetings?|occurrences?|events?|terms?)|(?P<n2>\d{1,3}|" + _alt(NUMBERS) +
      r")\s+(?:times|sessions|meetings|occurrences)")
def _count(found: re.Match[str]) -> list[Piece]:
    number = found["n"] or found["n2"]
    count = int(number) if number.isdigit() else NUMBERS[number]
    unit = (found["u"] or "times").rstrip("s")
    return _p("count", found, n=count, unit=unit)


@rule(r"every\s+other|every\s+second|alternate|every\s+(?:two|2)\s+weeks|every\s+fortnight"
      r"|fortnightly|once\s+a\s+fortnight")
def _fortnightly(found: re.Match[str]) -> list[Piece]:
    return _p("recur", found, interval=2, unit="week")


@rule(r"every\s+week|weekly|each\s+week|once\s+a\s+week")
def _weekly(found: re.Match[str]) -> list[Piece]:
    return _p("recur", found, interval=1, unit="week")


@rule(r"every\s+month|monthly|each\s+month|once\s+a\s+month|of\s+every\s+month"
      r"|of\s+each\s+month|in\s+every\s+month")
def _monthly(found: re.Match[str]) -> list[Piece]:
    return _p("recur", found, interval=1, unit="month")


@rule(r"every|each|repeating|recurring|regularly")
def _every(found: re.Match[str]) -> list[Piece]:
    return _p("recur", found, interval=None, unit=None)


@rule(r"every\s+day|daily|each\s+day|every\s+weekday|bi[- ]?weekly|twice\s+a\s+week"
      r"|every\s+(?:three|four|\d+)\s+weeks|every\s+(?:two|three|\d+)\s+months|termly"
      r"|every\s+term|each\s+term|yearly|annually|every\s+year")
def _unsupported_repeat(found: re.Match[str]) -> list[Piece]:
    return _p("recur", found, interval=None, unit="other")


# zones --------------------------------------------------------------------------------------
@rule(r"(?P<z>[a-z]+(?:/[a-z0-9_+-]+)+)(?:\s+time)?")
def _iana(found: re.Match[str]) -> list[Piece] | None:
    spelled = _zone_names().get(found["z"])
    if spelled is None:
        return _p("zone", found, bad=found["z"])
    return _p("zone", found, name=spelled)


@rule(rf"(?P<a>{_alt(ABBREVIATIONS)})(?:\s*(?P<off>[+-]\s*\d{{1,2}}(?::?\d{{2}})?))?"
      r"(?:\s+time)?")
def _abbreviation(found: re.Match[str]) -> list[Piece] | None:
    fixed, home = ABBREVIATIONS[found["a"]]
    if found["off"]:
        if found["a"] not in ("utc", "gmt"):
            return None
        offset = _offset_minutes(found["off"].replace(" ", ""))
        if offset is None:
            return None
        return _p("zone", found, fixed=offset, home=None, abbr=found.group(0).upper())
    if fixed is None:
        return _p("zone", found, name=home)
    return _p("zone", found, fixed=fixed, home=home, abbr=found["a"].upper())


@rule(r"(?:us\s+)?(?P<bare>eastern|pacific)")
def _bare_region(found: re.Match[str]) -> list[Piece]:
    """"4pm Eastern": American usage names the zone without "time"."""
    return _p("zone", found, name=PLACES[found["bare"]])


@rule(r"(?:in\s+)?(?P<place>[a-z][a-z.' ]{1,30}?)\s+time")
def _place(found: re.Match[str]) -> list[Piece] | None:
    place = found["place"].strip()
    if place in ("local", "my", "your", "our", "school", "uk local"):
        return _p("zone", found, name=None)
    spelled = _cities().get(place)
    return None if spelled is None else _p("zone", found, name=spelled)


@rule(_alt(FILLER) + r"|@")
def _filler(found: re.Match[str]) -> list[Piece]:
    return []


def duration_minutes(text: str) -> int | None:
    """Minutes in "2h", "1.5 hours", "1h30", "90 mins", "1:30", "an hour and a half",
    "two and a half hours", "three quarters of an hour"; None if it is not a length."""
    value = " ".join(text.lower().replace("-", " ").split())
    if found := re.fullmatch(rf"(\d+(?:\.\d+)?)\s*{_H_UNIT}(?:\s*(?:and\s+)?(\d{{1,2}})\s*"
                             rf"(?:{_M_UNIT})?)?", value):
        return round(float(found[1]) * 60) + int(found[2] or 0)
    if found := re.fullmatch(rf"(\d+)\s*{_M_UNIT}", value):
        return int(found[1])
    if found := re.fullmatch(r"(\d{1,2}):(\d{2})\s*(?:hours?|hrs?|h)?", value):
        return int(found[1]) * 60 + int(found[2]) if int(found[2]) < 60 else None
    if found := re.fullmatch(r"(\w+(?: of)?)\s+and\s+a\s+(half|quarter)\s+hours?", value):
        whole = _count_word(found[1])
        return None if whole is None else whole * 60 + (30 if found[2] == "half" else 15)
    if found := re.fullmatch(r"(\w+(?: of)?)\s+(?:hours?|hrs?)(?:\s+and\s+(.+))?", value):
        whole = _count_word(found[1])
        if whole is None:
            return None
        extra = 0
        if found[2]:
            rest = found[2]
            extra = {"a half": 30, "a quarter": 15, "three quarters": 45}.get(rest, -1)
            if extra < 0:
                part = re.fullmatch(rf"(\d{{1,2}})\s*{_M_UNIT}|(.+?)\s+minutes", rest)
                if part is None:
                    return None
                extra = int(part[1]) if part[1] else SPOKEN_MINUTES.get(part[2], -1)
                if extra < 0:
                    return None
        return whole * 60 + extra
    words = {"half an hour": 30, "a quarter of an hour": 15, "three quarters of an hour": 45,
             "3/4 hour": 45, "3/4 of an hour": 45, "1/2 hour": 30, "1/2 an hour": 30,
             "1/4 hour": 15, "1/4 of an hour": 15,
             "ninety minutes": 90, "sixty minutes": 60, "seventy five minutes": 75,
             "forty five minutes": 45, "forty minutes": 40, "fifty minutes": 50,
             "thirty minutes": 30, "twenty minutes": 20}
    return words.get(value)


def _count_word(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return NUMBERS.get(word)


def normalise(text: str) -> str:
    """Lower case, one kind of dash and quote, "a.m." as "am", punctuation as spaces."""
    value = text.lower()
    value = re.sub(r"[–—‐‑−]", "-", value).replace("’", "'").replace("‘", "'")
    value = re.sub(r"(?<![a-z])([ap])\.\s?m\b\.?", r"\1m", value)
    value = re.sub(r"o'?\s?clock", "oclock", value)
    value = re.sub(r"(?<![a-z0-9])(nxt|wk|wks|2moro|2morrow|tonite|2nite)(?![a-z0-9])",
                   lambda found: SHORTHAND[found[1]], value)
    value = re.sub(r"\bbritish summer time\b", "bst", value)
    value = re.sub(r"\bgreenwich mean time\b", "gmt", value)
    value = value.replace("@", " at ").replace("&", " and ")
    value = re.sub(r"\bat(?=\d)", "at ", value)
    value = re.sub(r"[,;!?()\[\]\"]", " ", value)
    value = re.sub(r"\.(?=\s|$)", " ", value)
    value = re.sub(r"\s*-\s*", "-", value)
    value = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", value)
    months = "|".join(sorted(MONTHS, key=len, reverse=True))
    value = re.sub(rf"(\d)-({months})\b", r"\1 \2", value)
    value = re.sub(rf"\b({months})-(\d)", r"\1 \2", value)
    value = re.sub(r"(?<=[a-z])-(?=\d)|(?<=\d)-(?=[a-z])", " - ", value)
    return " ".join(value.split())


def scan(text: str) -> tuple[list[Piece], list[str]]:
    """The pieces of normalised `text`, and the words no rule knows."""
    pieces: list[Piece] = []
    unknown: list[str] = []
    pos, size = 0, len(text)
    while pos < size:
        if text[pos] == " ":
            pos += 1
            continue
        best_end, best = pos, None
        for compiled, build in _RULES:
            found = compiled.match(text, pos)
            if found is None or found.end() <= best_end:
                continue
            built = build(found)
            if built is not None:
                best_end, best = found.end(), built
        if best is None:
            word = re.compile(r"\S+").match(text, pos)
            assert word is not None
            unknown.append(word.group(0))
            pos = word.end()
            continue
        pieces.extend(best)
        pos = best_end
    return pieces, unknown


# -- interpreting the pieces ------------------------------------------------------------------
class _Unreadable(Exception):
    """The pieces do not make one time (two clock times, two different days...)."""


@dataclass(frozen=True)
class _Zone:
    """Where wall times are read: an IANA zone, or a fixed offset said as an abbreviation
    ("GMT", "BST") or an ISO offset (`home`: the zone that abbreviation belongs to)."""

    name: str
    fixed: int | None = None
    home: str | None = None
    abbr: str = ""


@dataclass(frozen=True)
class _Setting:
    now: datetime
    member_zone: str
    today: date


@dataclass(frozen=True)
class _DayChoice:
    days: tuple[date, ...]
    question: str = ""


def read(text: str, *, now: datetime, tz: str, suggest: bool = True) -> Reading:
    """How the bot reads `text` (a start, maybe an end or a length, maybe a zone) for a
    member in zone `tz` at `now` (aware). `suggest=False` skips dateparser (sentence
    splitting tries many fragments and needs only the verdict)."""
    member_zone = zone(tz)
    setting = _Setting(now=now, member_zone=member_zone.key,
                       today=now.astimezone(member_zone).date())
    normal = normalise(text)
    if not normal:
        return Refuse(f"Say when it starts, e.g. {EXAMPLES}.")
    pieces, unknown = scan(normal)
    if unknown and (respelt := _respell(normal, unknown)) is not None:
        pieces, unknown = scan(respelt)
    far = _out_of_range(pieces, setting)
    if far is not None:
        return far
    try:
        reading = _interpret(pieces, setting) if pieces else None
    except _Unreadable:
        reading = None
    if not unknown and reading is not None:
        return reading
    if isinstance(reading, Refuse):
        return reading
    return _unsure(text, unknown, reading, setting, suggest=suggest)


SPELLABLE = (*(d.lower() for d in DAY_NAMES), *(m.lower() for m in MONTH_NAMES[1:]),
             "thurs", "tues", "weds")
"""Names people misspell in a hurry ("thrusday", "wendsday", "Febuary")."""


def _typos(a: str, b: str) -> int:
    """Edits (insert, delete, change, swap two neighbours) between `a` and `b`."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, prev2[j - 2] + 1)
            row.append(cost)
        prev2, prev = prev, row
    return prev[-1]


def _respell(normal: str, unknown: list[str]) -> str | None:
    """`normal` without the event's name, and with each unknown word that is a slip for
    exactly one day or month name respelt (one slip in a short word, two in a long one,
    never in the first letter, which people rarely get wrong); None if nothing changed."""
    fixed = {word: "" for word in unknown if word in EVENT_WORDS}
    for word in set(unknown) - set(fixed):
        if not word.isalpha() or len(word) < 5:
            continue
        allowed = 1 if len(word) < 7 else 2
        scored = sorted((_typos(word, name), name) for name in SPELLABLE if name[0] == word[0])
        if not scored:
            continue
        best = [name for cost, name in scored if cost == scored[0][0]]
        meant = {(n in WEEKDAYS, WEEKDAYS.get(n, MONTHS.get(n))) for n in best}
        if scored[0][0] <= allowed and len(meant) == 1:
            fixed[word] = best[0]
    if not fixed:
        return None
    return " ".join(kept for word in normal.split() if (kept := fixed.get(word, word)))


def fully_read(text: str, *, now: datetime, tz: str) -> Reading | None:
    """The reading if every word of `text` is understood, else None (for finding where a
    time starts and ends inside a sentence)."""
    member_zone = zone(tz)
    normal = normalise(text)
    pieces, unknown = scan(normal)
    if unknown or not pieces:
        return None
    setting = _Setting(now=now, member_zone=member_zone.key,
                       today=now.astimezone(member_zone).date())
    try:
        return _out_of_range(pieces, setting) or _interpret(pieces, setting)
    except _Unreadable:
        return None


def _out_of_range(pieces: list[Piece], setting: _Setting) -> Refuse | None:
    """A typed year that no teach-meet can have (0001, 9999), refused before any date
    arithmetic is done with it."""
    for piece in pieces:
        year = piece.value.get("y")
        if year is None:
            continue
        if year < setting.today.year:
            return Refuse(f"The year {year} is in the past; a teach-meet needs a future "
                          "start.")
        if year > setting.today.year + MAX_YEARS_AHEAD:
            return _too_far(f"The year {year}")
    return None


def _too_far(what: str = "That") -> Refuse:
    return Refuse(f"{what} is too far ahead: a teach-meet can be planned at most "
                  f"{MAX_YEARS_AHEAD} years ahead.")


def _unsure(text: str, unknown: list[str], reading: Reading | None, setting: _Setting, *,
            suggest: bool) -> Ask:
    shown = text.strip()[:80]
    words = " ".join(unknown)[:40]
    candidates: tuple[When, ...] = ()
    datey = any(_datey(word) for word in unknown)
    if isinstance(reading, When) and not datey:
        candidates = (reading,)
    elif isinstance(reading, Ask) and not datey:
        candidates = reading.candidates
    if not candidates and suggest:
        candidates = _suggestion(text, setting)
    if unknown:
        question = f"I'm not sure what “{words}” means in “{shown}”."
    else:
        question = f"I couldn't read “{shown}” as one date and time."
    if candidates:
        question += " Did you mean " + " or ".join(c.label(setting.today)
                                                  for c in candidates) + "?"
    else:
        question += f" When does it start? For example {EXAMPLES}."
    return Ask(question, candidates)


def _datey(word: str) -> bool:
    """A word that may carry part of the date or time: what was read without it is no
    suggestion ("4pm on the thirtieth" is not "4pm today")."""
    return bool(re.search(r"\d", word)) or any(
        word.startswith(stem) for stem in (*MONTHS, *WEEKDAYS, *HOURS, *DAY_WORDS)
        if len(stem) > 2) or word in ("noon", "midnight", "week", "weeks", "day", "days")


def _suggestion(text: str, setting: _Setting) -> tuple[When, ...]:
    """dateparser's reading, offered (never taken) when ours is unsure; only if it is in
    the future, has a clock time and keeps to the bare-hour convention."""
    try:
        import dateparser
    except ImportError:  # pragma: no cover - a declared dependency
        return ()
    local_now = setting.now.astimezone(ZoneInfo(setting.member_zone))
    try:
        found = dateparser.parse(text, languages=["en"], settings={
            "TIMEZONE": setting.member_zone, "RETURN_AS_TIMEZONE_AWARE": True,
            "RELATIVE_BASE": local_now.replace(tzinfo=None), "PREFER_DATES_FROM": "future",
            "DATE_ORDER": "DMY", "REQUIRE_PARTS": ["day", "month"]})
    except Exception:
        return ()
    if found is None or found <= setting.now:
        return ()
    local = found.astimezone(ZoneInfo(setting.member_zone))
    if (local.hour, local.minute) == (0, 0) or (local.hour < 8 and not re.search(
            r"\bam\b|a\.m", text.lower())):
        return ()
    return (When(start=local, zone=setting.member_zone),)


def _interpret(pieces: list[Piece], setting: _Setting) -> Reading | None:
    pieces = _settle_dotted(pieces)
    if any(p.kind == "rough" for p in pieces):
        exact = _interpret([p for p in pieces if p.kind != "rough"], setting)
        said = next(p.text for p in pieces if p.kind == "rough")
        offered = exact.candidates if isinstance(exact, Ask) else (
            (exact,) if isinstance(exact, When) else ())
        if isinstance(exact, Refuse):
            return exact
        return Ask(f"“{said}” is a rough time: when exactly does it start?", offered)
    if any(p.kind == "dotdoubt" for p in pieces):
        said = next(p for p in pieces if p.kind == "dotdoubt")
        exact = _interpret([p for p in pieces if p.kind != "dotdoubt"], setting)
        named = [p["wd"] for p in pieces if p.kind == "weekday"]
        as_date = _next_date(said["m"], said["d"], setting.today)
        if named and as_date is not None and as_date.weekday() not in named:
            return exact  # "Tuesday 16.10": 16 October is no Tuesday, so it is 16:10
        offered = exact.candidates if isinstance(exact, Ask) else (
            (exact,) if isinstance(exact, When) else ())
        return Ask(f"Is “{said.text}” a time, or the date {said['d']} "
                   f"{MONTH_NAMES[said['m']]}? Write times with a colon or am/pm (`5:10pm`) "
                   "and dates with the month as a word.", offered)
    if any(p.kind == "doubt" for p in pieces):
        said = next(p for p in pieces if p.kind == "doubt")
        exact = _interpret([p for p in pieces if p.kind != "doubt"], setting)
        offered = exact.candidates if isinstance(exact, Ask) else (
            (exact,) if isinstance(exact, When) else ())
        return Ask(f"Is “{said.text}” the time ({said['day']}:00) or the {said['day']}"
                   f"{_suffix(said['day'])}? Say e.g. `{said['day']}:00` or `the {said['day']}"
                   f"{_suffix(said['day'])} 4pm`.", offered)
    soon = [p for p in pieces if p.kind == "soon"]
    if soon:
        if len(soon) > 1 or any(p.kind not in ("soon", "duration", "zone") for p in pieces):
            raise _Unreadable
        start = (setting.now + timedelta(minutes=soon[0]["minutes"], seconds=59)).replace(
            second=0, microsecond=0)
        lengths = [p["minutes"] for p in pieces if p.kind == "duration"]
        return _finish(start, None, lengths[0] if lengths else None, setting.member_zone,
                       setting)
    if any(p.kind == "recur" or (p.kind == "weekday" and p["mod"] == "plural")
           or p.kind == "count" or (p.kind == "nth" and p["which"] == "every")
           for p in pieces):
        return _interpret_series(pieces, setting)
    zones = [p for p in pieces if p.kind == "zone"]
    where = _zone_of(zones, setting)
    if isinstance(where, (Ask, Refuse)):
        return where
    pieces = [p for p in pieces if p.kind != "zone"]
    start_time, end_time, pieces = _clock(pieces)
    if start_time is not None and end_time is not None:
        start_time = _start_from_end(start_time, end_time)
    durations = [p["minutes"] for p in pieces if p.kind == "duration"]
    if len(durations) > 1:
        raise _Unreadable
    duration = durations[0] if durations else None
    part = _part_of_day(pieces)
    day_pieces = [p for p in pieces if p.kind in ("date", "numeric", "ordinal", "month", "nth",
                                                  "weekday", "rel", "marker")]
    leftovers = [p for p in pieces if p.kind in ("sep", "between", "count")]
    if leftovers:
        raise _Unreadable
    if not day_pieces and start_time is None:
        return None
    today_only = any(p.kind == "rel" and p["today_only"] for p in day_pieces)
    choice = _days(day_pieces, setting, where) if day_pieces else None
    if isinstance(choice, (Ask, Refuse)):
        return choice
    if start_time is None:
        assert choice is not None
        return _ask_time(choice, part, setting, where, duration)
    clock = _clock_choices(start_time, part)
    if isinstance(clock, Refuse):
        return clock
    readings: list[Reading] = []
    for hm in clock:
        ends = _end_choices(hm, start_time, end_time, part) if end_time else [None]
        if isinstance(ends, Refuse):
            readings.append(ends)  # this reading of an ambiguous start cannot be; others may
            continue
        for end in ends:
            for day in (choice.days if choice else _today_or_tomorrow(hm, setting, where,
                                                                      today_only)):
                readings.append(_make(day, hm, end, duration, where, setting))
    return _settle(readings, choice, clock, start_time)


def _settle(readings: list[Reading], choice: _DayChoice | None, clock: list[tuple[int, int]],
            said: Piece) -> Reading:
    """One reading if there is one and nothing asks; else the question, listing every
    usable reading."""
    asking = choice is not None and bool(choice.question)
    if len(readings) == 1 and not (asking and isinstance(readings[0], When)):
        return readings[0]
    usable = tuple(r for r in readings if isinstance(r, When))
    nested = [r for r in readings if isinstance(r, Ask)]
    if not usable and not nested:
        refused = [r for r in readings if isinstance(r, Refuse)]
        return refused[0]
    if asking:
        assert choice is not None
        question = choice.question
    elif len(clock) > 1:
        hour = said["spoken"]
        if said["style"] == "mer":
            question = f"Is “{said.text}” midnight (00:00) or noon (12:00)?"
        elif hour != 0:
            question = (f"Is “{said.text}” in the morning or the evening "
                        f"({_hm(clock[0])} or {_hm(clock[1])})? Say it with am or pm, "
                        "e.g. `8am` or `8pm`.")
        else:
            question = f"Which midnight: the start of the day ({_hm(clock[0])}) or its end?"
    else:
        question = nested[0].question if nested else "Which of these do you mean?"
    candidates = list(usable)
    for ask in nested:
        candidates.extend(ask.candidates)
    return Ask(question, tuple(candidates)[:5])


def _hm(hm: tuple[int, int]) -> str:
    return f"{hm[0]:02d}:{hm[1]:02d}"


# zones ----------------------------------------------------------------------------------------
def _zone_of(zones: list[Piece], setting: _Setting) -> _Zone | Ask | Refuse:
    named = [z for z in zones if z.value.get("name") is not None or "fixed" in z.value
             or "bad" in z.value]
    if not named:
        return _Zone(setting.member_zone)
    if len({(z.value.get("name"), z.value.get("fixed")) for z in named}) > 1:
        # an IANA name after an ISO offset (the form this reader writes) is allowed
        iso = [z for z in named if "fixed" in z.value and z.value.get("home") is None]
        names = [z for z in named if z.value.get("name")]
        if len(iso) == 1 and len(names) == 1 and len(named) == 2:
            return _Zone(names[0]["name"], fixed=iso[0]["fixed"], home=names[0]["name"],
                         abbr="offset")
        return Ask("Two different time zones are named; which one is it in?")
    piece = named[0]
    if "bad" in piece.value:
        return Refuse(f"I don't know the time zone “{piece['bad'][:60]}”; use a name such as "
                      "Europe/London.")
    if "fixed" in piece.value:
        return _Zone(setting.member_zone, fixed=piece["fixed"], home=piece.value.get("home"),
                     abbr=piece.value.get("abbr", ""))
    return _Zone(piece["name"])


# clock times -----------------------------------------------------------------------------------
def _settle_dotted(pieces: list[Piece]) -> list[Piece]:
    """"12.03" is a date when another clock time is given, else a time if it can be one."""
    others = sum(1 for p in pieces if p.kind == "time")
    out = []
    for piece in pieces:
        if piece.kind != "dotted":
            out.append(piece)
            continue
        a, b = piece["a"], piece["b"]
        as_date = 1 <= a <= 31 and 1 <= b <= 12
        as_time = a <= 23 and b <= 59
        if as_date and (others or not as_time):
            out.append(Piece("numeric", {"a": a, "b": b, "y": None}, piece.text))
        elif as_date and as_time:
            # "5.10": 17:10, or 5 October? Asked, with the time offered.
            out.append(Piece("time", {"h": a, "m": b, "style": _style(piece["raw"], None),
                                      "mer": None, "minus": 0, "spoken": a,
                                      "raw": piece["raw"]}, piece.text))
            out.append(Piece("dotdoubt", {"d": a, "m": b}, piece.text))
            others += 1
        elif as_time:
            out.append(Piece("time", {"h": a, "m": b, "style": _style(piece["raw"], None),
                                      "mer": None, "minus": 0, "spoken": a,
                                      "raw": piece["raw"]}, piece.text))
            others += 1
        else:
            raise _Unreadable
    return out


def _clock(pieces: list[Piece]) -> tuple[Piece | None, Piece | None, list[Piece]]:
    """The start time, the end of a range ("4-6pm", "between 4 and 6") and the other
    pieces. More than one start time is unreadable."""
    times = [i for i, p in enumerate(pieces) if p.kind == "time"]
    if len(times) > 2:
        raise _Unreadable
    if len(times) == 2:
        first, second = times
        between = [p.kind for p in pieces[first + 1:second]]
        if between == ["sep"]:
            drop = {first + 1}
        elif between == ["and"] and first > 0 and pieces[first - 1].kind == "between":
            drop = {first - 1, first + 1}
        else:
            raise _Unreadable
        rest = [p for i, p in enumerate(pieces) if i not in drop | {first, second}]
        return pieces[first], pieces[second], rest
    # a lone "and", or a dash between a day and a time ("Thursday - 4pm"), says nothing
    rest = [p for p in pieces if p.kind not in ("and", "time")
            and not (p.kind == "sep" and p["word"].startswith("-"))]
    return (pieces[times[0]] if times else None), None, rest


def _part_of_day(pieces: list[Piece]) -> str | None:
    parts = {p["part"] for p in pieces if p.kind == "part"} | {
        p["part"] for p in pieces if p.kind == "rel" and p["part"]}
    if len(parts) > 1:
        if parts <= PM_PARTS | {"evening"}:
            return "evening"
        raise _Unreadable
    return next(iter(parts), None)


def _clock_choices(piece: Piece, part: str | None) -> list[tuple[int, int]] | Refuse:
    """The (hour, minute) this clock time can mean: one, or two (am and pm) to ask about."""
    h, m, style, minus = piece["h"], piece["m"], piece["style"], piece["minus"]
    if m > 59:
        return Refuse(f"“{piece.text}” isn't a clock time.")
    if style == "noon":
        hours = [12]
    elif style == "midnight":
        return [(0, 0), (24, 0)]
    elif style == "24h":
        if h > 23:
            return Refuse(f"“{piece.text}” isn't a clock time.")
        hours = [h]
    elif style == "mer":
        if h == 0 or h > 23 or (h > 12 and piece["mer"] == "am"):
            return Refuse(f"“{piece.text}” isn't a clock time.")
        if h == 12 and m == 0 and piece["mer"] == "am":
            return [(0, 0), (12, 0)]  # "12am" is midnight, but often written for noon
        hours = [h] if h > 12 else [h % 12 + (12 if piece["mer"] == "pm" else 0)]
        if (part == "morning" and hours[0] >= 12) or (part in PM_PARTS and hours[0] < 12):
            raise _Unreadable  # "8am in the evening"
    else:  # a bare hour 1–12
        if h == 12:
            hours = [12]
        elif part == "morning":
            hours = [h]
        elif part in PM_PARTS or (part == "lunchtime" and h <= 3):
            hours = [h + 12]
        elif part == "lunchtime":
            hours = [h] if h >= 11 else [h + 12]
        elif 1 <= h <= 7:
            hours = [h + 12]
        else:
            hours = [h, h + 12]
    out = []
    for hour in hours:
        total = hour * 60 + m - minus
        out.append((total // 60, total % 60))
    return out


def _end_choices(start: tuple[int, int], said: Piece, end: Piece,
                 part: str | None) -> list[tuple[int, int]] | Refuse:
    """The end of a range as (hour, minute) on the start's day (hour 24+ is the next day):
    "4-6pm" (pm carries back), "4pm till 5.30" (the first 5.30 after 4pm)."""
    start_minutes = start[0] * 60 + start[1]
    if end["style"] in ("24h", "mer", "noon", "midnight"):
        choices = _clock_choices(end, None)
        if isinstance(choices, Refuse):
            return choices
        if len(choices) > 1 and end["style"] == "mer":  # "12am" as an end: noon or midnight
            later = [(hm[0] or 24, hm[1]) for hm in reversed(choices)
                     if (hm[0] or 24) * 60 + hm[1] > start_minutes]
            if not later:
                return Refuse(f"It ends ({end.text}) before it starts ({_hm(start)}).")
            return later
        (h, m), = choices[-1:] if end["style"] == "midnight" else choices
        minutes = h * 60 + m
        if minutes <= start_minutes:
            if end["style"] == "mer" and end["mer"] == "am" and start[0] >= 12:
                raise _Unreadable  # "10pm-1am": overnight, asked about as unreadable
            return Refuse(f"It ends ({_hm((h, m))}) before it starts ({_hm(start)}).")
        return [(h, m)]
    h = end["h"] % 12
    minutes = [h * 60 + end["m"] - end["minus"], (h + 12) * 60 + end["m"] - end["minus"]]
    if h == 0:
        minutes.append(24 * 60 + end["m"] - end["minus"])  # "10-12": noon, or midnight
    later = [x for x in minutes if x > start_minutes]
    if not later:
        return Refuse(f"It ends ({end.text}) before it starts ({_hm(start)}).")
    return [(later[0] // 60, later[0] % 60)]


def _start_from_end(start: Piece, end: Piece) -> Piece:
    """"4-6pm": an end with am/pm lends it to a bare start (the latest that is earlier)."""
    if start["style"] != "bare" or end["style"] != "mer":
        return start
    end_minutes = (end["h"] % 12 + (12 if end["mer"] == "pm" else 0)) * 60 + end["m"]
    h = start["h"] % 12
    options = [x for x in (h * 60 + start["m"] - start["minus"],
                           (h + 12) * 60 + start["m"] - start["minus"]) if x < end_minutes]
    if not options:
        return start
    best = max(options)
    return Piece("time", {**start.value, "h": best // 60, "m": best % 60, "minus": 0,
                          "style": "24h"}, start.text)


# days ---------------------------------------------------------------------------------------
def _label_day(day: date, today: date) -> str:
    text = f"{day:%a} {day.day} {day:%b}"
    return text if day.year == today.year else f"{text} {day.year}"


def _days(pieces: list[Piece], setting: _Setting, where: _Zone) -> _DayChoice | Ask | Refuse:
    """The day (or the days to ask between) the day words name."""
    today = setting.today
    weekdays = [p for p in pieces if p.kind == "weekday"]
    others = [p for p in pieces if p.kind != "weekday"]
    markers = [p for p in others if p.kind == "marker"]
    others = [p for p in others if p.kind != "marker"]
    if len(weekdays) > 1 or len(others) > 1:
        if len({p.text for p in weekdays}) == 1 and not others:
            weekdays = weekdays[:1]
        else:
            raise _Unreadable
    if markers:
        return _marker_days(markers[0], weekdays, others, setting)
    fixed: _DayChoice | Ask | Refuse | None = None
    if others:
        fixed = _fixed_day(others[0], setting, where)
        if not isinstance(fixed, _DayChoice):
            return fixed
    if not weekdays:
        assert fixed is not None
        return fixed
    named = _weekday_days(weekdays[0], today)
    if isinstance(named, Refuse):
        return named
    if fixed is None:
        return named
    wd = weekdays[0]["wd"]
    day = fixed.days[0]
    if len(fixed.days) == 1 and day.weekday() == wd:
        return fixed
    if len(fixed.days) > 1:
        matching = tuple(d for d in fixed.days if d.weekday() == wd)
        if len(matching) == 1:
            return _DayChoice(matching)
    options = [day] + [d for d in named.days if d != day]
    return _DayChoice(tuple(options[:3]), question=(
        f"{day.day} {day:%B %Y} is a {day:%A}, not a {DAY_NAMES[wd]}: which day do you mean?"))


def _marker_days(marker: Piece, weekdays: list[Piece], others: list[Piece],
                 setting: _Setting) -> _DayChoice | Ask:
    what = marker["what"]
    today = setting.today
    if what in ("this month", "the month", "next month") and others \
            and others[0].kind == "ordinal":
        month_start = date(today.year, today.month, 1)
        if what == "next month":
            month_start = _add_months(month_start, 1)
        try:
            day = month_start.replace(day=others[0]["d"])
        except ValueError:
            return Ask(f"{month_start:%B} has no {others[0].text}: which day?")
        return _DayChoice((day,))
    if what == "week of" and len(others) == 1:
        return _week_of_days(others[0], weekdays, setting)
    if weekdays or others:
        raise _Unreadable
    if what == "weekend":
        saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
        days = ((today,) if today.weekday() in (5, 6) else ()) + tuple(
            d for d in (saturday, saturday + timedelta(days=1)) if d > today)
        return _DayChoice(days[:3], question="Which day of the weekend?")
    if what == "next week":
        monday = today + timedelta(days=7 - today.weekday())
        return _DayChoice(tuple(monday + timedelta(days=i) for i in range(5)),
                          question="Which day next week?")
    return Ask(f"Which day “{marker.text}”? Give a day and a time, e.g. `Thursday 12 March "
               "4pm`.")


def _week_of_days(first: Piece, weekdays: list[Piece], setting: _Setting) -> _DayChoice | Ask:
    """The seven days from the typed date ("w/c 7th Dec Thursday" is Thu 10 Dec); without a
    weekday the organiser still has to say which day."""
    start = _fixed_day(first, setting, _Zone(setting.member_zone))
    if not isinstance(start, _DayChoice) or len(start.days) != 1:
        return Ask(f"Which week is “{first.text}”? Give a day and a time, e.g. `Thursday 12 "
                   "March 4pm`.")
    week = tuple(start.days[0] + timedelta(days=i) for i in range(7))
    if weekdays:
        return _DayChoice(tuple(d for d in week if d.weekday() == weekdays[0]["wd"]))
    return _DayChoice(tuple(d for d in week if d.weekday() < 5)[:3],
                      question=f"Which day in the week of {start.days[0]:%-d %B}?")


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_date(month: int, day: int, today: date) -> date | None:
    """The next `day` `month` from today (today included); None if no year has it."""
    for year in range(today.year, today.year + 9):
        found = _valid(year, month, day)
        if found is not None and found >= today:
            return found
    return None


def _dated(year: int | None, month: int, day: int, setting: _Setting,
           text: str) -> _DayChoice | Refuse:
    today = setting.today
    if not 1 <= month <= 12 or _valid(2024, month, day) is None:
        name = MONTH_NAMES[month] if 1 <= month <= 12 else f"month {month}"
        return Refuse(f"There is no {day} {name}.")
    if year is None:
        found = _next_date(month, day, today)
        if found is None:
            return Refuse(f"“{text}” is not a date.")
        if found.year > today.year + 1 or (found.year > today.year and found >= today.replace(
                year=today.year + 1, day=min(today.day, 28))):
            # "29 Feb" in a year without one: more likely a slip than a date years away
            return _DayChoice((found,), question=(
                f"There is no {day} {MONTH_NAMES[month]} in {found.year - 1}: do you mean "
                f"{found:%a} {found.day} {found:%B %Y}?"))
        return _DayChoice((found,))
    found = _valid(year, month, day)
    if found is None:
        return Refuse(f"There is no {day} {MONTH_NAMES[month]} in {year}.")
    if found < today:
        return Refuse(f"{found:%a} {found.day} {found:%B %Y} is in the past.")
    return _DayChoice((found,))


def _fixed_day(piece: Piece, setting: _Setting, where: _Zone) -> _DayChoice | Ask | Refuse:
    today = setting.today
    if piece.kind == "date":
        return _dated(piece["y"], piece["m"], piece["d"], setting, piece.text)
    if piece.kind == "numeric":
        return _numeric_day(piece, setting, where)
    if piece.kind == "ordinal":
        day = piece["d"]
        if not 1 <= day <= 31:
            return Refuse(f"“{piece.text}” is not a day of the month.")
        if day == today.day:
            later = _next_month_with(day, today)
            return _DayChoice((today, later), question=(
                f"Today is the {piece.text.removeprefix('the ')}: today, or "
                f"{_label_day(later, today)}?"))
        return _DayChoice((_next_month_with(day, today),))
    if piece.kind == "month":
        return Ask(f"Which day in {MONTH_NAMES[piece['m']]}? For example "
                   f"`12 {MONTH_NAMES[piece['m']]} 4pm`.")
    if piece.kind == "nth":
        return _nth_day(piece, setting)
    if piece.kind == "rel":
        if piece.value.get("vague"):
            return Ask(f"“{piece.text}” is vague: which day exactly?")
        day = today + timedelta(days=piece["days"])
        if day < today:
            return Refuse(f"{_label_day(day, today)} is in the past.")
        return _DayChoice((day,))
    raise _Unreadable


def _next_month_with(day: int, after: date) -> date:
    """The first date after `after` that is the `day`th of its month."""
    current = after.replace(day=1)
    for _ in range(14):
        found = _valid(current.year, current.month, day)
        if found is not None and found > after:
            return found
        current = _add_months(current, 1)
    raise _Unreadable


def _numeric_day(piece: Piece, setting: _Setting, where: _Zone) -> _DayChoice | Ask | Refuse:
    """Day/month, UK order; month/day only ever offered as a question."""
    a, b, year = piece["a"], piece["b"], piece["y"]
    check_year = year if year is not None else 2024
    uk = _valid(check_year, b, a) if 1 <= b <= 12 else None
    us = _valid(check_year, a, b) if 1 <= a <= 12 else None
    text = piece.text
    if uk is None and us is None:
        return Refuse(f"“{text}” is not a date (day/month).")
    us_member = uses_us_order(setting.member_zone) or uses_us_order(where.name)
    if uk is None:
        assert us is not None
        read_us = _dated(year, a, b, setting, text)
        if isinstance(read_us, Refuse):
            return Refuse(f"“{text}” is not a date in day/month order; " + read_us.reason)
        day = read_us.days[0]
        return _DayChoice((day,), question=(
            f"“{text}” is not a date in day/month order. Did you mean {day:%A} {day.day} "
            f"{day:%B %Y} (month/day)? If not, type the date again, e.g. `12 March 2027`."))
    read_uk = _dated(year, b, a, setting, text)
    if us is not None and us_member and a != b:
        read_us = _dated(year, a, b, setting, text)
        days = [r.days[0] for r in (read_uk, read_us) if isinstance(r, _DayChoice)]
        if not days:
            return read_uk
        return _DayChoice(tuple(days), question=(
            f"Is {text} " + " or ".join(f"{d.day} {d:%B}" for d in days)
            + "? Write the month as a word, e.g. `3 June 2027`."))
    return read_uk


def _nth_day(piece: Piece, setting: _Setting) -> _DayChoice | Ask | Refuse:
    today = setting.today
    n, wd, month, year, which = piece["n"], piece["wd"], piece["m"], piece["y"], piece["which"]
    if which == "every":
        raise _Unreadable
    vague = month is None and which is None
    if vague:
        which = "this"
    if month is not None:
        if year is not None:
            start = date(year, month, 1)
            day = nth_weekday(start, n, wd)
            if day is None:
                return Refuse(f"{MONTH_NAMES[month]} {year} has no {piece.text}.")
            if day < today:
                return Refuse(f"{_label_day(day, today)} is in the past.")
            return _DayChoice((day,))
        start = date(today.year, month, 1)
        for _ in range(3):
            day = nth_weekday(start, n, wd)
            if day is not None and day >= today:
                return _DayChoice((day,))
            start = date(start.year + 1, month, 1)
        return Refuse(f"“{piece.text}” is not a date.")
    start = today.replace(day=1)
    if which == "next":
        start = _add_months(start, 1)
    day = nth_weekday(start, n, wd)
    if vague and (day is None or day < today):
        later = nth_weekday(_add_months(start, 1), n, wd)
        options = tuple(d for d in (later,) if d is not None)
        return _DayChoice(options, question=(
            f"The {ORDINAL_WORDS[n]} {DAY_NAMES[wd]} of which month? This month's has passed."))
    if day is None:
        return Refuse(f"{start:%B %Y} has no {ORDINAL_WORDS[n]} {DAY_NAMES[wd]}.")
    if day < today:
        return Refuse(f"{_label_day(day, today)}, the {ORDINAL_WORDS[n]} {DAY_NAMES[wd]} of "
                      f"{start:%B}, is in the past.")
    return _DayChoice((day,))


def nth_weekday(month_start: date, n: int, wd: int) -> date | None:
    """The nth (1–5, or -1 for last) weekday `wd` of the month starting at `month_start`."""
    if n > 0:
        first = month_start + timedelta(days=(wd - month_start.weekday()) % 7)
        day = first + timedelta(weeks=n - 1)
        return day if day.month == month_start.month else None
    end = _add_months(month_start, 1) - timedelta(days=1)
    return end - timedelta(days=(end.weekday() - wd) % 7)


def _weekday_days(piece: Piece, today: date) -> _DayChoice | Refuse:
    """A weekday with what was said around it: "Thursday", "next Thursday", "Thursday
    week", "Thursday next week"... (README conventions 8–10)."""
    wd, mod = piece["wd"], piece["mod"]
    name = DAY_NAMES[wd]
    t = today.weekday()
    ahead = (wd - t) % 7

    def plus(days: int) -> date:
        return today + timedelta(days=days)

    if mod in ("plain", "this"):
        if ahead == 0:
            return _DayChoice((today, plus(7)), question=(
                f"Today is {name}: do you mean today or a week today "
                f"({_label_day(plus(7), today)})?"))
        return _DayChoice((plus(ahead),))
    if mod == "next":
        first_after = ahead or 7
        in_next_week = 7 - t + wd
        if first_after == in_next_week:
            if first_after == 1:
                return _DayChoice((plus(1), plus(8)), question=(
                    f"“next {name}”: tomorrow ({_label_day(plus(1), today)}) or the week after "
                    f"({_label_day(plus(8), today)})?"))
            return _DayChoice((plus(first_after),))
        if first_after == 1:
            return _DayChoice((plus(8),))
        return _DayChoice((plus(first_after), plus(in_next_week)), question=(
            f"“next {name}” could be this week's ({_label_day(plus(first_after), today)}) or "
            f"next week's ({_label_day(plus(in_next_week), today)}): which?"))
    if mod == "nextweek":
        return _DayChoice((plus(7 - t + wd),))
    if mod == "thisweek":
        if wd < t and t == 6:
            # on a Sunday "this week" often means the week starting tomorrow
            return _DayChoice((plus(wd + 1),), question=(
                f"This week's {name} is past: do you mean {_label_day(plus(wd + 1), today)}?"))
        if wd < t:
            return Refuse(f"{name} this week ({_label_day(plus(wd - t), today)}) is past.")
        return _DayChoice((plus(wd - t),))
    if mod in ("week", "fortnight"):
        extra = 7 if mod == "week" else 14
        if ahead == 0:
            return _DayChoice((plus(extra), plus(extra + 7)), question=(
                f"Today is {name}: {_label_day(plus(extra), today)} or "
                f"{_label_day(plus(extra + 7), today)}?"))
        return _DayChoice((plus(ahead + extra),))
    if mod == "last":
        return Refuse(f"Last {name} is in the past.")
    raise _Unreadable


def _today_or_tomorrow(hm: tuple[int, int], setting: _Setting, where: _Zone,
                       today_only: bool) -> tuple[date, ...]:
    """A clock time alone is today if still ahead, else tomorrow (convention 7)."""
    today = setting.today
    reading = _make(today, hm, None, None, where, setting)
    if today_only or not isinstance(reading, Refuse) or "past" not in reading.reason:
        return (today,)
    return (today + timedelta(days=1),)


def _ask_time(choice: _DayChoice, part: str | None, setting: _Setting, where: _Zone,
              duration: int | None) -> Ask:
    today = setting.today
    days = " or ".join(_label_day(d, today) for d in choice.days)
    candidates = []
    for day in choice.days[:1]:
        for hm in SUGGESTED.get(part, SUGGESTED[None]):
            reading = _make(day, hm, None, duration, where, setting)
            if isinstance(reading, When):
                candidates.append(reading)
    extra = f" ({part})" if part else ""
    question = (f"What time on {days}{extra}? Say it with a clock time, e.g. "
                f"`{DAY_NAMES[choice.days[0].weekday()]} 4pm`.")
    if len(choice.days) > 1 and choice.question:
        question = f"{choice.question} And at what time?"
    return Ask(question, tuple(candidates))


# putting it together --------------------------------------------------------------------------
def _make(day: date, hm: tuple[int, int], end: tuple[int, int] | None, duration: int | None,
          where: _Zone, setting: _Setting) -> Reading:
    """The reading for one day and clock time: refused if past or skipped by the clocks,
    a question if the wall time happens twice or an abbreviation contradicts the date."""
    if hm[0] >= 24:
        day, hm = day + timedelta(days=1), (hm[0] - 24, hm[1])
    wall = datetime.combine(day, time(hm[0], hm[1]))
    if where.fixed is not None:
        return _make_fixed(wall, end, duration, where, setting)
    tz = ZoneInfo(where.name)
    start = _wall_time(wall, tz)
    if isinstance(start, (Ask, Refuse)):
        if isinstance(start, Ask):
            return Ask(start.question, tuple(
                _finish(s, end, duration, where.name, setting) for s in _both(wall, tz)
                if isinstance(_finish(s, end, duration, where.name, setting), When)))
        return start
    return _finish(start, end, duration, where.name, setting)


def _both(wall: datetime, tz: ZoneInfo) -> list[datetime]:
    return [wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)]


def _wall_time(wall: datetime, tz: ZoneInfo) -> datetime | Ask | Refuse:
    first, second = _both(wall, tz)
    if first.utcoffset() == second.utcoffset():
        return first
    back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    label = f"{wall:%a} {wall.day} {wall:%b} {wall:%H:%M}"
    if back != wall:
        return Refuse(f"{label} doesn't exist in {tz.key}: the clocks go forward then, "
                      "skipping that hour.")
    return Ask(f"{label} happens twice in {tz.key} (the clocks go back): the first one "
               f"({first:%Z}) or the second ({second:%Z})?")


def _finish(start: datetime, end: tuple[int, int] | None, duration: int | None, zone_name: str,
            setting: _Setting) -> Reading:
    """The reading from an aware start: an end wall time is read where the start was (a
    fixed offset such as GMT, or the zone), a length is added in real elapsed time."""
    tz = ZoneInfo(zone_name)
    said_in = start.tzinfo
    if start <= setting.now:
        local = start.astimezone(ZoneInfo(setting.member_zone))
        return Refuse(f"{local:%a} {local.day} {local:%b %Y} {local:%H:%M} is in the past; a "
                      "teach-meet needs a future start.")
    if start.year > setting.today.year + MAX_YEARS_AHEAD:
        return _too_far()
    stop: datetime | None = None
    if end is not None:
        end_day = start.date() + timedelta(days=end[0] // 24)
        end_wall = datetime.combine(end_day, time(end[0] % 24, end[1]))
        if not isinstance(said_in, ZoneInfo):
            stop = end_wall.replace(tzinfo=said_in)
        else:
            found = _wall_time(end_wall, said_in)
            if isinstance(found, Refuse):
                return found
            if isinstance(found, Ask):
                return Ask(found.question.replace("the first one", "does it end at the first"))
            stop = found
        if duration is not None and elapsed_minutes(start, stop) != duration:
            raise _Unreadable
    elif duration is not None:
        stop = start.astimezone(UTC) + timedelta(minutes=duration)
    start = start.astimezone(tz)
    if stop is not None:
        stop = stop.astimezone(tz)
        minutes = elapsed_minutes(start, stop)
        if minutes <= 0:
            return Refuse("It ends before it starts.")
        if minutes > MAX_MINUTES:
            return Refuse("A teach-meet lasts at most 24 hours.")
    return When(start=start, zone=zone_name, end=stop)


def _make_fixed(wall: datetime, end: tuple[int, int] | None, duration: int | None,
                where: _Zone, setting: _Setting) -> Reading:
    """A wall time at a fixed offset ("4pm GMT", an ISO offset): that instant. The event's
    zone is the member's (or the named one) when it keeps that offset then; "GMT" or "BST"
    on a date when UK time is the other one is a question."""
    assert where.fixed is not None
    fixed = timezone(timedelta(minutes=where.fixed))
    start = wall.replace(tzinfo=fixed)
    if where.abbr == "offset":  # our own canonical form: ISO offset + IANA zone
        named = ZoneInfo(where.name)
        if start.astimezone(named).utcoffset() != start.utcoffset():
            return Ask(f"{start.isoformat()} is not a time {where.name} has.")
        return _finish(start, end, duration, where.name, setting)
    home = where.home
    if home == "UTC":
        return _finish(start, end, duration, "UTC", setting)
    for name in (setting.member_zone, home):
        if name and start.astimezone(ZoneInfo(name)).utcoffset() == start.utcoffset():
            return _finish(start, end, duration, name, setting)
    if home is None or home == "UTC":
        name = _etc_zone(where.fixed) or setting.member_zone
        return _finish(start, end, duration, name, setting)
    local = _wall_time(wall, ZoneInfo(home))
    options = []
    if isinstance(local, datetime):
        options.append(_finish(local, end, duration, home, setting))
    options.append(_finish(start, end, duration, home, setting))
    label = f"{wall:%a} {wall.day} {wall:%b}"
    actual = start.astimezone(ZoneInfo(home))
    place = "UK time" if home == "Europe/London" else f"{home} time"
    return Ask(f"On {label} {place} is {actual:%Z}, not {where.abbr}: do you mean "
               f"{wall:%H:%M} {place} ({wall:%H:%M} {actual:%Z}), or {wall:%H:%M} "
               f"{where.abbr} ({actual:%H:%M} {actual:%Z})?",
               tuple(o for o in options if isinstance(o, When)))


def _etc_zone(minutes: int) -> str | None:
    if minutes % 60:
        return None
    hours = minutes // 60
    return "UTC" if hours == 0 else f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"


# -- repeating teach-meets --------------------------------------------------------------------
def _interpret_series(pieces: list[Piece], setting: _Setting) -> Reading | None:
    """"every first Thursday of the month at 4pm", "weekly on Wednesdays 16:00 until July",
    "Thursdays 4pm for 6 weeks": the first meeting, with the rule for the rest."""
    recur = [p for p in pieces if p.kind == "recur"]
    if any(p["unit"] == "other" for p in recur):
        said = next(p.text for p in recur if p["unit"] == "other")
        return Ask(f"Teach-meets can repeat weekly, fortnightly (“every other Thursday”) or "
                   f"monthly (“first Thursday of the month”); “{said}” isn't one of those. "
                   "Which do you mean?")
    interval = max((p["interval"] or 1 for p in recur), default=1)
    monthly = any(p["unit"] == "month" for p in recur)
    bounds, rest = _split_bounds(pieces)
    weekdays = [p for p in rest if p.kind == "weekday"]
    nths = [p for p in rest if p.kind == "nth"]
    ordinals = [p for p in rest if p.kind == "ordinal"]
    counts = [p for p in rest if p.kind == "count"]
    starts = [p for p in rest if p.kind in ("date", "numeric", "rel")]
    rest = [p for p in rest if p.kind not in ("recur", "weekday", "nth", "ordinal", "count",
                                              "date", "numeric", "rel", "and")]
    if len(counts) > 1 or len(starts) > 1 or any(p.kind in ("marker", "month") for p in rest):
        raise _Unreadable
    if nths:
        if len(nths) > 1 or weekdays or ordinals or interval != 1:
            raise _Unreadable
        nth = nths[0]
        byday = f"{nth['n']}{RRULE_DAYS[nth['wd']]}"
        rule_text, said = f"FREQ=MONTHLY;BYDAY={byday}", (
            f"on the {ORDINAL_WORDS[nth['n']]} {DAY_NAMES[nth['wd']]} of every month")
    elif ordinals:
        if len(ordinals) > 1 or weekdays or not (monthly or recur):
            raise _Unreadable
        day = ordinals[0]["d"]
        if not 1 <= day <= 28:
            return Ask(f"Not every month has a {ordinals[0].text}: pick a day up to the 28th, "
                       "or say e.g. `last Friday of the month`.")
        nth_text = ordinals[0].text.removeprefix("the ")
        rule_text, said = f"FREQ=MONTHLY;BYMONTHDAY={day}", f"on the {nth_text} of every month"
    elif weekdays:
        if monthly:
            return Ask(f"Which {DAY_NAMES[weekdays[0]['wd']]} of the month: e.g. `every first "
                       f"{DAY_NAMES[weekdays[0]['wd']]} of the month`?")
        if any(p["mod"] not in ("plain", "plural") for p in weekdays):
            raise _Unreadable
        days = sorted({p["wd"] for p in weekdays})
        rule_text = f"FREQ=WEEKLY;INTERVAL={interval};BYDAY=" + ",".join(
            RRULE_DAYS[d] for d in days)
        names = " and ".join(DAY_NAMES[d] for d in days)
        said = f"every {names}" if interval == 1 else f"every other {names}"
    else:
        return Ask("Which day does it repeat on? For example `every Thursday 4pm` or `first "
                   "Thursday of the month 4pm`.")
    if counts and counts[0]["unit"] in ("week", "month"):
        if (counts[0]["unit"] == "month") != rule_text.startswith("FREQ=MONTHLY"):
            raise _Unreadable
        count = counts[0]["n"] // (interval if counts[0]["unit"] == "week" else 1)
        count = max(count, 1) * (len(weekdays) if weekdays else 1)
    elif counts:
        if counts[0]["unit"] == "term":
            return Ask("Until which date? For example `until 22 July`.")
        count = counts[0]["n"]
    else:
        count = None
    if count is not None and not 1 <= count <= MAX_REPEATS:
        return Refuse(f"A repeating teach-meet has at most {MAX_REPEATS} meetings.")
    until = _series_until(bounds, setting)
    if isinstance(until, (Ask, Refuse)):
        return until
    if until is not None and count is not None:
        raise _Unreadable
    # the clock time, length and zone: read as for one meeting
    begin = None
    if starts:
        began = _fixed_day(starts[0], setting, _Zone(setting.member_zone))
        if not isinstance(began, _DayChoice):
            return began
        if len(began.days) > 1:
            return Ask(began.question or "Which day does it start?")
        begin = began.days[0]
    single = _interpret(rest, setting) if rest else None
    if single is None or not any(p.kind == "time" for p in rest):
        return Ask(f"At what time {said}? For example `{said} 4pm`.")
    if isinstance(single, Refuse) and "past" not in single.reason:
        return single
    template = single if isinstance(single, When) else None
    if isinstance(single, Ask):
        choices = [c for c in single.candidates]
        if not choices:
            return single
        options = [_first_meeting(c, rule_text, begin, until, count, setting)
                   for c in choices]
        return Ask(single.question, tuple(o for o in options if isinstance(o, When)))
    if template is None:
        # the clock time alone was in the past today: any day will do for the template
        rest_tomorrow = [p for p in rest if p.kind != "rel"]
        template = _interpret([Piece("rel", {"days": 1, "part": None, "today_only": False}),
                               *rest_tomorrow], setting)
        if not isinstance(template, When):
            return template
    return _first_meeting(template, rule_text, begin, until, count, setting)


def _split_bounds(pieces: list[Piece]) -> tuple[list[Piece], list[Piece]]:
    """"until 20 July" / "till July" after a repeat: the piece after the word."""
    bounds, rest, skip = [], [], False
    for index, piece in enumerate(pieces):
        if skip:
            skip = False
            continue
        after = pieces[index + 1] if index + 1 < len(pieces) else None
        if piece.kind == "sep" and piece["word"][0].isalpha() and after is not None and \
                after.kind in ("date", "numeric", "ordinal", "month", "nth", "marker"):
            bounds.append(after)
            skip = True
            continue
        rest.append(piece)
    return bounds, rest


def _series_until(bounds: list[Piece], setting: _Setting) -> date | Ask | Refuse | None:
    if not bounds:
        return None
    if len(bounds) > 1:
        raise _Unreadable
    bound = bounds[0]
    today = setting.today
    if bound.kind == "month":
        month = bound["m"]
        year = bound["y"] or (today.year if month >= today.month else today.year + 1)
        last = _add_months(date(year, month, 1), 1) - timedelta(days=1)
        before = date(year, month, 1) - timedelta(days=1)
        return Ask(f"Until {MONTH_NAMES[month]}: up to the end of {MONTH_NAMES[before.month]} "
                   f"({_label_day(before, today)}) or to the end of {MONTH_NAMES[month]} "
                   f"({_label_day(last, today)})? Say e.g. `until {last.day} "
                   f"{MONTH_NAMES[month]}`.")
    if bound.kind == "marker":
        return Ask(f"Until which date? “{bound.text}” differs from school to school; say e.g. "
                   "`until 22 July`.")
    found = _fixed_day(bound, setting, _Zone(setting.member_zone))
    if not isinstance(found, _DayChoice):
        return found
    if len(found.days) > 1:
        return Ask(found.question or "Until which date?")
    return found.days[0]


def _first_meeting(template: When, rule_text: str, begin: date | None,
                   until: date | None, count: int | None, setting: _Setting) -> Reading:
    """The first meeting on or after `begin` (else today) that is still ahead, at the
    template's clock time, in its zone; the RRULE gains UNTIL (UTC, RFC 5545) or COUNT."""
    from dateutil.rrule import rrulestr

    tz = ZoneInfo(template.zone)
    clock = template.start.astimezone(tz).timetz().replace(tzinfo=None)
    base = begin or setting.today
    finder = rrulestr(re.sub(r"INTERVAL=\d+;", "", rule_text),
                      dtstart=datetime.combine(base, clock, tzinfo=tz))
    first = None
    for found in finder:
        wall = found.replace(tzinfo=None)
        start = _wall_time(wall, tz)
        if isinstance(start, datetime) and start > setting.now:
            first = start
            break
        if wall.date() > base + timedelta(days=400):
            break
    if first is None:
        return Refuse("I couldn't find a first meeting for that pattern.")
    full = rule_text
    if until is not None:
        if until < first.date():
            return Refuse(f"It would end ({_label_day(until, setting.today)}) before the first "
                          f"meeting ({_label_day(first.date(), setting.today)}).")
        stop = datetime.combine(until, time(23, 59, 59), tzinfo=tz).astimezone(UTC)
        full += f";UNTIL={stop:%Y%m%dT%H%M%SZ}"
    elif count is not None:
        full += f";COUNT={count}"
    end = None
    if template.minutes is not None:
        end = (first.astimezone(UTC) + timedelta(minutes=template.minutes)).astimezone(tz)
    repeat = Repeat(rule=full, text=describe_rule(full, first))
    horizon = first + timedelta(days=800)
    starts = repeat.starts(first, horizon)
    for start in starts:
        wall = start.replace(tzinfo=None)
        checked = _wall_time(wall, tz)
        if not isinstance(checked, datetime):
            return Refuse(f"The meeting on {_label_day(wall.date(), setting.today)} would "
                          f"fall when the clocks change ({wall:%H:%M}); pick another time.")
    if (count is not None or until is not None) and len(starts) > MAX_REPEATS:
        return Refuse(f"That is {len(starts)} meetings; a repeating teach-meet has at most "
                      f"{MAX_REPEATS}.")
    return When(start=first, zone=template.zone, end=end, repeat=repeat)
