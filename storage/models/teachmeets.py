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
RULE_MAX = 300
FEED_TOKEN_MAX = 64


class TeachMeetSeries(Base):
    """A repeating teach-meet: an RRULE from `first_start` (in `timezone`), and what each
    meeting copies (`template`). Each meeting is a TeachMeet row of its own (own RSVPs,
    waitlist, talks, reminders), made ahead up to `planned_until`."""

    __tablename__ = "teachmeet_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                              index=True)
    rule: Mapped[str] = mapped_column(String(RULE_MAX))
    """RFC 5545 RRULE without DTSTART, e.g. "FREQ=MONTHLY;BYDAY=1TH"."""
    first_start: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    template: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """What a new meeting copies: title, description, venue, online_url, region, capacity,
    slots, duration_minutes, platform, space_id, channel_id."""
    planned_until: Mapped[datetime] = mapped_column(UTCDateTime)
    """Meetings starting up to here exist as rows."""
    status: Mapped[str] = mapped_column(String(16), default="active")
    """active | ended (every meeting exists) | cancelled."""
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TeachMeet(Base):
    """One event, or one meeting of a series. `starts_at` is UTC; `timezone` is the zone it
    was arranged in, used for its calendar entry and its channel posts. `sequence` counts
    changes (iCalendar). A meeting of a series has `series_id` and `recurrence_id` (the
    start its series' rule gives it, which stays its identity if it is moved)."""

    __tablename__ = "teachmeets"
    __table_args__ = (Index("ix_teachmeets_status_starts_at", "status", "starts_at"),
                      UniqueConstraint("series_id", "recurrence_id"))

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
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("teachmeet_series.id", ondelete="CASCADE"), nullable=True, index=True)
    recurrence_id: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
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


class TeachMeetFollowup(Base):
    """After a teach-meet: a presenter's invitation to add their talk to their profile, or
    an attendee's "what I'll try". One per (event, member, role), so a second running copy
    or a repeated delivery never invites twice.

    status: sent -> accepted (entry added / takeaway recorded)."""

    __tablename__ = "teachmeet_followups"
    __table_args__ = (UniqueConstraint("teachmeet_id", "member_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    teachmeet_id: Mapped[int] = mapped_column(
        ForeignKey("teachmeets.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    role: Mapped[str] = mapped_column(String(16))
    """presenter | attendee."""
    status: Mapped[str] = mapped_column(String(16), default="sent")
    takeaway: Mapped[str] = mapped_column(Text, default="")
    """An attendee's "what I'll try"."""
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("done_entries.id", ondelete="SET NULL"), nullable=True)
    """The done entry a presenter's talk became."""
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TeachMeetFeed(Base):
    """A member's personal calendar feed: the unguessable token in its address."""

    __tablename__ = "teachmeet_feeds"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)
    token: Mapped[str] = mapped_column(String(FEED_TOKEN_MAX), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeploymentFact(Base):
    """Facts about this deployment, made once: "id" (a random UUID) names its calendar
    entries, so UIDs stay the same when the network is renamed and differ between
    deployments."""

    __tablename__ = "deployment_facts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class PendingAction(Base):
    """A command waiting for its caller's answer: a preview to confirm, or a question with
    `options` to pick from. Buttons name it by id (a Discord button holds 100 characters, not
    the whole command); a typed "yes" can later answer the caller's latest one. Used once,
    then deleted; ignored after `expires_at`."""

    __tablename__ = "pending_actions"
    __table_args__ = (Index("ix_pending_actions_caller", "platform", "space_id", "user_id"),
                      {"sqlite_autoincrement": True})
    """Ids are never reused (SQLite would reuse the highest after a delete), so an old
    button can never answer a newer preview."""

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    space_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    command: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """The command's arguments, exact (a start as an ISO time with its offset)."""
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """For a question: the arguments each choice adds (button `pick`: its index)."""
    question: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
