"""The "who's done X" capability through the core, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.replies import ItemList, Reply
from bot.testing import MODERATOR, FakeAdapter
from storage.models import DoneEntry, Member


def names(reply: Reply) -> list[str]:
    lists = [b for b in reply.blocks if isinstance(b, ItemList)]
    return [item.title.split(" (@")[0] for item in lists[0].items] if lists else []


async def count(app, model) -> int:
    async with app.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_log_and_find(chat: FakeAdapter) -> None:
    reply = await chat.say("done Rolled out Chromebooks 1:1 in year 7 #devices 2021", user="ann")
    assert not reply.is_error, reply.plain_text()
    assert "Chromebooks" in reply.plain_text() and "#devices" in reply.plain_text()
    await chat.say("done Ran a TeachMeet for 40 teachers #teachmeet 2019", user="bob")

    found = await chat.say("whodone chromebook rollout", user="cat")
    assert names(found) == ["ann"]
    assert "Chromebooks 1:1" in found.plain_text()

    natural = await chat.say("@Staffroom who's done a TeachMeet?", user="cat")
    assert names(natural) == ["bob"]


async def test_entry_fields_are_parsed(app, chat: FakeAdapter) -> None:
    await chat.say("done Set up a Moodle VLE #vle #Moodle 2018 link=https://example.org/vle",
                   user="ann")
    async with app.db.sessions() as session:
        entry = await session.scalar(select(DoneEntry))
    assert entry.summary == "Set up a Moodle VLE"
    assert entry.tags == ["vle", "Moodle"]  # as written: "#SEND" is the acronym
    assert entry.year == 2018
    assert entry.link == "https://example.org/vle"


async def test_region_filter_by_suffix_and_option(app, chat: FakeAdapter) -> None:
    await chat.say("done Upgraded school broadband to full fibre", user="ann")
    await chat.say("done Managed the LA broadband contract", user="bob")
    async with app.db.unit_of_work() as session:
        for member in await session.scalars(select(Member)):
            member.region = "Wales" if member.handle == "ann" else "Kent"
    assert names(await chat.say("whodone broadband in wales")) == ["ann"]
    assert names(await chat.say("whodone broadband region=Kent")) == ["bob"]
    assert sorted(names(await chat.say("whodone broadband"))) == ["ann", "bob"]
    # "in" followed by something that is not a region stays part of the query
    reply = await chat.say("whodone broadband in schools")
    assert "in schools" in reply.plain_text()


async def test_configured_region_filters_before_anyone_lives_there(
        app, chat: FakeAdapter) -> None:
    """A region named in config is a filter even with no members in it yet (and is shown
    as configured); a member's region, however it is typed, is one too."""
    settings = app.services.settings
    app.services.settings = settings.model_copy(update={"network": settings.network.model_copy(
        update={"regions": ["West Midlands", "Kent"]})})
    await chat.say("done Managed the LA broadband contract", user="bob")
    async with app.db.unit_of_work() as session:
        (await session.scalar(select(Member))).region = "Isle of Wight"
    empty = await chat.say("whodone broadband in west midlands")
    assert names(empty) == [] and "“broadband” in West Midlands" in empty.plain_text()
    assert names(await chat.say("whodone broadband in the ISLE OF WIGHT?")) == ["bob"]
    assert names(await chat.say("whodone broadband in kent")) == []


async def test_list_and_remove_only_own_entries(app, chat: FakeAdapter) -> None:
    await chat.say("done Wrote a digital strategy", user="ann")
    listed = await chat.say("done list", user="ann")
    assert "#1 Wrote a digital strategy" in listed.plain_text()
    refused = await chat.say("done remove 1", user="bob")
    assert refused.is_error and "no entry #1" in refused.plain_text()
    assert await count(app, DoneEntry) == 1
    removed = await chat.press("done remove", {"id": 1}, user="ann")
    assert not removed.is_error
    assert await count(app, DoneEntry) == 0
    assert names(await chat.say("whodone digital strategy")) == []


async def test_interests_are_never_results(app, chat: FakeAdapter) -> None:
    from storage.models import Interest

    await chat.say("profile", user="ann")
    async with app.db.unit_of_work() as session:
        ann = await session.scalar(select(Member).where(Member.handle == "ann"))
        session.add(Interest(member_id=ann.id, text="Keen to learn about podcasts"))
    assert names(await chat.say("whodone podcasts")) == []


async def test_profile_shows_entries_and_respects_privacy(app, chat: FakeAdapter) -> None:
    await chat.say("done Built a school radio studio", user="ann")
    shown = await chat.say("profile ann", user="bob")
    assert "Built a school radio studio" in shown.plain_text()
    async with app.db.unit_of_work() as session:
        ann = await session.scalar(select(Member).where(Member.handle == "ann"))
        ann.privacy = "hidden"
    hidden = await chat.say("profile ann", user="bob")
    assert hidden.is_error and "can't find" in hidden.plain_text()
    assert names(await chat.say("whodone radio", user="bob")) == []
    assert not (await chat.say("profile", user="ann")).is_error


async def test_space_privacy_limits_to_shared_space(app, chat: FakeAdapter) -> None:
    await chat.say("done Ran a makerspace with 3D printers", user="ann")
    async with app.db.unit_of_work() as session:
        ann = await session.scalar(select(Member).where(Member.handle == "ann"))
        ann.privacy = "space"
    assert names(await chat.say("whodone 3d printers", user="bob")) == ["ann"]
    assert names(await chat.say("whodone 3d printers", user="bob", space="T-OTHER")) == []


