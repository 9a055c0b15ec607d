"""Reply builders for the resource library: cards, lists, the moderation queue, the audit."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.audit import Line
from bot.paging import Page, Window, page_of
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
    confirm,
)
from storage.models import Pin
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


def library(pins: Sequence[Pin], at: Window, *, total: int | None, more: bool | None,
            query: str, tags: Sequence[str], carried: Mapping[str, Any],
            web_url: str = "", shelves: Mapping[tuple[str, str], str] | None = None) -> Reply:
    """A page of the library; `web_url` (the same view on the web pages) adds a link. With
    `shelves` (names by shelf), the page's pins are grouped under their shelf's name."""
    about = " ".join([*([f"“{query}”"] if query else []), *(f"#{t}" for t in tags)])
    if query:
        title = f"Resources matching {about}"
    else:
        title = "Resource library" + (f": {about}" if about else "") + " (newest first)"
    empty = (f"Nothing in the library matches {about}. Try other words, or suggest a "
             "resource with `pin <url> <title>`." if about else
             "The library is empty so far. Suggest a resource with `pin <url> <title>`.")
    items = tuple(ListItem(pin_title(p), pin_summary(p),
                           buttons=(Button("Show", "pins show", {"id": p.id}),)) for p in pins)
    page = page_of(items, at, total=total, more=more, title=title, empty=empty,
                   command="pins", args=carried, noun="resources")
    blocks = list(page.blocks)
    if shelves and pins:  # the page's list, one titled list per shelf in order
        groups: list[tuple[str, list[ListItem]]] = []
        for pin, item in zip(pins, items, strict=True):
            name = shelves.get(pin.shelf, "")
            if not groups or groups[-1][0] != name:
                groups.append((name, []))
            groups[-1][1].append(item)
        blocks[0:1] = [ItemList(tuple(group), title=f"{title} · {name}" if name else title,
                                empty=empty) for name, group in groups]
    if web_url and pins:
        web = Button("See all on the web", url=web_url)
        if page.more is not None:  # one row: More, then the web page
            blocks[-1] = _actions([page.more, web])
        else:
            blocks.append(_actions([web]))
    return Reply(blocks=tuple(blocks), question=page.question)


def show(pin: Pin, *, moderator: bool, shelf: str = "") -> Reply:
    return Reply(blocks=(card(pin, moderator=moderator, shelf=shelf),))


def confirm_unpin(pin: Pin) -> Reply:
    button = unpin_button(pin)
    return Reply(blocks=(
        Text(f"Remove #{pin.id} “{pin.title}” from the library? Nothing has been changed "
             "yet."),
        _actions([button]),
        Context("Reply `yes` to remove it, or `no` to keep it."),
    ), tone="warning", question=confirm(f"Remove #{pin.id} “{pin.title}” from the library?",
                                        button, no=f"OK, #{pin.id} stays in the library."))


def unpinned(pin: Pin) -> Reply:
    return Reply(blocks=(Text(f"Removed #{pin.id} “{pin.title}” from the library."),),
                 tone="success")


def edited(pin: Pin, changed: Sequence[str]) -> Reply:
    return Reply(blocks=(Text(f"Updated #{pin.id} ({', '.join(changed)})."), card(pin)),
                 tone="success")


def queue(pending: Sequence[Pin], at: Window, *, pending_total: int, dead: Sequence[Pin],
          dead_total: int, names: Mapping[int, str] | None = None,
          proposed: Sequence[Pin] = (),
          shelf_of: Callable[[Pin], str] = lambda _pin: "") -> Reply:
    """A page of suggestions (oldest first), each labelled with its shelf; on the first
    page, pins proposed for the network's shelf and the first dead links."""
    items = tuple(ListItem(pin_title(p), _suggestion_text(p, (names or {}).get(p.id, ""),
                                                          shelf_of(p)),
                           buttons=review_buttons(p)) for p in pending)
    page = page_of(items, at, total=pending_total, title="Suggestions waiting for review",
                   empty="No suggestions are waiting for review.", command="pins queue",
                   noun="suggestions")
    blocks: list[Block] = list(page.blocks)
    if proposed:
        blocks.append(ItemList(tuple(ListItem(
            pin_title(p), f"{pin_summary(p)}\non {shelf_of(p)}, proposed on "
                          f"{p.promotion_asked_at:%d %b %Y}",
            buttons=(Button("Promote", "pins promote", {"id": p.id}, style="primary"),))
            for p in proposed), title="Proposed for the network's shelf"))
    if dead:
        blocks.append(dead_list(dead))
        if dead_total > len(dead):
            blocks.append(Context(f"Showing {len(dead)} of {dead_total} dead links; "
                                  "`pins dead` lists them all."))
    return Reply(blocks=tuple(blocks), question=page.question)


def _suggestion_text(pin: Pin, name: str = "", shelf: str = "") -> str:
    who = name or "a member"
    where = f" for {shelf}" if shelf else ""
    return f"{pin_summary(pin)}\nsuggested{where} by {who} on {pin.created_at:%d %b %Y}"


def _dead_items(dead: Sequence[Pin]) -> tuple[ListItem, ...]:
    return tuple(ListItem(
        pin_title(p),
        f"{p.url}\n{_link_problem(p)}",
        buttons=(Button("Keep", "pins keep", {"id": p.id}), unpin_button(p)),
    ) for p in dead)


DEAD_TITLE = "Links that look dead"
NO_DEAD = "No dead links found by the link checker."


def dead_list(dead: Sequence[Pin]) -> ItemList:
    return ItemList(_dead_items(dead), title=DEAD_TITLE, empty=NO_DEAD)


def dead_page(dead: Sequence[Pin], at: Window, *, total: int) -> Page:
    return page_of(_dead_items(dead), at, total=total, title=DEAD_TITLE, empty=NO_DEAD,
                   command="pins dead", noun="dead links")


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


def audit(lines: Sequence[Line], at: Window, *, total: int, action: str | None,
          limit: int | None) -> Reply:
    """A page of the audit log in plain words: when, who did what, and what changed."""
    items = tuple(ListItem(f"{line.when:%d %b %Y %H:%M} UTC — {line.what}", line.change)
                  for line in lines)
    title = "Audit log" + (f": {action}" if action else "") + " (newest first)"
    empty = (f"Nothing recorded for “{action}”." if action else "Nothing recorded yet.")
    page = page_of(items, at, total=total, title=title, empty=empty, command="audit",
                   args={"action": action, "limit": limit}, noun="entries")
    return Reply(blocks=page.blocks, question=page.question)
