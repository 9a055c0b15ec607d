"""Commands: pin, pins (browse/search), pins show|edit|queue|approve|reject|dead|keep, unpin,
audit.

Every moderator path is a `moderator_only` command, so the dispatcher checks the presser's
rights before the handler runs (typed, a button, a form or a hand-made payload alike) and
records refusals. Handlers then check the pin itself (exists, in the right state).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.audit import lines as audit_lines
from bot.commands import ID_RANGE, Arg, Args, Capability, Command
from bot.context import Context, actor_label
from bot.errors import UserError
from bot.notifier import Destination, Undeliverable
from bot.paging import PageArg, window
from bot.replies import Reply, Text
from bot.resources import replies, shelves
from bot.resources.privacy import export_pins, forget_pins
from bot.resources.services import digest_section, schedule
from bot.resources.urls import BadURL, clean_url, url_key
from bot.web import links
from storage.models import Member, Pin
from storage.models.resources import (
    PIN_DESCRIPTION_MAX,
    PIN_TAG_MAX,
    PIN_TAGS_MAX,
    PIN_TITLE_MAX,
    REASON_MAX,
)
from storage.repositories.audit import AuditRepository
from storage.repositories.resources import NETWORK, PinRepository, Shelf

QUERY_MAX = 300
DEAD_SHOWN = 5
"""Dead links shown under the queue (`pins dead` pages through them all)."""
_TAG = re.compile(r"[^\s|#,\"'<>]+")


def check_url(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return clean_url(value)
    except BadURL as exc:
        raise ValueError(str(exc)) from None


def split_tags(value: Any) -> Any:
    """Tags as typed (#a #b), as a field (a, b) or as a list; lower case, no '#'."""
    if isinstance(value, str):
        value = re.split(r"[\s,]+", value)
    if isinstance(value, list):
        return [t.strip().lstrip("#").lower() for t in value
                if isinstance(t, str) and t.strip().lstrip("#")]
    return value


def check_tags(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    for tag in value:
        if not _TAG.fullmatch(tag):
            raise ValueError(f"#{tag[:40]} is not a usable tag: use letters, digits, - or _")
    return list(dict.fromkeys(value))


Tag = Annotated[str, Field(min_length=1, max_length=PIN_TAG_MAX)]
Tags = Annotated[list[Tag], Arg(help="#tags", tags=True), Field(max_length=PIN_TAGS_MAX)]
PinId = Annotated[int, Arg(help="the pin's number, as `pins` shows it", numbers="pin"),
                  ID_RANGE]


class TaggedArgs(Args):
    """Argument models with a `tags` field: accepted as #words, "a, b" or a list."""

    @field_validator("tags", mode="before", check_fields=False)
    @classmethod
    def _split_tags(cls, value: Any) -> Any:
        return split_tags(value)

    @field_validator("tags", check_fields=False)
    @classmethod
    def _check_tags(cls, value: list[str] | None) -> list[str] | None:
        return check_tags(value)


class PinArgs(TaggedArgs):
    url: Annotated[str, Arg(help="the web address, starting with https://")]
    title: Annotated[str, Arg(help="a short title", rest=True),
                     Field(min_length=2, max_length=PIN_TITLE_MAX)]
    tags: Tags = Field(default_factory=list)
    description: Annotated[str, Arg(help="what it is and why it is good", after="--"),
                           Field(max_length=PIN_DESCRIPTION_MAX)] = ""
    shelf: Annotated[Literal["here", "network"] | None,
                     Arg(help="shelf=here (this space's) or shelf=network")] = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return check_url(value)


async def _duplicate(ctx: Context, existing: Pin) -> Reply:
    """Point to the pin already there, on whichever shelf, offering to promote it to the
    network's shelf when it is on another space's."""
    network_moderator = ctx.is_network_moderator()
    local = existing.status == "published" and not existing.on_network_shelf
    return replies.duplicate(
        existing, moderator=await shelves.may_moderate(ctx, existing),
        shelf=shelves.name_for(ctx, existing.shelf),
        promote=local and (network_moderator or existing.shelf != shelves.shelf_here(ctx)),
        network_moderator=network_moderator)


async def pin(ctx: Context, args: PinArgs) -> Reply:
    """Published at once on a shelf the caller moderates (a space moderator: their space's;
    a network moderator: the network's unless `shelf=here`); anyone else's pin is a
    suggestion for that shelf's moderators."""
    repo = PinRepository(ctx.session)
    here = shelves.shelf_here(ctx)
    wanted = args.shelf or ("network" if ctx.is_network_moderator() else "here")
    shelf = NETWORK if wanted == "network" else here
    publish = await shelves.may_publish(ctx, shelf)
    key = url_key(args.url)
    existing = await repo.live_by_key(key)
    if existing is not None:
        return await _duplicate(ctx, existing)
    member = await ctx.member()
    now = ctx.now()
    item = Pin(url=args.url, url_key=key, title=args.title, description=args.description,
               tags=list(args.tags), status="published" if publish else "pending",
               added_by_member_id=member.id, added_by_platform=ctx.caller.platform,
               added_by_space=ctx.caller.space_id, added_by_user=ctx.caller.user_id,
               shelf_platform=shelf[0], shelf_space=shelf[1],
               created_at=now, published_at=now if publish else None,
               reviewed_by=actor_label(ctx.caller) if publish else "",
               reviewed_at=now if publish else None, reject_reason="",
               link_status="unchecked", consecutive_failures=0, last_error="",
               promotion_asked_by="")
    try:
        async with ctx.session.begin_nested():
            await repo.add(item)
    except IntegrityError:
        # Someone pinned the same resource a moment ago, between our check and our write.
        existing = await repo.live_by_key(key)
        if existing is None:
            raise
        return await _duplicate(ctx, existing)
    name = shelves.name_for(ctx, shelf)
    if not publish:
        return replies.suggested(item, name)
    ctx.audit("pin.publish", f"pin:{item.id}", after=item.snapshot())
    return replies.published(item, name)


class PinsArgs(TaggedArgs):
    query: Annotated[str | None, Arg(help="words to search for; newest first if left out",
                                     rest=True), Field(max_length=QUERY_MAX)] = None
    tags: Annotated[list[Tag], Arg(help="only pins with these #tags", tags=True),
                    Field(max_length=5)] = Field(default_factory=list)
    page: PageArg = 1



async def browse(ctx: Context, args: PinsArgs) -> Reply:
    """This space's shelf first, then the network's (search results likewise)."""
    repo = PinRepository(ctx.session)
    at = window(args.page, ctx.settings.resources.page_size)
    query = (args.query or "").strip()
    web_url = links.library_url(ctx.settings, query, args.tags)
    carried = {"query": query, "tags": list(args.tags)}
    seen, here = shelves.visible_shelves(ctx), shelves.shelf_here(ctx)
    names = {s: shelves.name_for(ctx, s) for s in seen}
    if query:  # ranked: one more than a page says whether there is a next one
        found = await repo.search(query, tags=args.tags, limit=at.size + 1, offset=at.offset,
                                  shelves=seen, first=here)
        more = len(found) > at.size
        shown = found[:at.size]
        return replies.library(shown, at, total=None if more else at.offset + len(shown),
                               more=more, query=query, tags=args.tags, carried=carried,
                               web_url=web_url, shelves=names)
    page = await repo.browse(tags=args.tags, limit=at.size, offset=at.offset, shelves=seen,
                             first=here)
    return replies.library(page.pins, at, total=page.total, more=None, query="",
                           tags=args.tags, carried=carried, web_url=web_url, shelves=names)


class IdArgs(Args):
    id: PinId


async def _get(ctx: Context, pin_id: int) -> Pin:
    found = await PinRepository(ctx.session).get(pin_id)
    if found is None:
        raise UserError(f"There is no pin #{pin_id}. `pins` lists the library.", field="id")
    return found


async def show(ctx: Context, args: IdArgs) -> Reply:
    found = await PinRepository(ctx.session).get(args.id)
    moderator = found is not None and await shelves.may_moderate(ctx, found)
    own = found is not None and found.added_by_member_id is not None and \
        found.added_by_member_id == (await ctx.viewer()).member_id
    if found is None or (found.status != "published" and not (moderator or own)):
        raise UserError(f"There is no pin #{args.id}. `pins` lists the library.", field="id")
    return replies.show(found, moderator=moderator,
                        shelf=shelves.name_for(ctx, found.shelf))


class EditArgs(TaggedArgs):
    id: PinId
    title: Annotated[str | None, Arg(help="a new title", rest=True),
                     Field(min_length=2, max_length=PIN_TITLE_MAX)] = None
    url: Annotated[str | None, Arg(help="url=https://... a new address")] = None
    description: Annotated[str | None, Arg(help="a new description", after="--"),
                           Field(max_length=PIN_DESCRIPTION_MAX)] = None
    tags: Annotated[list[Tag] | None, Arg(help="#tags (or tags=a,b) replacing the old ones",
                                          tags=True), Field(max_length=PIN_TAGS_MAX)] = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return check_url(value)


async def edit(ctx: Context, args: EditArgs) -> Reply:
    item = await _get(ctx, args.id)
    await shelves.require_shelf(ctx, item, "edit")
    if item.status not in ("published", "pending"):
        raise UserError(f"Pin #{item.id} was {item.status}; only pins in the library or "
                        "waiting for review can be edited.")
    repo = PinRepository(ctx.session)
    changes: dict[str, Any] = {}
    if args.url is not None and args.url != item.url:
        key = url_key(args.url)
        other = await repo.live_by_key(key)
        if other is not None and other.id != item.id:
            raise UserError(f"That address is already pin #{other.id} “{other.title}”; "
                            "nothing was changed.", field="url")
        changes.update(url=args.url, url_key=key)
    for name in ("title", "description", "tags"):
        value = getattr(args, name)
        if value is not None and value != getattr(item, name):
            changes[name] = list(value) if name == "tags" else value
    if not changes:
        raise UserError(f"Nothing to change on #{item.id}. Give a new title, url=..., "
                        "#tags or -- description. Example: `pins edit 3 A better title "
                        "#safety`.")
    before = item.snapshot()
    for name, value in changes.items():
        setattr(item, name, value)
    await repo.changed(item)
    ctx.audit("pin.edit", f"pin:{item.id}", before=before, after=item.snapshot())
    return replies.edited(item, [n for n in changes if n != "url_key"])


class UnpinArgs(Args):
    id: PinId
    confirm: Annotated[bool, Arg(help="confirm=yes removes it without asking again")] = False


async def unpin(ctx: Context, args: UnpinArgs) -> Reply:
    item = await _get(ctx, args.id)
    await shelves.require_shelf(ctx, item, "unpin")
    if item.status == "pending":
        raise UserError(f"#{item.id} is a suggestion, not in the library yet: use "
                        f"`pins reject {item.id}` to turn it down.")
    if item.status != "published":
        raise UserError(f"Pin #{item.id} is not in the library (it was {item.status}).")
    if not args.confirm:
        return replies.confirm_unpin(item)
    before = item.snapshot()
    item.status, item.reviewed_by, item.reviewed_at = "removed", actor_label(ctx.caller), \
        ctx.now()
    await PinRepository(ctx.session).changed(item)
    ctx.audit("pin.unpin", f"pin:{item.id}", before=before, after=item.snapshot())
    return replies.unpinned(item)


class PageArgs(Args):
    page: PageArg = 1


def _moderated(ctx: Context) -> list[Shelf] | None:
    """The shelves the caller looks after: every one (None) for network moderators."""
    return None if ctx.is_network_moderator() else [shelves.shelf_here(ctx)]


async def queue(ctx: Context, args: PageArgs) -> Reply:
    """Suggestions (and dead links) on the shelves the caller moderates, labelled by shelf;
    network moderators also see pins proposed for the network's shelf."""
    repo = PinRepository(ctx.session)
    mine = _moderated(ctx)
    at = window(args.page, ctx.settings.conversation.page_size)
    pending = await repo.pending(limit=at.size, offset=at.offset, shelves=mine)
    first = at.page == 1
    dead = await repo.dead(limit=DEAD_SHOWN, shelves=mine) if first else []
    proposed = await repo.proposed(limit=DEAD_SHOWN) if first and mine is None else []
    ids = [p.added_by_member_id for p in pending if p.added_by_member_id]
    members = {m.id: m for m in await ctx.session.scalars(
        select(Member).where(Member.id.in_(ids)))} if ids else {}
    names = {p.id: f"{m.name} (@{m.handle})" for p in pending
             if (m := members.get(p.added_by_member_id or 0)) is not None}
    return replies.queue(pending, at, pending_total=await repo.count_pending(mine), dead=dead,
                         dead_total=await repo.count_dead(mine) if dead else 0, names=names,
                         proposed=proposed, shelf_of=lambda p: shelves.name_for(ctx, p.shelf))


async def _pending(ctx: Context, pin_id: int, what: str) -> Pin:
    item = await _get(ctx, pin_id)
    await shelves.require_shelf(ctx, item, what)
    if item.status != "pending":
        raise UserError(f"#{item.id} is not waiting for review (it is {item.status}).",
                        field="id")
    return item


def _suggester(item: Pin, ctx: Context) -> Destination | None:
    """Where to tell the member who suggested it; None if they are the moderator acting."""
    if not (item.added_by_platform and item.added_by_space and item.added_by_user):
        return None
    if (item.added_by_platform, item.added_by_space, item.added_by_user) == (
            ctx.caller.platform, ctx.caller.space_id, ctx.caller.user_id):
        return None
    return Destination(item.added_by_platform, item.added_by_space, user_id=item.added_by_user)


async def approve(ctx: Context, args: IdArgs) -> Reply:
    item = await _pending(ctx, args.id, "approve")
    before = item.snapshot()
    now = ctx.now()
    item.status, item.published_at = "published", now
    item.reviewed_by, item.reviewed_at = actor_label(ctx.caller), now
    await PinRepository(ctx.session).changed(item)
    ctx.audit("pin.approve", f"pin:{item.id}", before=before, after=item.snapshot())
    if (to := _suggester(item, ctx)) is not None:
        ctx.notify(to, replies.approved_notice(item), about="the member who suggested it")
    return replies.approved(item, shelves.name_for(ctx, item.shelf))


class RejectArgs(Args):
    id: PinId
    reason: Annotated[str | None, Arg(help="why (sent to the member who suggested it)",
                                      rest=True),
                      Field(min_length=3, max_length=REASON_MAX)] = None


async def reject(ctx: Context, args: RejectArgs) -> Reply:
    item = await _pending(ctx, args.id, "reject")
    if not args.reason:
        return replies.reject_form(item)
    before = item.snapshot()
    item.status, item.reject_reason = "rejected", args.reason
    item.reviewed_by, item.reviewed_at = actor_label(ctx.caller), ctx.now()
    await PinRepository(ctx.session).changed(item)
    ctx.audit("pin.reject", f"pin:{item.id}", before=before,
              after={**item.snapshot(), "reason": args.reason})
    to = _suggester(item, ctx)
    if to is not None:
        untold = replies.rejected(item, told=False)

        async def say_untold(exc: Undeliverable) -> Reply:
            return replace(untold, tone="warning", blocks=(*untold.blocks, Text(
                f"I couldn't tell the member who suggested it why: {exc.reason} Let them "
                "know yourself if you can.")))

        ctx.notify(to, replies.rejected_notice(item, args.reason),
                   about="the member who suggested it", if_undeliverable=say_untold)
    return replies.rejected(item, told=to is not None)


async def dead(ctx: Context, args: PageArgs) -> Reply:
    repo = PinRepository(ctx.session)
    mine = _moderated(ctx)
    at = window(args.page, ctx.settings.conversation.page_size)
    found = await repo.dead(limit=at.size, offset=at.offset, shelves=mine)
    page = replies.dead_page(found, at, total=await repo.count_dead(mine))
    return Reply(blocks=page.blocks, question=page.question)


async def keep(ctx: Context, args: IdArgs) -> Reply:
    item = await _get(ctx, args.id)
    await shelves.require_shelf(ctx, item, "review the link of")
    if item.status != "published" or item.link_status not in ("dead", "failing"):
        raise UserError(f"#{item.id} is not flagged by the link checker; nothing to review.")
    before = {"link_status": item.link_status, "failures": item.consecutive_failures}
    item.link_status, item.consecutive_failures, item.last_error = "ok", 0, ""
    item.last_checked_at = ctx.now()
    ctx.audit("pin.keep-link", f"pin:{item.id}", before=before,
              after={"link_status": "ok", "failures": 0})
    return replies.kept(item)


async def promote(ctx: Context, args: IdArgs) -> Reply:
    """Network moderators move a space's pin to the network's shelf; anyone else proposes
    it to them (it shows in their `pins queue`)."""
    item = await _get(ctx, args.id)
    if item.status != "published":
        raise UserError(f"Pin #{item.id} is not in the library (it is {item.status}); only "
                        "pins in the library can be promoted.", field="id")
    if item.on_network_shelf:
        raise UserError(f"#{item.id} “{item.title}” is already on the network's shelf.",
                        field="id")
    was = shelves.name_for(ctx, item.shelf)
    if not ctx.is_network_moderator():
        if item.promotion_asked_by:
            raise UserError(f"#{item.id} has already been proposed for the network's shelf "
                            f"(on {item.promotion_asked_at:%d %b %Y}); a network moderator "
                            "will decide.")
        item.promotion_asked_by, item.promotion_asked_at = actor_label(ctx.caller), ctx.now()
        ctx.audit("pin.promote-ask", f"pin:{item.id}", after={"from": was})
        return replies.promotion_asked(item)
    before = item.snapshot()
    asked = item.promotion_asked_by
    item.shelf_platform, item.shelf_space, item.promoted_at = "", "", ctx.now()
    item.promotion_asked_by, item.promotion_asked_at = "", None
    await PinRepository(ctx.session).changed(item)
    ctx.audit("pin.promote", f"pin:{item.id}", before=before, after=item.snapshot())
    parts = asked.split(":", 2)
    if len(parts) == 3 and asked != actor_label(ctx.caller):
        ctx.notify(Destination(parts[0], parts[1], user_id=parts[2]),
                   replies.promoted_notice(item))
    return replies.promoted(item, was)


class AuditArgs(Args):
    action: Annotated[str | None, Arg(help="only this action (pin.reject), or a prefix "
                                           "ending in . (pin.)"),
                      Field(max_length=64)] = None
    limit: Annotated[int | None, Arg(help="how many entries a page (limit=20)"),
                     Field(ge=1, le=100)] = None
    page: PageArg = 1


async def audit(ctx: Context, args: AuditArgs) -> Reply:
    repo = AuditRepository(ctx.session)
    at = window(args.page, args.limit or ctx.settings.conversation.page_size)
    entries = await repo.recent(limit=at.size, action=args.action, offset=at.offset)
    return replies.audit(await audit_lines(ctx.session, entries), at,
                         total=await repo.count(action=args.action), action=args.action,
                         limit=args.limit)


CAPABILITY = Capability(
    name="resources",
    title="The resource library",
    topics=("library", "resources", "pins"),
    schedule=schedule,
    digest=digest_section,
    forget=forget_pins,
    export=export_pins,
    commands=[
        Command(name="pin", handler=pin, args=PinArgs,
                summary="Pin a resource to the shared library (or suggest one).",
                usage="pin <url> <title> [#tags] [shelf=here|network] [-- description]",
                description="A pin goes on this space's shelf (shelf=network: the network's, "
                            "which every space sees). Moderators of that shelf publish at "
                            "once; anyone else's pin is a suggestion they review.",
                examples=('pin https://example.org/guide "Online safety guide" #safety '
                          "-- a clear guide for parents",
                          "pin https://example.org/vle Moodle tips #vle")),
        Command(name="pins", aliases=("library",), handler=browse, args=PinsArgs,
                summary="Browse the resource library, or search it.",
                usage="pins [query] [#tag] [page=N]",
                examples=("pins", "pins online safety", "pins #vle", "pins page=2")),
        Command(name="pins promote", handler=promote, args=IdArgs,
                summary="Move a space's pin to the network's shelf (or propose it).",
                usage="pins promote <id>",
                description="Network moderators promote at once; anyone else's request "
                            "goes to the network moderators' `pins queue`.",
                examples=("pins promote 12",)),
        Command(name="pins show", handler=show, args=IdArgs,
                summary="Show one pinned resource.", examples=("pins show 12",)),
        Command(name="pins edit", handler=edit, args=EditArgs, moderator_only=True,
                summary="Change a pin's title, address, tags or description.",
                usage="pins edit <id> [new title] [#tags] [url=...] [-- description]",
                examples=("pins edit 12 A better title #safety",
                          'pins edit 12 url=https://example.org/new tags=vle,moodle',
                          "pins edit 12 -- a new description")),
        Command(name="unpin", aliases=("pins remove",), handler=unpin, args=UnpinArgs,
                moderator_only=True, summary="Remove a resource from the library.",
                usage="unpin <id> [confirm=yes]",
                examples=("unpin 12", "unpin 12 confirm=yes")),
        Command(name="pins queue", handler=queue, args=PageArgs, moderator_only=True,
                summary="Suggestions waiting for review, and dead links.",
                usage="pins queue [page=N]", examples=("pins queue",)),
        Command(name="pins approve", handler=approve, args=IdArgs, moderator_only=True,
                summary="Approve a suggestion into the library.",
                examples=("pins approve 14",)),
        Command(name="pins reject", handler=reject, args=RejectArgs, moderator_only=True,
                summary="Reject a suggestion, telling the member why.",
                usage="pins reject <id> [reason]",
                examples=("pins reject 14 We already have a better guide on this",)),
        Command(name="pins dead", handler=dead, args=PageArgs, moderator_only=True,
                summary="Pinned links the link checker found dead.",
                usage="pins dead [page=N]", examples=("pins dead",)),
        Command(name="pins keep", handler=keep, args=IdArgs, moderator_only=True,
                summary="Keep a pin the link checker flagged (its link is fine).",
                examples=("pins keep 12",)),
        Command(name="audit", aliases=("pins audit",), handler=audit, args=AuditArgs,
                moderator_only=True, summary="Recent moderation actions (the audit log).",
                usage="audit [action] [limit=N] [page=N]",
                examples=("audit", "audit pin.reject", "audit refused limit=50")),
    ],
)
