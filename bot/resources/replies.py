"""Reply builders for the resource library: cards, lists, the moderation queue, the audit."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

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
from storage.models import AuditEntry, Pin
from storage.models.resources import REASON_MAX

DESCRIPTION_PREVIEW = 200


def tags_line(pin: Pin) -> str:
    return " ".join(f"#{t}" for t in pin.tags or [])


def pin_title(pin: Pin) -> str:
    return f"#{pin.id} {pin.title}"


def pin_summary(pin: Pin) -> str:
    """The URL, then a shortened description and the tags."""
    lines = [pin.url]
    if pin.description:
        short = pin.description[:DESCRIPTION_PREVIEW]
        lines.append(short + ("…" if len(pin.description) > DESCRIPTION_PREVIEW else ""))
    if pin.tags:
        lines.append(tags_line(pin))
    return "\n".join(lines)


def _date(pin: Pin) -> str:
    when = pin.published_at or pin.created_at
    return when.strftime("%d %b %Y") if when else ""


def card(pin: Pin, *, moderator: bool = False, shelf: str = "") -> Section:
    fields = []
    if pin.tags:
        fields.append(Field("Tags", tags_line(pin)))
    if pin.status != "published":
        fields.append(Field("Status", pin.status))
    if pin.reject_reason and moderator:
        fields.append(Field("Reason", pin.reject_reason, inline=False))
    if moderator and pin.link_status in ("failing", "dead"):
        detail = f"{pin.link_status}" + (f" (HTTP {pin.http_status})" if pin.http_status
                                          else "")
        if pin.last_error:
            detail += f": {pin.last_error}"
        fields.append(Field("Link check", detail, inline=False))
    buttons: list[Button] = []
    if moderator and pin.status == "published":
        buttons.append(unpin_button(pin))
    if moderator and pin.status == "pending":
        buttons.extend(review_buttons(pin))
    footer = f"pinned {_date(pin)}" if pin.status == "published" else ""
    if shelf:
        footer = f"{footer} · on {shelf}" if footer else f"for {shelf}"
    return Section(title=pin_title(pin), text=pin.description, link=pin.url,
                   fields=tuple(fields), buttons=tuple(buttons), footer=footer)


def unpin_button(pin: Pin) -> Button:
    return Button("Unpin", "unpin", {"id": pin.id, "confirm": True}, style="danger",
                  confirm=f"Remove “{pin.title[:80]}” from the library?")


def review_buttons(pin: Pin) -> tuple[Button, ...]:
    return (Button("Approve", "pins approve", {"id": pin.id}, style="primary"),
            Button("Reject", "pins reject", {"id": pin.id}, style="danger"))


def published(pin: Pin, shelf: str) -> Reply:
    return Reply(blocks=(Text(f"Pinned to the resource library, on {shelf}: {pin.title}"),
                         card(pin),
                         Context(f"`pins show {pin.id}` shows it again; `pins` browses "
                                 "the library.")),
                 visibility="channel", tone="success")


def suggested(pin: Pin, shelf: str) -> Reply:
    return Reply(blocks=(
        Text(f"Thanks! “{pin.title}” is now suggestion #{pin.id} for {shelf}. A moderator "
             "will review it before it joins the library, and I'll tell you what they "
             "decide."),
    ), tone="success")


def duplicate(existing: Pin, *, moderator: bool, shelf: str, promote: bool = False,
              network_moderator: bool = False) -> Reply:
    """A second pin of the same resource points to the first, on whichever shelf it is,
    and changes nothing; offers promotion to the network's shelf instead."""
    if existing.status == "published":
        message = (f"That resource is already on {shelf} as #{existing.id} "
                   f"“{existing.title}”, so it was not pinned again.")
    else:
        message = (f"That resource has already been suggested for {shelf} (#{existing.id} "
                   f"“{existing.title}”) and is waiting for a moderator, so it was not added "
                   "again.")
    blocks: list[Block] = [Text(message), Context(existing.url)]
    buttons = [Button("Show", "pins show", {"id": existing.id})]
    if moderator and existing.status == "pending":
        buttons.extend(review_buttons(existing))
    if promote:
        label = "Promote to the network" if network_moderator else "Propose for the network"
        buttons.append(Button(label, "pins promote", {"id": existing.id}, style="primary"))
        blocks.insert(1, Text("Every space would see it on the network's shelf: "
                              + ("promote it there instead." if network_moderator else
                                 "propose it there instead, and a network moderator will "
                                 "decide.")))
    blocks.append(_actions(buttons))
    return Reply(blocks=tuple(blocks), tone="warning")


