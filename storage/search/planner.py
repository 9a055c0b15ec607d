"""Reading a question into a weighted plan: pure Python, no database.

A question becomes *units*, the ideas it asks about, each weighted by how rare it is in the
directory (BM25's inverse document frequency). A unit is a thesaurus concept (the longest
phrase found, matched split, joined or punctuated) or a plain word, and it can be met at
several *levels*, worth less and less of its weight: the words as typed, a synonym, a
narrower term, a broader one. The distinctive words of a multi-word concept are light
units too (`PART`), so an entry holding part of the phrase ranks by how much it holds.

What people wrap around the thing itself is dropped: a small list of conversational framing
("has anyone", "how did you", "any tips", "vs"), and whatever nobody in the directory has
written, unless it is a typo of a word somebody has. Words the directory or the thesaurus
knows are taken as typed: never corrected, and matched as themselves (the ranking tells the
word as typed from another word with the same stem, see `ranking`).

The database is asked three things, by the caller (`storage.search.index`): how many entries
hold each term (`Reading.lookups`), and, only for a word nobody has used, which used terms
look like it (`corrections`).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

from storage.search.analysis import (
    ACRONYM_MARK,
    MAX_QUERY_CHARS,
    STOPWORDS,
    Thesaurus,
    competing,
    lemma,
    tokens,
)

MAX_WORDS = 40
"""Words of a question read (a 10 kB paste is not a question)."""
MAX_UNITS = 12
"""Ideas a question is read into, the heaviest kept: a long question's lighter words add
candidates and tiers to read but seldom change who ranks first."""
MAX_PHRASES = 4
"""Phrase-bonus units on top of those, the heaviest kept (see `_phrases`)."""
MAX_ALTERNATIVES = 400

FRAMING = frozenset("""
    anyone anybody someone somebody anything something everyone everybody nobody whoever
    who whos who's what which how why when where whether whose
    do does did done doing get gets got getting gotten go goes going gone went
    can could would should shall may might must will wont won't
    have has had having been being am is are was were
    i i'm im me my mine we we're weve our ours you your yours they their them it its
    any some much many more most lots lot really actually just very quite also still even
    already ever yet currently recently now
    please thanks thank hi hello hey
    advice tips tip ideas idea thoughts thought recommendations recommendation recommend
    recommended suggestions suggestion suggest experience experiences experienced
    help know knows knowledge looking look want wants wanted need needs needed seeking
    tried try trying tries worth good best better great bad worst pros cons long
    folks guys
    use used using uses run running ran
    vs versus etc eg ie like else other others thing things stuff way ways
    share sharing happy keen interested anyone's someone's think thinking considering
    about around re via
    all off onto over up out down across through after before during while within without
    each every both same own too only another again set setting one ones
""".split()) | STOPWORDS
"""Conversational framing and function words: what people say around the thing they ask
about. Inflections count too ("helping", "tips")."""
_FRAMING_LEMMAS = frozenset(lemma(w) for w in FRAMING)

MODIFIER, FOLLOW_UP = 600, 400
"""Per mille of a unit's weight when its words only qualify the thing asked about ("for
year 9", "in the dinner hall", "with ipads"), or come in a follow-up question after it
("... - which app?", "... - how did you get parents to engage?")."""
_CLAUSE = re.compile(r"[?!;]+|\s[-\u2013\u2014]+\s|\.\s|,(?=\s*(?:and\s+)?(?:who|how|what|which|"
                     r"why|where|when|did|do|does|has|have|is|are|any|anyone)\b)", re.I)
_FOLLOW_UP = frozenset("""how what which why where when whose do did does any anything
    worth thoughts tips advice ideas recommendations and""".split())
_MODIFIER_START = frozenset("for in with at across over during within among without by"
                            .split())

TYPED, SYNONYM, NARROWER, BROADER = 1000, 850, 650, 500
"""Per mille of a unit's weight for meeting it with the words as typed, a synonym, only a
narrower term, or (a narrower term asked alone) what it is part of."""
PHRASE = 350
"""Per mille of the lighter word's weight earned for two words side by side as typed."""
PART = 600
"""Per mille of its own weight one word of a multi-word concept earns on its own: an entry
that says "file server" partly answers "file storage", one that says "trained staff" partly
answers "MHFA training for staff" (the concept, met whole, still counts far more)."""
PART_COMMON = 0.02
"""A word more than this share of entries use earns no partial credit: it would bring in
noise ("school" in "school radio") and cost a pass over a long posting list."""


