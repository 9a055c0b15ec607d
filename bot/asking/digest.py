"""The weekly digest's "Questions answered this week" (opt-in: `[asking] digest`).

Only public questions asked in the space are listed (a private question stays between the
asker and the people asked); answerers are named only where their privacy choice lets this
space see them, and hidden answers count for nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.asking.replies import LISTED, shorten
from bot.commands import DigestRequest
from bot.replies import Block, ItemList, ListItem
from storage.models import Identity
from storage.repositories.asking import AskingRepository

MOST = 10
"""Questions listed in one digest."""


async def questions_answered(request: DigestRequest) -> list[Block]:
    if not request.services.settings.asking.digest:
        return []
    repo = AskingRepository(request.session)
    found = await repo.answered_between(
        request.platform, request.space_id, request.since, request.until
    )
    public = [(q, a) for q, a in found if q.public]
    if not public:
        return []
    people = await repo.members([a.answerer_id for _, a in public])
    here = set(
        await request.session.scalars(
            select(Identity.member_id).where(
                Identity.platform == request.platform, Identity.space_id == request.space_id
            )
        )
    )
    by_question: dict[int, tuple[str, list[str]]] = {}
    for question, answer in public:
        member = people.get(answer.answerer_id)
        visible = member is not None and (
            member.privacy == "network" or (member.privacy == "space" and member.id in here)
        )
        _, names = by_question.setdefault(question.id, (question.text, []))
        name = member.name if visible and member is not None else "a member"
        if name not in names or name == "a member":
            names.append(name)
    items = tuple(
        ListItem(
            f"#{qid} “{shorten(text, LISTED)}”",
            f"Answered by {', '.join(names)}. `ask show {qid}` reads them.",
        )
        for qid, (text, names) in list(by_question.items())[:MOST]
    )
    return [ItemList(items, title="Questions answered this week")]
