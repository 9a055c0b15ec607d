"""A directory as full as a busy network makes it, for checking every payload the bot sends
against each platform's limits: 40 entries of 300 characters, each with three lessons of
500 characters over two lines (as are the 50 people's matching one search), 60 pins with
2,000-character descriptions (and suggestions waiting), a teach-meet with 30 presenters,
10 interests of 450 characters, and, in what members wrote, the broadcasts and mentions
they type (`<!channel>`, `@everyone`, `<@U…>`, role mentions).

Seeded through the core as the platform's own members, so every button works as it would
for them. `commands_to_try` lists what to type: every command of the registry (examples
and bare name) plus the same aimed at the long content.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.app import App
from bot.events import Caller, CommandInvocation, TextMessage
from storage.models import DoneEntry, TeachMeet
from storage.models.directory import LESSON_MAX, LESSONS
from storage.repositories.directory import DirectoryRepository

TOKENS = "<!channel> @everyone <@U0BOSS> <@&930000000000000001> @here <!subteam^S1|@mods>"
"""Broadcasts and mentions as members type them into summaries, names and descriptions."""
TOPIC = "chromebook rollout"
WORDS = ("across twelve primary schools with governors, parents and technicians on board, "
         "covering device management, safeguarding filters, charging trolleys, insurance, "
         "staff training sessions and the first term's lessons learned ")


def sized(text: str, length: int) -> str:
    """`text` padded with ordinary prose to exactly `length` characters."""
    return (text + " " + WORDS * (length // len(WORDS) + 1))[:length - 1] + "."


@dataclass(frozen=True)
class Seeded:
    heavy: str
    """The member (user id) with 40 long entries, a long bio and 10 long interests."""
    handle: str
    """Their handle, for `profile @handle`."""
    moderator: str
    meet_id: int
    entry_id: int
    """The heavy member's first entry (every lesson at its longest)."""


def _lessons(n: int) -> str:
    """Every lesson at its longest, over several lines (what worked, what I'd do
    differently, cost), as `done` takes them."""
    return " ".join(f'{name}="{sized(f"{name} {n}{chr(10)}line two {TOKENS}", LESSON_MAX)}"'
                    for name in LESSONS)


async def _say(app: App, caller: Caller, text: str) -> None:
    answer = await app.core.answer(TextMessage(caller, text))
    assert not answer.reply.is_error, (text[:80], answer.reply.plain_text()[:300])


async def seed(app: App, caller: Callable[[str], Caller], *, heavy: str, moderator: str,
               people: list[str]) -> Seeded:
    """Fill the directory; `caller(user_id)` makes a caller of the platform under test."""
    me, mod = caller(heavy), caller(moderator)
    interests = ";".join(sized(f"interest {n} {TOKENS}", 450) for n in range(10))
    answer = await app.core.answer(CommandInvocation(me, "intro", {
        "name": f"Ann {TOKENS[:30]}", "role": sized(f"Digital lead {TOKENS}", 190),
        "organisation": sized("Camden Council learning services", 190), "region": "Camden",
        "bio": sized(f"Ten years in schools. {TOKENS}", 1990), "learn": interests}))
    assert not answer.reply.is_error, answer.reply.plain_text()
    for n in range(40):
        await _say(app, me, f"done {sized(f'Entry {n}: rolled out Chromebooks {TOKENS}', 300)}"
                            f" #devices #t{n % 5} 2021 {_lessons(n)}")
    for n, user in enumerate(people[:50]):
        await _say(app, caller(user), f"done {sized(f'Chromebook rollout {n} {TOKENS}', 300)}"
                                      f" #chromebooks {_lessons(n)}")
    for n in range(60):
        await _say(app, mod, f'pin https://resources.example.org/{n}/{"guide-" * 20} '
                             f'"{sized(f"Guide {n} {TOKENS}", 190)}" #safety #t{n % 7} -- '
                             f'{sized(f"What it covers. {TOKENS}", 2000)}')
    for n in range(5):
        await _say(app, caller(people[n]), f'pin https://suggested.example.org/{n} '
                                           f'"{sized(f"Suggestion {n} {TOKENS}", 190)}" -- '
                                           f'{sized(f"Why it is good. {TOKENS}", 2000)}')
    created = await app.core.answer(TextMessage(mod, (
        f'teachmeet create "{sized(f"Big autumn meet {TOKENS}", 150)}" '
        'start="2026-12-03 16:00 Europe/London" slots="30 nano, 4 micro" capacity=45 confirm=yes '
        f'where="{sized(f"Central Library {TOKENS}", 250)}"')))
    assert not created.reply.is_error, created.reply.plain_text()
    async with app.db.sessions() as session:
        meet_id = int(await session.scalar(select(func.max(TeachMeet.id))) or 0)
        found = await DirectoryRepository(session, app.services.search).find_by_identity(
            me.platform, me.space_id, me.user_id)
        assert found is not None
        handle = found.handle
        entry_id = int(await session.scalar(select(func.min(DoneEntry.id)).where(
            DoneEntry.member_id == found.id)) or 0)
    for n, user in enumerate(people[:30]):
        await _say(app, caller(user), f"teachmeet present {meet_id} nano "
                                      f"{sized(f'Talk {n} {TOKENS}', 190)}")
    for user in people[30:50]:
        await _say(app, caller(user), f"teachmeet going {meet_id}")
    return Seeded(heavy=heavy, handle=handle, moderator=moderator, meet_id=meet_id,
                  entry_id=entry_id)


def commands_to_try(app: App, seeded: Seeded, *, leave_out: Collection[str] = ()
                    ) -> list[str]:
    """Every command of the registry (its examples and its bare name), then the same
    aimed at the long content. `leave_out`: test-only commands (ones that fail or wait)."""
    texts: list[str] = []
    for command in sorted(app.services.registry.commands.values(), key=lambda c: c.name):
        if command.name not in leave_out:
            texts += [*command.examples, command.name]
    meet = seeded.meet_id
    texts += [
        "done list", "whodone chromebook limit=25", "whodone chromebook", f"meet {TOPIC}",
        "pins", "pins page=2", "pins page=6", "pins show 60", "pins queue", "pins #safety",
        "pins guide", f"teachmeet show {meet}", "teachmeet list", f"teachmeet edit {meet}",
        f"teachmeet ics {meet}", f"profile @{seeded.handle}", "profile", "intro", "mydata",
        "help", "audit limit=50", f"done show {seeded.entry_id}",
        f"done edit {seeded.entry_id}", "done", "whodone line two",
    ]
    return texts
