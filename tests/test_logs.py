"""Logs an operator can use: error references, no members' words above DEBUG, JSON lines."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import Field
from sqlalchemy import text

from bot.app import App
from bot.commands import Arg, Args, Command
from bot.context import Context
from bot.core import APOLOGY
from bot.logs import JsonFormatter, setup_logging
from bot.replies import Reply
from bot.testing import FakeAdapter, make_settings

SECRET_WORDS = "my headteacher's private phone number"


class EchoArgs(Args):
    text: Annotated[str, Arg(help="anything", rest=True), Field(max_length=200)] = ""


async def broken(ctx: Context, args: EchoArgs) -> Reply:
    raise RuntimeError("a bug in the handler")


async def quoting(ctx: Context, args: EchoArgs) -> Reply:
    """Fails the way real code does: a database error about the member's words, re-raised
    as an error quoting them."""
    try:
        await ctx.session.execute(text("INSERT INTO no_such_table VALUES (:v)"), {"v": args.text})
    except Exception as exc:
        raise ValueError(f"could not store {args.text!r}") from exc
    return Reply()


@pytest.fixture
def broken_command(app: App) -> None:
    app.services.registry.add(Command(name="t-broken", summary="test", handler=broken,
                                      args=EchoArgs, usage="t-broken <text>"))


@pytest.mark.usefixtures("broken_command")
async def test_the_reference_shown_to_the_member_is_logged_with_the_traceback(
        app: App, chat: FakeAdapter, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    reply = (await chat.say(f"t-broken {SECRET_WORDS}", user="bob")).plain_text()
    assert APOLOGY in reply
    ref = re.search(r"reference ([0-9A-F]{8})", reply)
    assert ref, reply
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert ref.group(1) in errors[0].getMessage()
    assert errors[0].exc_info and "a bug in the handler" in str(errors[0].exc_info[1])
    assert getattr(errors[0], "ref", None) == ref.group(1)
    # members' words never in a line above DEBUG
    for record in caplog.records:
        if record.levelno > logging.DEBUG:
            assert SECRET_WORDS not in record.getMessage(), record.getMessage()
    # a second failure gets a reference of its own
    again = (await chat.say("t-broken x", user="bob")).plain_text()
    assert ref.group(1) not in again


async def test_no_log_line_above_debug_quotes_a_failed_command(
        app: App, chat: FakeAdapter, caplog: pytest.LogCaptureFixture) -> None:
    """Neither the command's text nor an exception's message quoting it (nor a failed
    statement's parameters) reaches the log above DEBUG; the reference and the traceback's
    shape do."""
    app.services.registry.add(Command(name="t-quoting", summary="test", handler=quoting,
                                      args=EchoArgs, usage="t-quoting <text>"))
    word = "Quizzlewhomp"
    stream = io.StringIO()
    for log_format in ("text", "json"):
        setup_logging(make_settings(log_format=log_format, log_level="INFO"), stream=stream)
        caplog.set_level(logging.INFO)
        try:
            reply = (await chat.say(f"t-quoting {word} is my head's name", user="bob"))
        finally:
            ours = [h for h in logging.getLogger().handlers if type(h).__module__ == "bot.logs"]
            for handler in ours:
                logging.getLogger().removeHandler(handler)
        ref = re.search(r"reference ([0-9A-F]{8})", reply.plain_text())
        assert ref, reply.plain_text()
        written = stream.getvalue()
        assert ref.group(1) in written and "ValueError" in written and "quoting" in written
        assert "OperationalError" in written or "ProgrammingError" in written  # the cause
        assert word.lower() not in written.lower(), written
    for record in caplog.records:
        assert record.levelno <= logging.DEBUG or word not in record.getMessage()
    # at DEBUG the operator can have it all, under the same reference
    stream = io.StringIO()
    setup_logging(make_settings(log_level="DEBUG"), stream=stream)
    try:
        caplog.set_level(logging.DEBUG, logger="bot.core")
        await chat.say(f"t-quoting {word}", user="bob")
    finally:
        ours = [h for h in logging.getLogger().handlers if type(h).__module__ == "bot.logs"]
        for handler in ours:
            logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
    assert f"could not store '{word}'" in stream.getvalue()


@pytest.mark.usefixtures("broken_command")
async def test_at_debug_the_arguments_are_logged_under_the_same_reference(
        chat: FakeAdapter, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.core")
    reply = (await chat.say(f"t-broken {SECRET_WORDS}", user="bob")).plain_text()
    ref = re.search(r"reference ([0-9A-F]{8})", reply).group(1)  # type: ignore[union-attr]
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any(ref in m and SECRET_WORDS in m for m in debug)


def test_json_lines_carry_the_reference_and_the_traceback() -> None:
    stream = io.StringIO()
    setup_logging(make_settings(log_format="json", log_level="INFO"), stream=stream)
    log = logging.getLogger("staffroom.test")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("it failed (reference %s)", "ABCD1234", extra={"ref": "ABCD1234"})
    log.info("plain line")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["level"] == "ERROR" and lines[0]["ref"] == "ABCD1234"
    assert "ValueError: (message withheld" in lines[0]["traceback"]
    assert "ValueError: boom" not in lines[0]["traceback"]  # a message may quote a member
    assert lines[1] == {"time": lines[1]["time"], "level": "INFO",
                        "logger": "staffroom.test", "message": "plain line"}
    setup_logging(make_settings(log_level="INFO"), stream=io.StringIO())  # replaces, once
    ours = [h for h in logging.getLogger().handlers if type(h).__module__ == "bot.logs"]
    assert len(ours) == 1
    logging.getLogger().removeHandler(ours[0])


def test_an_interactive_console_logs_to_a_file_not_the_chat(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    setup_logging(make_settings(log_level="INFO"), console=True)
    logging.getLogger("staffroom.test").warning("a line for the file")
    root = logging.getLogger()
    ours = [h for h in root.handlers if type(h).__module__ == "bot.logs"]
    assert len(ours) == 1
    ours[0].flush()
    root.removeHandler(ours[0])
    ours[0].close()
    assert "a line for the file" in (tmp_path / "staffroom" / "console.log").read_text()


def test_json_formatter_is_one_line_per_record() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "two\nlines", None, None)
    assert "\n" not in JsonFormatter().format(record)


def test_sentry_events_carry_the_error_reference() -> None:
    from bot.logs import _tag_reference

    record = logging.LogRecord("bot.core", logging.ERROR, __file__, 1, "failed", None, None)
    record.ref = "ABCD1234"
    event = _tag_reference({"tags": {"release": "x"}}, {"log_record": record})
    assert event["tags"] == {"release": "x", "ref": "ABCD1234"}
    assert _tag_reference({}, {}) == {}
