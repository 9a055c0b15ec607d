"""Privacy choices, `mydata` and `forgetme`."""

from __future__ import annotations

import json

from sqlalchemy import inspect, select, text

from bot.commands import DigestRequest
from bot.introductions import CAPABILITY
from bot.introductions.pairing import plan_round
from bot.testing import SPACE, FakeAdapter
from storage.models import (
    AuditEntry,
    Base,
    DoneEntry,
    DueWork,
    Identity,
    MeetRequest,
    Member,
    Pin,
    TeachMeet,
    TeachMeetRsvp,
    TeachMeetTalk,
)
from storage.search.analysis import analyse_document
from tests.introductions.helpers import buttons, count, member, sent_texts

ENTRIES = ("Built a Minecraft Education server farm", "Ran a Hogwarts-style podcast club")


async def _zed(app, chat: FakeAdapter) -> Member:
    """A member with a bit of everything: profile, entries, interests, requests, pairing."""
    await chat.join("zoltan7")
    for summary in ENTRIES:
        await chat.say(f"done {summary}", user="zoltan7")
    reply = await chat.say('intro name="Zoltan Quimby" role="Digital lead" region=Fife '
                           'bio="Quimby family archivist" learn="xylophone tuning"',
                           user="zoltan7")
    assert not reply.is_error, reply.plain_text()
    zed = await member(app, "zoltan7")
    async with app.db.unit_of_work() as session:
        session.add(Identity(member_id=zed.id, platform="fake", space_id="T-OTHER",
                             user_id="UZQ999", display_name="ZQ Other"))
    return zed


async def test_privacy_command(app, chat) -> None:
    shown = await chat.say("privacy", user="ann")
    assert "network" in shown.plain_text()
    reply = await chat.say("privacy space", user="ann")
    assert not reply.is_error and "only people in the spaces" in reply.plain_text()
    assert (await member(app, "ann")).privacy == "space"
    bad = await chat.say("privacy public", user="ann")
    assert bad.is_error and "must be one of" in bad.plain_text()
    assert (await member(app, "ann")).privacy == "space"
    assert await count(app, AuditEntry, AuditEntry.action == "privacy") == 1


async def test_web_listing_is_off_until_turned_on_and_audited(app, chat) -> None:
    shown = await chat.say("privacy", user="ann")
    assert "never appears on the network's public web pages" in shown.plain_text()
    assert (await member(app, "ann")).web_listing is False
    reply = await chat.say("privacy web on", user="ann")
    assert not reply.is_error and "your name appears next to talks" in reply.plain_text()
    assert (await member(app, "ann")).web_listing is True
    again = await chat.say("privacy web yes", user="ann")
    assert not again.is_error
    assert await count(app, AuditEntry, AuditEntry.action == "privacy.web") == 1
    spaced = await chat.say("privacy space", user="ann")
    assert "stays off them while your privacy is space" in spaced.plain_text()
    assert "stays off" in (await chat.say("privacy web", user="ann")).plain_text()
    bad = await chat.say("privacy web maybe", user="ann")
    assert bad.is_error and (await member(app, "ann")).web_listing is True
    off = await chat.press("privacy web", {"state": False}, user="ann")
    assert not off.is_error and (await member(app, "ann")).web_listing is False
    assert await count(app, AuditEntry, AuditEntry.action == "privacy.web") == 2


async def test_hidden_member_never_appears(app, chat, clock) -> None:
    since = clock.now()
    zed = await _zed(app, chat)
    await chat.say("pairing on", user="zoltan7")
    await chat.say("pairing on", user="ann")
    await chat.say("pairing on", user="bob")
    await chat.say("privacy hidden", user="zoltan7")
    chat.sent.clear()
    # search
    found = await chat.say("whodone minecraft server", user="ann")
    assert "Zoltan" not in found.plain_text() and "Nobody has logged" in found.plain_text()
    # profile (by handle, by name, by mention)
    for ref in ("zoltan7", '"Zoltan Quimby"', "<@zoltan7>"):
        shown = await chat.say(f"profile {ref}", user="ann")
        assert shown.is_error and "Quimby" not in shown.plain_text().replace(
            "'Zoltan Quimby'", ""), ref
    # cards: a new intro posts nothing, and the digest leaves them out
    await chat.say('intro bio="Still here"', user="zoltan7")
    assert sent_texts(chat, channel="C-INTROS") == []
    async with app.db.sessions() as session:
        blocks = await CAPABILITY.digest(DigestRequest(app.services, session, "fake", SPACE,
                                                       since, clock.now()))
    assert blocks == []
    # meet
    meet = await chat.say("meet minecraft server", user="ann")
    assert meet.is_error and "Zoltan" not in meet.plain_text()
    forged = await chat.press("meet-ask", {"member": "zoltan7", "topic": "x"}, user="ann")
    assert forged.is_error
    # introduce and say hello
    assert (await chat.say("introduce zoltan7 bob", user="ann")).is_error
    assert (await chat.press("say-hello", {"member": "zoltan7"}, user="ann")).is_error
    # pairing
    await plan_round(app.services)
    await app.scheduler.run_due()
    assert chat.sent_to("zoltan7") == []
    assert all("Zoltan" not in r.plain_text() for _, r in chat.sent)
    # ...while they themselves still see their own profile
    assert not (await chat.say("profile", user="zoltan7")).is_error
    assert zed.id


