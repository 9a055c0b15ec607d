"""Asking the network: questions, whom each was sent to, and the answers.

Revision ID: 0021_ask
Revises: 0015_linking_shelves
"""

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = "0021_ask"
down_revision = "0022_talks_checkins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("topic", sa.String(length=500), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("space_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("helpful_answer_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["asker_id"],
            ["members.id"],
            ondelete="CASCADE",
            name=op.f("fk_questions_asker_id_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    op.create_index(op.f("ix_questions_asker_id"), "questions", ["asker_id"], unique=False)
    op.create_table(
        "question_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            ondelete="CASCADE",
            name=op.f("fk_question_recipients_question_id_questions"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            ondelete="CASCADE",
            name=op.f("fk_question_recipients_member_id_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_recipients")),
        sa.UniqueConstraint(
            "question_id", "member_id", name=op.f("uq_question_recipients_question_id_member_id")
        ),
    )
    op.create_index(
        op.f("ix_question_recipients_question_id"),
        "question_recipients",
        ["question_id"],
        unique=False,
    )
    op.create_index(
        "ix_question_recipients_member_asked",
        "question_recipients",
        ["member_id", "asked_at"],
        unique=False,
    )
    op.create_table(
        "question_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("answerer_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            ondelete="CASCADE",
            name=op.f("fk_question_answers_question_id_questions"),
        ),
        sa.ForeignKeyConstraint(
            ["answerer_id"],
            ["members.id"],
            ondelete="CASCADE",
            name=op.f("fk_question_answers_answerer_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["done_entries.id"],
            ondelete="SET NULL",
            name=op.f("fk_question_answers_entry_id_done_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_answers")),
        sa.UniqueConstraint(
            "question_id",
            "answerer_id",
            name=op.f("uq_question_answers_question_id_answerer_id"),
        ),
    )
    op.create_index(
        op.f("ix_question_answers_question_id"), "question_answers", ["question_id"], unique=False
    )
    op.create_index(
        op.f("ix_question_answers_answerer_id"), "question_answers", ["answerer_id"], unique=False
    )
    op.create_index(
        op.f("ix_question_answers_created_at"), "question_answers", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_table("question_answers")
    op.drop_table("question_recipients")
    op.drop_table("questions")
