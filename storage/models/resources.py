"""The resource library: pins (published resources and members' suggestions)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow

# Field limits, shared with the core's validation so both say the same thing.
PIN_URL_MAX = 2000
PIN_TITLE_MAX = 200
PIN_DESCRIPTION_MAX = 2000
PIN_TAG_MAX = 40
PIN_TAGS_MAX = 10
REASON_MAX = 500

LIVE_STATUSES = ("pending", "published")
"""A URL may be live only once: waiting for review, or in the library."""


class Pin(Base):
    """One resource: a suggestion (pending), a library entry (published), or history
    (rejected, removed). `url_key` identifies the resource whatever tracking junk, case or
    trailing slash the URL came with; it is unique among live pins."""

    __tablename__ = "pins"
    __table_args__ = (
        Index("uq_pins_live_url_key", "url_key", unique=True,
              sqlite_where=text("status IN ('pending', 'published')"),
              postgresql_where=text("status IN ('pending', 'published')")),
        Index("ix_pins_status_published_at", "status", "published_at"),
        Index("ix_pins_shelf", "shelf_platform", "shelf_space", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(PIN_URL_MAX))
    url_key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(PIN_TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    tag_index: Mapped[str] = mapped_column(String(600), default="")
    """"|tag1|tag2|": lets a tag filter be one portable LIKE."""
    status: Mapped[str] = mapped_column(String(16), default="pending")
    """pending -> published | rejected; published -> removed."""
    added_by_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True, index=True)
    added_by_platform: Mapped[str] = mapped_column(String(16), default="")
    added_by_space: Mapped[str] = mapped_column(String(64), default="")
    added_by_user: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reviewed_by: Mapped[str] = mapped_column(String(200), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reject_reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")
    shelf_platform: Mapped[str] = mapped_column(String(16), default="", server_default="")
    shelf_space: Mapped[str] = mapped_column(String(64), default="", server_default="")
    """The shelf the pin is on: a space's (its platform and id), or the network's ("", "")."""
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """When a network moderator moved it from a space's shelf to the network's."""
    promotion_asked_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    """Who proposed it for the network's shelf (an actor label), for network moderators."""
    promotion_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    link_status: Mapped[str] = mapped_column(String(16), default="unchecked")
    """unchecked | ok | failing | dead (for moderators to review)."""
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")

    @property
    def shelf(self) -> tuple[str, str]:
        """(platform, space_id) of its space's shelf; ("", "") for the network's."""
        return (self.shelf_platform or "", self.shelf_space or "")

    @property
    def on_network_shelf(self) -> bool:
        return not self.shelf_platform

    def snapshot(self) -> dict[str, object]:
        """What the audit log records as before/after."""
        return {"id": self.id, "url": self.url, "title": self.title,
                "description": self.description, "tags": list(self.tags or []),
                "status": self.status,
                "shelf": f"{self.shelf_platform}:{self.shelf_space}" if self.shelf_platform
                else "network"}
