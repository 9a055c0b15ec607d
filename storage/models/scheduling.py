"""Due work: the database's record of every timed thing that must happen once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow


class DueWork(Base):
    """One timed delivery (a reminder, a digest, a nudge); the scheduler only wakes it.

    `kind` picks the handler; `key` makes it unique within the kind (for example
    "teachmeet:12:reminder:1440"), so re-planning the same thing is an upsert, never a
    second row. `payload` carries ids only, never objects.
    """

    __tablename__ = "due_work"
    __table_args__ = (
        UniqueConstraint("kind", "key"),
        Index("ix_due_work_pending", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    """pending -> done | dropped | cancelled | failed."""
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DueDelivery(Base):
    """One destination of a due item that has been dealt with: sent, or refused for good.

    Written straight after each send, so a copy that crashes half-way through an item's
    destinations leaves a record of the ones it reached and the next copy sends only the
    rest. `target` names the destination (platform, space, channel or user); the rows go
    with their item (and are cleared when the item is planned for a new time).
    """

    __tablename__ = "due_deliveries"
    __table_args__ = (UniqueConstraint("work_id", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("due_work.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(300))
    outcome: Mapped[str] = mapped_column(String(16))
    """sent | refused (the platform refused for good: not retried)."""
    at: Mapped[datetime] = mapped_column(UTCDateTime)
