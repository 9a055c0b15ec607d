"""`staffroom when`: how the bot reads a time, through the same reader as `teachmeet
create`, printed as JSON or text; exit 0 for a start, a question or an error."""

from __future__ import annotations

import json

import pytest

from bot.main import main


def when(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["when", *args])
    return code, capsys.readouterr().out


def test_a_confident_reading(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = when(capsys, "Thursday half four for 90 minutes", "--now",
                     "2027-01-12T15:00", "--tz", "Europe/London", "--json")
    assert code == 0
    assert json.loads(out) == {"start": "2027-01-14T16:30:00+00:00", "zone": "Europe/London",
                               "end": "2027-01-14T18:00:00+00:00"}


def test_no_end_typed_prints_null(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = when(capsys, "Thursday 4pm Europe/London", "--now", "2027-01-12T16:00",
                     "--tz", "Europe/Madrid", "--json")
    assert code == 0
    assert json.loads(out) == {"start": "2027-01-14T16:00:00+00:00", "zone": "Europe/London",
                               "end": None}


def test_a_question_and_an_error_also_exit_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = when(capsys, "Friday at 9", "--now", "2027-01-12T15:00", "--tz",
                     "Europe/London", "--json")
    answer = json.loads(out)
    assert code == 0 and "morning or the evening" in answer["question"]
    assert answer["candidates"] == ["2027-01-15T09:00:00+00:00", "2027-01-15T21:00:00+00:00"]
    code, out = when(capsys, "31 February 4pm", "--now", "2027-01-12T15:00", "--json")
    assert code == 0 and json.loads(out) == {"error": "There is no 31 February."}


def test_a_repeating_time_gives_its_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = when(capsys, "every other Tuesday 4pm", "--now", "2027-01-12T15:00",
                     "--json")
    answer = json.loads(out)
    assert code == 0 and answer["start"] == "2027-01-12T16:00:00+00:00"  # today, still ahead
    assert answer["repeats"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"


def test_plain_text_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = when(capsys, "Thursday 4pm", "--now", "2027-01-12T15:00")
    assert code == 0
    assert out.strip() == ("Thu 14 Jan 2027 16:00 GMT (Europe/London), no end given (the "
                           "default length applies)")


def test_an_offset_in_now_is_honoured(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = when(capsys, "7pm", "--now", "2027-01-12T18:30:00+00:00", "--tz",
                     "America/New_York", "--json")
    assert code == 0 and json.loads(out)["start"] == "2027-01-12T19:00:00-05:00"


def test_a_bad_zone_or_now_is_an_operator_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["when", "4pm", "--tz", "Mars/Olympus"]) == 2
    assert "don't know the time zone" in capsys.readouterr().err
    assert main(["when", "4pm", "--now", "yesterday-ish"]) == 2
