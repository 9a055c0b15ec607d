"""PostgreSQL: each indexed term's entries in rank-key order (`search_postings`).

A GIN index hands back every entry holding a term, in no order: a common word's first page
of results cost a visit to each of its thousands of rows to sort them by rank key. Postings
kept in a B-tree on (term, rank key) are read in order from the index alone, so a page
costs its own rows (see `storage.search.postgres`). Filled here from the stored documents
(every lexeme: terms and adjacent pairs), and kept in step by the engine's inserts and
a trigger on `done_search` (whose rows leave by the engine's deletes and by a trigger on
`done_entries`, see 0007). Also an index on the rows' region: a question asked of one
region then visits that region's matches only. SQLite's FTS5 needs nothing.

Revision ID: 0025_search_postings
Revises: 0024_erasure_tombstones
"""

from alembic import op

revision = "0025_search_postings"
down_revision = "0024_erasure_tombstones"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE TABLE search_postings (term text NOT NULL, rank_key bigint NOT NULL, "
               "CONSTRAINT pk_search_postings PRIMARY KEY (term, rank_key))")
    op.execute("INSERT INTO search_postings(term, rank_key) SELECT t, d.rank_key "
               "FROM done_search d, unnest(tsvector_to_array(d.document)) AS t")
    # a region's share of the look-up's matches, read from two bitmaps before any row
    op.create_index("ix_done_search_region", "done_search", ["region"])
    op.execute("""
        CREATE FUNCTION search_postings_forget() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM search_postings p USING gone g WHERE p.rank_key = g.rank_key
            AND p.term = ANY(tsvector_to_array(g.document));
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER tr_done_search_postings AFTER DELETE ON done_search
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
        EXECUTE FUNCTION search_postings_forget()""")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER tr_done_search_postings ON done_search")
    op.execute("DROP FUNCTION search_postings_forget()")
    op.execute("DROP TABLE search_postings")
    op.drop_index("ix_done_search_region", table_name="done_search")
