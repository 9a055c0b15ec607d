"""Join the capability branches (library, introductions, teach-meets, Slack) into one head,
so later migrations have a single parent.

Revision ID: 0006_merge_capabilities
Revises: 0002_resources, 0003_introductions, 0004_teachmeets, 0005_slack
"""

revision = "0006_merge_capabilities"
down_revision = ("0002_resources", "0003_introductions", "0004_teachmeets", "0005_slack")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: this revision only merges heads."""


def downgrade() -> None:
    """Nothing to change: this revision only merges heads."""
