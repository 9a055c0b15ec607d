"""PostgreSQL's cost model for a candidate query: how far to walk postings before looking
the matches up instead.

A walk merges the postings of a few *driver* lexemes (one alternative set of each
conjunction, the fewest entries; `storage.search.postgres`) in rank-key order from their
B-tree and checks each entry against the whole query, stopping at the page's LIMIT: when
the query's units go together (a phrase and its own words, a topic and its usual verbs)
it reads little more than the page. Looking the matches up in the GIN index visits every
match, in no order, and sorts them. Which is cheaper depends on how the units co-occur,
which no count in the vocabulary tells (multiplying their shares as if independent was
wrong by a factor of 400 on the benchmark's "google workspace rollout"), so a walk is
always tried first, bounded: it reads at most `walk_budget` postings (a few milliseconds)
and, if that was not enough to fill the page, the look-up follows.
"""

from __future__ import annotations

WALK_BUDGET = 400
"""Postings a walk reads at least before giving up."""
WALK_FACTOR = 4
"""...and at least this many per row of the page wanted."""


def walk_budget(page_size: int) -> int:
    """The most postings a walk for a page of `page_size` rows reads."""
    return max(WALK_BUDGET, WALK_FACTOR * page_size)
