"""Slack events already handled, so a retried delivery is never processed twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class SlackEventSeen(Base):
    """One Slack `event_id`, recorded by the first copy of the bot that took it.

    The row lives in the database rather than in memory so that a second running copy (or
    a restart) also recognises Slack's retries; rows past `expires_at` are purged.
    """

    __tablename__ = "slack_events_seen"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
