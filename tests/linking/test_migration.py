"""Migration 0015 (link codes, shelves on pins): down to the revision before it and up
again on a database holding pins and a code, on SQLite and PostgreSQL; pins come back on
the network's shelf, and the chain has one head."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.app import App
from bot.testing import MODERATOR, FakeAdapter
from storage.db import alembic_config
from storage.models import Pin
from tests.linking.helpers import code_for, count
from tests.storage.test_migrations import migrate

SCRIPT = ScriptDirectory.from_config(alembic_config(None))
BEFORE = SCRIPT.get_revision("0015_linking_shelves").down_revision
"""The revision 0015 follows (the chain is re-ordered as branches land)."""


async def _schema(app: App) -> tuple[set[str], set[str]]:
    async with app.db.engine.connect() as conn:
        return await conn.run_sync(lambda sync: (
            set(inspect(sync).get_table_names()),
            {c["name"] for c in inspect(sync).get_columns("pins")}))


def test_the_chain_has_one_head() -> None:
    assert len(SCRIPT.get_heads()) == 1 and isinstance(BEFORE, str)


async def test_down_and_up_again_keeps_pins(app: App, chat: FakeAdapter) -> None:
    pinned = await chat.say("pin https://example.org/robots Robot lessons", user=MODERATOR)
    assert pinned.tone == "success", pinned.plain_text()
    await code_for(chat, "ceri")
    await migrate(app, command.downgrade, BEFORE)
    tables, columns = await _schema(app)
    assert "link_codes" not in tables and "shelf_space" not in columns
    await migrate(app, command.upgrade, "head")
    tables, columns = await _schema(app)
    assert "link_codes" in tables and {"shelf_platform", "shelf_space"} <= columns
    assert await count(app, Pin, Pin.shelf_platform == "") == 1
    assert "Robot lessons" in (await chat.say("pins", user="ceri")).plain_text()
