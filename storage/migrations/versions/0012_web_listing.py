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
    with op.batch_alter_table("members") as batch:
        batch.drop_column("web_listing")
