"""How `pin` and `pins edit` read typed text (no database needed)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.features import build_registry
from bot.grammar import GrammarError, parse
from bot.resources.commands import EditArgs, PinArgs

REGISTRY = build_registry()


def read(text: str) -> tuple[str, dict]:
    parsed = parse(REGISTRY, text)
    return parsed.command.name, parsed.args


def test_pin_parts() -> None:
    name, raw = read('pin https://example.org/x "A good guide" #Safety #vle -- what it covers')
    assert name == "pin"
    args = PinArgs.model_validate(raw)
    assert (args.url, args.title, args.tags, args.description) == (
        "https://example.org/x", "A good guide", ["safety", "vle"], "what it covers")
    plain = PinArgs.model_validate(read("pin https://example.org/x Unquoted title words")[1])
    assert plain.title == "Unquoted title words" and plain.tags == []


def test_edit_key_values_with_quoted_values() -> None:
    name, raw = read('pins edit 4 title="Two words" url=https://example.org/new '
                     'tags=a,b -- fresh text')
    assert name == "pins edit"
    args = EditArgs.model_validate(raw)
    assert (args.id, args.title, args.url, args.tags, args.description) == (
        4, "Two words", "https://example.org/new", ["a", "b"], "fresh text")
    short = EditArgs.model_validate(read("pins edit 4 New title #x #y")[1])
    assert (short.title, short.tags, short.url, short.description) == (
        "New title", ["x", "y"], None, None)
    cleared = EditArgs.model_validate(read('pins edit 4 description=""')[1])
    assert cleared.description == ""
    with pytest.raises(GrammarError, match="never closed"):
        read('pins edit 4 title="unclosed')


def test_subcommands_win_over_a_search() -> None:
    assert read("pins queue")[0] == "pins queue"
    assert read("pins show 3")[0] == "pins show"
    assert read("pins audit")[0] == "audit"
    assert read("pins online safety")[0] == "pins"
    assert read("library #vle")[0] == "pins"


_title = st.text(alphabet=st.characters(blacklist_categories=("C",)), min_size=1,
                 max_size=250).filter(lambda t: '"' not in t)


@given(_title, st.lists(st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True), max_size=4))
def test_any_title_is_kept_exactly_or_refused_clearly(title: str, tags: list[str]) -> None:
    text = f'pin https://example.org/x "{title}" ' + " ".join(f"#{t}" for t in tags)
    try:
        args = PinArgs.model_validate(read(text)[1])
    except ValidationError as exc:
        kinds = {e["type"] for e in exc.errors()}
        assert kinds <= {"string_too_short", "string_too_long", "missing"}, kinds
        return
    except GrammarError:
        return
    assert args.title == title.strip()
    assert args.tags == list(dict.fromkeys(tags))
