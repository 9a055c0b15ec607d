"""The due-work repository: planning is an upsert, cancels stick, claims never overlap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import App
from storage.models import DueWork
from storage.repositories.due_work import DueWorkRepository

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


async def plan(app: App, kind: str, key: str, due: datetime, **payload: object) -> None:
    async with app.db.unit_of_work() as session:
        await DueWorkRepository(session).plan(kind, key, due, dict(payload))


async def item(app: App, kind: str, key: str) -> DueWork:
    async with app.db.sessions() as session:
        found = await DueWorkRepository(session).get(kind, key)
    assert found is not None
    return found


async def claim(app: App, now: datetime, owner: str = "a", **kw: object) -> list[DueWork]:
    async with app.db.unit_of_work() as session:
        return await DueWorkRepository(session).claim(now=now, owner=owner, lease=LEASE, **kw)


async def test_plan_is_an_upsert_and_a_new_time_rearms_it(app: App) -> None:
    await plan(app, "k", "x", T0, n=1)
    await plan(app, "k", "x", T0, n=2)
    async with app.db.sessions() as session:
        assert len(list(await session.scalars(DueWork.__table__.select()))) == 1
    assert (await item(app, "k", "x")).payload == {"n": 2}
    [work] = await claim(app, T0)
    async with app.db.unit_of_work() as session:
        assert await DueWorkRepository(session).finish(work.id, owner="a", status="done",
                                                       now=T0)
    await plan(app, "k", "x", T0, n=3)  # same time: stays done, never sent twice
    assert (await item(app, "k", "x")).status == "done"
    await plan(app, "k", "x", T0 + timedelta(hours=1))  # moved: due again
    moved = await item(app, "k", "x")
    assert (moved.status, moved.due_at, moved.attempts, moved.claimed_by) == (
        "pending", T0 + timedelta(hours=1), 0, None)


async def test_cancel_and_cancel_prefix_treat_wildcards_literally(app: App) -> None:
    for key in ("meet:1:a", "meet:1:b", "meet:12:a", "meet_1:a", "meetX1:a"):
        await plan(app, "k", key, T0)
    async with app.db.unit_of_work() as session:
        repo = DueWorkRepository(session)
        assert await repo.cancel_prefix("k", "meet:1:") == 2
        assert await repo.cancel_prefix("k", "meet_1") == 1  # "_" is not a wildcard
        assert await repo.cancel("k", ["meet:12:a", "missing"]) == 1
        assert await repo.cancel("k", []) == 0
    assert [w.key for w in await claim(app, T0)] == ["meetX1:a"]
    await plan(app, "k", "meet:1:a", T0)  # planning a cancelled item revives it
    assert [w.key for w in await claim(app, T0)] == ["meet:1:a"]


async def test_claims_respect_due_time_leases_and_kinds(app: App) -> None:
    await plan(app, "mine", "early", T0)
    await plan(app, "mine", "later", T0 + timedelta(minutes=5))
    await plan(app, "theirs", "other", T0)
    first = await claim(app, T0, kinds={"mine"})
    assert [w.key for w in first] == ["early"]
    assert first[0].claimed_by == "a" and first[0].lease_until == T0 + LEASE
    assert first[0].attempts == 1
    assert await claim(app, T0 + timedelta(minutes=1), owner="b", kinds={"mine"}) == []
    # after the lease, another copy may take it (its holder is presumed dead)
    retaken = await claim(app, T0 + LEASE + timedelta(seconds=1), owner="b", kinds={"mine"})
    assert [w.key for w in retaken] == ["early"]
    assert retaken[0].attempts == 2
    async with app.db.unit_of_work() as session:
        repo = DueWorkRepository(session)
        assert not await repo.finish(first[0].id, owner="a", status="done", now=T0)
        assert await repo.finish(retaken[0].id, owner="b", status="done", now=T0)


async def test_next_wake_is_never_in_the_past(app: App) -> None:
    async with app.db.sessions() as session:
        assert await DueWorkRepository(session).next_wake(now=T0) is None
    await plan(app, "k", "now", T0 - timedelta(minutes=1))
    await plan(app, "k", "soon", T0 + timedelta(minutes=10))
    await claim(app, T0)  # "now" is claimed until T0 + 2 min
    async with app.db.sessions() as session:
        wake = await DueWorkRepository(session).next_wake(now=T0, kinds={"k"})
        assert wake is not None and T0 + LEASE < wake <= T0 + LEASE + timedelta(seconds=1)
        assert await DueWorkRepository(session).next_wake(now=T0, kinds={"other"}) is None
    await plan(app, "k", "missed", T0 - timedelta(minutes=5))  # due, not yet claimed
    async with app.db.sessions() as session:
        assert await DueWorkRepository(session).next_wake(now=T0, kinds={"k"}) == T0


async def test_deliveries_are_recorded_once_and_a_new_time_clears_them(app: App) -> None:
    await plan(app, "k", "x", T0)
    [work] = await claim(app, T0)
    async with app.db.unit_of_work() as session:
        repo = DueWorkRepository(session)
        await repo.record_deliveries([(work.id, "fake:T:u:ann", "sent", T0)])
        # a second copy that also sent (after losing its lease) records nothing new
        await repo.record_deliveries([(work.id, "fake:T:u:ann", "sent", T0),
                                      (work.id, "fake:T:u:bob", "refused", T0)])
    async with app.db.sessions() as session:
        assert await DueWorkRepository(session).reached(work.id) == {"fake:T:u:ann",
                                                                     "fake:T:u:bob"}
    await plan(app, "k", "x", T0 + timedelta(days=1))  # moved: a new occurrence
    async with app.db.sessions() as session:
        assert await DueWorkRepository(session).reached(work.id) == set()


async def test_renew_extends_only_the_owners_pending_claims(app: App) -> None:
    await plan(app, "k", "x", T0)
    await plan(app, "k", "y", T0)
    first, second = await claim(app, T0)
    async with app.db.unit_of_work() as session:
        repo = DueWorkRepository(session)
        assert await repo.finish(second.id, owner="a", status="done", now=T0)
        kept = await repo.renew([first.id, second.id], owner="a", until=T0 + LEASE * 2)
        assert kept == {first.id}
        assert await repo.renew([first.id], owner="b", until=T0 + LEASE * 3) == set()
    assert (await item(app, "k", "x")).lease_until == T0 + LEASE * 2
    assert await claim(app, T0 + LEASE + timedelta(seconds=1), owner="b") == []
