"""Turning text into index terms, the same way for documents, queries and the thesaurus.

An index term is lower-case ASCII letters and digits only, so SQLite FTS5 (unicode61) and
PostgreSQL's 'simple' configuration split a space-separated string of them identically:

- words are folded (accents, control characters dropped), British/American spelling is
  evened out (`[spelling]` in the thesaurus plus the -ize/-ise rule), then Snowball-stemmed;
- punctuated compounds ("micro:bit", "e-safety", "D&T") give their parts AND the joined
  form, so "micro bit", "micro:bit" and "microbit" all meet in the index;
- acronyms and product names that are also English words ("SEND", "MAT", "Teams") mean the
  acronym or product only in capitals; they become a marked term (`zzsend`) that ordinary
  words never produce.

A few words are kept whole (`unstemmed`): those whose stem would meet an unrelated word
("connectivity"/"connect", a product such as "Securly"/"secure").

What the analysis does is versioned (`Analyser.version`): the rules here, the stemmer's
own version and the thesaurus's word rules. The index remembers the version it was built
with and is rebuilt when it changes (`storage.search.index.SearchIndex.ensure_current`).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata, resources

import snowballstemmer

RULES_VERSION = "5"
"""Bump when a change here alters the terms or lemmas a text is indexed with."""
_STEMMER = snowballstemmer.stemmer("english")
_TOKEN = re.compile(r"[0-9A-Za-z]+(?:[:\-.&'][0-9A-Za-z]+)*")
_CONNECTOR = re.compile(r"[:\-.&']")
_POSSESSIVE = re.compile(r"['’]s\b|(?<=s)['’](?!\w)")
_IZE = re.compile(r"^(.{3,})iz(e|es|ed|ing|er|ers|ation|ations|able)$")
_YZE = re.compile(r"^(.{2,})yz(e|es|ed|ing|er|ers)$")
_VOWEL = re.compile(r"[aeiouy]")
_YEAR = re.compile(r"(?:y|yr|yrs|year)(\d{1,2})", re.IGNORECASE)
_YEAR_WORDS = frozenset({"yr", "yrs"})
ACRONYM_MARK = "zz"
MAX_QUERY_CHARS = 500
MAX_TERM_CHARS = 40
FIELD_SEPARATOR = " ; "
"""Between fields in a stored term string (punctuation: FTS5 does not index it)."""
PART_SEPARATOR = " | "
"""Between the parts of one field (tags), so a phrase never runs from one into the next."""

STOPWORDS = frozenset("""
    a an and are as at be but by for from has have he her his i if in into is it its me my no
    not of on or our she so than that the their them then there these they this those to us
    was we were what when where which who whom why will with you your
""".split())
"""Words too common to search on their own (kept in the index, so phrases still match)."""


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


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """A lower-case word without its inflection: plural, -ed, -ing, then a final e and a
    doubled final consonant ("helping"/"help", "tips"/"tip"): lighter than stemming, to
    recognise the inflections of conversational framing words and nothing else."""
    w = word
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 4 and w.endswith(("sses", "shes", "ches", "xes", "zes")):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    elif len(w) > 5 and w.endswith("ied"):
        w = w[:-3] + "y"
    elif len(w) > 4 and w.endswith("ed") and _VOWEL.search(w[:-2]):
        w = w[:-2]
    elif len(w) > 5 and w.endswith("ing") and _VOWEL.search(w[:-3]):
        w = w[:-3]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeioulsz":
        w = w[:-1]
    return w


Token = tuple[str, ...]
"""One written word as its parts: one, or several for "micro:bit" ("micro", "bit")."""


def tokens(text: str) -> list[Token]:
    text = _POSSESSIVE.sub("", fold(text)).replace("’", "'")
    out: list[Token] = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        if (year := _YEAR.fullmatch(word)) is not None:
            out += [("year",), (year.group(1),)]  # "Y7", "Yr7", "year7": "year 7"
        elif word.lower() in _YEAR_WORDS:
            out.append(("year",))
        elif word.isalnum():
            out.append((word,))
        elif parts := tuple(p for p in _CONNECTOR.split(word.replace("'", "")) if p):
            out.append(parts)
    return out


@dataclass(frozen=True)
class FieldText:
    """Terms of one field of an entry, part by part (a summary is one part, each tag one)."""

    parts: tuple[tuple[str, ...], ...] = ()

    def terms(self) -> Iterable[str]:
        for terms in self.parts:
            yield from terms


@dataclass(frozen=True)
class Document:
    """An entry as the index holds it: its fields' terms, and its size."""

    fields: tuple[FieldText, ...]
    size: int
    """Meaningful words in the fields that count (ties go to the shorter entry)."""

    def terms(self) -> list[str]:
        return [t for f in self.fields for t in f.terms()]

    def encode(self) -> str:
        """The terms as stored: fields apart by FIELD_SEPARATOR, parts by PART_SEPARATOR;
        as text, FTS5 and tsvector read only the terms from it."""
        return FIELD_SEPARATOR.join(PART_SEPARATOR.join(" ".join(p) for p in f.parts)
                                    for f in self.fields)

    @classmethod
    def decode(cls, terms: str, size: int) -> Document:
        """The inverse of `encode`."""
        return cls(tuple(FieldText(tuple(tuple(part.split())
                                         for part in field.split(PART_SEPARATOR)))
                         for field in terms.split(FIELD_SEPARATOR)), size)


