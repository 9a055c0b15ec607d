"""Foundation: members, identities, done entries, interests, moderators, audit, due work,
and the search index (FTS5 on SQLite; tsvector + pg_trgm on PostgreSQL).

Revision ID: 0001_foundation
Revises:
"""

import sqlalchemy as sa
from alembic import op

from storage.models.base import UTCDateTime

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(64), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("region", sa.String(200), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("privacy", sa.String(16), nullable=False),
        sa.Column("introduced_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("handle", name=op.f("uq_members_handle")),
    )
    op.create_index(op.f("ix_members_region"), "members", ["region"])
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("space_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE",
                                name=op.f("fk_identities_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identities")),
        sa.UniqueConstraint("platform", "space_id", "user_id",
                            name=op.f("uq_identities_platform_space_id_user_id")),
    )
    op.create_index(op.f("ix_identities_member_id"), "identities", ["member_id"])
    for table, column, size in (("done_entries", "summary", 500), ("interests", "text", 500)):
        extra = []
        if table == "done_entries":
            extra = [sa.Column("tags", sa.JSON(), nullable=False),
                     sa.Column("year", sa.Integer(), nullable=True),
                     sa.Column("link", sa.String(2000), nullable=False)]
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("member_id", sa.Integer(), nullable=False),
            sa.Column(column, sa.String(size), nullable=False),
            *extra,
            sa.Column("created_at", UTCDateTime(), nullable=False),
            sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE",
                                    name=op.f(f"fk_{table}_member_id_members")),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_member_id"), table, ["member_id"])
    op.create_table(
        "moderators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("space_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderators")),
        sa.UniqueConstraint("platform", "space_id", "user_id",
                            name=op.f("uq_moderators_platform_space_id_user_id")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_action"), "audit_log", ["action"])
    op.create_table(
        "due_work",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_due_work")),
        sa.UniqueConstraint("kind", "key", name=op.f("uq_due_work_kind_key")),
    )
    op.create_index("ix_due_work_pending", "due_work", ["status", "due_at"])

    # Search: the entries' analysed terms in the engine's own full-text index, and the
    # vocabulary of those terms with their document frequencies (ranking weights, typos).
    op.create_table(
        "search_vocab",
        sa.Column("term", sa.String(40), nullable=False),
        sa.Column("rev", sa.String(40), nullable=False),
        sa.Column("df", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_search_vocab")),
    )
    op.create_index("ix_search_vocab_rev", "search_vocab", ["rev"])
    # Entries are ranked by `rank_key` (shorter entries first, then older), which both
    # engines read in order and stop early on.
    if op.get_bind().dialect.name == "sqlite":
        op.create_table(
            "search_docs",
            sa.Column("rank_key", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                      nullable=False),
            sa.Column("entry_id", sa.Integer(), nullable=False),
            sa.Column("member_id", sa.Integer(), nullable=False),
            sa.Column("terms", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("rank_key", name=op.f("pk_search_docs")),
            sa.UniqueConstraint("entry_id", name=op.f("uq_search_docs_entry_id")),
        )
        op.execute("CREATE VIRTUAL TABLE done_search USING fts5(terms, content = 'search_docs', "
                   "content_rowid = 'rank_key', tokenize = 'unicode61', columnsize = 0)")
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_table(
            "done_search",
            sa.Column("entry_id", sa.Integer(), nullable=False),
            sa.Column("member_id", sa.Integer(), nullable=False),
            sa.Column("rank_key", sa.BigInteger(), nullable=False),
            sa.Column("document", sa.dialects.postgresql.TSVECTOR(), nullable=False),
            sa.ForeignKeyConstraint(["entry_id"], ["done_entries.id"], ondelete="CASCADE",
                                    name=op.f("fk_done_search_entry_id_done_entries")),
            sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_done_search")),
        )
        op.create_index("ix_done_search_document", "done_search", ["document"],
                        postgresql_using="gin")
        op.create_index("ix_done_search_rank_key", "done_search", ["rank_key"])
        op.execute("CREATE INDEX ix_search_vocab_term_trgm ON search_vocab "
                   "USING gin (term gin_trgm_ops)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS done_search")
    op.execute("DROP TABLE IF EXISTS search_docs")
    op.drop_table("search_vocab")
    for table in ("due_work", "audit_log", "moderators", "interests", "done_entries",
                  "identities", "members"):
        op.drop_table(table)
