"""Restoring a backup taken before a `forgetme` does not bring the member back: the erasure
list (keyed hashes, outside and inside the database) is re-applied by `staffroom restore`."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from bot.app import App
from bot.backups import cmd_restore
from bot.directory_io import export_file
from bot.introductions.privacy import erasure_list
from bot.main import cmd_import
from bot.testing import MODERATOR, SPACE, FakeAdapter
from storage.backup import backup
from storage.models import Erasure, Identity, Member, TeachMeet, TeachMeetRsvp
from tests.introductions.helpers import buttons, count
from tests.introductions.test_erasure import _disk
from tests.teachmeets.support import rows
from tests.teachmeets.test_leaving import organiser_with_attendees

USER = "U-ZQWERTLEBY"
NAME = "Xanthippe Qwertleby"
WORD = "flibbertigibbet"
OTHER = "bob"
OTHER_WORD = "chromebooks"


async def _two_members(chat: FakeAdapter) -> None:
    await chat.join(USER)
    reply = await chat.say(f'intro name="{NAME}" role="Head of maths" region=Fife', user=USER)
    assert not reply.is_error, reply.plain_text()
    assert not (await chat.say(f"done Ran a {WORD} hackathon", user=USER)).is_error
    assert not (await chat.say(f"done Rolled out {OTHER_WORD}", user=OTHER)).is_error


async def _forget(chat: FakeAdapter) -> None:
    asked = await chat.say("forgetme", user=USER)
    press = buttons(asked)[0]
    reply = await chat.press(press.command, dict(press.args), user=USER)
    assert not reply.is_error and reply.tone == "success", reply.plain_text()


async def _restore(app: App, path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code = await cmd_restore(argparse.Namespace(file=path, yes=True), app.services.settings)
    out, err = capsys.readouterr()
    assert code == 0 and "did not finish" not in err, err
    return out


async def _state(app: App, chat: FakeAdapter, tmp_path: Path) -> tuple[str, str, str]:
    """Whether the forgotten member is back, seen every way: rows, search, export."""
    async with app.db.sessions() as session:
        ids = await session.scalar(select(Identity).where(Identity.user_id == USER))
        named = await session.scalar(select(Member).where(Member.name == NAME))
    assert ids is None and named is None
    mine = (await chat.say(f"whodone {WORD}", user=OTHER)).plain_text()
    theirs = (await chat.say(f"whodone {OTHER_WORD}", user=OTHER)).plain_text()
    exported = tmp_path / "export.jsonl"
    await export_file(app.db, app.services.search, exported)
    return mine, theirs, exported.read_text()


async def test_a_restored_backup_does_not_bring_a_forgotten_member_back(
    app: App, chat: FakeAdapter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await _two_members(chat)
    before = tmp_path / "before.bak"
    await backup(app.db.url, before)
    await _forget(chat)

    out = await _restore(app, before, capsys)
    assert "Re-applied 1 erasure made after this backup was taken" in out
    assert NAME not in out and USER not in out
    # erased again down to the files: the restore wrote the member's pages back
    disk = b"".join((await _disk(app)).values()).lower()
    assert WORD.encode() not in disk and b"qwertleby" not in disk
    assert OTHER_WORD.encode() in disk  # the test can fail: the files are read
    mine, theirs, exported = await _state(app, chat, tmp_path)
    assert "Nobody has logged" in mine and "hackathon" not in mine and "Qwertleby" not in mine
    assert OTHER_WORD in theirs  # the other member is intact
    assert NAME not in exported and WORD not in exported and USER not in exported
    assert OTHER_WORD in exported and await count(app, Member) == 1
    rows = await count(app, Erasure)
    listed = erasure_list(app.services.settings, app.db.url)
    lines = listed.path.read_text()

    # again: the same outcome, and the list does not grow
    out = await _restore(app, before, capsys)
    assert "Re-applied 1 erasure made after this backup was taken" in out
    mine, theirs, exported = await _state(app, chat, tmp_path)
    assert "hackathon" not in mine and OTHER_WORD in theirs and NAME not in exported
    assert await count(app, Erasure) == rows == 1
    assert listed.path.read_text() == lines

    # the record holds no name, handle or platform id in the clear, in the database or file
    async with app.db.sessions() as session:
        stored = [
            (e.digest, e.key_id, e.at.isoformat()) for e in await session.scalars(select(Erasure))
        ]
    key = listed.key(create=False)
    assert key is not None
    for held in (
        " ".join(" ".join(row) for row in stored),
        lines,
        listed.path.read_bytes().decode(),
    ):
        lowered = held.lower()
        for clear in (
            USER,
            NAME,
            *NAME.split(),
            "xanthippe-qwertleby",
            SPACE,
            "fake",
            key.decode(),
        ):
            assert clear.lower() not in lowered, clear
    assert all(len(d) == 64 and int(d, 16) >= 0 for d, _k, _at in stored)


async def test_the_list_file_keeps_erasures_the_database_lost(
    app: App, chat: FakeAdapter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An older database (restored earlier, or replaced by hand) lacks the newest erasures:
    the file beside it still has them."""
    await _two_members(chat)
    before = tmp_path / "before.bak"
    await backup(app.db.url, before)
    await _forget(chat)
    async with app.db.unit_of_work() as session:
        await session.execute(delete(Erasure))

    out = await _restore(app, before, capsys)
    assert "Re-applied 1 erasure" in out
    mine, theirs, _exported = await _state(app, chat, tmp_path)
    assert "hackathon" not in mine and OTHER_WORD in theirs
    assert await count(app, Erasure) == 1  # written back into the database


