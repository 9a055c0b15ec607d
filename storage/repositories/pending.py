"""Pending actions: commands waiting for their caller's yes or choice. Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PendingAction


class PendingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *, platform: str, space_id: str, user_id: str, command: str,
                  args: dict[str, Any], now: datetime, expires_at: datetime,
                  options: list[dict[str, Any]] | None = None,
                  question: str = "") -> PendingAction:
        """Keep one more; expired ones (anyone's) are cleared on the way."""
        await self.session.execute(delete(PendingAction).where(
            PendingAction.expires_at < now))
        action = PendingAction(platform=platform, space_id=space_id, user_id=user_id,
                               command=command, args=args, options=options or [],
                               question=question, created_at=now, expires_at=expires_at)
        self.session.add(action)
        await self.session.flush()
        return action

    async def take(self, action_id: int, *, platform: str, space_id: str, user_id: str,
                   now: datetime, keep: bool = False) -> PendingAction | None:
        """The caller's own unexpired action, locked and (unless `keep`) deleted, so it is
        answered once however often its button is pressed."""
        action = await self.session.scalar(
            select(PendingAction).where(
                PendingAction.id == action_id, PendingAction.platform == platform,
                PendingAction.space_id == space_id, PendingAction.user_id == user_id,
                PendingAction.expires_at >= now).with_for_update())
        if action is not None and not keep:
            await self.session.delete(action)
            await self.session.flush()
        return action

    async def latest(self, *, platform: str, space_id: str, user_id: str,
                     now: datetime) -> PendingAction | None:
        """The caller's most recent unexpired action (what a bare "yes" would answer)."""
        return await self.session.scalar(
            select(PendingAction).where(
                PendingAction.platform == platform, PendingAction.space_id == space_id,
                PendingAction.user_id == user_id, PendingAction.expires_at >= now)
            .order_by(PendingAction.id.desc()).limit(1))
