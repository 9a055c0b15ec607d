"""Privacy: who can find a member, everything stored about them (`mydata`), and erasing it
(`forgetme`).

Erasure is shared work: each capability registers `Capability.forget` (and `export`) for
the tables it owns; `forgetme` runs them all, then deletes the member's interests,
identities and profile, and rewrites audit-log mentions of them to an anonymous token.
Last, after committing, it clears the deleted rows' copies from the database's files
(`storage.erasure`) before it says "Done". It also leaves a tombstone per identity (keyed
hashes only, `storage.tombstones`), and a restore of an older backup runs the same erase
again for those members (`reapply_erasures`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import Arg, Args
from bot.context import Context, Services, actor_label
from bot.events import Caller
from bot.replies import Actions, Attachment, Button, Reply, Text, confirm
from bot.replies import Context as SmallPrint
from bot.settings import Settings, default_data_dir
from storage import erasure
from storage.models import AuditEntry, Identity, Member
from storage.models.base import utcnow
from storage.repositories.introductions import IntroductionsRepository
from storage.tombstones import LIST_FILE, ErasureList, Tombstone, digest, key_id, latest
from storage.tombstones import record as record_tombstones
from storage.tombstones import stored as stored_tombstones

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

log = logging.getLogger(__name__)

EXPLAIN = {
    "network": "anyone in the network (every space) can find you",
    "space": "only people in the spaces you are in can find you",
    "hidden": "nobody can find you: you are left out of search, profiles, intro cards, "
              "meet requests and pairing",
}


class PrivacyArgs(Args):
    level: Annotated[Literal["network", "space", "hidden"] | None,
                     Arg(help="network, space or hidden")] = None


def _web_line(member: Member) -> str:
    """What the web pages show of the member, given both of their choices."""
    if not member.web_listing:
        return ("Web pages: your name never appears on the network's public web pages "
                "(`privacy web on` lets it appear next to talks you give and teach-meets "
                "you organise).")
    if member.privacy != "network":
        return (f"Web pages: listing is on, but your name stays off them while your privacy "
                f"is {member.privacy} (it shows only with `privacy network`).")
    return ("Web pages: your name appears next to talks you give and teach-meets you "
            "organise (`privacy web off` removes it).")


async def privacy(ctx: Context, args: PrivacyArgs) -> Reply:
    me = await ctx.member()
    if args.level is None:
        return Reply(blocks=(Text(f"Your privacy is {me.privacy}: {EXPLAIN[me.privacy]}."),
                             Text(_web_line(me)),
                             SmallPrint("Change it with `privacy network|space|hidden` and "
                                        "`privacy web on|off`.")))
    before = me.privacy
    me.privacy = args.level
    if before != args.level:
        ctx.audit("privacy", f"member:{me.id}", before={"privacy": before},
                  after={"privacy": args.level})
    blocks = [Text(f"Privacy set to {args.level}: {EXPLAIN[args.level]}.")]
    if me.web_listing and args.level != "network":
        blocks.append(Text(_web_line(me)))
    return Reply(blocks=tuple(blocks), tone="success")


def _on_off(value: Any) -> Any:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        word = value.strip().lower()
        return {"yes": "on", "true": "on", "1": "on", "no": "off", "false": "off",
                "0": "off"}.get(word, word)
    return value


class WebListingArgs(Args):
    state: Annotated[Literal["on", "off"] | None, BeforeValidator(_on_off),
                     Arg(help="on or off")] = None


async def web_listing(ctx: Context, args: WebListingArgs) -> Reply:
    """Opt in to (or out of) the public web pages; off until the member says otherwise."""
    me = await ctx.member()
    if args.state is None:
        return Reply(blocks=(Text(_web_line(me)),))
    wanted = args.state == "on"
    if me.web_listing != wanted:
        ctx.audit("privacy.web", f"member:{me.id}", before={"web_listing": me.web_listing},
                  after={"web_listing": wanted})
        me.web_listing = wanted
    return Reply(blocks=(Text(_web_line(me)),), tone="success")


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def export_introductions(session: AsyncSession, member_id: int) -> dict[str, Any]:
    """This capability's part of `mydata`."""
    repo = IntroductionsRepository(session)
    prefs = await repo.prefs(member_id)
    handles = {}
    requests = await repo.requests_of(member_id)
    matches = await repo.matches(member_id)
    others = {r.asker_id for r in requests} | {r.expert_id for r in requests} | {
        m for match in matches for m in (match.first_id, match.second_id, match.third_id) if m}
    for other in others:
        member = await session.get(Member, other)
        handles[other] = member.handle if member else None
    return {
        "preferences": None if prefs is None else {
            "meet_paused": prefs.meet_paused, "pairing": prefs.pairing,
            "pairing_paused_until": _when(prefs.pairing_paused_until)},
        "meet_requests": [{
            "id": r.id, "role": "asker" if r.asker_id == member_id else "asked",
            "other": handles.get(r.expert_id if r.asker_id == member_id else r.asker_id),
            "topic": r.topic, "status": r.status, "created_at": _when(r.created_at),
            "expires_at": _when(r.expires_at), "answered_at": _when(r.answered_at),
        } for r in requests],
        "pairings": [{
            "with": [handles.get(m) for m in (x.first_id, x.second_id, x.third_id)
                     if m and m != member_id],
            "reason": x.reason} for x in matches],
        "pairing_checkins": [{
            "match": c.match_id, "answer": c.answer, "asked_at": _when(c.asked_at),
            "answered_at": _when(c.answered_at)} for c in await repo.member_checkins(member_id)],
    }


