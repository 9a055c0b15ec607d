"""When each space's digest is due: day and time per space, in the network time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import App
from bot.digest import next_occurrence, plan_digests
from bot.settings import DigestSettings, NetworkSettings, SpaceSettings
from bot.testing import SPACE, make_settings
from tests.resources.helpers import MOD
from tests.resources.test_digest import WEDNESDAY, _due


@pytest.fixture
def settings():
    return make_settings(
        network=NetworkSettings(timezone="Europe/London"),
        digest=DigestSettings(day="monday", time="09:00"),
        spaces=[SpaceSettings(platform="fake", id=SPACE, announcements_channel="C-NEWS",
                              moderators=[MOD]),
                SpaceSettings(platform="fake", id="T-FRI", announcements_channel="C-FRI",
                              digest_day="fri", digest_time="16:30"),
                SpaceSettings(platform="fake", id="T-QUIET")])


async def test_day_and_time_per_space_in_the_network_time_zone(app: App) -> None:
    settings = app.services.settings
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # a Wednesday, London on BST
    assert next_occurrence(settings, "fake", SPACE, summer).until == datetime(
        2026, 7, 6, 8, 0, tzinfo=UTC)
    assert next_occurrence(settings, "fake", "T-FRI", summer).until == datetime(
        2026, 7, 3, 15, 30, tzinfo=UTC)
    friday = next_occurrence(settings, "fake", "T-FRI", WEDNESDAY)
    assert friday.until == datetime(2026, 11, 6, 16, 30, tzinfo=UTC)
    assert (friday.until - friday.since).days == 7
    # the hour the clocks go back: the period is still a calendar week, local time
    across = next_occurrence(settings, "fake", SPACE, datetime(2026, 10, 28, tzinfo=UTC))
    assert across.until == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert across.since == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    app.services.clock.set(WEDNESDAY)
    await plan_digests(app.services)
    keys = sorted(w.key for w in await _due(app))
    assert keys == ["digest:fake:T-FRI:2026-W45", f"digest:fake:{SPACE}:2026-W46"]


def test_bad_digest_settings_name_the_key(tmp_path) -> None:
    from bot.settings import ConfigError, load_settings

    config = tmp_path / "staffroom.toml"
    config.write_text('[digest]\nday = "someday"\n\n[[spaces]]\nplatform = "slack"\n'
                      'id = "T1"\ndigest_time = "25:00"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    assert "digest.day: Value error, must be a weekday name" in message
    assert "spaces.0.digest_time: Value error, must be a 24-hour time" in message
    config.write_text('[digest]\nday = "Fri"\ntime = "7:30"\n')
    loaded = load_settings(config)
    assert (loaded.digest.day, loaded.digest.time) == ("friday", "07:30")
