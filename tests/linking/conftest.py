"""Two platforms ("fake", standing in for Slack, and "other", for Discord), each with one
space of its own local group, both wired to one app."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.settings import Settings, SpaceSettings
from bot.testing import MODERATOR, SPACE, FakeAdapter, make_settings

OTHER_SPACE = "G-WALES"


@pytest.fixture
def settings() -> Settings:
    return make_settings(spaces=[
        SpaceSettings(platform="fake", id=SPACE, name="Camden ed-tech", group="Camden",
                      introductions_channel="C-INTROS", announcements_channel="C-NEWS",
                      moderators=[MODERATOR]),
        SpaceSettings(platform="other", id=OTHER_SPACE, name="Wales server", group="Wales",
                      announcements_channel="C-WNEWS"),
    ])


@pytest.fixture
def other(app: App) -> FakeAdapter:
    """The second platform."""
    adapter = FakeAdapter(app.core, platform="other", space_id=OTHER_SPACE)
    app.services.notifier.register(adapter)
    return adapter
