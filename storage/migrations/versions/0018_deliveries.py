"""Per-destination delivery records for due work, so a crash re-sends only what was not sent.

Revision ID: 0018_deliveries
Revises: 0015_linking_shelves
"""

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = "0018_deliveries"
down_revision = "0020_lessons"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "due_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["work_id"],
            ["due_work.id"],
            name="fk_due_deliveries_work_id_due_work",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_due_deliveries"),
        sa.UniqueConstraint("work_id", "target", name="uq_due_deliveries_work_id_target"),
    )


def downgrade() -> None:
    op.drop_table("due_deliveries")
