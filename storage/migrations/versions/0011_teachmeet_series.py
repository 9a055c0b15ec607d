"""Repeating teach-meets, personal calendar feeds, a per-deployment id for calendar UIDs,
and pending actions (previews to confirm, questions to answer).

Revision ID: 0011_teachmeet_series
Revises: 0012_web_listing
"""

import warnings

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = "0011_teachmeet_series"
down_revision = "0012_web_listing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teachmeet_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(300), nullable=False),
        sa.Column("first_start", UTCDateTime(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("template", sa.JSON(), nullable=False),
        sa.Column("planned_until", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organiser_id"], ["members.id"], ondelete="CASCADE",
                                name=op.f("fk_teachmeet_series_organiser_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teachmeet_series")),
    )
    op.create_index(op.f("ix_teachmeet_series_organiser_id"), "teachmeet_series",
                    ["organiser_id"])
    # SQLite's batch mode reflects the tables around teachmeets; the expression index on
    # members (0008) cannot be reflected, and need not be: only teachmeets is rebuilt
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        _add_series_columns()
    op.create_table(
        "teachmeet_feeds",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE",
                                name=op.f("fk_teachmeet_feeds_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_teachmeet_feeds")),
        sa.UniqueConstraint("token", name=op.f("uq_teachmeet_feeds_token")),
    )
    op.create_table(
        "deployment_facts",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_deployment_facts")),
    )
    op.create_table(
        "pending_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("space_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("command", sa.String(64), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_actions")),
        sqlite_autoincrement=True,  # ids never reused: an old button never answers a new one
    )
    op.create_index("ix_pending_actions_caller", "pending_actions",
                    ["platform", "space_id", "user_id"])
    op.create_index(op.f("ix_pending_actions_expires_at"), "pending_actions", ["expires_at"])


def _add_series_columns() -> None:
    with op.batch_alter_table("teachmeets") as batch:
        batch.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("recurrence_id", UTCDateTime(), nullable=True))
        batch.create_foreign_key(op.f("fk_teachmeets_series_id_teachmeet_series"),
                                 "teachmeet_series", ["series_id"], ["id"],
                                 ondelete="CASCADE")
        batch.create_unique_constraint(op.f("uq_teachmeets_series_id_recurrence_id"),
                                       ["series_id", "recurrence_id"])
        batch.create_index(op.f("ix_teachmeets_series_id"), ["series_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_pending_actions_expires_at"), table_name="pending_actions")
    op.drop_index("ix_pending_actions_caller", table_name="pending_actions")
    op.drop_table("pending_actions")
    op.drop_table("deployment_facts")
    op.drop_table("teachmeet_feeds")
    with op.batch_alter_table("teachmeets") as batch:
        batch.drop_index(op.f("ix_teachmeets_series_id"))
        batch.drop_constraint(op.f("uq_teachmeets_series_id_recurrence_id"), type_="unique")
        batch.drop_constraint(op.f("fk_teachmeets_series_id_teachmeet_series"),
                              type_="foreignkey")
        batch.drop_column("recurrence_id")
        batch.drop_column("series_id")
    op.drop_index(op.f("ix_teachmeet_series_organiser_id"), table_name="teachmeet_series")
    op.drop_table("teachmeet_series")
