"""Lessons on done entries: what worked, what I'd do differently, cost and effort, and when
they were last written (for the digest's "new lessons"). The search index gains a field for
them; its version changes with the fields, so the index is rebuilt at the next start.

Revision ID: 0020_lessons
Revises: 0015_linking_shelves
"""

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = "0020_lessons"
down_revision = "0021_ask"
branch_labels = None
depends_on = None

LESSONS = ("worked", "differently", "cost")


def upgrade() -> None:
    # plain ADD COLUMN on both engines: a batch copy of done_entries is not needed
    for name in LESSONS:
        op.add_column(
            "done_entries", sa.Column(name, sa.String(500), nullable=False, server_default="")
        )
    op.add_column("done_entries", sa.Column("lessons_at", UTCDateTime(), nullable=True))
    op.create_index("ix_done_entries_lessons_at", "done_entries", ["lessons_at"])


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), as 0012 does
    op.drop_index("ix_done_entries_lessons_at", table_name="done_entries")
    op.drop_column("done_entries", "lessons_at")
    for name in reversed(LESSONS):
        op.drop_column("done_entries", name)
