"""The expertise capability's part of `mydata` and `forgetme`: done entries (with their
lessons) and their index."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories.directory import DirectoryRepository
from storage.search import SearchIndex


def _directory(session: AsyncSession) -> DirectoryRepository:
    return DirectoryRepository(session, SearchIndex(session.bind.dialect.name))


async def export_entries(session: AsyncSession, member_id: int) -> list[dict[str, Any]]:
    return [{"id": e.id, "summary": e.summary, "tags": e.tags, "year": e.year, "link": e.link,
             "teachmeet_id": e.teachmeet_id, **e.lessons,
             **({"lessons_at": e.lessons_at.isoformat()} if e.lessons_at else {}),
             "created_at": e.created_at.isoformat()}
            for e in await _directory(session).done_for(member_id)]


async def forget_entries(session: AsyncSession, member_id: int) -> None:
    """Delete the member's entries and their search-index rows (FTS5 has no cascade)."""
    directory = _directory(session)
    for entry in await directory.done_for(member_id):
        await directory.remove_done(entry)
