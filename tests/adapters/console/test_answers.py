"""The console: a typed `yes` answers a confirmation, and a form is asked field by field."""

from __future__ import annotations

import io

from sqlalchemy import select

from adapters.console import ConsoleAdapter
from bot.app import App
from bot.notifier import Destination
from bot.replies import Reply, Text
from storage.models import Member


async def converse(app: App, script: str, handle: str = "ann") -> str:
    out = io.StringIO()
    console = ConsoleAdapter(app.core, handle=handle, stdin=io.StringIO(script), stdout=out)
    await console.start()
    await console.wait_closed()
    return out.getvalue()


async def test_yes_answers_a_confirmation(app: App) -> None:
    shown = await converse(app, 'intro name="Ann Jones"\nforgetme\nyes\n')
    assert "[Delete everything about me: say yes]" in shown and "True" not in shown
    assert "everything about you has been deleted" in shown
    async with app.db.sessions() as session:
        assert await session.scalar(select(Member).where(Member.handle == "ann")) is None


async def test_a_form_is_asked_one_field_at_a_time(app: App) -> None:
    shown = await converse(app, "intro\nAnn Jones\nComputing lead\nskip\nCamden\nsave\n")
    assert "[form:" not in shown
    assert "Name (1 of 7" in shown and "Role (2 of 7" in shown and "Region (4 of 7" in shown
    assert "profile is saved" in shown
    async with app.db.sessions() as session:
        ann = await session.scalar(select(Member).where(Member.handle == "ann"))
    assert ann is not None and (ann.name, ann.role, ann.region) == (
        "Ann Jones", "Computing lead", "Camden")


async def test_the_first_run_says_where_the_data_is_and_how_to_moderate(app: App) -> None:
    me = ConsoleAdapter(app.core, handle="me")
    first = await me.welcome()
    assert app.db.display_url in first
    assert "You are a moderator here ([console] moderators lists @me)" in first
    assert "staffroom moderators add --platform console --space local HANDLE" in first
    guest = await ConsoleAdapter(app.core, handle="guest").welcome()
    assert "To be a moderator here" in guest and "--as guest" in guest
    await converse(app, "done Ran a code club\n", handle="me")
    again = await me.welcome()
    assert app.db.display_url not in again and again.startswith("Staffroom console")


async def test_a_reply_in_a_thread_is_printed_under_its_question(app: App) -> None:
    out = io.StringIO()
    console = ConsoleAdapter(app.core, handle="ann", stdin=io.StringIO(""), stdout=out)
    app.services.notifier.register(console)
    channel = Destination("console", "local", channel_id="questions")
    posted = await app.services.notifier.send(channel, Reply(blocks=(Text("Ann asks…"),)))
    assert posted is not None and posted.channel_id == "questions"
    thread = await app.services.notifier.open_thread(posted, "Question #1: Who has done SIMS?")
    assert thread is not None and thread.thread_id == posted.message_id
    await app.services.notifier.send(thread, Reply(blocks=(Text("Bob answered:"),
                                                           Text("Ask the office."))))
    shown = out.getvalue().splitlines()
    assert shown[-4:] == ["[console local → #questions]",
                          "  ↳ in reply to question #1: Who has done SIMS?",
                          "    Bob answered:", "    Ask the office."]
