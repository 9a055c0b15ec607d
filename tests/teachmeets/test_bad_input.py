"""Bad input gets a specific answer and changes nothing; parsers never crash."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import App
from bot.teachmeets.reader import Ask, Refuse, When, read
from bot.teachmeets.timeparse import (
    SLOT_MINUTES,
    WhenError,
    parse_duration,
    parse_slots,
    split_sentence,
)
from bot.testing import FakeAdapter
from tests.teachmeets.support import create, snapshot

CASES = {
    'teachmeet create Old start="2025-01-01 10:00"': "is in the past",
    "teachmeet create Old meet yesterday 4pm": "is in the past",
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
    "teachmeet show 0": "There is no teach-meet #0",
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
    unreadable = await chat.say("teachmeet move 1 whenever suits", user="org")
    assert not unreadable.is_error and "When does it start?" in unreadable.plain_text()
    assert await snapshot(app) == before


async def test_unreadable_or_unclear_times_ask_and_save_nothing(app: App,
                                                                chat: FakeAdapter) -> None:
    before = await snapshot(app)
    for text, asked in (('teachmeet create Odd start="blurgh o\'clock"', "When does it start?"),
                        ("teachmeet create Breakfast briefing Friday at 8 confirm=yes",
                         "in the morning or the evening"),
                        ("teachmeet create Planning meet Tuesday confirm=yes",
                         "What time on Tue 3 Nov")):
        reply = await chat.say(text, user="org")
        assert not reply.is_error and asked in reply.plain_text(), (text, reply.plain_text())
    assert await snapshot(app) == before


NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_the_reader_only_ever_answers_asks_or_explains(text: str) -> None:
    reading = read(text, now=NOW, tz="Europe/London", suggest=False)
    if isinstance(reading, When):
        assert reading.start > NOW and reading.start.utcoffset() is not None and reading.zone
        assert reading.end is None or reading.end > reading.start
    elif isinstance(reading, Ask):
        assert reading.question and all(c.start > NOW for c in reading.candidates)
    else:
        assert isinstance(reading, Refuse) and reading.reason


WORDS = st.sampled_from(["next", "thursday", "4", "4pm", "half", "four", "12/03", "the",
                         "12th", "at", "for", "2h", "-", "6pm", "gmt", "bst", "week",
                         "tomorrow", "every", "first", "of", "month", "until", "july", "in",
                         "2", "weeks", "noon", "8", "o'clock", "europe/london", "2027-03-28",
                         "01:30", "quarter", "to", "5", "and", "between", "fortnight", "a"])


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=8))
def test_the_reader_never_crashes_on_time_words_in_any_order(words: list[str]) -> None:
    reading = read(" ".join(words), now=NOW, tz="Europe/London", suggest=False)
    assert isinstance(reading, (When, Ask, Refuse))
    if isinstance(reading, When):
        assert reading.start > NOW


@settings(max_examples=60, deadline=None)
@given(st.datetimes(min_value=datetime(2026, 11, 3), max_value=datetime(2030, 1, 1)),
       st.sampled_from(["Europe/London", "America/New_York", "Asia/Kolkata", "UTC"]))
def test_explicit_times_round_trip(when: datetime, zone: str) -> None:
    """An ISO time with a zone is read exactly, or refused (skipped by the clocks), or
    asked about (it happens twice); never moved."""
    from zoneinfo import ZoneInfo

    when = when.replace(second=0, microsecond=0)
    reading = read(f"{when:%Y-%m-%d %H:%M} {zone}", now=NOW, tz="Europe/London")
    if isinstance(reading, When):
        assert reading.zone == zone
        assert reading.start.astimezone(ZoneInfo(zone)).replace(tzinfo=None) == when
    elif isinstance(reading, Ask):
        assert "happens twice" in reading.question
    else:
        assert "doesn't exist" in reading.reason


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
    spoken = split_sentence(text, default_tz="Europe/London", now=NOW)
    if spoken is not None:
        assert spoken.title and spoken.when
