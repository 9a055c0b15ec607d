"""Full-text search over "done" entries, in the database's own engine.

`SearchIndex` is the one interface the core uses: it keeps the index in step on every write
(`index` / `unindex`, called by the repositories in the same transaction) and answers
people-level queries (`find_people`). Text analysis (`analysis`) runs in Python so SQLite
FTS5 and PostgreSQL tsvector index exactly the same terms.
"""

from storage.search.index import IndexRow, PersonHit, SearchIndex, Viewer

__all__ = ["IndexRow", "PersonHit", "SearchIndex", "Viewer"]
