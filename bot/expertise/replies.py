"""Reply builders for entries, search results and profiles."""

from __future__ import annotations

from collections.abc import Sequence

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


def my_entries(entries: Sequence[DoneEntry]) -> Reply:
    items = tuple(ListItem(
        f"#{e.id} {entry_line(e)}",
        buttons=(Button("Remove", "done remove", {"id": e.id}, style="danger",
                        confirm=f"Remove “{e.summary[:80]}”?"),)) for e in entries)
    return Reply(blocks=(ItemList(items, title="What you have done",
                                  empty="You haven't logged anything yet. Try "
                                        "`done Ran a TeachMeet for 40 teachers #teachmeet "
                                        "2019`."),))


def results(query: str, region: str | None, found: Sequence[PersonHit]) -> Reply:
    where = f" in {region}" if region else ""
    if not found:
        return Reply(blocks=(
            Text(f"Nobody has logged “{query}”{where} yet."),
            Context("Try other words, or log your own with `done <what you did>`."),
        ))
    items = tuple(_result(f) for f in found)
    return Reply(blocks=(ItemList(items, title=f"Who's done “{query}”{where}"),))


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
            *, is_self: bool) -> Reply:
    fields = [Field(label, value) for label, value in (
        ("Role", member.role), ("Organisation", member.organisation),
        ("Region", member.region), ("Time zone", member.timezone)) if value]
    if is_self:
        fields.append(Field("Privacy", member.privacy))
    blocks: list = [Section(title=f"{member.name} (@{member.handle})", text=member.bio,
                            fields=tuple(fields))]
    blocks.append(ItemList(tuple(ListItem(entry_line(e)) for e in entries),
                           title="Has done", empty="Nothing logged yet."))
    if interests:
        blocks.append(ItemList(tuple(ListItem(i.text) for i in interests),
                               title="Wants to learn"))
    return Reply(blocks=tuple(blocks))