def _actions(buttons: Sequence[Button]) -> Block:
    return Actions(tuple(buttons))


def library(pins: Sequence[Pin], *, total: int, offset: int, query: str, tags: Sequence[str],
            next_args: dict[str, Any] | None, web_url: str = "",
            shelves: Mapping[tuple[str, str], str] | None = None) -> Reply:
    """A page of the library; `web_url` (the same view on the web pages) adds a link. With
    `shelves` (names by shelf), pins are grouped under their shelf's name."""
    about = " ".join([*([f"“{query}”"] if query else []), *(f"#{t}" for t in tags)])
    if query:
        title = f"Resources matching {about}"
    else:
        title = "Resource library" + (f": {about}" if about else "") + " (newest first)"
    empty = (f"Nothing in the library matches {about}. Try other words, or suggest a "
             "resource with `pin <url> <title>`." if about else
             "The library is empty so far. Suggest a resource with `pin <url> <title>`.")
    groups: list[tuple[str, list[Pin]]] = []
    for p in pins:
        if not groups or (shelves and groups[-1][0] != shelves.get(p.shelf, "")):
            groups.append((shelves.get(p.shelf, "") if shelves else "", []))
        groups[-1][1].append(p)
    blocks: list[Block] = [ItemList(tuple(ListItem(
        pin_title(p), pin_summary(p), buttons=(Button("Show", "pins show", {"id": p.id}),))
        for p in group), title=f"{title} · {name}" if name else title, empty=empty)
        for name, group in groups] or [ItemList((), title=title, empty=empty)]
    if pins and not query:
        blocks.append(Context(f"Showing {offset + 1}-{offset + len(pins)} of {total}."))
    buttons = [Button("More", "pins", next_args)] if next_args is not None else []
    if web_url and pins:
        buttons.append(Button("See all on the web", url=web_url))
    if buttons:
        blocks.append(_actions(buttons))
    return Reply(blocks=tuple(blocks))


def show(pin: Pin, *, moderator: bool, shelf: str = "") -> Reply:
    return Reply(blocks=(card(pin, moderator=moderator, shelf=shelf),))


def confirm_unpin(pin: Pin) -> Reply:
    return Reply(blocks=(
        Text(f"Remove #{pin.id} “{pin.title}” from the library? Nothing has been changed "
             f"yet; press Unpin (or type `unpin {pin.id} confirm=yes`) to remove it."),
        _actions([unpin_button(pin)]),
    ), tone="warning")


def unpinned(pin: Pin) -> Reply:
    return Reply(blocks=(Text(f"Removed #{pin.id} “{pin.title}” from the library."),),
                 tone="success")


def edited(pin: Pin, changed: Sequence[str]) -> Reply:
    return Reply(blocks=(Text(f"Updated #{pin.id} ({', '.join(changed)})."), card(pin)),
                 tone="success")


def queue(pending: Sequence[Pin], dead: Sequence[Pin], *, pending_total: int,
          proposed: Sequence[Pin] = (),
          shelf_of: Callable[[Pin], str] = lambda _pin: "") -> Reply:
    items = tuple(ListItem(pin_title(p), _suggestion_text(p, shelf_of(p)),
                           buttons=review_buttons(p)) for p in pending)
    blocks: list[Block] = [ItemList(items, title="Suggestions waiting for review",
                                    empty="No suggestions are waiting for review.")]
    if pending_total > len(pending):
        blocks.append(Context(f"Showing the oldest {len(pending)} of {pending_total}."))
    if proposed:
        blocks.append(ItemList(tuple(ListItem(
            pin_title(p), f"{pin_summary(p)}\non {shelf_of(p)}, proposed on "
                          f"{p.promotion_asked_at:%d %b %Y}",
            buttons=(Button("Promote", "pins promote", {"id": p.id}, style="primary"),))
            for p in proposed), title="Proposed for the network's shelf"))
    if dead:
        blocks.append(dead_list(dead))
    return Reply(blocks=tuple(blocks))


def _suggestion_text(pin: Pin, shelf: str = "") -> str:
    who = pin.added_by_user or "unknown"
    where = f" for {shelf}" if shelf else ""
    return f"{pin_summary(pin)}\nsuggested{where} by {who} on {pin.created_at:%d %b %Y}"


