"""The erasure list: one row per platform identity a `forgetme` erased (storage.tombstones)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class Erasure(Base):
    """A keyed hash of one erased identity, and when; nothing else (no name, handle or id)."""

    __tablename__ = "erasures"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    """HMAC-SHA256 (hex) of "platform:space:user" under the deployment's erasure key."""
    key_id: Mapped[str] = mapped_column(String(16))
    """Which key made `digest` (a fingerprint of the key, not the key)."""
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    """The latest erasure of this identity (a later first contact starts afresh)."""
