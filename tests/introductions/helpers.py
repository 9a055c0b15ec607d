"""Small helpers shared by the introductions tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.app import App
from bot.replies import Actions, Button, ItemList, Reply, Section
from bot.testing import FakeAdapter
from storage.models import Member


async def member(app: App, handle: str) -> Member:
    async with app.db.sessions() as session:
        found = await session.scalar(select(Member).where(Member.handle == handle))
        assert found is not None, handle
        return found


async def count(app: App, model: Any, *where: Any) -> int:
    async with app.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def set_fields(app: App, handle: str, **values: Any) -> None:
    async with app.db.unit_of_work() as session:
        found = await session.scalar(select(Member).where(Member.handle == handle))
        for key, value in values.items():
            setattr(found, key, value)


def buttons(reply: Reply) -> list[Button]:
    out: list[Button] = []
    for block in reply.blocks:
        if isinstance(block, (Actions, Section)):
            out.extend(block.buttons)
        elif isinstance(block, ItemList):
            out.extend(b for item in block.items for b in item.buttons)
    return out


def sent_texts(chat: FakeAdapter, *, user: str = "", channel: str = "") -> list[str]:
    return [r.plain_text() for d, r in chat.sent
            if (user and d.user_id == user) or (channel and d.channel_id == channel)]


async def expert(chat: FakeAdapter, user: str, summary: str, **profile: str) -> None:
    """A member who has logged `summary`, with an optional profile."""
    await chat.say(f"done {summary}", user=user)
    if profile:
        fields = " ".join(f'{k}="{v}"' for k, v in profile.items())
        reply = await chat.say(f"intro {fields}", user=user)
        assert not reply.is_error, reply.plain_text()
