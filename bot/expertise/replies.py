"""Reply builders for entries, search results and profiles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.paging import Window, page_of
from bot.replies import Button, Context, Field, ItemList, ListItem, Reply, Section, Text
from storage.models import DoneEntry, Interest, Member
from storage.search import PersonHit
from storage.search.analysis import highlight


def entry_line(entry: DoneEntry) -> str:
    parts = [entry.summary]
    if entry.year:
        parts.append(f"({entry.year})")
    if entry.tags:
        parts.append(" ".join(f"#{t}" for t in entry.tags))
    meet = entry.teachmeet if entry.teachmeet_id is not None else None
    if meet is not None:
        parts.append(f"— talk at {meet.title} (#{meet.id})")
    line = " ".join(parts)
    return f"{line} <{entry.link}>" if entry.link else line


def member_title(member: Member) -> str:
    detail = ", ".join(p for p in (member.role, member.organisation, member.region) if p)
    return f"{member.name} (@{member.handle})" + (f" — {detail}" if detail else "")


def logged(entry: DoneEntry) -> Reply:
    return Reply(blocks=(
        Text(f"Logged #{entry.id}: {entry_line(entry)}"),
        Context("Others can now find you with `whodone`. `done list` shows your entries."),
    ), tone="success")


def my_entries(entries: Sequence[DoneEntry], at: Window, *, total: int) -> Reply:
    items = tuple(ListItem(
        f"#{e.id} {entry_line(e)}",
        buttons=(Button("Remove", "done remove", {"id": e.id}, style="danger",
                        confirm=f"Remove “{e.summary[:80]}”?"),)) for e in entries)
    page = page_of(items, at, total=total, title="What you have done", command="done list",
                   empty="You haven't logged anything yet. Try `done Ran a TeachMeet for 40 "
                         "teachers #teachmeet 2019`.")
    return Reply(blocks=page.blocks, question=page.question)


def results(query: str, region: str | None, found: Sequence[PersonHit], at: Window, *,
            more: bool, args: Mapping[str, Any]) -> Reply:
    where = f" in {region}" if region else ""
    if not found and at.page == 1:
        return Reply(blocks=(
            Text(f"Nobody has logged “{query}”{where} yet."),
            Context("Try other words, or log your own with `done <what you did>`."),
        ))
    items = tuple(_result(f) for f in found)
    page = page_of(items, at, total=None if more else at.offset + len(found), more=more,
                   title=f"Who's done “{query}”{where}", empty="", command="whodone",
                   args=args, noun="people")
    return Reply(blocks=page.blocks, question=page.question)


def _result(hit: PersonHit) -> ListItem:
    """A person and the entries that matched, the matching words marked."""
    lines: list[str] = []
    marks: list[tuple[int, int]] = []
    offset = 0
    for index, entry in enumerate(hit.entries):
        line = f"• {entry_line(entry)}"
        matched = hit.matched[index] if index < len(hit.matched) else frozenset()
        marks += [(offset + start, offset + end) for start, end in highlight(line, matched)]
        lines.append(line)
        offset += len(line) + 1
    return ListItem(member_title(hit.member), "\n".join(lines),
                    buttons=(Button("Profile", "profile", {"member": hit.member.handle}),),
                    marks=tuple(marks))


def profile(member: Member, entries: Sequence[DoneEntry], interests: Sequence[Interest],
            *, is_self: bool, at: Window | None = None, ref: str | None = None) -> Reply:
    """The profile card, then a page of what they have done (the first, unless `at`)."""
    at = at or Window(1, len(entries) or 1)
    fields = [Field(label, value) for label, value in (
        ("Role", member.role), ("Organisation", member.organisation),
        ("Region", member.region), ("Time zone", member.timezone)) if value]
    if is_self:
        fields.append(Field("Privacy", member.privacy))
    blocks: list = [Section(title=f"{member.name} (@{member.handle})", text=member.bio,
                            fields=tuple(fields))]
    shown = entries[at.offset:at.offset + at.size]
    page = page_of(tuple(ListItem(entry_line(e)) for e in shown), at, total=len(entries),
                   title="Has done", empty="Nothing logged yet.", command="profile",
                   args={"member": ref} if ref else {})
    blocks.extend(page.blocks)
    if interests and at.page == 1:
        blocks.append(ItemList(tuple(ListItem(i.text) for i in interests),
                               title="Wants to learn"))
    return Reply(blocks=tuple(blocks), question=page.question)
