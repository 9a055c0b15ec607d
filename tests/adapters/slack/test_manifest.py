"""`staffroom slack-manifest`: the app manifest follows the registry and the transport."""

from __future__ import annotations

import json

import pytest

from adapters.slack.manifest import build_manifest
from bot.features import build_registry
from bot.main import main


def test_manifest_lists_the_registry() -> None:
    registry = build_registry()
    http = build_manifest(registry, name="Staffroom", url="https://bot.example/",
                          socket_mode=False)
    commands = {c["command"]: c for c in http["features"]["slash_commands"]}
    assert "/staffroom" in commands and "/whodone" in commands
    assert all(c["url"] == "https://bot.example/slack/events" for c in commands.values())
    assert http["settings"]["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert {"commands", "chat:write", "usergroups:read"} <= set(
        http["oauth_config"]["scopes"]["bot"])
    assert "message.im" in http["settings"]["event_subscriptions"]["bot_events"]
    socket = build_manifest(registry, name="Staffroom", url=None, socket_mode=True)
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in socket["settings"]["interactivity"]
    assert all("url" not in c for c in socket["features"]["slash_commands"])
    # an alias appears only when its command word exists
    assert ("/teachmeet" in commands) == any(
        c.name.split()[0] == "teachmeet" for c in registry.commands.values())


def test_the_cli_prints_a_manifest(capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STAFFROOM_CONFIG", raising=False)
    assert main(["slack-manifest", "--url", "https://bot.example"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["settings"]["interactivity"]["request_url"] == (
        "https://bot.example/slack/events")
    assert main(["slack-manifest"]) == 2
    assert "--url" in capsys.readouterr().err
    assert main(["slack-manifest", "--socket"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["socket_mode_enabled"] is True