async def test_space_privacy_hides_from_other_spaces(app, chat) -> None:
    await chat.say("done Built a Minecraft Education server farm", user="ann")
    await chat.say("privacy space", user="ann")
    assert "ann" in (await chat.say("whodone minecraft", user="bob")).plain_text()
    other = await chat.say("whodone minecraft", user="dan", space="T-OTHER")
    assert "Nobody has logged" in other.plain_text()
    assert (await chat.say("profile ann", user="dan", space="T-OTHER")).is_error
    assert (await chat.say("meet minecraft", user="dan", space="T-OTHER")).is_error


async def test_mydata_is_everything_as_json(app, chat) -> None:
    await _zed(app, chat)
    await chat.say("done Rolled out Chromebooks", user="bob")
    await chat.say("privacy space", user="zoltan7")
    await chat.say("meet chromebooks", user="zoltan7")
    await chat.press("meet-ask", {"member": "bob", "topic": "chromebooks"}, user="zoltan7")
    await chat.say("pairing on", user="zoltan7")
    reply = await chat.say("mydata", user="zoltan7")
    assert reply.attachment is not None
    assert reply.attachment.mime_type == "application/json"
    data = json.loads(reply.attachment.content)
    assert data["profile"]["name"] == "Zoltan Quimby"
    assert data["profile"]["privacy"] == "space"
    assert data["profile"]["web_listing"] is False
    assert {a["user_id"] for a in data["accounts"]} == {"zoltan7", "UZQ999"}
    assert data["wants_to_learn"] == ["xylophone tuning"]
    assert [e["summary"] for e in data["expertise"]] == list(ENTRIES)
    [request] = data["introductions"]["meet_requests"]
    assert (request["role"], request["other"], request["status"]) == ("asker", "bob",
                                                                      "pending")
    assert data["introductions"]["preferences"]["pairing"] is True
    assert [a["action"] for a in data["audit_log"]] == ["privacy"]


async def _rows(app) -> list[tuple[str, str, dict]]:
    """(table, column, value) for every cell of every table the database has — models,
    search index and vocabulary alike (FTS5's own shadow tables hold only derived data)."""
    shadow = ("_data", "_idx", "_docsize", "_config", "_content")
    async with app.db.engine.connect() as conn:
        names = await conn.run_sync(lambda c: inspect(c).get_table_names())
        if app.db.is_sqlite:  # virtual (FTS5) tables are not in the inspector's list
            names += list((await conn.execute(text(
                "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'"
            ))).scalars())
        out = []
        for name in sorted(set(names)):
            if name == "alembic_version" or name.endswith(shadow):
                continue
            columns = "rowid, *" if name == "done_search" and app.db.is_sqlite else "*"
            rows = await conn.execute(text(f'SELECT {columns} FROM "{name}"'))
            for row in rows.mappings():
                out.extend((name, k, v if not hasattr(v, "isoformat") else str(v))
                           for k, v in row.items())
    assert {"members", "done_search", "search_vocab"} <= {t for t, _, _ in out}
    return out


