"""`staffroom moderators`, `staffroom audit` and `staffroom digest --preview`, run as the
command line runs them (parsed arguments, a fresh app on the test database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import App
from bot.main import COMMANDS, build_parser
from bot.testing import SPACE, FakeAdapter, FakeClock
from tests.resources.helpers import audit_rows


async def run(app: App, *argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    return await COMMANDS[args.command](args, app.services.settings)


async def test_moderators_add_list_remove(app: App, chat: FakeAdapter,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    await chat.say("pin https://example.org/a A resource", user="ann")
    assert (await chat.say("pins approve 1", user="dan")).is_error

    assert await run(app, "moderators", "add", "--platform", "fake", "--space", SPACE,
                     "dan") == 0
    assert "dan in fake:T-TEST is now a moderator" in capsys.readouterr().out
    assert not (await chat.say("pins approve 1", user="dan")).is_error
    assert await run(app, "moderators", "add", "--platform", "fake", "--space", SPACE,
                     "dan") == 0
    assert "already" in capsys.readouterr().out

    assert await run(app, "moderators", "list", "--platform", "fake") == 0
    listing = capsys.readouterr().out
    assert "U-MOD\t(config file)" in listing and "\tdan\t(added" in listing

    assert await run(app, "moderators", "remove", "--platform", "fake", "--space", SPACE,
                     "dan") == 0
    assert "no longer a moderator" in capsys.readouterr().out
    assert (await chat.say("pins reject 1 Not for us", user="dan")).is_error
    added, removed = [e for e in await audit_rows(app) if e.action.startswith("moderator.")]
    assert (added.action, added.target, added.before) == (
        "moderator.add", f"fake:{SPACE}:dan", None)
    assert (removed.action, removed.after) == ("moderator.remove", None)
    assert removed.before == {"platform": "fake", "space": SPACE, "user_id": "dan"}


async def test_moderators_add_says_where_it_would_not_work(
        app: App, capsys: pytest.CaptureFixture[str]) -> None:
    # the console's one space is `local`: anything else would never match anyone
    assert await run(app, "moderators", "add", "--platform", "console", "--space", "console",
                     "jo") == 2
    assert "The console's space is always `local`: use --space local" in \
        capsys.readouterr().err
    assert await run(app, "moderators", "add", "--platform", "slak", "--space", "T1",
                     "U1") == 2
    assert "--platform must be slack, discord or console" in capsys.readouterr().err
    assert await run(app, "moderators", "add", "--platform", "slack", "--space", "camden",
                     "jo") == 2
    err = capsys.readouterr().err
    assert "is not a Slack team ID" in err and "is not a Slack user ID" in err
    assert await run(app, "moderators", "add", "--platform", "discord", "--space", "T1",
                     "U1") == 2
    assert "is not a Discord server ID" in capsys.readouterr().err
    assert await run(app, "moderators", "add", "--platform", "fake", "--space", "T-OTHER",
                     "jo") == 2
    assert "the configured fake spaces are: T-TEST (Test space)" in capsys.readouterr().err
    assert await audit_rows(app) == []
    assert await run(app, "moderators", "add", "--platform", "fake", "--space", "T-OTHER",
                     "jo", "--force") == 0
    assert await run(app, "moderators", "add", "--platform", "console", "--space", "local",
                     "jo") == 0
    assert "jo in console:local is now a moderator" in capsys.readouterr().out


async def test_moderators_list_shows_console_and_configured_moderators(
        app: App, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run(app, "moderators", "list", "--platform", "console") == 0
    assert "console\tlocal\tme\t(config file, [console] moderators)" in \
        capsys.readouterr().out
    assert await run(app, "moderators", "list", "--platform", "slack") == 0
    assert "No moderators match" in capsys.readouterr().out


async def test_moderators_bad_arguments(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run(app, "moderators", "add", "--platform", "Slack!", "--space", "T1",
                     "U1") == 2
    assert "--platform must be lower-case letters" in capsys.readouterr().err
    assert await run(app, "moderators", "add", "--platform", "slack", "--space", "T1",
                     "U" * 65) == 2
    assert "USER_ID must be 1 to 64 characters" in capsys.readouterr().err
    assert await audit_rows(app) == []


async def test_audit_lists_newest_first_and_filters(app: App, chat: FakeAdapter,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    await chat.say("pin https://example.org/a First", user="U-MOD")
    await chat.say("pins edit 1 Second title", user="U-MOD")
    await chat.say('intro name="Ann Jones"', user="ann")
    await chat.say("unpin 1 confirm=yes", user="ann")  # refused, and recorded
    assert await run(app, "audit") == 0
    lines = [line for line in capsys.readouterr().out.splitlines()
             if not line.startswith("    ")]
    assert [line.split()[4] for line in lines] == ["refused", "pin.edit", "pin.publish"]
    assert await run(app, "audit", "--action", "pin.edit") == 0
    out = capsys.readouterr().out
    assert "pin.edit" in out and "title: “First” → “Second title”" in out
    assert "pin.publish" not in out
    assert await run(app, "audit", "--action", "pin.", "--limit", "1", "--json") == 0
    assert '"action": "pin.edit"' in capsys.readouterr().out
    assert await run(app, "audit", "--action", "nothing") == 0
    assert "empty" in capsys.readouterr().out
    assert await run(app, "audit", "--limit", "0") == 2
    # moderators read the same log in chat
    chat_view = (await chat.say("audit pin.", user="U-MOD")).plain_text()
    assert "edited pin #1 “Second title”" in chat_view and "refused" not in chat_view
    assert "pinned pin #1 “First”" in chat_view
    everything = (await chat.say("audit", user="U-MOD")).plain_text()
    assert "Ann Jones (@ann) was refused `unpin`\n    with confirm yes, id 1" in everything
    for raw in ("fake:T-TEST", "None", "[", "{", "'"):
        assert raw not in everything, raw


async def test_digest_preview(app: App, chat: FakeAdapter, clock: FakeClock,
                              capsys: pytest.CaptureFixture[str]) -> None:
    clock.set(datetime.now(UTC))  # the command line runs on the real clock
    assert await run(app, "digest", "--preview") == 0
    out = capsys.readouterr().out
    assert "Next digest for fake:T-TEST" in out and "channel C-NEWS" in out
    assert "Nothing new" in out
    await chat.say("pin https://example.org/a Assessment toolkit", user="U-MOD")
    assert await run(app, "digest", "--preview", "--platform", "fake", "--space", SPACE) == 0
    assert "Assessment toolkit" in capsys.readouterr().out
    assert await run(app, "digest", "--preview", "--platform", "fake") == 2
    assert await run(app, "digest") == 2
    assert chat.sent == []
