"""Facts about this deployment, made once and kept (`deployment_facts`).

"id" is the deployment's one identity: a random UUID that names its calendar entries and
gives its linking codes their mark, so every copy of the bot agrees on both and another
deployment (another network, another database) differs.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DeploymentFact


async def deployment_id(session: AsyncSession) -> str:
    """This deployment's id, made once (whichever copy asks first) and kept."""
    found = await session.get(DeploymentFact, "id")
    if found is not None:
        return found.value
    bind = session.bind
    insert = pg_insert if bind is not None and bind.dialect.name == "postgresql" \
        else sqlite_insert
    await session.execute(insert(DeploymentFact).values(
        key="id", value=uuid.uuid4().hex).on_conflict_do_nothing(index_elements=["key"]))
    value = await session.scalar(select(DeploymentFact.value).where(DeploymentFact.key == "id"))
    assert value is not None
    return value
