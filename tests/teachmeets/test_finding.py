"""Finding teach-meets: `teachmeet list` pages with a count and a "More" button, and
`teachmeet going <title words>` when one upcoming teach-meet matches."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.replies import Actions, Context
from bot.settings import Settings
from bot.testing import FakeAdapter, make_settings
from tests.teachmeets.support import answers, create


@pytest.fixture
def settings() -> Settings:
    return make_settings(teachmeets={"list_limit": 3})


async def test_the_list_pages_with_a_count_and_a_more_button(app: App,
                                                             chat: FakeAdapter) -> None:
    for day in range(10, 17):
        await create(chat, f'teachmeet create Meet {day} start="2026-11-{day} 16:00" '
                           f'region={"Wales" if day % 2 else "Kent"}')
    first = await chat.say("teachmeet list", user="ann")
    text = first.plain_text()
    assert "#1 Meet 10" in text and "#3 Meet 12" in text and "Meet 13" not in text
    assert any(isinstance(b, Context) and b.text.startswith("Showing 1–3 of 7.")
               and "`more`" in b.text for b in first.blocks)
    more = next(b for b in first.blocks if isinstance(b, Actions)).buttons[0]
    assert (more.label, more.command, dict(more.args)) == ("More", "teachmeet list", {"page": 2})
    second = await chat.press(more.command, dict(more.args), user="ann")
    assert "#4 Meet 13" in second.plain_text() and "Showing 4–6 of 7." in second.plain_text()
    last = await chat.say("teachmeet list page=3", user="ann")
    assert "#7 Meet 16" in last.plain_text() and "Showing 7 of 7." in last.plain_text()
    assert not any(isinstance(b, Actions) for b in last.blocks)
    wales = await chat.say("teachmeet list wales", user="ann")
    assert "Showing" not in wales.plain_text()
    past_the_end = await chat.say("teachmeet list page=9", user="ann")
    assert "There is no page 9: the list has 3 pages" in past_the_end.plain_text()


async def test_going_by_title_words(app: App, chat: FakeAdapter) -> None:
    await create(chat, 'teachmeet create Autumn TeachMeet start="2026-11-10 16:00"')
    await create(chat, 'teachmeet create Winter TeachMeet start="2026-12-10 16:00"')
    await create(chat, 'teachmeet create Coding club start="2026-11-11 16:00"')
    done = await chat.say("teachmeet going autumn", user="ann")
    assert not done.is_error and "You're going to #1 Autumn TeachMeet" in done.plain_text()
    which = await chat.say("teachmeet going teachmeet", user="bob")
    assert "2 upcoming teach-meets match “teachmeet”: which one?" in which.plain_text()
    choices = next(b for b in which.blocks if isinstance(b, Actions)).buttons
    assert [dict(b.args) for b in choices] == [{"id": 1, "answer": "going"},
                                              {"id": 2, "answer": "going"}]
    assert await answers(app, 2) == {}
    await chat.press(choices[1].command, dict(choices[1].args), user="bob")
    assert await answers(app, 2) == {"bob": "going"}
    missing = await chat.say("teachmeet going summer", user="cat")
    assert missing.is_error and "No upcoming teach-meet's title has “summer”" in \
        missing.plain_text()
    assert "You're going to #3" in (await chat.say("teachmeet going #3", user="cat")
                                     ).plain_text()
    wild = await chat.say("teachmeet going 100%_", user="cat")
    assert wild.is_error and "No upcoming" in wild.plain_text()