Alternative = tuple[str, ...]
"""One way a unit can appear in an entry: a term, or a phrase of adjacent terms."""


@dataclass(frozen=True)
class Level:
    """Alternatives that meet a unit at one level, and the share of its weight they earn."""

    alternatives: frozenset[Alternative]
    share: int


@dataclass(frozen=True)
class Unit:
    """One idea the question asks about; an entry meets it if it holds an alternative."""

    label: str
    """The words as typed."""
    levels: tuple[Level, ...]
    """Best first; each level's alternatives are not repeated in a later one."""
    weight: int = 0
    """Inverse document frequency, per mille."""
    elsewhere: frozenset[Alternative] = frozenset()
    """Phrases of other thesaurus groups that use this unit's words (see `competing`)."""
    position: int = 0
    """Where the unit starts among the question's meaningful words (for proximity)."""
    role: int = 1000
    """Per mille of its weight the unit keeps: less for a qualifier or a follow-up."""
    groups: frozenset[int] = frozenset()
    """The thesaurus groups it stands for (two words naming one idea count once)."""
    above: frozenset[int] = frozenset()
    """The groups a narrower term it stands for is part of."""
    plain: bool = False
    """A single word taken as typed (two side by side also make a phrase unit)."""

    @property
    def alternatives(self) -> frozenset[Alternative]:
        return frozenset(a for level in self.levels for a in level.alternatives)


@dataclass(frozen=True)
class Plan:
    """A question's units, heaviest first, with the directory's statistics for them."""

    units: tuple[Unit, ...]
    frequencies: Mapping[str, int] = field(default_factory=dict)
    """Entries holding each term the plan uses."""

    def frequency(self, alternative: Alternative) -> int:
        """At most this many entries hold the alternative (a phrase: its rarest word)."""
        return min(self.frequencies.get(t, 0) for t in alternative)


@dataclass
class Word:
    """One word of the question, as read."""

    raw: str
    """As typed (case kept: acronyms depend on it)."""
    term: str
    framing: bool
    compound: int
    """Which written token it came from ("micro:bit" gives two words, one compound)."""
    spare: str = ""
    """The acronym or name a lower-case word may stand for ("send" -> SEND)."""
    position: int = 0
    """Where it is among the question's meaningful words (framing between two ideas does
    not keep them apart: "green screen with ipads")."""
    role: int = 1000
    """Per mille: 1000 for the thing asked about, less for a qualifier or a follow-up."""

    @property
    def lower(self) -> str:
        return self.raw.lower()

    def readings(self) -> set[str]:
        return {self.term, self.spare} - {""}


@dataclass
class Reading:
    """A question read into words, before the directory's statistics are known."""

    words: list[Word]
    corrected: dict[str, str] = field(default_factory=dict)
    """Word as typed (lower case) -> the term it was corrected to."""

    def content(self) -> list[Word]:
        return [w for w in self.words if not w.framing]


