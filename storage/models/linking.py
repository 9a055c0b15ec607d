"""Linking accounts: one-time codes (their mark comes from the deployment's id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow


class LinkCode(Base):
    """A code one account made (`link`) for another account of the same person to say
    (`link CODE`). Only a hash of the code is kept; rows stay a day after they stop working,
    so how many codes an account made in the last hour can be counted.

    status: live -> used | replaced (a newer code) | cancelled (`link cancel`).
    """

    __tablename__ = "link_codes"
    __table_args__ = (Index("ix_link_codes_account", "platform", "space_id", "user_id",
                            "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    """The member who made it (so erasing them erases their codes)."""
    platform: Mapped[str] = mapped_column(String(16))
    space_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    """The account that made it: the code proves it."""
    status: Mapped[str] = mapped_column(String(16), default="live")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

