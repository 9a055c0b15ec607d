"""Import and export of the directory (JSON Lines, or CSV with the same columns).

An import is all-or-nothing: every line is validated first, and a file with any bad line
changes nothing; the errors name their line numbers.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.expertise.commands import MAX_TAGS, TAG_MAX, check_link
from storage.db import Database
from storage.models.directory import (
    BIO_MAX,
    HANDLE_MAX,
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
    """The file was refused; `errors` are (line number, message) pairs."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = errors
        shown = "\n".join(f"  line {n}: {m}" for n, m in errors[:MAX_ERRORS_SHOWN])
        more = len(errors) - MAX_ERRORS_SHOWN
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{len(errors)} bad line(s); nothing was imported:\n{shown}{tail}")


class DoneRecord(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    summary: Annotated[str, Field(min_length=1, max_length=SUMMARY_MAX)]
    tags: Annotated[list[Annotated[str, Field(max_length=TAG_MAX)]],
                    Field(max_length=MAX_TAGS)] = Field(default_factory=list)
    year: Annotated[int | None, Field(ge=1900, le=2100)] = None
    link: Annotated[str, Field(max_length=LINK_MAX)] = ""

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


def read_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, raw object) per record; a str in place of the object is an error."""
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            for row in reader:
                record: dict[str, Any] = {k: v for k, v in row.items() if k}
                try:
                    record["interests"] = _csv_list(record.get("interests", ""))
                    record["done"] = [d if isinstance(d, dict) else {"summary": d}
                                      for d in _csv_list(record.get("done", ""))]
                    record["identities"] = _csv_list(record.get("identities", ""))
                except json.JSONDecodeError as exc:
                    yield reader.line_num, f"not valid JSON in a list column: {exc.msg}"
                    continue
                yield reader.line_num, record
        return
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"not valid JSON ({exc.msg} at column {exc.colno})"
                continue
            yield number, obj if isinstance(obj, dict) else "not a JSON object"


def validate(path: Path) -> tuple[list[ImportedMember], list[tuple[int, str]]]:
    members: list[ImportedMember] = []
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for number, raw in read_records(path):
        if isinstance(raw, str):
            errors.append((number, raw))
            continue
        try:
            record = MemberRecord.model_validate(raw)
        except ValidationError as exc:
            errors.append((number, _explain(exc)))
            continue
        if record.handle.lower() in seen:
            errors.append((number, f"handle {record.handle!r} already on line "
                                   f"{seen[record.handle.lower()]}"))
            continue
        seen[record.handle.lower()] = number
        members.append(ImportedMember(
            handle=record.handle, name=record.name, role=record.role,
            organisation=record.organisation, region=record.region, bio=record.bio,
            timezone=record.timezone, privacy=record.privacy, interests=record.interests,
            done=[d.model_dump() for d in record.done],
            identities=[i.model_dump() for i in record.identities]))
    return members, errors


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


async def import_file(db: Database, search: SearchIndex, path: Path, *, default_privacy: str,
                      progress: Progress | None = None) -> ImportResult:
    """Validate the whole file, then apply it in one transaction."""
    members, errors = validate(path)
    if errors:
        raise ImportRefused(errors)
    created = updated = 0
    vocabulary = Counter[str]()
    async with db.unit_of_work() as session:
        repo = DirectoryRepository(session, search)
        for start in range(0, len(members), BATCH):
            c, u = await repo.upsert_imported(members[start:start + BATCH],
                                              default_privacy=default_privacy,
                                              vocabulary=vocabulary)
            created, updated = created + c, updated + u
            if progress:
                progress(min(start + BATCH, len(members)), len(members))
        await search.add_vocabulary(session, vocabulary)
        await search.optimise(session)
    await db.settle()
    return ImportResult(created, updated)


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
        "done": [{"summary": d.summary, "tags": d.tags, "year": d.year, "link": d.link}
                 for d in m.done],
        "identities": [{"platform": i.platform, "space_id": i.space_id, "user_id": i.user_id}
                       for i in m.identities],
    }
