"""The `staffroom` command line, run as operators run it: `main(argv)` in this process, with
its own environment and standard input (fast), and as a separate process where the
process itself is what is tested (the entry point, the embedded default)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import App
from bot.main import main

ROOT = Path(__file__).resolve().parent.parent

MEMBERS = [
    {"handle": "m1", "name": "Ceri Jones", "role": "Computing lead", "region": "Wales",
     "done": [{"summary": "Rolled out Chromebooks 1:1 in year 7", "tags": ["devices"],
               "year": 2021, "link": "https://example.org/cb"}],
     "interests": ["Keen to learn about podcasts"]},
    {"handle": "m2", "name": "Priya Patel", "region": "Camden",
     "done": [{"summary": "Built a school radio studio producing weekly podcasts"}]},
    {"handle": "m3", "name": "Tom Evans", "region": "Wales",
     "done": [{"summary": "Chromebook rollout with Google admin console"}]},
]


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


Staffroom = Callable[..., Result]


@pytest.fixture
def staffroom(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Staffroom:
    """`staffroom ARGS...` in-process: only `url` and `env` as STAFFROOM_ variables, `stdin`
    as standard input (not a terminal), and what it printed."""

    def run(*args: str, url: str, stdin: str | None = None,
            env: dict[str, str] | None = None) -> Result:
        with monkeypatch.context() as patch:
            for key in list(os.environ):
                if key.startswith("STAFFROOM_"):
                    patch.delenv(key)
            patch.setenv("STAFFROOM_DATABASE_URL", url)
            patch.setenv("STAFFROOM_LOG_LEVEL", "WARNING")
            patch.setenv("STAFFROOM_HTTP__PORT", "0")
            for key, value in (env or {}).items():
                patch.setenv(key, value)
            patch.setattr(sys, "stdin", io.StringIO(stdin or ""))
            capsys.readouterr()
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's --help, --version and usage errors
                code = exc.code if isinstance(exc.code, int) else 2
            captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def as_process(*args: str, url: str, stdin: str | None = None,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A separate `python -m bot` process, for what only a process shows."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("STAFFROOM_")}
    environ.update({"STAFFROOM_DATABASE_URL": url, "STAFFROOM_LOG_LEVEL": "WARNING"})
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True,
                          capture_output=True, env=environ, cwd=ROOT, timeout=120)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture
def url(app: App, database_url: str) -> str:
    """An empty, migrated database (SQLite, then PostgreSQL) for the CLI to use."""
    return database_url


def test_import_then_whodone_json(staffroom: Staffroom, url: str, tmp_path: Path) -> None:
    done = staffroom("import", str(write_jsonl(tmp_path / "m.jsonl", MEMBERS)), url=url)
    assert done.returncode == 0, done.stderr
    assert "Imported 3 members (3 new, 0 updated)" in done.stdout

    found = staffroom("whodone", "chromebook", "--json", url=url)
    assert found.returncode == 0, found.stderr
    rows = json.loads(found.stdout)
    assert {r["handle"] for r in rows} == {"m1", "m3"}
    for row in rows:
        assert {"handle", "name", "score", "matches"} <= row.keys()
        assert all("hromebook" in m for m in row["matches"])
    assert rows[0]["score"] >= rows[-1]["score"]

    wales = json.loads(staffroom("whodone", "podcasts", "--json", url=url).stdout)
    assert [r["handle"] for r in wales] == ["m2"]  # m1 only wants to learn it
    regional = json.loads(staffroom("whodone", "chromebook", "--region", "wales", "--limit",
                                    "1", "--json", url=url).stdout)
    assert len(regional) == 1 and regional[0]["handle"] in {"m1", "m3"}
    plain = staffroom("whodone", "radio", url=url)
    assert "Priya Patel (@m2)" in plain.stdout


def test_import_upserts_by_handle(staffroom: Staffroom, url: str, tmp_path: Path) -> None:
    staffroom("import", str(write_jsonl(tmp_path / "a.jsonl", MEMBERS)), url=url)
    changed = [dict(MEMBERS[0], name="Ceri Jones-Hughes",
                    done=[{"summary": "Ran a TeachMeet at the museum"}])]
    again = staffroom("import", str(write_jsonl(tmp_path / "b.jsonl", changed)), url=url)
    assert "(0 new, 1 updated)" in again.stdout
    assert json.loads(staffroom("whodone", "chromebook", "--json", url=url).stdout)[0][
        "handle"] == "m3"
    rows = json.loads(staffroom("whodone", "teachmeet", "--json", url=url).stdout)
    assert rows[0]["name"] == "Ceri Jones-Hughes"


def test_bad_file_is_refused_whole_with_line_numbers(staffroom: Staffroom, url: str,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps(MEMBERS[0]) + "\n"
        + "{not json\n"
        + json.dumps({"handle": "m9"}) + "\n"
        + "\n"
        + json.dumps({"handle": "m8", "name": "X", "done": [{"summary": "s",
                                                              "link": "javascript:x"}]}) + "\n"
        + json.dumps({"handle": "m1", "name": "Dup"}) + "\n")
    result = staffroom("import", str(path), url=url)
    assert result.returncode == 1
    err = result.stderr
    assert "nothing was imported" in err
    assert "line 2: not valid JSON" in err
    assert "line 3: name: Field required" in err
    assert "line 5: done.0.link" in err
    assert "line 6: handle 'm1' already on line 1" in err
    assert "Traceback" not in err
    assert json.loads(staffroom("whodone", "chromebook", "--json", url=url).stdout) == []


def test_csv_import(staffroom: Staffroom, url: str, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        "handle,name,role,organisation,region,bio,interests,done\n"
        'c1,Nia Lewis,Librarian,Leeds Library Service,Leeds,,"podcasts; VR",'
        '"Coding club in the library using Raspberry Pi; Digital skills sessions for adults"\n'
        'c2,Ben Adams,,,Kent,,,"[{""summary"": ""Set up a Moodle VLE"", ""year"": 2015}]"\n')
    result = staffroom("import", str(path), url=url)
    assert result.returncode == 0, result.stderr
    rows = json.loads(staffroom("whodone", "raspberry pi", "--json", url=url).stdout)
    assert [r["handle"] for r in rows] == ["c1"]
    assert [r["handle"] for r in json.loads(
        staffroom("whodone", "moodle", "--json", url=url).stdout)] == ["c2"]
    bad = tmp_path / "bad.csv"
    bad.write_text("handle,name\n,No Handle\nok,Fine\n")
    refused = staffroom("import", str(bad), url=url)
    assert refused.returncode == 1 and "line 2: handle" in refused.stderr


def test_export_rebuilds_the_directory(staffroom: Staffroom, url: str,
                                       tmp_path: Path) -> None:
    staffroom("import", str(write_jsonl(tmp_path / "m.jsonl", MEMBERS)), url=url)
    staffroom("console", "--as", "m2", url=url, stdin="done Made a podcast club #audio\n")
    first = tmp_path / "export1.jsonl"
    assert staffroom("export", str(first), url=url).returncode == 0
    exported = [json.loads(line) for line in first.read_text().splitlines()]
    assert [m["handle"] for m in exported] == ["m1", "m2", "m3"]
    assert exported[1]["identities"] == [
        {"platform": "console", "space_id": "local", "user_id": "m2"}]

    fresh = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    assert staffroom("import", str(first), url=fresh).returncode == 0
    second = tmp_path / "export2.jsonl"
    staffroom("export", str(second), url=fresh)
    assert second.read_text() == first.read_text()


def test_console_reads_one_command_a_line(staffroom: Staffroom, url: str) -> None:
    script = ("help\ndone Ran a TeachMeet for 40 teachers #teachmeet 2019\n\n"
              "who's done a teachmeet?\nnonsense words\n")
    result = staffroom("console", "--as", "ann", url=url, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "what I can do" in out
    assert "Logged #1: Ran a TeachMeet for 40 teachers (2019) #teachmeet" in out
    assert "ann (@ann)" in out
    assert "! Sorry, I didn't understand “nonsense words”." in out
    assert "Traceback" not in out + result.stderr


def test_console_saves_files_the_bot_sends(staffroom: Staffroom, url: str,
                                           tmp_path: Path) -> None:
    result = staffroom("console", "--as", "ann", url=url, env={"XDG_DATA_HOME": str(tmp_path)},
                       stdin="done Ran a coding club\nmydata\nmydata\n")
    saved = sorted((tmp_path / "staffroom" / "downloads").iterdir())
    assert [p.name for p in saved] == ["staffroom-ann-2.json", "staffroom-ann.json"]
    assert f"Saved {saved[1]}" in result.stdout
    data = json.loads(saved[1].read_text())
    assert "Ran a coding club" in json.dumps(data)


def test_run_without_platform_points_to_console(staffroom: Staffroom, url: str) -> None:
    result = staffroom("run", url=url, stdin="")
    assert result.returncode == 2
    assert "No chat platform is configured" in result.stderr
    assert "staffroom console" in result.stderr


def test_db_reindex_rebuilds_the_search_index(staffroom: Staffroom, url: str,
                                              tmp_path: Path) -> None:
    staffroom("import", str(write_jsonl(tmp_path / "m.jsonl", MEMBERS)), url=url)
    done = staffroom("db", "reindex", url=url)
    assert done.returncode == 0, done.stderr
    assert "Re-indexed 3 done entries" in done.stdout
    found = staffroom("whodone", "chromebook rollout", "--json", url=url)
    assert [r["handle"] for r in json.loads(found.stdout)] == ["m3", "m1"]


@pytest.mark.parametrize(("env", "named"), [
    ({"STAFFROOM_SLACK__BOT_TOKEN": "xoxb-1"}, "no signing secret"),
    ({"STAFFROOM_SLACK__BOT_TOKEN": "xoxb-1", "STAFFROOM_SLACK__MODE": "socket"},
     "STAFFROOM_SLACK__APP_TOKEN"),
    ({"STAFFROOM_SLACK__SIGNING_SECRET": "abc"}, "STAFFROOM_SLACK__BOT_TOKEN"),
    ({"STAFFROOM_SLACK__BOT_TOKEN": "xapp-1-A", "STAFFROOM_SLACK__SIGNING_SECRET": "abc"},
     "an app-level token"),
    ({"STAFFROOM_DISCORD__APPLICATION_ID": "123"}, "STAFFROOM_DISCORD__TOKEN"),
])
def test_run_names_what_a_half_configured_platform_lacks(
        staffroom: Staffroom, url: str, env: dict[str, str], named: str) -> None:
    result = staffroom("run", url=url, stdin="", env=env)
    assert result.returncode == 2
    assert "No chat platform is configured" not in result.stderr
    assert "partly set up" in result.stderr and named in result.stderr, result.stderr


def test_db_upgrade_is_idempotent(staffroom: Staffroom, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'db.sqlite'}"
    for _ in range(2):
        result = staffroom("db", "upgrade", url=url)
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout


def test_embedded_default_needs_no_configuration(tmp_path: Path) -> None:
    """A separate process with nothing configured at all (no STAFFROOM_ variables)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("STAFFROOM_")}
    environ.update({"XDG_DATA_HOME": str(tmp_path), "HOME": str(tmp_path)})
    result = subprocess.run([sys.executable, "-m", "bot", "console"],
                            input="done Wrote a digital strategy\n", text=True,
                            capture_output=True, env=environ, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Logged #1" in result.stdout
    assert (tmp_path / "staffroom" / "staffroom.db").is_file()


@pytest.mark.parametrize(("args", "env", "expected"), [
    (["--config", "/nope.toml", "db", "upgrade"], {}, "Configuration file not found"),
    (["db", "upgrade"], {"STAFFROOM_DATABASE_URL": "mysql://x@y/z"}, "unsupported database"),
    (["db", "upgrade"], {"STAFFROOM_DATABASE_URL": "::not a url::"}, "not a database URL"),
    (["import", "/nope.jsonl"], {}, "No such file"),
    (["whodone", "x", "--limit", "0"], {}, "--limit must be between"),
])
def test_operator_errors_are_clear(staffroom: Staffroom, tmp_path: Path, args: list[str],
                                   env: dict[str, str],
                                   expected: str) -> None:
    result = staffroom(*args, url=f"sqlite:///{tmp_path / 'x.db'}", env=env)
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_version_help_and_config_example(staffroom: Staffroom, tmp_path: Path) -> None:
    from bot.about import version

    url = f"sqlite:///{tmp_path / 'x.db'}"
    shown = staffroom("--version", url=url)
    assert shown.returncode == 0 and shown.stdout.strip() == f"staffroom {version()}"
    assert version() != "unknown"
    helped = staffroom("--help", url=url)
    assert helped.returncode == 0
    for command in ("backup", "restore", "config", "healthcheck", "console", "whodone"):
        assert command in helped.stdout
    example = staffroom("config", "example", url=url)
    assert example.stdout == (ROOT / "config.example.toml").read_text(encoding="utf-8")
    assert not (tmp_path / "x.db").exists()  # none of these touched the database


def test_the_entry_point_runs_as_a_process() -> None:
    result = as_process("--version", url="sqlite:///unused.db")
    assert result.returncode == 0 and result.stdout.startswith("staffroom ")


PASSWORD = "pw-Sup3rSecret-0451"


def _every_command(tmp_path: Path, members: Path) -> list[tuple[list[str], str]]:
    """One invocation of every subcommand (and sub-action), with standard input."""
    out = tmp_path / "out"
    return [
        (["db", "upgrade"], ""), (["db", "reindex"], ""), (["import", str(members)], ""),
        (["export", str(out / "e.jsonl")], ""), (["whodone", "chromebook", "--json"], ""),
        (["whodone", "chromebook"], ""), (["console", "--as", "ann"], "help\nwhodone x\n"),
        (["run"], ""), (["calendar", str(out / "t.ics")], ""), (["when", "Thursday 4pm"], ""),
        (["backup", str(out / "b.bak")], ""), (["restore", str(out / "b.bak")], ""),
        (["restore", str(out / "b.bak"), "--yes"], ""),
        (["moderators", "list"], ""), (["audit"], ""), (["digest", "--preview"], ""),
        (["link", "m1", "m2", "--dry-run"], ""), (["link", "--show", "m1"], ""),
        (["unlink", "slack:T1:U1"], ""),
        (["slack-manifest", "--socket"], ""), (["discord-sync"], ""),
        (["config", "example"], ""), (["healthcheck", "--timeout", "1"], ""),
        (["--version"], ""), (["--help"], ""), (["serve", "--help"], ""),
    ]


def test_no_command_ever_prints_the_database_password(
        staffroom: Staffroom, database_url: str, tmp_path: Path) -> None:
    """Every command, with INFO logging, against a URL carrying a password (PostgreSQL
    trusts loopback here, so the password is carried but unused; SQLite shows the rule
    holds for its path too), and against a server that is down."""
    from sqlalchemy.engine import make_url

    import bot.main

    (tmp_path / "out").mkdir()
    members = write_jsonl(tmp_path / "m.jsonl", MEMBERS)
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite":
        url = f"sqlite:///{tmp_path / PASSWORD / 'x.db'}"  # a path is not a credential...
        secret_free = False
    else:
        url = parsed.set(username=parsed.username or "postgres",
                         password=PASSWORD).render_as_string(hide_password=False)
        secret_free = True
    env = {"STAFFROOM_LOG_LEVEL": "INFO"}
    covered = set()
    for args, stdin in _every_command(tmp_path, members):
        covered.add(args[0])
        result = staffroom(*args, url=url, stdin=stdin, env=env)
        assert "Traceback" not in result.stderr, (args, result.stderr)
        if secret_free:
            assert PASSWORD not in result.stdout + result.stderr, (args, result)
    parser_commands = set(bot.main.COMMANDS) | {"config"}
    assert parser_commands <= covered, parser_commands - covered
    if not secret_free:
        return
    down = make_url(url).set(port=1).render_as_string(hide_password=False)
    for args in (["db", "upgrade"], ["whodone", "x"], ["export", str(tmp_path / "e")]):
        result = staffroom(*args, url=down, env=env)
        assert result.returncode == 1
        assert PASSWORD not in result.stdout + result.stderr
        assert "Database unavailable: the database at postgresql://127.0.0.1:1/" in (
            result.stderr)
        assert "not answering (connection refused)" in result.stderr


def test_backup_and_restore_from_the_command_line(staffroom: Staffroom, url: str,
                                                  tmp_path: Path) -> None:
    staffroom("import", str(write_jsonl(tmp_path / "m.jsonl", MEMBERS)), url=url)
    backup = tmp_path / "nightly.bak"
    made = staffroom("backup", str(backup), url=url)
    assert made.returncode == 0, made.stderr
    assert f"to {backup}" in made.stdout and backup.stat().st_size > 0
    staffroom("export", str(tmp_path / "before.jsonl"), url=url)
    staffroom("import", str(write_jsonl(tmp_path / "n.jsonl", [
        {"handle": "late", "name": "Added After The Backup"}])), url=url)

    unconfirmed = staffroom("restore", str(backup), url=url)
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    wrong = staffroom("restore", str(tmp_path / "m.jsonl"), "--yes", url=url)
    assert wrong.returncode == 1 and "Cannot restore" in wrong.stderr
    done = staffroom("restore", str(backup), "--yes", url=url)
    assert done.returncode == 0, done.stderr
    staffroom("export", str(tmp_path / "after.jsonl"), url=url)
    assert (tmp_path / "after.jsonl").read_text() == (tmp_path / "before.jsonl").read_text()


def test_a_windows_1252_csv_from_excel_imports(staffroom: Staffroom, url: str,
                                               tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "Handle,Name,Region,Done,Email\r\n"
        "w1,Siân O’Brien,Cymru,Ran a £500 makerspace café for pupils,siân@example.org\r\n"
        .encode("cp1252"))
    result = staffroom("import", str(path), url=url)
    assert result.returncode == 0, result.stderr
    assert "read as Windows-1252" in result.stdout
    assert "unknown column(s) 'Email'" in result.stderr
    rows = json.loads(staffroom("whodone", "makerspace", "--json", url=url).stdout)
    assert rows[0]["name"] == "Siân O’Brien"
    assert rows[0]["matches"] == ["Ran a £500 makerspace café for pupils"]


def test_utf8_with_a_byte_order_mark_imports(staffroom: Staffroom, url: str,
                                            tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("handle,name\nb1,Zoë Ng\n".encode("utf-8-sig"))
    result = staffroom("import", str(path), url=url)
    assert result.returncode == 0 and "read as UTF-8 with a byte-order mark" in result.stdout


@pytest.mark.parametrize(("content", "expected"), [
    (b"Handle,Full name,Region\nm1,Ceri,Wales\n",
     "The header row (line 1) of bad.csv has no 'name' column: it names 'Handle', "
     "'Full name', 'Region'; the columns are handle, name, role,"),
    (b"m1,Ceri Jones,Wales\n", "has no 'handle' or 'name' column: it names 'm1'"),
    (b"", "bad.csv is empty: its first line must be the header row"),
    ("handle,name\n".encode("utf-16"), "bad.csv is UTF-16 text"),
    (b"handle,name\nm1,Bad \x81 byte\n", "bad.csv is neither UTF-8 nor Windows-1252 text"),
])
def test_bad_headers_and_encodings_are_refused_in_one_sentence(
        staffroom: Staffroom, url: str, tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    result = staffroom("import", str(path), url=url)
    assert result.returncode == 1
    assert expected in result.stderr, result.stderr
    assert "Nothing was imported." in result.stderr
    assert "Traceback" not in result.stderr and "line 2" not in result.stderr


def test_a_second_lock_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    from storage.db import AnotherCopyRunning, lock_sqlite_for_one_copy

    database = str(tmp_path / "staffroom.db")
    first = lock_sqlite_for_one_copy(database)
    with pytest.raises(AnotherCopyRunning, match="PostgreSQL"):
        lock_sqlite_for_one_copy(database)
    lock_sqlite_for_one_copy(str(tmp_path / "other.db")).close()  # another file: no conflict
    first.close()
    lock_sqlite_for_one_copy(database).close()  # free again once the holder lets go


def test_a_second_run_on_one_sqlite_file_refuses_to_start(staffroom: Staffroom,
                                                          tmp_path: Path) -> None:
    """Another process holds the database (as a running `staffroom run` does): `run` says why
    it will not start and points at PostgreSQL; once that process is gone, it starts."""
    database = tmp_path / "staffroom.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from storage.db import lock_sqlite_for_one_copy; "
         f"lock = lock_sqlite_for_one_copy({str(database)!r}); print('held', flush=True); "
         "sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        refused = staffroom("run", url=f"sqlite:///{database}", stdin="")
        assert refused.returncode == 2
        assert "already running on the SQLite database" in refused.stderr
        assert f"process {holder.pid}" in refused.stderr and "PostgreSQL" in refused.stderr
        assert "No chat platform" not in refused.stderr  # refused before anything else
    finally:
        holder.communicate("", timeout=30)
    started = staffroom("run", url=f"sqlite:///{database}", stdin="")
    assert "No chat platform is configured" in started.stderr