class QueryPlanner:
    """Reads questions with one thesaurus; holds no other state."""

    def __init__(self, thesaurus: Thesaurus) -> None:
        self.thesaurus = thesaurus
        self.analyser = thesaurus.analyser
        self._written = frozenset(thesaurus.spellings.values())
        """Terms of words the thesaurus writes as one word ("TeachMeet"), not the
        run-together forms of its phrases ("trainingstaff")."""

    # -- reading -----------------------------------------------------------------------------
    def read(self, query: str, corrected: Mapping[str, str] | None = None) -> Reading:
        """The question's words, typos replaced by the corrections given."""
        corrected = dict(corrected or {})
        words: list[Word] = []
        number = 0
        for clause_number, clause in enumerate(_clauses(query[:MAX_QUERY_CHARS])):
            clause_words: list[Word] = []
            for token in tokens(clause):
                number += 1
                for part in token:
                    term = self.analyser.term(part)
                    lower = part.lower()
                    marked = self.analyser.acronym(part) is not None
                    if lower in corrected:
                        term = corrected[lower]
                    framing = not marked and (lower in FRAMING or lemma(lower) in _FRAMING_LEMMAS)
                    clause_words.append(Word(part, term, framing, number))
            _roles(clause_words, follow_up=clause_number > 0 and any(not w.framing for w in words))
            words += clause_words
        words = words[:MAX_WORDS]
        for position, w in zip(_meaningful_positions(words), words, strict=True):
            w.position = position
        content = [w for w in words if not w.framing]
        for index, w in enumerate(words):
            spare = self.analyser.marked(w.lower)
            if spare and w.lower in self.analyser.names and (index == 0 or w.raw.islower()):
                # people capitalise the first word of a question, and write names in
                # lower case: there a name is read both ways (capitalised later on, it is
                # the name)
                w.term = self.analyser.term(w.lower)
                w.spare = spare
            elif spare and spare != w.term:
                w.spare = spare
        if len(content) == 1 and content[0].spare and content[0].lower in self.analyser.acronyms:
            # a lone lower-case acronym ("send") is read as the acronym only
            content[0].term = content[0].spare
            content[0].spare = ""
        return Reading(words, corrected)

    def lookups(self, reading: Reading) -> set[str]:
        """Terms whose frequencies the plan needs: the words', their joins and splits',
        and those of the concepts they name."""
        content = reading.content()
        found = {t for w in content for t in w.readings()}
        found |= {self.analyser.term(a.lower + b.lower) for a, b in itertools.pairwise(content)}
        for w in content:
            found |= {self.analyser.term(s) for pair in _splits(w.lower) for s in pair}
        for unit in self._concepts(reading.words)[0]:
            found |= {t for a in unit.alternatives | unit.elsewhere for t in a}
        return found

    def unknown(self, reading: Reading, df: Mapping[str, int]) -> list[Word]:
        """Words nobody has used and the thesaurus does not know, that could be typos."""
        known = self._known(df)
        consumed = self._concepts(reading.words)[1]
        return [w for i, w in enumerate(reading.words)
                if not w.framing and i not in consumed and w.raw.isalpha()
                and len(w.raw) >= MIN_TYPO
                and w.lower not in reading.corrected
                and not any(known(t) for t in w.readings())
                and not any(known(self.analyser.term(a)) and known(self.analyser.term(b))
                            for a, b in _splits(w.lower))]

    def corrections(self, words: Iterable[Word], candidates: Mapping[str, int],
                    entries: int) -> dict[str, str]:
        """The used term each misspelt word stands for (see `correct`)."""
        pool = {**{t: candidates.get(t, 0) for t in self.thesaurus.spellings.values()},
                **candidates}
        surfaces = {s: t for s, t in self.thesaurus.spellings.items()}
        out: dict[str, str] = {}
        for w in words:
            fix = correct(w.lower, w.term, pool, surfaces, entries)
            if fix is not None:
                out[w.lower] = fix
        return out

    # -- planning ----------------------------------------------------------------------------
    def plan(self, reading: Reading, df: Mapping[str, int]) -> Plan:
        """The question's units, weighted, given the directory's term frequencies."""
        total = max(df.get("", 0), 1)
        known = self._known(df)
        units, consumed, spans = self._concepts(reading.words)
        leftovers = [w for i, w in enumerate(reading.words)
                     if i not in consumed and not w.framing]
        units += self._word_units(leftovers, lambda t: df.get(t, 0) > 0 or t in self._written,
                                  known)
        units += _parts([[reading.words[i] for i in span] for span in spans], units, df)
        units.sort(key=lambda u: u.position)

        def used(alternatives: Iterable[Alternative]) -> frozenset[Alternative]:
            """Only what some entry holds: an alternative with an unused term can't match."""
            return frozenset(sorted(a for a in alternatives
                                    if all(df.get(t, 0) > 0 for t in a))[:MAX_ALTERNATIVES])

        units = _share_groups(units, df)
        out: list[Unit] = []
        for unit in units:
            levels = tuple(Level(used(level.alternatives), level.share)
                           for level in unit.levels)
            levels = tuple(level for level in levels if level.alternatives)
            if not levels:
                continue
            frequency = _unit_frequency(levels, df, total)
            out.append(Unit(unit.label, levels, _weight(frequency, total) * unit.role // 1000,
                            used(unit.elsewhere), unit.position, unit.role,
                            unit.groups, unit.above, unit.plain))
        out = _merge_duplicates(out)
        kept = set(sorted(range(len(out)), key=lambda k: (-out[k].weight, k))[:MAX_UNITS])
        out = [u for k, u in enumerate(out) if k in kept]
        out += _phrases(out, df)
        terms = {t for u in out for a in u.alternatives | u.elsewhere for t in a}
        return Plan(tuple(out), {t: df.get(t, 0) for t in terms})

    def _known(self, df: Mapping[str, int]) -> Callable[[str], bool]:
        vocabulary = self.thesaurus.vocabulary

        def known(term: str) -> bool:
            return df.get(term, 0) > 0 or term in vocabulary or term.startswith(ACRONYM_MARK)
        return known

    def _concepts(self, words: list[Word]) -> tuple[list[Unit], set[int], list[range]]:
        """Greedy longest match of thesaurus phrases over the question's words (framing
        words may sit inside a phrase: "get help with technology"), which words they
        took, and the spans of those that took several written words."""
        units: list[Unit] = []
        consumed: set[int] = set()
        spans: list[range] = []
        lookup, thesaurus = self.thesaurus.lookup, self.thesaurus
        i, n = 0, len(words)
        while i < n:
            for length in range(min(thesaurus.longest, n - i), 0, -1):
                span = words[i:i + length]
                if (span[0].framing and length == 1) or (span[-1].framing and \
                        span[-1].lower in STOPWORDS):
                    continue
                if length == 1 and span[0].lower in STOPWORDS:
                    continue
                options = [w.readings() if length > 1 or w.lower in self.analyser.names
                           else {w.term} for w in span]
                keys = list(itertools.islice(itertools.product(*options), 16))
                groups: set[int] = set()
                for key in keys:
                    groups |= lookup.get(key, set())
                joined = self.analyser.term("".join(w.lower for w in span))
                if length > 1 and not groups:
                    groups |= lookup.get((joined,), set())
                if length > 1 and span[0].compound == span[-1].compound and not groups:
                    continue
                typed = set(itertools.islice(itertools.product(*({w.term} for w in span)), 16))
                if length > 1:
                    typed.add((joined,))
                role = max(w.role for w in span)
                above: set[int] = set()
                if not groups:
                    for key in keys:
                        above |= thesaurus.broader.get(key, set())
                if not groups and not above:
                    continue
                # what a narrower term asked alone ("algebra") is part of, worth less
                broader = thesaurus.expand(above)[0] if above else frozenset()
                synonyms, narrower = thesaurus.expand(groups)
                label = " ".join(w.raw for w in span)
                units.append(Unit(label, (
                    Level(frozenset(typed), TYPED),
                    Level(synonyms - typed, SYNONYM),
                    Level(narrower - typed - synonyms, NARROWER),
                    Level(broader - typed - synonyms - narrower, BROADER)), 0,
                    competing(thesaurus, synonyms | typed, groups | above), span[0].position,
                    role, frozenset(groups), frozenset(above)))
                consumed.update(range(i, i + length))
                if span[0].compound != span[-1].compound:
                    spans.append(range(i, i + length))
                i += length
                break
            else:
                i += 1
        return units, consumed, spans

    def _word_units(self, leftovers: list[Word], written: Callable[[str], bool],
                    known: Callable[[str], bool]) -> list[Unit]:
        """Plain words: a compound as joined-or-phrase; two words that are one used term
        when run together ("teach meet") as one unit; a word that splits into two used
        words ("microbit") also as the phrase."""
        units: list[Unit] = []
        i = 0
        while i < len(leftovers):
            w = leftovers[i]
            group = [q for q in leftovers[i:] if q.compound == w.compound]
            if len(group) > 1:
                typed = {tuple(q.term for q in group),
                         (self.analyser.term("".join(q.lower for q in group)),)}
                units.append(Unit(" ".join(q.raw for q in group),
                                  (Level(frozenset(typed), TYPED),),
                                  position=w.position, role=max(q.role for q in group)))
                i += len(group)
                continue
            typed = {(w.term,)}
            if w.spare and w.lower in self.analyser.names:
                typed.add((w.spare,))
            if i + 1 < len(leftovers):
                q = leftovers[i + 1]
                joined = self.analyser.term(w.lower + q.lower)
                if q.compound != w.compound and written(joined) and joined != w.term:
                    units.append(Unit(f"{w.raw} {q.raw}", (Level(frozenset(
                        {(joined,), (w.term, q.term)}), TYPED),), position=w.position,
                        role=max(w.role, q.role)))
                    i += 2
                    continue
            for first, second in _splits(w.lower):
                a, b = self.analyser.term(first), self.analyser.term(second)
                if known(a) and known(b) and not w.spare:
                    typed.add((a, b))
                    break
            units.append(Unit(w.raw, (Level(frozenset(typed), TYPED),),
                              position=w.position, role=w.role, plain=len(typed) == 1))
            i += 1
        return units


