"""Reading the audit log (writes go through `Context.audit` in the command's unit of work)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def recent(self, *, limit: int = 20, action: str | None = None,
                     offset: int = 0) -> list[AuditEntry]:
        """Newest first; `action` matches exactly, or as a prefix when it ends with "*"
        or "." ("pin." for every pin action); `offset` skips that many (a later page)."""
        query = select(AuditEntry).where(*self._matching(action))
        rows = await self.session.scalars(
            query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
            .offset(offset))
        return list(rows)

    async def count(self, *, action: str | None = None) -> int:
        return await self.session.scalar(
            select(func.count()).select_from(AuditEntry).where(*self._matching(action))) or 0

    @staticmethod
    def _matching(action: str | None) -> list[Any]:
        if not action:
            return []
        if action.endswith(("*", ".")):
            return [AuditEntry.action.startswith(action.rstrip("*"), autoescape=True)]
        return [AuditEntry.action == action]
