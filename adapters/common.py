"""What every chat adapter shares, so a platform only transports and renders.

The core answers each event with an `Answer` (the command, its validated arguments, the
reply with its audience decided). Around that, every platform needs the same few things:
work started after the platform was acknowledged, tracked so shutdown and tests can wait
for it; a failure logged with what was being done and for whom, the member getting a short
apology and never a traceback; one answer to a button the bot no longer understands; and
one way to hand a member a reply the channel would not take. They live here once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.core import Core, apology
from bot.events import CommandInvocation, TextMessage
from bot.logs import error_reference
from bot.notifier import AdapterBase
from bot.replies import Answer, Reply, Text, error

log = logging.getLogger(__name__)

STALE_BUTTON = ("That button no longer works (it is from an older version of the bot, or "
                "has expired). Please run the command again; `help` lists them.")
KEPT_IF_EMPTY = "Too long to show here: leave this empty to keep it as it is."
"""A form box whose current value is longer than the platform lets a box hold is shown
empty with this hint; an empty answer leaves the value unchanged (forms' own rule)."""
Apologise = Callable[[Reply], Awaitable[object]]
"""Shows a reply to the member whose work failed, wherever their request came from."""
Start = Callable[[], None]


def stale_button() -> Reply:
    return Reply(blocks=(Text(STALE_BUTTON),), tone="warning")


def not_posted(reply: Reply, reason: str) -> Reply:
    """A reply meant for the channel, handed to the member who asked instead, saying why
    the channel did not get it (the bot is not a member there, it may not post there)."""
    tone = "error" if reply.is_error else "warning"
    return replace(reply, visibility="private", tone=tone, blocks=(
        Text(f"I couldn't post this in the channel: {reason} Here it is for you:"),
        *reply.blocks))


async def guarded(work: Awaitable[object], *, platform: str, what: str, who: str,
                  apologise: Apologise | None = None) -> None:
    """Run work for a member; if it fails, log it with what and for whom and apologise to
    them (the apology failing too is logged, not raised)."""
    try:
        await work
    except Exception:
        ref = error_reference()
        log.exception("%s: %s failed (%s; reference %s)", platform, what, who, ref,
                      extra={"ref": ref})
        if apologise is None:
            return
        try:
            await apologise(error(apology(ref)))
        except Exception as exc:
            log.warning("%s: the apology for a failed %s could not be shown either (%s)",
                        platform, what, type(exc).__name__)


class Background:
    """Work for members that runs after the platform has been answered."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self._tasks: set[asyncio.Future[None]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, work: Awaitable[object], *, what: str, who: str = "",
              apologise: Apologise | None = None, hold: list[Start] | None = None) -> None:
        """Run `work` guarded. With `hold`, it is not started yet: the starter is appended
        there for the caller to run once it has answered the platform (Slack's HTTP mode
        writes its acknowledgement first); `idle` still waits for it."""
        guarded_work = guarded(work, platform=self.platform, what=what, who=who,
                               apologise=apologise)
        waiting: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tasks.add(waiting)

        def start() -> None:
            task = asyncio.ensure_future(guarded_work)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            self._tasks.discard(waiting)
            waiting.set_result(None)

        if hold is None:
            start()
        else:
            hold.append(start)

    async def idle(self) -> None:
        """Wait until every piece of work started (or held) so far has finished."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def drain(self, grace: float) -> None:
        """At shutdown: let work under way finish, for at most `grace` seconds."""
        try:
            async with asyncio.timeout(grace):
                await self.idle()
        except TimeoutError:
            log.warning("%s: %d pieces of work still running at shutdown", self.platform,
                        len(self._tasks))


class ChatAdapter(AdapterBase):
    """The shape every chat adapter has: built from the core alone (its settings are the
    core's), asking the core for answers, and running member work in the background."""

    platform = ""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.background = Background(self.platform)

    async def answer(self, event: TextMessage | CommandInvocation) -> Answer:
        return await self.core.answer(event)

    async def idle(self) -> None:
        """Wait for work already acknowledged to finish (deliveries under way; tests)."""
        await self.background.idle()
