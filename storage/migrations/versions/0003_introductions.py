"""Introductions: member preferences, meet requests, pairing rounds and matches.

Revision ID: 0003_introductions
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = "0003_introductions"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def _member_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["members.id"], ondelete="CASCADE",
                                   name=op.f(f"fk_{table}_{column}_members"))


def upgrade() -> None:
    op.create_table(
        "introduction_prefs",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("meet_paused", sa.Boolean(), nullable=False),
        sa.Column("pairing", sa.Boolean(), nullable=False),
        sa.Column("pairing_paused_until", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _member_fk("introduction_prefs", "member_id"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_introduction_prefs")),
    )
    op.create_table(
        "meet_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(300), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("space_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        _member_fk("meet_requests", "asker_id"),
        _member_fk("meet_requests", "expert_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meet_requests")),
    )
    op.create_index(op.f("ix_meet_requests_asker_id"), "meet_requests", ["asker_id"])
    op.create_index("ix_meet_requests_expert_created", "meet_requests",
                    ["expert_id", "created_at"])
    op.create_table(
        "pairing_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("ran_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing_rounds")),
        sa.UniqueConstraint("key", name=op.f("uq_pairing_rounds_key")),
    )
    op.create_table(
        "pairing_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("third_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["pairing_rounds.id"], ondelete="CASCADE",
                                name=op.f("fk_pairing_matches_round_id_pairing_rounds")),
        _member_fk("pairing_matches", "first_id"),
        _member_fk("pairing_matches", "second_id"),
        _member_fk("pairing_matches", "third_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing_matches")),
    )
    for column in ("round_id", "first_id", "second_id", "third_id"):
        op.create_index(op.f(f"ix_pairing_matches_{column}"), "pairing_matches", [column])


def downgrade() -> None:
    for table in ("pairing_matches", "pairing_rounds", "meet_requests", "introduction_prefs"):
        op.drop_table(table)
