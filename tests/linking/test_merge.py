"""The merge rules (README, "Linking accounts"), through the core on SQLite and PostgreSQL:
profiles, entries, interests, RSVPs, talks, meet requests, pairing history, pins, audit."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from bot.app import App
from bot.introductions.common import mutually_visible
from bot.introductions.pairing import candidate
from bot.testing import SPACE, FakeAdapter, FakeClock
from storage.models import (
    AuditEntry,
    Base,
    DoneEntry,
    DueWork,
    Interest,
    IntroductionPrefs,
    MeetRequest,
    Member,
    PairingMatch,
    Pin,
    TeachMeet,
    TeachMeetFeed,
    TeachMeetRsvp,
    TeachMeetSeries,
    TeachMeetTalk,
)
from storage.repositories.introductions import IntroductionsRepository
from storage.repositories.linking import MEMBER_COLUMNS
from storage.search import Viewer
from tests.linking.conftest import OTHER_SPACE
from tests.linking.helpers import (
    code_for,
    count,
    create_meet,
    link,
    member_of,
    members,
)
from tests.teachmeets.support import answers

CREATE = ('teachmeet create "Spring TeachMeet" start="2026-12-10 16:00 Europe/London" '
          'duration=2h venue="Camden Library" capacity=2 slots="2 nano"')


def test_every_column_that_refers_to_a_member_is_merged() -> None:
    """A new table holding a member id must be taught to `merge_members` (or linking would
    leave its rows pointing at a deleted member)."""
    found = {(fk.parent.table.name, fk.parent.name) for table in Base.metadata.tables.values()
             for fk in table.foreign_keys if fk.column.table.name == "members"}
    assert found == MEMBER_COLUMNS


async def test_older_profile_wins_unless_empty_and_privacy_is_the_stricter(
        app: App, chat: FakeAdapter, other: FakeAdapter) -> None:
    reply = await chat.say('intro name="Ceri Jones" organisation="Camden Council"',
                           user="ceri")
    assert not reply.is_error, reply.plain_text()
    await chat.say("privacy web on", user="ceri")
    reply = await other.say('intro name="C. Jones" role="Computing lead" region=Cardiff '
                            'bio="Robots and podcasts" organisation="Cardiff Uni"',
                            user="ceri-d")
    assert not reply.is_error, reply.plain_text()
    await other.say("privacy space", user="ceri-d")
    older = await member_of(app, "fake", SPACE, "ceri")
    newer = await member_of(app, "other", OTHER_SPACE, "ceri-d")
    done = await link(other, "ceri-d", chat, "ceri")  # the newer account makes the code
    [kept] = await members(app)
    assert kept.id == older.id and kept.handle == older.handle
    assert (kept.name, kept.organisation, kept.region) == (
        "Ceri Jones", "Camden Council", "Camden"), "the older profile's fields win"
    assert (kept.role, kept.bio) == ("Computing lead", "Robots and podcasts"), \
        "empty fields are filled from the newer profile"
    assert kept.privacy == "space" and kept.web_listing is False
    text = done.plain_text()
    assert "Filled in from the newer profile: role, bio" in text
    assert "Privacy: space (the more private" in text and "Web listing is off" in text
    assert kept.introduced_at is not None
    # audit mentions of the newer profile now name the kept one
    async with app.db.sessions() as session:
        targets = set(await session.scalars(select(AuditEntry.target)))
    assert f"member:{newer.id}" not in targets and f"member:{kept.id}" in targets


async def test_entries_and_interests_collapse_and_search_finds_one_person(
        app: App, chat: FakeAdapter, other: FakeAdapter) -> None:
    await chat.say("done Rolled out Chromebooks 1:1 #devices", user="ceri")
    await other.say("done rolled out chromebooks 1:1. #chromebook 2021", user="ceri-d")
    await other.say("done Ran a school podcast club #audio", user="ceri-d")
    await chat.say('intro learn="VR in science; podcasting"', user="ceri")
    await other.say('intro learn="podcasting; 3D printing"', user="ceri-d")
    done = await link(chat, "ceri", other, "ceri-d")
    assert "Moved across: 2 logged entries (1 duplicate combined)" in done.plain_text()
    [kept] = await members(app)
    async with app.db.sessions() as session:
        entries = list(await session.scalars(select(DoneEntry).order_by(DoneEntry.id)))
        interests = [i.text for i in await session.scalars(
            select(Interest).where(Interest.member_id == kept.id).order_by(Interest.id))]
    assert [e.summary for e in entries] == ["Rolled out Chromebooks 1:1",
                                            "Ran a school podcast club"]
    assert entries[0].tags == ["devices", "chromebook"] and entries[0].year == 2021
    assert {e.member_id for e in entries} == {kept.id}
    assert sorted(interests) == ["3D printing", "VR in science", "podcasting"]
    for query in ("chromebooks", "podcast club"):
        found = (await chat.say(f"whodone {query}", user="pat")).plain_text()
        assert found.count(f"@{kept.handle}") == 1, found
    # the merged-away entry left nothing behind in the index: one hit, not two
    async with app.db.sessions() as session:
        hits = await app.services.search.find_people(session, "chromebooks",
                                                     viewer=Viewer("fake", SPACE))
    assert [(h.member_id, len(h.entries)) for h in hits] == [(kept.id, 1)]


async def test_a_region_a_merge_fills_in_is_searched_on_every_entry(
        app: App, chat: FakeAdapter, other: FakeAdapter) -> None:
    """The older profile, from a space with no group, has no region; the newer's (Cardiff,
    typed) fills it in, and every entry of the merged profile is found in Cardiff (SQLite
    keeps the region as a term of each entry, PostgreSQL on each index row)."""
    loose = "T-NO-GROUP"
    await chat.say("done Ran a Minecraft club", user="ceri", space=loose)
    await other.say("done Built a VR science lab", user="ceri-d")
    await other.say("intro region=Cardiff", user="ceri-d")
    code = await code_for(chat, "ceri", space=loose)
    done = await other.say(f"link {code} confirm=yes", user="ceri-d", direct=True)
    assert not done.is_error, done.plain_text()
    [kept] = await members(app)
    assert kept.region == "Cardiff"
    for query in ("minecraft club", "vr science lab"):
        found = (await chat.say(f"whodone {query} in Cardiff", user="pat")).plain_text()
        assert f"@{kept.handle}" in found, (query, found)
        elsewhere = (await chat.say(f"whodone {query} region=Kent", user="pat")).plain_text()
        assert f"@{kept.handle}" not in elsewhere, (query, elsewhere)


async def test_two_rsvps_to_one_teachmeet_become_one_and_the_waitlist_moves(
        app: App, chat: FakeAdapter, other: FakeAdapter) -> None:
    await create_meet(chat, CREATE, user="org")
    await chat.say("teachmeet going 1", user="ceri")
    await other.say("teachmeet going 1", user="ceri-d")
    await chat.say("teachmeet going 1", user="pat")
    before = await answers(app)
    assert list(before.values()).count("going") == 2 and before["pat"] == "waitlist"
    await chat.say("teachmeet present 1 nano Robots in reception", user="ceri")
    await other.say("teachmeet present 1 nano Podcasts for all", user="ceri-d")
    done = await link(chat, "ceri", other, "ceri-d")
    [kept] = [m for m in await members(app) if m.handle == "ceri"]
    after = await answers(app)
    assert after == {"ceri": "going", "pat": "going"}, after
    assert await count(app, TeachMeetRsvp, TeachMeetRsvp.member_id == kept.id) == 1
    assert any("place" in r.plain_text().lower() for r in chat.sent_to("pat")), \
        "pat is told they moved up from the waitlist"
    async with app.db.sessions() as session:
        talks = [t.title for t in await session.scalars(select(TeachMeetTalk))]
    assert talks == ["Robots in reception"]
    text = done.plain_text()
    assert "teach-meet #1" in text and "withdrew “Podcasts for all” at #1" in text


async def test_repeating_teachmeets_and_the_newer_profiles_calendar_feed_move_across(
        app: App, chat: FakeAdapter, other: FakeAdapter) -> None:
    await chat.say("done Taught year 7 computing", user="ceri")  # the older profile
    await create_meet(other, "teachmeet create Code club every first Thursday of the month "
                      "4-6pm at https://meet.example.org/cc", user="ceri-d")
    await other.say("teachmeet feed", user="ceri-d")
    newer = await member_of(app, "other", OTHER_SPACE, "ceri-d")
    [feed] = await _rows(app, TeachMeetFeed)
    assert feed.member_id == newer.id
    done = await link(chat, "ceri", other, "ceri-d")
    [kept] = await members(app)
    [series] = await _rows(app, TeachMeetSeries)
    assert series.organiser_id == kept.id
    assert {m.organiser_id for m in await _rows(app, TeachMeet)} == {kept.id}
    assert "1 repeating teach-meet" in done.plain_text()
    # the older profile had no feed: the newer's address keeps working, now the kept one's
    [moved] = await _rows(app, TeachMeetFeed)
    assert (moved.member_id, moved.token) == (kept.id, feed.token)
    assert "feed" not in done.plain_text()
    # and the organiser can still edit the series from either account
    listed = await chat.say("teachmeet list", user="ceri")
    assert "Code club" in listed.plain_text()


async def test_two_calendar_feeds_become_the_older_profiles(
        app: App, chat: FakeAdapter, other: FakeAdapter) -> None:
    await chat.say("teachmeet feed", user="ceri")
    await other.say("teachmeet feed", user="ceri-d")
    older = await member_of(app, "fake", SPACE, "ceri")
    mine, _ = sorted(await _rows(app, TeachMeetFeed), key=lambda f: f.member_id)
    assert mine.member_id == older.id
    done = await link(other, "ceri-d", chat, "ceri")
    [kept] = await members(app)
    [feed] = await _rows(app, TeachMeetFeed)
    assert (kept.id, feed.member_id, feed.token) == (older.id, older.id, mine.token)
    assert "the newer one's address stopped working" in done.plain_text()


async def test_meet_requests_and_pairing_history_merge(app: App, chat: FakeAdapter,
                                                       other: FakeAdapter,
                                                       clock: FakeClock) -> None:
    await chat.say("done Ran a school podcast club", user="ex")
    await chat.say("done Taught year 7 computing", user="ceri")  # the older profile
    await other.say("done Built a VR science lab", user="ceri-d")
    ex = (await member_of(app, "fake", SPACE, "ex")).handle
    newer = await member_of(app, "other", OTHER_SPACE, "ceri-d")
    for adapter, user in ((chat, "ceri"), (other, "ceri-d")):
        asked = await adapter.press("meet-ask", {"member": ex, "topic": "podcasts"}, user=user)
        assert not asked.is_error, asked.plain_text()
    asked = await chat.press("meet-ask", {"member": newer.handle, "topic": "VR"}, user="ceri")
    assert not asked.is_error, asked.plain_text()
    await chat.say("done Something", user="pat")
    older = await member_of(app, "fake", SPACE, "ceri")
    pat = await member_of(app, "fake", SPACE, "pat")
    async with app.db.unit_of_work() as session:
        repo = IntroductionsRepository(session)
        first = await repo.add_round("2026-10", clock.now())
        await repo.add_match(first.id, [newer.id, pat.id], "both like podcasts")
        second = await repo.add_round("2026-11", clock.now())
        await repo.add_match(second.id, [older.id, newer.id], "paired with themselves")
        session.add(IntroductionPrefs(member_id=newer.id, meet_paused=True, pairing=True))
    assert await count(app, MeetRequest, MeetRequest.status == "pending") == 3
    assert await count(app, DueWork, DueWork.kind == "meet-expire") == 3

    await link(chat, "ceri", other, "ceri-d")
    [request] = await _rows(app, MeetRequest)
    assert (request.asker_id, request.status) == (older.id, "pending"), \
        "two requests to one expert collapse; one to themselves is dropped"
    assert await count(app, DueWork, DueWork.kind == "meet-expire") == 1
    [match] = await _rows(app, PairingMatch)
    assert {match.first_id, match.second_id} == {older.id, pat.id}
    async with app.db.sessions() as session:
        assert await IntroductionsRepository(session).past_pairs() == {
            frozenset((older.id, pat.id))}
        prefs = await session.get(IntroductionPrefs, older.id)
    assert prefs is not None and prefs.pairing and prefs.meet_paused


async def test_pins_and_forgetme_from_either_account_erase_both(
        app: App, chat: FakeAdapter, other: FakeAdapter) -> None:
    await chat.say("done Rolled out Chromebooks", user="ceri")
    await other.say("pin https://example.org/robots Robot lessons", user="ceri-d")
    await link(chat, "ceri", other, "ceri-d")
    [kept] = await members(app)
    [pin] = await _rows(app, Pin)
    assert pin.added_by_member_id == kept.id
    data = await other.say("mydata", user="ceri-d")
    exported = json.loads(data.attachment.content)
    assert {a["platform"] for a in exported["accounts"]} == {"fake", "other"}
    assert len(exported["expertise"]) == 1 and exported["resources"][0]["url"].endswith(
        "/robots")
    gone = await other.say("forgetme confirm=yes", user="ceri-d")
    assert gone.tone == "success", gone.plain_text()
    assert await members(app) == []
    assert await count(app, DoneEntry) == 0 and await count(app, Pin) == 0
    # the Slack-side account starts afresh too: nothing of the old profile
    await chat.say("profile", user="ceri")
    [fresh] = await members(app)
    assert await count(app, DoneEntry) == 0 and fresh.introduced_at is None


async def _rows(app: App, model: type) -> list:
    async with app.db.sessions() as session:
        return list(await session.scalars(
            select(model).order_by(*model.__table__.primary_key.columns)))


async def test_privacy_space_means_the_spaces_of_every_linked_account(
        app: App, chat: FakeAdapter, other: FakeAdapter) -> None:
    # pat is only in Camden and only lets people in her spaces find her
    await chat.say("done Built a robot garden", user="pat")
    await chat.say("privacy space", user="pat")
    # ceri (space) logs from Camden; wyn is only in Wales
    await chat.say("done Ran a Minecraft club", user="ceri")
    await chat.say("privacy space", user="ceri")
    await other.say("done Something else", user="wyn")
    pat = (await member_of(app, "fake", SPACE, "pat")).handle
    ceri = (await member_of(app, "fake", SPACE, "ceri")).handle

    assert f"@{ceri}" not in (await other.say("whodone minecraft club",
                                              user="wyn")).plain_text()
    assert (await other.say(f"profile @{ceri}", user="wyn")).is_error
    assert f"@{pat}" not in (await other.say("whodone robot garden",
                                             user="ceri-d")).plain_text()

    await link(chat, "ceri", other, "ceri-d")
    # ceri is now in Wales too: wyn finds her entry logged from Camden
    assert f"@{ceri}" in (await other.say("whodone minecraft club", user="wyn")).plain_text()
    assert not (await other.say(f"profile @{ceri}", user="wyn")).is_error
    # and ceri, asking from Wales, is in Camden as well: she finds pat
    found = await other.say("whodone robot garden", user="ceri-d")
    assert f"@{pat}" in found.plain_text()
    assert not (await other.say(f"profile @{pat}", user="ceri-d")).is_error
    # people in neither space still find neither
    assert f"@{ceri}" not in (await other.say("whodone minecraft club", user="zed",
                                              space="G-ELSEWHERE")).plain_text()
    # pairing: ceri and wyn now share a space
    await other.say("pairing on", user="wyn")
    await chat.say("pairing on", user="ceri")
    async with app.db.sessions() as session:
        people = {c.name: c for c in map(candidate, await IntroductionsRepository(
            session).pairing_candidates(datetime.now(UTC)))}
    a, b = people["ceri"], people["wyn"]
    assert mutually_visible(a, set(a.spaces), b, set(b.spaces))
    assert await count(app, Member) == 3


async def _two_profiles_and_pat(app: App, chat: FakeAdapter,
                                other: FakeAdapter) -> tuple[Member, Member, Member]:
    """Ceri's older profile (on `chat`) and newer one (on `other`), not yet linked, and
    pat, someone else for them to have dealings with."""
    await chat.say("done Something", user="ceri")
    await other.say("done Something else", user="ceri-d")
    await chat.say("done Another thing", user="pat")
    return (await member_of(app, "fake", SPACE, "ceri"),
            await member_of(app, "other", OTHER_SPACE, "ceri-d"),
            await member_of(app, "fake", SPACE, "pat"))


async def test_checkins_and_teachmeet_followups_move_across(app: App, chat: FakeAdapter,
                                                            other: FakeAdapter,
                                                            clock: FakeClock) -> None:
    from storage.models import PairingCheckin, TeachMeetFollowup

    older, newer, pat = await _two_profiles_and_pat(app, chat, other)
    await create_meet(chat, CREATE, user="pat")
    now = clock.now()
    async with app.db.unit_of_work() as session:
        repo = IntroductionsRepository(session)
        round_ = await repo.add_round("2026-10", now)
        match = await repo.add_match(round_.id, [newer.id, pat.id], "both like podcasts")
        session.add(PairingCheckin(match_id=match.id, member_id=newer.id, answer="yes",
                                   asked_at=now, expires_at=now))
        for member_id, status in ((older.id, "sent"), (newer.id, "accepted")):
            session.add(TeachMeetFollowup(teachmeet_id=1, member_id=member_id,
                                          role="attendee", status=status,
                                          takeaway="Podcasts" if status != "sent" else "",
                                          sent_at=now, expires_at=now))
    await link(chat, "ceri", other, "ceri-d")
    [checkin] = await _rows(app, PairingCheckin)
    assert (checkin.member_id, checkin.answer) == (older.id, "yes")
    [followup] = await _rows(app, TeachMeetFollowup)
    assert (followup.member_id, followup.takeaway) == (older.id, "Podcasts"), \
        "where both were asked, the answered one is kept"


async def test_lessons_written_on_either_account_survive_a_merge(
        app: App, chat: FakeAdapter, other: FakeAdapter) -> None:
    await chat.say('done Rolled out Chromebooks 1:1 worked="staff training first"', user="ceri")
    await other.say('done rolled out chromebooks 1:1. worked="the other wording" '
                    'differently="buy cases"', user="ceri-d")
    await link(chat, "ceri", other, "ceri-d")
    [kept] = await members(app)
    async with app.db.sessions() as session:
        [entry] = list(await session.scalars(select(DoneEntry)))
    assert (entry.worked, entry.differently) == ("staff training first", "buy cases")
    assert entry.lessons_at is not None
    found = (await chat.say("whodone buy cases", user="pat")).plain_text()
    assert found.count(f"@{kept.handle}") == 1, found


async def test_questions_recipients_and_answers_move_across(app: App, chat: FakeAdapter,
                                                            other: FakeAdapter,
                                                            clock: FakeClock) -> None:
    from datetime import timedelta

    from storage.models import Question, QuestionAnswer, QuestionRecipient

    older, newer, pat = await _two_profiles_and_pat(app, chat, other)
    now = clock.now()
    async with app.db.unit_of_work() as session:
        asked = Question(asker_id=newer.id, text="Q1", topic="q1", platform="other",
                         space_id=OTHER_SPACE, expires_at=now + timedelta(days=7))
        both = Question(asker_id=pat.id, text="Q2", topic="q2", platform="fake",
                        space_id=SPACE, expires_at=now + timedelta(days=7))
        session.add_all([asked, both])
        await session.flush()
        session.add_all([
            QuestionRecipient(question_id=both.id, member_id=older.id, status="asked"),
            QuestionRecipient(question_id=both.id, member_id=newer.id, status="answered"),
        ])
        first = QuestionAnswer(question_id=both.id, answerer_id=newer.id, text="first",
                               created_at=now)
        second = QuestionAnswer(question_id=both.id, answerer_id=older.id, text="second",
                                created_at=now + timedelta(hours=1))
        session.add_all([first, second])
        await session.flush()
        both.helpful_answer_id = second.id
    await link(chat, "ceri", other, "ceri-d")
    questions = {q.text: q for q in await _rows(app, Question)}
    assert questions["Q1"].asker_id == older.id
    [recipient] = await _rows(app, QuestionRecipient)
    assert (recipient.member_id, recipient.status) == (older.id, "answered")
    [answer] = await _rows(app, QuestionAnswer)
    assert (answer.answerer_id, answer.text) == (older.id, "first"), "the older answer stays"
    assert questions["Q2"].helpful_answer_id == answer.id, "and it stays helpful"
