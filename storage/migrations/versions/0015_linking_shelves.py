"""Linked accounts and local shelves: one-time link codes (their mark comes from the
deployment's id in `deployment_facts`); pins on a space's shelf or the network's (every
existing pin stays on the network's), with promotion from one to the other.

Revision ID: 0015_linking_shelves
Revises: 0009_search_ranked
"""

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = "0015_linking_shelves"
down_revision = "0016_conversation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("space_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"],
                                name="fk_link_codes_member_id_members", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_link_codes"),
        sa.UniqueConstraint("code_hash", name="uq_link_codes_code_hash"),
    )
    op.create_index("ix_link_codes_member_id", "link_codes", ["member_id"])
    op.create_index("ix_link_codes_created_at", "link_codes", ["created_at"])
    op.create_index("ix_link_codes_account", "link_codes",
                    ["platform", "space_id", "user_id", "created_at"])
    for column in (sa.Column("shelf_platform", sa.String(16), nullable=False,
                             server_default=""),
                   sa.Column("shelf_space", sa.String(64), nullable=False, server_default=""),
                   sa.Column("promoted_at", UTCDateTime(), nullable=True),
                   sa.Column("promotion_asked_by", sa.String(200), nullable=False,
                             server_default=""),
                   sa.Column("promotion_asked_at", UTCDateTime(), nullable=True)):
        op.add_column("pins", column)
    op.create_index("ix_pins_shelf", "pins", ["shelf_platform", "shelf_space", "status"])


def downgrade() -> None:
    op.drop_index("ix_pins_shelf", table_name="pins")
    # plain DROP COLUMN (SQLite 3.35+), as 0012 does: a batch copy would lose the pins'
    # partial unique index on live URLs
    for name in ("promotion_asked_at", "promotion_asked_by", "promoted_at", "shelf_space",
                 "shelf_platform"):
        op.drop_column("pins", name)
    op.drop_index("ix_link_codes_account", table_name="link_codes")
    op.drop_index("ix_link_codes_created_at", table_name="link_codes")
    op.drop_index("ix_link_codes_member_id", table_name="link_codes")
    op.drop_table("link_codes")
