"""Resource library: pins, and their search index (FTS5 on SQLite; tsvector on PostgreSQL).

Revision ID: 0002_resources
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = "0002_resources"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

_LIVE = "status IN ('pending', 'published')"


def upgrade() -> None:
    op.create_table(
        "pins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("url_key", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("tag_index", sa.String(600), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("added_by_member_id", sa.Integer(), nullable=True),
        sa.Column("added_by_platform", sa.String(16), nullable=False),
        sa.Column("added_by_space", sa.String(64), nullable=False),
        sa.Column("added_by_user", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(200), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(), nullable=True),
        sa.Column("reject_reason", sa.String(500), nullable=False),
        sa.Column("link_status", sa.String(16), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("last_checked_at", UTCDateTime(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(["added_by_member_id"], ["members.id"], ondelete="SET NULL",
                                name=op.f("fk_pins_added_by_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pins")),
    )
    op.create_index(op.f("ix_pins_added_by_member_id"), "pins", ["added_by_member_id"])
    op.create_index("ix_pins_status_published_at", "pins", ["status", "published_at"])
    op.create_index("uq_pins_live_url_key", "pins", ["url_key"], unique=True,
                    sqlite_where=sa.text(_LIVE), postgresql_where=sa.text(_LIVE))

    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE pin_search USING fts5("
                   "terms, tokenize = 'unicode61 remove_diacritics 2')")
    else:
        op.create_table(
            "pin_search",
            sa.Column("pin_id", sa.Integer(), nullable=False),
            sa.Column("document", sa.dialects.postgresql.TSVECTOR(), nullable=False),
            sa.ForeignKeyConstraint(["pin_id"], ["pins.id"], ondelete="CASCADE",
                                    name=op.f("fk_pin_search_pin_id_pins")),
            sa.PrimaryKeyConstraint("pin_id", name=op.f("pk_pin_search")),
        )
        op.create_index("ix_pin_search_document", "pin_search", ["document"],
                        postgresql_using="gin")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS pin_search")
    op.drop_table("pins")
