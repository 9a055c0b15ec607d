"""`link`, `link CODE`, `link list`, `link cancel`, `unlink`: through the core, on SQLite and
PostgreSQL, with two platforms (fake and other) standing in for Slack and Discord."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.app import App
from bot.linking import codes
from bot.replies import Reply
from bot.testing import SPACE, FakeAdapter, FakeClock, make_settings
from storage.models import AuditEntry, DoneEntry, Identity, LinkCode, Member
from tests.linking.conftest import OTHER_SPACE
from tests.linking.helpers import CODE, code_for, code_in, count, link, member_of, members


def _buttons(reply: Reply) -> dict[str, dict]:
    from tests.introductions.helpers import buttons

    return {b.label: dict(b.args) for b in buttons(reply)}


async def _snapshot(app: App) -> tuple:
    """Everything a refused link must leave as it was."""
    async with app.db.sessions() as session:
        people = [(m.id, m.handle, m.name, m.privacy) for m in
                  await session.scalars(select(Member).order_by(Member.id))]
        accounts = [(i.member_id, i.platform, i.space_id, i.user_id) for i in
                    await session.scalars(select(Identity).order_by(Identity.id))]
        entries = [(e.id, e.member_id) for e in
                   await session.scalars(select(DoneEntry).order_by(DoneEntry.id))]
        code_rows = [(c.id, c.status) for c in
                     await session.scalars(select(LinkCode).order_by(LinkCode.id))]
    return people, accounts, entries, code_rows


async def test_a_valid_code_links_after_the_other_side_confirms(app: App, chat: FakeAdapter,
                                                               other: FakeAdapter) -> None:
    await chat.say("done Rolled out Chromebooks 1:1", user="ceri")
    await other.say("done Ran a podcast club", user="ceri-d")
    reply = await chat.say("link", user="ceri", direct=True)
    assert reply.plain_text().startswith("Say `link "), "the reply reads 'say `link CODE`'"

    code = code_in(reply)
    asked = await other.say(f"link {code}", user="ceri-d", direct=True)
    assert asked.tone == "warning" and "Join these two profiles" in asked.plain_text()
    assert _buttons(asked)["Link them"] == {"code": code, "confirm": True}
    assert len(await members(app)) == 2, "nothing is joined before the confirmation"

    done = await other.press("link", {"code": code, "confirm": True}, user="ceri-d",
                             direct=True)
    assert done.tone == "success", done.plain_text()
    [member] = await members(app)
    assert await count(app, Identity, Identity.member_id == member.id) == 2
    assert await count(app, DoneEntry, DoneEntry.member_id == member.id) == 2
    assert "2 accounts are now one profile" in done.plain_text()
    # the account whose code it was is told
    [told] = chat.sent_to("ceri")
    assert "Your linking code was used" in told.plain_text()
    assert "Wales server" in told.plain_text()
    async with app.db.sessions() as session:
        [entry] = await session.scalars(select(AuditEntry).where(AuditEntry.action == "link"))
    assert entry.target == f"member:{member.id}"
    # both accounts are the same person now, wherever they speak
    mine = await chat.say("link list", user="ceri")
    assert "Camden ed-tech" in mine.plain_text() and "Wales server" in mine.plain_text()
    assert (await other.say("done list", user="ceri-d")).plain_text().count("#") >= 2


async def test_expired_reused_and_wrong_codes_change_nothing(app: App, chat: FakeAdapter,
                                                             other: FakeAdapter,
                                                             clock: FakeClock) -> None:
    code = await code_for(chat, "ceri")
    await other.say("done Something", user="ceri-d")
    clock.advance(minutes=10, seconds=1)
    before = await _snapshot(app)
    reply = await other.say(f"link {code} confirm=yes", user="ceri-d", direct=True)
    assert reply.is_error and "expired" in reply.plain_text()
    assert await _snapshot(app) == before

    code = await code_for(chat, "ceri")
    await link(chat, "ceri", other, "ceri-d")  # a fresh code, used
    await chat.say("done Another", user="sam")
    used = code_in(await chat.say("link", user="ceri", direct=True))
    await other.say(f"link {used} confirm=yes", user="sam-d", direct=True)  # sam-d: new
    before = await _snapshot(app)
    again = await chat.say(f"link {used} confirm=yes", user="sam", direct=True)
    assert again.is_error and "already been used" in again.plain_text()
    assert await _snapshot(app) == before

    mark = code[:3]
    wrong = next(c for c in (codes.make_code(mark) for _ in range(50)) if c != code)
    before = await _snapshot(app)
    bad = await chat.say(f"link {codes.shown(wrong)}", user="sam", direct=True)
    assert bad.is_error and "isn't right" in bad.plain_text()
    assert await _snapshot(app) == before
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert "typo" in (await chat.say(f"link {typo}", user="sam", direct=True)).plain_text()
    garbage = await chat.say("link hello there", user="sam", direct=True)
    assert garbage.is_error and "isn't a linking code" in garbage.plain_text()


async def test_wrong_codes_are_rate_limited(app: App, chat: FakeAdapter,
                                            clock: FakeClock) -> None:
    mark = code_in(await chat.say("link", user="ceri", direct=True))[:3]
    for _ in range(codes.WRONG_CODES):
        reply = await chat.say(f"link {codes.shown(codes.make_code(mark))}", user="eve",
                               direct=True)
        assert "isn't right" in reply.plain_text()
    blocked = await chat.say(f"link {codes.shown(codes.make_code(mark))}", user="eve",
                             direct=True)
    assert blocked.is_error and "Too many wrong codes" in blocked.plain_text()
    # even the right code waits: guessing must not pay
    right = code_in(await chat.say("link", user="ceri", direct=True))
    assert "Too many" in (await chat.say(f"link {right}", user="eve", direct=True)).plain_text()
    clock.advance(minutes=16)
    right = code_in(await chat.say("link", user="ceri", direct=True))
    assert "Join these two" in (await chat.say(f"link {right}", user="eve",
                                               direct=True)).plain_text()


async def test_codes_are_rate_limited_single_and_replaced(app: App, chat: FakeAdapter,
                                                          other: FakeAdapter,
                                                          clock: FakeClock) -> None:
    first = await code_for(chat, "ceri")
    second = await code_for(chat, "ceri")
    assert first != second
    old = await other.say(f"link {first}", user="ceri-d", direct=True)
    assert old.is_error and "replaced by a newer one" in old.plain_text()
    for _ in range(codes.CODES_PER_HOUR - 2):
        await code_for(chat, "ceri")
    limited = await chat.say("link", user="ceri", direct=True)
    assert limited.is_error and "in the last hour" in limited.plain_text()
    assert not CODE.search(limited.plain_text())
    clock.advance(hours=1, minutes=1)
    assert CODE.search((await chat.say("link", user="ceri", direct=True)).plain_text())
    # `link cancel` withdraws the live one
    latest = await code_for(chat, "ceri")
    assert "Withdrew" in (await chat.say("link cancel", user="ceri")).plain_text()
    gone = await other.say(f"link {latest}", user="ceri-d", direct=True)
    assert gone.is_error and "cancelled" in gone.plain_text()


async def test_the_code_is_never_shown_in_a_channel(app: App, chat: FakeAdapter,
                                                    other: FakeAdapter) -> None:
    reply = await chat.say("link", user="ceri")  # in a channel
    assert not CODE.search(reply.plain_text())
    assert "direct message" in reply.plain_text()
    [(to, dm)] = chat.sent
    assert to.user_id == "ceri" and not to.channel_id
    code = code_in(dm)

    before = await _snapshot(app)
    typed = await other.say(f"link {code}", user="ceri-d")  # said in a channel
    assert typed.is_error and "only take linking codes in a direct message" in \
        typed.plain_text()
    assert code not in typed.plain_text() and code.replace("-", "") not in typed.plain_text()
    confirmed = await other.press("link", {"code": code, "confirm": True}, user="ceri-d")
    assert confirmed.is_error and "direct message" in confirmed.plain_text()
    assert await _snapshot(app) == before, "a code typed in a channel changes nothing"
    # the code still works from a direct message
    await other.say(f"link {code} confirm=yes", user="ceri-d", direct=True)
    assert len(await members(app)) == 1


async def test_an_account_cannot_be_linked_to_itself_or_twice(app: App, chat: FakeAdapter,
                                                              other: FakeAdapter) -> None:
    code = await code_for(chat, "ceri")
    before = await _snapshot(app)
    own = await chat.say(f"link {code} confirm=yes", user="ceri", direct=True)
    assert own.is_error and "linked to itself" in own.plain_text()
    assert await _snapshot(app) == before
    await other.say(f"link {code} confirm=yes", user="ceri-d", direct=True)
    again = await code_for(other, "ceri-d")
    before = await _snapshot(app)
    twice = await chat.say(f"link {again} confirm=yes", user="ceri", direct=True)
    assert twice.is_error and "already linked" in twice.plain_text()
    assert await _snapshot(app) == before


async def test_a_code_from_another_network_is_refused(app: App, chat: FakeAdapter,
                                                      tmp_path: Path,
                                                      clock: FakeClock) -> None:
    """One deployment is one network (one directory); a second deployment, with its own
    database, is another network, and its codes carry its own mark."""
    elsewhere = App(make_settings(database={"url": f"sqlite:///{tmp_path / 'other.db'}"}),
                    clock=clock, scheduler_owner="test")
    await elsewhere.open()
    try:
        theirs = FakeAdapter(elsewhere.core)
        elsewhere.services.notifier.register(theirs)
        ours = code_in(await chat.say("link", user="ceri", direct=True))
        for _ in range(40):  # two deployments' ids may, rarely, give one mark: draw again
            foreign = code_in(await theirs.say("link", user="ceri-x", direct=True))
            if foreign[:3] != ours[:3]:
                break
            async with elsewhere.db.unit_of_work() as session:
                from sqlalchemy import delete

                from storage.models import DeploymentFact
                await session.execute(delete(DeploymentFact))
        await chat.say("done Something", user="sam")
        before = await _snapshot(app)
        reply = await chat.say(f"link {foreign} confirm=yes", user="sam", direct=True)
        assert reply.is_error and "another network's Staffroom" in reply.plain_text()
        assert await _snapshot(app) == before
    finally:
        await elsewhere.close()


async def test_link_list_unlink_and_the_unlinked_account_starts_afresh(
        app: App, chat: FakeAdapter, other: FakeAdapter) -> None:
    await chat.say("done Rolled out Chromebooks", user="ceri")
    await link(chat, "ceri", other, "ceri-d")
    listed = await chat.say("link list", user="ceri")
    labels = _buttons(listed)
    assert labels["Unlink"]["account"].startswith(("fake:", "other:"))
    only = await chat.say("unlink slack", user="ceri")
    assert only.is_error and "None of your accounts" in only.plain_text()
    done = await chat.say("unlink other", user="ceri")
    assert done.tone == "success", done.plain_text()
    kept = await member_of(app, "fake", SPACE, "ceri")
    fresh = await member_of(app, "other", OTHER_SPACE, "ceri-d")
    assert kept is not None and fresh is not None and kept.id != fresh.id
    assert fresh.region == "Wales", "an unlinked account starts in its space's group"
    assert await count(app, DoneEntry, DoneEntry.member_id == kept.id) == 1
    assert "no longer linked" in other.sent_to("ceri-d")[-1].plain_text()
    last = await chat.say("unlink here", user="ceri")
    assert last.is_error and "only account" in last.plain_text()


async def test_the_console_links_the_same_way(app: App, other: FakeAdapter) -> None:
    import io

    from adapters.console import ConsoleAdapter

    out = io.StringIO()
    console = ConsoleAdapter(app.core, handle="ceri", stdin=io.StringIO("link\n"), stdout=out)
    app.services.notifier.register(console)
    await console.start()
    await console.wait_closed()
    code = CODE.search(out.getvalue())
    assert code, out.getvalue()
    await other.say(f"link {code.group(1)} confirm=yes", user="ceri-d", direct=True)
    [member] = await members(app)
    assert await count(app, Identity, Identity.member_id == member.id) == 2
    assert "Your linking code was used" in out.getvalue()


async def test_two_accounts_in_one_space_link_too(app: App, chat: FakeAdapter) -> None:
    """A person with a second account in the same space (a work and a personal login)."""
    await chat.say("done Ran a podcast club", user="ceri")
    await chat.say("done Built a VR lab", user="ceri-alt")
    await link(chat, "ceri", chat, "ceri-alt")
    [member] = await members(app)
    assert await count(app, Identity, Identity.member_id == member.id,
                       Identity.space_id == SPACE) == 2
    found = await chat.say("whodone podcast club", user="pat")
    assert found.plain_text().count(f"@{member.handle}") == 1


async def test_a_code_whose_direct_message_is_refused_is_withdrawn_and_never_shown(
        app: App, chat: FakeAdapter, other: FakeAdapter) -> None:
    """`link` in a channel sends the code by DM; if the platform refuses the DM, the caller
    is told why (never shown the code where others may read it) and the code stops."""
    chat.refused["ceri"] = "They don't accept direct messages from server members."
    reply = await chat.say("link", user="ceri")
    text = reply.plain_text()
    assert reply.tone == "warning" and "couldn't send you a linking code" in text, text
    assert "don't accept direct messages" in text and not CODE.search(text)
    assert not any(CODE.search(r.plain_text()) for _, r in chat.sent)
    async with app.db.sessions() as session:
        [row] = await session.scalars(select(LinkCode))
    assert row.status == "cancelled"
    # once DMs are open, asking in a DM gives a working code
    del chat.refused["ceri"]
    await link(chat, "ceri", other, "ceri-d")
    assert len(await members(app)) == 1


async def test_when_the_code_owner_cannot_be_told_the_link_still_stands(
        app: App, chat: FakeAdapter, other: FakeAdapter) -> None:
    code = await code_for(chat, "ceri")
    chat.refused["ceri"] = "Their account has been deactivated."
    await other.say(f"link {code}", user="ceri-d", direct=True)
    done = await other.say(f"link {code} confirm=yes", user="ceri-d", direct=True)
    assert "2 accounts are now one profile" in done.plain_text()
    assert "your other account (to say it is linked): Their account has been deactivated" \
        in done.plain_text()
    assert len(await members(app)) == 1
