"""Settings: file, environment overrides, and clear errors."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.settings import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("STAFFROOM_"):
            monkeypatch.delenv(key)


def test_defaults_need_no_configuration() -> None:
    settings = load_settings()
    assert settings.database.url == ""
    assert settings.network.default_privacy == "network"


def test_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[network]\nname = "Camden"\ntimezone = "Europe/Paris"\n'
                    '[search]\ndefault_limit = 7\n')
    monkeypatch.setenv("STAFFROOM_SEARCH__DEFAULT_LIMIT", "9")
    settings = load_settings(path)
    assert settings.network.name == "Camden"
    assert settings.network.timezone == "Europe/Paris"
    assert settings.search.default_limit == 9


def test_config_chosen_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[network]\nname = "Leeds"\n')
    monkeypatch.setenv("STAFFROOM_CONFIG", str(path))
    assert load_settings().network.name == "Leeds"


def test_database_url_shortcut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFFROOM_DATABASE_URL", "sqlite:///x.db")
    assert load_settings().database.url == "sqlite:///x.db"
    monkeypatch.setenv("STAFFROOM_DATABASE__URL", "sqlite:///y.db")
    assert load_settings().database.url == "sqlite:///y.db"


@pytest.mark.parametrize(("content", "expected"), [
    ('[network]\ntimezone = "Mars/Olympus"\n', r"network\.timezone: .*unknown time zone"),
    ("[search]\ndefault_limit = 0\n", r"search\.default_limit: .*greater than or equal"),
    ('[search]\ndefault_limt = 3\n', r"search\.default_limt: is not a known setting"),
    ('[network]\ndefault_privacy = "public"\n', r"network\.default_privacy"),
    ("[network\nname=1", r"not valid TOML"),
])
def test_invalid_file_is_one_clear_message(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert re.search(expected, str(caught.value)), str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_invalid_environment_value_names_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFFROOM_SCHEDULER__POLL_SECONDS", "soon")
    with pytest.raises(ConfigError, match=r"scheduler\.poll_seconds"):
        load_settings()


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings("/nonexistent/staffroom.toml")


def _keys(model: type, prefix: str = "") -> set[str]:
    from pydantic import BaseModel

    keys = set()
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= _keys(annotation, f"{prefix}{name}.")
        elif not _is_table_list(annotation):
            keys.add(f"{prefix}{name}")
    return keys


def _is_table_list(annotation: object) -> bool:
    """A list of sections ([[spaces]], [[slack.workspaces]]): documented as a commented
    example, since an empty list of tables cannot be written in TOML."""
    from typing import get_args, get_origin

    from pydantic import BaseModel

    args = get_args(annotation)
    return get_origin(annotation) is list and bool(args) and isinstance(args[0], type) and \
        issubclass(args[0], BaseModel)


def _documented(data: dict, prefix: str = "") -> set[str]:
    keys = set()
    for name, value in data.items():
        if isinstance(value, dict):
            keys |= _documented(value, f"{prefix}{name}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def test_example_config_documents_every_setting_and_loads() -> None:
    text = (ROOT / "config.example.toml").read_text()
    documented = _documented(tomllib.loads(text))
    expected = _keys(Settings)
    assert expected <= documented, sorted(expected - documented)
    for key in ("platform", "id", "introductions_channel", "moderators", "moderator_groups",
                "team_id", "bot_token_env"):
        assert f"# {key} =" in text, key
    load_settings(ROOT / "config.example.toml")


def test_public_links_use_the_base_url_or_the_local_server() -> None:
    from bot.settings import HttpSettings, Settings, WebSettings

    local = Settings(http=HttpSettings(host="0.0.0.0", port=8081))
    assert local.public_url("/calendar.ics") == "http://127.0.0.1:8081/calendar.ics"
    public = Settings(web=WebSettings(base_url="https://staffroom.example.org/"))
    assert public.public_url("teachmeets/3") == "https://staffroom.example.org/teachmeets/3"
    with pytest.raises(ValueError, match="absolute"):
        WebSettings(base_url="staffroom.example.org")


def test_web_settings_spaces_off_the_web_and_page_links() -> None:
    from bot.settings import SpaceSettings, WebSettings

    with pytest.raises(ValueError, match="http"):
        SpaceSettings(platform="slack", id="T1", join_url="join.slack.com/x")
    settings = Settings(web=WebSettings(base_url="https://staffroom.example.org"),
                        spaces=[SpaceSettings(platform="slack", id="T1", web=False)])
    assert not settings.on_web("slack", "T1") and settings.on_web("discord", "G1")
    assert settings.page_url("/library") == "https://staffroom.example.org/library"
    closed = settings.model_copy(update={"web": WebSettings(
        base_url="https://staffroom.example.org", public=False)})
    assert closed.page_url("/library") == ""
