"""Small readers for the library tests (rows in the database, titles in replies)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import App
from bot.replies import ItemList, Reply
from storage.models import AuditEntry, Pin

MOD = "U-MOD"


async def pins(app: App) -> list[Pin]:
    async with app.db.sessions() as session:
        return list(await session.scalars(select(Pin).order_by(Pin.id)))


async def pin_row(app: App, pin_id: int) -> Pin | None:
    async with app.db.sessions() as session:
        return await session.get(Pin, pin_id)


async def audit_rows(app: App, action: str | None = None) -> list[AuditEntry]:
    async with app.db.sessions() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        return list(await session.scalars(query))


async def count_pins(app: App) -> int:
    async with app.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Pin)) or 0


def listed(reply: Reply) -> list[str]:
    """Titles of the first list in a reply, without their "#id " prefix."""
    lists = [b for b in reply.blocks if isinstance(b, ItemList)]
    return [item.title.split(" ", 1)[1] for item in lists[0].items] if lists else []
