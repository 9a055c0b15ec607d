"""`staffroom link` and `staffroom unlink`, run as the command line runs them, after an
import that brought one person in twice (a Slack list and a Discord list)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.main import COMMANDS, build_parser
from bot.testing import SPACE, FakeAdapter
from storage.models import AuditEntry, DoneEntry, Identity
from storage.repositories.directory import DirectoryRepository, ImportedMember
from tests.linking.conftest import OTHER_SPACE
from tests.linking.helpers import count, member_of, members


async def run(app: App, *argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    return await COMMANDS[args.command](args, app.services.settings)


async def _imported(app: App) -> None:
    people = [
        ImportedMember(handle="ceri-slack", name="Ceri Jones", region="Camden",
                       done=[{"summary": "Rolled out Chromebooks"}],
                       identities=[{"platform": "fake", "space_id": SPACE, "user_id": "U1"}]),
        ImportedMember(handle="ceri-discord", name="Ceri J", role="Computing lead",
                       done=[{"summary": "Ran a podcast club"}],
                       identities=[{"platform": "other", "space_id": OTHER_SPACE,
                                    "user_id": "D1"}]),
        ImportedMember(handle="sam", name="Sam"),
        ImportedMember(handle="sam-2", name="Sam Two"),
    ]
    async with app.db.unit_of_work() as session:
        await DirectoryRepository(session, app.services.search).upsert_imported(
            people, default_privacy="network")


async def test_link_pairs_from_a_file_dry_run_then_for_real(
        app: App, other: FakeAdapter, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    await _imported(app)
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("member,other\nceri-slack,other:G-WALES:D1\n@sam sam-2\n")
    assert await run(app, "link", "--file", str(pairs), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "line 2: ceri-slack + other:G-WALES:D1 -> @ceri-slack" in out
    assert "Dry run: nothing was changed." in out
    assert len(await members(app)) == 4

    assert await run(app, "link", "--file", str(pairs), "--yes") == 0
    out = capsys.readouterr().out
    assert "filled in: role" in out and "line 3: @sam + sam-2 -> @sam" in out
    assert [m.handle for m in await members(app)] == ["ceri-slack", "sam"]
    ceri = await member_of(app, "other", OTHER_SPACE, "D1")
    assert ceri is not None and ceri.handle == "ceri-slack" and ceri.role == "Computing lead"
    assert await count(app, DoneEntry, DoneEntry.member_id == ceri.id) == 2
    assert await count(app, AuditEntry, AuditEntry.action == "link") == 2
    # the Discord account, speaking, is the merged member
    found = await other.say("done list", user="D1")
    assert "Rolled out Chromebooks" in found.plain_text()

    assert await run(app, "link", "--show", "ceri-slack") == 0
    shown = capsys.readouterr().out
    assert "2 account(s)" in shown and "other:G-WALES:D1\tWales server" in shown
    # linking them again says so and changes nothing
    assert await run(app, "link", "ceri-slack", "other:G-WALES:D1", "--yes") == 0
    assert "already one profile" in capsys.readouterr().out

    assert await run(app, "unlink", "other:G-WALES:D1") == 0
    assert "new, empty profile" in capsys.readouterr().out
    fresh = await member_of(app, "other", OTHER_SPACE, "D1")
    assert fresh is not None and fresh.id != ceri.id and fresh.region == "Wales"
    assert await run(app, "unlink", f"fake:{SPACE}:U1") == 1
    assert "only account" in capsys.readouterr().err


async def test_bad_files_and_references_change_nothing(
        app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    await _imported(app)
    bad = tmp_path / "bad.csv"
    bad.write_text("ceri-slack sam sam-2\n\nsam\n")
    assert await run(app, "link", "--file", str(bad), "--yes") == 1
    err = capsys.readouterr().err
    assert "line 1: expected two members, found 3" in err and "line 3:" in err
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("sam,sam-2\nceri-slack,nobody-here\nslack:T9:U9,sam\n")
    assert await run(app, "link", "--file", str(unknown), "--yes") == 1
    err = capsys.readouterr().err
    assert "line 2: no member has the handle 'nobody-here'" in err
    assert "line 3: no member has the account 'slack:T9:U9'" in err
    assert len(await members(app)) == 4, "a file is linked all or nothing"
    assert await run(app, "link", "sam", "--yes") == 2
    assert "exactly two" in capsys.readouterr().err
    assert await run(app, "link", "sam", "sam-2") == 2  # not a terminal, no --yes
    assert "--yes" in capsys.readouterr().err
    assert await run(app, "unlink", "not-an-account") == 2
    assert len(await members(app)) == 4
    assert await count(app, Identity) == 2
