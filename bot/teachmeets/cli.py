"""Command-line additions: `staffroom when` (how a time is read) and `staffroom calendar`.

`bot.main` adds these parsers and handlers. `when` needs no database: it runs the reader
that `teachmeet create|move|edit` and the forms use, with the clock and zone given.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.teachmeets.reader import Reading

Handler = Callable[[argparse.Namespace, "Settings"], Awaitable[int]]


def add_parsers(sub: argparse._SubParsersAction) -> None:
    when = sub.add_parser("when", help="show how the bot reads a teach-meet time (saves "
                                       "nothing)")
    when.add_argument("text", help='e.g. "next Tuesday 4pm for 2h"')
    when.add_argument("--now", metavar="ISO", help="the time to read it at: local wall time "
                      "in --tz (or with an offset); default: now")
    when.add_argument("--tz", metavar="ZONE", help="the member's time zone (default: "
                      "[network] timezone)")
    when.add_argument("--json", action="store_true", help="print one JSON object")
    cal = sub.add_parser("calendar", help="write an .ics feed of upcoming teach-meets")
    cal.add_argument("file", type=Path, help="where to write it (e.g. teachmeets.ics)")
    cal.add_argument("--region", help="only teach-meets in this region")


def _now(text: str | None, zone_name: str) -> datetime:
    from zoneinfo import ZoneInfo

    if not text:
        return datetime.now(UTC)
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone_name))


def as_json(reading: Reading) -> dict[str, Any]:
    """The contract of `staffroom when --json`: start/end/zone, question or error."""
    from bot.teachmeets.reader import Ask, When

    if isinstance(reading, When):
        out: dict[str, Any] = {
            "start": reading.start.isoformat(), "zone": reading.zone,
            "end": reading.end.isoformat() if reading.end is not None else None}
        if reading.repeat is not None:
            out["repeats"] = reading.repeat.rule
            out["description"] = reading.repeat.text
        return out
    if isinstance(reading, Ask):
        return {"question": reading.question,
                "candidates": [c.start.isoformat() for c in reading.candidates]}
    return {"error": reading.reason}


def describe(reading: Reading) -> str:
    from bot.teachmeets.reader import Ask, When

    if isinstance(reading, When):
        text = reading.label() + f" ({reading.zone})"
        if reading.end is None:
            text += ", no end given (the default length applies)"
        if reading.repeat is not None:
            text += f"\nRepeats {reading.repeat.text} (RRULE {reading.repeat.rule})"
        return text
    if isinstance(reading, Ask):
        options = "".join(f"\n  - {c.label()}" for c in reading.candidates)
        return f"Question: {reading.question}{options}"
    return f"Not a usable time: {reading.reason}"


async def cmd_when(args: argparse.Namespace, settings: Settings) -> int:
    from bot.teachmeets.reader import read, zone

    zone_name = args.tz or settings.network.timezone
    try:
        zone_name = zone(zone_name).key
        now = _now(args.now, zone_name)
    except ValueError as exc:
        print(f"staffroom when: {exc}", file=sys.stderr)
        return 2
    reading = read(args.text, now=now, tz=zone_name)
    if args.json:
        print(json.dumps(as_json(reading), ensure_ascii=False))
    else:
        print(describe(reading))
    return 0


async def cmd_calendar(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import App, with_app
    from bot.teachmeets.feeds import network_feed

    async def body(app: App) -> int:
        content = await network_feed(app.services, args.region)
        args.file.write_bytes(content)
        count = content.count(b"BEGIN:VEVENT")
        where = f" in {args.region}" if args.region else ""
        print(f"Wrote {count} teach-meet entries{where} to {args.file}: the same calendar as "
              "the /calendar.ics feed (recent past ones and cancelled ones are kept, so "
              "calendars that subscribe drop them).")
        return 0

    return await with_app(settings, body)


COMMANDS: dict[str, Handler] = {"when": cmd_when, "calendar": cmd_calendar}
