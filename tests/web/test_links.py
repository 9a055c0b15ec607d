"""Replies link to the web pages where that helps, and only when a member could open them."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.replies import Actions, Button, ItemList, Reply, Section
from bot.settings import Settings, SpaceSettings, WebSettings
from bot.testing import MODERATOR, FakeAdapter, make_settings
from bot.web import links

BASE = "https://staffroom.example.org"


def link_buttons(reply: Reply) -> list[Button]:
    found: list[Button] = []
    for block in reply.blocks:
        if isinstance(block, (Actions, Section)):
            found += block.buttons
        elif isinstance(block, ItemList):
            found += [b for item in block.items for b in item.buttons]
    return [b for b in found if b.url]


@pytest.fixture
def settings() -> Settings:
    base = make_settings(web=WebSettings(base_url=BASE))
    return base.model_copy(update={"spaces": [
        *base.spaces, SpaceSettings(platform="fake", id="T-PRIVATE", web=False)]})


async def test_a_teach_meet_card_links_to_its_page(app: App, chat: FakeAdapter) -> None:
    created = await chat.say('teachmeet create confirm=yes '
                             'Autumn TeachMeet start="2026-11-17 16:00"',
                             user="ann")
    assert [(b.label, b.url) for b in link_buttons(created)] == [
        ("Details", f"{BASE}/teachmeets/1")]
    shown = await chat.say("teachmeet show 1", user="bob")
    assert [b.url for b in link_buttons(shown)] == [f"{BASE}/teachmeets/1"]
    assert f"[Details: {BASE}/teachmeets/1]" in shown.plain_text()
    private = await chat.say('teachmeet create confirm=yes Staff only start="2026-11-18 16:00"',
                             user="ann", space="T-PRIVATE")
    assert not private.is_error and link_buttons(private) == []


async def test_the_library_links_to_the_same_view_on_the_web(app: App,
                                                             chat: FakeAdapter) -> None:
    empty = await chat.say("pins", user="ann")
    assert link_buttons(empty) == []  # nothing to see there yet
    await chat.say("pin https://example.org/guide Online safety guide #safety", user=MODERATOR)
    browsed = await chat.say("pins #safety", user="ann")
    assert [(b.label, b.url) for b in link_buttons(browsed)] == [
        ("See all on the web", f"{BASE}/library?tag=safety")]
    searched = await chat.say("pins online safety", user="ann")
    assert [b.url for b in link_buttons(searched)] == [f"{BASE}/library?q=online+safety"]


@pytest.mark.parametrize("web", [WebSettings(), WebSettings(base_url=BASE, public=False),
                                 WebSettings(base_url=BASE, enabled=False)])
def test_no_links_without_pages_members_could_open(web: WebSettings) -> None:
    settings = make_settings(web=web)
    assert settings.page_url("/library") == ""
    assert links.library_url(settings, "safety") == ""


def test_paths() -> None:
    assert links.library_path("online safety", ["vle", "a&b"], 2) == \
        "/library?q=online+safety&tag=vle&tag=a%26b&page=2"
    assert links.teachmeets_path("North East", 1) == "/teachmeets?region=North+East"
    assert links.feed_path("North East") == "/calendar/North%20East.ics"
    assert links.feed_path() == "/calendar.ics"
    assert links.meet_ics_path(3) == "/teachmeets/3.ics"