def _parts(spans: list[list[Word]], units: list[Unit], df: Mapping[str, int]) -> list[Unit]:
    """The words of multi-word concepts, each a light unit of its own (together PART of
    their weight): partial matches of a phrase rank by how much of it they hold instead of
    not at all. Only distinctive words: not framing, not a number or a letter, not a
    word typed as a unit already, not a word more than PART_COMMON of entries use
    ("school" in "school radio" would bring in every school). A name or acronym stays
    itself ("Teams" in "Teams Phone" is not a netball team)."""
    typed = {a for u in units for a in u.levels[0].alternatives}
    common = max(3, PART_COMMON * df.get("", 0))
    out: list[Unit] = []
    for span in spans:
        words = [w for w in span if not (w.framing or w.lower in STOPWORDS
                                         or not w.raw.isalpha() or len(w.raw) < 3)]
        for w in words if len(words) > 1 else ():
            term = w.term
            if w.spare or (term,) in typed or df.get(term, 0) > common:
                continue
            typed.add((term,))
            out.append(Unit(w.raw, (Level(frozenset({(term,)}), TYPED),),
                            position=w.position, role=w.role * PART // 1000 // len(words)))
    return out


def _clauses(query: str) -> list[str]:
    """A question split where one sentence or clause ends and another begins ("?", " - ",
    ", how did you...")."""
    return [c for c in _CLAUSE.split(query) if c and c.strip()]


def _roles(words: list[Word], *, follow_up: bool) -> None:
    """Mark the words of one clause: all of it a follow-up if it comes after the question
    and opens like one ("- which app?", "- how did you..."); within a clause, what follows
    "for", "in", "with"... after the thing asked about qualifies it."""
    if follow_up and words and words[0].lower in _FOLLOW_UP:
        for w in words:
            w.role = FOLLOW_UP
        return
    seen_content = False
    qualifying = False
    for w in words:
        if w.lower in _MODIFIER_START and seen_content:
            qualifying = True
        elif not w.framing:
            seen_content = True
        if qualifying:
            w.role = MODIFIER


def _meaningful_positions(words: list[Word]) -> list[int]:
    """Each word's position counting only meaningful words (framing between two ideas does
    not keep them apart: "green screen with ipads")."""
    out, n = [], 0
    for w in words:
        out.append(n)
        if not w.framing:
            n += 1
    return out


def _share_groups(units: list[Unit], df: Mapping[str, int]) -> list[Unit]:
    """Each thesaurus group expands in one unit only: two words of one group ("timetable
    ... in Edval", "switch ... moved") keep their own typed words, but the group's other
    words are counted once, in the commonest word's unit (the generic one); and a word
    typed in one unit is never a synonym in another."""
    def commonness(unit: Unit) -> int:
        return max((min(df.get(t, 0) for t in a) for a in unit.levels[0].alternatives),
                   default=0)

    owner: dict[int, int] = {}
    for k in sorted(range(len(units)), key=lambda k: (-commonness(units[k]), k)):
        for g in units[k].groups:
            owner.setdefault(g, k)
    typed = {a for u in units for a in u.levels[0].alternatives}
    out = []
    for k, unit in enumerate(units):
        keep_group = all(owner.get(g) == k for g in unit.groups)
        keep_above = not unit.above & set(owner)
        levels = [unit.levels[0]]
        for level in unit.levels[1:]:
            if (level.share == BROADER and not keep_above) or (level.share != BROADER \
                    and not keep_group):
                continue
            levels.append(Level(level.alternatives - typed, level.share))
        out.append(Unit(unit.label, tuple(levels), unit.weight, unit.elsewhere,
                        unit.position, unit.role, unit.groups if keep_group else frozenset(),
                        unit.above, unit.plain))
    return out


def _phrases(units: list[Unit], df: Mapping[str, int]) -> list[Unit]:
    """The phrase bonus, as units of its own: two plain words typed side by side ("dinner
    hall", "stop taking cash") earn PHRASE of the lighter one's weight more when an entry
    has them side by side too. (Being units, they bound tiers exactly like any other.) At
    most MAX_PHRASES, the heaviest: a long run of plain words would otherwise double the
    units a question costs."""
    out = []
    for a, b in itertools.pairwise(units):
        if not (a.plain and b.plain and b.position == a.position + 1):
            continue
        (x,), (y,) = a.levels[0].alternatives, b.levels[0].alternatives
        phrase = (*x, *y)
        if min(df.get(t, 0) for t in phrase) > 0:
            out.append(Unit(f"{a.label} {b.label}", (Level(frozenset({phrase}), TYPED),),
                            min(a.weight, b.weight) * PHRASE // 1000, position=a.position,
                            role=min(a.role, b.role)))
    kept = set(sorted(range(len(out)), key=lambda k: (-out[k].weight, k))[:MAX_PHRASES])
    return [u for k, u in enumerate(out) if k in kept]


def _merge_duplicates(units: list[Unit]) -> list[Unit]:
    """One unit per idea: a word asked twice ("ipad ... ipads"), or two words of one
    thesaurus group ("switch ... moved"), count once, at the better of their weights."""
    out: list[Unit] = []
    for unit in units:
        same = next((k for k, u in enumerate(out) if u.alternatives == unit.alternatives
                     or (u.groups and u.groups == unit.groups)), None)
        if same is None:
            out.append(unit)
        elif unit.weight > out[same].weight:
            out[same] = unit
    return out


def _splits(word: str) -> list[tuple[str, str]]:
    if len(word) < 6 or not word.isalpha():
        return []
    return [(word[:i], word[i:]) for i in range(3, len(word) - 2)]


def _unit_frequency(levels: tuple[Level, ...], df: Mapping[str, int], total: int) -> int:
    """An estimate of how many entries meet the unit at its typed level or as a synonym:
    its commonest alternative's count (narrower and broader terms do not make an idea
    commoner)."""
    counted = [a for level in levels if level.share >= SYNONYM for a in level.alternatives]
    counted = counted or [a for level in levels for a in level.alternatives]
    return min(total, max((min(df.get(t, 0) for t in a) for a in counted), default=0))


def _weight(frequency: int, total: int) -> int:
    """BM25's inverse document frequency, per mille, so sums are exact integers."""
    return max(1, round(1000 * math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))))


