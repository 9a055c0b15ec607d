"""Pending questions: the one open question per account that a typed `yes`, `no`, number
or word answers (confirmations, offered choices, a form asked field by field).

Revision ID: 0016_conversation
Revises: 0012_web_listing
"""

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = "0016_conversation"
down_revision = "0009_search_ranked"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("space_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("question", sa.JSON(), nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_questions")),
        sa.UniqueConstraint("platform", "space_id", "user_id",
                            name=op.f("uq_pending_questions_platform_space_id_user_id")),
    )
    op.create_index(op.f("ix_pending_questions_expires_at"), "pending_questions",
                    ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_pending_questions_expires_at"), table_name="pending_questions")
    op.drop_table("pending_questions")
