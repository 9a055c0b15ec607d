"""The inbound contract (issue 12, item 12): a platform adapter only transports and renders
the core's `Answer`. Shown by a third platform written here in a few lines on
`adapters.common`: who sees a reply, the command behind a form, failures, the apology and
stale buttons all come from the contract and the shared helper, not from platform code."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from adapters.common import STALE_BUTTON, Background, ChatAdapter, not_posted, stale_button
from bot.app import App
from bot.core import APOLOGY
from bot.events import Caller, CommandInvocation, TextMessage
from bot.notifier import Destination
from bot.replies import Answer, Reply, Text
from bot.testing import MODERATOR, SPACE


class Pigeon(ChatAdapter):
    """A third platform: a channel everyone reads and a private note per member."""

    platform = "fake"

    def __init__(self, core: Any) -> None:
        super().__init__(core)
        self.channel: list[str] = []
        self.private: dict[str, list[str]] = {}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        await self.background.drain(1)

    async def send(self, destination: Destination, reply: Reply) -> None:
        self.channel.append(reply.plain_text())

    def caller(self, user: str) -> Caller:
        return Caller(platform="fake", space_id=SPACE, user_id=user, channel_id="C")

    def received(self, user: str, text: str) -> None:
        """An event arrives: answered in the background, as a real adapter does."""
        async def apologise(reply: Reply) -> None:
            self.private.setdefault(user, []).append(reply.plain_text())

        self.background.spawn(self._answer(user, text), what="message", who=user,
                              apologise=apologise)

    async def _answer(self, user: str, text: str) -> None:
        answer = await self.answer(TextMessage(self.caller(user), text))
        shown = answer.reply.plain_text()
        if answer.for_channel:
            self.channel.append(shown)
        else:
            self.private.setdefault(user, []).append(shown)
        if answer.aside is not None:
            self.private.setdefault(user, []).append(answer.aside.plain_text())


async def test_a_third_platform_needs_only_transport(app: App) -> None:
    pigeon = Pigeon(app.core)
    app.services.notifier.register(pigeon)
    pigeon.received(MODERATOR, 'pin https://example.org/g "A guide" -- for families')
    pigeon.received("ann", "pins approve 1")  # refused: the caller's alone
    pigeon.received("ann", "done Ran a VLE move #vle")
    await pigeon.idle()
    assert len(pigeon.channel) == 1 and "Pinned to the resource library" in pigeon.channel[0]
    assert any("Only moderators" in t for t in pigeon.private["ann"])
    assert any("Logged #" in t for t in pigeon.private["ann"])

    async def broken(_user: str, _text: str) -> None:
        raise RuntimeError("the platform's API fell over")

    pigeon._answer = broken  # type: ignore[method-assign]
    pigeon.received("bob", "help")
    await pigeon.idle()
    [shown] = pigeon.private["bob"]
    assert shown.startswith(APOLOGY) and "reference" in shown


async def test_the_answer_names_the_command_behind_a_form(app: App) -> None:
    """A platform that cannot open a form where it was asked for offers a button that runs
    the answer's command with its validated arguments; nothing is parsed again."""
    caller = Caller(platform="fake", space_id=SPACE, user_id="ann", channel_id="C")
    answer = await app.core.answer(TextMessage(caller, "intro"))
    assert answer.reply.form is not None and (answer.command, dict(answer.args)) == (
        "intro", {})
    again = await app.core.answer(CommandInvocation(caller, answer.command, answer.args))
    assert again.reply.form == answer.reply.form


def test_shared_replies() -> None:
    assert stale_button().plain_text() == STALE_BUTTON and stale_button().tone == "warning"
    handed = not_posted(Reply(blocks=(Text("Autumn meet #3"),), visibility="channel"),
                        "I'm not a member of that channel.")
    assert handed.visibility == "private" and handed.tone == "warning"
    assert handed.plain_text() == ("I couldn't post this in the channel: I'm not a member of "
                                   "that channel. Here it is for you:\nAutumn meet #3")
    assert Answer(Reply()).audience == "caller"


async def test_held_work_starts_only_when_released_and_idle_waits_for_it() -> None:
    background = Background("fake")
    ran: list[str] = []
    held: list[Any] = []

    async def work() -> None:
        ran.append("done")

    background.spawn(work(), what="held", hold=held)
    await asyncio.sleep(0)
    assert ran == [] and len(background) == 1
    waiting = asyncio.ensure_future(background.idle())
    held[0]()
    await asyncio.wait_for(waiting, 5)
    assert ran == ["done"] and len(background) == 0


@pytest.mark.parametrize("grace", [0.05])
async def test_drain_gives_up_after_its_grace(grace: float, caplog: Any) -> None:
    background = Background("fake")
    never = asyncio.Event()
    background.spawn(never.wait(), what="stuck")
    await background.drain(grace)
    assert any("still running at shutdown" in r.getMessage() for r in caplog.records)
    never.set()
    await background.idle()
