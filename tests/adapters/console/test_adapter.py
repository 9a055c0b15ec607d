"""The console's line editing: command-name completion and history across sessions."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from bot.app import App


def test_tab_completes_command_names_including_several_words(app: App) -> None:
    console = ConsoleAdapter(app.core, handle="me")
    assert "whodone " in console.completions("who")
    assert console.completions("teachmeet cr") == ["teachmeet create "]
    assert "quit " in console.completions("q")
    assert console.completions("zzz") == []
    hidden = [c.name for c in app.core.registry.commands.values() if c.hidden]
    assert hidden and not any(console.completions(name) == [name + " "] for name in hidden)


def test_history_is_kept_across_sessions(app: App, tmp_path: Path) -> None:
    readline = pytest.importorskip("readline")
    history = tmp_path / "data" / "console_history"
    readline.clear_history()
    first = ConsoleAdapter(app.core, handle="me", history=history)
    first._start_line_editing()
    readline.add_history("whodone laser cutters")
    first._save_history()
    readline.clear_history()

    second = ConsoleAdapter(app.core, handle="me", history=history)
    second._start_line_editing()
    try:
        assert readline.get_current_history_length() == 1
        assert readline.get_history_item(1) == "whodone laser cutters"
    finally:
        readline.clear_history()
        readline.set_completer(None)
