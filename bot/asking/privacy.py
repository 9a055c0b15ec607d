"""`mydata` and `forgetme` for questions: a member's questions (with every answer to them,
which make no sense without the question) and their answers to others' questions, each with
the "has done" entry that made it findable."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Question, QuestionAnswer, QuestionRecipient
from storage.repositories.asking import EXPIRY_KIND, LATER_KIND, AskingRepository, expiry_key
from storage.repositories.directory import DirectoryRepository
from storage.repositories.due_work import DueWorkRepository
from storage.search import SearchIndex


def _directory(session: AsyncSession) -> DirectoryRepository:
    return DirectoryRepository(session, SearchIndex(session.bind.dialect.name))


async def export_asking(session: AsyncSession, member_id: int) -> dict[str, Any]:
    repo = AskingRepository(session)
    asked = await repo.asked_by(member_id)
    counts = await repo.answer_counts([q.id for q in asked])
    answers = await repo.answers_by(member_id)
    about = {q.id: q for q in [await repo.get(a.question_id) for a in answers] if q}
    return {
        "questions": [
            {
                "id": q.id,
                "question": q.text,
                "public": q.public,
                "status": q.status,
                "asked_at": q.created_at.isoformat(),
                "answers": counts.get(q.id, 0),
            }
            for q in asked
        ],
        "answers": [
            {
                "id": a.id,
                "question": about[a.question_id].text,
                "answer": a.text,
                "answered_at": a.created_at.isoformat(),
                "hidden": a.hidden,
            }
            for a in answers
        ],
    }


async def _unindex(session: AsyncSession, answers: list[QuestionAnswer]) -> None:
    """Remove the answers' "has done" entries with their search rows (FTS5 has no
    cascade)."""
    directory = _directory(session)
    ids = [a.entry_id for a in answers if a.entry_id is not None]
    for entry in (await directory.done_by_ids(ids)).values():
        await directory.remove_done(entry)


async def forget_asking(session: AsyncSession, member_id: int) -> None:
    repo = AskingRepository(session)
    mine = await repo.asked_by(member_id)
    question_ids = [q.id for q in mine]
    answers = [a for q in mine for a in await repo.answers(q.id)]
    answers += [a for a in await repo.answers_by(member_id) if a.question_id not in question_ids]
    await _unindex(session, answers)
    due = DueWorkRepository(session)
    await due.cancel(EXPIRY_KIND, [expiry_key(i) for i in question_ids])
    for question_id in question_ids:
        await due.cancel_prefix(LATER_KIND, f"ask:{question_id}:")
    gone = [a.id for a in answers]
    if gone:
        await session.execute(
            update(Question)
            .where(Question.helpful_answer_id.in_(gone))
            .values(helpful_answer_id=None)
        )
        await session.execute(delete(QuestionAnswer).where(QuestionAnswer.id.in_(gone)))
    await session.execute(
        delete(QuestionRecipient).where(
            (QuestionRecipient.member_id == member_id)
            | QuestionRecipient.question_id.in_(question_ids)
        )
    )
    await session.execute(delete(Question).where(Question.asker_id == member_id))
