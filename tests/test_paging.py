"""Every listing pages the same way: "Showing 1–3 of 7", a More button, `more` typed, and
`page=N` (never read as a topic, a region or a name)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from bot.app import App
from bot.features import build_registry
from bot.grammar import GrammarError, parse
from bot.render_text import render_text
from bot.replies import Actions, ItemList, Reply
from bot.settings import (
    ConversationSettings,
    IntroductionsSettings,
    ResourcesSettings,
    SearchSettings,
    Settings,
)
from bot.testing import MODERATOR, FakeAdapter, make_settings
from storage.models import Pin

SIZE = 3


@pytest.fixture
def settings() -> Settings:
    return make_settings(conversation=ConversationSettings(page_size=SIZE),
                         resources=ResourcesSettings(page_size=SIZE),
                         search=SearchSettings(default_limit=SIZE),
                         introductions=IntroductionsSettings(meet_monthly_limit=20))


def items(reply: Reply) -> list[str]:
    return [item.title for block in reply.blocks if isinstance(block, ItemList)
            for item in block.items]


def more_button(reply: Reply) -> bool:
    return any(b.label == "More" for block in reply.blocks if isinstance(block, Actions)
               for b in block.buttons)


async def populate(app: App, chat: FakeAdapter) -> None:
    people = [f"p{n}" for n in range(7)]
    for n, user in enumerate(people):
        await chat.say(f'intro name="Person {n}" region=Camden', user=user)
        await chat.say(f"done Rolled out Chromebooks to year {n + 3}", user=user)
        await chat.say(f'pin https://suggested.example.org/{n} "Suggestion {n}"', user=user)
    for n in range(7):
        await chat.say(f"done Entry {n} about podcasts", user="ann")
        await chat.say(f'pin https://example.org/{n} "Safety guide {n}" #safety',
                       user=MODERATOR)
    async with app.db.unit_of_work() as session:
        await session.execute(update(Pin).where(Pin.url.like("https://example.org/%"))
                              .values(link_status="dead", consecutive_failures=3))
    await chat.say("done Rolled out Chromebooks 1:1", user="bob")
    for user in people:
        listing = await chat.say("meet chromebook rollout", user=user)
        assert not listing.is_error, listing.plain_text()
        ask = await chat.press("meet-ask", {"member": "bob", "topic": "chromebooks"},
                               user=user)
        assert not ask.is_error, ask.plain_text()


LISTINGS = [
    ("done list", "ann"), ("whodone chromebooks", "ann"), ("profile @ann", "bob"),
    ("pins", "ann"), ("pins safety", "ann"), ("pins queue", MODERATOR),
    ("pins dead", MODERATOR), ("audit", MODERATOR), ("meet requests", "bob"),
]


async def test_every_listing_pages(app: App, chat: FakeAdapter) -> None:
    await populate(app, chat)
    for text, user in LISTINGS:
        first = await chat.say(text, user=user)
        shown = first.plain_text()
        assert not first.is_error, (text, shown)
        assert re.search(rf"Showing (?:\w+ )?1–{SIZE}\b", shown), (text, shown)
        assert "Say `more`" in shown, (text, shown)
        assert more_button(first) and "[More: say more]" in render_text(first), text
        page_one = items(first)
        second = await chat.say("more", user=user)
        assert not second.is_error, (text, second.plain_text())
        assert re.search(rf"Showing (?:\w+ )?{SIZE + 1}–", second.plain_text()), (
            text, second.plain_text())
        assert items(second) and set(items(second)).isdisjoint(page_one), text
        typed = await chat.say(f"{text} page=2", user=user)
        assert items(typed) == items(second), text
        beyond = await chat.say(f"{text} page=999", user=user)
        assert "no page 999" in beyond.plain_text() or beyond.is_error, (text,
                                                                         beyond.plain_text())


def test_page_is_never_read_as_a_topic_a_region_or_a_name() -> None:
    registry = build_registry()
    for text, arg in (("whodone chromebooks page=2", "query"), ("pins online safety page=2",
                                                                "query"),
                      ("profile @ann page=2", "member"), ("audit pin. page=2", "action")):
        parsed = parse(registry, text)
        assert parsed.args["page"] == "2" and "page" not in parsed.args[arg], text
    with pytest.raises(GrammarError, match="has no pages"):
        parse(registry, "meet pause page=2")
