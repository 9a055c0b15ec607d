"""Members by region, whatever its case: "whodone X in wales" looks the region up by
lower(region) on every such question, which without this index reads every member.

Revision ID: 0008_members_region_lower
Revises: 0007_postgres_search
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_members_region_lower"
down_revision = "0007_postgres_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_members_region_lower", "members", [sa.text("lower(region)")])


def downgrade() -> None:
    op.drop_index("ix_members_region_lower", table_name="members")
