"""Every capability loads, command names never collide, and the core stays platform-free."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.commands import Args, Capability, Command, CommandRegistry, DuplicateCommandError
from bot.features import build_registry, capabilities
from bot.replies import text


async def _noop(ctx: object, args: Args) -> object:
    return text("ok")


def test_every_capability_loads_without_collisions() -> None:
    registry = build_registry()
    assert registry.get("whodone") is not None
    assert registry.get("help") is not None
    names = [n for c in capabilities() for cmd in c.commands for n in (cmd.name, *cmd.aliases)]
    assert len(names) == len({n.lower() for n in names})


def test_duplicate_name_is_an_error_at_start_up() -> None:
    first = Capability("a", [Command("pins", "x", _noop)])
    second = Capability("b", [Command("library", "y", _noop, aliases=("PINS",))])
    with pytest.raises(DuplicateCommandError, match="pins"):
        CommandRegistry.from_capabilities([first, second])


def test_every_command_has_help() -> None:
    for command in build_registry().commands.values():
        assert command.summary.strip(), command.name
        assert command.usage_line().startswith(command.name.split()[0]) or command.usage
        for name, meta, _info in command.arg_specs():
            assert meta.help, f"{command.name}: argument {name} has no help"


def test_core_never_imports_platform_libraries() -> None:
    code = ("import sys, pkgutil, importlib, bot\n"
            "for m in pkgutil.walk_packages(bot.__path__, 'bot.'):\n"
            "    if m.name != 'bot.__main__': importlib.import_module(m.name)\n"
            "bad = [n for n in sys.modules if n.split('.')[0] in ('slack_bolt', 'slack_sdk', "
            "'discord')]\n"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
