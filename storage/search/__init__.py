"""Full-text search over "done" entries, in the database's own engine.

`SearchIndex` is the one interface the core uses: it keeps the index in step on every write
(`index` / `unindex`, called by the repositories in the same transaction) and answers
people-level queries (`find_people`). Text analysis (`analysis`) runs in Python so SQLite
FTS5 and PostgreSQL tsvector index exactly the same terms; ranking (`ranking`) runs in
Python too, so both engines rank identically.
"""

from storage.search.engine import Viewer
from storage.search.index import PersonHit, SearchIndex
from storage.search.writer import IndexRow

__all__ = ["IndexRow", "PersonHit", "SearchIndex", "Viewer"]
