"""Ranked search (issue 11): each PostgreSQL index row keeps its entry's analysed fields as
text beside its tsvector (SQLite's `search_docs` already does), so candidates are scored in
Python the same way on both engines; SQLite documents carry their member's region as a
term, kept in step by a trigger; and the analyser's version is recorded with the index
(`search_meta`).

The index is not rebuilt here: with no version recorded, the next start rebuilds it with
the analyser of the code that runs (`SearchIndex.ensure_current`), as after any change of
analysis rules or stemmer.

Revision ID: 0009_search_ranked
Revises: 0008_members_region_lower
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_search_ranked"
down_revision = "0011_teachmeet_series"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_meta",
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_search_meta")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("done_search", sa.Column("terms", sa.Text(), nullable=False,
                                               server_default=""))
        return
    # SQLite: each document ends with its member's region as a term (see
    # storage.search.sqlite.region_term); a member's new region is written into their
    # documents, and into FTS5 (which forgets a row by restating what it held).
    op.execute("""
        CREATE TRIGGER tr_members_search_region AFTER UPDATE OF region ON members
        FOR EACH ROW WHEN OLD.region IS NOT NEW.region
        BEGIN
            INSERT INTO done_search(done_search, rowid, terms)
                SELECT 'delete', rank_key, terms FROM search_docs WHERE member_id = NEW.id;
            UPDATE search_docs SET terms = substr(terms, 1, instr(terms, ' ;; ') - 1)
                || ' ;; zz0r' || lower(hex(lower(NEW.region)))
                WHERE member_id = NEW.id AND instr(terms, ' ;; ') > 0;
            INSERT INTO done_search(rowid, terms)
                SELECT rank_key, terms FROM search_docs WHERE member_id = NEW.id;
        END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column("done_search", "terms")
    else:
        op.execute("DROP TRIGGER tr_members_search_region")
    op.drop_table("search_meta")
