"""Peer pairing: the matching itself, rounds through the scheduler, and `pairing`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.errors import UserError
from bot.introductions.pairing import (
    Candidate,
    candidate,
    make_groups,
    parse_until,
    period,
    plan_round,
)
from bot.testing import FakeAdapter
from storage.models import IntroductionPrefs, PairingMatch
from tests.introductions.helpers import count, member, set_fields

LONDON = ZoneInfo("Europe/London")


def pairs_of(groups) -> set[frozenset[int]]:
    return {frozenset(p) for g in groups for p in combinations(g, 2)}


def test_twelve_rounds_of_twenty_never_repeat() -> None:
    people = [Candidate(id=i, name=f"m{i}", region="Kent" if i % 3 else "Wales",
                        spaces=frozenset({("fake", "T")})) for i in range(1, 21)]
    past: set[frozenset[int]] = set()
    for round_ in range(12):
        groups = make_groups(people, past, seed=f"round-{round_}")
        assert sorted(m for g in groups for m in g) == list(range(1, 21))
        assert all(len(g) == 2 for g in groups)
        new = pairs_of(groups)
        assert not new & past, f"repeat in round {round_}"
        past |= new
    assert len(past) == 120


def test_repeats_only_once_every_pair_is_used() -> None:
    people = [Candidate(id=i, name=f"m{i}") for i in range(1, 5)]
    past: set[frozenset[int]] = set()
    for round_ in range(3):
        new = pairs_of(make_groups(people, past, seed=str(round_)))
        assert not new & past
        past |= new
    assert len(past) == 6  # every possible pair used
    fourth = make_groups(people, past, seed="4")
    assert sorted(m for g in fourth for m in g) == [1, 2, 3, 4]  # still paired, repeating


def test_odd_numbers_make_one_trio() -> None:
    people = [Candidate(id=i, name=f"m{i}") for i in range(1, 8)]
    groups = make_groups(people, set(), seed="x")
    assert sorted(len(g) for g in groups) == [2, 2, 3]
    assert sorted(m for g in groups for m in g) == list(range(1, 8))


def test_prefers_learning_then_region() -> None:
    def person(i: int, *, done: str = "", learn: str = "", region: str = "") -> Candidate:
        from storage.search.analysis import analyse_document, query_terms

        return Candidate(
            id=i, name=f"m{i}", region=region,
            done=((done, frozenset(analyse_document(done).terms.split())),) if done else (),
            learn=((learn, frozenset(query_terms(learn)) - {"learn", "keen"}),) if learn
            else ())

    people = [person(1, learn="podcasting", region="Kent"),
              person(2, region="Kent"),
              person(3, done="Ran a school podcast club", region="Wales"),
              person(4, region="Wales"), person(5, region="Kent"), person(6, region="Wales")]
    for seed in ("a", "b", "c", "d"):
        groups = make_groups(people, set(), seed=seed)
        assert (1, 3) in groups
        assert all(people[a - 1].region == people[b - 1].region
                   for a, b in groups if (a, b) != (1, 3))


def test_privacy_limits_who_can_be_paired() -> None:
    one, two = frozenset({("fake", "A")}), frozenset({("fake", "B")})
    people = [Candidate(id=1, name="a", privacy="space", spaces=one),
              Candidate(id=2, name="b", spaces=two),
              Candidate(id=3, name="c", spaces=one),
              Candidate(id=4, name="d", privacy="space", spaces=two)]
    for seed in "abcdef":
        assert sorted(make_groups(people, set(), seed=seed)) == [(1, 3), (2, 4)]


def test_period_keys() -> None:
    now = datetime(2026, 11, 18, 15, tzinfo=UTC)
    assert period(now, "month", 9) == ("2026-11", datetime(2026, 11, 1, 9, tzinfo=UTC))
    assert period(now, "week", 9) == ("2026-W47", datetime(2026, 11, 16, 9, tzinfo=UTC))
    key, start = period(now, "fortnight", 9)
    assert start.weekday() == 0 and timedelta(0) <= now - start < timedelta(days=14)
    assert period(start + timedelta(days=13), "fortnight", 9)[0] == key


# -- through the core -------------------------------------------------------------------------
async def _opt_in(chat: FakeAdapter, users: list[str]) -> None:
    for user in users:
        reply = await chat.say("pairing on", user=user)
        assert not reply.is_error, reply.plain_text()


async def _round(app) -> int:
    await plan_round(app.services)
    return await app.scheduler.run_due()


async def test_rounds_through_the_scheduler(app, chat, clock) -> None:
    users = [f"user{i:02d}" for i in range(20)]
    await _opt_in(chat, users)
    seen: set[frozenset[int]] = set()
    clock.set(datetime(2026, 11, 1, 9, tzinfo=UTC))
    for month in range(12):
        chat.sent.clear()
        assert await _round(app) == 1, f"round {month} did not run"
        assert await _round(app) == 0  # planning again is a no-op: one round per month
        async with app.db.sessions() as session:
            matches = list(await session.scalars(select(PairingMatch)))
        pairs = {frozenset((m.first_id, m.second_id)) for m in matches}
        assert len(pairs) == 10 * (month + 1)
        assert len(chat.sent) == 20
        assert all("paired with" in r.plain_text() for _, r in chat.sent)
        seen = pairs
        year, mon = divmod(clock.now().month, 12)
        clock.set(datetime(clock.now().year + year, mon + 1, 1, 9, tzinfo=UTC))
    assert len(seen) == 120  # no pair ever repeated


async def test_round_message_says_why(app, chat, clock) -> None:
    await chat.say('intro name=Ann learn="podcasting" region=Kent', user="ann")
    await chat.say("done Ran a school podcast club", user="bob")
    await chat.say("intro name=Bob region=Kent", user="bob")
    await _opt_in(chat, ["ann", "bob"])
    chat.sent.clear()
    await _round(app)
    [message] = chat.sent_to("ann")
    text = message.plain_text()
    assert "paired with Bob" in text
    assert "Ran a school podcast club" in text and "podcasting" in text
    assert "both in Kent" in text


async def test_hidden_off_and_paused_members_are_left_out(app, chat, clock) -> None:
    await _opt_in(chat, ["ann", "bob", "cat", "dan", "eve"])
    await chat.say("privacy hidden", user="bob")
    await chat.say("pairing off", user="cat")
    await chat.say("pairing pause 2026-12-25", user="dan")
    chat.sent.clear()
    await _round(app)
    assert {d.user_id for d, _ in chat.sent} == {"ann", "eve"}
    async with app.db.sessions() as session:
        [match] = list(await session.scalars(select(PairingMatch)))
    hidden = await member(app, "bob")
    assert hidden.id not in (match.first_id, match.second_id, match.third_id)


async def test_pairing_command(app, chat, clock) -> None:
    status = await chat.say("pairing", user="ann")
    assert "off" in status.plain_text()
    await chat.say("pairing on", user="ann")
    assert "Peer pairing: on" in (await chat.say("pairing status", user="ann")).plain_text()
    paused = await chat.say("pairing pause 2027-01-31", user="ann")
    assert "31 January 2027" in paused.plain_text()
    ann = await member(app, "ann")
    async with app.db.sessions() as session:
        prefs = await session.get(IntroductionPrefs, ann.id)
    assert prefs.pairing_paused_until == datetime(2027, 1, 31, tzinfo=LONDON)


async def test_bad_pairing_input_changes_nothing(app, chat, clock) -> None:
    await chat.say("pairing on", user="ann")
    cases = {
        "pairing pause 2020-01-01": "not in the future",
        "pairing pause yesterday": "not in the future",
        "pairing pause 2026-11-02": "not in the future",  # today
        "pairing pause": "Say until when",
        "pairing pause next blurday": "couldn't read",
        "pairing pause 2099-01-01": "more than two years",
        "pairing sometimes": "must be one of",
        "pairing on 2027-01-01": "takes no date",
    }
    for text, expected in cases.items():
        reply = await chat.say(text, user="ann")
        assert reply.is_error and expected in reply.plain_text(), (text, reply.plain_text())
    ann = await member(app, "ann")
    async with app.db.sessions() as session:
        prefs = await session.get(IntroductionPrefs, ann.id)
    assert prefs.pairing and prefs.pairing_paused_until is None
    assert await count(app, IntroductionPrefs) == 1


NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)


@given(st.text(max_size=40))
@settings(max_examples=150, deadline=None)
def test_parse_until_answers_every_input(text: str) -> None:
    try:
        resume = parse_until(text, NOW, LONDON)
    except UserError as exc:
        assert exc.message
    else:
        assert NOW < resume <= NOW + timedelta(days=366 * 2)


@given(st.dates(min_value=datetime(2000, 1, 1).date(), max_value=datetime(2030, 1, 1).date()))
@settings(max_examples=100, deadline=None)
def test_iso_dates_are_future_or_refused(day) -> None:
    start = datetime(day.year, day.month, day.day, tzinfo=LONDON)
    if start <= NOW or start - NOW > timedelta(days=366 * 2):
        with pytest.raises(UserError):
            parse_until(day.isoformat(), NOW, LONDON)
    else:
        assert parse_until(day.isoformat(), NOW, LONDON) == start


async def test_hidden_member_set_directly_is_not_paired(app, chat) -> None:
    await _opt_in(chat, ["ann", "bob", "cat"])
    await set_fields(app, "cat", privacy="hidden")
    chat.sent.clear()
    await _round(app)
    assert {d.user_id for d, _ in chat.sent} == {"ann", "bob"}


def test_candidate_from_member_uses_search_analysis() -> None:
    from storage.models import DoneEntry, Interest, Member

    m = Member(id=1, name="A", region=" Kent ", privacy="network")
    m.identities, m.done = [], [DoneEntry(summary="Ran podcasts", tags=["audio"])]
    m.interests = [Interest(text="Keen to learn about VR headsets")]
    c = candidate(m)
    assert c.region == "Kent"
    assert "podcast" in c.done[0][1] and "audio" in c.done[0][1]
    assert "keen" not in c.learn[0][1] and "headset" in c.learn[0][1]


async def test_two_copies_run_each_round_once(app, chat) -> None:
    import asyncio

    from bot.introductions import schedule
    from scheduled import Scheduler
    from storage.models import PairingRound

    other = Scheduler(app.services, owner="second-copy")
    schedule(other)
    await _opt_in(chat, ["ann", "bob", "cat", "dan"])
    chat.sent.clear()
    await asyncio.gather(plan_round(app.services), plan_round(app.services))
    delivered = await asyncio.gather(app.scheduler.run_due(), other.run_due())
    assert sum(delivered) == 1
    assert await count(app, PairingRound) == 1
    assert sorted(d.user_id for d, _ in chat.sent) == ["ann", "bob", "cat", "dan"]
