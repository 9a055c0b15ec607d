"""Bad input gets a specific answer and changes nothing; parsers never crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import App
from bot.teachmeets.timeparse import (
    SLOT_MINUTES,
    WhenError,
    parse_duration,
    parse_slots,
    parse_when,
    split_sentence,
)
from bot.testing import FakeAdapter
from tests.teachmeets.support import create, snapshot

CASES = {
    'teachmeet create Old start="2025-01-01 10:00"': "is in the past",
    "teachmeet create Old meet yesterday 4pm": "is in the past",
    'teachmeet create Odd start="blurgh o\'clock"': "couldn't understand “blurgh o'clock”",
    "teachmeet create A meet with no date at all": "couldn't find when it starts",
    'teachmeet create Zoned start="2026-12-03 16:00 Mars/Olympus"': "don't know the time zone",
    'teachmeet create Empty start="2026-12-03 16:00" capacity=0': "Capacity must be at least 1",
    'teachmeet create Neg start="2026-12-03 16:00" capacity=-5': "Capacity must be at least 1",
    'teachmeet create Word start="2026-12-03 16:00" capacity=lots': "must be a whole number",
    'teachmeet create Long start="2026-12-03 16:00" duration=forever': "couldn't read “forever”",
    'teachmeet create Slots start="2026-12-03 16:00" slots="2 micro 10min"':
        "A micro talk lasts 5–7 minutes, not 10",
    'teachmeet create Slots start="2026-12-03 16:00" slots="lots of talks"':
        "couldn't read the slots",
    'teachmeet create Js start="2026-12-03 16:00" link=javascript:alert(1)': "web address",
    "teachmeet show 99": "There is no teach-meet #99",
    "teachmeet show abc": "must be a whole number",
    "teachmeet show 0": "must be at least 1",
    "teachmeet rsvp 99 going": "There is no teach-meet #99",
    "teachmeet going 99": "There is no teach-meet #99",
    "teachmeet edit 99 capacity=3": "There is no teach-meet #99",
    "teachmeet move 99 tomorrow 4pm": "There is no teach-meet #99",
    "teachmeet cancel 99": "There is no teach-meet #99",
    "teachmeet present 99 nano Talk": "There is no teach-meet #99",
    "teachmeet withdraw 99": "There is no teach-meet #99",
    "teachmeet draw 99": "There is no teach-meet #99",
    "teachmeet ics 99": "There is no teach-meet #99",
    "teachmeet rsvp 1 perhaps": "must be going, maybe or not going",
    "teachmeet present 1 keynote My big talk": "must be nano, micro or soapbox",
    "teachmeet present 1 nano": "Title is missing",
    "teachmeet edit 1 capacity=0": "Capacity must be at least 1",
    "teachmeet edit 1 duration=0": "between 1 minute and 24 hours",
}


async def test_bad_input_gets_a_specific_answer_and_changes_nothing(
        app: App, chat: FakeAdapter) -> None:
    await create(chat)
    await chat.say("teachmeet going 1", user="ann")
    before = await snapshot(app)
    for text, expected in CASES.items():
        reply = await chat.say(text, user="org")
        assert reply.is_error, text
        assert expected in reply.plain_text(), (text, reply.plain_text())
        assert "something went wrong" not in reply.plain_text()
    assert await snapshot(app) == before


async def test_non_organiser_cannot_move_edit_or_cancel(app: App, chat: FakeAdapter) -> None:
    await create(chat)
    before = await snapshot(app)
    for text in ("teachmeet move 1 2026-11-20 16:00", "teachmeet edit 1 capacity=80",
                 "teachmeet cancel 1 because", "teachmeet draw 1"):
        reply = await chat.say(text, user="mallory")
        assert reply.is_error and "Only the organiser of teach-meet #1 or a moderator" in \
            reply.plain_text(), text
    pressed = await chat.press("teachmeet cancel", {"id": 1, "confirm": True}, user="mallory")
    assert pressed.is_error and "Only the organiser" in pressed.plain_text()
    assert await snapshot(app) == before


async def test_organiser_cannot_move_into_the_past(app: App, chat: FakeAdapter) -> None:
    await create(chat)
    before = await snapshot(app)
    reply = await chat.say("teachmeet move 1 2026-11-01 16:00", user="org")
    assert reply.is_error and "is in the past" in reply.plain_text()
    unparseable = await chat.say("teachmeet move 1 whenever suits", user="org")
    assert unparseable.is_error and "couldn't understand" in unparseable.plain_text()
    assert await snapshot(app) == before


NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
def test_parse_when_only_ever_answers_or_explains(text: str) -> None:
    try:
        start, zone = parse_when(text, default_tz="Europe/London", now=NOW)
    except WhenError as exc:
        assert str(exc)
    else:
        assert start > NOW and start.tzinfo is not None and zone


@settings(max_examples=60, deadline=None)
@given(st.datetimes(min_value=datetime(2026, 11, 3), max_value=datetime(2030, 1, 1)),
       st.sampled_from(["Europe/London", "America/New_York", "Asia/Kolkata", "UTC"]))
def test_explicit_times_round_trip(when: datetime, zone: str) -> None:
    from zoneinfo import ZoneInfo

    when = when.replace(second=0, microsecond=0)
    text = f"{when:%Y-%m-%d %H:%M} {zone}"
    start, parsed_zone = parse_when(text, default_tz="Europe/London", now=NOW)
    assert parsed_zone == zone
    local = start.astimezone(ZoneInfo(zone))
    # a wall time skipped by a clock change may shift by the gap, never more
    assert abs(local.replace(tzinfo=None) - when) <= timedelta(hours=1)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=40))
def test_parse_duration_never_crashes(text: str) -> None:
    try:
        minutes = parse_duration(text)
    except WhenError:
        return
    assert 1 <= minutes <= 24 * 60


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 60), st.sampled_from(["nano", "micro", "soapbox"]),
                          st.one_of(st.none(), st.integers(1, 40))), max_size=4),
       st.text(max_size=20))
def test_parse_slots_accepts_only_sensible_slots(items: list[tuple[int, str, int | None]],
                                                 noise: str) -> None:
    text = ", ".join(f"{count} {kind}" + (f" {minutes}min" if minutes else "")
                     for count, kind, minutes in items)
    for candidate in (text, text + noise):
        try:
            slots = parse_slots(candidate, {"nano": 2, "micro": 7, "soapbox": 15})
        except WhenError as exc:
            assert str(exc)
            continue
        for slot in slots:
            low, high = SLOT_MINUTES[slot.type]
            assert low <= slot.minutes <= high and 1 <= slot.count <= 50
        assert len({s.type for s in slots}) == len(slots)


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=60))
def test_split_sentence_never_crashes(text: str) -> None:
    try:
        spoken = split_sentence(text, default_tz="Europe/London", now=NOW)
    except WhenError as exc:
        assert str(exc)
    else:
        assert spoken.title and spoken.when