async def test_forgetme_leaves_no_personal_data(app, chat, clock) -> None:
    zed = await _zed(app, chat)
    await chat.say("done Rolled out Chromebooks", user="bob")
    await chat.say("done Ran a xylophone tuning workshop", user="ann")
    await chat.say("privacy space", user="zoltan7")
    await chat.say("privacy network", user="zoltan7")
    await chat.press("meet-ask", {"member": "bob", "topic": "chromebooks"}, user="zoltan7")
    await chat.press("meet-ask", {"member": "zoltan7", "topic": "minecraft"}, user="ann")
    await chat.press("meet-answer", {"request": 1, "answer": "accept"}, user="zoltan7")  # refused
    for user in ("zoltan7", "ann", "bob"):
        await chat.say("pairing on", user=user)
    await plan_round(app.services)
    await app.scheduler.run_due()
    await chat.say("introduce zoltan7 bob same interests", user="ann")
    # the library: one suggestion approved into the library (it stays, unattributed), one
    # still pending (it goes)
    await chat.say("pin https://example.org/quiz Quiz tool guide", user="zoltan7")
    await chat.press("pins approve", {"id": 1}, user="U-MOD")
    await chat.say("pin https://example.org/zoltan-notes Notes by Zoltan", user="zoltan7")
    # teach-meets: one organised by ann that zed goes to and talks at, one organised by zed
    for user, title in (("ann", "Autumn TeachMeet"), ("zoltan7", "Quimby's Meetup")):
        made = await chat.say(f'teachmeet create "{title}" start="2026-12-03 16:00 '
                              'Europe/London" link=https://meet.example.org/x slots="2 nano" '
                              'confirm=yes', user=user)
        assert not made.is_error, made.plain_text()
    # a preview zed never confirmed, and zed's personal calendar feed
    assert not (await chat.say("teachmeet create Quimby's second meetup Friday 4pm",
                               user="zoltan7")).is_error
    assert not (await chat.say("teachmeet feed", user="zoltan7")).is_error
    assert not (await chat.say("teachmeet going 1", user="zoltan7")).is_error
    talk = await chat.say("teachmeet present 1 nano Zoltan on quizzes", user="zoltan7")
    assert not talk.is_error, talk.plain_text()
    assert not (await chat.say("teachmeet going 2", user="bob")).is_error

    asked = await chat.say("forgetme", user="zoltan7")
    assert not asked.is_error and "can't be undone" in buttons(asked)[0].confirm
    assert await count(app, Member, Member.id == zed.id) == 1  # nothing yet
    press = buttons(asked)[0]
    reply = await chat.press(press.command, dict(press.args), user="zoltan7")
    assert not reply.is_error, reply.plain_text()

    needles = ["zoltan", "quimby", "UZQ999", "ZQ Other", "Digital lead", "xylophone tuning",
               "Fife", *ENTRIES]
    needles += analyse_document("Minecraft Hogwarts").terms.split()
    foreign_keys = {(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns
                    if any(fk.column.table.name == "members" for fk in c.foreign_keys)}
    leftovers = []
    for table, column, value in await _rows(app):
        if (table, column) in foreign_keys and value == zed.id:
            leftovers.append((table, column, value))
        shown = json.dumps(value, default=str).lower() if not isinstance(value, str) else \
            value.lower()
        leftovers += [(table, column, value) for n in needles if n.lower() in shown and
                      not (table == "done_entries" and "xylophone tuning workshop" in shown)]
    assert leftovers == []
    assert await count(app, Member, Member.id == zed.id) == 0
    assert await count(app, DueWork, DueWork.key.startswith(f"member:{zed.id}:")) == 0
    assert await count(app, DueWork, DueWork.kind == "meet-expire") == 0  # both involved zed
    assert await count(app, MeetRequest) == 0
    assert await count(app, Pin) == 1  # the approved one, now the network's
    assert await count(app, TeachMeet) == 1  # zed's own teach-meet went, with bob's RSVP
    assert await count(app, DueWork, DueWork.kind == "teachmeet.reminder",
                       DueWork.payload["teachmeet_id"].as_integer() == 2,
                       DueWork.status == "pending") == 0  # its reminders never fire
    assert await count(app, DueWork, DueWork.kind == "teachmeet.reminder",
                       DueWork.status == "pending") > 0  # ann's still will
    assert await count(app, TeachMeetRsvp) == 0 and await count(app, TeachMeetTalk) == 0
    # the audit log keeps anonymous records of what happened
    async with app.db.sessions() as session:
        audit = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert {a.action for a in audit} >= {"privacy", "refused", "forgotten"}
    assert not any(a.actor.endswith(":zoltan7") for a in audit)
    anonymous = [a for a in audit if a.actor.startswith("anon-")]
    assert len(anonymous) > 2  # zed's own actions stay on record, without their content
    assert all(a.before is None and a.after is None for a in anonymous)
    assert any(a.action.startswith("pin") and a.actor == "fake:T-TEST:U-MOD" for a in audit)
    # everyone else is untouched
    assert "Chromebooks" in (await chat.say("whodone chromebooks", user="ann")).plain_text()
    assert await count(app, DoneEntry) == 2
    # a later message from the same account starts afresh
    assert not (await chat.say("profile", user="zoltan7")).is_error
    fresh = await member(app, "zoltan7")
    assert fresh.id != zed.id and fresh.introduced_at is None


async def test_forgetme_confirm_needs_yes(app, chat) -> None:
    await chat.say("done Something memorable happened", user="ann")
    for typed in ("forgetme", "forgetme confirm=no"):
        reply = await chat.say(typed, user="ann")
        assert not reply.is_error
    bad = await chat.say("forgetme confirm=perhaps", user="ann")
    assert bad.is_error
    assert await count(app, Member) == 1 and await count(app, DoneEntry) == 1
    done = await chat.say("forgetme confirm=yes", user="ann")
    assert "deleted" in done.plain_text()
    assert await count(app, Member) == 0 and await count(app, DoneEntry) == 0
