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

    assert await who(app, "digital leaders") == ["amy"]
    assert await who(app, "leaders", ("kent",)) == ["ben"]
    if postgres:
        analyser = app.services.search.analyser
        async with app.db.sessions() as session:
            for entry in await session.scalars(select(DoneEntry)):
                expected = postgres_document(analyser.document_terms([entry.summary])[0])
                assert await session.scalar(text(
                    "SELECT document = CAST(:d AS tsvector) FROM done_search "
                    "WHERE entry_id = :id"), {"d": expected, "id": entry.id})
