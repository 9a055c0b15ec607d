"""Our own corpus of UK organisers' phrasings (tests/teachmeets/data/times_extra.jsonl,
written by hand, not copied from the evaluation corpus), scored by the evaluation's rules:
a time saved wrong without a word is the one outcome never allowed."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.teachmeets.reader import Ask, When, read

CORPUS = Path(__file__).parent / "data" / "times_extra.jsonl"


def verdict(case: dict) -> str:
    """right / asked_ok / silently_wrong / wrongly_asked / wrongly_refused, as the scorer
    counts them (times compared to the minute as wall time in the case's zone)."""
    zone = ZoneInfo(case["tz"])
    now = datetime.fromisoformat(case["now"]).replace(tzinfo=zone)
    reading = read(case["text"], now=now, tz=case["tz"], suggest=False)
    expect = case["expect"]
    if isinstance(reading, When):
        if not isinstance(expect, dict):
            return "silently_wrong"
        start = reading.start.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
        end = reading.end.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if reading.end else None
        ok = start == expect["start"] and (expect["end"] is None or end == expect["end"])
        return "right" if ok else "silently_wrong"
    if isinstance(reading, Ask):
        return "asked_ok" if expect == "question" else "wrongly_asked"
    return "right" if expect == "error" else "wrongly_refused"


def test_the_extra_corpus_is_never_silently_wrong() -> None:
    cases = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
    assert len(cases) >= 80
    verdicts = {case["text"] + " @ " + case["now"]: verdict(case) for case in cases}
    wrong = [text for text, v in verdicts.items() if v == "silently_wrong"]
    assert not wrong, wrong
    good = sum(v in ("right", "asked_ok") for v in verdicts.values())
    misses = {text: v for text, v in verdicts.items() if v not in ("right", "asked_ok")}
    assert good / len(cases) >= 0.97, misses
