"""Typed `intro` details: key="several words" reaches the field intact."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.features import build_registry
from bot.grammar import clean, parse
from bot.introductions.profiles import split_learn

REGISTRY = build_registry()
WORDS = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"),
                                       blacklist_characters='"“”'), min_size=1, max_size=60)


@given(WORDS, WORDS)
@settings(max_examples=200, deadline=None)
def test_quoted_values_survive(bio: str, role: str) -> None:
    parsed = parse(REGISTRY, f'intro bio="{bio}" role="{role}" region=Camden')
    assert parsed.command.name == "intro"
    def typed(value: str) -> str:  # what the grammar's cleaning leaves inside the quotes
        return clean(f'"{value}"')[1:-1]

    assert parsed.args == {"bio": typed(bio), "role": typed(role), "region": "Camden"}


def test_unquoted_extra_words_are_refused_by_the_model() -> None:
    parsed = parse(REGISTRY, "intro bio=Hello world")
    assert parsed.args == {"bio": "Hello", "words": "world"}


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters=";\n\r"), max_size=20),
                max_size=8), st.sampled_from([";", "\n"]))
def test_split_learn(parts: list[str], separator: str) -> None:
    result = split_learn(separator.join(parts) + separator)
    assert all(p and p == p.strip() and ";" not in p for p in result)
    assert len(result) == len(set(result))
    assert set(result) <= {p.strip() for p in parts}


def test_commas_separate_interests_unless_semicolons_or_lines_do() -> None:
    assert split_learn("podcasting, VR in science") == ["podcasting", "VR in science"]
    assert split_learn("assessment, especially in KS2; VR") == [
        "assessment, especially in KS2", "VR"]
    assert split_learn("assessment, especially in KS2\nVR") == [
        "assessment, especially in KS2", "VR"]
    assert split_learn("  ,podcasts,, ") == ["podcasts"]
