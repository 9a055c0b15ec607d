"""Public questions in Discord: a thread is started from the question's message once
(POST /channels/{channel}/messages/{message}/threads, its name within 100 characters) and
every answer is posted into it; a deleted thread falls back to a post in the channel."""

from __future__ import annotations

from bot.events import Caller, CommandInvocation
from bot.notifier import Destination
from bot.replies import Reply, Text
from tests.adapters.discord import fake_discord as fd
from tests.adapters.discord.conftest import Harness
from tests.adapters.discord.test_discord_adapter import ALICE, BOB, text_of

CAT = {"user_id": "1003", "name": "cat"}
QUESTION = "can anyone help with a chromebook rollout? " + "We have 900 pupils and " * 8


async def answer(bot: Harness, who: dict[str, str], text: str) -> Reply:
    """An answer as the core gets it from any adapter; what it posts goes through the
    Discord adapter to the fake Discord."""
    caller = Caller(
        platform="discord",
        space_id=fd.GUILD_ID,
        user_id=who["user_id"],
        display_name=who["name"],
        channel_id=fd.CHANNEL_ID,
        is_direct=False,
    )
    return (
        await bot.app.core.answer(
            CommandInvocation(caller, "ask answer", {"question": 1, "answer": text})
        )
    ).reply


def posts(bot: Harness, channel: str) -> list[fd.Call]:
    return [
        c
        for c in bot.fake.calls
        if c.method == "POST" and c.path == f"/channels/{channel}/messages"
    ]


async def test_answers_go_to_one_thread_started_from_the_question(
    discord_bot: Harness,
) -> None:
    for who in (BOB, CAT):
        await discord_bot.slash(
            "done", "add", options={"summary": "Rolled out Chromebooks 1:1"}, **who
        )
    asked = await discord_bot.slash("ask", "public", options={"question": QUESTION}, **ALICE)
    assert "questions channel" in text_of(asked)
    [question_post] = [
        c for c in posts(discord_bot, fd.CHANNEL_ID) if "asks the network" in str(c.json)
    ]
    started = [c for c in discord_bot.fake.calls if c.path.endswith("/threads")]
    assert len(started) == 1
    [thread_id] = discord_bot.fake.threads
    assert started[0].path == f"/channels/{fd.CHANNEL_ID}/messages/{thread_id}/threads"
    name = started[0].json["name"]
    assert name.startswith("Question #1: can anyone help") and len(name) <= 100
    assert question_post.status is None or question_post.status < 400

    for who, text in ((BOB, "Buy the cases first."), (CAT, "Train the staff first.")):
        reply = await answer(discord_bot, who, text)
        assert not reply.is_error and "Not everything" not in reply.plain_text()
    in_thread = posts(discord_bot, thread_id)
    assert [
        ("Buy the cases" in str(c.json), "Train the staff" in str(c.json)) for c in in_thread
    ] == [(True, False), (False, True)]
    assert len([c for c in discord_bot.fake.calls if c.path.endswith("/threads")]) == 1


async def test_a_deleted_thread_falls_back_to_the_channel(discord_bot: Harness) -> None:
    await discord_bot.slash("done", "add", options={"summary": "Rolled out Chromebooks 1:1"}, **BOB)
    await discord_bot.slash("ask", "public", options={"question": QUESTION}, **ALICE)
    [thread_id] = discord_bot.fake.threads
    discord_bot.fake.gone.add(thread_id)
    reply = await answer(discord_bot, BOB, "Buy the cases first.")
    assert not reply.is_error and "Not everything" not in reply.plain_text()
    [refused] = posts(discord_bot, thread_id)
    assert refused.status == 404
    cited = posts(discord_bot, fd.CHANNEL_ID)[-1]
    assert "answered question #1" in str(cited.json) and "Buy the cases" in str(cited.json)


async def test_a_message_gets_one_thread_however_often_it_is_opened(
    discord_bot: Harness,
) -> None:
    """Two copies opening the same question's thread: Discord refuses the second (160004);
    the message's thread, whose id is the message's, is used by both."""
    posted = await discord_bot.adapter.send(
        Destination("discord", fd.GUILD_ID, channel_id=fd.CHANNEL_ID),
        Reply(blocks=(Text("A question"),)),
    )
    first = await discord_bot.adapter.open_thread(posted, "Question #1: " + "x" * 200)
    again = await discord_bot.adapter.open_thread(posted, "Question #1: again")
    assert first.thread_id == again.thread_id == posted.message_id
    assert list(discord_bot.fake.threads) == [posted.message_id]
    assert len(discord_bot.fake.threads[posted.message_id]["name"]) == 100
    refused = [c for c in discord_bot.fake.calls if c.path.endswith("/threads")]
    assert [c.status for c in refused][1] == 400
