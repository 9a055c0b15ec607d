"""Migration 0011 (series, feeds, deployment id, pending actions): down and up again on a
database holding teach-meets, on SQLite and PostgreSQL, without losing them."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from bot.app import App
from bot.testing import FakeAdapter
from storage.models import TeachMeet
from tests.storage.test_migrations import migrate
from tests.teachmeets.support import create, meet, rows

BEFORE = "0008_members_region_lower"
NEW_TABLES = {"teachmeet_series", "teachmeet_feeds", "deployment_facts", "pending_actions"}


async def tables_and_columns(app: App) -> tuple[set[str], set[str]]:
    async with app.db.engine.connect() as conn:
        return await conn.run_sync(lambda sync: (
            set(inspect(sync).get_table_names()),
            {c["name"] for c in inspect(sync).get_columns("teachmeets")}))


async def test_down_and_up_again_keeps_teachmeets(app: App, chat: FakeAdapter) -> None:
    await create(chat)
    await migrate(app, command.downgrade, BEFORE)
    tables, columns = await tables_and_columns(app)
    assert not NEW_TABLES & tables and "series_id" not in columns
    await migrate(app, command.upgrade, "head")
    tables, columns = await tables_and_columns(app)
    assert tables >= NEW_TABLES and {"series_id", "recurrence_id"} <= columns
    kept = await meet(app)
    assert (kept.title, kept.series_id, kept.recurrence_id) == ("Autumn TeachMeet", None, None)
    await create(chat, "teachmeet create Monthly every first Thursday of the month 4pm")
    assert len(await rows(app, TeachMeet)) > 2
