"""PostgreSQL search, made fast at 100,000 members (see `storage.search.index`):

- every document is rewritten with its adjacent-term pairs, so a phrase is a GIN lookup
  instead of a re-read of every row holding its words (rebuilt from the entries with the
  project's analysis, as new entries are indexed);
- each row carries its member's privacy and (lower-cased) region, kept in step by a
  trigger on `members`, so ranking reads one table instead of joining every match;
- the planner keeps statistics for ten times as many lexemes, pairs included, so it
  knows a rare phrase from a common one;
- rows leave with their entries through a statement trigger on `done_entries` instead of
  a foreign key, whose per-row check (a row lock on the entry) was a tenth of a
  100,000-member import.

SQLite's FTS5 keeps word positions in its index and its planner is not involved:
nothing to do there.

Revision ID: 0007_postgres_search
Revises: 0006_merge_capabilities
"""

import sqlalchemy as sa
from alembic import op

from storage.search.analysis import shipped_analyser
from storage.search.index import PAIR, postgres_document

revision = "0007_postgres_search"
down_revision = "0006_merge_capabilities"
branch_labels = None
depends_on = None

CHUNK = 2000


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.add_column("done_search", sa.Column("privacy", sa.String(16), nullable=False,
                                           server_default="network"))
    op.add_column("done_search", sa.Column("region", sa.String(200), nullable=False,
                                           server_default=""))
    op.alter_column("done_search", "privacy", server_default=None)
    op.alter_column("done_search", "region", server_default=None)
    op.create_index("ix_done_search_member_id", "done_search", ["member_id"])
    op.execute("ALTER TABLE done_search ALTER COLUMN document SET STATISTICS 1000")
    op.execute("""
        CREATE FUNCTION done_search_member_fields() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE done_search SET privacy = NEW.privacy, region = lower(NEW.region)
            WHERE member_id = NEW.id;
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER tr_members_done_search AFTER UPDATE OF privacy, region ON members
        FOR EACH ROW WHEN (OLD.privacy IS DISTINCT FROM NEW.privacy
                           OR OLD.region IS DISTINCT FROM NEW.region)
        EXECUTE FUNCTION done_search_member_fields()""")
    op.drop_constraint("fk_done_search_entry_id_done_entries", "done_search",
                       type_="foreignkey")
    op.execute("""
        CREATE FUNCTION done_search_forget_entries() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM done_search WHERE entry_id IN (SELECT id FROM gone);
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER tr_done_entries_done_search AFTER DELETE ON done_entries
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
        EXECUTE FUNCTION done_search_forget_entries()""")
    connection = op.get_bind()
    analyser = shipped_analyser()
    after = 0
    while rows := connection.execute(sa.text(
            "SELECT e.id, e.summary, e.tags, m.privacy, lower(m.region) FROM done_entries e "
            "JOIN members m ON m.id = e.member_id WHERE e.id > :after ORDER BY e.id LIMIT :n"),
            {"after": after, "n": CHUNK}).all():
        documents = [postgres_document(analyser.document_terms([summary, *(tags or [])])[0])
                     for _, summary, tags, _, _ in rows]
        connection.execute(sa.text(
            "UPDATE done_search SET document = CAST(u.d AS tsvector), privacy = u.p, "
            "region = u.r FROM unnest(CAST(:ids AS int[]), CAST(:documents AS text[]), "
            "CAST(:privacy AS text[]), CAST(:regions AS text[])) AS u(i, d, p, r) "
            "WHERE done_search.entry_id = u.i"),
            {"ids": [row[0] for row in rows], "documents": documents,
             "privacy": [row[3] for row in rows], "regions": [row[4] for row in rows]})
        after = rows[-1][0]
    op.execute("ANALYZE done_search")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER tr_members_done_search ON members")
    op.execute("DROP FUNCTION done_search_member_fields()")
    op.execute("DROP TRIGGER tr_done_entries_done_search ON done_entries")
    op.execute("DROP FUNCTION done_search_forget_entries()")
    op.create_foreign_key("fk_done_search_entry_id_done_entries", "done_search",
                          "done_entries", ["entry_id"], ["id"], ondelete="CASCADE")
    op.execute("ALTER TABLE done_search ALTER COLUMN document SET STATISTICS -1")
    op.drop_index("ix_done_search_member_id", table_name="done_search")
    op.drop_column("done_search", "region")
    op.drop_column("done_search", "privacy")
    op.execute(sa.text(
        "UPDATE done_search SET document = ts_delete(document, ARRAY("
        "SELECT lexeme FROM unnest(document) WHERE strpos(lexeme, :pair) > 0))")
        .bindparams(pair=PAIR))