@dataclass
class Analyser:
    """Word-level rules: spelling variants, case-sensitive acronyms and names, stemming."""

    spelling: dict[str, str] = field(default_factory=dict)
    acronyms: frozenset[str] = frozenset()
    """Lower-case forms of acronyms that only count when written in capitals ("SEND")."""
    names: frozenset[str] = frozenset()
    """Lower-case forms of product names that are also English words: they count as the
    name only when capitalised ("Teams", "Tapestry")."""
    unstemmed: frozenset[str] = frozenset()
    """Words whose stem would meet an unrelated word ("connectivity" -> "connect")."""
    _terms: dict[str, str] = field(default_factory=dict, repr=False)
    _texts: dict[str, tuple[tuple[str, ...], int]] = field(default_factory=dict, repr=False)

    @property
    def version(self) -> str:
        """What decides the terms a text is indexed with: these rules, the stemmer's
        version and the word rules given to this analyser (not the thesaurus groups, which
        apply only to queries)."""
        rules = repr((sorted(self.spelling.items()), sorted(self.acronyms),
                      sorted(self.names), sorted(self.unstemmed))).encode()
        return (f"rules {RULES_VERSION}; snowballstemmer {metadata.version('snowballstemmer')}; "
                f"words {hashlib.sha256(rules).hexdigest()[:12]}")

    def acronym(self, word: str) -> str | None:
        """The acronym or name a capitalised word stands for ("MATs" -> "mat", "Teams" ->
        "teams"), if it is one: an acronym in capitals, a name capitalised."""
        lower = word.lower()
        if lower in self.names and word[:1].isupper():
            return lower
        if lower in self.acronyms and word.isupper():
            return lower
        if len(word) > 2 and word.endswith("s") and word[:-1].isupper() and \
                lower[:-1] in self.acronyms:
            return lower[:-1]
        return None

    def marked(self, lower: str) -> str | None:
        """The marked term a lower-case word may stand for when typed in a query, where
        people seldom use capitals ("send", "teams"), if it is an acronym or a name."""
        if lower in self.acronyms or lower in self.names:
            return ACRONYM_MARK + lower
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
            return (ACRONYM_MARK + acronym)[:MAX_TERM_CHARS]
        lower = self.normalise(word.lower())
        if len(lower) > 2 and lower[-1] == "s" and not _VOWEL.search(lower[:-1]):
            lower = lower[:-1]  # an acronym's plural: "PDFs", "pdfs"
        if lower in self.unstemmed:
            return lower[:MAX_TERM_CHARS]
        return stem(lower)[:MAX_TERM_CHARS]

    def text_terms(self, text: str) -> tuple[tuple[str, ...], int]:
        """Terms and meaningful-word count of one piece of text: each compound's parts,
        then its joined form (remembered: entries and tags repeat, above all in an
        import)."""
        found = self._texts.get(text)
        if found is not None:
            return found
        terms: list[str] = []
        size = 0
        for token in tokens(text):
            words = [*token, "".join(token)] if len(token) > 1 else [token[0]]
            terms.extend(self.term(word) for word in words)
            if "".join(token).lower() not in STOPWORDS:
                size += 1
        if len(self._texts) > 20_000:
            self._texts.clear()
        found = self._texts[text] = (tuple(terms), size)
        return found

    def document(self, fields: Sequence[Sequence[str]], counted: int = 2) -> Document:
        """An entry's fields (each a list of parts: [summary], [tag, tag], ...) analysed;
        words of the first `counted` fields make its size."""
        out: list[FieldText] = []
        size = 0
        for index, parts in enumerate(fields):
            analysed = []
            for part in parts:
                terms, words = self.text_terms(part)
                if terms:
                    analysed.append(terms)
                    if index < counted:
                        size += words
            out.append(FieldText(tuple(analysed)))
        return Document(tuple(out), size)

    def document_terms(self, texts: Iterable[str]) -> tuple[list[str], int]:
        """The term stream of some texts and their meaningful-word count (for indexes that
        need no fields: the resource library, pairing)."""
        out: list[str] = []
        size = 0
        for text in texts:
            terms, words = self.text_terms(text)
            out.extend(terms)
            size += words
        return out, size

    def phrase_variants(self, phrase: str) -> set[tuple[str, ...]]:
        """Term sequences a thesaurus phrase can appear as: split, compounds joined, all
        run together ("micro:bit" -> (micro, bit), (microbit,)). A name that counts only in
        capitals is also taken in lower case inside a longer phrase ("Microsoft Teams" is
        "microsoft teams" however it is written)."""
        toks = tokens(phrase)
        if not toks:
            return set()
        split = tuple(self.term(p) for t in toks for p in t)
        compact = tuple(self.term("".join(t)) for t in toks)
        variants = {split, compact}
        if len(split) > 1:
            variants.add(tuple(self.term(p.lower()) for t in toks for p in t))
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
                            self.spellings.setdefault(word.lower(), analyser.term(word.lower()))
        self.longest = max((len(k) for k in self.lookup), default=1)
        self.broader: dict[tuple[str, ...], set[int]] = {}
        """Narrower phrase -> the groups it sits under ("algebra" -> maths)."""
        for index, below in enumerate(self.narrower):
            for variant in below:
                self.broader.setdefault(variant, set()).add(index)

    def expand(self, groups: Iterable[int]) -> tuple[frozenset[tuple[str, ...]],
                                                     frozenset[tuple[str, ...]]]:
        """The groups' synonyms, and their narrower terms."""
        same: set[tuple[str, ...]] = set()
        below: set[tuple[str, ...]] = set()
        for g in groups:
            same |= self.synonyms[g]
            below |= self.narrower[g]
        same = prune(same)
        return frozenset(same), frozenset(prune(same | below) - same)


