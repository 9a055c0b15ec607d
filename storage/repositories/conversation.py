"""Storing the open question per account, and taking its answer exactly once.

Asking is an upsert on (platform, space, user): the newest question replaces an older one.
Taking an answer is `DELETE ... WHERE id = ? AND token = ?`: of two copies of the bot that
receive the same answer, or an answer racing a newer question, exactly one deletes the row
it matched, and only that one acts on it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PendingQuestion

Account = tuple[str, str, str]
"""(platform, space_id, user_id)."""


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ask(self, account: Account, question: dict[str, Any], *, now: datetime,
                  expires_at: datetime) -> str:
        """Record the account's open question (replacing any older one); its token."""
        platform, space_id, user_id = account
        token = secrets.token_hex(8)
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        values = {"token": token, "question": question, "asked_at": now,
                  "expires_at": expires_at}
        statement = insert(PendingQuestion).values(
            platform=platform[:16], space_id=space_id[:64], user_id=user_id[:64], **values)
        await self.session.execute(statement.on_conflict_do_update(
            index_elements=["platform", "space_id", "user_id"], set_=values))
        return token

    async def open_question(self, account: Account, *, now: datetime
                            ) -> PendingQuestion | None:
        """The account's question, unless it has expired."""
        platform, space_id, user_id = account
        return await self.session.scalar(
            select(PendingQuestion).where(
                PendingQuestion.platform == platform[:16],
                PendingQuestion.space_id == space_id[:64],
                PendingQuestion.user_id == user_id[:64],
                PendingQuestion.expires_at > now))

    async def take(self, question_id: int, token: str) -> bool:
        """End this question; True only for the one caller (in any copy) that ended it."""
        result = await self.session.execute(
            delete(PendingQuestion).where(PendingQuestion.id == question_id,
                                          PendingQuestion.token == token)
            .execution_options(synchronize_session=False))
        return result.rowcount == 1

    async def purge(self, now: datetime) -> int:
        """Delete questions nobody answered in time."""
        result = await self.session.execute(
            delete(PendingQuestion).where(PendingQuestion.expires_at <= now)
            .execution_options(synchronize_session=False))
        return result.rowcount or 0

    async def of_accounts(self, accounts: Sequence[Account]) -> list[PendingQuestion]:
        if not accounts:
            return []
        return list(await self.session.scalars(select(PendingQuestion).where(
            tuple_(PendingQuestion.platform, PendingQuestion.space_id,
                   PendingQuestion.user_id).in_(list(accounts)))))

    async def forget(self, accounts: Sequence[Account]) -> int:
        """Delete every question asked of these accounts (`forgetme`)."""
        if not accounts:
            return 0
        result = await self.session.execute(
            delete(PendingQuestion).where(
                tuple_(PendingQuestion.platform, PendingQuestion.space_id,
                       PendingQuestion.user_id).in_(list(accounts)))
            .execution_options(synchronize_session=False))
        return result.rowcount or 0

    async def forget_mentioning(self, needles: Sequence[str]) -> int:
        """Delete questions whose text or answers mention any of `needles` (a member being
        forgotten, named in a question asked of someone else)."""
        wanted = [n.lower() for n in needles if n]
        doomed = [row_id for row_id, question in await self.session.execute(
            select(PendingQuestion.id, PendingQuestion.question))
                  if any(n in json.dumps(question, ensure_ascii=False).lower() for n in wanted)]
        if not doomed:
            return 0
        result = await self.session.execute(
            delete(PendingQuestion).where(PendingQuestion.id.in_(doomed))
            .execution_options(synchronize_session=False))
        return result.rowcount or 0
