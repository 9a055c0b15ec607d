"""The shipped thesaurus is extendable from `[search] synonyms`, with no re-indexing."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.settings import SearchSettings, Settings
from bot.testing import make_settings
from tests.storage.test_search import load, who


@pytest.fixture
def settings() -> Settings:
    return make_settings(search=SearchSettings(synonyms=[
        ["Kit List", "asset register", "inventory"], ["Bett", "Bett Show"]]))


async def test_configured_synonyms_join_the_thesaurus(app: App) -> None:
    await load(app, {"amy": ["Built the trust's asset register"],
                     "ben": ["Ran our stand at the Bett Show"],
                     "cy": ["Set up a Moodle VLE"]})
    assert await who(app, "inventory") == ["amy"]
    assert await who(app, "kit-list") == ["amy"]
    assert await who(app, "bett") == ["ben"]
    assert await who(app, "learning platform") == ["cy"]  # the shipped groups still apply
