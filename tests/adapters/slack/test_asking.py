"""Public questions in Slack: the question is posted in the questions channel and every
answer goes to its thread (`thread_ts` is the question's `ts`), whichever copy handles it."""

from __future__ import annotations

from sqlalchemy import select

from adapters.slack import SlackAdapter
from bot.app import App
from storage.models import Question
from tests.adapters.slack.fake_slack import FakeSlack, SlackClient
from tests.adapters.slack.test_http import ask

QUESTION = "can anyone help with a chromebook rollout?"


async def test_answers_go_to_the_public_questions_thread(
    app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack
) -> None:
    app.services.settings.spaces[0].questions_channel = "CQUESTIONS"
    for user in ("UBOB", "UCAT"):
        await ask(client, slack, "done Rolled out Chromebooks 1:1 in year 7", user=user)
    asked = await ask(client, slack, f"ask public {QUESTION}", user="UANN")
    assert "questions channel" in asked["text"]
    [posted] = [c for c in fake_slack.calls_to("chat.postMessage") if c["channel"] == "CQUESTIONS"]
    assert "thread_ts" not in posted and QUESTION in posted["text"]
    [question_ts] = fake_slack.posted["CQUESTIONS"]
    async with app.db.sessions() as session:
        stored = await session.scalar(select(Question))
    assert (stored.channel_id, stored.thread_id) == ("CQUESTIONS", question_ts)

    await ask(client, slack, "ask answer 1 Buy the cases first.", user="UBOB")
    await ask(client, slack, "ask answer 1 Train the staff before the pupils.", user="UCAT")
    replies = [c for c in fake_slack.calls_to("chat.postMessage") if c["channel"] == "CQUESTIONS"][
        1:
    ]
    assert [r.get("thread_ts") for r in replies] == [question_ts, question_ts]
    assert "Buy the cases first." in replies[0]["text"]
    assert "Train the staff" in replies[1]["text"]
    assert "reply_broadcast" not in replies[0]  # answers stay in the thread


async def test_without_the_thread_answers_are_posted_in_the_channel(
    app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack
) -> None:
    """A thread Slack no longer has: the answer is posted in the channel, citing the
    question, and the answerer is not bothered with it."""
    app.services.settings.spaces[0].questions_channel = "CQUESTIONS"
    await ask(client, slack, "done Rolled out Chromebooks 1:1 in year 7", user="UBOB")
    await ask(client, slack, f"ask public {QUESTION}", user="UANN")
    fake_slack.posted["CQUESTIONS"].clear()  # the question's message was deleted
    answered = await ask(client, slack, "ask answer 1 Buy the cases first.", user="UBOB")
    assert "Not everything" not in answered["text"]
    last = fake_slack.calls_to("chat.postMessage")[-1]
    assert last["channel"] == "CQUESTIONS" and "thread_ts" not in last
    assert "answered question #1" in last["text"]
    fake_slack.refused.clear()  # the refused thread reply was the point of this test