def _osa_limit(word: str) -> int:
    return 1 if len(word) <= 7 else 2


MIN_TYPO = 6
"""Shorter words are not corrected: most have real words one edit away ("small"/"stall")."""


COMMON_SHARE = 0.02
"""A correction never lands on a term more than this share of entries use: a word nobody
wrote that looks like a common one ("limits" / "digit") is more likely another word than a
typo, and correcting it onto a common word would gain little."""


def correct(word: str, term: str, pool: Mapping[str, int], surfaces: Mapping[str, str],
            entries: int) -> str | None:
    """The used term a misspelt word stands for: within one edit (two for words of eight
    letters or more) of a thesaurus word or an indexed term, with the same first letter;
    the nearest, then the commoner; never a term more than COMMON_SHARE of entries use."""
    common = max(3, COMMON_SHARE * entries)
    best: tuple[int, int, str] | None = None
    choices = [(s, t) for s, t in surfaces.items()] + [(t, t) for t in pool]
    for surface, target in choices:
        typed = word if surface != target else term
        limit = _osa_limit(typed)
        if len(typed) < MIN_TYPO or not surface or surface[0] != typed[0] \
                or abs(len(surface) - len(typed)) > limit or target.startswith(ACRONYM_MARK):
            continue
        n = pool.get(target, 0)
        if n > common:
            continue
        distance = OSA.distance(typed, surface, score_cutoff=limit)
        if distance <= limit:
            key = (distance, -n, target)
            best = key if best is None or key < best else best
    return best[2] if best is not None else None
