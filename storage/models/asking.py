"""Questions to the network: who was asked, and the answers (each also a "has done" entry)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow

QUESTION_MAX = 500
ANSWER_MAX = 2000


class Question(Base):
    """One `ask`: open until the asker closes it (marking an answer helpful, or not) or it
    expires. status: open -> closed | expired."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(QUESTION_MAX))
    topic: Mapped[str] = mapped_column(String(QUESTION_MAX))
    """The words experts were found by (the question without "can anyone help with")."""
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    platform: Mapped[str] = mapped_column(String(16))
    """Where it was asked: answerers are reached there first, the asker told there."""
    space_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64), default="")
    """For a public question: the channel its answers are posted to."""
    thread_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    """For a public question: the thread under its post in that channel where answers go
    (the platform's reference from `open_thread`); empty when there is none, and answers
    are posted in the channel citing the question."""
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    helpful_answer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class QuestionRecipient(Base):
    """Someone a question was sent to; the history that spreads questions across experts.
    status: asked -> answered | declined, or later (reminded once)."""

    __tablename__ = "question_recipients"
    __table_args__ = (
        UniqueConstraint("question_id", "member_id"),
        Index("ix_question_recipients_member_asked", "member_id", "asked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="asked")
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuestionAnswer(Base):
    """One answer, attributable; `entry_id` is the answerer's "has done" entry that makes
    it findable with `whodone` (gone when they remove it or a moderator hides the answer)."""

    __tablename__ = "question_answers"
    __table_args__ = (UniqueConstraint("question_id", "answerer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    answerer_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("done_entries.id", ondelete="SET NULL"), nullable=True
    )