def dead_list(dead: Sequence[Pin]) -> ItemList:
    items = tuple(ListItem(
        pin_title(p),
        f"{p.url}\n{_link_problem(p)}",
        buttons=(Button("Keep", "pins keep", {"id": p.id}), unpin_button(p)),
    ) for p in dead)
    return ItemList(items, title="Links that look dead",
                    empty="No dead links found by the link checker.")


def _link_problem(pin: Pin) -> str:
    status = f"HTTP {pin.http_status}" if pin.http_status else (pin.last_error or "no answer")
    when = f" on {pin.last_checked_at:%d %b %Y}" if pin.last_checked_at else ""
    return f"{status}, {pin.consecutive_failures} failed checks in a row{when}"


def reject_form(pin: Pin) -> Reply:
    return Reply(
        blocks=(Text(f"Why is “{pin.title}” (#{pin.id}) being rejected? The reason is sent "
                     "to the member who suggested it."),
                Context(f"Or type `pins reject {pin.id} <reason>`.")),
        form=Form(title=f"Reject suggestion #{pin.id}", command="pins reject",
                  fields=(FormField("reason", "Reason (sent to the member)", kind="long_text",
                                    required=True, max_length=REASON_MAX),),
                  submit_label="Reject", hidden={"id": pin.id}))


def approved(pin: Pin, shelf: str = "the library") -> Reply:
    return Reply(blocks=(Text(f"Approved #{pin.id} “{pin.title}”: it is now on {shelf}."),),
                 tone="success")


def promotion_asked(pin: Pin) -> Reply:
    return Reply(blocks=(Text(f"Proposed #{pin.id} “{pin.title}” for the network's shelf: a "
                              "network moderator will see it in their queue."),),
                 tone="success")


def promoted(pin: Pin, was: str) -> Reply:
    return Reply(blocks=(Text(f"Promoted #{pin.id} “{pin.title}” from {was} to the "
                              "network's shelf: every space sees it now."),), tone="success")


def promoted_notice(pin: Pin) -> Reply:
    return Reply(blocks=(Text(f"The resource you proposed, “{pin.title}” (#{pin.id}), is now "
                              "on the network's shelf."), Context(pin.url)), tone="success")


def rejected(pin: Pin, *, told: bool) -> Reply:
    tail = " The member who suggested it has been told why." if told else ""
    return Reply(blocks=(Text(f"Rejected suggestion #{pin.id} “{pin.title}”.{tail}"),),
                 tone="success")


def approved_notice(pin: Pin) -> Reply:
    return Reply(blocks=(Text(f"Good news: your suggestion “{pin.title}” was approved and is "
                              f"now in the resource library as #{pin.id}."),
                         Context(pin.url)), tone="success")


def rejected_notice(pin: Pin, reason: str) -> Reply:
    return Reply(blocks=(
        Text(f"Your suggestion “{pin.title}” was not added to the resource library."),
        Section(title="The moderator's reason", text=reason),
        Context(pin.url),
    ))


def kept(pin: Pin) -> Reply:
    return Reply(blocks=(Text(f"Kept #{pin.id} “{pin.title}”; its link is marked as fine "
                              "until the next check says otherwise."),), tone="success")


def audit(entries: Sequence[AuditEntry], *, action: str | None) -> Reply:
    items = tuple(ListItem(
        f"{e.at:%Y-%m-%d %H:%M} UTC · {e.action} · {e.target or '-'}",
        f"by {e.actor}" + (f"\n{change}" if (change := describe_change(e)) else ""))
        for e in entries)
    title = "Audit log" + (f": {action}" if action else "") + " (newest first)"
    return Reply(blocks=(ItemList(items, title=title, empty="Nothing recorded yet."),))


def describe_change(entry: AuditEntry) -> str:
    """"field: old → new" for what changed; the after-values when nothing came before."""
    before, after = entry.before or {}, entry.after or {}
    parts = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if key == "id" or old == new:
            continue
        if key in before and key in after:
            parts.append(f"{key}: {_short(old)} → {_short(new)}")
        elif key in after:
            parts.append(f"{key}: {_short(new)}")
    return "; ".join(parts)


def _short(value: Any) -> str:
    shown = repr(value) if not isinstance(value, str) else f"“{value}”"
    return shown if len(shown) <= 80 else shown[:79] + "…"
