"""A network to look at on the web: members with every privacy choice, teach-meets with
talks and sign-ups, and a small library, all made through the bot's own commands."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from multidict import CIMultiDict

from bot.app import App
from bot.http import HttpServer
from bot.testing import MODERATOR, FakeAdapter

LISTED = {"ann": "Annwen Listedperson", "eve": "Evelyn Listedtoo"}
"""privacy network and `privacy web on`: their names may appear."""
UNLISTED = {"bob": "Bartholomew Webless", "cat": "Catrin Spaceonly",
            "dan": "Dafydd Hiddenaway"}
"""network with web listing off; space (web on); hidden (web on): never on a page."""


@dataclass
class Seeded:
    meet: int
    online_meet: int
    pins: list[int]


async def say(chat: FakeAdapter, text: str, user: str) -> str:
    reply = await chat.say(text, user=user)
    assert not reply.is_error, f"{text!r}: {reply.plain_text()}"
    return reply.plain_text()


async def seed(chat: FakeAdapter) -> Seeded:
    for user, name in {**LISTED, **UNLISTED}.items():
        await say(chat, f'intro name="{name}" region=Wales', user)
    for user in ("ann", "eve", "cat", "dan"):
        await say(chat, "privacy web on", user)
    await say(chat, "privacy space", "cat")
    await say(chat, "privacy hidden", "dan")
    created = await say(chat, 'teachmeet create confirm=yes '
                              'Autumn TeachMeet start="2026-11-17 16:00" '
                              'duration=2h venue="Cardiff Central Library" region=Wales '
                              'capacity=40 slots="4 nano, 2 micro" -- Short talks from '
                              'classrooms across Wales, then tea.', "ann")
    meet = int(re.search(r"#(\d+)", created).group(1))  # type: ignore[union-attr]
    for user, kind, title in (("bob", "nano", "Podcasting with year 5"),
                              ("cat", "micro", "Chromebooks at scale"),
                              ("dan", "nano", "Minecraft for maths"),
                              ("eve", "micro", "Micro:bits in the library")):
        await say(chat, f"teachmeet present {meet} {kind} {title}", user)
    for user in ("bob", "cat", "dan", "eve"):
        await say(chat, f"teachmeet going {meet}", user)
    online = await say(chat, 'teachmeet create confirm=yes '
                             'Digital leaders online start="2026-11-24 '
                             '19:00" link=https://meet.example.org/dl region=Kent', "bob")
    online_meet = int(re.search(r"#(\d+)", online).group(1))  # type: ignore[union-attr]
    pins = []
    for url, title, tags, about in (
        ("https://example.org/safety", "Online safety guide for parents", "#safety #parents",
         "A clear guide to online safety for parents of primary children."),
        ("https://example.org/microbit", "Micro:bit coding club starter", "#coding #microbit",
         "Six weeks of micro:bit coding club sessions, with printable cards."),
        ("https://example.org/vle", "Moodle tips for new staff", "#vle",
         "Getting started with the school VLE."),
        ("https://example.org/chromebooks", "Chromebook rollout checklist", "#devices",
         "What to check before a 1:1 Chromebook rollout: wifi, charging, safety settings."),
    ):
        shown = await say(chat, f"pin {url} {title} {tags} -- {about}", MODERATOR)
        pins.append(int(re.search(r"#(\d+)", shown).group(1)))  # type: ignore[union-attr]
    return Seeded(meet, online_meet, pins)


@asynccontextmanager
async def serving(app: App) -> AsyncIterator[HttpServer]:
    server = app.build_http()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def fetch(server: HttpServer, path: str, **headers: str
                ) -> tuple[int, CIMultiDict[str], str]:
    """(status, headers (any case), body) for one GET."""
    async with aiohttp.ClientSession() as session, \
            session.get(server.url + path, headers=headers, allow_redirects=False) as resp:
        return resp.status, CIMultiDict(resp.headers), await resp.text()


def internal_links(html: str) -> set[str]:
    """Every same-site address a page links to (pages, .ics files, assets)."""
    found = set(re.findall(r'(?:href|src)="(/[^"]*)"', html))
    return {link.replace("&amp;", "&") for link in found}
