"""Migration 0018 (per-destination delivery records): down to the revision before it and
up again on a database holding due work, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.app import App
from storage.db import alembic_config
from storage.repositories.due_work import DueWorkRepository
from tests.storage.test_migrations import migrate

SCRIPT = ScriptDirectory.from_config(alembic_config(None))
BEFORE = SCRIPT.get_revision("0018_deliveries").down_revision
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def tables(app: App) -> set[str]:
    async with app.db.engine.connect() as conn:
        return await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))


async def test_down_and_up_again_keeps_due_work(app: App) -> None:
    assert isinstance(BEFORE, str)
    async with app.db.unit_of_work() as session:
        work = await DueWorkRepository(session).plan("k", "x", T0)
        await DueWorkRepository(session).record_deliveries([(work.id, "t", "sent", T0)])
    await migrate(app, command.downgrade, BEFORE)
    assert "due_deliveries" not in await tables(app)
    await migrate(app, command.upgrade, "heads")
    assert "due_deliveries" in await tables(app)
    async with app.db.sessions() as session:
        repo = DueWorkRepository(session)
        kept = await repo.get("k", "x")
        assert kept is not None and await repo.reached(kept.id) == set()
