"""Command-line additions: `staffroom moderators`, `staffroom audit`, `staffroom digest`.

`bot.main` adds these parsers and handlers; each opens the app (which applies migrations),
does one thing and prints the outcome for an operator.
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported in the handlers, so `staffroom --help` stays fast
    from bot.app import App
    from bot.settings import Settings

Handler = Callable[[argparse.Namespace, "Settings"], Awaitable[int]]
_PLATFORM = re.compile(r"[a-z]+")
ID_MAX = 64


def add_parsers(sub: argparse._SubParsersAction) -> None:
    mods = sub.add_parser("moderators", help="add, remove or list moderators (beyond the "
                                             "config file's)")
    actions = mods.add_subparsers(dest="moderators_command", metavar="ACTION", required=True)
    for action, text in (("add", "give a user moderator rights in one space"),
                         ("remove", "take them away again")):
        parser = actions.add_parser(action, help=text)
        parser.add_argument("--platform", required=True, help="slack, discord or console")
        parser.add_argument("--space", required=True,
                            help="Slack team ID (T...), Discord server ID, or `local` for "
                                 "the console")
        parser.add_argument("user_id", help="the platform's user ID (U... on Slack, a number "
                                            "on Discord, the handle in the console)")
        if action == "add":
            parser.add_argument("--force", action="store_true",
                                help="add it even for a space the config file does not list")
    listing = actions.add_parser("list", help="every moderator, from the config and the "
                                              "database")
    listing.add_argument("--platform")
    listing.add_argument("--space")

    audit = sub.add_parser("audit", help="the moderation audit log, newest first")
    audit.add_argument("--limit", type=int, default=50, help="how many entries (default 50)")
    audit.add_argument("--action", help="only this action (pin.reject, refused), or a prefix "
                                        "ending in '.' (pin.)")
    audit.add_argument("--json", action="store_true", help="print JSON Lines")

    digest = sub.add_parser("digest", help="the weekly digest")
    digest.add_argument("--preview", action="store_true",
                        help="print the next digest without sending it")
    digest.add_argument("--platform")
    digest.add_argument("--space")


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli:operator"


async def cmd_moderators(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import with_app
    from storage.models import AuditEntry
    from storage.repositories.directory import ModeratorRepository

    if args.moderators_command == "list":
        return await with_app(settings, lambda app: _list_moderators(app, args))
    problems = []
    if not _PLATFORM.fullmatch(args.platform):
        problems.append(f"--platform must be lower-case letters (got {args.platform!r})")
    for name, value in (("--space", args.space), ("USER_ID", args.user_id)):
        if not value.strip() or len(value) > ID_MAX:
            problems.append(f"{name} must be 1 to {ID_MAX} characters")
    if not problems and args.moderators_command == "add":
        problems = where_problems(settings, args.platform, args.space, args.user_id,
                                  force=args.force)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2

    async def body(app: App) -> int:
        async with app.db.unit_of_work() as session:
            repo = ModeratorRepository(session)
            if args.moderators_command == "add":
                changed = await repo.add(args.platform, args.space, args.user_id)
            else:
                changed = await repo.remove(args.platform, args.space, args.user_id)
            if changed:
                who = {"platform": args.platform, "space": args.space, "user_id": args.user_id}
                adding = args.moderators_command == "add"
                session.add(AuditEntry(
                    at=app.services.clock.now(), actor=_operator(),
                    action=f"moderator.{args.moderators_command}",
                    target=f"{args.platform}:{args.space}:{args.user_id}",
                    before=None if adding else who, after=who if adding else None))
        who = f"{args.user_id} in {args.platform}:{args.space}"
        if args.moderators_command == "add":
            print(f"{who} is now a moderator." if changed else f"{who} was already a "
                  "moderator (in the database).")
        else:
            configured = settings.space(args.platform, args.space)
            note = (" They are still one through the config file." if configured and
                    args.user_id in configured.moderators else "")
            print((f"{who} is no longer a moderator." if changed else
                   f"{who} was not a moderator in the database.") + note)
        return 0

    return await with_app(settings, body)


SPACE_FORMATS = {"slack": (r"[TE][A-Z0-9]{1,20}", "a Slack team ID such as T0123ABCD"),
                 "discord": (r"\d{15,21}", "a Discord server ID (a long number)")}
USER_FORMATS = {"slack": (r"[UW][A-Z0-9]{1,20}", "a Slack user ID such as U0456EFGH "
                                                  "(Profile → ⋮ → Copy member ID)"),
                "discord": (r"\d{15,21}", "a Discord user ID (a long number: Developer "
                                           "Mode, then right-click → Copy User ID)")}


def where_problems(settings: Settings, platform: str, space: str, user_id: str, *,
                   force: bool = False) -> list[str]:
    """Why a moderator could not take effect there, in the operator's terms; [] if it can."""
    from adapters.console.adapter import SPACE_ID as CONSOLE_SPACE

    configured = [s for s in settings.spaces if s.platform == platform]
    known = {"console", "slack", "discord"} | {s.platform for s in settings.spaces}
    if platform not in known:
        return [f"--platform must be slack, discord or console (got {platform!r})."]
    if platform == "console":
        if space != CONSOLE_SPACE:
            return [f"The console's space is always `{CONSOLE_SPACE}`: use --space "
                    f"{CONSOLE_SPACE} (got {space!r}). Handles in [console] moderators are "
                    "moderators too."]
        return []
    problems = []
    space_format = SPACE_FORMATS.get(platform)
    if space_format and not re.fullmatch(space_format[0], space):
        problems.append(f"--space {space!r} is not {space_format[1]}.")
    user_format = USER_FORMATS.get(platform)
    if user_format and not re.fullmatch(user_format[0], user_id):
        problems.append(f"USER_ID {user_id!r} is not {user_format[1]}.")
    listed = {s.id for s in configured}
    if platform == "slack":
        listed |= {w.team_id for w in settings.slack.workspaces}
    if not problems and configured and space not in listed and not force:
        names = ", ".join(f"{s.id}" + (f" ({s.name})" if s.name else "") for s in configured)
        problems.append(f"No [[spaces]] entry is {platform} space {space!r}; the configured "
                        f"{platform} spaces are: {names}. Check the ID, or add --force to add "
                        "the moderator anyway.")
    return problems