async def forget_introductions(session: AsyncSession, member_id: int) -> None:
    await IntroductionsRepository(session).forget(member_id)


async def mydata(ctx: Context, _args: Args) -> Reply:
    me = await ctx.member()
    directory = ctx.directory
    identities = await directory.identities(me.id)
    repo = IntroductionsRepository(ctx.session)
    data: dict[str, Any] = {
        "exported_at": ctx.now().isoformat(),
        "profile": {"handle": me.handle, "name": me.name, "role": me.role,
                    "organisation": me.organisation, "region": me.region, "bio": me.bio,
                    "timezone": me.timezone, "privacy": me.privacy,
                    "web_listing": me.web_listing,
                    "introduced_at": _when(me.introduced_at), "created_at": _when(me.created_at)},
        "accounts": [{"platform": i.platform, "space_id": i.space_id, "user_id": i.user_id,
                      "display_name": i.display_name} for i in identities],
        "wants_to_learn": [i.text for i in await directory.interests_for(me.id)],
        "audit_log": [{"at": _when(a.at), "action": a.action, "target": a.target,
                       "before": a.before, "after": a.after}
                      for a in await repo.audit_of([actor_label(i) for i in identities])],
    }
    for name, export in ctx.services.registry.exporters.items():
        data[name] = await export(ctx.session, me.id)
    content = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()
    return Reply(blocks=(Text("Here is everything Staffroom stores about you."),
                         SmallPrint("`forgetme` deletes it.")),
                 attachment=Attachment(f"staffroom-{me.handle}.json", content,
                                       "application/json"))


class ForgetArgs(Args):
    confirm: Annotated[bool, Arg(help="confirm=yes deletes without asking again")] = False


