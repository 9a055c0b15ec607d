"""Helpers for teach-meet tests: creating events and reading the database back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.app import App
from bot.replies import Reply
from bot.testing import FakeAdapter
from storage.models import DueWork, Member, TeachMeet, TeachMeetRsvp, TeachMeetTalk

CREATE = ('teachmeet create "Autumn TeachMeet" start="2026-11-10 16:00 Europe/London" '
          'duration=2h venue="Cardiff Central Library" region=Wales capacity=2 '
          'slots="2 nano, 1 micro 6min, 1 soapbox"')


def confirmed(text: str) -> str:
    """The command with `confirm=yes` (before any `-- description`): no preview."""
    head, sep, tail = text.partition(" -- ")
    return f"{head} confirm=yes{sep}{tail}"


async def create(chat: FakeAdapter, text: str = CREATE, *, user: str = "org") -> Reply:
    """Create straight away (`confirm=yes`); previews have tests of their own."""
    reply = await chat.say(confirmed(text), user=user)
    assert not reply.is_error, reply.plain_text()
    assert reply.plain_text().startswith("New "), reply.plain_text()
    return reply


async def move(chat: FakeAdapter, meet_id: int, when: str, *, user: str = "org") -> Reply:
    """Move straight away (`confirm=yes`)."""
    reply = await chat.say(f"teachmeet move {meet_id} {when} confirm=yes", user=user)
    assert not reply.is_error, reply.plain_text()
    return reply


async def rows(app: App, model: Any, *where: Any) -> list[Any]:
    async with app.db.sessions() as session:
        return list(await session.scalars(select(model).where(*where).order_by(model.id)))


async def meet(app: App, meet_id: int = 1) -> TeachMeet:
    async with app.db.sessions() as session:
        found = await session.get(TeachMeet, meet_id)
    assert found is not None
    return found


async def snapshot(app: App) -> list[list[tuple[Any, ...]]]:
    """Every teach-meet row and every due-work row, to show a refusal changed nothing."""
    out = []
    async with app.db.sessions() as session:
        for model in (TeachMeet, TeachMeetRsvp, TeachMeetTalk, DueWork):
            table = model.__table__
            result = await session.execute(select(table).order_by(table.c.id))
            out.append([tuple(row) for row in result])
    return out


async def answers(app: App, meet_id: int = 1) -> dict[str, str]:
    async with app.db.sessions() as session:
        result = await session.execute(
            select(Member.handle, TeachMeetRsvp.answer).join(
                Member, Member.id == TeachMeetRsvp.member_id)
            .where(TeachMeetRsvp.teachmeet_id == meet_id))
        return dict(result.all())


async def set_member(app: App, handle: str, **values: Any) -> None:
    async with app.db.unit_of_work() as session:
        member = await session.scalar(select(Member).where(Member.handle == handle))
        assert member is not None
        for key, value in values.items():
            setattr(member, key, value)
