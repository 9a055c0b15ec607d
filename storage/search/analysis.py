"""Turning text into index terms, the same way for documents, queries and the thesaurus.

An index term is lower-case ASCII letters and digits only, so SQLite FTS5 (unicode61) and
PostgreSQL's 'simple' configuration split a space-separated string of them identically:

- words are folded (accents, control characters dropped), British/American spelling is
  evened out (`[spelling]` in the thesaurus plus the -ize/-ise rule), then Snowball-stemmed;
- punctuated compounds ("micro:bit", "e-safety", "D&T") give their parts AND the joined
  form, so "micro bit", "micro:bit" and "microbit" all meet in the index;
- acronyms that are also English words ("SEND", "MAT", "RE", "AR") mean the acronym only
  in capitals; they become a marked term (`zzsend`) that ordinary words never produce.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("english")
_TOKEN = re.compile(r"[0-9A-Za-z]+(?:[:\-.&'][0-9A-Za-z]+)*")
_CONNECTOR = re.compile(r"[:\-.&']")
_POSSESSIVE = re.compile(r"['’]s\b|(?<=s)['’](?!\w)")
_IZE = re.compile(r"^(.{3,})iz(e|es|ed|ing|er|ers|ation|ations|able)$")
_YZE = re.compile(r"^(.{2,})yz(e|es|ed|ing|er|ers)$")
ACRONYM_MARK = "zz"
MAX_QUERY_CHARS = 500
MAX_TERM_CHARS = 40

STOPWORDS = frozenset("""
    a an and are as at be but by for from has have he her his i if in into is it its me my no
    not of on or our she so than that the their them then there these they this those to us
    was we were what when where which who whom why will with you your
""".split())
"""Words too common to search on their own (kept in the index, so phrases still match)."""

QUERY_NOISE = frozenset("""
    anyone anybody someone somebody whos who's done did do does doing ever already tried
    experience experienced experiences know knows knowledge help please people person
    colleague colleagues looking need needs want wants can could would should any some
    something thing things about around re
""".split()) | STOPWORDS
"""What people wrap around the thing itself in a "who's done X?" question."""


_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def fold(text: str) -> str:
    """Strip accents and control characters; keep case (acronyms depend on it)."""
    if text.isascii():
        return _ASCII_CONTROL.sub(" ", text)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)
                   and unicodedata.category(ch)[0] != "C")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _STEMMER.stemWord(word)


Token = tuple[str, ...]
"""One written word as its parts: one, or several for "micro:bit" ("micro", "bit")."""


def tokens(text: str) -> list[Token]:
    text = _POSSESSIVE.sub("", fold(text)).replace("’", "'")
    out: list[Token] = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        if word.isalnum():
            out.append((word,))
        elif parts := tuple(p for p in _CONNECTOR.split(word.replace("'", "")) if p):
            out.append(parts)
    return out


@dataclass
class Analyser:
    """Word-level rules: spelling variants and case-sensitive acronyms."""

    spelling: dict[str, str] = field(default_factory=dict)
    acronyms: frozenset[str] = frozenset()
    """Lower-case forms of acronyms that only count when written in capitals."""
    unstemmed: frozenset[str] = frozenset()
    """Words whose stem would meet an unrelated word ("connectivity" -> "connect")."""
    _terms: dict[str, str] = field(default_factory=dict, repr=False)

    def acronym(self, word: str) -> str | None:
        """The acronym a capitalised word stands for ("MATs" -> "mat"), if it is one."""
        base = word[:-1] if len(word) > 2 and word.endswith("s") else word
        if base.isupper() and base.lower() in self.acronyms:
            return base.lower()
        return None

    def normalise(self, lower: str) -> str:
        lower = self.spelling.get(lower, lower)
        lower = _IZE.sub(r"\1is\2", lower)
        return _YZE.sub(r"\1ys\2", lower)

    def term(self, word: str) -> str:
        """The index term for one word as written (remembered: words repeat a lot)."""
        found = self._terms.get(word)
        if found is None:
            if len(self._terms) > 200_000:
                self._terms.clear()
            found = self._terms[word] = self._term(word)
        return found

    def _term(self, word: str) -> str:
        acronym = self.acronym(word)
        if acronym is not None:
            return ACRONYM_MARK + acronym
        lower = self.normalise(word.lower())
        if lower in self.unstemmed:
            return lower[:MAX_TERM_CHARS]
        return stem(lower)[:MAX_TERM_CHARS]

    def document_terms(self, texts: Iterable[str]) -> tuple[list[str], int]:
        """The term stream for an entry (parts, then the joined form, for each compound),
        and how many meaningful words it has (ties go to the shorter, more focused entry)."""
        out: list[str] = []
        size = 0
        for text in texts:
            for token in tokens(text):
                if len(token) == 1:
                    out.append(self.term(token[0]))
                    if token[0].lower() not in STOPWORDS:
                        size += 1
                    continue
                out.extend(self.term(p) for p in token)
                out.append(self.term("".join(token)))
                if "".join(token).lower() not in STOPWORDS:
                    size += 1
        return out, size

    def phrase_variants(self, phrase: str) -> set[tuple[str, ...]]:
        """Term sequences a thesaurus phrase can appear as: split, compounds joined, all
        run together ("micro:bit" -> (micro, bit), (microbit,))."""
        toks = tokens(phrase)
        if not toks:
            return set()
        split = tuple(self.term(p) for t in toks for p in t)
        compact = tuple(self.term("".join(t)) for t in toks)
        variants = {split, compact}
        if len(split) > 1:
            joined = "".join(p for t in toks for p in t)
            if len(joined) <= MAX_TERM_CHARS:
                variants.add((self.term(joined),))
        return variants


@dataclass
class Group:
    """One thesaurus entry: phrases that mean the same, and narrower ones it also finds."""

    terms: tuple[str, ...]
    narrower: tuple[str, ...] = ()


class Thesaurus:
    """Phrase -> meaning groups, and each group's alternatives to search for."""

    def __init__(self, groups: Sequence[Group], analyser: Analyser) -> None:
        self.analyser = analyser
        self.lookup: dict[tuple[str, ...], set[int]] = {}
        self.synonyms: list[set[tuple[str, ...]]] = []
        self.narrower: list[set[tuple[str, ...]]] = []
        self.vocabulary: set[str] = set()
        self.spellings: dict[str, str] = {}
        """Words as the thesaurus writes them -> their terms, to correct typos against."""
        self.containing: dict[str, set[tuple[tuple[str, ...], int]]] = {}
        """term -> multi-word phrases of groups that hold it ("digitised collection")."""
        for index, group in enumerate(groups):
            own: set[tuple[str, ...]] = set()
            for phrase in group.terms:
                for variant in analyser.phrase_variants(phrase):
                    self.lookup.setdefault(variant, set()).add(index)
                    own.add(variant)
            below = {v for phrase in group.narrower for v in analyser.phrase_variants(phrase)}
            self.synonyms.append(own)
            self.narrower.append(below)
            for variant in own:
                for term in set(variant) if len(variant) > 1 else ():
                    self.containing.setdefault(term, set()).add((variant, index))
            self.vocabulary.update(t for v in own | below for t in v)
            for phrase in (*group.terms, *group.narrower):
                for token in tokens(phrase):
                    for word in {"".join(token), *token}:
                        if word.isalpha() and len(word) >= 4:
                            self.spellings.setdefault(word.lower(), analyser.term(word))
        self.longest = max((len(k) for k in self.lookup), default=1)
        self.broader: dict[tuple[str, ...], set[int]] = {}
        """Narrower phrase -> the groups it sits under ("algebra" -> maths)."""
        for index, below in enumerate(self.narrower):
            for variant in below:
                self.broader.setdefault(variant, set()).add(index)

    def expand(self, groups: Iterable[int]) -> tuple[frozenset[tuple[str, ...]],
                                                     frozenset[tuple[str, ...]]]:
        """The groups' synonyms, and those plus their narrower terms."""
        same: set[tuple[str, ...]] = set()
        below: set[tuple[str, ...]] = set()
        for g in groups:
            same |= self.synonyms[g]
            below |= self.narrower[g]
        return frozenset(prune(same)), frozenset(prune(same | below))


