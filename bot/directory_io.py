"""Import and export of the directory (JSON Lines, or CSV with the same columns).

An import is all-or-nothing: every line is validated first, and a file with any bad line
changes nothing; the errors name their line numbers.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from bot.expertise.commands import MAX_TAGS, TAG_MAX, check_link
from storage.db import Database
from storage.models.directory import (
    BIO_MAX,
    HANDLE_MAX,
    LESSON_MAX,
    LESSONS,
    LINK_MAX,
    NAME_MAX,
    SHORT_MAX,
    SUMMARY_MAX,
)
from storage.repositories.directory import DirectoryRepository, ImportedMember
from storage.search import SearchIndex

BATCH = 2000
MAX_ERRORS_SHOWN = 20
Progress = Callable[[int, int], None]


class ImportRefused(Exception):
    """The file was refused; `errors` are (line number, message) pairs, or `problem` is
    one sentence about the whole file (its encoding, its header row)."""

    def __init__(self, errors: list[tuple[int, str]], *, problem: str = "") -> None:
        self.errors = errors
        if problem:
            super().__init__(f"{problem} Nothing was imported.")
            return
        shown = "\n".join(f"  line {n}: {m}" for n, m in errors[:MAX_ERRORS_SHOWN])
        more = len(errors) - MAX_ERRORS_SHOWN
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{len(errors)} bad line(s); nothing was imported:\n{shown}{tail}")


COLUMNS = ("handle", "name", "role", "organisation", "region", "bio", "timezone", "privacy",
           "interests", "done", "identities")
REQUIRED_COLUMNS = ("handle", "name")
SAVE_AS_UTF8 = "save it as \"CSV UTF-8 (Comma delimited)\" (Excel) or UTF-8 text, and import again"


def decode(data: bytes, name: str) -> tuple[str, str]:
    """The file's text and the encoding it was read as: UTF-8 (with or without a byte-order
    mark) or, failing that, Windows-1252 (what Excel in the UK saves as plain "CSV").
    Anything else is refused in one sentence naming what was found."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused([], problem=f"{name} is UTF-16 text (Excel's \"Unicode Text\"): "
                                        f"{SAVE_AS_UTF8}.")
    if data.startswith(b"\xef\xbb\xbf"):
        data, bom = data[3:], True
    else:
        bom = False
    try:
        return data.decode("utf-8"), "UTF-8 with a byte-order mark" if bom else "UTF-8"
    except UnicodeDecodeError as exc:
        if bom:
            raise ImportRefused([], problem=(
                f"{name} says it is UTF-8 but byte {exc.start + 3} (0x{data[exc.start]:02x}) is "
                f"not: {SAVE_AS_UTF8}.")) from None
    if b"\x00" in data:
        raise ImportRefused([], problem=f"{name} is not text (it holds NUL bytes): is it a "
                                        f"spreadsheet (.xlsx)? If so, {SAVE_AS_UTF8}.")
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise ImportRefused([], problem=(
            f"{name} is neither UTF-8 nor Windows-1252 text (byte {exc.start}, "
            f"0x{data[exc.start]:02x}, is neither): {SAVE_AS_UTF8}.")) from None


def _header(fields: list[str] | None, name: str) -> tuple[dict[str, str], list[str]]:
    """Column names as written -> our names (case, spaces and dashes forgiven), and the
    unknown columns; refuses a header row without the required columns."""
    expected = ", ".join(COLUMNS)
    if not fields:
        raise ImportRefused([], problem=f"{name} is empty: its first line must be the header "
                                        f"row naming the columns ({expected}).")
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for written in fields:
        ours = written.strip().lower().replace(" ", "_").replace("-", "_")
        if ours in COLUMNS and ours not in mapping.values():
            mapping[written] = ours
        elif written.strip():
            unknown.append(written.strip())
    missing = [c for c in REQUIRED_COLUMNS if c not in mapping.values()]
    if missing:
        found = ", ".join(repr(f) for f in fields if f.strip()) or "nothing"
        raise ImportRefused([], problem=(
            f"The header row (line 1) of {name} has no {' or '.join(map(repr, missing))} "
            f"column: it names {found}; the columns are {expected} (handle and name are "
            "required)."))
    return mapping, unknown


