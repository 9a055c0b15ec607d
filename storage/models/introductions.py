"""Introductions: members' choices, double opt-in meet requests and peer-pairing history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow

TOPIC_MAX = 300


class IntroductionPrefs(Base):
    """A member's choices about being approached: meet requests and peer pairing."""

    __tablename__ = "introduction_prefs"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    meet_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    pairing: Mapped[bool] = mapped_column(Boolean, default=False)
    """Opted in to peer pairing."""
    pairing_paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MeetRequest(Base):
    """One "I'd like to hear about your X" request; nothing opens until the expert accepts.

    status: pending -> accepted | declined | not_now | expired.
    """

    __tablename__ = "meet_requests"
    __table_args__ = (Index("ix_meet_requests_expert_created", "expert_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                          index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(TOPIC_MAX))
    platform: Mapped[str] = mapped_column(String(16))
    """Where the asker asked from: the expert is reached there first."""
    space_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PairingRound(Base):
    """One pairing round per period key ("2026-11"): the unique key makes a round run once."""

    __tablename__ = "pairing_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PairingMatch(Base):
    """A pair (or, with an odd number, a group of three) matched in a round: the history that
    stops pairs repeating."""

    __tablename__ = "pairing_matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("pairing_rounds.id", ondelete="CASCADE"),
                                          index=True)
    first_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                          index=True)
    second_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    third_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), nullable=True, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    """Why they were matched, as told to them (mentions topics, never private data)."""


class PairingCheckin(Base):
    """A week after a pairing, "Did you meet?" to each member of the group: one row each.

    answer: None (not answered) | yes | not_yet | skip. A group where someone said "not
    yet" and nobody "yes" may be paired again; two unanswered check-ins in a row pause the
    member's pairing."""

    __tablename__ = "pairing_checkins"
    __table_args__ = (UniqueConstraint("match_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("pairing_matches.id", ondelete="CASCADE"),
                                          index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    answer: Mapped[str | None] = mapped_column(String(16), nullable=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
