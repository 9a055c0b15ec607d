"""Reading codes out of replies, and the directory's rows, for the linking tests."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from bot.app import App
from bot.replies import Reply
from bot.testing import FakeAdapter
from storage.models import Identity, Member

CODE = re.compile(r"`link ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})`")


def code_in(reply: Reply) -> str:
    found = CODE.search(reply.plain_text())
    assert found, reply.plain_text()
    return found.group(1)


async def code_for(chat: FakeAdapter, user: str, **kw: Any) -> str:
    """Ask for a code in a direct message and read it from the reply."""
    reply = await chat.say("link", user=user, direct=True, **kw)
    assert not reply.is_error, reply.plain_text()
    return code_in(reply)


async def link(first: FakeAdapter, first_user: str, second: FakeAdapter,
               second_user: str) -> Reply:
    """The whole flow: a code from the first account, said and confirmed by the second."""
    code = await code_for(first, first_user)
    asked = await second.say(f"link {code}", user=second_user, direct=True)
    assert not asked.is_error, asked.plain_text()
    done = await second.say(f"link {code} confirm=yes", user=second_user, direct=True)
    assert not done.is_error, done.plain_text()
    return done


async def members(app: App) -> list[Member]:
    async with app.db.sessions() as session:
        return list(await session.scalars(select(Member).order_by(Member.id)))


async def member_of(app: App, platform: str, space: str, user: str) -> Member | None:
    async with app.db.sessions() as session:
        return await session.scalar(select(Member).join(Identity).where(
            Identity.platform == platform, Identity.space_id == space,
            Identity.user_id == user))


async def count(app: App, model: Any, *where: Any) -> int:
    async with app.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def create_meet(chat: FakeAdapter, text: str, *, user: str, **kw: Any) -> Reply:
    """`teachmeet create ...`, pressing Create if the bot first shows a preview."""
    reply = await chat.say(text, user=user, **kw)
    assert not reply.is_error, reply.plain_text()
    from tests.introductions.helpers import buttons

    create = next((b for b in buttons(reply) if b.label == "Create"), None)
    if create is not None:
        reply = await chat.press(create.command, dict(create.args), user=user, **kw)
        assert not reply.is_error, reply.plain_text()
    return reply