async def _list_moderators(app: App, args: argparse.Namespace) -> int:
    from adapters.console.adapter import SPACE_ID as CONSOLE_SPACE
    from storage.repositories.directory import ModeratorRepository

    rows: list[tuple[str, str, str, str]] = [
        ("console", CONSOLE_SPACE, handle, "config file, [console] moderators")
        for handle in app.services.settings.console.moderators]
    for space in app.services.settings.spaces:
        rows += [(space.platform, space.id, user, "config file") for user in space.moderators]
        rows += [(space.platform, space.id, f"group {group}", "config file")
                 for group in space.moderator_groups]
    async with app.db.sessions() as session:
        rows += [(m.platform, m.space_id, m.user_id, f"added {m.created_at:%Y-%m-%d}")
                 for m in await ModeratorRepository(session).all()]
    rows = [r for r in rows if (not args.platform or r[0] == args.platform)
            and (not args.space or r[1] == args.space)]
    if not rows:
        print("No moderators" + (" match" if args.platform or args.space else " configured")
              + ". Add one with `staffroom moderators add --platform P --space S USER_ID` "
              "(the console's space is `local`), or in the config file: [[spaces]] "
              "moderators, or [console] moderators for console handles.")
        return 0
    for platform, space, user, source in rows:
        print(f"{platform}\t{space}\t{user}\t({source})")
    return 0


async def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    if not 1 <= args.limit <= 10_000:
        print("--limit must be between 1 and 10000", file=sys.stderr)
        return 2
    from bot.app import with_app
    from bot.audit import describe_change
    from storage.repositories.audit import AuditRepository

    async def body(app: App) -> int:
        async with app.db.sessions() as session:
            entries = await AuditRepository(session).recent(limit=args.limit,
                                                            action=args.action)
        for e in entries:
            if args.json:
                print(json.dumps({"at": e.at.isoformat(), "actor": e.actor, "action": e.action,
                                  "target": e.target, "before": e.before, "after": e.after},
                                 ensure_ascii=False))
                continue
            change = describe_change(e)
            print(f"{e.at:%Y-%m-%d %H:%M:%S} UTC  {e.actor}  {e.action}  {e.target}"
                  + (f"\n    {change}" if change else ""))
        if not entries and not args.json:
            print("The audit log is empty" + (f" for {args.action!r}." if args.action else "."))
        return 0

    return await with_app(settings, body)


async def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from zoneinfo import ZoneInfo

    from bot.app import with_app
    from bot.digest import digest_spaces, preview

    if not args.preview:
        print("Digests are sent by `staffroom run` on schedule. To see the next one, use "
              "`staffroom digest --preview [--platform P --space S]`.", file=sys.stderr)
        return 2
    if bool(args.platform) != bool(args.space):
        print("Give both --platform and --space, or neither (every space).", file=sys.stderr)
        return 2
    targets = ([(args.platform, args.space)] if args.platform else
               [(s.platform, s.id) for s in digest_spaces(settings)])
    if not targets:
        print("No space has an announcements_channel, so no digest is sent. Preview one "
              "anyway with --platform P --space S.")
        return 0

    async def body(app: App) -> int:
        zone = ZoneInfo(settings.network.timezone)
        for platform, space_id in targets:
            occurrence, reply = await preview(app.services, platform, space_id)
            space = settings.space(platform, space_id)
            channel = space.announcements_channel if space else ""
            print(f"Next digest for {platform}:{space_id} at "
                  f"{occurrence.until.astimezone(zone):%a %d %b %Y %H:%M %Z}, to "
                  + (f"channel {channel}:" if channel else
                     "no channel (this space has no announcements_channel, so it would not "
                     "be sent):"))
            print(reply.plain_text() if reply else "Nothing new: no digest would be sent.")
            print()
        return 0

    return await with_app(settings, body)


COMMANDS: dict[str, Handler] = {
    "moderators": cmd_moderators, "audit": cmd_audit, "digest": cmd_digest,
}
