"""Talks become knowledge, and pairings get a check-in: a done entry can name the
teach-meet it was a talk at; follow-ups after a teach-meet (a presenter's invitation, an
attendee's "what I'll try"); "Did you meet?" check-ins a week after a pairing.

Revision ID: 0022_talks_checkins
Revises: 0015_linking_shelves
"""

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = "0022_talks_checkins"
down_revision = "0015_linking_shelves"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE"
        ) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # A plain ADD COLUMN with its reference: a batch copy of done_entries would drop the
        # old table, and with foreign keys on that deletes the entries' search rows.
        op.execute("ALTER TABLE done_entries ADD COLUMN teachmeet_id INTEGER "
                   "CONSTRAINT fk_done_entries_teachmeet_id_teachmeets "
                   "REFERENCES teachmeets (id) ON DELETE SET NULL")
    else:
        op.add_column("done_entries", sa.Column("teachmeet_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_done_entries_teachmeet_id_teachmeets"), "done_entries",
                              "teachmeets", ["teachmeet_id"], ["id"], ondelete="SET NULL")
    op.create_table(
        "teachmeet_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("teachmeet_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("takeaway", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        _fk("teachmeet_followups", "teachmeet_id", "teachmeets"),
        _fk("teachmeet_followups", "member_id", "members"),
        _fk("teachmeet_followups", "entry_id", "done_entries", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teachmeet_followups")),
        sa.UniqueConstraint("teachmeet_id", "member_id", "role",
                            name=op.f("uq_teachmeet_followups_teachmeet_id_member_id_role")),
    )
    op.create_index(op.f("ix_teachmeet_followups_teachmeet_id"), "teachmeet_followups",
                    ["teachmeet_id"])
    op.create_index(op.f("ix_teachmeet_followups_member_id"), "teachmeet_followups",
                    ["member_id"])
    op.create_table(
        "pairing_checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(16), nullable=True),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        _fk("pairing_checkins", "match_id", "pairing_matches"),
        _fk("pairing_checkins", "member_id", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing_checkins")),
        sa.UniqueConstraint("match_id", "member_id",
                            name=op.f("uq_pairing_checkins_match_id_member_id")),
    )
    op.create_index(op.f("ix_pairing_checkins_match_id"), "pairing_checkins", ["match_id"])
    op.create_index(op.f("ix_pairing_checkins_member_id"), "pairing_checkins", ["member_id"])


def downgrade() -> None:
    op.drop_table("pairing_checkins")
    op.drop_table("teachmeet_followups")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE done_entries DROP COLUMN teachmeet_id")
    else:
        op.drop_constraint(op.f("fk_done_entries_teachmeet_id_teachmeets"), "done_entries",
                           type_="foreignkey")
        op.drop_column("done_entries", "teachmeet_id")