async def test_a_member_who_came_back_after_forgetme_is_kept(
    app: App, chat: FakeAdapter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await _two_members(chat)
    await _forget(chat)
    reply = await chat.say("done Started afresh with a wiki", user=USER)  # first contact again
    assert not reply.is_error
    after = tmp_path / "after.bak"
    await backup(app.db.url, after)

    out = await _restore(app, after, capsys)
    assert "Re-applied" not in out
    async with app.db.sessions() as session:
        assert await session.scalar(select(Identity).where(Identity.user_id == USER))


async def test_importing_an_export_from_before_forgetme_does_not_bring_them_back(
    app: App, chat: FakeAdapter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await _two_members(chat)
    old = tmp_path / "members.jsonl"
    await export_file(app.db, app.services.search, old)
    assert USER in old.read_text()  # the file carries the member's account
    await _forget(chat)

    code = await cmd_import(argparse.Namespace(file=old), app.services.settings)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Erased again 1 member of the file" in out and NAME not in out
    mine, theirs, exported = await _state(app, chat, tmp_path)
    assert "hackathon" not in mine and OTHER_WORD in theirs and NAME not in exported


async def test_forgetme_goes_ahead_when_the_list_file_cannot_be_written(
    app: App, chat: FakeAdapter, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    backup_settings = app.services.settings.backup.model_copy(
        update={"erasure_list": str(blocker / "erasures.list")}
    )
    app.services.settings = app.services.settings.model_copy(update={"backup": backup_settings})
    await _two_members(chat)
    await _forget(chat)
    assert await count(app, Member) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any("erasure_key" in e for e in errors)
    assert not any(USER in e or NAME in e for e in errors)


async def test_an_organiser_erased_again_leaves_their_teach_meet_to_a_moderator(
    app: App, chat: FakeAdapter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The restored teach-meet passes on as it did when they left; nobody is told twice."""
    await organiser_with_attendees(chat)
    assert not (await chat.say('intro name="Mo Derator" region=Wales', user=MODERATOR)).is_error
    before = tmp_path / "before.bak"
    await backup(app.db.url, before)
    assert not (await chat.say("forgetme confirm=yes", user="org")).is_error
    chat.sent.clear()

    out = await _restore(app, before, capsys)
    assert "Re-applied 1 erasure" in out
    [meet] = await rows(app, TeachMeet)
    mo = next(m for m in await rows(app, Member) if m.name == "Mo Derator")
    assert meet.organiser_id == mo.id and meet.status == "scheduled"
    assert len(await rows(app, TeachMeetRsvp)) == 2
    assert not [m for m in await rows(app, Member) if m.handle.startswith("org")]
    assert chat.sent == []
