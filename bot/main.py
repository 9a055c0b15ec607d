"""The `staffroom` command line: the composition root, where settings are built once.

Only the standard library is imported here: `staffroom --help`, `--version` and `config
example` need nothing else, and each handler imports what it uses, so a short command does
not pay for every capability, SQLAlchemy, aiohttp and the search thesaurus.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import backups
from bot.about import config_example, version
from bot.expertise import cli as expertise_cli
from bot.linking import cli as linking_cli
from bot.resources import cli as resources_cli
from bot.teachmeets import cli as teachmeets_cli

if TYPE_CHECKING:
    from bot.app import App
    from bot.settings import Settings

Handler = Callable[[argparse.Namespace, "Settings"], Awaitable[int]]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="staffroom",
        description="Staffroom: find the colleague who has already done the thing.")
    parser.add_argument("--config", metavar="PATH",
                        help="TOML settings file (default: $STAFFROOM_CONFIG, else none)")
    parser.add_argument("--version", action="version", version=f"staffroom {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    sub.add_parser("run", help="start every configured chat adapter, the scheduler and the "
                   "HTTP server")
    sub.add_parser("serve", help="run the HTTP server alone (health, feeds, pages; no chat "
                   "adapters, no scheduler)")
    console = sub.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument("--as", dest="handle", metavar="HANDLE",
                         help="who you are (default: [console] handle, 'me')")
    console.add_argument("--verbose", action="store_true",
                         help="show log lines here in the terminal (default: in log_file, "
                              "else console.log in the data folder)")

    imp = sub.add_parser("import", help="load members from JSON Lines or CSV (upsert by handle)")
    imp.add_argument("file", type=Path)
    exp = sub.add_parser("export", help="write the whole directory as JSON Lines")
    exp.add_argument("file", type=Path)

    who = sub.add_parser("whodone", help="find people who have done something")
    who.add_argument("query")
    who.add_argument("--region", help="only people in this region")
    who.add_argument("--limit", type=int, default=10, help="how many people (default 10)")
    who.add_argument("--json", action="store_true", help="print JSON, best first")

    sync = sub.add_parser("discord-sync", help="register the slash commands with Discord")
    sync.add_argument("--guild", metavar="ID", action="append",
                      help="only this server (instant; repeatable); default: "
                           "[discord] guild_ids, else global")
    manifest = sub.add_parser("slack-manifest",
                              help="print a Slack app manifest (JSON) for creating the app")
    manifest.add_argument("--url", help="public base URL of this bot in HTTP mode, e.g. "
                          "https://staffroom.example.org (requests go to <url>/slack/events)")
    manifest.add_argument("--socket", action="store_true",
                          help="Socket Mode (no public URL); default: [slack] mode")

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="apply schema migrations (also done on every start)")
    expertise_cli.add_db_parsers(db_sub)
    health = sub.add_parser("healthcheck", help="ask a running bot's /healthz; exit 0 when "
                                                "healthy (for Docker and monitors)")
    health.add_argument("--url", help="the health address (default: from [http] host/port)")
    health.add_argument("--timeout", type=float, default=10.0,
                        help="seconds to wait (default 10)")
    config = sub.add_parser("config", help="the configuration file")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    config_sub.add_parser("example", help="print config.example.toml: every setting, its "
                                          "default and what it does")
    backups.add_parsers(sub)
    resources_cli.add_parsers(sub)
    teachmeets_cli.add_parsers(sub)
    linking_cli.add_parsers(sub)
    return parser


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from adapters import platform_adapters
    from bot.app import with_app
    from storage.db import AnotherCopyRunning, lock_sqlite_for_one_copy, normalise_url

    url = normalise_url(settings.database.url)
    lock: Any = contextlib.nullcontext()
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        try:  # held while this copy runs (the kernel drops it even on a crash)
            lock = lock_sqlite_for_one_copy(url.database)
        except AnotherCopyRunning as exc:
            print(exc, file=sys.stderr)
            return 2

    async def body(app: App) -> int:
        problems = settings.platform_problems()
        if problems:  # refused at the start, not found out from the first member's message
            print("Not starting: a chat platform is only partly set up.\n"
                  + "\n".join(f"- {p}" for p in problems)
                  + "\n(See the Slack and Discord sections of the README; `staffroom console` "
                  "tries the bot locally.)", file=sys.stderr)
            return 2
        adapters = platform_adapters(settings, app.core)
        if not adapters:
            print("No chat platform is configured (no Slack or Discord credentials): set them "
                  "in the config file or STAFFROOM_ variables (see README).\n"
                  "To try the bot locally, use `staffroom console`.", file=sys.stderr)
            if not sys.stdin.isatty():
                return 2
            print("Starting the console now.", file=sys.stderr)
            return await _console(app, settings, settings.console.handle, http=True)
        await app.run(adapters)
        return 0

    with lock:
        return await with_app(settings, body)


async def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import with_app

    async def body(app: App) -> int:
        await app.run([], scheduler=False)
        return 0

    return await with_app(settings, body)


async def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import with_app

    return await with_app(
        settings, lambda app: _console(app, settings, args.handle or settings.console.handle))


async def _console(app: App, settings: Settings, handle: str, *, http: bool = False) -> int:
    """The console adapter; the scheduler runs too when a person is at the terminal, and
    the HTTP server when `staffroom run` fell back to the console."""
    from adapters.console import ConsoleAdapter
    from bot.settings import default_data_dir

    adapter = ConsoleAdapter(app.core, handle=handle,
                             downloads=default_data_dir() / "downloads",
                             history=default_data_dir() / "console_history")
    await app.run([adapter], scheduler=sys.stdin.isatty(), http=http)
    return 0


def _progress_bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\rImporting [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


async def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    if not args.file.is_file():
        print(f"No such file: {args.file}", file=sys.stderr)
        return 2
    from bot.app import with_app
    from bot.directory_io import ImportRefused, import_file

    async def body(app: App) -> int:
        from bot.introductions.privacy import reapply_erasures
        from storage.models.base import utcnow

        started = utcnow()
        try:
            result = await import_file(
                app.db, app.services.search, args.file,
                default_privacy=settings.network.default_privacy,
                progress=_progress_bar if sys.stderr.isatty() else None)
        except ImportRefused as exc:
            print(f"{args.file}: {exc}", file=sys.stderr)
            return 1
        print(f"Imported {result.created + result.updated} members "
              f"({result.created} new, {result.updated} updated), read as {result.encoding}.")
        if result.ignored:
            from bot.directory_io import COLUMNS

            print(f"Not imported: unknown column(s) {', '.join(map(repr, result.ignored))} "
                  f"(the columns are {', '.join(COLUMNS)}).", file=sys.stderr)
        # a file written before someone used `forgetme` must not bring them back
        done = await reapply_erasures(app.services, loaded_since=started)
        if done.erased:
            print(f"Erased again {done.erased} member{'s' if done.erased != 1 else ''} of the "
                  "file who had used `forgetme` since it was written.")
        return 0

    return await with_app(settings, body)


async def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import with_app
    from bot.directory_io import export_file

    async def body(app: App) -> int:
        count = await export_file(app.db, app.services.search, args.file)
        print(f"Exported {count} members to {args.file}.")
        return 0

    return await with_app(settings, body)


async def cmd_whodone(args: argparse.Namespace, settings: Settings) -> int:
    if not 1 <= args.limit <= 100:
        print("--limit must be between 1 and 100", file=sys.stderr)
        return 2
    import json

    from bot.app import with_app
    from bot.context import Context
    from bot.events import Caller
    from bot.expertise.commands import find, split_region

    async def body(app: App) -> int:

        caller = Caller(platform="console", space_id="local", user_id=settings.console.handle)
        async with app.db.sessions() as session:
            ctx = Context(caller=caller, services=app.services, command="whodone",
                          session=session)
            query, region = args.query, args.region
            if region is None:
                query, region = await split_region(ctx, query)
            found = await find(ctx, query, region, args.limit)
        if args.json:
            rows = [{"handle": f.member.handle, "name": f.member.name,
                     "region": f.member.region, "score": round(f.score, 4),
                     "matches": [e.summary for e in f.entries]} for f in found]
            print(json.dumps(rows, ensure_ascii=False))
        elif not found:
            print(f"Nobody has logged {query!r}" + (f" in {region}" if region else "") + ".")
        else:
            for f in found:
                print(f"{f.member.name} (@{f.member.handle}) — {f.member.region}")
                for e in f.entries:
                    print(f"    • {e.summary}")
        return 0

    return await with_app(settings, body)


async def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import with_app

    if args.db_command in expertise_cli.DB_COMMANDS:
        return await expertise_cli.DB_COMMANDS[args.db_command](args, settings)

    async def body(app: App) -> int:
        print(f"Database is up to date ({app.db.display_url}).")
        return 0

    return await with_app(settings, body)


async def cmd_discord_sync(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.discord.token:
        print("No Discord bot token: set STAFFROOM_DISCORD__TOKEN (see README, "
              "\"Creating the Discord bot\").", file=sys.stderr)
        return 2
    import discord

    from adapters.discord.sync import sync_commands
    from bot.features import build_registry

    registry = build_registry()
    try:
        for guild in args.guild or settings.discord.guild_ids or [None]:
            where, count = await sync_commands(settings.discord, registry, guild)
            print(f"Synced {count} slash commands: {where}.")
    except discord.LoginFailure:
        print("Discord refused the bot token (check STAFFROOM_DISCORD__TOKEN).",
              file=sys.stderr)
        return 1
    except discord.HTTPException as exc:
        print(f"Discord refused the commands: {exc}", file=sys.stderr)
        return 1
    return 0


async def cmd_slack_manifest(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from adapters.slack.manifest import build_manifest
    from bot.features import build_registry

    socket_mode = args.socket or settings.slack.mode == "socket"
    if not socket_mode and not args.url:
        print("HTTP mode needs the bot's public address: --url https://your.host "
              "(or --socket for Socket Mode).", file=sys.stderr)
        return 2
    manifest = build_manifest(build_registry(), name=settings.network.name, url=args.url,
                              socket_mode=socket_mode)
    print(json.dumps(manifest, indent=2, ensure_ascii=False))
    return 0


async def cmd_healthcheck(args: argparse.Namespace, settings: Settings) -> int:
    """GET /healthz with the standard library only (a slim image has no curl): prints
    the JSON answer; exit 0 when healthy, 1 when not or unreachable."""
    import urllib.error
    import urllib.request

    url = args.url
    if url is None:
        if not settings.http.port:
            print("[http] port is 0 (any free port): give --url", file=sys.stderr)
            return 2
        host = settings.http.host if settings.http.host not in ("", "0.0.0.0", "::") else (
            "127.0.0.1")
        url = f"http://{host}:{settings.http.port}/healthz"

    def fetch() -> tuple[int, str]:
        try:
            with urllib.request.urlopen(url, timeout=args.timeout) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:  # 503: unhealthy, with the details
            return exc.code, exc.read().decode()

    try:
        status, body = await asyncio.to_thread(fetch)
    except (OSError, ValueError) as exc:
        print(f"unhealthy: no answer from {url} ({exc})", file=sys.stderr)
        return 1
    print(body)
    return 0 if status == 200 else 1


def cmd_config(args: argparse.Namespace) -> int:
    """`config example`: needs no settings (it is what you start a settings file from)."""
    sys.stdout.write(config_example())
    return 0


COMMANDS: dict[str, Handler] = {
    "run": cmd_run, "serve": cmd_serve, "console": cmd_console, "import": cmd_import,
    "export": cmd_export,
    "whodone": cmd_whodone, "db": cmd_db, "discord-sync": cmd_discord_sync,
    "slack-manifest": cmd_slack_manifest, "healthcheck": cmd_healthcheck,
    **backups.COMMANDS, **resources_cli.COMMANDS, **teachmeets_cli.COMMANDS,
    **linking_cli.COMMANDS,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "config":
        return cmd_config(args)
    from bot.logs import setup_logging
    from bot.settings import ConfigError, load_settings
    from storage.db import DatabaseUnavailable, DatabaseURLError

    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    chatting_here = sys.stdin.isatty() and (
        (args.command == "console" and not args.verbose)
        or (args.command == "run" and not settings.platforms_configured))
    try:
        setup_logging(settings, console=chatting_here)
    except OSError as exc:
        print(f"staffroom: cannot open the log file: {exc}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(COMMANDS[args.command](args, settings))
    except DatabaseURLError as exc:
        print(f"Database: {exc}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as exc:
        print(f"Database unavailable: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        print(f"staffroom: {exc}", file=sys.stderr)
        return 1