class DoneRecord(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    summary: Annotated[str, Field(min_length=1, max_length=SUMMARY_MAX)]
    tags: Annotated[list[Annotated[str, Field(max_length=TAG_MAX)]],
                    Field(max_length=MAX_TAGS)] = Field(default_factory=list)
    year: Annotated[int | None, Field(ge=1900, le=2100)] = None
    link: Annotated[str, Field(max_length=LINK_MAX)] = ""
    worked: Annotated[str, Field(max_length=LESSON_MAX)] = ""
    differently: Annotated[str, Field(max_length=LESSON_MAX)] = ""
    cost: Annotated[str, Field(max_length=LESSON_MAX)] = ""
    lessons_at: AwareDatetime | None = None
    """When the lessons were written (kept by export and import; none: not "new")."""

    @field_validator("worked", "differently", "cost", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("link")
    @classmethod
    def _web_link(cls, value: str) -> str:
        return check_link(value)


class IdentityRecord(BaseModel):
    """Where an exported member was known, so a rebuilt directory still recognises them."""

    model_config = ConfigDict(extra="ignore")

    platform: Annotated[str, Field(min_length=1, max_length=16)]
    space_id: Annotated[str, Field(min_length=1, max_length=64)]
    user_id: Annotated[str, Field(min_length=1, max_length=64)]


class MemberRecord(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    handle: Annotated[str, Field(min_length=1, max_length=HANDLE_MAX,
                                 pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    name: Annotated[str, Field(min_length=1, max_length=NAME_MAX)]
    role: Annotated[str, Field(max_length=SHORT_MAX)] = ""
    organisation: Annotated[str, Field(max_length=SHORT_MAX)] = ""
    region: Annotated[str, Field(max_length=SHORT_MAX)] = ""
    bio: Annotated[str, Field(max_length=BIO_MAX)] = ""
    timezone: Annotated[str, Field(max_length=64)] = ""
    privacy: Literal["network", "space", "hidden"] | None = None
    # factories, not `= []`: pydantic deep-copies a mutable default for every record
    interests: list[Annotated[str, Field(max_length=SUMMARY_MAX)]] = Field(
        default_factory=list)
    done: list[DoneRecord] = Field(default_factory=list)
    identities: list[IdentityRecord] = Field(default_factory=list)

    @field_validator("role", "organisation", "region", "bio", "timezone", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value


def _explain(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        parts.append(f"{where}: {err['msg']}" if where else err["msg"])
    return "; ".join(parts)


def _csv_list(value: str) -> list[Any]:
    value = (value or "").strip()
    if not value:
        return []
    if value.startswith("["):
        return json.loads(value)
    return [part.strip() for part in value.split(";") if part.strip()]


@dataclass
class Records:
    """What a file holds: (line number, raw object or an error) per record, read lazily and
    once, the encoding it was read as and the columns (or keys) nothing reads, so they can
    be reported (for JSON Lines, complete once the rows have been read)."""

    rows: Iterator[tuple[int, dict[str, Any] | str]]
    encoding: str
    unknown: list[str]


def read_records(path: Path) -> Records:
    text, encoding = decode(path.read_bytes(), path.name)
    if path.suffix.lower() == ".csv":
        return _csv_records(text, encoding, path.name)
    unknown: list[str] = []
    return Records(_json_rows(text, unknown), encoding, unknown)


def _json_rows(text: str, unknown: list[str]) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """One object per line, parsed as it is reached (a 100,000-member file is tens of MB:
    holding every parsed object at once was most of a large import's peak memory); keys
    nobody reads are added to `unknown`."""
    # split on newlines only: a JSON string may hold U+2028 and other line breaks verbatim
    for number, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, f"not valid JSON ({exc.msg} at column {exc.colno})"
            continue
        if not isinstance(obj, dict):
            yield number, "not a JSON object"
            continue
        unknown.extend(key for key in obj if key not in COLUMNS and key not in unknown)
        yield number, obj


def _lines(text: str) -> Iterator[str]:
    """`text.split("\n")`, lazily."""
    start = 0
    while (end := text.find("\n", start)) >= 0:
        yield text[start:end]
        start = end + 1
    yield text[start:]


def _csv_records(text: str, encoding: str, name: str) -> Records:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    mapping, unknown = _header(reader.fieldnames, name)
    return Records(_csv_rows(reader, mapping), encoding, unknown)


def _csv_rows(reader: csv.DictReader[str],
              mapping: dict[str, str]) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for row in reader:
        record: dict[str, Any] = {mapping[k]: v for k, v in row.items() if k in mapping}
        try:
            record["interests"] = _csv_list(record.get("interests", ""))
            record["done"] = [d if isinstance(d, dict) else {"summary": d}
                              for d in _csv_list(record.get("done", ""))]
            record["identities"] = _csv_list(record.get("identities", ""))
        except json.JSONDecodeError as exc:
            yield reader.line_num, f"not valid JSON in a list column: {exc.msg}"
            continue
        yield reader.line_num, record


def checked(records: Records) -> Iterator[tuple[int, ImportedMember | str]]:
    """Each record validated in turn: (line number, the member or what is wrong with it)."""
    seen: dict[str, int] = {}
    for number, raw in records.rows:
        if isinstance(raw, str):
            yield number, raw
            continue
        try:
            record = MemberRecord.model_validate(raw)
        except ValidationError as exc:
            yield number, _explain(exc)
            continue
        if record.handle.lower() in seen:
            yield number, (f"handle {record.handle!r} already on line "
                           f"{seen[record.handle.lower()]}")
            continue
        seen[record.handle.lower()] = number
        yield number, ImportedMember(
            handle=record.handle, name=record.name, role=record.role,
            organisation=record.organisation, region=record.region, bio=record.bio,
            timezone=record.timezone, privacy=record.privacy, interests=record.interests,
            done=[d.model_dump() for d in record.done],
            identities=[i.model_dump() for i in record.identities])


def validate(path: Path) -> tuple[int, list[tuple[int, str]], Records]:
    """The whole file checked, keeping only the errors: (members, errors, records read)."""
    count = 0
    errors: list[tuple[int, str]] = []
    records = read_records(path)
    for number, member in checked(records):
        if isinstance(member, str):
            errors.append((number, member))
        else:
            count += 1
    return count, errors, records


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    encoding: str = "UTF-8"
    ignored: tuple[str, ...] = ()
    """Columns (CSV) or keys (JSON Lines) that were not imported: not ours."""


async def import_file(db: Database, search: SearchIndex, path: Path, *, default_privacy: str,
                      progress: Progress | None = None) -> ImportResult:
    """Validate the whole file, then apply it in one transaction. The file is read twice,
    once to check it and once to apply it a batch at a time, so a large import never holds
    every member in memory (a 100,000-member file took hundreds of MB)."""
    total, errors, records = validate(path)
    if errors:
        raise ImportRefused(errors)
    created = updated = done = 0
    vocabulary = Counter[str]()
    members = checked(read_records(path))
    async with db.unit_of_work() as session:
        repo = DirectoryRepository(session, search)
        while batch := list(itertools.islice(members, BATCH)):
            wrong = [(n, m) for n, m in batch if isinstance(m, str)]
            if wrong:  # the file changed since it was checked: nothing is applied
                raise ImportRefused(wrong)
            c, u = await repo.upsert_imported([m for _, m in batch if not isinstance(m, str)],
                                              default_privacy=default_privacy,
                                              vocabulary=vocabulary)
            created, updated, done = created + c, updated + u, done + len(batch)
            if progress:
                progress(done, total)
        await search.add_vocabulary(session, vocabulary)
        await search.optimise(session)
    await db.settle()
    return ImportResult(created, updated, records.encoding, tuple(records.unknown))


async def export_file(db: Database, search: SearchIndex, path: Path) -> int:
    """Write every member as one JSON line in the import format (plus privacy, time zone
    and platform identities, so the directory can be rebuilt); returns the count."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        async with db.sessions() as session:
            repo = DirectoryRepository(session, search)
            after = 0
            while batch := await repo.all_members(after_id=after):
                for m in batch:
                    out.write(json.dumps(member_record(m), ensure_ascii=False) + "\n")
                    count += 1
                after = batch[-1].id
    return count


def member_record(m: Any) -> dict[str, Any]:
    return {
        "handle": m.handle, "name": m.name, "role": m.role, "organisation": m.organisation,
        "region": m.region, "bio": m.bio, "timezone": m.timezone, "privacy": m.privacy,
        "interests": [i.text for i in m.interests],
        "done": [done_record(d) for d in m.done],
        "identities": [{"platform": i.platform, "space_id": i.space_id, "user_id": i.user_id}
                       for i in m.identities],
    }


def done_record(d: Any) -> dict[str, Any]:
    """An entry in the import format; its lessons (and when they were written) only when
    it has some."""
    record = {"summary": d.summary, "tags": d.tags, "year": d.year, "link": d.link}
    record.update({name: value for name in LESSONS if (value := getattr(d, name))})
    if d.lessons_at is not None and any(getattr(d, name) for name in LESSONS):
        record["lessons_at"] = d.lessons_at.isoformat()
    return record
