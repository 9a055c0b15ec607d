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
from bot.replies import Reply, Text
from bot.testing import FakeAdapter
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
    assert (await chat.say("nonsense words")).is_error
    assert opened == [] and checkouts == []
    await chat.say("done list")  # a command that reads: both counters are live
    assert len(opened) == 1 and checkouts


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
