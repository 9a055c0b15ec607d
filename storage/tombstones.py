"""The erasure list: what lets a restore erase again the members who used `forgetme` after
the backup was taken.

A backup is a copy of the database as it was, so restoring one taken before a `forgetme`
brings that member back. `forgetme` therefore leaves a tombstone for each platform identity
the member had (`platform:space:user`), and every restore erases again, through `forgetme`'s
own code, each member of the restored database who holds one of those identities.

What a tombstone holds, and where it is kept:

- Only a keyed hash — HMAC-SHA256 of the identity under the deployment's *erasure key* —
  the key's fingerprint (to tell which key made it) and when. No name, handle or platform
  id. The key lives OUTSIDE the database (`[backup] erasure_key`, or a random key made once
  in `erasure.key` beside the list, mode 0600), so a backup carries hashes nobody holding
  only the backup can test a platform id against. (The deployment id would not do: it is in
  the database, so every backup would carry the key next to the hashes.)
- In the database (`erasures`, written in the `forgetme` unit of work), so every copy of
  the bot and every later backup has them; and appended to a small file outside the
  database (`erasures.list`, one line per identity, fsynced before the erase commits), so
  restoring an old backup — whose `erasures` table predates the newer erasures, and which
  replaces the current database — cannot drop them. A restore reads the current database's
  list and the file BEFORE replacing the database, then the restored database's, and
  writes the union back into both.
- The newest erasure of an identity wins; an identity first seen AFTER it (the person came
  back and started afresh, as `forgetme` tells them they may) is not erased again.

If the key is lost (or differs between copies), older tombstones cannot be matched; a
restore says how many it could not check.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Erasure

KEY_FILE = "erasure.key"
LIST_FILE = "erasures.list"


@dataclass(frozen=True)
class Tombstone:
    digest: str
    key_id: str
    at: datetime

    def line(self) -> str:
        return f"{self.at.isoformat()} {self.key_id} {self.digest}\n"


def key_id(key: bytes) -> str:
    """A fingerprint of the key (not the key): which key a tombstone was made with."""
    return hmac.new(key, b"staffroom erasure key id", hashlib.sha256).hexdigest()[:16]


def digest(key: bytes, platform: str, space_id: str, user_id: str) -> str:
    identity = "\x1f".join((platform, space_id, user_id)).encode()
    return hmac.new(key, identity, hashlib.sha256).hexdigest()


class ErasureList:
    """The erasure key and the list file (both outside the database)."""

    def __init__(self, path: Path, key: str = "") -> None:
        self.path = path
        self._configured = key.encode() if key else b""

    @property
    def key_path(self) -> Path:
        return self.path.parent / KEY_FILE

    def key(self, *, create: bool) -> bytes | None:
        """The configured key, else the key file's (made once when `create`)."""
        if self._configured:
            return self._configured
        try:
            found = self.key_path.read_text().strip()
        except FileNotFoundError:
            if not create:
                return None
        else:
            if not found:
                raise OSError(f"{self.key_path} is empty")
            return found.encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another copy made it first
            return self.key_path.read_text().strip().encode()
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return self.key_path.read_text().strip().encode()

    def stamp(self, identities: Iterable[tuple[str, str, str]], at: datetime) -> list[Tombstone]:
        """Tombstones for (platform, space_id, user_id) identities erased `at`."""
        key = self.key(create=True)
        if key is None:  # made above, or the OSError raised
            raise OSError(f"no erasure key at {self.key_path}")
        kid = key_id(key)
        return [Tombstone(digest(key, *identity), kid, at) for identity in identities]

    def append(self, tombstones: Iterable[Tombstone]) -> None:
        lines = "".join(t.line() for t in tombstones)
        if not lines:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as fh:
            fh.write(lines)
            fh.flush()
            os.fsync(fh.fileno())

    def read(self) -> list[Tombstone]:
        """The file's tombstones (a damaged line is skipped, not fatal)."""
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return []
        found = []
        for line in text.splitlines():
            parts = line.split()
            if len(parts) != 3 or len(parts[2]) != 64:
                continue
            try:
                at = datetime.fromisoformat(parts[0])
            except ValueError:
                continue
            found.append(Tombstone(parts[2], parts[1], at))
        return found


def latest(*groups: Iterable[Tombstone]) -> dict[str, Tombstone]:
    """Each digest's newest tombstone, over every source."""
    newest: dict[str, Tombstone] = {}
    for group in groups:
        for tomb in group:
            seen = newest.get(tomb.digest)
            if seen is None or tomb.at > seen.at:
                newest[tomb.digest] = tomb
    return newest


async def record(session: AsyncSession, tombstones: Iterable[Tombstone]) -> int:
    """Add tombstones to the database's list (a newer one replaces an older); how many
    rows were added or moved forward."""
    changed = 0
    for tomb in latest(tombstones).values():
        row = await session.get(Erasure, tomb.digest)
        if row is None:
            session.add(Erasure(digest=tomb.digest, key_id=tomb.key_id, at=tomb.at))
            changed += 1
        elif row.at < tomb.at:
            row.at, row.key_id = tomb.at, tomb.key_id
            changed += 1
    await session.flush()
    return changed


async def stored(session: AsyncSession) -> list[Tombstone]:
    rows = await session.scalars(select(Erasure))
    return [Tombstone(r.digest, r.key_id, r.at) for r in rows]