async def forgetme(ctx: Context, args: ForgetArgs) -> Reply:
    me = await ctx.member()
    hooks = ctx.services.registry.leave_hooks
    if not args.confirm:
        leaving = [line for hook in hooks for line in await hook(ctx, me.id, False)]
        delete = Button("Delete everything about me", "forgetme", {"confirm": True},
                        style="danger", confirm="Delete everything about you? This can't be "
                                                "undone.")
        return Reply(blocks=(
            Text("This deletes your profile, everything you have logged, what you want to "
                 "learn, your accounts, sign-ups and pending requests — for good. The audit "
                 "log keeps only an anonymous record of actions."),
            *([Text("Your teach-meets are others' plans too, so:\n"
                    + "\n".join(f"• {line}" for line in leaving))] if leaving else []),
            Actions((delete,)),
            SmallPrint("Reply `yes` to delete it all, or `no` to keep it. `mydata` first, if "
                       "you want a copy."),
        ), tone="warning", question=confirm("Delete everything about you, for good?", delete,
                                            no="OK, nothing was deleted."))
    done = await erase(ctx, me, acting=[actor_label(ctx.caller)])
    outcomes = [Text("What becomes of your teach-meets:\n"
                     + "\n".join(f"• {line}" for line in done))] if done else []
    unfinished = await _erase_from_disk(ctx)
    return Reply(blocks=(Text("Done: everything about you has been deleted. If you use "
                              "Staffroom again you'll start afresh."), *outcomes,
                          *unfinished),
                 tone="warning" if unfinished else "success")


async def erase(ctx: Context, me: Member, *, acting: Sequence[str] = (),
                tombstones: bool = True) -> list[str]:
    """Everything `forgetme` deletes, in the context's unit of work (not committed yet):
    what others signed up for passes on or is called off (the lines saying which), every
    capability's rows, the member's own, and their mentions in the audit log. With
    `tombstones`, each of their identities is added to the erasure list (storage.tombstones),
    in the same unit of work and in the list's file, so a restore of an older backup erases
    them again; a restore re-applying an erasure does not move it later."""
    hooks = ctx.services.registry.leave_hooks
    # before the erase: what others signed up for passes on, or they are told it is off
    done = [line for hook in hooks for line in await hook(ctx, me.id, True)]
    identities = await ctx.directory.identities(me.id)
    own = [*acting, *(actor_label(i) for i in identities)]
    needles = [me.handle, me.name, f"member:{me.id}", *own]
    for identity in identities:
        needles += [identity.user_id, identity.display_name]
    stones: list[Tombstone] = []
    listed = erasure_list(ctx.settings, ctx.services.db.url)
    if tombstones:
        try:
            stones = await asyncio.to_thread(
                listed.stamp, [(i.platform, i.space_id, i.user_id) for i in identities],
                utcnow())
        except OSError as exc:  # the erasure goes ahead; only its tombstone is missing
            log.error("forgetme: no erasure key (%s: %s), so a restore of an older backup "
                      "will not erase this member again; set [backup] erasure_key",
                      type(exc).__name__, listed.key_path)
        await record_tombstones(ctx.session, stones)
    for forget in ctx.services.registry.forgetters:
        await forget(ctx.session, me.id)
    repo = IntroductionsRepository(ctx.session)
    await repo.erase_member(me.id)
    token = f"anon-{secrets.token_hex(6)}"
    await repo.anonymise_audit(needles, token, actor_labels=own)
    ctx.session.add(AuditEntry(at=ctx.now(), actor=token, action="forgotten", target=token))
    if stones:  # last before the commit; on disk even if the database is restored later
        try:
            await asyncio.to_thread(listed.append, stones)
        except OSError as exc:  # the database's list still has them
            log.error("forgetme: could not add to the erasure list file %s (%s)",
                      listed.path, type(exc).__name__)
    return done


def erasure_list(settings: Settings, url: URL) -> ErasureList:
    """Where the erasure list's file and key live: `[backup] erasure_list`, else beside the
    SQLite database, else in the data folder."""
    configured = settings.backup.erasure_list
    if configured:
        path = Path(configured).expanduser()
    elif url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database).expanduser().parent / LIST_FILE
    else:
        path = default_data_dir() / LIST_FILE
    return ErasureList(path, settings.backup.erasure_key)


async def _erase_from_disk(ctx: Context) -> tuple[Text, ...]:
    """Commit the deletions, then clear what the database keeps of the deleted rows in its
    files (`storage.erasure`), before the member is told it is done; what to add to that
    answer if a step could not finish."""
    work = await erasure.pending(ctx.session)
    await ctx.finish(commit=True)
    report = await _clear_files(ctx.services, work)
    if not report.complete:
        return (Text("Clearing the last copies from the database's files did not finish; "
                     "whoever runs the bot can see why in its log."),)
    return ()


