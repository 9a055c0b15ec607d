"""`ask`: routing (privacy, caps, pause, never the asker, spreading the load), answers,
closing, expiry, erasure and bad input, through the core on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from bot.asking.digest import questions_answered
from bot.commands import DigestRequest
from bot.events import TextMessage
from bot.replies import Reply
from bot.testing import SPACE, FakeAdapter, make_settings
from storage.models import (
    AuditEntry,
    DoneEntry,
    DueWork,
    Identity,
    Question,
    QuestionAnswer,
    QuestionRecipient,
)
from tests.asking.helpers import (
    ask_buttons,
    asked_of,
    buttons,
    count,
    expert,
    member,
    setup_experts,
)

ASK = "can anyone help with a chromebook rollout?"


async def _question_id(app) -> int:
    async with app.db.sessions() as session:
        return int(await session.scalar(select(Question.id).order_by(Question.id.desc())))


async def _answer(chat: FakeAdapter, question: int, text: str, user: str) -> None:
    reply = await chat.press("ask answer", {"question": question, "answer": text}, user=user)
    assert not reply.is_error, reply.plain_text()


async def test_a_question_goes_privately_to_those_who_have_done_it(app, chat) -> None:
    await setup_experts(chat, "bob", "cat")
    await chat.say("done Rolled out Chromebooks across the trust", user="ann")  # the asker
    chat.sent.clear()
    reply = await chat.say(f"ask {ASK}", user="ann")
    assert not reply.is_error, reply.plain_text()
    assert "sent your question #1 privately to 2 people" in reply.plain_text()
    assert sorted(asked_of(chat)) == ["bob", "cat"]  # never the asker
    message = chat.sent_to("bob")[0]
    assert "Ann Jones, a computing lead in Camden, asks the network" in message.plain_text()
    assert ASK in message.plain_text()
    assert list(ask_buttons(message)) == ["Answer", "Not me", "Later"]
    assert all(d.user_id for d, _ in chat.sent)  # nothing public
    async with app.db.sessions() as session:
        question = await session.get(Question, 1)
        assert question.topic == "chromebook rollout"
        assert not question.public and question.status == "open"
    assert await count(app, DueWork, DueWork.kind == "ask-expire") == 1


async def test_routing_respects_privacy_pause_cap_and_reachability(app, chat, clock) -> None:
    await setup_experts(chat, "bob", "cat", "dan", "eve", "fay")
    await chat.say("privacy hidden", user="bob")
    await chat.say("meet pause", user="cat")
    # dan has had his month's share of approaches: one meet request and two questions
    await chat.press("meet-ask", {"member": "dan", "topic": "chromebooks"}, user="zed")
    ann, dan = await member(app, "ann"), await member(app, "dan")
    async with app.db.unit_of_work() as session:
        for number in range(2):
            question = Question(
                asker_id=ann.id,
                text=f"q{number}",
                topic="x",
                platform="fake",
                space_id=SPACE,
                status="closed",
                created_at=clock.now(),
                expires_at=clock.now(),
            )
            session.add(question)
            await session.flush()
            session.add(
                QuestionRecipient(
                    question_id=question.id,
                    member_id=dan.id,
                    status="answered",
                    asked_at=clock.now(),
                )
            )
    # fay is known only from an import: no account to reach her on
    async with app.db.unit_of_work() as session:
        await session.execute(
            delete(Identity).where(Identity.member_id == (await member(app, "fay")).id)
        )
    chat.sent.clear()
    reply = await chat.say(f"ask {ASK}", user="ann")
    assert not reply.is_error, reply.plain_text()
    assert asked_of(chat) == ["eve"]
    # nobody left: a specific answer, and nothing is stored
    await chat.say("meet pause", user="eve")
    before = await count(app, Question)
    refused = await chat.say(f"ask {ASK}", user="ann")
    assert refused.is_error and "not available right now" in refused.plain_text()
    assert await count(app, Question) == before


async def test_questions_are_spread_across_experts(app, chat) -> None:
    app.services.settings.asking.recipients = 1
    await setup_experts(chat, "bob", "cat", "dan")
    for asker in ("ann", "fay", "gus"):
        reply = await chat.say(f"ask {ASK}", user=asker)
        assert not reply.is_error, reply.plain_text()
    assert sorted(asked_of(chat)) == ["bob", "cat", "dan"]  # each once, not one three times
    chat.sent.clear()
    await chat.say(f"ask {ASK}", user="hal")
    [again] = asked_of(chat)
    assert again in ("bob", "cat", "dan")


async def test_answers_reach_the_asker_and_become_searchable(app, chat) -> None:
    await setup_experts(chat, "bob", "cat")
    await chat.say(f"ask {ASK}", user="ann")
    question = await _question_id(app)
    message = chat.sent_to("bob")[0]
    pressed = ask_buttons(message)["Answer"]
    form = await chat.press(pressed.command, dict(pressed.args), user="bob")
    assert form.form is not None and form.form.command == "ask answer"
    assert dict(form.form.hidden) == {"question": question}
    chat.sent.clear()
    await _answer(chat, question, "Train staff first, then hand out cases.", "bob")
    [(to, arrived)] = chat.sent
    assert to.user_id == "ann"
    assert "Bob Smith" in arrived.plain_text() and "Train staff first" in arrived.plain_text()
    # attributable and searchable: bob is now someone who has done it, shown as an answer
    found = await chat.say("whodone chromebook rollout", user="zed")
    assert "Answered: can anyone help with a chromebook rollout?" in found.plain_text()
    async with app.db.sessions() as session:
        [stored] = (await session.scalars(select(QuestionAnswer))).all()
        assert stored.text.startswith("Train staff") and stored.entry_id is not None
    # answering twice changes nothing
    twice = await chat.press("ask answer", {"question": question, "answer": "again"}, user="bob")
    assert twice.is_error and "already answered" in twice.plain_text()
    assert await count(app, QuestionAnswer) == 1
    # Not me: cat is not asked again, ann is not told
    chat.sent.clear()
    passed = await chat.press("ask notme", {"question": question}, user="cat")
    assert not passed.is_error and chat.sent == []
    # the asker marks it helpful: closed, bob thanked, nobody can answer any more
    helpful = ask_buttons(arrived)["Helpful"]
    done = await chat.press(helpful.command, dict(helpful.args), user="ann")
    assert not done.is_error and "closed question" in done.plain_text()
    assert "found your answer" in chat.sent_to("bob")[-1].plain_text()
    late = await chat.press("ask answer", {"question": question, "answer": "x"}, user="cat")
    assert late.is_error and "closed" in late.plain_text()
    async with app.db.sessions() as session:
        closed = await session.get(Question, question)
        assert closed.status == "closed" and closed.helpful_answer_id == stored.id
    assert (
        await count(app, DueWork, DueWork.kind == "ask-expire", DueWork.status == "cancelled") == 1
    )


async def test_a_typed_answer(app, chat) -> None:
    await setup_experts(chat, "bob")
    await chat.say(f"ask {ASK}", user="ann")
    prompt = await chat.say("answer", user="bob", direct=True)
    assert not prompt.is_error and "Your answer to question #1" in prompt.plain_text()
    typed = await chat.say("Buy cases before anything else, honestly", user="bob", direct=True)
    assert not typed.is_error, typed.plain_text()
    assert "sent your answer to Ann Jones" in typed.plain_text()
    assert "Buy cases" in chat.sent_to("ann")[-1].plain_text()
    direct = await chat.say("ask answer 1 and label them", user="bob")
    assert direct.is_error and "already answered" in direct.plain_text()


def _in_channel(chat: FakeAdapter, channel: str = "C-QUESTIONS") -> list[tuple[str, str]]:
    """(thread id or "", text) of what was posted in the questions channel, in order."""
    return [(d.thread_id, r.plain_text()) for d, r in chat.sent if d.channel_id == channel]


async def test_the_plain_language_form_asks_only_after_a_yes(app, chat) -> None:
    await setup_experts(chat, "bob", "cat", "dee", "eve")
    offer = await chat.say(f"@Staffroom {ASK}", user="ann")
    assert not offer.is_error, offer.plain_text()
    text = offer.plain_text()
    assert "I can ask 3 people who have done “chromebook rollout” privately." in text
    assert list(ask_buttons(offer)) == ["Ask them", "Just show me who"]
    assert chat.sent == [] and await count(app, Question) == 0  # nothing sent yet
    reply = await chat.say("yes", user="ann")
    assert "sent your question #1 privately to 3 people" in reply.plain_text()
    assert len(asked_of(chat)) == 3
    async with app.db.sessions() as session:
        assert (await session.get(Question, 1)).text == ASK


async def test_the_plain_language_form_can_just_show_who(app, chat) -> None:
    await setup_experts(chat, "bob", "cat")
    offer = await chat.say(f"@Staffroom {ASK}", user="ann")
    who = ask_buttons(offer)["Just show me who"]
    shown = await chat.press(who.command, dict(who.args), user="ann")
    assert "Bob Smith" in shown.plain_text() and "Cat Smith" in shown.plain_text()
    assert chat.sent == [] and await count(app, Question) == 0
    await chat.say(f"@Staffroom {ASK}", user="ann")
    typed = await chat.say("just show me who", user="ann")
    assert "Bob Smith" in typed.plain_text()
    await chat.say(f"@Staffroom {ASK}", user="ann")
    no = await chat.say("no", user="ann")
    assert "haven't asked anyone" in no.plain_text()
    assert chat.sent == [] and await count(app, Question) == 0
    pressed = ask_buttons(await chat.say(f"@Staffroom {ASK}", user="ann"))["Ask them"]
    asked = await chat.press(pressed.command, dict(pressed.args), user="ann")
    assert "sent your question #1 privately to 2 people" in asked.plain_text()


async def test_the_plain_language_form_when_nobody_has_done_it(app, chat) -> None:
    await setup_experts(chat, "bob")
    offer = await chat.say("@Staffroom can anyone help with timetabling software?", user="ann")
    assert offer.is_error and "Nobody has logged" in offer.plain_text()
    assert not ask_buttons(offer) and await count(app, Question) == 0


async def test_public_questions_are_answered_in_their_thread(app, chat) -> None:
    app.services.settings.spaces[0].questions_channel = "C-QUESTIONS"
    await setup_experts(chat, "bob", "cat")
    reply = await chat.say(f"ask public {ASK}", user="ann")
    assert not reply.is_error and "questions channel" in reply.plain_text()
    [(thread, post)] = _in_channel(chat)
    assert thread == "" and ASK in post and "Ann Jones asks" in post
    [(posted, name)] = chat.threads  # one thread, under the question's own message
    assert posted.channel_id == "C-QUESTIONS" and name == f"Question #1: {ASK}"
    question_message = posted.message_id
    async with app.db.sessions() as session:
        assert (await session.get(Question, 1)).thread_id == question_message
    await _answer(chat, 1, "Cases first.", "bob")
    await _answer(chat, 1, "Train staff.", "cat")
    posts = _in_channel(chat)
    assert [t for t, _ in posts] == ["", question_message, question_message]
    assert "Bob Smith answered:" in posts[1][1] and "Cases first." in posts[1][1]
    assert "Cat Smith answered:" in posts[2][1] and "#1" not in posts[2][1]
    assert len(chat.threads) == 1  # answers never open another thread
    shown = await chat.say("ask show 1", user="zed")  # public: anyone may read it
    assert "Cases first." in shown.plain_text() and "from Bob Smith" in shown.plain_text()
    # a hidden member's answer is posted and shown without their name (but not to the asker)
    await expert(chat, "dee", "Planned a Chromebook rollout budget", name="Dee Lee")
    await chat.say("ask public how did you manage a chromebook rollout?", user="dee")
    await chat.say("privacy hidden", user="bob")
    await _answer(chat, 2, "Quietly.", "bob")
    thread, post = _in_channel(chat)[-1]
    assert thread == chat.threads[1][0].message_id
    assert "A member answered" in post and "Bob" not in post
    stranger = (await chat.say("ask show 2", user="zed")).plain_text()
    assert "from a member" in stranger and "Bob" not in stranger
    assert "from Bob Smith" in (await chat.say("ask show 2", user="dee")).plain_text()


async def test_long_questions_name_their_thread_within_the_limit(app, chat) -> None:
    app.services.settings.spaces[0].questions_channel = "C-QUESTIONS"
    await setup_experts(chat, "bob")
    await chat.say(f"ask public {ASK} " + "and what about the cases " * 12, user="ann")
    [(_, name)] = chat.threads
    assert name.startswith("Question #1: can anyone help") and len(name) <= 100
    assert name.endswith("…")


async def test_without_threads_answers_are_posted_citing_the_question(app, chat, caplog) -> None:
    app.services.settings.spaces[0].questions_channel = "C-QUESTIONS"
    chat.threadless = True
    await setup_experts(chat, "bob")
    with caplog.at_level("INFO", logger="bot.asking.commands"):
        await chat.say(f"ask public {ASK}", user="ann")
    assert "no threads" in caplog.text
    async with app.db.sessions() as session:
        assert (await session.get(Question, 1)).thread_id == ""
    await _answer(chat, 1, "Cases first.", "bob")
    posts = _in_channel(chat)
    assert [t for t, _ in posts] == ["", ""]
    assert "Bob Smith answered question #1" in posts[1][1]


async def test_a_deleted_thread_falls_back_to_the_channel(app, chat, caplog) -> None:
    app.services.settings.spaces[0].questions_channel = "C-QUESTIONS"
    await setup_experts(chat, "bob", "cat")
    await chat.say(f"ask public {ASK}", user="ann")
    [(posted, _)] = chat.threads
    chat.refused[posted.message_id] = "That channel no longer exists."
    with caplog.at_level("INFO", logger="bot.core"):
        reply = await chat.press(
            "ask answer", {"question": 1, "answer": "Cases first."}, user="bob"
        )
    assert not reply.is_error and "Not everything" not in reply.plain_text()
    assert "refused a message" in caplog.text
    thread, post = _in_channel(chat)[-1]
    assert thread == "" and "Bob Smith answered question #1" in post
    # the channel itself gone too: the answerer is told, as for any message refused
    chat.refused["C-QUESTIONS"] = "That channel no longer exists."
    reply = await chat.press("ask answer", {"question": 1, "answer": "Label them."}, user="cat")
    assert "Not everything" in reply.plain_text() and "questions channel" in reply.plain_text()
    assert await count(app, QuestionAnswer) == 2  # the answer itself still counts


async def test_unanswered_questions_expire_and_the_asker_is_told(app, chat, clock) -> None:
    await setup_experts(chat, "bob", "cat")
    await chat.say(f"ask {ASK}", user="ann")
    asked_at = clock.now()
    clock.set(asked_at + timedelta(days=7) - timedelta(seconds=1))
    assert await app.scheduler.run_due() == 0
    clock.set(asked_at + timedelta(days=7))
    late = await chat.press("ask answer", {"question": 1, "answer": "too late"}, user="bob")
    assert late.is_error and "expired" in late.plain_text()
    chat.sent.clear()
    assert await app.scheduler.run_due() == 1
    [(to, told)] = chat.sent
    assert to.user_id == "ann"
    assert "Nobody answered your question #1" in told.plain_text()
    assert "in 7 days" in told.plain_text() and "asked 2 people" in told.plain_text()
    async with app.db.sessions() as session:
        assert (await session.get(Question, 1)).status == "expired"
    assert await count(app, QuestionAnswer) == 0
    assert await app.scheduler.run_due() == 0  # told once


async def test_later_reminds_once(app, chat, clock) -> None:
    await setup_experts(chat, "bob")
    await chat.say(f"ask {ASK}", user="ann")
    reply = await chat.press("ask later", {"question": 1}, user="bob")
    assert not reply.is_error and "remind you" in reply.plain_text()
    chat.sent.clear()
    clock.advance(hours=24)
    assert await app.scheduler.run_due() == 1
    [(to, again)] = chat.sent
    assert to.user_id == "bob" and "A reminder:" in again.plain_text()
    clock.advance(hours=24)
    assert await app.scheduler.run_due() == 0


async def test_ask_list(app, chat) -> None:
    await setup_experts(chat, "bob")
    await chat.say(f"ask {ASK}", user="ann")
    mine = (await chat.say("ask list", user="ann")).plain_text()
    assert "Your open questions" in mine and "No answers yet." in mine
    assert "Waiting for your answer" not in mine
    theirs = await chat.say("ask list", user="bob")
    assert (
        "Waiting for your answer" in theirs.plain_text() and "from Ann Jones" in theirs.plain_text()
    )
    assert "Answer" in [b.label for b in buttons(theirs)]
    await _answer(chat, 1, "Cases.", "bob")
    assert "1 answer so far." in (await chat.say("ask list", user="ann")).plain_text()
    assert "No open questions" in (await chat.say("ask list", user="bob")).plain_text()


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("ask", "What would you like to ask?"),
        ("ask   ", "What would you like to ask?"),
        ("ask public", "What would you like to ask?"),
        ("ask " + "why " * 130, "at most 500 characters"),
        ("ask how do I do underwater basket weaving?", "Nobody has logged"),
    ],
)
async def test_bad_questions_change_nothing(app, chat, typed: str, says: str) -> None:
    await setup_experts(chat, "bob")
    reply = await chat.say(typed, user="ann")
    assert reply.is_error and says in reply.plain_text(), reply.plain_text()
    assert await count(app, Question) == 0 and chat.sent == []


async def test_bad_answers_change_nothing(app, chat) -> None:
    await setup_experts(chat, "bob", "cat")
    app.services.settings.asking.recipients = 1
    await chat.say(f"ask {ASK}", user="ann")
    [asked] = asked_of(chat)
    other = "cat" if asked == "bob" else "bob"
    cases = [
        ({"question": 1, "answer": "x"}, other, "wasn't sent to you"),
        ({"question": 1, "answer": "x"}, "ann", "wasn't sent to you"),
        ({"question": 99, "answer": "x"}, asked, "no question #99"),
        ({"question": 1, "answer": "x" * 2001}, asked, "at most 2000 characters"),
    ]
    for args, user, says in cases:
        reply = await chat.press("ask answer", args, user=user)
        assert reply.is_error and says in reply.plain_text(), (args, reply.plain_text())
    assert await count(app, QuestionAnswer) == 0
    assert (await chat.press("ask helpful", {"answer": 5}, user="ann")).is_error
    closed = await chat.press("ask close", {"question": 1}, user=asked)
    assert closed.is_error and "Only the person who asked" in closed.plain_text()
    assert not (await chat.press("ask close", {"question": 1}, user="ann")).is_error
    again = await chat.press("ask close", {"question": 1}, user="ann")
    assert again.is_error and "already closed" in again.plain_text()
    shut = await chat.press("ask answer", {"question": 1, "answer": "x"}, user=asked)
    assert shut.is_error and "closed by the asker" in shut.plain_text()
    private = await chat.say("ask show 1", user="zed")
    assert private.is_error and "private" in private.plain_text()
    assert await count(app, QuestionAnswer) == 0


async def test_moderators_hide_an_answer_audited(app, chat) -> None:
    await setup_experts(chat, "bob")
    await chat.say(f"ask {ASK}", user="ann")
    await _answer(chat, 1, "Something rude", "bob")
    refused = await chat.say("ask hide 1", user="ann")
    assert refused.is_error and "Only moderators" in refused.plain_text()
    hidden = await chat.say("ask hide 1 off topic", user="U-MOD")
    assert not hidden.is_error, hidden.plain_text()
    [entry] = await _audits(app, "answer.hide")
    assert entry.target == "answer:1" and entry.after["reason"] == "off topic"
    shown = (await chat.say("ask show 1", user="ann")).plain_text()
    assert "Something rude" not in shown and "hidden by a moderator" in shown
    found = await chat.say("whodone chromebook rollout", user="zed")
    assert "Answered:" not in found.plain_text()
    assert (await chat.say("ask hide 1", user="U-MOD")).is_error


async def _audits(app, action: str) -> list[AuditEntry]:
    async with app.db.sessions() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


async def _forget(chat: FakeAdapter, user: str) -> None:
    asked = await chat.say("forgetme", user=user)
    press = buttons(asked)[0]
    reply = await chat.press(press.command, dict(press.args), user=user)
    assert not reply.is_error, reply.plain_text()


async def test_mydata_and_forgetme_cover_questions_and_answers(app, chat) -> None:
    await setup_experts(chat, "bob", "cat")
    await chat.say(f"ask {ASK}", user="ann")
    await _answer(chat, 1, "Bob's words", "bob")
    await _answer(chat, 1, "Cat's words", "cat")
    await chat.say("ask how did you do a chromebook rollout?", user="bob")
    await _answer(chat, 2, "Cat again", "cat")
    data = json.loads((await chat.say("mydata", user="bob")).attachment.content)
    assert [q["question"] for q in data["asking"]["questions"]] == [
        "how did you do a chromebook rollout?"
    ]
    assert [a["answer"] for a in data["asking"]["answers"]] == ["Bob's words"]

    await _forget(chat, "bob")  # bob's answer and bob's question (with cat's answer) go
    async with app.db.sessions() as session:
        left = (await session.scalars(select(QuestionAnswer.text))).all()
        assert left == ["Cat's words"]
        assert (await session.scalars(select(Question.id))).all() == [1]
        summaries = (await session.scalars(select(DoneEntry.summary))).all()
        assert sum(s.startswith("Answered:") for s in summaries) == 1
    found = (await chat.say("whodone chromebook rollout", user="zed")).plain_text()
    assert "how did you do" not in found

    await _forget(chat, "ann")  # the asker: the question and every answer to it
    assert await count(app, Question) == 0 and await count(app, QuestionAnswer) == 0
    assert await count(app, QuestionRecipient) == 0
    found = (await chat.say("whodone chromebook rollout", user="zed")).plain_text()
    assert "Answered:" not in found


async def test_asking_without_a_channel_for_public_questions(app, chat) -> None:
    app.services.settings.spaces[0].announcements_channel = ""
    await setup_experts(chat, "bob")
    reply = await chat.say(f"ask public {ASK}", user="ann", direct=True)
    assert reply.is_error and "no channel for public questions" in reply.plain_text()
    assert await count(app, Question) == 0


class TestDigest:
    @pytest.fixture
    def settings(self):
        return make_settings(asking={"digest": True})

    async def test_questions_answered_this_week(self, app, chat, clock) -> None:
        since = clock.now()
        await setup_experts(chat, "bob", "cat")
        await chat.say("privacy hidden", user="cat")
        await chat.say(f"ask public {ASK}", user="ann")
        await chat.say("ask a private chromebook rollout question", user="zed")
        await _answer(chat, 1, "Cases.", "bob")
        await _answer(chat, 2, "Secret.", "bob")
        clock.advance(days=1)
        async with app.db.sessions() as session:
            blocks = await questions_answered(
                DigestRequest(app.services, session, "fake", SPACE, since, clock.now())
            )
        [listed] = blocks
        text = " ".join(f"{i.title} {i.text}" for i in listed.items)
        assert ASK in text and "Bob Smith" in text
        assert "private chromebook" not in text


async def test_the_digest_section_is_opt_in(app, chat, clock) -> None:
    since = clock.now()
    await setup_experts(chat, "bob")
    await chat.say(f"ask public {ASK}", user="ann")
    await _answer(chat, 1, "Cases.", "bob")
    async with app.db.sessions() as session:
        assert (
            await questions_answered(
                DigestRequest(app.services, session, "fake", SPACE, since, clock.now())
            )
            == []
        )


async def test_answering_in_the_console_where_no_form_can_open(app, chat) -> None:
    await setup_experts(chat, "bob")
    await chat.say(f"ask {ASK}", user="ann")

    async def console(text: str) -> Reply:
        return await app.core.handle_text(TextMessage(chat.caller("bob"), text, forms=False))

    asked = await console("ask answer 1")
    assert not asked.is_error and "Your answer" in asked.plain_text()
    done = await console("Start with the staff, not the pupils.")
    assert not done.is_error and "sent your answer to Ann Jones" in done.plain_text()
    assert "Start with the staff" in chat.sent_to("ann")[-1].plain_text()
    assert await count(app, QuestionAnswer) == 1


async def test_two_answers_racing_store_one(app, chat) -> None:
    await setup_experts(chat, "bob")
    await chat.say(f"ask {ASK}", user="ann")
    chat.sent.clear()
    first, second = await asyncio.gather(
        chat.press("ask answer", {"question": 1, "answer": "One."}, user="bob"),
        chat.press("ask answer", {"question": 1, "answer": "Two."}, user="bob"),
    )
    assert [first.is_error, second.is_error].count(False) == 1
    assert await count(app, QuestionAnswer) == 1
    assert len(chat.sent_to("ann")) == 1


async def test_someone_the_question_cannot_reach_is_not_counted(app, chat) -> None:
    await setup_experts(chat, "bob", "cat")
    chat.refused["cat"] = "They don't accept direct messages."
    reply = await chat.say(f"ask {ASK}", user="ann")
    assert "one of the people asked: They don't accept" in reply.plain_text()
    assert "Cat" not in reply.plain_text()  # who was asked stays private
    async with app.db.sessions() as session:
        asked = (await session.scalars(select(QuestionRecipient.member_id))).all()
    assert asked == [(await member(app, "bob")).id]
