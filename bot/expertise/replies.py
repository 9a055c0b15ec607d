"""Reply builders for entries, search results and profiles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.paging import Window, page_of
from bot.replies import (
    Actions,
    Block,
    Button,
    Context,
    Field,
    Form,
    FormField,
    ItemList,
    ListItem,
    Reply,
    Section,
    Text,
)
from storage.models import DoneEntry, Interest, Member
from storage.models.directory import LESSON_MAX, LESSONS, SUMMARY_MAX
from storage.search import PersonHit
from storage.search.analysis import highlight

LESSON_LABELS = {"worked": "What worked", "differently": "What I'd do differently",
                 "cost": "Cost and effort"}
"""Each lesson as a heading (forms, `done show`); all fit a Discord modal label (45)."""
LESSON_SHORT = {"worked": "Worked", "differently": "Differently", "cost": "Cost"}
"""Each lesson as the compact line in listings names it."""
TEASER_MAX = 140
"""The compact lessons line: about a phone's two lines."""
PLACEHOLDERS = {"worked": "Training staff before the devices arrived",
                "differently": "Buy protective cases from day one",
                "cost": "£250 a device; a term of one technician's time"}


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


def lessons_teaser(entry: DoneEntry) -> tuple[str, bool]:
    """The entry's lessons as one compact line (each lesson's first line, labelled, cut to
    `TEASER_MAX`), and whether that is all of them; ("", True) when it has none."""
    lessons = entry.lessons
    if not lessons:
        return "", True
    firsts = {name: value.strip().splitlines()[0].strip() for name, value in lessons.items()}
    line = " · ".join(f"{LESSON_SHORT[name]}: {first}" for name, first in firsts.items())
    whole = all(firsts[name] == value.strip() for name, value in lessons.items())
    if len(line) > TEASER_MAX:
        line = line[:TEASER_MAX - 1].rstrip(" ·:") + "…"
        whole = False
    return line, whole


def lessons_line(entry: DoneEntry) -> str:
    """The compact lessons line, pointing to `done show` when there is more to read."""
    line, whole = lessons_teaser(entry)
    if not line or whole:
        return line
    return f"{line} (all of it: `done show {entry.id}`)"


def more_button(entry: DoneEntry) -> Button:
    return Button(f"Lessons #{entry.id}", "done show", {"id": entry.id})


def logged(entry: DoneEntry) -> Reply:
    blocks: list[Block] = [Text(f"Logged #{entry.id}: {entry_line(entry)}")]
    if entry.lessons:
        blocks.append(Text(lessons_line(entry)))
    label = "Edit what you learned" if entry.lessons else "Add what you learned"
    blocks += [Context("Others can now find you with `whodone`. `done list` shows your entries."
                       + ("" if entry.lessons else
                          f" What worked, what you'd change? `done edit {entry.id}`.")),
               Actions((Button(label, "done edit", {"id": entry.id}),))]
    return Reply(blocks=tuple(blocks), tone="success")


def lessons_form(entry: DoneEntry | None = None) -> Form:
    """The lessons of an entry (`entry`: its current ones, to edit), or, with no entry, a
    new entry with its lessons: five boxes at most, as a Discord modal holds."""
    lessons = tuple(FormField(name, LESSON_LABELS[name], kind="long_text",
                              max_length=LESSON_MAX,
                              initial=getattr(entry, name) if entry is not None else "",
                              placeholder=PLACEHOLDERS[name]) for name in LESSONS)
    if entry is not None:
        return Form(title=f"What you learned: #{entry.id}", command="done edit",
                    fields=lessons, hidden={"id": entry.id})
    return Form(title="Log something you've done", command="done add", submit_label="Log",
                fields=(FormField("summary", "What you did, in a sentence", required=True,
                                  max_length=SUMMARY_MAX,
                                  placeholder="Rolled out Chromebooks 1:1 in year 7"),
                        FormField("tags", "Tags (optional)", max_length=200,
                                  placeholder="devices, chromebooks"),
                        *lessons))


def lessons_saved(entry: DoneEntry) -> Reply:
    line = lessons_line(entry)
    said = (f"Saved what you learned on #{entry.id}: {entry.summary}" if entry.lessons else
            f"#{entry.id} has no lessons now: {entry.summary}")
    blocks: list[Block] = [Text(said)]
    if line:
        blocks.append(Text(line))
    blocks.append(Context(f"`done show {entry.id}` shows it in full; `done edit {entry.id}` "
                          "changes it."))
    return Reply(blocks=tuple(blocks), tone="success")


def entry_card(entry: DoneEntry, member: Member, *, is_own: bool) -> Reply:
    """One entry in full: what was done, by whom, and every lesson."""
    fields = tuple(Field(LESSON_LABELS[name], value, inline=False)
                   for name, value in entry.lessons.items())
    text = "" if fields else "No lessons written yet."
    button = (Button("Edit what you learned" if fields else "Add what you learned",
                     "done edit", {"id": entry.id}) if is_own
              else Button("Profile", "profile", {"member": member.handle}))
    return Reply(blocks=(Section(title=f"#{entry.id} {entry_line(entry)}", text=text,
                                 fields=fields, buttons=(button,),
                                 footer=f"Logged by {member_title(member)}"),))


def my_entries(entries: Sequence[DoneEntry], at: Window, *, total: int) -> Reply:
    items = tuple(ListItem(
        f"#{e.id} {entry_line(e)}", lessons_line(e),
        buttons=(Button("Remove", "done remove", {"id": e.id}, style="danger",
                        confirm=f"Remove “{e.summary[:80]}”?"),
                 *((more_button(e),) if e.lessons else ()))) for e in entries)
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
        matched = hit.matched[index] if index < len(hit.matched) else frozenset()
        lesson = lessons_line(entry)
        for line in (f"• {entry_line(entry)}", *([f"  {lesson}"] if lesson else [])):
            marks += [(offset + start, offset + end) for start, end in highlight(line, matched)]
            lines.append(line)
            offset += len(line) + 1
    buttons = [Button("Profile", "profile", {"member": hit.member.handle})]
    with_lessons = next((e for e in hit.entries if e.lessons), None)
    if with_lessons is not None:  # one per person: a page of people stays a few rows
        buttons.append(more_button(with_lessons))
    return ListItem(member_title(hit.member), "\n".join(lines), buttons=tuple(buttons),
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
    page = page_of(tuple(ListItem(entry_line(e), lessons_line(e),
                                  buttons=(more_button(e),) if e.lessons else ())
                         for e in shown), at, total=len(entries),
                   title="Has done", empty="Nothing logged yet.", command="profile",
                   args={"member": ref} if ref else {})
    blocks.extend(page.blocks)
    if interests and at.page == 1:
        blocks.append(ItemList(tuple(ListItem(i.text) for i in interests),
                               title="Wants to learn"))
    return Reply(blocks=tuple(blocks), question=page.question)


def digest_lessons(found: Sequence[tuple[DoneEntry, Member]], total: int) -> list[Block]:
    """The weekly digest's "New lessons" section; nothing when there are none."""
    if not found:
        return []
    items = tuple(ListItem(f"{entry.summary} — {member.name} (@{member.handle})",
                           lessons_teaser(entry)[0], buttons=(more_button(entry),))
                  for entry, member in found)
    blocks: list[Block] = [ItemList(items, title="New lessons")]
    if total > len(found):
        more = total - len(found)
        blocks.append(Context(f"And {more} more {'lesson' if more == 1 else 'lessons'} this "
                              "week: `whodone` finds them with what they are about."))
    return blocks
