"""`staffroom link` and `staffroom unlink`: operators join members (say, after importing a
Slack and a Discord member list and matching them by email) or separate an account.

    staffroom link ceri-jones discord:81234:99887766       # two members
    staffroom link --file pairs.csv [--dry-run] [--yes]    # one pair a line
    staffroom link --show ceri-jones                       # a member's accounts
    staffroom unlink discord:81234:99887766

A member is named by handle (`@` optional) or by one of their accounts, written
platform:space_id:user_id. The same merge rules as `link CODE` in chat apply. A file is
linked all or nothing: every line is checked first and problems are reported with their
line numbers. `bot.main` adds these parsers; only the standard library is imported here.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App
    from bot.context import Context
    from bot.settings import Settings
    from storage.models import Member

Handler = Callable[[argparse.Namespace, "Settings"], Awaitable[int]]
_SPLIT = re.compile(r"[\s,;]+")


class Refused(Exception):
    """A reference or a line the operator must fix; nothing was changed."""


def add_parsers(sub: argparse._SubParsersAction) -> None:
    link = sub.add_parser("link", help="join members' accounts into one profile (the same "
                                       "rules as `link` in chat)")
    link.add_argument("members", nargs="*", metavar="MEMBER",
                      help="two members: a handle, or an account as platform:space:user")
    link.add_argument("--file", type=Path,
                      help="pairs to link, two members a line (CSV or spaces); all or none")
    link.add_argument("--show", metavar="MEMBER", help="list a member's linked accounts")
    link.add_argument("--dry-run", action="store_true",
                      help="say what would be merged, and change nothing")
    link.add_argument("--yes", action="store_true", help="do not ask before linking")
    unlink = sub.add_parser("unlink", help="separate one account from its member's profile")
    unlink.add_argument("account", help="platform:space_id:user_id")


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli:operator"


def read_pairs(path: Path) -> list[tuple[int, str, str]]:
    """(line number, member, member) for each line; Refused lists every bad line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise Refused(f"{path}: cannot read it ({exc})") from None
    pairs, problems = [], []
    for number, line in enumerate(text.splitlines(), 1):
        words = [w.strip().strip('"') for w in _SPLIT.split(line.strip()) if w.strip()]
        if not words or words[0].startswith("#"):
            continue
        if len(words) != 2:
            problems.append(f"line {number}: expected two members, found {len(words)}")
        elif words[0].lower() in ("member", "handle", "first"):
            continue  # a header row
        else:
            pairs.append((number, words[0], words[1]))
    if problems:
        raise Refused(f"{path}: nothing was linked.\n  " + "\n  ".join(problems))
    if not pairs:
        raise Refused(f"{path}: no pairs to link (two members a line).")
    return pairs


async def resolve(ctx: Context, ref: str) -> Member:
    """A member by handle or by one of their accounts."""
    directory = ctx.directory
    parts = ref.split(":")
    if len(parts) == 3 and all(parts):
        found = await directory.find_by_identity(*parts)
        if found is None:
            raise Refused(f"no member has the account {ref!r}")
        return found
    found = await directory.by_handle(ref.removeprefix("@"))
    if found is None:
        raise Refused(f"no member has the handle {ref!r} (or give an account as "
                      "platform:space_id:user_id)")
    return found


def _context(app: App, session: object) -> Context:
    from bot.context import Context
    from bot.events import Caller

    caller = Caller(platform="console", space_id="local", user_id="operator")
    return Context(caller=caller, services=app.services, command="link",
                   session=session)  # type: ignore[arg-type]


