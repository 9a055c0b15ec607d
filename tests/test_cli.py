"""The `staffroom` command line, run as a separate process exactly as operators run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import App

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


def staffroom(*args: str, url: str, stdin: str | None = None,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
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


def test_import_then_whodone_json(url: str, tmp_path: Path) -> None:
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


def test_import_upserts_by_handle(url: str, tmp_path: Path) -> None:
    staffroom("import", str(write_jsonl(tmp_path / "a.jsonl", MEMBERS)), url=url)
    changed = [dict(MEMBERS[0], name="Ceri Jones-Hughes",
                    done=[{"summary": "Ran a TeachMeet at the museum"}])]
    again = staffroom("import", str(write_jsonl(tmp_path / "b.jsonl", changed)), url=url)
    assert "(0 new, 1 updated)" in again.stdout
    assert json.loads(staffroom("whodone", "chromebook", "--json", url=url).stdout)[0][
        "handle"] == "m3"
    rows = json.loads(staffroom("whodone", "teachmeet", "--json", url=url).stdout)
    assert rows[0]["name"] == "Ceri Jones-Hughes"


def test_bad_file_is_refused_whole_with_line_numbers(url: str, tmp_path: Path) -> None:
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


def test_csv_import(url: str, tmp_path: Path) -> None:
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


def test_export_rebuilds_the_directory(url: str, tmp_path: Path) -> None:
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


def test_console_reads_one_command_a_line(url: str) -> None:
    script = ("help\ndone Ran a TeachMeet for 40 teachers #teachmeet 2019\n\n"
              "who's done a teachmeet?\nnonsense words\n")
    result = staffroom("console", "--as", "ann", url=url, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "what I can do" in out
    assert "Logged #1: Ran a TeachMeet for 40 teachers (2019) #teachmeet" in out
    assert "ann (@ann)" in out
    assert "! I don't know the command 'nonsense'" in out
    assert "Traceback" not in out + result.stderr


def test_console_saves_files_the_bot_sends(url: str, tmp_path: Path) -> None:
    result = staffroom("console", "--as", "ann", url=url, env={"XDG_DATA_HOME": str(tmp_path)},
                       stdin="done Ran a coding club\nmydata\nmydata\n")
    saved = sorted((tmp_path / "staffroom" / "downloads").iterdir())
    assert [p.name for p in saved] == ["staffroom-ann-2.json", "staffroom-ann.json"]
    assert f"Saved {saved[1]}" in result.stdout
    data = json.loads(saved[1].read_text())
    assert "Ran a coding club" in json.dumps(data)


def test_run_without_platform_points_to_console(url: str) -> None:
    result = staffroom("run", url=url, stdin="")
    assert result.returncode == 2
    assert "No chat platform is configured" in result.stderr
    assert "staffroom console" in result.stderr


def test_db_reindex_rebuilds_the_search_index(url: str, tmp_path: Path) -> None:
    staffroom("import", str(write_jsonl(tmp_path / "m.jsonl", MEMBERS)), url=url)
    done = staffroom("db", "reindex", url=url)
    assert done.returncode == 0, done.stderr
    assert "Re-indexed 3 done entries" in done.stdout
    found = staffroom("whodone", "chromebook rollout", "--json", url=url)
    assert [r["handle"] for r in json.loads(found.stdout)] == ["m3", "m1"]


def test_db_upgrade_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'db.sqlite'}"
    for _ in range(2):
        result = staffroom("db", "upgrade", url=url)
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout


def test_embedded_default_needs_no_configuration(tmp_path: Path) -> None:
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
def test_operator_errors_are_clear(tmp_path: Path, args: list[str], env: dict[str, str],
                                   expected: str) -> None:
    result = staffroom(*args, url=f"sqlite:///{tmp_path / 'x.db'}", env=env)
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