async def test_bad_input_changes_nothing(app, chat: FakeAdapter) -> None:
    cases = {
        'done worked="a lesson and nothing else"': "what you did first",
        "done x": "too short",
        "done " + "x" * 600: "too long",
        "done Did a thing link=javascript:alert(1)": "web address",
        "done Did a thing link=file:///etc/passwd": "web address",
        "done Did a thing year=1066": "between 1950",
        "done remove abc": "whole number",
        "done remove 0": "there is no entry #0",
        "whodone": "query is missing",
        "whodone x limit=500": "at most 25",
        "whodone " + "q" * 400: "too long",
        'done "unclosed quote': "never closed",
        "profile nobody-here": "can't find",
        "frobnicate": "didn't understand",
    }
    for text, expected in cases.items():
        reply = await chat.say(text, user="ann")
        assert reply.is_error, text
        assert expected in reply.plain_text().lower(), (text, reply.plain_text())
        assert "Traceback" not in reply.plain_text()
    assert await count(app, DoneEntry) == 0
    bare = await chat.say("done", user="ann")  # the form, which saves nothing yet
    assert not bare.is_error and bare.form is not None
    assert await count(app, DoneEntry) == 0


async def test_hostile_queries_return_cleanly(chat: FakeAdapter) -> None:
    await chat.say("done Ran a code club with Raspberry Pi", user="ann")
    for query in ['"', "*", "NEAR(code club)", "code OR", "AND", "' OR 1=1 --",
                  "code); DROP TABLE members; --", "\x00\x07code", "^code", "code:*",
                  "col:code", "-code", "()", "!!", "NOT code", "&|", "\\"]:
        reply = await chat.say(f"whodone {query}", user="bob")
        assert "Traceback" not in reply.plain_text()
        assert reply.tone != "error" or "something went wrong" not in reply.plain_text()
    assert names(await chat.say("whodone code club", user="bob")) == ["ann"]


async def test_help_is_generated_for_every_command(chat: FakeAdapter) -> None:
    pages = [(await chat.say("help all", user=MODERATOR)).plain_text()]
    while "Say `more`" in pages[-1]:
        pages.append((await chat.say("more", user=MODERATOR)).plain_text())
    listing = "\n".join(pages)
    registry = chat.core.registry
    for command in registry.visible():
        assert command.summary in listing or command.name == "help", command.name
        detail = await chat.say(f"help {command.name}")
        assert not detail.is_error, command.name
        assert command.usage_line() in detail.plain_text()


async def test_names_never_reveal_hidden_members(app, chat: FakeAdapter) -> None:
    for user in ("sam1", "sam2"):
        await chat.say("done Ran a code club", user=user)
    async with app.db.unit_of_work() as session:
        for member in await session.scalars(select(Member)):
            member.name = "Sam Smith"
            member.privacy = "hidden" if member.handle == "sam2" else "network"
    shown = await chat.say("profile Sam Smith", user="bob")
    assert not shown.is_error and "@sam1" in shown.plain_text()
    assert "sam2" not in shown.plain_text()
    hidden = await chat.say("profile @sam2", user="bob")
    assert hidden.is_error and "can't find" in hidden.plain_text()
    async with app.db.unit_of_work() as session:
        sam1 = await session.scalar(select(Member).where(Member.handle == "sam1"))
        sam1.privacy = "network"
        sam2 = await session.scalar(select(Member).where(Member.handle == "sam2"))
        sam2.privacy = "network"
    both = await chat.say("profile Sam Smith", user="bob")
    assert both.is_error and "sam1, sam2" in both.plain_text()


async def test_first_contact_twice_at_once_makes_one_member(app, chat: FakeAdapter) -> None:
    """A new member's first two commands arriving together (a double click, a retry) both
    succeed and leave one member with one identity."""
    import asyncio

    from storage.models import Identity

    replies = await asyncio.gather(*(chat.say(f"done Ran a code club number {n}", user="new")
                                     for n in range(4)))
    assert [r.is_error for r in replies] == [False] * 4, [r.plain_text() for r in replies]
    assert await count(app, Member) == 1
    assert await count(app, Identity) == 1
    assert await count(app, DoneEntry) == 4


async def test_a_send_tag_keeps_its_meaning(app, chat: FakeAdapter) -> None:
    await chat.say("done Switch access and eye-gaze for #SEND pupils", user="ann")
    await chat.say("done Helped staff send the newsletter #send", user="bob")
    async with app.db.sessions() as session:
        tags = sorted(tuple(e.tags) for e in await session.scalars(select(DoneEntry)))
    assert tags == [("SEND",), ("send",)]
    assert names(await chat.say("whodone SEND", user="cat")) == ["ann"]
    assert "#SEND" in (await chat.say("whodone SEND", user="cat")).plain_text()


async def test_results_mark_the_words_that_matched(chat: FakeAdapter) -> None:
    await chat.say("done Rolled out Chromebooks to year 7 and trained the staff", user="ann")
    reply = await chat.say("whodone has anyone done a chromebook rollout?", user="cat")
    [item] = next(b for b in reply.blocks if isinstance(b, ItemList)).items
    marked = [item.text[start:end] for start, end in item.marks]
    assert marked == ["Rolled out Chromebooks"]
