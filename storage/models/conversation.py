"""Questions the bot is waiting for a member to answer ("Delete everything? yes/no").

Kept in the database, not in memory, because the answer may reach another running copy of
the bot (a second copy sharing PostgreSQL, or this one after a restart).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class PendingQuestion(Base):
    """The one open question for one account (platform, space, user): a newer question
    replaces it; answering it, or `expires_at` passing, ends it. `token` changes with every
    question, so taking an answer deletes exactly the question that was matched."""

    __tablename__ = "pending_questions"
    __table_args__ = (UniqueConstraint("platform", "space_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    space_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(String(32))
    question: Mapped[dict[str, Any]] = mapped_column(JSON)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
