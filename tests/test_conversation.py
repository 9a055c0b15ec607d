"""Answers in conversation: a typed `yes`, `no`, number or word answers the question the bot
asked, through the core, on SQLite and PostgreSQL, whichever running copy receives it."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import App
from bot.commands import Args, Command
from bot.context import Context
from bot.events import CommandInvocation, TextMessage
from bot.render_text import render_text
from bot.replies import Actions, Button, Reply, Text, choose, confirm
from bot.testing import MODERATOR, FakeAdapter, FakeClock
from storage.models import Member, PendingQuestion, Pin, TeachMeet
from tests.introductions.helpers import buttons

CREATE = ('teachmeet create "Autumn TeachMeet" start="2026-11-20 16:00 Europe/London" '
          'venue="Cardiff Library"')


async def count(app: App, model: type, *where: object) -> int:
    async with app.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def test_yes_answers_forgetme(app: App, chat: FakeAdapter) -> None:
    await chat.say('intro name="Ann Jones" region=Camden', user="ann")
    asked = await chat.say("forgetme", user="ann")
    assert asked.tone == "warning" and asked.question is not None
    # in text, the button says what to type (never "confirm=True")
    shown = render_text(asked)
    assert "[Delete everything about me: say yes]" in shown and "True" not in shown
    assert await count(app, Member) == 1
    done = await chat.say("yes", user="ann")
    assert not done.is_error and "everything about you has been deleted" in done.plain_text()
    assert await count(app, Member) == 0
    assert await count(app, PendingQuestion) == 0
    again = await chat.say("yes", user="ann")  # answered: a second yes means nothing
    assert again.is_error and "nothing waiting for an answer" in again.plain_text()


async def test_no_keeps_everything_and_ends_the_question(app: App, chat: FakeAdapter) -> None:
    await chat.say('intro name="Ann Jones"', user="ann")
    await chat.say("forgetme", user="ann")
    kept = await chat.say("No thanks!", user="ann")
    assert not kept.is_error and kept.plain_text() == "OK, nothing was deleted."
    assert await count(app, Member) == 1
    late = await chat.say("yes", user="ann")
    assert late.is_error and await count(app, Member) == 1


async def test_other_answers_are_not_taken_for_yes(app: App, chat: FakeAdapter) -> None:
    await chat.say('intro name="Ann Jones"', user="ann")
    await chat.say("forgetme", user="ann")
    unsure = await chat.say("maybe", user="ann")
    assert unsure.is_error and "doesn't answer my question" in unsure.plain_text()
    assert "Say `yes` or `no`" in unsure.plain_text()
    other = await chat.say("whodone chromebooks", user="ann")  # a command is a command
    assert not other.is_error and await count(app, Member) == 1
    someone_else = await chat.say("yes", user="bob")  # questions are per member
    assert someone_else.is_error and await count(app, Member) == 1
    assert not (await chat.say("yes please", user="ann")).is_error
    assert await count(app, Member, Member.handle == "ann") == 0


async def test_yes_confirms_a_teach_meet_preview(app: App, chat: FakeAdapter) -> None:
    preview = await chat.say(CREATE, user="org")
    assert "Reply `yes` to create it" in preview.plain_text()
    assert await count(app, TeachMeet) == 0
    created = await chat.say("yes", user="org")
    assert not created.is_error and "New teach-meet #1" in created.plain_text()
    assert await count(app, TeachMeet) == 1
    asked = await chat.say('teachmeet create Spring meet start="Thursday 10"', user="org")
    assert "morning or the evening" in asked.plain_text()
    picked = await chat.say("2", user="org")  # the second reading offered: the evening
    assert "22:00" in picked.plain_text() and "Reply `yes` to create it" in (
        picked.plain_text())
    assert (await chat.say("no", user="org")).plain_text() == "OK, nothing was created."
    assert await count(app, TeachMeet) == 1


async def test_yes_cancels_a_teach_meet_and_unpins(app: App, chat: FakeAdapter) -> None:
    await chat.say(CREATE + " confirm=yes", user="org")
    asked = await chat.say("teachmeet cancel 1 Venue flooded", user="org")
    assert "Reply `yes`" in asked.plain_text()
    done = await chat.say("Yes, cancel it.", user="org")
    assert not done.is_error and "Cancelled #1" in done.plain_text()
    async with app.db.sessions() as session:
        meet = await session.get(TeachMeet, 1)
        assert meet is not None and meet.status == "cancelled"
        assert meet.cancel_reason == "Venue flooded"

    await chat.say('pin https://example.org/guide "A guide"', user=MODERATOR)
    await chat.say("unpin 1", user=MODERATOR)
    kept = await chat.say("no", user=MODERATOR)
    assert kept.plain_text() == "OK, #1 stays in the library."
    await chat.say("unpin 1", user=MODERATOR)
    gone = await chat.say("y", user=MODERATOR)
    assert "Removed #1" in gone.plain_text()
    async with app.db.sessions() as session:
        pin = await session.get(Pin, 1)
        assert pin is not None and pin.status == "removed"


async def test_questions_lapse(app: App, chat: FakeAdapter, clock: FakeClock) -> None:
    await chat.say('intro name="Ann Jones"', user="ann")
    await chat.say("forgetme", user="ann")
    clock.advance(minutes=app.services.settings.conversation.answer_minutes, seconds=1)
    late = await chat.say("yes", user="ann")
    assert late.is_error and "lapse after 5 minutes" in late.plain_text()
    assert await count(app, Member) == 1


async def test_a_button_and_a_typed_answer_do_the_same_once(app: App,
                                                             chat: FakeAdapter) -> None:
    await chat.say('pin https://example.org/guide "A guide"', user=MODERATOR)
    asked = await chat.say("unpin 1", user=MODERATOR)
    [button] = buttons(asked)
    pressed = await chat.press(button.command, dict(button.args), user=MODERATOR)
    assert "Removed #1" in pressed.plain_text()
    assert await count(app, PendingQuestion) == 0  # the press answered it
    assert (await chat.say("yes", user=MODERATOR)).is_error


async def test_the_newest_question_replaces_an_older_one(app: App, chat: FakeAdapter) -> None:
    await chat.say('intro name="Ann Jones"', user="ann")
    await chat.say(CREATE + " confirm=yes", user="ann")
    await chat.say("forgetme", user="ann")
    await chat.say("teachmeet cancel 1", user="ann")
    assert await count(app, PendingQuestion) == 1
    await chat.say("yes", user="ann")
    assert await count(app, Member) == 1  # the cancel was confirmed, not forgetme
    async with app.db.sessions() as session:
        assert (await session.get(TeachMeet, 1)).status == "cancelled"  # type: ignore[union-attr]


async def test_another_copy_of_the_bot_takes_the_answer_exactly_once(
        app: App, chat: FakeAdapter, clock: FakeClock) -> None:
    """Two copies share the database: the question asked through one is answered through
    the other; when both receive the same `yes`, only one acts on it."""
    second = App(app.services.settings, clock=clock, scheduler_owner="second")
    await second.open()
    try:
        calls: list[str] = []

        async def count_calls(ctx: Context, _args: Args) -> Reply:
            calls.append(ctx.caller.user_id)
            return Reply(blocks=(Text("did it"),))

        async def ask(ctx: Context, _args: Args) -> Reply:
            go = Button("Do it", "t-do")
            return Reply(blocks=(Text("Shall I?"), Actions((go,))),
                         question=confirm("Shall I?", go))

        for each in (app, second):
            each.services.registry.add(Command(name="t-ask", summary="t", handler=ask))
            each.services.registry.add(Command(name="t-do", summary="t", handler=count_calls))
        await chat.say("t-ask", user="ann")
        caller = chat.caller("ann")
        answered = await second.core.handle_text(TextMessage(caller, "yes"))
        assert answered.plain_text() == "did it" and calls == ["ann"]

        await chat.say("t-ask", user="ann")
        import asyncio

        both = await asyncio.gather(app.core.handle_text(TextMessage(caller, "yes")),
                                    second.core.handle_text(TextMessage(caller, "yes")))
        assert calls == ["ann", "ann"]
        assert sorted(r.plain_text() == "did it" for r in both) == [False, True]
    finally:
        await second.close()


async def test_choices_are_answered_by_number_or_label(app: App, chat: FakeAdapter) -> None:
    async def pick(ctx: Context, _args: Args) -> Reply:
        options = [Button(name, "t-picked", {"name": name}) for name in ("Tea", "Coffee")]
        return Reply(blocks=(Text("Which?"), Actions(tuple(options))),
                     question=choose("Which?", options))

    class PickedArgs(Args):
        name: str

    async def picked(ctx: Context, args: PickedArgs) -> Reply:
        return Reply(blocks=(Text(f"{args.name} it is"),))

    app.services.registry.add(Command(name="t-pick", summary="t", handler=pick))
    app.services.registry.add(Command(name="t-picked", summary="t", handler=picked,
                                      args=PickedArgs))
    asked = await chat.say("t-pick")
    assert "[Tea: say 1]  [Coffee: say 2]" in render_text(asked)
    for said, expected in (("2", "Coffee"), ("#1", "Tea"), ("the second one", "Coffee"),
                           ("coffee please", "Coffee"), ("Tea!", "Tea")):
        await chat.say("t-pick")
        assert (await chat.say(said)).plain_text() == f"{expected} it is", said
    await chat.say("t-pick")
    wrong = await chat.say("3")
    assert wrong.is_error and "Say 1 or 2" in wrong.plain_text()


async def test_unknown_input_offers_the_closest_commands(app: App, chat: FakeAdapter) -> None:
    await chat.say("done Rolled out Chromebooks to year 7", user="bob")
    typo = await chat.say("whodon chromebooks", user="ann")
    assert typo.is_error and "Did you mean" in typo.plain_text()
    assert "[whodone chromebooks: say 1]" in render_text(typo)
    found = await chat.say("1", user="ann")
    assert not found.is_error and "bob" in found.plain_text().lower()
    topic = await chat.say("chromebooks", user="ann")
    assert "whodone chromebooks" in render_text(topic)
    described = await chat.say("calendar file please", user="ann")
    assert "teachmeet ics" in render_text(described)


async def test_yes_in_a_mention_and_a_direct_message(app: App, chat: FakeAdapter) -> None:
    await chat.say('pin https://example.org/guide "A guide"', user=MODERATOR)
    await chat.say("@Staffroom unpin 1", user=MODERATOR, channel="C-GENERAL")
    mention = await chat.say("<@U0BOT> yes", user=MODERATOR, channel="C-GENERAL")
    assert "Removed #1" in mention.plain_text()
    await chat.say('pin https://example.org/other "Other"', user=MODERATOR)
    await chat.say("unpin 2", user=MODERATOR, channel="C-GENERAL")
    direct = await app.core.handle_text(TextMessage(
        chat.caller(MODERATOR, channel="D-MOD"), "yes"))
    assert "Removed #2" in direct.plain_text()


async def test_a_message_the_bot_sends_can_ask_its_recipient(app: App,
                                                             chat: FakeAdapter) -> None:
    async def nudge(ctx: Context, _args: Args) -> Reply:
        from bot.notifier import Destination

        go = Button("Say hi back", "t-hi", {"to": ctx.caller.user_id})
        ctx.notify(Destination(chat.platform, chat.space_id, user_id="bob"),
                   Reply(blocks=(Text("Ann says hi."), Actions((go,))),
                         question=confirm("Say hi back?", go)))
        return Reply(blocks=(Text("sent"),))

    class HiArgs(Args):
        to: str

    async def hi(ctx: Context, args: HiArgs) -> Reply:
        return Reply(blocks=(Text(f"{ctx.caller.user_id} waves to {args.to}"),))

    app.services.registry.add(Command(name="t-nudge", summary="t", handler=nudge))
    app.services.registry.add(Command(name="t-hi", summary="t", handler=hi, args=HiArgs))
    await chat.say("t-nudge", user="ann")
    assert (await chat.say("sure", user="bob")).plain_text() == "bob waves to ann"


async def test_a_form_is_asked_field_by_field_where_forms_cannot_be_shown(
        app: App, chat: FakeAdapter) -> None:
    caller = chat.caller("ann")

    async def say(text: str) -> Reply:
        return (await app.core.answer(TextMessage(caller, text, forms=False))).seen_by_caller()

    first = await say("intro")
    assert first.form is None
    assert "Name (1 of 7" in first.plain_text() and "`skip`" in first.plain_text()
    second = await say("Ann Jones")
    assert "Role (2 of 7" in second.plain_text()
    await say("Computing lead")
    await say("skip")  # organisation
    too_long = await say("x" * 300)  # region: at most 190 characters
    assert too_long.tone == "warning" and "at most" in too_long.plain_text()
    await say("Camden")
    saved = await say("save")
    assert not saved.is_error and "profile is saved" in saved.plain_text()
    async with app.db.sessions() as session:
        ann = await session.scalar(select(Member).where(Member.handle == "ann"))
    assert ann is not None and (ann.name, ann.role, ann.region) == (
        "Ann Jones", "Computing lead", "Camden")
    assert await count(app, PendingQuestion) == 0
    await say("intro")
    stopped = await say("cancel")
    assert stopped.plain_text() == "OK, I've stopped: nothing was saved."
    # a value the command refuses is asked again, with the reason
    await say("intro")
    for answer in ("skip", "skip", "skip", "skip", "skip", "skip"):
        await say(answer)
    zone = await say("Mars/Olympus")
    assert zone.is_error and "not a known time zone" in zone.plain_text()
    assert "Time zone (7 of 7" in zone.plain_text()
    fixed = await say("Europe/London")
    assert not fixed.is_error


async def test_a_button_press_answers_only_its_own_question(app: App, chat: FakeAdapter) -> None:
    await chat.say('intro name="Ann Jones"', user="ann")
    await chat.say("forgetme", user="ann")
    await app.core.answer(CommandInvocation(chat.caller("ann"), "done list", {}))
    assert await count(app, PendingQuestion) == 1


async def test_a_view_nobody_answers_asks_nothing(app: App, chat: FakeAdapter) -> None:
    """Slack's App Home runs commands to fill a view: their questions (a listing's `more`)
    must not replace the one the member is answering."""
    for n in range(12):
        await chat.say(f"done Thing number {n} worth logging", user="ann")
    await chat.say("forgetme", user="ann")
    home = await app.core.answer(TextMessage(chat.caller("ann"), "done list",
                                             conversational=False))
    assert home.reply.question is not None  # it has a next page...
    assert (await chat.say("no", user="ann")).plain_text() == "OK, nothing was deleted."
