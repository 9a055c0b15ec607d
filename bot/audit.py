"""The audit log in plain language: who (by name) did what to which thing, and what changed.

Entries store who acted as an account label ("slack:T01:U02", "cli:root",
"system:link-check") and what was acted on as "pin:12", "teachmeet:3" or "member:5", with
JSON snapshots before and after. Moderators reading the log in chat see names and titles,
and changes such as "tags: cyber, safety → cyber", never ids or Python reprs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Identity, Member, Pin, TeachMeet

VERBS = {
    "pin.publish": "pinned", "pin.approve": "approved", "pin.reject": "rejected",
    "pin.edit": "edited", "pin.unpin": "unpinned", "pin.keep-link": "kept the link of",
    "pin.link-dead": "found a dead link in",
    "teachmeet.create": "created", "teachmeet.edit": "changed", "teachmeet.move": "moved",
    "teachmeet.cancel": "cancelled", "teachmeet.present": "signed up to present at",
    "teachmeet.withdraw": "withdrew a talk from",
    "privacy": "changed the privacy of", "privacy.web": "changed the web listing of",
    "moderator.add": "made a moderator of", "moderator.remove": "removed as a moderator",
    "forgotten": "had everything about them deleted", "refused": "was refused",
    "answer.hide": "hid",
}
KEYS = {"starts_at": "start", "online_url": "link", "duration": "length (minutes)",
        "duration_minutes": "length (minutes)", "http_status": "HTTP status",
        "web_listing": "on the web pages", "url": "address"}
SHORT = 80


@dataclass(frozen=True)
class Line:
    """One entry as a moderator reads it."""

    when: datetime
    what: str
    """"Sam Lee (@sam) unpinned pin #12 “Online safety guide”"."""
    change: str
    """"title: “A” → “B”; tags: cyber, safety → cyber", or ""."""


def _shelf(value: Any) -> str:
    """A pin's shelf as recorded ("network", or "platform:space") in words."""
    if not isinstance(value, str) or value in ("", "network"):
        return "the network's shelf"
    return f"the shelf of space {value.partition(':')[2]}"


def _value(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        moment = _moment(value)
        text = moment or (value if re.match(r"https?://", value) else f"“{value}”")
    elif isinstance(value, (list, tuple)):
        text = ", ".join(_item(v) for v in value)
    elif isinstance(value, Mapping):
        text = ", ".join(f"{k.replace('_', ' ')} {_item(v)}" for k, v in value.items())
    else:
        text = str(value)
    return text if len(text) <= SHORT else text[:SHORT - 1] + "…"


def _item(value: Any) -> str:
    if isinstance(value, Mapping) and {"type", "count"} <= value.keys():  # presenter slots
        minutes = f" ({value['minutes']} min)" if value.get("minutes") else ""
        return f"{value['count']} {value['type']}{minutes}"
    if isinstance(value, Mapping):
        return " ".join(_item(v) for v in value.values())
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _moment(text: str) -> str:
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)?", text):
        return ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return ""
    zone = " UTC" if moment.utcoffset() is not None and not moment.utcoffset() else ""
    return f"{moment:%d %b %Y %H:%M}{zone}"


def describe_change(entry: AuditEntry) -> str:
    """"field: old → new" for what changed (the after-values when nothing came before),
    in words: lists as "a, b", switches as yes/no, times as dates."""
    before, after = entry.before or {}, entry.after or {}
    if entry.action == "refused":
        tried = ", ".join(f"{k.replace('_', ' ')} {_item(v)}" for k, v in after.items())
        return f"with {tried}" if tried else ""
    parts = []
    created = not before
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if key == "id" or old == new:
            continue
        if created and (key in ("title", "status") or new in (None, "", [], {})):
            continue  # a new thing: its title is in the line, its empty fields say nothing
        name = KEYS.get(key, key.replace("_", " "))
        if key == "shelf":
            parts.append(f"shelf: {_shelf(old)} → {_shelf(new)}" if key in before and key in after
                         else f"shelf: {_shelf(new if key in after else old)}")
            continue
        if key in before and key in after:
            parts.append(f"{name}: {_value(old)} → {_value(new)}")
        elif key in after:
            parts.append(f"{name}: {_value(new)}")
        else:
            parts.append(f"{name} was {_value(old)}")
    return "; ".join(parts)


