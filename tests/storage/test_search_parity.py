"""SQLite and PostgreSQL give the same answer to the same question.

PostgreSQL finds phrases through indexed pairs of adjacent terms, filters on privacy and
region copied onto its index rows, and picks its own way through the index per tier;
none of that may change a result. The directory below is built to catch the ways it
could: phrases whose pairs occur apart, phrases inside other ideas' phrases, privacy and
region changed after the entries were indexed."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.app import App
from bot.directory_io import import_file
from bot.testing import _truncate_postgres, make_settings
from storage.models import Identity, Member
from storage.repositories.directory import DirectoryRepository, ImportedMember
from storage.search import PersonHit, Viewer, cost

DIRECTORY = {
    "amy": ["Digital skills training for governors"],
    "ben": ["Digital skills audit, then skills training for every teacher"],
    "cy": ["Training on digital skills", "Skills training days"],
    "di": ["Ran a TeachMeet", "Teach meet for new staff"],
    "ed": ["Google Workspace rollout", "Rolled out Chromebooks"],
    "fi": ["Workspace for Google fans: a rollout plan"],
    "gil": ["Cloud migration of the MIS", "Migrated shared drives to the cloud"],
    "hu": ["Microsoft Teams meeting etiquette guide", "Teams for pupils"],
    "ivy": ["Digital leaders club", "Pupil digital leaders ran the help desk"],
    "jon": ["Leaders of digital change: a course"],
    "kay": ["Staff training on cyber security", "Cyber security staff training"],
    "lu": ["Code club after school", "Club for code breakers"],
}
QUERIES = [
    "digital skills training", "digital skills", "skills training", "teachmeet", "teach meet",
    "google workspace rollout", "google workspace", "cloud migration", "microsoft teams",
    "digital leaders", "staff training", "cyber security", "code club", "club code",
    "digital", "training", "chromebooks", "MIS", "leaders digital",
]
VIEWER = Viewer("console", "local")


async def _open(url: str) -> App:
    app = App(make_settings(database={"url": url}, scheduler={"enabled": False}))
    await app.open()
    if not app.db.is_sqlite:
        await _truncate_postgres(app)
    return app


@pytest.fixture(params=["ranked in the database", "postings walked to the end",
                        "postings walk given up", "ranked in Python"])
async def both(request: pytest.FixtureRequest, database_url: str, _sqlite_template: Path,
               tmp_path: Path, monkeypatch: pytest.MonkeyPatch
               ) -> AsyncIterator[tuple[App, App]]:
    """The PostgreSQL test database and a fresh SQLite one, loaded with the same
    directory; searched tier by tier in the database (as a large directory is: on
    PostgreSQL walking postings within the cost model's budget, or to their end, or
    giving the walk up after one posting for the look-up), or with the few matches ranked
    in Python (as a small one is)."""
    sqlite_path = tmp_path / "parity.db"
    shutil.copyfile(_sqlite_template, sqlite_path)
    apps = [await _open(f"sqlite:///{sqlite_path}"), await _open(database_url)]
    if request.param != "ranked in Python":
        for app in apps:
            app.services.search.rare_budget = 0
    if request.param == "postings walked to the end":
        monkeypatch.setattr(cost, "walk_budget", lambda _size: 1 << 40)
    if request.param == "postings walk given up":
        monkeypatch.setattr(cost, "walk_budget", lambda _size: 1)
    try:
        for app in apps:
            members = [ImportedMember(handle=h, name=h.title(),
                                      region="Kent" if i % 2 else "Wales",
                                      done=[{"summary": s} for s in done])
                       for i, (h, done) in enumerate(DIRECTORY.items())]
            async with app.db.unit_of_work() as session:
                await DirectoryRepository(session, app.services.search).upsert_imported(
                    members, default_privacy="network")
        yield apps[0], apps[1]
    finally:
        for app in apps:
            await app.close()


async def _answer(app: App, query: str, regions: tuple[str, ...] = (), *,
                  viewer: Viewer = VIEWER, spaces: tuple[tuple[str, str], ...] = ()
                  ) -> list[tuple[str, float, int]]:
    async with app.db.sessions() as session:
        hits: list[PersonHit] = await app.services.search.find_people(
            session, query, viewer=viewer, regions=regions, limit=20, spaces=spaces)
        handles = {m.id: m.handle for m in await session.scalars(select(Member))}
    return [(handles[h.member_id], h.score, len(h.entry_ids)) for h in hits]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_every_query_gets_the_same_people_in_the_same_order(both: tuple[App, App]
                                                                   ) -> None:
    sqlite, postgres = both
    for query in QUERIES:
        expected = await _answer(sqlite, query)
        assert expected, query  # the directory answers every question
        assert await _answer(postgres, query) == expected, query
        assert await _answer(postgres, query, ("kent",)) == await _answer(
            sqlite, query, ("kent",)), query


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_phrase_is_its_words_together_not_its_pairs_apart(both: tuple[App, App]
                                                                   ) -> None:
    sqlite, postgres = both
    for app in both:
        ranked = [handle for handle, *_ in await _answer(app, "digital skills training")]
        # amy wrote the phrase; ben wrote both of its pairs ("digital skills", "skills
        # training"), but apart, and nothing else the idea covers
        assert ranked[0] == "amy"
        assert "ben" not in ranked
    assert await _answer(postgres, "digital skills training") == await _answer(
        sqlite, "digital skills training")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_privacy_and_region_changed_later_apply_to_indexed_entries(
        both: tuple[App, App]) -> None:
    for app in both:
        async with app.db.unit_of_work() as session:
            for member in await session.scalars(select(Member)):
                if member.handle == "kay":
                    member.privacy = "hidden"
                if member.handle == "gil":
                    member.region = "Powys"
        assert "kay" not in [h for h, *_ in await _answer(app, "cyber security")]
        assert [h for h, *_ in await _answer(app, "cloud migration", ("powys",))] == ["gil"]
        async with app.db.unit_of_work() as session:
            kay = await session.scalar(select(Member).where(Member.handle == "kay"))
            assert kay is not None
            kay.privacy = "network"
        assert next(h for h, *_ in await _answer(app, "cyber security")) == "kay"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_space_privacy_across_linked_accounts_and_local_groups(
        both: tuple[App, App]) -> None:
    """`privacy space` members are found from their spaces and by a viewer whose member
    has an account in one of them; a region that names a local group also finds people
    with an account in its spaces. Both engines agree on every query."""
    answers: list[dict[str, list[tuple[str, float, int]]]] = []
    for app in both:
        async with app.db.unit_of_work() as session:
            people = {m.handle: m for m in await session.scalars(select(Member))}
            for handle, platform, space in (("lu", "slack", "T-CAMDEN"),
                                            ("kay", "discord", "G-WALES"),
                                            ("amy", "discord", "G-WALES"),
                                            ("cy", "slack", "T-CAMDEN")):
                session.add(Identity(member_id=people[handle].id, platform=platform,
                                     space_id=space, user_id=f"U-{handle}"))
            people["lu"].privacy = people["kay"].privacy = "space"
            amy = people["amy"].id
        linked = Viewer("console", "local", member_id=amy)  # amy is also in G-WALES
        camden = Viewer("slack", "T-CAMDEN")
        group = (("slack", "T-CAMDEN"),)
        found: dict[str, list[tuple[str, float, int]]] = {}
        for query in QUERIES:
            found[query] = await _answer(app, query)
            found[f"{query} /linked"] = await _answer(app, query, viewer=linked)
            found[f"{query} /camden"] = await _answer(app, query, viewer=camden)
            found[f"{query} /group"] = await _answer(app, query, ("camden",), spaces=group,
                                                     viewer=camden)
        handles = {key: [h for h, *_ in hits] for key, hits in found.items()}
        assert "kay" not in handles["cyber security"] and "lu" not in handles["code club"]
        assert "kay" in handles["cyber security /linked"], "amy shares G-WALES with kay"
        assert "lu" not in handles["code club /linked"]
        assert "lu" in handles["code club /camden"] and "kay" not in handles[
            "cyber security /camden"]
        # no member's region is Camden: the group is its space's accounts (cy and lu)
        assert handles["code club /group"] == ["lu"]
        assert handles["skills training /group"] == ["cy"]
        assert {h for q in QUERIES for h in handles[f"{q} /group"]} == {"cy", "lu"}
        answers.append(found)
    sqlite, postgres = answers
    for key, expected in sqlite.items():
        assert postgres[key] == expected, key


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_entries_deleted_with_their_member_leave_postgresql_index(
        both: tuple[App, App]) -> None:
    """A delete that goes round the index (a cascade from members) still takes the rows
    with it on PostgreSQL, through a trigger. (SQLite's FTS5 cannot cascade: the core
    removes entries through the index, see `bot.expertise.privacy.forget_entries`.)"""
    _, postgres = both
    async with postgres.db.unit_of_work() as session:
        lu = await session.scalar(select(Member).where(Member.handle == "lu"))
        await session.delete(lu)
    assert "lu" not in [h for h, *_ in await _answer(postgres, "code club")]
    async with postgres.db.sessions() as session:
        indexed = await session.scalar(text("SELECT count(*) FROM done_search"))
    assert indexed == sum(len(done) for done in DIRECTORY.values()) - len(DIRECTORY["lu"])
    assert await postings_in_step(postgres)


async def postings_in_step(app: App) -> bool:
    """Whether `search_postings` holds exactly each indexed entry's lexemes."""
    async with app.db.sessions() as session:
        stray = await session.scalar(text(
            "SELECT count(*) FROM ((SELECT term, rank_key FROM search_postings) "
            "EXCEPT ALL (SELECT t, rank_key FROM done_search, "
            "unnest(tsvector_to_array(document)) AS t)) AS s"))
        missing = await session.scalar(text(
            "SELECT count(*) FROM ((SELECT t, rank_key FROM done_search, "
            "unnest(tsvector_to_array(document)) AS t) "
            "EXCEPT ALL (SELECT term, rank_key FROM search_postings)) AS s"))
        held = await session.scalar(text("SELECT count(*) FROM search_postings"))
    return stray == 0 and missing == 0 and held > 0


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_postings_follow_every_write_to_the_index(both: tuple[App, App],
                                                        tmp_path: Path) -> None:
    """PostgreSQL's postings (each lexeme's entries in rank-key order) stay exactly the
    indexed entries' lexemes through an entry added, edited and deleted, a member's
    entries replaced, a bulk import (posted at its end) and a rebuild; and searches
    still agree."""
    sqlite, postgres = both
    assert await postings_in_step(postgres)
    upload = tmp_path / "more.jsonl"
    upload.write_text(json.dumps({"handle": "max", "name": "Max", "region": "Kent", "done": [
        {"summary": "Cyber security staff training days"}, {"summary": "Code club"}]}) + "\n")
    for app in both:
        await import_file(app.db, app.services.search, upload, default_privacy="network")
        async with app.db.unit_of_work() as session:
            directory = DirectoryRepository(session, app.services.search)
            amy = await session.scalar(select(Member).where(Member.handle == "amy"))
            assert amy is not None
            entry = await directory.add_done(amy, "Cyber security audit for governors",
                                             tags=["security"])
            entry.summary = "Cyber security audit for all staff"
            await session.flush()
            await app.services.search.index(session, [entry])
            ivy = await session.scalar(select(Member).where(Member.handle == "ivy"))
            assert ivy is not None
            first = (await directory.done_for(ivy.id))[0]
            await directory.remove_done(first)
            await directory.upsert_imported([ImportedMember(
                handle="jon", name="Jon", region="Kent",
                done=[{"summary": "Digital leaders for staff training"}])],
                default_privacy="network")
    assert await postings_in_step(postgres)
    for query in QUERIES:
        assert await _answer(postgres, query) == await _answer(sqlite, query), query
    async with postgres.db.unit_of_work() as session:
        await postgres.services.search.rebuild(session)
    assert await postings_in_step(postgres)
    for query in QUERIES:
        assert await _answer(postgres, query) == await _answer(sqlite, query), query
