"""Every command that takes a number or a date, given ones no row or teach-meet can have:
ids of 0, -1, 2^31, 2^63 and twenty digits, dates 0001-01-01 and 9999-12-31. Each gets a
specific answer (never the apology), and nothing is logged at ERROR or with a traceback,
on SQLite and PostgreSQL (where ids are 32-bit). The commands are found in the registry, so
a new command's ids and dates are covered without touching this file."""

from __future__ import annotations

import logging
import re
from typing import Any, Literal, get_args, get_origin

import pytest

from bot.app import App
from bot.commands import MAX_ID, Command
from bot.core import APOLOGY
from bot.features import build_registry
from bot.grammar import GrammarError, parse
from bot.testing import FakeAdapter

BAD_IDS = ("0", "-1", str(2**31), str(2**63), "9" * 20)
BAD_DATES = (
    "0001-01-01",
    "9999-12-31",
    "0001-01-01 16:00",
    "31/12/9999 4pm",
    "31 December 9999 11pm",
)
REGISTRY = build_registry()


def _is_int(annotation: Any) -> bool:
    return annotation is int or any(_is_int(a) for a in get_args(annotation))


def numeric_or_date(command: Command) -> tuple[list[str], list[str]]:
    """The command's number arguments (ids and other whole numbers) and date arguments."""
    numbers, dates = [], []
    for name, meta, info in command.arg_specs():
        if meta.date:
            dates.append(name)
        elif meta.numbers or _is_int(info.annotation):
            numbers.append(name)
    return numbers, dates


COMMANDS = sorted(
    (c for c in REGISTRY.commands.values() if any(numeric_or_date(c))), key=lambda c: c.name
)


def base_args(command: Command, field: str) -> dict[str, Any]:
    """Plausible values for the command's other arguments: from the example that uses
    `field` (else the first), and the first choice of any required choice left over."""
    parsed: list[dict[str, Any]] = []
    for example in command.examples:
        try:
            parsed.append(dict(parse(REGISTRY, example).args))
        except GrammarError:
            continue
    args = next((a for a in parsed if field in a), parsed[0] if parsed else {})
    for name, info in command.args.model_fields.items():
        if name not in args and info.is_required():
            choices = [
                a for a in (info.annotation, *get_args(info.annotation)) if get_origin(a) is Literal
            ]
            args[name] = get_args(choices[0])[0] if choices else "something"
    return args


def test_every_id_argument_is_found_and_bounded() -> None:
    """The enumeration sees the ids it must (a vacuous list would prove nothing), and every
    id is declared with the range no row can leave."""
    found = {(c.name, n) for c in COMMANDS for n in numeric_or_date(c)[0]}
    assert {
        ("done remove", "id"),
        ("pins show", "id"),
        ("teachmeet show", "id"),
        ("meet-answer", "request"),
        ("teachmeet going", "event"),
    } <= found
    dated = {(c.name, n) for c in COMMANDS for n in numeric_or_date(c)[1]}
    assert {
        ("teachmeet create", "start"),
        ("teachmeet move", "start"),
        ("pairing", "until"),
    } <= dated
    for command in REGISTRY.commands.values():
        for name, meta, info in command.arg_specs():
            if meta.numbers and _is_int(info.annotation):
                limits = {type(m).__name__: m for m in info.metadata}
                assert limits["Ge"].ge == 1 and limits["Le"].le == MAX_ID, (command.name, name)


def quiet(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.levelname} {r.name}: {r.getMessage()[:120]}"
        for r in caplog.records
        if r.levelno >= logging.ERROR or r.exc_info
    ]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name.replace(" ", "-"))
async def test_out_of_range_numbers_and_dates_get_a_specific_answer(
    app: App, chat: FakeAdapter, caplog: pytest.LogCaptureFixture, command: Command
) -> None:
    caplog.set_level(logging.INFO)
    made = await chat.press(
        "teachmeet create",
        {"title": "Hostile input", "start": "2026-12-03 16:00 Europe/London", "confirm": True},
    )
    assert not made.is_error, made.plain_text()
    meet_id = int(re.search(r"#(\d+)", made.plain_text()).group(1))  # type: ignore[union-attr]
    numbers, dates = numeric_or_date(command)
    for field in numbers:
        meta = next(m for n, m, _ in command.arg_specs() if n == field)
        for value in BAD_IDS:
            reply = await chat.press(command.name, {**base_args(command, field), field: value})
            text = reply.plain_text()
            assert APOLOGY not in text, (command.name, field, value, text)
            if meta.numbers:
                assert reply.is_error and f"There is no {meta.numbers} #{value}" in text, (
                    command.name,
                    field,
                    value,
                    text,
                )
    for field in dates:
        for value in BAD_DATES:
            args = base_args(command, field)
            for name, meta, _ in command.arg_specs():
                if meta.numbers == "teach-meet":
                    args[name] = meet_id  # a real one, so that the date itself is read
            reply = await chat.press(command.name, {**args, field: value})
            text = reply.plain_text()
            assert reply.is_error and re.search(r"past|future|ahead|away", text), (
                command.name,
                field,
                value,
                text,
            )
    assert quiet(caplog) == []


@pytest.mark.parametrize(
    "typed",
    [
        "done remove 99999999999999999999",
        f"pins show {2**63}",
        f"teachmeet show {2**31}",
        "teachmeet going 99999999999999999999",
        "teachmeet rsvp -1 going",
        "meet-answer 0 accept",
    ],
)
async def test_typed_ids_out_of_range(
    app: App, chat: FakeAdapter, caplog: pytest.LogCaptureFixture, typed: str
) -> None:
    """The same through the text grammar, where the number is a word of the sentence."""
    reply = await chat.say(typed)
    assert reply.is_error and "There is no " in reply.plain_text(), reply.plain_text()
    assert f"numbers run from 1 to {MAX_ID:,}" in reply.plain_text()
    assert quiet(caplog) == []
