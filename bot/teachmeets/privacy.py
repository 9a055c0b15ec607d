"""Teach-meets' part of `mydata` and `forgetme`: what a member organised, RSVPs and talks.

Forgetting an organiser deletes the teach-meets they organised (and their reminders):
an event cannot outlive the only person who may edit, move or cancel it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.teachmeets.services import cancel_reminders
from storage.repositories.teachmeets import TeachMeetRepository


async def export_teachmeets(session: AsyncSession, member_id: int) -> dict[str, Any]:
    repo = TeachMeetRepository(session)
    return {
        "organised": [{"id": m.id, "title": m.title, "starts_at": m.starts_at.isoformat(),
                       "status": m.status} for m in await repo.organised_by(member_id)],
        "rsvps": [{"teachmeet_id": r.teachmeet_id, "answer": r.answer,
                   "answered_at": r.answered_at.isoformat()}
                  for r in await repo.rsvps_of(member_id)],
        "talks": [{"teachmeet_id": t.teachmeet_id, "kind": t.kind, "title": t.title}
                  for t in await repo.talks_of(member_id)],
    }


async def forget_teachmeets(session: AsyncSession, member_id: int) -> None:
    for meet in await TeachMeetRepository(session).forget_member(member_id):
        await cancel_reminders(session, meet)
