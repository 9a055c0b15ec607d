"""The dispatcher's unit of work: opened only when a command uses the database, committed
when it succeeds, rolled back when it fails; on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.commands import Args, Command
from bot.context import Context
from bot.core import APOLOGY
from bot.errors import UserError
from bot.events import CommandInvocation, TextMessage
from bot.notifier import Destination
from bot.replies import Reply, Text
from bot.testing import MODERATOR, FakeAdapter
from storage.models import Member


async def members(app: App) -> int:
    async with app.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Member)) or 0


async def test_help_opens_no_session(app: App, chat: FakeAdapter) -> None:
    """Commands that never touch the database cost no session (a chat mention's latency
    is mostly this bookkeeping when the answer itself is static)."""
    opened: list[object] = []
    factory = app.db.sessions

    def counted() -> AsyncSession:
        opened.append(factory())
        return opened[-1]

    app.db.sessions = counted  # type: ignore[assignment]
    checkouts: list[object] = []
    event.listen(app.db.engine.sync_engine.pool, "checkout",
                 lambda *args: checkouts.append(args))
    assert not (await chat.say("help")).is_error
    assert not (await chat.say("help whodone")).is_error
    assert opened == [] and checkouts == []
    # what names no command may be the answer to a question the member was asked (a
    # number, "yes", "Not now"): one read of their open question; then the suggestions
    # offered instead are recorded, so that "1" runs the first
    assert (await chat.say("zzzz")).is_error
    assert len(opened) == 2 and checkouts


async def test_writes_commit_on_success_and_roll_back_on_failure(
        app: App, chat: FakeAdapter) -> None:
    async def create_then(ctx: Context, _args: Args, failure: Exception | None) -> Reply:
        await ctx.member()  # creates the caller's member record
        await ctx.session.flush()
        if failure is not None:
            raise failure
        return Reply(blocks=(Text("made"),))

    async def fine(ctx: Context, args: Args) -> Reply:
        return await create_then(ctx, args, None)

    async def refused(ctx: Context, args: Args) -> Reply:
        return await create_then(ctx, args, UserError("not like that"))

    async def broken(ctx: Context, args: Args) -> Reply:
        return await create_then(ctx, args, RuntimeError("a bug"))

    for name, handler in (("t-fine", fine), ("t-refused", refused), ("t-broken", broken)):
        app.services.registry.add(Command(name=name, summary="test", handler=handler))

    assert (await chat.say("t-refused", user="ann")).plain_text() == "not like that"
    assert APOLOGY in (await chat.say("t-broken", user="bob")).plain_text()
    assert await members(app) == 0
    assert (await chat.say("t-fine", user="cat")).plain_text() == "made"
    assert await members(app) == 1


# -- the answer to an event: command, validated arguments, audience ---------------------------
async def test_the_answer_carries_the_command_its_arguments_and_the_audience(
        app: App, chat: FakeAdapter) -> None:
    caller = chat.caller("ann")
    done = await app.core.answer(TextMessage(caller, "done Ran a VLE move #VLE #moodle 2019"))
    assert (done.command, done.audience) == ("done add", "caller")
    assert done.args == {"summary": "Ran a VLE move", "tags": ["VLE", "moodle"], "year": 2019}
    assert not done.reply.is_error
    # the validated arguments mean the same when run again, as a button would
    again = await app.core.answer(CommandInvocation(caller, done.command, done.args))
    assert again.command == "done add" and not again.reply.is_error

    pinned = await app.core.answer(TextMessage(chat.caller(MODERATOR),
                                               'pin https://example.org/g "A guide"'))
    assert (pinned.command, pinned.audience) == ("pin", "channel")
    refused = await app.core.answer(TextMessage(caller, "pins approve 1"))
    assert (refused.command, refused.audience) == ("pins approve", "caller")
    assert refused.reply.is_error  # an error is always the caller's alone
    unknown = await app.core.answer(TextMessage(caller, "frobnicate now"))
    assert (unknown.command, unknown.audience, dict(unknown.args)) == ("", "caller", {})
    invalid = await app.core.answer(CommandInvocation(caller, "done remove", {"id": "x"}))
    assert (invalid.command, invalid.audience) == ("done remove", "caller")


async def test_the_reply_decides_its_audience_so_previews_and_suggestions_stay_private(
        app: App, chat: FakeAdapter) -> None:
    """A command whose finished result is for the channel (a new teach-meet, a published
    pin) still shows its preview, or a member's mere suggestion, to the caller alone."""
    caller = chat.caller("ann")
    preview = await app.core.answer(TextMessage(
        caller, 'teachmeet create Autumn meet start="2026-12-03 16:00 Europe/London"'))
    assert (preview.command, preview.audience) == ("teachmeet create", "caller")
    assert "Nothing is saved" in preview.reply.plain_text()
    created = await app.core.answer(TextMessage(
        caller, 'teachmeet create Autumn meet start="2026-12-03 16:00 Europe/London" '
                "confirm=yes"))
    assert (created.command, created.audience) == ("teachmeet create", "channel")
    suggested = await app.core.answer(TextMessage(caller, 'pin https://example.org/s "Tips"'))
    assert (suggested.command, suggested.audience) == ("pin", "caller")
    assert "suggestion" in suggested.reply.plain_text()


async def test_what_could_not_be_delivered_is_told_to_the_caller_alone(
        app: App, chat: FakeAdapter) -> None:
    async def announce(ctx: Context, _args: Args) -> Reply:
        for user in ("bea", "cal", "dee"):
            ctx.notify(Destination(ctx.caller.platform, ctx.caller.space_id, user_id=user),
                       Reply(blocks=(Text("It moved."),)), about=user.title())
        return Reply(blocks=(Text("Moved; everyone was told."),), visibility="channel")

    app.services.registry.add(Command(name="t-announce", summary="test", handler=announce))
    chat.refused = {"bea": "They don't accept direct messages.",
                    "dee": "Their account is deactivated."}
    answer = await app.core.answer(TextMessage(chat.caller("ann"), "t-announce"))
    assert answer.audience == "channel"
    assert answer.reply.plain_text() == "Moved; everyone was told."  # the channel sees this
    assert answer.aside is not None and answer.aside.tone == "warning"
    assert answer.aside.plain_text() == (
        "Not everything I was asked to send arrived:\n"
        "• Bea: They don't accept direct messages.\n• Dee: Their account is deactivated.")
    assert [d.user_id for d, _ in chat.sent] == ["cal"]  # nothing recorded as sent to bea/dee
    # one reader (a terminal, a test) sees both
    seen = await chat.say("t-announce", user="ann")
    assert "Moved" in seen.plain_text() and "• Bea:" in seen.plain_text()