def competing(thesaurus: Thesaurus, alternatives: frozenset[tuple[str, ...]],
              groups: Iterable[int] = ()) -> frozenset[tuple[str, ...]]:
    """Phrases of OTHER groups that contain one of these single-term alternatives: an entry
    that says "digitised collection" is about digital collections more than digitisation."""
    own = set(groups)
    found = {phrase for a in alternatives
             for phrase, g in thesaurus.containing.get(a[0], ())
             if g not in own and phrase not in alternatives and len(phrase) > len(a)
             and _contains(phrase, a)}
    return frozenset(sorted(found)[:60])


def _contains(phrase: tuple[str, ...], part: tuple[str, ...]) -> bool:
    n = len(part)
    return any(phrase[i:i + n] == part for i in range(len(phrase) - n + 1))


def prune(alternatives: set[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """Drop phrases that contain a single-term alternative: they can only match less."""
    singles = {a[0] for a in alternatives if len(a) == 1}
    return {a for a in alternatives if len(a) == 1 or not singles.intersection(a)}


def load_thesaurus(extra: Sequence[Sequence[str]] = ()) -> Thesaurus:
    """The shipped thesaurus plus the operator's `[search] synonyms` groups."""
    data = tomllib.loads(resources.files("storage.search").joinpath("thesaurus.toml")
                         .read_text(encoding="utf-8"))
    analyser = Analyser(
        spelling={k.lower(): v.lower() for k, v in data.get("spelling", {}).items()},
        acronyms=frozenset(a.lower() for a in data.get("case_sensitive", [])),
        unstemmed=frozenset(w.lower() for w in data.get("unstemmed", [])))
    groups = [Group(tuple(g["terms"]), tuple(g.get("narrower", ()))) for g in data["group"]]
    groups += [Group(tuple(str(p) for p in g)) for g in extra if g]
    return Thesaurus(groups, analyser)


@lru_cache(maxsize=1)
def shipped_analyser() -> Analyser:
    """The word rules (spelling, acronyms, stemming) of the shipped thesaurus, for indexes
    other than "who's done X" (the resource library) and for comparing texts (pairing)."""
    return load_thesaurus().analyser


@dataclass(frozen=True)
class Analysed:
    """Index terms for one document: space-separated, ready for FTS5 or to_tsvector."""

    terms: str


def analyse_document(text: str, tags: Sequence[str] | None = None) -> Analysed:
    terms, _size = shipped_analyser().document_terms([text, *(tags or [])])
    return Analysed(" ".join(terms))


def query_terms(query: str) -> list[str]:
    """Distinct index terms of a query's words (stopwords dropped), in order; compounds
    give both their parts and the joined form, as documents do."""
    analyser = shipped_analyser()
    seen: dict[str, None] = {}
    for token in tokens(query[:MAX_QUERY_CHARS]):
        words = [*token, "".join(token)] if len(token) > 1 else list(token)
        for word in words:
            if word.lower() not in STOPWORDS:
                seen.setdefault(analyser.term(word), None)
    return list(seen)
