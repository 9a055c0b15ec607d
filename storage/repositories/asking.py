"""Questions to the network: asking, answering, the load history that spreads questions
across experts, and erasing a member's part."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, Question, QuestionAnswer, QuestionRecipient

EXPIRY_KIND = "ask-expire"
LATER_KIND = "ask-later"
"""The one reminder a recipient gets after answering a question "Later"."""


def expiry_key(question_id: int) -> str:
    return f"ask:{question_id}"


def later_key(question_id: int, member_id: int) -> str:
    return f"ask:{question_id}:later:{member_id}"


class AskingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, question: Question, member_ids: Sequence[int]) -> Question:
        self.session.add(question)
        await self.session.flush()
        self.session.add_all(
            QuestionRecipient(
                question_id=question.id, member_id=m, status="asked", asked_at=question.created_at
            )
            for m in member_ids
        )
        await self.session.flush()
        return question

    async def get(self, question_id: int) -> Question | None:
        return await self.session.get(Question, question_id)

    async def recipient(self, question_id: int, member_id: int) -> QuestionRecipient | None:
        return await self.session.scalar(
            select(QuestionRecipient).where(
                QuestionRecipient.question_id == question_id,
                QuestionRecipient.member_id == member_id,
            )
        )

    async def recipients(self, question_id: int) -> list[QuestionRecipient]:
        return list(
            await self.session.scalars(
                select(QuestionRecipient)
                .where(QuestionRecipient.question_id == question_id)
                .order_by(QuestionRecipient.id)
            )
        )

    async def drop_recipient(self, question_id: int, member_id: int) -> None:
        await self.session.execute(
            delete(QuestionRecipient).where(
                QuestionRecipient.question_id == question_id,
                QuestionRecipient.member_id == member_id,
            )
        )

    async def take_answer(self, recipient: QuestionRecipient) -> bool:
        """Mark the recipient answered unless they already are: a conditional update, so of
        two answers racing (a double press, two copies of the bot) exactly one wins."""
        result = await self.session.execute(
            update(QuestionRecipient)
            .where(QuestionRecipient.id == recipient.id, QuestionRecipient.status != "answered")
            .values(status="answered")
            .execution_options(synchronize_session=False)
        )
        await self.session.refresh(recipient)
        return bool(result.rowcount)

    async def answer(self, answer_id: int) -> QuestionAnswer | None:
        return await self.session.get(QuestionAnswer, answer_id)

    async def answers(self, question_id: int) -> list[QuestionAnswer]:
        return list(
            await self.session.scalars(
                select(QuestionAnswer)
                .where(QuestionAnswer.question_id == question_id)
                .order_by(QuestionAnswer.id)
            )
        )

    async def add_answer(self, answer: QuestionAnswer) -> QuestionAnswer:
        self.session.add(answer)
        await self.session.flush()
        return answer

    async def load(
        self, member_ids: Sequence[int], since: datetime
    ) -> dict[int, tuple[int, datetime | None]]:
        """Per member: questions received since `since`, and when they were last asked
        (ever): what spreads questions across experts."""
        if not member_ids:
            return {}
        counts = dict(
            (
                await self.session.execute(
                    select(QuestionRecipient.member_id, func.count())
                    .where(
                        QuestionRecipient.member_id.in_(member_ids),
                        QuestionRecipient.asked_at >= since,
                    )
                    .group_by(QuestionRecipient.member_id)
                )
            ).all()
        )
        last = dict(
            (
                await self.session.execute(
                    select(QuestionRecipient.member_id, func.max(QuestionRecipient.asked_at))
                    .where(QuestionRecipient.member_id.in_(member_ids))
                    .group_by(QuestionRecipient.member_id)
                )
            ).all()
        )
        return {m: (counts.get(m, 0), last.get(m)) for m in member_ids}

    async def open_asked_by(self, member_id: int) -> list[Question]:
        return list(
            await self.session.scalars(
                select(Question)
                .where(Question.asker_id == member_id, Question.status == "open")
                .order_by(Question.created_at, Question.id)
            )
        )

    async def waiting_on(self, member_id: int) -> list[Question]:
        """Open questions sent to the member that they have neither answered nor declined."""
        return list(
            await self.session.scalars(
                select(Question)
                .join(QuestionRecipient, QuestionRecipient.question_id == Question.id)
                .where(
                    QuestionRecipient.member_id == member_id,
                    Question.status == "open",
                    QuestionRecipient.status.in_(("asked", "later")),
                )
                .order_by(Question.created_at, Question.id)
            )
        )

    async def answer_counts(self, question_ids: Sequence[int]) -> dict[int, int]:
        if not question_ids:
            return {}
        rows = await self.session.execute(
            select(QuestionAnswer.question_id, func.count())
            .where(QuestionAnswer.question_id.in_(question_ids), ~QuestionAnswer.hidden)
            .group_by(QuestionAnswer.question_id)
        )
        return dict(rows.all())

    async def members(self, ids: Sequence[int]) -> dict[int, Member]:
        if not ids:
            return {}
        return {
            m.id: m
            for m in await self.session.scalars(select(Member).where(Member.id.in_(set(ids))))
        }

    async def asked_by(self, member_id: int) -> list[Question]:
        return list(
            await self.session.scalars(
                select(Question).where(Question.asker_id == member_id).order_by(Question.id)
            )
        )

    async def answers_by(self, member_id: int) -> list[QuestionAnswer]:
        return list(
            await self.session.scalars(
                select(QuestionAnswer)
                .where(QuestionAnswer.answerer_id == member_id)
                .order_by(QuestionAnswer.id)
            )
        )

    async def answered_between(
        self, platform: str, space_id: str, since: datetime, until: datetime
    ) -> list[tuple[Question, QuestionAnswer]]:
        """Visible answers given in [since, until) to questions asked in this space."""
        rows = await self.session.execute(
            select(Question, QuestionAnswer)
            .join(QuestionAnswer, QuestionAnswer.question_id == Question.id)
            .where(
                Question.platform == platform,
                Question.space_id == space_id,
                QuestionAnswer.created_at >= since,
                QuestionAnswer.created_at < until,
                ~QuestionAnswer.hidden,
            )
            .order_by(Question.id, QuestionAnswer.id)
        )
        return [(q, a) for q, a in rows.all()]
