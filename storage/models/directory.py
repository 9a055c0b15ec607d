"""The directory: members, where they are known, what they have done and want to learn."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from storage.models.teachmeets import TeachMeet

# Field limits, shared with the core's validation so both say the same thing.
HANDLE_MAX = 64
NAME_MAX = 120
SHORT_MAX = 200
BIO_MAX = 2000
SUMMARY_MAX = 500
LINK_MAX = 2000
LESSON_MAX = 500
"""Each of an entry's lessons (what worked, what I'd do differently, cost and effort)."""
LESSONS = ("worked", "differently", "cost")
"""The lesson fields of a done entry, in the order they are shown and indexed."""


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (Index("ix_members_region_lower", text("lower(region)")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(HANDLE_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    role: Mapped[str] = mapped_column(String(SHORT_MAX), default="")
    organisation: Mapped[str] = mapped_column(String(SHORT_MAX), default="")
    region: Mapped[str] = mapped_column(String(SHORT_MAX), default="", index=True)
    bio: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="")
    privacy: Mapped[str] = mapped_column(String(16), default="network")
    web_listing: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Opted in to their name on the public web pages (only counts with privacy network)."""
    introduced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    identities: Mapped[list[Identity]] = relationship(
        back_populates="member", cascade="all, delete-orphan", passive_deletes=True)
    done: Mapped[list[DoneEntry]] = relationship(
        back_populates="member", cascade="all, delete-orphan", passive_deletes=True,
        order_by="DoneEntry.id")
    interests: Mapped[list[Interest]] = relationship(
        back_populates="member", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Interest.id")


class Identity(Base):
    """One account on one platform in one space; a member may have several."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "space_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    platform: Mapped[str] = mapped_column(String(16))
    space_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(back_populates="identities")


class DoneEntry(Base):
    """Something a member has done: the unit that "who's done X" searches."""

    __tablename__ = "done_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    link: Mapped[str] = mapped_column(String(LINK_MAX), default="")
    worked: Mapped[str] = mapped_column(String(LESSON_MAX), default="", server_default="")
    """What worked (free text, optional): searchable, weighted below the summary."""
    differently: Mapped[str] = mapped_column(String(LESSON_MAX), default="",
                                             server_default="")
    """What I'd do differently."""
    cost: Mapped[str] = mapped_column(String(LESSON_MAX), default="", server_default="")
    """Cost and effort, in the member's words."""
    lessons_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    """When the lessons were last written (the digest's "new lessons"); None: none yet."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    teachmeet_id: Mapped[int | None] = mapped_column(
        ForeignKey("teachmeets.id", ondelete="SET NULL"), nullable=True)
    """A talk given at this teach-meet (the entry outlives the event, losing the link)."""

    member: Mapped[Member] = relationship(back_populates="done")
    teachmeet: Mapped[TeachMeet | None] = relationship(lazy="selectin")
    """Loaded with the entry (one query for a page of entries, none when no entry is a
    talk), so every list can say "talk at <event>"."""

    @property
    def lessons(self) -> dict[str, str]:
        """The lessons given, by field name, in `LESSONS` order (empty ones left out)."""
        return {name: value for name in LESSONS if (value := getattr(self, name) or "")}


class Interest(Base):
    """Something a member wants to learn. Never searched as something they have done."""

    __tablename__ = "interests"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    text: Mapped[str] = mapped_column(String(SUMMARY_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(back_populates="interests")
