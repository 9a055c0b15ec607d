"""Settings for the library's tests: the link checker may reach the loopback test server,
and its politeness pauses are zero unless a test sets them (time never really passes)."""

from __future__ import annotations

import pytest

from bot.settings import LinkCheckSettings, ResourcesSettings, Settings
from bot.testing import make_settings


@pytest.fixture
def settings() -> Settings:
    return make_settings(resources=ResourcesSettings(
        page_size=3,
        link_check=LinkCheckSettings(allow_private_hosts=True, delay_seconds=0,
                                     host_spacing_seconds=0, timeout_seconds=5,
                                     dead_after=2, user_agent="StaffroomTest/1")))
