"""Lessons on done entries through the core, on SQLite and PostgreSQL: given inline or by
form, added and changed later, shown compactly and in full, searched below the summary,
exported and imported, forgotten, and in the opt-in digest section."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from bot.app import App
from bot.commands import DigestRequest
from bot.digest import build_digest
from bot.directory_io import export_file, import_file
from bot.events import TextMessage
from bot.expertise import lessons
from bot.replies import Actions, Button, ItemList, Reply, Section
from bot.testing import SPACE, FakeAdapter, FakeClock
from storage.models import DoneEntry, Member
from storage.models.directory import LESSON_MAX
from tests.expertise.test_expertise import names

CHROMEBOOKS = (
    'done Rolled out Chromebooks 1:1 in year 7 worked="staff training first" '
    'differently="buy cases"'
)


async def entries(app: App) -> list[DoneEntry]:
    async with app.db.sessions() as session:
        return list(await session.scalars(select(DoneEntry).order_by(DoneEntry.id)))


def buttons(reply: Reply) -> list[Button]:
    found: list[Button] = []
    for block in reply.blocks:
        if isinstance(block, (Actions, Section)):
            found += block.buttons
        elif isinstance(block, ItemList):
            found += [b for item in block.items for b in item.buttons]
    return found


async def test_lessons_given_inline_are_saved_shown_and_editable(
    app: App, chat: FakeAdapter
) -> None:
    reply = await chat.say(CHROMEBOOKS, user="ann")
    assert not reply.is_error, reply.plain_text()
    [entry] = await entries(app)
    assert entry.summary == "Rolled out Chromebooks 1:1 in year 7"
    assert (entry.worked, entry.differently, entry.cost) == (
        "staff training first",
        "buy cases",
        "",
    )
    assert entry.lessons_at is not None
    shown = reply.plain_text()
    assert "Worked: staff training first · Differently: buy cases" in shown
    [edit] = [b for b in buttons(reply) if b.command == "done edit"]
    assert edit.label == "Edit what you learned" and edit.args == {"id": entry.id}

    changed = await chat.say(f'done edit {entry.id} cost="£250 a device" worked=""', user="ann")
    assert not changed.is_error, changed.plain_text()
    [entry] = await entries(app)
    assert (entry.worked, entry.differently, entry.cost) == ("", "buy cases", "£250 a device")


async def test_the_add_button_and_the_forms(app: App, chat: FakeAdapter) -> None:
    logged = await chat.say("done Set up a Moodle VLE #vle", user="ann")
    [add] = [b for b in buttons(logged) if b.command == "done edit"]
    assert add.label == "Add what you learned"
    opened = await chat.press(add.command, dict(add.args), user="ann")
    form = opened.form
    assert form is not None and form.command == "done edit" and dict(form.hidden) == add.args
    assert [f.name for f in form.fields] == ["worked", "differently", "cost"]
    saved = await chat.press(
        "done edit",
        {
            **form.hidden,
            "worked": "Pilot with one class",
            "differently": "Start with the\nmaths team",
        },
        user="ann",
    )
    assert not saved.is_error, saved.plain_text()
    [entry] = await entries(app)
    assert entry.differently == "Start with the\nmaths team"
    again = await chat.press("done edit", {"id": entry.id}, user="ann")
    assert again.form is not None
    assert {f.name: f.initial for f in again.form.fields}["worked"] == "Pilot with one class"

    # a new entry by form: every box fits a Discord modal (5 inputs, labels <= 45)
    blank = await chat.press("done add", {}, user="bob")
    form = blank.form
    assert form is not None and form.command == "done add" and len(form.fields) <= 5
    assert all(len(f.label) <= 45 and (f.max_length or 0) <= 4000 for f in form.fields)
    made = await chat.press(
        "done add",
        {"summary": "Ran a coding club for KS2", "tags": "coding, #KS2", "cost": "An hour a week"},
        user="bob",
    )
    assert not made.is_error, made.plain_text()
    entry = (await entries(app))[-1]
    assert (entry.tags, entry.cost, entry.worked) == (["coding", "KS2"], "An hour a week", "")


async def test_the_console_asks_the_form_a_field_at_a_time(app: App, chat: FakeAdapter) -> None:
    async def console(text_: str) -> Reply:
        answer = await app.core.answer(TextMessage(chat.caller("ann"), text_, forms=False))
        return answer.seen_by_caller()

    await console("done Built a school radio studio")
    [entry] = await entries(app)
    asked = await console(f"done edit {entry.id}")
    assert "What worked" in asked.plain_text()
    await console("Student producers")
    await console("skip")
    done = await console("Two terms of lunchtimes")
    assert not done.is_error, done.plain_text()
    [entry] = await entries(app)
    assert (entry.worked, entry.differently, entry.cost) == (
        "Student producers",
        "",
        "Two terms of lunchtimes",
    )


async def test_bad_input_gets_a_specific_answer_and_changes_nothing(
    app: App, chat: FakeAdapter
) -> None:
    await chat.say(CHROMEBOOKS, user="ann")
    [before] = await entries(app)

    long = "x" * (LESSON_MAX + 1)
    refused = await chat.say(f'done edit {before.id} worked="{long}"', user="ann")
    assert refused.is_error
    assert f"{LESSON_MAX + 1} characters long; at most {LESSON_MAX}" in refused.plain_text()
    assert dict(refused.field_errors).keys() == {"worked"}

    other = await chat.say(f'done edit {before.id} worked="mine now"', user="bob")
    assert other.is_error and "someone else's entry" in other.plain_text()
    unknown = await chat.say('done edit 999 worked="anything"', user="ann")
    assert unknown.is_error and "no entry #999" in unknown.plain_text()
    loose = await chat.say(f"done edit {before.id} staff training first", user="ann")
    assert loose.is_error and "key=value" in loose.plain_text()
    new_long = await chat.say(f'done Wrote a policy differently="{long}"', user="ann")
    assert new_long.is_error and "Differently is" in new_long.plain_text()
    lessons_only = await chat.say('done worked="just a lesson"', user="ann")
    assert lessons_only.is_error and "what you did first" in lessons_only.plain_text()

    [after] = await entries(app)
    assert (after.worked, after.differently, after.cost, after.lessons_at) == (
        before.worked,
        before.differently,
        before.cost,
        before.lessons_at,
    )
    assert len(await entries(app)) == 1


async def test_listings_are_compact_and_done_show_has_it_all(app: App, chat: FakeAdapter) -> None:
    worked = "Staff training first, in small groups. " * 10
    await chat.say(
        f'done Rolled out Chromebooks to year 7 worked="{worked.strip()}" '
        'cost="Line one of the cost\nLine two of the cost"',
        user="ann",
    )
    [entry] = await entries(app)
    for reply in (
        await chat.say("profile ann", user="bob"),
        await chat.say("whodone chromebooks", user="bob"),
    ):
        text_ = reply.plain_text()
        assert "Worked: Staff training first" in text_ and "…" in text_
        assert worked.strip() not in text_ and "Line two" not in text_
        assert f"done show {entry.id}" in text_
        [more] = [b for b in buttons(reply) if b.command == "done show"]
        assert more.args == {"id": entry.id}
    full = await chat.press("done show", {"id": entry.id}, user="bob")
    assert not full.is_error
    assert worked.strip() in full.plain_text() and "Line two of the cost" in full.plain_text()
    assert "What worked" in full.plain_text() and "Cost and effort" in full.plain_text()

    async with app.db.unit_of_work() as session:
        (await session.scalar(select(Member).where(Member.handle == "ann"))).privacy = "hidden"
    hidden = await chat.say(f"done show {entry.id}", user="bob")
    assert hidden.is_error and "no entry" in hidden.plain_text()
    assert not (await chat.say(f"done show {entry.id}", user="ann")).is_error
    assert (await chat.say("done show 999", user="bob")).is_error


async def test_a_lesson_is_found_below_a_summary_that_matches(app: App, chat: FakeAdapter) -> None:
    await chat.say('done Rolled out Chromebooks 1:1 worked="staff training first"', user="ann")
    await chat.say("done Ran staff training on online safety", user="bob")
    await chat.say('done Moved to Google Classroom differently="more staff training"', user="cat")
    await chat.say("done Set up a makerspace", user="dan")
    found = names(await chat.say("whodone staff training", user="eve"))
    assert found[0] == "bob" and sorted(found[1:]) == ["ann", "cat"]  # lessons: below
    only_lesson = await chat.say("whodone buy protective cases", user="eve")
    assert names(only_lesson) == []
    await chat.say('done edit 4 differently="buy protective cases"', user="dan")
    assert names(await chat.say("whodone protective cases", user="eve")) == ["dan"]
    await chat.say('done edit 4 differently=""', user="dan")
    assert names(await chat.say("whodone protective cases", user="eve")) == []

    # however short the entry whose lesson matches, and however long the summary that does
    await chat.say('done Chromebooks worked="parents evening workshops"', user="fay")
    await chat.say(
        "done Ran parents evening workshops on online safety for every family in "
        "the trust and its twelve schools",
        user="gus",
    )
    assert names(await chat.say("whodone parents evening workshops", user="eve")) == ["gus", "fay"]

    # tier by tier with early stopping (as at scale) or everything at once: the same
    search = app.services.search
    for query in ("staff training", "parents evening workshops", "training"):
        search.rare_budget = 10_000
        everything = names(await chat.say(f"whodone {query} limit=25", user="eve"))
        search.rare_budget = 0
        assert names(await chat.say(f"whodone {query} limit=25", user="eve")) == everything
        assert names(await chat.say(f"whodone {query} limit=1", user="eve")) == everything[:1]

    # a rebuilt index (`staffroom db reindex`, a new index version) keeps them
    async with app.db.unit_of_work() as session:
        assert await search.stored_version(session) == search.version
        assert "lessons" in search.version
        await search.rebuild(session)
    assert names(await chat.say("whodone staff training", user="eve")) == found


async def test_mydata_export_import_round_trip_and_forgetme(
    app: App, chat: FakeAdapter, tmp_path: Path
) -> None:
    await chat.say(CHROMEBOOKS + ' cost="A term of technician time"', user="ann")
    await chat.say("done Built a school radio studio", user="ann")
    mine = await chat.say("mydata", user="ann")
    assert mine.attachment is not None
    data = json.loads(mine.attachment.content)
    first, second = data["expertise"]
    assert (first["worked"], first["differently"], first["cost"]) == (
        "staff training first",
        "buy cases",
        "A term of technician time",
    )
    assert "worked" not in second and "lessons_at" in first

    exported = tmp_path / "directory.jsonl"
    await export_file(app.db, app.services.search, exported)
    [line] = [json.loads(x) for x in exported.read_text().splitlines()]
    assert line["done"][0]["worked"] == "staff training first"
    await chat.say('done edit 1 worked="" differently="" cost=""', user="ann")
    assert names(await chat.say("whodone technician time", user="bob")) == []

    await import_file(app.db, app.services.search, exported, default_privacy="network")
    again = tmp_path / "again.jsonl"
    await export_file(app.db, app.services.search, again)
    assert again.read_text() == exported.read_text()
    assert names(await chat.say("whodone technician time", user="bob")) == ["ann"]

    too_long = tmp_path / "bad.jsonl"
    too_long.write_text(
        json.dumps(
            {
                "handle": "zed",
                "name": "Zed",
                "done": [{"summary": "Ran a club", "cost": "c" * (LESSON_MAX + 1)}],
            }
        )
        + "\n"
    )
    try:
        await import_file(app.db, app.services.search, too_long, default_privacy="network")
        raise AssertionError("an over-long lesson was imported")
    except Exception as exc:  # ImportRefused, naming the line and the field
        assert "line 1" in str(exc) and "cost" in str(exc)

    asked = await chat.say("forgetme", user="ann")
    [press] = [b for b in buttons(asked) if b.confirm]
    assert not (await chat.press(press.command, dict(press.args), user="ann")).is_error
    async with app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DoneEntry)) == 0
        left = (
            await session.scalar(text("SELECT count(*) FROM search_docs"))
            if app.db.is_sqlite
            else await session.scalar(text("SELECT count(*) FROM done_search"))
        )
        assert left == 0
        vocab = set(await session.scalars(text("SELECT term FROM search_vocab")))
    assert vocab <= {""}  # nothing of theirs is left in the vocabulary either
    assert names(await chat.say("whodone technician time", user="bob")) == []


async def test_the_digest_section_is_opt_in_new_and_private(
    app: App, chat: FakeAdapter, clock: FakeClock
) -> None:
    week_start = clock.now()
    await chat.say("done Old entry with no lessons yet", user="ann")
    await chat.say('done Rolled out Chromebooks worked="staff training first"', user="ann")
    await chat.say('done Ran a podcast club worked="pupils as producers"', user="bob")
    await chat.say('done Secret project worked="hidden lesson"', user="cat")
    await chat.say(
        'done Space-only project worked="only for our space"', user="dan", space="T-OTHER"
    )
    await chat.say('done Space-only here worked="eve is in this space"', user="eve")
    async with app.db.unit_of_work() as session:
        for member in await session.scalars(select(Member)):
            member.privacy = {"cat": "hidden", "dan": "space", "eve": "space"}.get(
                member.handle, member.privacy
            )
    clock.advance(days=8)
    await chat.say('done edit 1 worked="written after the week"', user="ann")

    async def section() -> str:
        async with app.db.sessions() as session:
            blocks = await lessons.digest(
                DigestRequest(
                    services=app.services,
                    session=session,
                    platform="fake",
                    space_id=SPACE,
                    since=week_start,
                    until=week_start + timedelta(days=7),
                )
            )
        return Reply(blocks=tuple(blocks)).plain_text() if blocks else ""

    assert await section() == ""  # not opted in
    settings = app.services.settings
    app.services.settings = settings.model_copy(
        update={"digest": settings.digest.model_copy(update={"lessons": True})}
    )
    shown = await section()
    assert "New lessons" in shown
    assert "Rolled out Chromebooks" in shown and "pupils as producers" in shown
    assert "hidden lesson" not in shown and "only for our space" not in shown
    assert "eve is in this space" in shown
    assert "written after the week" not in shown and "more" not in shown

    clock.set(week_start + timedelta(days=1))
    for n in range(4):
        await chat.say(f'done Club number {n} cost="an hour a week"', user=f"gus{n}")
    shown = await section()
    assert shown.count("Club number") == 4 and "And 2 more lessons this week" in shown  # newest
    async with app.db.sessions() as session:
        post = await build_digest(
            app.services, session, "fake", SPACE, week_start, week_start + timedelta(days=7)
        )
    assert post is not None and "New lessons" in post.plain_text()


async def test_the_migration_goes_down_and_up_with_a_directory(app: App, chat: FakeAdapter) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from tests.storage.test_migrations import migrate

    await chat.say(CHROMEBOOKS, user="ann")

    async def columns() -> set[str]:
        async with app.db.engine.connect() as conn:
            found = await conn.run_sync(lambda c: inspect(c).get_columns("done_entries"))
        return {c["name"] for c in found}

    assert {"worked", "differently", "cost", "lessons_at"} <= await columns()
    await migrate(app, command.downgrade, "0015_linking_shelves")
    assert not {"worked", "differently", "cost", "lessons_at"} & await columns()
    await migrate(app, command.upgrade, "heads")
    [entry] = await entries(app)
    assert entry.summary.startswith("Rolled out") and entry.worked == ""
    assert names(await chat.say("whodone chromebooks", user="bob")) == ["ann"]
    assert not (await chat.say('done edit 1 worked="again"', user="ann")).is_error
