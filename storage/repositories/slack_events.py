"""Recording Slack event ids atomically, so exactly one copy of the bot handles each."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SlackEventSeen


class SlackEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_sighting(self, event_id: str, team_id: str, now: datetime,
                             keep: timedelta) -> bool:
        """Record the event id; True only for the first caller, in any copy of the bot.

        An INSERT .. ON CONFLICT DO NOTHING is atomic on both backends, so two copies
        receiving the same retry race safely: one row, one winner.
        """
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(SlackEventSeen).values(
            event_id=event_id[:64], team_id=team_id[:32], seen_at=now, expires_at=now + keep,
        ).on_conflict_do_nothing(index_elements=["event_id"])
        result = await self.session.execute(statement)
        return result.rowcount == 1

    async def purge(self, now: datetime) -> int:
        """Forget event ids past their expiry (Slack stops retrying within minutes)."""
        result = await self.session.execute(
            delete(SlackEventSeen).where(SlackEventSeen.expires_at < now))
        return result.rowcount or 0
