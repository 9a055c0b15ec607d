"""Teach-meets' part of `mydata` and `forgetme`: what a member organised (one-off and
repeating), RSVPs, talks, follow-ups after events (invitations, "what I'll try"), their
calendar feed and previews waiting for them.

What an organiser ran for others has passed to a moderator, or been cancelled with notices,
before this runs (`leaving`); what is still theirs is deleted (with its reminders): an event
cannot outlive the only person who may edit, move or cancel it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.teachmeets.followups import export_followups, forget_followups
from bot.teachmeets.series import stop_extending
from bot.teachmeets.services import cancel_reminders
from storage.models import Identity, PendingAction
from storage.repositories.teachmeets import TeachMeetRepository


async def export_teachmeets(session: AsyncSession, member_id: int) -> dict[str, Any]:
    repo = TeachMeetRepository(session)
    feed = await repo.feed_of(member_id)
    return {
        "organised": [{"id": m.id, "title": m.title, "starts_at": m.starts_at.isoformat(),
                       "status": m.status, "series_id": m.series_id}
                      for m in await repo.organised_by(member_id)],
        "series": [{"id": s.id, "title": s.template.get("title", ""), "rule": s.rule,
                    "first_start": s.first_start.isoformat(), "status": s.status}
                   for s in await repo.series_organised_by(member_id)],
        "rsvps": [{"teachmeet_id": r.teachmeet_id, "answer": r.answer,
                   "answered_at": r.answered_at.isoformat()}
                  for r in await repo.rsvps_of(member_id)],
        "talks": [{"teachmeet_id": t.teachmeet_id, "kind": t.kind, "title": t.title}
                  for t in await repo.talks_of(member_id)],
        "after_teachmeets": await export_followups(session, member_id),
        "calendar_feed": ({"token": feed.token, "created_at": feed.created_at.isoformat()}
                          if feed is not None else None),
    }


async def forget_teachmeets(session: AsyncSession, member_id: int) -> None:
    repo = TeachMeetRepository(session)
    await forget_followups(session, member_id)
    for owned in await repo.series_organised_by(member_id):
        await stop_extending(session, owned)
    for meet in await repo.forget_member(member_id):
        await cancel_reminders(session, meet)
    accounts = select(Identity.platform, Identity.space_id, Identity.user_id).where(
        Identity.member_id == member_id)
    await session.execute(delete(PendingAction).where(
        tuple_(PendingAction.platform, PendingAction.space_id, PendingAction.user_id)
        .in_(accounts)))
