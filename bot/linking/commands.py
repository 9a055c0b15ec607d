"""Commands: link, link CODE, link list, link cancel, unlink.

Codes never appear where others could read them: `link` asked in a channel sends the code
by direct message, and `link CODE` is accepted only in a direct message with the bot (a
code typed in a channel is refused, and nothing changes). Every platform and the console
take the same path; only "is this a direct conversation" (`Caller.is_direct`) decides.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import Arg, Args, Capability, Command
from bot.context import Context, actor_label
from bot.errors import UserError
from bot.linking import codes, replies
from bot.linking.merge import join, separate
from bot.notifier import Destination, Undeliverable
from bot.replies import Reply, error
from bot.replies import Text as Said
from storage.models import Identity, LinkCode
from storage.repositories.linking import LinkRepository

WRONG_CODE_ACTION = "link.wrong-code"
IN_CHANNEL = ("I only take linking codes in a direct message, where nobody else can see "
              "them, so nothing was linked. Open a direct message with me and say `link` and "
              "the code there. If others could see the code here, say `link` again on your "
              "other account for a fresh one (that cancels this one).")


def _account(ctx: Context) -> tuple[str, str, str]:
    return (ctx.caller.platform, ctx.caller.space_id, ctx.caller.user_id)


async def _zone(ctx: Context) -> ZoneInfo:
    member = await ctx.member()
    try:
        return ZoneInfo(member.timezone or ctx.settings.network.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(ctx.settings.network.timezone)


async def _clock(ctx: Context, when: datetime) -> str:
    local = when.astimezone(await _zone(ctx))
    return f"{local:%H:%M} {local.tzname()}"


class LinkArgs(Args):
    code: Annotated[str | None, Arg(help="the code your other account was given", rest=True),
                    Field(max_length=40)] = None
    confirm: Annotated[bool, Arg(help="yes, to join the two without asking again")] = False


async def link(ctx: Context, args: LinkArgs) -> Reply:
    if args.code is None:
        return await _issue(ctx)
    return await _redeem(ctx, args.code, confirm=args.confirm)


async def _issue(ctx: Context) -> Reply:
    me = await ctx.member()
    repo = LinkRepository(ctx.session)
    now = ctx.now()
    recent = await repo.made_since(*_account(ctx), now - timedelta(hours=1))
    if len(recent) >= codes.CODES_PER_HOUR:
        again = await _clock(ctx, recent[-codes.CODES_PER_HOUR].created_at + timedelta(hours=1))
        raise UserError(f"You have asked for {len(recent)} linking codes in the last hour, the "
                        f"most I give. Ask again after {again}; the last one still works "
                        "until it expires.")
    await repo.purge(now - timedelta(days=1))
    await repo.end_live(*_account(ctx), status="replaced")
    made_code = codes.make_code(await repo.mark())
    expires = now + codes.VALID_FOR
    made = await repo.add(LinkCode(code_hash=codes.code_hash(made_code), member_id=me.id,
                            platform=ctx.caller.platform, space_id=ctx.caller.space_id,
                            user_id=ctx.caller.user_id, status="live", created_at=now,
                            expires_at=expires))
    ctx.audit("link.code", f"member:{me.id}", after={"expires_at": expires.isoformat()})
    message = replies.code(made_code, await _clock(ctx, expires))
    if ctx.caller.is_direct:
        return message
    services, code_id = ctx.services, made.id

    async def withdraw(exc: Undeliverable) -> Reply:
        """Nobody saw the code: it stops working, and the caller is told (without it: the
        answer may be read where others can see it)."""
        async with services.db.unit_of_work() as session:
            await LinkRepository(session).cancel(code_id)
        return replies.code_undelivered(exc.reason)

    ctx.notify(Destination(*_account(ctx)[:2], user_id=ctx.caller.user_id), message,
               about="your linking code", if_undeliverable=withdraw)
    return replies.code_sent()


async def _redeem(ctx: Context, typed: str, *, confirm: bool) -> Reply:
    if not ctx.caller.is_direct:
        raise UserError(IN_CHANNEL)
    code = codes.normalise(typed)
    if code is None:
        raise UserError("That isn't a linking code, or it has a typo: codes look like "
                        "`7KQ4-F9QM-2XDC` (twelve letters and digits). Copy it from the "
                        "message your other account was given.", field="code")
    repo = LinkRepository(ctx.session)
    mark = await repo.mark()
    name = ctx.settings.network.name
    if codes.mark_of(code) != mark:
        raise UserError(f"That code was made by another network's Staffroom, not {name}'s, "
                        "and accounts can only be linked within one network: nothing was "
                        f"linked. To join an account to your {name} profile, say `link` to "
                        "this bot from that account and use the code it gives.", field="code")
    now = ctx.now()
    actor = actor_label(ctx.caller)
    since = now - codes.WRONG_CODES_WINDOW
    if await repo.failures_since(actor, WRONG_CODE_ACTION, since) >= codes.WRONG_CODES:
        minutes = int(codes.WRONG_CODES_WINDOW.total_seconds() // 60)
        raise UserError(f"Too many wrong codes from this account in {minutes} minutes; "
                        "nothing was linked. Wait a while, then copy the code exactly.")
    row = await repo.by_hash(codes.code_hash(code))
    if row is None:
        ctx.audit(WRONG_CODE_ACTION, "")  # counted for the limit above, so it is saved
        return error("That code isn't right: nothing was linked. Copy it exactly from the "
                     "message your other account was given (codes work for "
                     f"{replies.MINUTES} minutes).", code="That code isn't right.")
    if row.status == "used":
        raise UserError("That code has already been used; each code works once. Say `link` "
                        "on your other account for a new one.")
    if row.status in ("replaced", "cancelled"):
        why = "replaced by a newer one" if row.status == "replaced" else "cancelled"
        raise UserError(f"That code was {why}, so nothing was linked. Use the newest code "
                        "your other account was given.")
    if row.expires_at <= now:
        raise UserError(f"That code has expired (codes work for {replies.MINUTES} minutes), "
                        "so nothing was linked. Say `link` on your other account for a new "
                        "one.")
    if (row.platform, row.space_id, row.user_id) == _account(ctx):
        raise UserError("That's the code this account made, and an account can't be linked "
                        "to itself. Say it to me from your other account.")
    issuer = await repo.identity(row.platform, row.space_id, row.user_id)
    if issuer is None:
        raise UserError("The account that made that code is no longer in the directory, so "
                        "there is nothing to link it to.")
    me = await ctx.member()
    if issuer.member_id == me.id:
        raise UserError("Those two accounts are already linked: `link list` shows your "
                        "accounts.")
    directory = ctx.directory
    other = await directory.get(issuer.member_id)
    assert other is not None
    if not confirm:
        return replies.confirm(
            code, (me, await directory.identities(me.id), len(await directory.done_for(me.id))),
            (other, await directory.identities(other.id),
             len(await directory.done_for(other.id))), ctx.settings)
    if not await repo.claim(row.id, now):
        raise UserError("That code was used or expired a moment ago; nothing was linked.")
    joined_account = replies.account_name(ctx.settings, _account(ctx),
                                          ctx.caller.display_name)
    kept, report = await join(ctx, me.id, other.id)
    accounts = await directory.identities(kept.id)
    ctx.audit("link", f"member:{kept.id}", after={
        "accounts": [actor_label(i) for i in accounts], "merged": f"member:{report.loser_id}",
        "by": "code"})
    ctx.notify(Destination(row.platform, row.space_id, user_id=row.user_id),
               replies.told(kept, accounts, ctx.settings, joined_account),
               about="your other account (to say it is linked)")
    return replies.merged(kept, report, accounts, ctx.settings)


async def link_list(ctx: Context, _args: Args) -> Reply:
    me = await ctx.member()
    identities = await ctx.directory.identities(me.id)
    waiting = await LinkRepository(ctx.session).live_of(me.id, ctx.now())
    until = await _clock(ctx, max(c.expires_at for c in waiting)) if waiting else ""
    return replies.accounts_list(identities, _account(ctx), ctx.settings, until)


class CancelArgs(Args):
    code: Annotated[str | None, Arg(help="a code to withdraw; your own if left out",
                                    rest=True), Field(max_length=40)] = None


async def link_cancel(ctx: Context, args: CancelArgs) -> Reply:
    """Withdraw a code: the caller's own, or one they hold (the confirmation's Cancel)."""
    repo = LinkRepository(ctx.session)
    if args.code is not None:
        code = codes.normalise(args.code)
        row = await repo.by_hash(codes.code_hash(code)) if code else None
        withdrawn = row is not None and row.expires_at > ctx.now() and \
            await repo.cancel(row.id)
        return Reply(blocks=(Said("Cancelled: nothing was linked"
                                  + (", and that code no longer works." if withdrawn
                                     else ".")),))
    count = await repo.end_live(*_account(ctx), status="cancelled")
    if not count:
        return Reply(blocks=(Said("You have no linking code waiting."),))
    return Reply(blocks=(Said("Withdrew your linking code: it no longer works."),),
                 tone="success")


class UnlinkArgs(Args):
    account: Annotated[str, Arg(help="which account: slack, discord, a space's name, `here`, "
                                     "or platform:space:user from `link list`", rest=True),
                       Field(min_length=1, max_length=200)]


def _matching(ctx: Context, identities: list[Identity], ref: str) -> list[Identity]:
    wanted = ref.strip().strip('"').lower()
    if wanted in ("here", "this", "this account"):
        return [i for i in identities if (i.platform, i.space_id, i.user_id) == _account(ctx)]
    exact = [i for i in identities if replies.account_ref(i).lower() == wanted]
    if exact:
        return exact
    return [i for i in identities
            if wanted in (i.platform, ctx.settings.space_label(i.platform, i.space_id).lower(),
                          i.space_id.lower(), i.user_id.lower(), i.display_name.lower())]


async def unlink(ctx: Context, args: UnlinkArgs) -> Reply:
    me = await ctx.member()
    directory = ctx.directory
    identities = await directory.identities(me.id)
    found = _matching(ctx, identities, args.account)
    listed = "; ".join(f"`{replies.account_ref(i)}`" for i in identities)
    if not found:
        raise UserError(f"None of your accounts matches {args.account[:60]!r}. Yours: "
                        f"{listed}.", field="account")
    if len(found) > 1:
        raise UserError(f"Several of your accounts match {args.account[:60]!r}; say which "
                        f"one: {'; '.join(f'`{replies.account_ref(i)}`' for i in found)}.",
                        field="account")
    if len(identities) == 1:
        raise UserError("That is your only account, so there is nothing to unlink it from. "
                        "(`forgetme` deletes everything about you.)")
    identity = found[0]
    fresh = await separate(ctx, identity, me)
    shown = replies.account_name(ctx.settings, identity)
    ctx.audit("unlink", f"member:{me.id}", after={"account": actor_label(identity),
                                                  "now": f"member:{fresh.id}"})
    this = (identity.platform, identity.space_id, identity.user_id) == _account(ctx)
    if not this:
        ctx.notify(Destination(identity.platform, identity.space_id, user_id=identity.user_id),
                   Reply(blocks=(Said(f"This account is no longer linked to {me.name}'s "
                                      f"profile (@{me.handle}): it has a new profile of its "
                                      f"own, @{fresh.handle}."),)),
                   about=f"{shown} (to say it is unlinked)")
    where = "This account" if this else shown
    return Reply(blocks=(Said(
        f"Unlinked {shown}. {where} now has a profile of its own (@{fresh.handle}); "
        f"everything you had stays with @{me.handle}."),), tone="success")


async def export_links(session: AsyncSession, member_id: int) -> list[dict[str, Any]]:
    """Linking codes the member made (their hashes are not theirs to read)."""
    return [{"account": f"{c.platform}:{c.space_id}:{c.user_id}", "status": c.status,
             "created_at": c.created_at.isoformat(), "expires_at": c.expires_at.isoformat()}
            for c in await LinkRepository(session).codes_of(member_id)]


async def forget_links(session: AsyncSession, member_id: int) -> None:
    await LinkRepository(session).forget(member_id)


CAPABILITY = Capability(
    name="linking",
    title="Linking your accounts",
    topics=("linking", "link", "accounts", "unlink"),
    export=export_links,
    forget=forget_links,
    commands=[
        Command(name="link", handler=link, args=LinkArgs,
                summary="Join your accounts (Slack, Discord, other spaces) into one profile.",
                usage="link [CODE] [confirm=yes]",
                description="`link` gives a one-time code (it works once, for 10 minutes); "
                            "say `link CODE` to me in a direct message from your other "
                            "account and confirm there. The older profile keeps its details, "
                            "filled in from the other where empty; everything else of both "
                            "is kept, exact duplicates combined.",
                examples=("link", "link 7KQ4-F9QM-2XDC")),
        Command(name="link list", handler=link_list, args=Args,
                summary="Your linked accounts."),
        Command(name="link cancel", handler=link_cancel, args=CancelArgs,
                summary="Withdraw the linking code you asked for.", usage="link cancel"),
        Command(name="unlink", handler=unlink, args=UnlinkArgs,
                summary="Separate one of your linked accounts into a profile of its own.",
                usage="unlink <account>",
                description="Name the account by platform (`discord`), the space's name, "
                            "`here`, or as `link list` shows it. Everything stays with your "
                            "profile; the account starts a new, empty one.",
                examples=("unlink discord", "unlink here", "unlink slack:T0123:U0456")),
    ],
)
