"""Teach-meets: events, RSVPs and presenter talks.

Revision ID: 0004_teachmeets
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = "0004_teachmeets"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teachmeets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("space_id", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("venue", sa.String(300), nullable=False),
        sa.Column("online_url", sa.String(2000), nullable=False),
        sa.Column("region", sa.String(200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("cancel_reason", sa.String(500), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organiser_id"], ["members.id"], ondelete="CASCADE",
                                name=op.f("fk_teachmeets_organiser_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teachmeets")),
    )
    op.create_index(op.f("ix_teachmeets_organiser_id"), "teachmeets", ["organiser_id"])
    op.create_index(op.f("ix_teachmeets_region"), "teachmeets", ["region"])
    op.create_index("ix_teachmeets_status_starts_at", "teachmeets", ["status", "starts_at"])
    for table, columns in (
        ("teachmeet_rsvps", [sa.Column("answer", sa.String(16), nullable=False),
                             sa.Column("answered_at", UTCDateTime(), nullable=False)]),
        ("teachmeet_talks", [sa.Column("kind", sa.String(16), nullable=False),
                             sa.Column("title", sa.String(200), nullable=False),
                             sa.Column("minutes", sa.Integer(), nullable=False),
                             sa.Column("drawn", sa.Integer(), nullable=True),
                             sa.Column("created_at", UTCDateTime(), nullable=False)]),
    ):
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("teachmeet_id", sa.Integer(), nullable=False),
            sa.Column("member_id", sa.Integer(), nullable=False),
            *columns,
            sa.ForeignKeyConstraint(["teachmeet_id"], ["teachmeets.id"], ondelete="CASCADE",
                                    name=op.f(f"fk_{table}_teachmeet_id_teachmeets")),
            sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE",
                                    name=op.f(f"fk_{table}_member_id_members")),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("teachmeet_id", "member_id",
                                name=op.f(f"uq_{table}_teachmeet_id_member_id")),
        )
        op.create_index(op.f(f"ix_{table}_teachmeet_id"), table, ["teachmeet_id"])
        op.create_index(op.f(f"ix_{table}_member_id"), table, ["member_id"])


def downgrade() -> None:
    for table in ("teachmeet_talks", "teachmeet_rsvps", "teachmeets"):
        op.drop_table(table)
