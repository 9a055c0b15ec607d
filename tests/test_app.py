"""The app object itself: what `staffroom run` does to the process before serving."""

from __future__ import annotations

import subprocess
import sys


def test_the_start_up_heap_is_left_out_of_full_collections() -> None:
    """After start-up the heap holds the thesaurus, mappers and modules, which every full
    garbage collection would walk again (tens of milliseconds, paid by one member's
    command); `freeze_heap` (called by `App.run`) moves them to the permanent generation.
    In a child process, so this suite's own heap is not frozen."""
    code = """
import gc
from bot.app import App
from bot.testing import make_settings
app = App(make_settings(database={"url": "sqlite://"}))
assert gc.get_freeze_count() == 0
App.freeze_heap()
alive = len(gc.get_objects())
frozen = gc.get_freeze_count()
assert frozen > 50_000 and alive < frozen / 10, (frozen, alive)
print(frozen, alive)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
