"""`staffroom db reindex`: rebuild the "who's done X" index with this version's analysis.

The index is rebuilt by itself at start when the analysis that built it differs from the
running code's (a new release of the stemmer, changed word rules); this does it on demand,
with a progress bar, e.g. after restoring an old backup or to check the index is whole.
`bot.main` adds the parser and calls the handler.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings


def add_db_parsers(db_sub: argparse._SubParsersAction) -> None:
    db_sub.add_parser("reindex", help="rebuild the search index of done entries (also done "
                                      "on start when the text analysis has changed)")


def _progress_bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\rRe-indexing [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


async def cmd_reindex(_args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import App

    app = App(settings)
    try:
        await app.db.upgrade()  # not app.open(): that would rebuild a stale index twice
        search = app.services.search
        async with app.db.unit_of_work() as session:
            await search.engine.exclusive(session)
            count = await search.rebuild(
                session, progress=_progress_bar if sys.stderr.isatty() else None)
        await app.db.settle()
        print(f"Re-indexed {count} done entries ({search.version}).")
        return 0
    finally:
        await app.close()


DB_COMMANDS = {"reindex": cmd_reindex}