async def cmd_link(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import with_app

    if args.show:
        if args.members or args.file:
            print("--show takes one member and nothing else.", file=sys.stderr)
            return 2
        return await with_app(settings, lambda app: _show(app, args.show))
    if bool(args.file) == bool(args.members):
        print("Give two members (staffroom link MEMBER MEMBER) or --file PAIRS.",
              file=sys.stderr)
        return 2
    if args.members and len(args.members) != 2:
        print(f"Give exactly two members to link (got {len(args.members)}).", file=sys.stderr)
        return 2
    try:
        pairs = read_pairs(args.file) if args.file else [(0, *args.members)]
    except Refused as exc:
        print(exc, file=sys.stderr)
        return 1
    if not (args.yes or args.dry_run):
        if not sys.stdin.isatty():
            print("Linking cannot be undone: add --yes to go ahead (or --dry-run to see what "
                  "would be merged).", file=sys.stderr)
            return 2
        import asyncio

        answer = await asyncio.to_thread(
            input, f"Link {len(pairs)} pair(s) of members into one profile each? This "
                   "cannot be undone. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was linked.")
            return 1
    return await with_app(settings, lambda app: _link(app, pairs, dry_run=args.dry_run))


async def _link(app: App, pairs: list[tuple[int, str, str]], *, dry_run: bool) -> int:
    from bot.errors import UserError
    from bot.linking.merge import join, summary
    from storage.models import AuditEntry

    lines: list[str] = []
    where = (lambda n: f"line {n}: ") if pairs[0][0] else (lambda _n: "")
    async with app.db.sessions() as session:
        ctx = _context(app, session)
        try:
            problems = []
            for number, first, second in pairs:  # every reference checked before any merge
                for ref in (first, second):
                    try:
                        await resolve(ctx, ref)
                    except Refused as exc:
                        problems.append(f"{where(number)}{exc}")
            if problems:
                raise Refused("Nothing was linked:\n  " + "\n  ".join(problems))
            for number, first, second in pairs:
                a, b = await resolve(ctx, first), await resolve(ctx, second)
                if a.id == b.id:
                    lines.append(f"{where(number)}{first} and {second} are already one "
                                 f"profile (@{a.handle}).")
                    continue
                try:
                    kept, report = await join(ctx, a.id, b.id)
                except UserError as exc:
                    raise Refused(f"{where(number)}{exc.message} Nothing was linked.") from None
                session.add(AuditEntry(at=app.services.clock.now(), actor=_operator(),
                                       action="link", target=f"member:{kept.id}",
                                       after={"merged": f"member:{report.loser_id}",
                                              "by": "operator"}))
                lines.append(f"{where(number)}{first} + {second} -> @{kept.handle}: "
                             f"{summary(report)}")
            if dry_run:
                await session.rollback()
            else:
                await session.commit()
        except Refused as exc:
            await session.rollback()
            print(exc, file=sys.stderr)
            return 1
    for line in lines:
        print(line)
    if dry_run:
        print("Dry run: nothing was changed.")
    elif ctx.outbox:
        print(f"{len(ctx.outbox)} message(s) for members (waitlist places) were not sent: no "
              "chat platform runs in this command. They will see the change in the bot.")
    return 0


async def _show(app: App, ref: str) -> int:
    from bot.linking.replies import account_ref

    async with app.db.sessions() as session:
        ctx = _context(app, session)
        try:
            member = await resolve(ctx, ref)
        except Refused as exc:
            print(exc, file=sys.stderr)
            return 1
        identities = await ctx.directory.identities(member.id)
    print(f"@{member.handle} ({member.name}): {len(identities)} account(s)")
    for identity in identities:
        label = app.services.settings.space_label(identity.platform, identity.space_id)
        print(f"  {account_ref(identity)}\t{label}\t{identity.display_name}")
    return 0


async def cmd_unlink(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import with_app

    parts = args.account.split(":")
    if len(parts) != 3 or not all(parts):
        print("Give the account as platform:space_id:user_id (`staffroom link --show "
              "MEMBER` lists them).", file=sys.stderr)
        return 2

    async def body(app: App) -> int:
        from bot.linking.merge import separate
        from storage.models import AuditEntry
        from storage.repositories.linking import LinkRepository

        async with app.db.unit_of_work() as session:
            ctx = _context(app, session)
            identity = await LinkRepository(session).identity(*parts)
            if identity is None:
                print(f"No member has the account {args.account!r}.", file=sys.stderr)
                return 1
            member = await ctx.directory.get(identity.member_id)
            assert member is not None
            if len(await ctx.directory.identities(member.id)) == 1:
                print(f"{args.account} is @{member.handle}'s only account: nothing to unlink "
                      "it from.", file=sys.stderr)
                return 1
            fresh = await separate(ctx, identity, member)
            session.add(AuditEntry(at=app.services.clock.now(), actor=_operator(),
                                   action="unlink", target=f"member:{member.id}",
                                   after={"account": args.account,
                                          "now": f"member:{fresh.id}"}))
        print(f"Unlinked {args.account} from @{member.handle}: it is now @{fresh.handle}, "
              "with a new, empty profile.")
        return 0

    return await with_app(settings, body)


COMMANDS: dict[str, Handler] = {"link": cmd_link, "unlink": cmd_unlink}
