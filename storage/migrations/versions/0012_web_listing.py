"""Members choose whether their name may appear on the network's public web pages
(`privacy web on|off`); nobody is listed until they say so.

Revision ID: 0012_web_listing
Revises: 0008_members_region_lower
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_web_listing"
down_revision = "0008_members_region_lower"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("members", sa.Column("web_listing", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of the table would lose the
    # expression index ix_members_region_lower.
    op.drop_column("members", "web_listing")
