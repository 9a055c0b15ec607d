"""What a bulk import leaves behind for the searches that follow it."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from bot.app import App
from bot.directory_io import import_file
from bot.events import Caller, TextMessage
from bot.render_text import render_text

ROWS = [{"handle": f"b{n}", "name": f"Member {n}", "region": "Kent",
         "done": [{"summary": f"Chromebook rollout for school {n}"},
                  {"summary": f"Ran a TeachMeet at hub {n}"}]} for n in range(50)]


async def test_import_leaves_postgres_vacuumed_and_analysed(app: App, tmp_path: Path) -> None:
    """PostgreSQL: the import's VACUUM (ANALYZE) ran after it committed, on the tables the
    search reads, so the first searches neither meet stale statistics nor race autovacuum.
    SQLite: the import is simply searchable."""
    path = tmp_path / "members.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    async with app.db.sessions() as session:
        started = (await session.execute(text(
            "SELECT datetime('now')" if app.db.is_sqlite else "SELECT now()"))).scalar_one()

    result = await import_file(app.db, app.services.search, path, default_privacy="network")

    assert result.created == len(ROWS)
    if not app.db.is_sqlite:
        async with app.db.sessions() as session:
            rows = (await session.execute(text(
                "SELECT relname FROM pg_stat_user_tables WHERE relname IN "
                "('members', 'done_entries', 'done_search', 'search_vocab') "
                "AND last_vacuum >= :t AND last_analyze >= :t"), {"t": started})).all()
        assert sorted(r[0] for r in rows) == [
            "done_entries", "done_search", "members", "search_vocab"]
    reply = render_text(await app.core.handle_text(TextMessage(
        Caller("console", "local", "tester"), "whodone chromebook rollout limit=3")))
    assert reply.count("Chromebook rollout for school") == 3
