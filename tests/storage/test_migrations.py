"""Migrations on a database that already holds a directory, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import select, text

from bot.app import App
from storage.db import alembic_config
from storage.models import DoneEntry, Member
from storage.repositories.directory import DirectoryRepository, ImportedMember
from storage.search import Viewer
from storage.search.index import postgres_document

BEFORE_SEARCH_SPEED = "0006_merge_capabilities"


async def migrate(app: App, action: Callable[[Config, str], None], target: str) -> None:
    def run(connection: Any) -> None:
        action(alembic_config(connection), target)

    async with app.db.engine.begin() as conn:
        await conn.run_sync(run)
    await app.db.engine.dispose()  # no connection keeps statements prepared on the old tables


async def who(app: App, query: str, regions: tuple[str, ...] = ()) -> list[str]:
    async with app.db.sessions() as session:
        hits = await app.services.search.find_people(
            session, query, viewer=Viewer("console", "local"), regions=regions)
        handles = {m.id: m.handle for m in await session.scalars(select(Member))}
    return [handles[h.member_id] for h in hits]


async def test_search_rows_are_rebuilt_when_upgrading_past_0007(app: App) -> None:
    members = [ImportedMember(handle="amy", name="Amy", region="Wales",
                              done=[{"summary": "Digital leaders club"}]),
               ImportedMember(handle="ben", name="Ben", region="Kent",
                              done=[{"summary": "Leaders of digital change"}])]
    async with app.db.unit_of_work() as session:
        await DirectoryRepository(session, app.services.search).upsert_imported(
            members, default_privacy="network")
    app.services.search.rare_budget = 0  # read tier by tier, as at scale
    postgres = not app.db.is_sqlite

    await migrate(app, command.downgrade, BEFORE_SEARCH_SPEED)
    try:
        if postgres:
            async with app.db.sessions() as session:
                pairs = await session.scalar(text(
                    "SELECT count(*) FROM done_search, unnest(document) AS u "
                    "WHERE strpos(u.lexeme, '_') > 0"))
                columns = set(await session.scalars(text(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = 'done_search'")))
            assert pairs == 0
            assert {"privacy", "region"}.isdisjoint(columns)
    finally:  # later tests share this database
        await migrate(app, command.upgrade, "heads")
        await app.services.search.ensure_current(app.db)  # as every start does

    # the phrase first; "Leaders of digital change" has both words, so it may follow
    assert (await who(app, "digital leaders"))[0] == "amy"
    assert await who(app, "leaders", ("kent",)) == ["ben"]
    if postgres:
        analyser = app.services.search.analyser
        async with app.db.sessions() as session:
            for entry in await session.scalars(select(DoneEntry)):
                expected = postgres_document(analyser.document_terms([entry.summary])[0])
                assert await session.scalar(text(
                    "SELECT document = CAST(:d AS tsvector) FROM done_search "
                    "WHERE entry_id = :id"), {"d": expected, "id": entry.id})


async def test_question_threads_come_and_go_without_losing_answers(app: App) -> None:
    """0023 adds `questions.thread_id`; taking it away must not copy the table (on SQLite
    that would delete the question's recipients and answers through their foreign keys)."""
    from datetime import UTC, datetime

    from storage.models import Question, QuestionAnswer, QuestionRecipient

    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    async with app.db.unit_of_work() as session:
        ann, bob = Member(handle="ann", name="Ann"), Member(handle="bob", name="Bob")
        session.add_all([ann, bob])
        await session.flush()
        question = Question(asker_id=ann.id, text="Chromebooks?", topic="Chromebooks",
                            public=True, platform="slack", space_id="T1", channel_id="C1",
                            thread_id="1.0001", created_at=now, expires_at=now)
        session.add(question)
        await session.flush()
        session.add_all([QuestionRecipient(question_id=question.id, member_id=bob.id,
                                           asked_at=now),
                         QuestionAnswer(question_id=question.id, answerer_id=bob.id,
                                        text="Cases.", created_at=now)])
    await migrate(app, command.downgrade, "0018_deliveries")
    await migrate(app, command.upgrade, "heads")
    async with app.db.sessions() as session:
        [kept] = list(await session.scalars(select(Question)))
        assert kept.thread_id == ""  # the reference went with the column; answers post
        assert len(list(await session.scalars(select(QuestionAnswer)))) == 1
        assert len(list(await session.scalars(select(QuestionRecipient)))) == 1


async def test_postings_are_filled_from_the_index_when_upgrading_past_0025(app: App) -> None:
    """0025 builds PostgreSQL's postings from the documents already indexed, and its
    trigger takes an entry's postings with its row (also when a member's deletion
    cascades round the index); going down drops them. SQLite: nothing to build."""
    from tests.storage.test_search_parity import postings_in_step

    members = [ImportedMember(handle="amy", name="Amy", region="Wales",
                              done=[{"summary": "Digital leaders club"},
                                    {"summary": "Google Workspace rollout"}]),
               ImportedMember(handle="ben", name="Ben", region="Kent",
                              done=[{"summary": "Leaders of digital change"}])]
    async with app.db.unit_of_work() as session:
        await DirectoryRepository(session, app.services.search).upsert_imported(
            members, default_privacy="network")
    await migrate(app, command.downgrade, "0024_erasure_tombstones")
    try:
        if not app.db.is_sqlite:
            async with app.db.sessions() as session:
                assert await session.scalar(
                    text("SELECT to_regclass('search_postings')")) is None
    finally:
        await migrate(app, command.upgrade, "heads")
    app.services.search.rare_budget = 0  # read tier by tier, walking postings
    assert await who(app, "digital leaders") == ["amy", "ben"]
    if app.db.is_sqlite:
        return
    assert await postings_in_step(app)
    async with app.db.unit_of_work() as session:
        amy = await session.scalar(select(Member).where(Member.handle == "amy"))
        await session.delete(amy)
    assert await postings_in_step(app)
    assert await who(app, "digital leaders") == ["ben"]