async def _clear_files(services: Services, work: erasure.Pending) -> erasure.PurgeReport:
    started = time.perf_counter()
    try:
        report = await erasure.purge(services.db, work)
    except Exception as exc:  # the rows are gone already; only the files' copies remain
        log.error("forgetme: the rows are deleted, but clearing the database files failed "
                  "(%s)", type(exc).__name__, exc_info=True)
        report = erasure.PurgeReport(problems=[type(exc).__name__])
    log.info("forgetme: rewrote %s in %.2f s", ", ".join(report.rewritten) or "nothing",
             time.perf_counter() - started)
    if not report.complete:
        log.warning("forgetme: deleted, but traces may remain in the database files: %s",
                    "; ".join(report.problems))
    return report


async def _read_file(listed: ErasureList) -> list[Tombstone]:
    try:
        return await asyncio.to_thread(listed.read)
    except OSError as exc:  # the databases' lists are still read
        log.error("could not read the erasure list file %s (%s)", listed.path,
                  type(exc).__name__)
        return []


# -- after a restore ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Reapplied:
    """What a restore's re-application did: members erased again, tombstones it could not
    check (made with another key), and the files' clearing."""

    erased: int
    unchecked: int
    report: erasure.PurgeReport


async def reapply_erasures(services: Services, known: Iterable[Tombstone] = (), *,
                           loaded_since: datetime | None = None) -> Reapplied:
    """Erase again, through `erase` and the same clearing of the files as `forgetme`, every
    member of the (just restored) database holding an identity in the erasure list — `known`
    (read before the restore replaced the database: its rows and the list's file) plus the
    restored database's own — unless the identity was first seen after that erasure. Then
    writes the whole list back into the database and the file. Idempotent.
    `loaded_since`: identities made since then were loaded from a file (`import`), records
    of the past however new their rows are, so the erasure applies to them too."""
    listed = erasure_list(services.settings, services.db.url)
    async with services.db.sessions() as session:
        stones = latest(known, await stored_tombstones(session), await _read_file(listed))
        try:
            key = await asyncio.to_thread(listed.key, create=bool(stones))
        except OSError as exc:  # every tombstone is then counted as unchecked
            log.error("no erasure key (%s: %s)", type(exc).__name__, listed.key_path)
            key = None
        mine = key_id(key) if key else ""
        usable = {d: t for d, t in stones.items() if t.key_id == mine}
        doomed: dict[int, Identity] = {}
        if usable and key:
            for identity in await session.scalars(select(Identity).order_by(Identity.id)):
                stone = usable.get(digest(key, identity.platform, identity.space_id,
                                          identity.user_id))
                if stone is not None and (identity.created_at <= stone.at or (
                        loaded_since is not None and identity.created_at >= loaded_since)):
                    doomed.setdefault(identity.member_id, identity)
        for member_id, identity in sorted(doomed.items()):
            member = await session.get(Member, member_id)
            if member is None:
                continue
            ctx = Context(caller=Caller(identity.platform, identity.space_id, identity.user_id,
                                        identity.display_name),
                          services=services, command="forgetme", session=session)
            await erase(ctx, member, tombstones=False)
            # notices to those signed up were sent when the member left; not again
        await record_tombstones(session, stones.values())
        work = await erasure.pending(session)
        await session.commit()
    try:
        on_file = {(t.digest, t.at) for t in await asyncio.to_thread(listed.read)}
        await asyncio.to_thread(listed.append, [t for t in stones.values()
                                                if (t.digest, t.at) not in on_file])
    except OSError as exc:  # the database's list has them all
        log.error("could not update the erasure list file %s (%s)", listed.path,
                  type(exc).__name__)
    report = await _clear_files(services, work) if doomed else erasure.PurgeReport()
    return Reapplied(len(doomed), len(stones) - len(usable), report)
