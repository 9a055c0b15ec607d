"""The library's part of `mydata` and `forgetme`: the pins a member suggested or added."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import actor_label
from storage.models import Identity
from storage.repositories.resources import PinRepository


async def export_pins(session: AsyncSession, member_id: int) -> list[dict[str, Any]]:
    return [{"id": p.id, "url": p.url, "title": p.title, "status": p.status,
             "created_at": p.created_at.isoformat()}
            for p in await PinRepository(session).added_by(member_id)]


async def forget_pins(session: AsyncSession, member_id: int) -> None:
    identities = await session.scalars(select(Identity).where(Identity.member_id == member_id))
    labels = [actor_label(i) for i in identities]
    await PinRepository(session).forget_member(member_id, labels)
