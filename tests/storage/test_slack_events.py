"""Slack event ids: one winner per id across copies, forgotten after their expiry."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.app import App
from bot.testing import FakeClock
from storage.repositories.slack_events import SlackEventRepository


async def sighting(app: App, event_id: str, clock: FakeClock) -> bool:
    async with app.db.unit_of_work() as session:
        return await SlackEventRepository(session).first_sighting(
            event_id, "T1", clock.now(), timedelta(hours=1))


async def test_first_sighting_wins_once_and_expires(app: App, clock: FakeClock) -> None:
    assert await sighting(app, "Ev1", clock) is True
    assert await sighting(app, "Ev1", clock) is False
    assert await sighting(app, "Ev2", clock) is True
    racing = await asyncio.gather(*(sighting(app, "Ev3", clock) for _ in range(5)))
    assert sorted(racing) == [False, False, False, False, True]
    clock.advance(minutes=59)
    async with app.db.unit_of_work() as session:
        assert await SlackEventRepository(session).purge(clock.now()) == 0
    clock.advance(minutes=2)
    async with app.db.unit_of_work() as session:
        assert await SlackEventRepository(session).purge(clock.now()) == 3
    assert await sighting(app, "Ev1", clock) is True
