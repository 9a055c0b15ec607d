"""One text grammar for the console, Slack slash-command text and chat mentions.

    whodone chromebooks in Wales
    done Ran a TeachMeet for 40 teachers #teachmeet 2019
    pin https://example.org "A good guide" #safety -- what it covers
    who's done VR?

`parse` finds the command (longest matching name, else a plain-language pattern) and turns
the remaining words into a dict of raw argument values; validation is the args model's job.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from bot.commands import Command, CommandRegistry, is_list_field

MAX_MESSAGE_CHARS = 4000
_YEAR = re.compile(r"(?:19|20)\d\d")
_KEY_VALUE = re.compile(r"([a-z_][a-z0-9_]*)=(.*)", re.DOTALL)
_KEY_ONLY = re.compile(r"[a-z_][a-z0-9_]*=")
_MENTION_PREFIX = re.compile(r"^\s*(?:<@[!&]?[A-Za-z0-9]+>|@staffroom\b)[\s,:]*", re.IGNORECASE)
_BEFORE_YEAR = frozenset({"in", "during", "back", "since", "from", "around", "circa",
                          "c."})
PAGE = "page"
"""The option every listing understands (`page=2`)."""
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


class GrammarError(ValueError):
    """The text could not be understood; the message says what to type instead."""


class UnknownCommand(GrammarError):
    """The text names no command and asks for none in words the bot knows."""

    def __init__(self, text: str) -> None:
        self.text = text
        first = text.split()[0] if text.split() else text
        super().__init__(f"I don't know the command {first[:40]!r}. Say `help` to see what I "
                         "can do.")


@dataclass(frozen=True)
class Token:
    text: str
    quoted: bool = False


@dataclass(frozen=True)
class Parsed:
    command: Command
    args: dict[str, Any]


def clean(text: str) -> str:
    """Normalise quotes, drop control characters (keeping newlines) and outer space."""
    text = text.translate(_QUOTES)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C"
                   ).strip()


def tokenize(text: str) -> list[Token]:
    """Split on white space; "double quotes" group words (also as a value: key="a b").
    Apostrophes stay inside words."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        if text[i] == '"':
            end = text.find('"', i + 1)
            if end == -1:
                raise GrammarError('A quote (") was opened but never closed.')
            tokens.append(Token(text[i + 1:end], quoted=True))
            i = end + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] != '"':
            j += 1
        if j < n and text[j] == '"' and _KEY_ONLY.fullmatch(text[i:j]):
            end = text.find('"', j + 1)
            if end == -1:
                raise GrammarError('A quote (") was opened but never closed.')
            tokens.append(Token(text[i:j] + text[j + 1:end]))  # key="several words"
            i = end + 1
            continue
        tokens.append(Token(text[i:j]))
        i = j
    return tokens


def strip_mention(text: str) -> str:
    """Remove a leading "@Staffroom" (or the platform's <@ID>) from a chat mention."""
    return _MENTION_PREFIX.sub("", text, count=1)


def parse(registry: CommandRegistry, text: str) -> Parsed:
    text = clean(text)
    if len(text) > MAX_MESSAGE_CHARS:
        raise GrammarError(f"That message is too long ({len(text)} characters; at most "
                           f"{MAX_MESSAGE_CHARS}).")
    if not text:
        raise GrammarError("Say a command, for example `help` or `whodone chromebooks`.")
    tokens = tokenize(text)
    found = registry.resolve([t.text for t in tokens if not t.quoted][:4]) if tokens and \
        not tokens[0].quoted else None
    if found is not None:
        command, used = found
        try:
            return Parsed(command, parse_args(command, tokens[used:]))
        except GrammarError:
            # a command word leading a sentence ("hi all, has anyone used X?"): the
            # sentence, if the intents understand it; else what was wrong with the command
            intended = registry.match_intent(text)
            if intended is None:
                raise
            return Parsed(intended[0], {k: v.strip() for k, v in intended[1].items()})
    patterned = registry.match_pattern(text.rstrip("?!. ").strip())
    if patterned is None:
        patterned = registry.match_intent(text)
    if patterned is not None:
        command, groups = patterned
        return Parsed(command, {k: v.strip() for k, v in groups.items()})
    raise UnknownCommand(text)


def parse_args(command: Command, tokens: list[Token]) -> dict[str, Any]:
    """Assign words to the command's arguments, following each argument's `Arg` marks."""
    specs = command.arg_specs()
    values: dict[str, Any] = {}
    names = {name for name, _, _ in specs}

    after = next(((n, m.after) for n, m, _ in specs if m.after), None)
    if after is not None:
        name, separator = after
        cut = next((i for i, t in enumerate(tokens) if t.text == separator and not t.quoted),
                   None)
        if cut is not None:
            values[name] = " ".join(t.text for t in tokens[cut + 1:])
            tokens = tokens[:cut]

    remaining: list[Token] = []
    tag_field = next((n for n, m, _ in specs if m.tags), None)
    for token in tokens:
        key_value = None if token.quoted else _KEY_VALUE.fullmatch(token.text)
        if key_value and key_value.group(1) in names:
            key, value = key_value.groups()
            values[key] = value
        elif key_value and key_value.group(1) == PAGE:
            # the shared paging option: never a region, a topic or a title
            raise GrammarError(f"`{command.name}` shows everything at once, so it has no "
                               f"pages: leave out {token.text[:20]!r}.")
        elif tag_field and not token.quoted and token.text.startswith("#") and \
                len(token.text) > 1:
            values.setdefault(tag_field, []).append(token.text[1:])
        else:
            remaining.append(token)

    year_field = next((n for n, m, _ in specs if m.year), None)
    if year_field and year_field not in values and remaining and not remaining[-1].quoted \
            and _YEAR.fullmatch(remaining[-1].text) and len(remaining) > 1:
        values[year_field] = remaining.pop().text
        # "... in 2023": the year says when, so its "in" is not part of the sentence
        while len(remaining) > 1 and not remaining[-1].quoted and \
                remaining[-1].text.lower() in _BEFORE_YEAR:
            remaining.pop()

    positional = [(n, m, info) for n, m, info in specs
                  if not (m.tags or m.after or m.year) and n not in values]
    for index, (name, meta, info) in enumerate(positional):
        if not remaining:
            break
        is_last = index == len(positional) - 1
        if meta.rest or (is_last and not is_list_field(info)):
            values[name] = " ".join(t.text for t in remaining if t.text)  # no "" gaps
            remaining = []
        elif is_list_field(info):
            values[name] = [t.text for t in remaining]
            remaining = []
        else:
            values[name] = remaining.pop(0).text
    if remaining:
        extra = " ".join(t.text for t in remaining)
        raise GrammarError(f"I didn't expect {extra[:60]!r} there. Usage: "
                           f"`{command.usage_line()}`")
    return values
