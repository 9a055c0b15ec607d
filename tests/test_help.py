"""`help` fits a phone screen; `help all`, `help <topic>` and `help <command>` say the rest."""

from __future__ import annotations

from adapters.console.render import render
from bot.app import App
from bot.help import FEATURED
from bot.testing import MODERATOR, FakeAdapter


async def test_help_is_one_screen_with_five_commands_and_the_topics(
        app: App, chat: FakeAdapter) -> None:
    reply = await chat.say("help", user="ann")
    shown = render(reply)
    assert len(shown.splitlines()) <= 25, shown
    assert all(len(line) <= 100 for line in shown.splitlines()), shown
    for name in FEATURED:
        assert app.services.registry.get(name).summary in shown  # type: ignore[union-attr]
    for topic in ("help people", "help introductions", "help library", "help teachmeets"):
        assert topic in shown
    assert "`help all`" in shown and "help <command>" in shown
    assert "moderation" not in shown  # members are not offered moderators' commands
    assert "moderation" in render(await chat.say("help", user=MODERATOR))
    for filler in ("help me", "help please", "help!", "?"):
        assert render(await chat.say(filler, user="ann")) == shown, filler


async def test_help_all_pages_through_every_command_by_capability(
        app: App, chat: FakeAdapter) -> None:
    visible = {c.name for c in app.services.registry.visible()
               if not c.moderator_only and c.name != "help"}
    seen: set[str] = set()
    page = await chat.say("help all", user="ann")
    for _ in range(10):
        text = render(page)
        assert len(text.splitlines()) <= 40
        usage = {c.name: c.usage_line() for c in app.services.registry.visible()}
        seen |= {name for name in visible if f"- {usage[name]}" in text}
        if "Say `more`" not in text:
            break
        page = await chat.say("more", user="ann")
    assert seen == visible
    assert "pins queue" not in seen
    assert "== Teach-meets ==" in render(await chat.say("help all page=3", user="ann"))
    beyond = await chat.say("help all page=40", user="ann")
    assert beyond.is_error and "no page 40" in beyond.plain_text()
    moderator = "\n".join([render(await chat.say(f"help all page={n}", user=MODERATOR))
                           for n in (2, 3)])  # wherever more commands move it
    assert "pins queue [page=N]" in moderator and "(moderators)" in moderator


async def test_help_topics_and_commands(chat: FakeAdapter) -> None:
    teachmeets = render(await chat.say("help teachmeets"))
    assert teachmeets.startswith("== Teach-meets ==") and "teachmeet ics <id>" in teachmeets
    library = render(await chat.say("help library"))
    assert "pins [query] [#tag] [page=N]" in library and "(moderators)" in library
    one = render(await chat.say("help whodone"))
    assert "== whodone ==" in one and "whodone chromebooks in Wales" in one
    moderation = render(await chat.say("help moderation", user=MODERATOR))
    assert "audit [action]" in moderation and "(moderators)" not in moderation
    typo = await chat.say("help whodoen")
    assert typo.is_error and "Did you mean `help whodone`?" in typo.plain_text()
