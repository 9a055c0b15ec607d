"""Welcomes on join and the one nudge, through the scheduler's due work."""

from __future__ import annotations

import pytest

from bot.testing import make_settings
from storage.models import DueWork
from tests.introductions.helpers import buttons, count, sent_texts


async def test_join_sends_welcome_with_introduce_button(app, chat) -> None:
    await chat.join("newbie")
    [welcome] = chat.sent_to("newbie")
    assert "whodone" in welcome.plain_text() and "meet" in welcome.plain_text()
    [button] = buttons(welcome)
    assert (button.label, button.command) == ("Introduce yourself", "intro")
    pressed = await chat.press(button.command, dict(button.args), user="newbie")
    assert pressed.form is not None
    assert sent_texts(chat, channel="C-INTROS") == []


async def test_nudge_once_after_three_days(app, chat, clock) -> None:
    await chat.join("newbie")
    chat.sent.clear()
    clock.advance(days=2, hours=23)
    assert await app.scheduler.run_due() == 0
    assert chat.sent == []
    clock.advance(hours=1)
    assert await app.scheduler.run_due() == 1
    [nudge] = chat.sent_to("newbie")
    assert "haven't introduced yourself" in nudge.plain_text()
    assert buttons(nudge)[0].command == "intro"
    # rejoining (or a second copy of the bot seeing the join) does not nudge again
    await chat.join("newbie")
    chat.sent.clear()
    clock.advance(days=10)
    assert await app.scheduler.run_due() == 0
    assert chat.sent_to("newbie") == []


async def test_no_nudge_after_introducing(app, chat, clock) -> None:
    await chat.join("newbie")
    await chat.say("intro name=Newbie", user="newbie")
    chat.sent.clear()
    clock.advance(days=4)
    await app.scheduler.run_due()
    assert chat.sent_to("newbie") == []
    assert await count(app, DueWork, DueWork.status == "done") == 1


class TestConfigured:
    @pytest.fixture
    def settings(self):
        return make_settings(introductions={"nudge_after_days": 1,
                                            "welcome_channel_post": True})

    async def test_configured_nudge_and_channel_post(self, app, chat, clock) -> None:
        await chat.join("newbie")
        assert any("Please welcome newbie" in t for t in sent_texts(chat, channel="C-INTROS"))
        clock.advance(days=1)
        assert await app.scheduler.run_due() == 1
