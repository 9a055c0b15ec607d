"""The own-holdout evaluation set through the core's "who's done X" path, on SQLite and
PostgreSQL: a regression floor for search quality on questions and topics that the
development set (../shared/eval/real-dev) does not have. See tests/eval/README.md."""

from __future__ import annotations

from pathlib import Path

from bot.app import App
from tests.eval.scoring import score

OWN_HOLDOUT = Path(__file__).parent / "own-holdout"

FLOOR = 0.93
"""nDCG@10 measured when the set was last scored (see README), less 0.03."""


async def test_own_holdout_set_keeps_its_floor(app: App) -> None:
    figures = await score(app, OWN_HOLDOUT)
    assert figures.queries == 50
    assert figures.leaks == 0
    assert figures.ndcg >= FLOOR, (figures.line(), figures.misses)
