"""Public questions keep a reference to their thread, so every copy posts answers there.

Revision ID: 0023_question_threads
Revises: 0018_deliveries
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_question_threads"
down_revision = "0018_deliveries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "questions", sa.Column("thread_id", sa.String(64), nullable=False, server_default="")
    )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of questions would drop the old
    # table, and with foreign keys on that deletes its recipients and answers.
    op.drop_column("questions", "thread_id")
