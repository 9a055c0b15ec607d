"""Property-based tests of the search on SQLite and PostgreSQL: any text is a safe query,
and whatever comes back is a visible member's logged entry — never an interest, never a
hidden member."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import App
from bot.testing import _truncate_postgres, make_settings
from storage.models import DoneEntry, Member
from storage.repositories.directory import DirectoryRepository, ImportedMember
from storage.search import Viewer
from storage.search.analysis import load_thesaurus

SUMMARIES = [
    "Rolled out Google Workspace for Education across 12 schools",
    "BBC micro:bit projects in science", "Assistive technology for SEND pupils",
    "Ran cross-sector teach meets with museums", "1:1 Chromebook scheme for year 7",
    "Set up a Moodle VLE", "Digitization of the photo archive", "Wrote a GDPR policy",
    "Live-coding music lessons using Sonic Pi", "Wi-Fi survey and new access points",
]
INTERESTS = ["Keen to learn about podcasts", "Would love to try virtual reality",
             "Interested in open data", "Keen to learn about esports"]

# Queries: free text, FTS/SQL syntax, and words the thesaurus and the directory know.
SYNTAX = ['"', "*", "NEAR(", "OR", "AND", "NOT", "^", ":", "(", ")", "'", ";", "--", "{",
          "}", "-", "+", "\\", "%", "_", "\x00", "\x1b", "\u202e", "DROP TABLE members",
          "terms:", "zzsend", "1:1", "micro:bit"]
WORDS = ["podcast", "microbit", "SEND", "teach", "meet", "vle", "Moodel", "chromboks",
         "virtual", "reality", "open", "data", "esports", "google", "365", "in", "the"]
queries = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(SYNTAX + WORDS), min_size=1, max_size=12).map(" ".join),
    st.lists(st.sampled_from(SYNTAX + WORDS), min_size=1, max_size=12).map("".join),
    st.text(alphabet=st.sampled_from("aeioumbcrst :*\"-()"), min_size=1, max_size=60),
)


@pytest.fixture
def seeded(database_url: str) -> Iterator[tuple[asyncio.AbstractEventLoop, App]]:
    """A small directory: most members have done things, some only want to, one hides."""
    loop = asyncio.new_event_loop()
    app = App(make_settings(database={"url": database_url}))

    async def build() -> None:
        await app.open()
        if not app.db.is_sqlite:
            await _truncate_postgres(app)
        members = [ImportedMember(handle=f"m{i}", name=f"M {i}",
                                  privacy="hidden" if i == 3 else None,
                                  done=[{"summary": SUMMARIES[i % len(SUMMARIES)]}]
                                  if i % 4 else [],
                                  interests=[INTERESTS[i % len(INTERESTS)]])
                   for i in range(24)]
        async with app.db.unit_of_work() as session:
            await DirectoryRepository(session, app.services.search).upsert_imported(
                members, default_privacy="network")

    loop.run_until_complete(build())
    try:
        yield loop, app
    finally:
        loop.run_until_complete(app.close())
        loop.close()


async def _search(app: App, query: str) -> tuple[list, dict[int, Member], dict[int, DoneEntry]]:
    async with app.db.sessions() as session:
        hits = await app.services.search.find_people(session, query,
                                                     viewer=Viewer("console", "local"),
                                                     limit=25)
        members = {m.id: m for m in await session.scalars(select(Member))}
        entries = {e.id: e for e in await session.scalars(select(DoneEntry))}
    return hits, members, entries


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(query=queries)
def test_any_query_is_safe_and_returns_only_visible_done_entries(
        seeded: tuple[asyncio.AbstractEventLoop, App], query: str) -> None:
    loop, app = seeded
    hits, members, entries = loop.run_until_complete(_search(app, query))
    assert len({h.member_id for h in hits}) == len(hits)
    for hit in hits:
        member = members[hit.member_id]
        assert member.privacy != "hidden"
        assert hit.entry_ids, "a person is only found through something they have done"
        for entry_id in hit.entry_ids:
            assert entries[entry_id].member_id == member.id
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(query=st.sampled_from(INTERESTS).map(lambda s: s.split(" ", 3)[-1]))
def test_wishes_are_never_found(seeded: tuple[asyncio.AbstractEventLoop, App],
                                query: str) -> None:
    loop, app = seeded
    hits, _, _ = loop.run_until_complete(_search(app, query))
    assert hits == []


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_analysis_makes_only_plain_terms(text: str) -> None:
    analyser = load_thesaurus().analyser
    terms, size = analyser.document_terms([text])
    assert size >= 0
    for term in terms:
        assert term.isascii() and term.isalnum() and term == term.lower()


@settings(max_examples=100, deadline=None)
@given(word=st.from_regex(r"[a-z]{2,8}", fullmatch=True),
       other=st.from_regex(r"[a-z]{2,8}", fullmatch=True),
       joiner=st.sampled_from([":", "-", "."]))
def test_punctuated_compounds_index_both_forms(word: str, other: str, joiner: str) -> None:
    analyser = load_thesaurus().analyser
    terms, _ = analyser.document_terms([f"{word}{joiner}{other}"])
    assert analyser.term(word + other) in terms
    assert analyser.term(word) in terms and analyser.term(other) in terms
