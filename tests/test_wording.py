"""Every reply of every command, as the console shows it, in a populated directory: no
"None", "[]" or Python values, no empty headers or labels, no doubled punctuation.

The directory has profiles, entries, pins and suggestions, a full teach-meet with a waitlist
and talks, and an open meet request. Each command of the registry is run with its examples
and its bare name, as a member and as a moderator, then aimed at what exists; every button
in what came back is pressed once; the messages the bot sent to others are read too."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pytest

from adapters.console.render import render
from bot.app import App
from bot.events import Caller, CommandInvocation, TextMessage
from bot.replies import Actions, Button, ItemList, Reply, Section
from bot.testing import FakeAdapter

PROBLEMS = {
    "a Python None": re.compile(r"\bNone\b"),
    "a Python list or dict": re.compile(r"\[\]|\{\}|\['|\{'|': "),
    "a Python bool": re.compile(r"\b(?:True|False)\b"),
    "an empty header": re.compile(r"^== *==$|^==  |  ==$", re.MULTILINE),
    "an empty label": re.compile(r"^  [A-Z][\w ]*:\s*$", re.MULTILINE),
    "a count before nobody": re.compile(r"\b\d+: nobody"),
    "doubled punctuation": re.compile(r"(?<!\.)\.\.(?!\.)|,,|;;|::|!\.|\?\.|\.,|,\.|:\.|"
                                      r"\w [,.;:!?](?:\s|$)"),
    "a dangling 'in' before a year": re.compile(r"\bin \(\d{4}\)"),
    "an awkward 'You are maybe'": re.compile(r"You are (?:maybe|not going)"),
    "a raw account label": re.compile(r"\bconsole:local:"),
    "a lazy plural": re.compile(r"\w\(s\)"),
    "a number that needs its noun in the singular": re.compile(
        r"\b1 (?:people|members|times|reminders|requests|entries)\b"),
}


def problems_in(text: str) -> list[str]:
    return [name for name, pattern in PROBLEMS.items() if pattern.search(text)]


def test_the_checks_catch_what_they_are_for() -> None:
    for bad in ("Going: 0: nobody yet", "Logged #6: A club (KS2) in (2023)", "Role: None",
                "== ==", "  Region: ", "tags: ['a', 'b']", "You are maybe to #1",
                "Saved.. twice", "confirm=True", "by console:local:ann",
                "paired 0 time(s)", "1 people who signed up"):
        assert problems_in(bad), bad
    for fine in ("Showing 1–10 of 24.", "whodone <query...>", "https://example.org/a",
                 "Wait…", "[Show: pins show id=5]", "Did you mean:"):
        assert not problems_in(fine), fine


class Console:
    """Members typing in the console (no forms there), recording every reply shown."""

    def __init__(self, app: App, chat: FakeAdapter) -> None:
        self.app, self.chat = app, chat
        self.shown: list[tuple[str, str, Reply]] = []

    def caller(self, user: str) -> Caller:
        return Caller(platform="console", space_id="local", user_id=user, display_name=user,
                      channel_id="console", is_direct=True)

    async def say(self, text: str, user: str = "ann") -> Reply:
        answer = await self.app.core.answer(TextMessage(self.caller(user), text, forms=False))
        reply = answer.seen_by_caller()
        self.shown.append((user, text, reply))
        return reply

    async def press(self, button: Button, user: str) -> Reply:
        answer = await self.app.core.answer(CommandInvocation(self.caller(user), button.command,
                                                              dict(button.args)))
        reply = answer.seen_by_caller()
        self.shown.append((user, f"[{button.label}] {button.command} {dict(button.args)}",
                           reply))
        return reply


def buttons_of(reply: Reply) -> Iterable[Button]:
    for block in reply.blocks:
        if isinstance(block, (Actions, Section)):
            yield from block.buttons
        elif isinstance(block, ItemList):
            for item in block.items:
                yield from item.buttons


async def populate(console: Console) -> None:
    say = console.say
    profiles = {
        "ann": 'name="Ann Jones" role="Computing lead" organisation="Camden Primary" '
               'region=Camden bio="Ten years teaching computing." learn="podcasting; VR"',
        "bob": 'name="Bob Smith" role="Digital learning adviser" organisation="Cardiff '
               'Council" region=Wales timezone=Europe/London',
        "cat": 'name="Cat Lee" role="Librarian" region=Camden learn="coding clubs"',
        "dan": 'name="Dan Roy" role="Technician"', "eve": 'name="Eve Ode" region=Kent',
        "me": 'name="Mo Moderator" role="Network coordinator" region=Camden',
    }
    for user, details in profiles.items():
        assert not (await say(f"intro {details}", user)).is_error
    for user, entry in (("bob", "Rolled out Chromebooks 1:1 in year 7 #devices in 2021"),
                        ("bob", "Ran a TeachMeet for 40 teachers #teachmeet 2019 "
                                "link=example.org/teachmeet"),
                        ("cat", "Set up a coding club in the library #coding"),
                        ("ann", "Moved the school to Google Classroom back in 2020"),
                        ("dan", "Built a Chromebook charging trolley")):
        assert not (await say(f"done {entry}", user)).is_error
    for n, title in enumerate(("Online safety guide", "Moodle tips", "Podcasting kit"), 1):
        assert not (await say(f'pin https://example.org/{n} "{title}" #safety -- What it '
                              "covers, briefly.", "me")).is_error
    await say('pin https://example.org/suggested "A suggested guide" -- Worth a look.', "ann")
    created = await say('teachmeet create "Autumn TeachMeet" start="2026-12-03 16:00 '
                        'Europe/London" capacity=2 venue="Cardiff Library" '
                        'slots="2 nano, 1 micro"', "me")
    assert "Reply `yes` to create it" in created.plain_text()
    created = await say("yes", "me")
    assert not created.is_error, created.plain_text()
    for user, text in (("ann", "teachmeet going 1"), ("bob", "teachmeet going 1"),
                       ("cat", "teachmeet going 1"), ("dan", "teachmeet maybe 1"),
                       ("eve", "teachmeet present 1 nano Podcasts with year 5")):
        assert not (await say(text, user)).is_error
    await say("meet chromebook rollout", "ann")
    await say("meet-ask bob chromebook rollout", "ann")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_every_reply_of_every_command_reads_well(app: App) -> None:
    """Wording does not depend on the database: checked on SQLite."""
    chat = FakeAdapter(app.core, platform="console", space_id="local")
    app.services.notifier.register(chat)
    console = Console(app, chat)
    await populate(console)
    registry = app.services.registry
    texts: list[str] = []
    for command in sorted(registry.commands.values(), key=lambda c: c.name):
        if command.name in ("forgetme",):
            texts.append(command.name)  # asks first; the answer is tried below
            continue
        texts += [*command.examples, command.name]
    texts += ["teachmeet show 1", "profile @bob", "profile", "whodone chromebooks",
              "whodone chromebooks in Wales", "meet chromebook rollout", "done list",
              "pins", "pins safety", "teachmeet list", "help all", "more", "help teachmeets",
              "my profile", "hello", "thanks!", "whodon chromebooks", "1", "yes", "no",
              "anyone know about podcasts?", "RSVP 1 maybe", "teachmeet rsvp 1 not going",
              "meet requests", "privacy", "privacy web", "pairing status", "audit",
              "pins queue", "pins dead", "intro", "Ann Jones", "skip", "cancel",
              "teachmeet edit 1", "cancel", "teachmeet cancel 1", "no", "forgetme", "no",
              "unpin 3", "no", "pins reject 4", "cancel", "zzzz"]
    for text in texts:
        for user in ("ann", "me", "bob"):
            await console.say(text, user)
    pressed: set[tuple[str, str, str]] = set()
    received = [(d.user_id, "", r) for d, r in chat.sent if d.user_id]
    for user, _text, reply in [*console.shown, *received]:
        for button in buttons_of(reply):
            key = (user, button.command, repr(sorted(dict(button.args).items())))
            if button.url or key in pressed or button.command in ("forgetme",):
                continue
            pressed.add(key)
            await console.press(button, user)
    found = []
    for user, text, reply in console.shown:
        shown = render(reply)
        for problem in problems_in(shown):
            found.append(f"{problem} after {user}: {text!r}\n{shown}")
    for destination, reply in chat.sent:
        shown = render(reply)
        for problem in problems_in(shown):
            found.append(f"{problem} in a message to {destination}:\n{shown}")
    assert len(console.shown) > 500 and len(pressed) > 30 and len(chat.sent) > 5
    assert not found, "\n\n".join(found[:12])
