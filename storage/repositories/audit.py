"""Reading the audit log (writes go through `Context.audit` in the command's unit of work)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def recent(self, *, limit: int = 20, action: str | None = None) -> list[AuditEntry]:
        """Newest first; `action` matches exactly, or as a prefix when it ends with "*"
        or "." ("pin." for every pin action)."""
        query = select(AuditEntry)
        if action:
            if action.endswith(("*", ".")):
                prefix = action.rstrip("*")
                query = query.where(AuditEntry.action.startswith(prefix, autoescape=True))
            else:
                query = query.where(AuditEntry.action == action)
        rows = await self.session.scalars(
            query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
        return list(rows)
