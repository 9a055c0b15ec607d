"""Teach-meets: events, who is coming, and who is presenting what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow

TITLE_MAX = 200
VENUE_MAX = 300
TALK_TITLE_MAX = 200
REASON_MAX = 500


class TeachMeet(Base):
    """One event. `starts_at` is UTC; `timezone` is the zone it was arranged in, used for
    its calendar entry and its channel posts. `sequence` counts changes (iCalendar)."""

    __tablename__ = "teachmeets"
    __table_args__ = (Index("ix_teachmeets_status_starts_at", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    organiser_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                              index=True)
    platform: Mapped[str] = mapped_column(String(16))
    space_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64), default="")
    """Where the event was announced and where its reminders are posted ("" for none)."""
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    venue: Mapped[str] = mapped_column(String(VENUE_MAX), default="")
    online_url: Mapped[str] = mapped_column(String(2000), default="")
    region: Mapped[str] = mapped_column(String(200), default="", index=True)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """Places for people going; None means no limit."""
    slots: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """Presenter slots: [{"type": "nano", "count": 4, "minutes": 2}, ...]."""
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    """scheduled | cancelled."""
    cancel_reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TeachMeetRsvp(Base):
    """A member's answer. `answer` is going | maybe | not_going | waitlist; `answered_at`
    orders the waitlist (first come, first promoted)."""

    __tablename__ = "teachmeet_rsvps"
    __table_args__ = (UniqueConstraint("teachmeet_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    teachmeet_id: Mapped[int] = mapped_column(
        ForeignKey("teachmeets.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    answer: Mapped[str] = mapped_column(String(16))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TeachMeetTalk(Base):
    """A presenter's claimed slot. `drawn` is its place in the running order once the
    "fruit machine" has picked it (None until then)."""

    __tablename__ = "teachmeet_talks"
    __table_args__ = (UniqueConstraint("teachmeet_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    teachmeet_id: Mapped[int] = mapped_column(
        ForeignKey("teachmeets.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(TALK_TITLE_MAX))
    minutes: Mapped[int] = mapped_column(Integer)
    drawn: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
