"""`ask`'s messages at their longest fit Slack's and Discord's published limits, and a long
question or answer is shortened in a message with a way to read all of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.discord import render as discord_render
from adapters.slack import render as slack_render
from bot.asking import replies
from bot.replies import Button, Reply
from storage.models import Member, Question, QuestionAnswer
from storage.models.asking import ANSWER_MAX, QUESTION_MAX
from storage.models.directory import NAME_MAX
from tests.adapters.discord import discord_limits
from tests.adapters.slack import blockkit
from tests.introductions.helpers import buttons

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WORDS = "how did your school roll out chromebooks and train the staff first "


def _long(length: int, word: str = WORDS) -> str:
    return (word * (length // len(word) + 1))[:length]


def _member(member_id: int, handle: str) -> Member:
    return Member(
        id=member_id,
        handle=handle,
        name=_long(NAME_MAX, "Bartholomew "),
        role=_long(200, "Computing lead "),
        region=_long(200, "Camden "),
        privacy="network",
        timezone="Europe/London",
    )


QUESTION = Question(
    id=123456,
    asker_id=1,
    text=_long(QUESTION_MAX),
    topic=_long(300),
    public=True,
    platform="slack",
    space_id="T1",
    channel_id="C1",
    status="open",
    created_at=NOW,
    expires_at=NOW + timedelta(days=7),
)
ANSWERS = [
    QuestionAnswer(
        id=900000 + n,
        question_id=QUESTION.id,
        answerer_id=2,
        text=_long(ANSWER_MAX, f"answer {n} with training first "),
        created_at=NOW,
        hidden=False,
    )
    for n in range(2)
]
ASKER, ANSWERER = _member(1, "ann"), _member(2, "bob")
NAMES = {1: ASKER.name, 2: ANSWERER.name}


def _all() -> list[tuple[str, Reply]]:
    return [
        (
            "to the person asked",
            replies.to_recipient(QUESTION, ASKER, ANSWERER, timezone="Europe/London", now=NOW),
        ),
        (
            "the reminder",
            replies.to_recipient(
                QUESTION, ASKER, ANSWERER, timezone="Europe/London", now=NOW, reminder=True
            ),
        ),
        ("in the channel", replies.public_question(QUESTION, ASKER)),
        ("an answer arrives", replies.answer_arrived(QUESTION, ANSWERS[0], ANSWERER)),
        ("an answer in the channel", replies.public_answer(QUESTION, ANSWERS[0], ANSWERER.name)),
        ("an answer in the thread", replies.thread_answer(QUESTION, ANSWERS[0], ANSWERER.name)),
        ("before a plain-language ask", replies.preview(QUESTION.text, QUESTION.topic, 3)),
        (
            "ask show",
            replies.shown(QUESTION, NAMES, ANSWERS[:1], 1, 9, is_asker=True),
        ),
        (
            "ask show page 2",
            replies.shown(QUESTION, NAMES, ANSWERS[1:], 2, 9, is_asker=True),
        ),
        ("the answer form", replies.answer_prompt(QUESTION)),
        ("expired", replies.expired(QUESTION, 0, 3)),
    ]


def _discord_payload(reply: Reply) -> dict[str, Any]:
    message = discord_render.render(reply)
    payload: dict[str, Any] = {"embeds": [e.to_dict() for e in message.embeds]}
    if message.view is not None:
        payload["components"] = message.view.to_components()
    return payload


@pytest.mark.parametrize(("name", "reply"), _all())
def test_every_message_fits_slack(name: str, reply: Reply) -> None:
    payload = slack_render.message(reply).as_dict()
    assert blockkit.message_problems(payload) == [], name


@pytest.mark.parametrize(("name", "reply"), _all())
def test_every_message_fits_discord(name: str, reply: Reply) -> None:
    assert discord_limits.message_problems(_discord_payload(reply)) == [], name


def test_the_answer_form_fits_both_modals() -> None:
    form = replies.answer_form(QUESTION)
    assert blockkit.view_problems(slack_render.modal(form, {"q": QUESTION.id})) == []
    modal = discord_render.modal(form)
    assert modal is not None
    assert discord_limits.modal_problems(modal.to_dict()) == []


def test_long_texts_are_shortened_with_a_way_to_read_all() -> None:
    asked = replies.to_recipient(QUESTION, ASKER, ANSWERER, timezone="Europe/London", now=NOW)
    assert QUESTION.text in asked.plain_text()  # a question at its longest is shown whole
    arrived = replies.answer_arrived(QUESTION, ANSWERS[0], ANSWERER)
    assert ANSWERS[0].text not in arrived.plain_text() and "…" in arrived.plain_text()
    assert Button("Read all", "ask show", {"question": QUESTION.id}) in buttons(arrived)
    short = QuestionAnswer(
        id=1,
        question_id=QUESTION.id,
        answerer_id=2,
        text="Cases first.",
        created_at=NOW,
        hidden=False,
    )
    assert "Read all" not in [
        b.label for b in buttons(replies.answer_arrived(QUESTION, short, ANSWERER))
    ]


def test_ask_show_carries_whole_answers_on_both_platforms() -> None:
    short = [
        QuestionAnswer(
            id=n,
            question_id=QUESTION.id,
            answerer_id=2,
            text=f"Tip {n}.",
            created_at=NOW,
            hidden=False,
        )
        for n in range(25)
    ]
    pages = replies.pages_of(QUESTION, [*ANSWERS, *short])
    assert pages[0] == ANSWERS[:1] and pages[1][0] is ANSWERS[1]  # the longest: one a page
    assert sum(len(p) for p in pages) == 27 and all(len(p) <= 10 for p in pages)
    for number, page in enumerate(pages, start=1):
        shown = replies.shown(QUESTION, NAMES, page, number, len(pages), is_asker=True)
        slack = slack_render.message(shown).as_dict()
        assert blockkit.message_problems(slack) == []
        slack_text = " ".join(b["text"]["text"] for b in slack["blocks"] if b["type"] == "section")
        discord = _discord_payload(shown)
        assert discord_limits.message_problems(discord) == []
        discord_text = " ".join(str(e) for e in discord["embeds"])
        for answer in page:
            # both wrap long text, so compare without white space
            assert "".join(answer.text.split()) in "".join(slack_text.split())
            assert "".join(answer.text.split()) in "".join(discord_text.split())
        assert ("More" in [b.label for b in buttons(shown)]) == (number < len(pages))


def test_a_thread_name_fits_every_platform() -> None:
    name = replies.thread_name(QUESTION)
    assert name.startswith(f"Question #{QUESTION.id}: ") and len(name) <= 100
