"""Slack: event ids already handled, so Slack's retries are recognised by every copy.

Revision ID: 0005_slack
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = "0005_slack"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_events_seen",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_slack_events_seen")),
    )
    op.create_index(op.f("ix_slack_events_seen_expires_at"), "slack_events_seen",
                    ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_slack_events_seen_expires_at"), table_name="slack_events_seen")
    op.drop_table("slack_events_seen")