async def names(session: AsyncSession, entries: Sequence[AuditEntry]) -> dict[str, str]:
    """How each account label and target in the entries is called, read in a few queries."""
    labels = {e.actor for e in entries} | {e.target for e in entries if e.target.count(":") == 2}
    accounts = [tuple(label.split(":", 2)) for label in labels
                if label.count(":") == 2 and not label.startswith(("cli:", "system:"))]
    found: dict[str, str] = {}
    if accounts:
        rows = await session.execute(
            select(Identity.platform, Identity.space_id, Identity.user_id, Member.name,
                   Member.handle).join(Member, Member.id == Identity.member_id)
            .where(tuple_(Identity.platform, Identity.space_id, Identity.user_id)
                   .in_(accounts)))
        for platform, space, user, name, handle in rows:
            found[f"{platform}:{space}:{user}"] = f"{name} (@{handle})"
    ids: dict[str, list[int]] = {"pin": [], "teachmeet": [], "member": []}
    for entry in entries:
        kind, _, number = entry.target.partition(":")
        if kind in ids and number.isdigit():
            ids[kind].append(int(number))
    for model, kind, label in ((Pin, "pin", "title"), (TeachMeet, "teachmeet", "title"),
                               (Member, "member", "name")):
        if ids[kind]:
            column = getattr(model, label)
            rows = await session.execute(select(model.id, column).where(
                model.id.in_(ids[kind])))
            for number, title in rows:
                found[f"{kind}:{number}"] = title
    if ids["member"]:
        rows = await session.execute(select(Member.id, Member.handle).where(
            Member.id.in_(ids["member"])))
        for number, handle in rows:
            found[f"member:{number}"] = f"{found[f'member:{number}']} (@{handle})"
    return found


def who(label: str, known: Mapping[str, str]) -> str:
    if label in known:
        return known[label]
    if label.startswith("cli:"):
        return f"{label[4:]} at the command line"
    if label == "system:link-check":
        return "The link checker"
    if label.startswith("system:"):
        return f"The bot ({label[7:]})"
    if label.startswith("anon-"):
        return "Someone who has since deleted their data"
    if label.count(":") == 2:
        platform, _space, user = label.split(":", 2)
        return f"{user} on {platform.title()}"
    return label


def _thing(entry: AuditEntry, known: Mapping[str, str]) -> str:
    kind, _, number = entry.target.partition(":")
    snapshot = {**(entry.before or {}), **(entry.after or {})}
    if kind in ("pin", "teachmeet") and number.isdigit():
        title = snapshot.get("title") or known.get(entry.target) or ""
        noun = "pin" if kind == "pin" else "teach-meet"
        return f"{noun} #{number}" + (f" “{title}”" if title else "")
    if kind == "member":
        return known.get(entry.target, "a member who has since left")
    if entry.action.startswith("moderator."):
        return who(entry.target, known)
    if entry.action == "refused":
        return f"`{entry.target}`"
    if entry.action == "forgotten":
        return ""
    return entry.target


def line(entry: AuditEntry, known: Mapping[str, str]) -> Line:
    actor = who(entry.actor, known)
    verb = VERBS.get(entry.action, entry.action.replace(".", " ").replace("-", " "))
    thing = _thing(entry, known)
    if entry.action in ("privacy", "privacy.web") and entry.target == _own(entry, known):
        thing = "their own profile"
    what = " ".join(p for p in (actor, verb, thing) if p)
    return Line(entry.at, what, describe_change(entry))


def _own(entry: AuditEntry, known: Mapping[str, str]) -> str:
    """The actor's own member target, when a member changed their own settings."""
    actor = known.get(entry.actor)
    return entry.target if actor is not None and known.get(entry.target) == actor else ""


async def lines(session: AsyncSession, entries: Sequence[AuditEntry]) -> list[Line]:
    known = await names(session, entries)
    return [line(e, known) for e in entries]
