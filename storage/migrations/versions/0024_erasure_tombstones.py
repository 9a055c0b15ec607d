"""The erasure list: keyed hashes of identities `forgetme` erased, re-applied by restore.

Revision ID: 0024_erasure_tombstones
Revises: 0018_deliveries
"""

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = "0024_erasure_tombstones"
down_revision = "0023_question_threads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name="pk_erasures"),
    )


def downgrade() -> None:
    op.drop_table("erasures")