def competing(thesaurus: Thesaurus, alternatives: Iterable[tuple[str, ...]],
              groups: Iterable[int] = ()) -> frozenset[tuple[str, ...]]:
    """Phrases of OTHER groups that contain one of these single-term alternatives: an entry
    that says "digitised collection" is about digital collections more than digitisation."""
    own = set(groups)
    alternatives = set(alternatives)
    found = {phrase for a in alternatives if len(a) == 1
             for phrase, g in thesaurus.containing.get(a[0], ())
             if g not in own and phrase not in alternatives and len(phrase) > len(a)}
    return frozenset(sorted(found)[:60])


def prune(alternatives: set[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """Drop phrases that contain a single-term alternative: they can only match less."""
    singles = {a[0] for a in alternatives if len(a) == 1}
    return {a for a in alternatives if len(a) == 1 or not singles.intersection(a)}


@lru_cache(maxsize=1)
def _shipped_data() -> dict:
    return tomllib.loads(resources.files("storage.search").joinpath("thesaurus.toml")
                         .read_text(encoding="utf-8"))


def load_thesaurus(extra: Sequence[Sequence[str]] = ()) -> Thesaurus:
    """The shipped thesaurus plus the operator's `[search] synonyms` groups."""
    data = _shipped_data()
    groups = [Group(tuple(g["terms"]), tuple(g.get("narrower", ()))) for g in data["group"]]
    groups += [Group(tuple(str(p) for p in g)) for g in extra if g]
    return Thesaurus(groups, _analyser_from(data))


def _analyser_from(data: dict) -> Analyser:
    return Analyser(
        spelling={k.lower(): v.lower() for k, v in data.get("spelling", {}).items()},
        acronyms=frozenset(a.lower() for a in data.get("case_sensitive", [])),
        names=frozenset(n.lower() for n in data.get("names", [])),
        unstemmed=frozenset(w.lower() for w in data.get("unstemmed", [])))


@lru_cache(maxsize=1)
def shipped_analyser() -> Analyser:
    """The word rules (spelling, acronyms, stemming) of the shipped thesaurus, for indexes
    other than "who's done X" (the resource library) and for comparing texts (pairing)."""
    return _analyser_from(_shipped_data())


@dataclass(frozen=True)
class Analysed:
    """Index terms for one document: space-separated, ready for FTS5 or to_tsvector."""

    terms: str


def analyse_document(text: str, tags: Sequence[str] | None = None) -> Analysed:
    terms, _size = shipped_analyser().document_terms([text, *(tags or [])])
    return Analysed(" ".join(terms))


def highlight(text: str, terms: frozenset[str] | set[str],
              analyser: Analyser | None = None) -> tuple[tuple[int, int], ...]:
    """Character spans of the words in `text` whose index terms are among `terms` (a
    search's matched terms), stopwords left plain, neighbouring spans joined: "why it
    matched", shown on a result."""
    analyser = analyser or shipped_analyser()
    spans: list[tuple[int, int]] = []
    if not terms:
        return ()
    for found in _TOKEN.finditer(text):
        word = found.group()
        parts = [p for p in _CONNECTOR.split(word.replace("'", "")) if p]
        if word.lower() in STOPWORDS or not parts:
            continue
        if any(analyser.term(w) in terms for w in {*parts, "".join(parts)}):
            start, end = found.span()
            if spans and text[spans[-1][1]:start].strip(" -") == "":
                start = spans.pop()[0]
            spans.append((start, end))
    return tuple(spans)


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
