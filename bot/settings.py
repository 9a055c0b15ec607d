"""Settings: one object built in `main` from the TOML file and `STAFFROOM_` variables.

Precedence, highest first: environment variables (`STAFFROOM_SLACK__BOT_TOKEN`), the TOML
file chosen with `--config` or `STAFFROOM_CONFIG`, then the defaults written here. Every
field is documented in `config.example.toml`; a test keeps the two in step.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

Privacy = Literal["network", "space", "hidden"]


class ConfigError(Exception):
    """A configuration problem, worded for the operator (never a traceback)."""


class Section(BaseModel):
    """Base for TOML sections: unknown keys are typos, so they are errors."""

    model_config = ConfigDict(extra="forbid")


class DatabaseSettings(Section):
    url: str = ""
    """SQLAlchemy URL; empty means an embedded SQLite file in the user data folder."""
    echo: bool = False


class NetworkSettings(Section):
    name: str = "Staffroom"
    timezone: str = "Europe/London"
    default_privacy: Privacy = "network"
    regions: list[str] = Field(default_factory=list)
    """Known region names, so `whodone X in <region>` is recognised before anyone lives there."""
    moderators: list[str] = Field(default_factory=list)
    """Network moderators, as "platform:space_id:user_id": they publish to the network's
    shelf of the library, promote local pins and may moderate every shelf."""
    moderator_groups: list[str] = Field(default_factory=list)
    """Slack user groups or Discord roles whose members are network moderators, as
    "platform:space_id:group_id"."""

    @field_validator("moderators", "moderator_groups")
    @classmethod
    def _accounts(cls, value: list[str]) -> list[str]:
        for item in value:
            if not re.fullmatch(r"[a-z]+:[^:\s]+:[^:\s]+", item.strip()):
                raise ValueError(f"{item!r} must be written platform:space_id:id, e.g. "
                                 "'slack:T0123456:U0123456'")
        return [item.strip() for item in value]

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as "
                             "'Europe/London')") from exc
        return value


class SearchSettings(Section):
    default_limit: int = Field(default=5, ge=1, le=50)
    synonyms: list[list[str]] = Field(default_factory=list)
    """Extra groups of phrases that mean the same thing, added to the shipped thesaurus."""


class SpaceSettings(Section):
    """One Slack workspace or Discord server the bot serves."""

    platform: Annotated[str, Field(pattern=r"^[a-z]+$")]
    """"slack" or "discord" (tests use "fake")."""
    id: str
    name: str = ""
    introductions_channel: str = ""
    announcements_channel: str = ""
    questions_channel: str = ""
    """Where `ask public` questions and their answers are posted; empty: the channel the
    question was asked in, else the announcements channel."""
    moderators: list[str] = Field(default_factory=list)
    """Platform user IDs with moderator rights in this space."""
    moderator_groups: list[str] = Field(default_factory=list)
    """Slack user-group IDs or Discord role IDs whose members are moderators."""
    digest_day: str = ""
    """Weekday of this space's digest; empty means `[digest] day`."""
    digest_time: str = ""
    """"HH:MM" (network time zone) of this space's digest; empty means `[digest] time`."""
    web: bool = True
    """Show this space's teach-meets, and resources pinned from it, on the web pages."""
    join_url: str = ""
    """An invitation link the web home offers under "How to join"; empty: not offered."""
    group: str = Field(default="", max_length=200)
    """The local group this space belongs to ("Camden"): the default region of members and
    teach-meets from here, and what `whodone ... in Camden` also matches."""

    @field_validator("group")
    @classmethod
    def _group_name(cls, value: str) -> str:
        return " ".join(value.split())

    @field_validator("join_url")
    @classmethod
    def _join_link(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"https?://\S+", value):
            raise ValueError("must be an http(s) address such as 'https://join.slack.com/...'")
        return value

    @field_validator("digest_day")
    @classmethod
    def _space_day(cls, value: str) -> str:
        return check_weekday(value) if value else value

    @field_validator("digest_time")
    @classmethod
    def _space_time(cls, value: str) -> str:
        return check_clock_time(value) if value else value


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def check_weekday(value: str) -> str:
    """A weekday name (or its first three letters), returned in full and lower case."""
    wanted = value.strip().lower()
    found = next((d for d in WEEKDAYS if wanted in (d, d[:3])), None)
    if found is None:
        raise ValueError(f"must be a weekday name such as 'monday' (got {value!r})")
    return found


def check_clock_time(value: str) -> str:
    """A 24-hour "HH:MM" time."""
    found = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
    if found is None:
        raise ValueError(f"must be a 24-hour time such as '09:00' (got {value!r})")
    return f"{int(found.group(1)):02d}:{found.group(2)}"


class DigestSettings(Section):
    """The weekly digest each space gets in its announcements channel."""

    enabled: bool = True
    day: str = "monday"
    time: str = "09:00"
    """In the network time zone."""
    plan_every_minutes: float = Field(default=60.0, gt=0)
    """How often upcoming digests are planned (each is sent once, at its own time)."""
    lessons: bool = False
    """Opt in to a "New lessons" section: what members wrote this week about what worked
    (only members the space may see, by their privacy choice)."""

    @field_validator("day")
    @classmethod
    def _weekday(cls, value: str) -> str:
        return check_weekday(value)

    @field_validator("time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        return check_clock_time(value)


class LinkCheckSettings(Section):
    """The polite checker that finds dead links in the resource library."""

    enabled: bool = True
    every_minutes: float = Field(default=60.0, gt=0)
    """How often a batch of links is checked."""
    batch: int = Field(default=20, ge=1, le=500)
    """At most this many links per batch (a batch also stops before the work lease ends)."""
    recheck_hours: float = Field(default=168.0, gt=0)
    """A link is checked again once this long has passed since its last check."""
    delay_seconds: float = Field(default=2.0, ge=0)
    """Pause between any two requests."""
    host_spacing_seconds: float = Field(default=10.0, ge=0)
    """Pause between two requests to the same host."""
    timeout_seconds: float = Field(default=15.0, gt=0)
    user_agent: str = "StaffroomLinkChecker/0.1 (resource library link check)"
    dead_after: int = Field(default=3, ge=1, le=100)
    """Consecutive failed checks before a link is marked dead for moderators to review."""
    allow_private_hosts: bool = False
    """Check links to loopback and private addresses too (tests, intranet libraries)."""


class ResourcesSettings(Section):
    page_size: int = Field(default=10, ge=1, le=50)
    """How many pins `pins` shows at a time."""
    link_check: LinkCheckSettings = Field(default_factory=LinkCheckSettings)


class ConsoleSettings(Section):
    handle: str = "me"
    """Who you are in `staffroom console` unless `--as` says otherwise."""
    moderators: list[str] = Field(default_factory=lambda: ["me"])
    """Console handles with moderator rights (the operator at the terminal, by default)."""


class ConversationSettings(Section):
    """Answers in conversation: a `yes`, `no`, number or word typed after the bot asks."""

    answer_minutes: float = Field(default=5.0, gt=0, le=1440)
    """How long a question ("Delete everything? yes/no", a choice, a form's next field,
    `more`) waits for its typed answer; after that, `yes` means nothing."""
    page_size: int = Field(default=10, ge=3, le=50)
    """How many items one page of a listing shows (`done list`, `audit`, `help all`...)."""


class SchedulerSettings(Section):
    enabled: bool = True
    poll_seconds: float = Field(default=30.0, gt=0)
    """How often the database is checked for due work, as a safety net behind exact wake-ups."""
    lease_seconds: float = Field(default=15.0, ge=3)
    """How long a claim on due work lasts unless renewed; the holder renews it every third of
    this while it works, so a crashed copy's work is taken over this long after the crash."""
    grace_seconds: float = Field(default=3600.0, ge=0)
    """Work found overdue by more than this (say, after downtime) is dropped with a log line."""
    concurrency: int = Field(default=16, ge=1, le=100)
    """How many due items (reminders, digests) one copy works on at once."""
    claim_batch: int = Field(default=16, ge=1, le=500)
    """How many due items a copy claims at a time: small, so copies share a burst."""
    platform_concurrency: int = Field(default=16, ge=1, le=100)
    """How many messages one copy sends to one chat platform at once (the destinations of
    one reminder go out together, within this limit)."""
    health_lag_seconds: float = Field(default=600.0, gt=0)
    """`/healthz` reports the scheduler unhealthy when due work is this overdue."""


class TeachMeetSettings(Section):
    reminder_offsets_minutes: list[Annotated[int, Field(gt=0)]] = Field(
        default_factory=lambda: [1440, 60])
    """Reminders go out this many minutes before each teach-meet starts (1 day, 1 hour)."""
    reminder_grace_minutes: float = Field(default=30.0, ge=0)
    """A reminder found this late (after downtime) is still sent; later ones are dropped."""
    default_duration_minutes: int = Field(default=120, ge=1, le=1440)
    nano_minutes: int = Field(default=2, ge=1, le=3)
    micro_minutes: int = Field(default=7, ge=5, le=7)
    soapbox_minutes: int = Field(default=15, ge=8, le=30)
    list_limit: int = Field(default=10, ge=1, le=50)
    digest_days: int = Field(default=30, ge=1, le=365)
    """The weekly digest lists teach-meets starting within this many days."""
    feed_past_days: int = Field(default=30, ge=0, le=3650)
    """Calendar feeds keep teach-meets that ended up to this many days ago."""
    feed_refresh_minutes: int = Field(default=60, ge=5, le=10080)
    """How often calendar apps are asked to re-read a feed (REFRESH-INTERVAL)."""
    series_horizon_days: int = Field(default=120, ge=14, le=730)
    """Meetings of a repeating teach-meet exist (for RSVPs) this many days ahead."""


class AskingSettings(Section):
    """`ask`: questions routed to people who have done the thing."""

    recipients: int = Field(default=3, ge=1, le=10)
    """How many people each question is sent to."""
    expiry_days: float = Field(default=7.0, gt=0, le=90)
    """Days a question stays open before it expires and the asker is told."""
    later_hours: float = Field(default=24.0, gt=0, le=24 * 14)
    """After "Later", remind the recipient once, this many hours later."""
    digest: bool = False
    """Add "questions answered this week" (public questions only) to the weekly digest."""


class IntroductionsSettings(Section):
    """Welcomes, nudges, double opt-in meet requests and peer pairing."""

    welcome_dm: bool = True
    welcome_channel_post: bool = False
    """Also greet newcomers in the space's introductions channel."""
    nudge_after_days: float = Field(default=3.0, ge=0)
    """Remind members who have not introduced themselves, once; 0 turns the nudge off."""
    meet_expiry_days: float = Field(default=7.0, gt=0)
    meet_monthly_limit: int = Field(default=3, ge=1)
    """Most meet requests one expert receives in a calendar month (UTC)."""
    meet_choices: int = Field(default=5, ge=1, le=25)
    meet_later_days: float = Field(default=3.0, gt=0, le=60)
    """After "Not now", the expert is reminded of the request once, this many days later
    (the request stays open at least a day past the reminder)."""
    pairing_enabled: bool = True
    pairing_every: Literal["week", "fortnight", "month"] = "month"
    pairing_hour: int = Field(default=9, ge=0, le=23)
    """Hour (UTC) on the first day of each period when the pairing round runs."""
class DiscordSettings(Section):
    """The Discord bot: credentials, where commands are synced, and the leader lock."""

    token: str = ""
    """The bot token (keep it in STAFFROOM_DISCORD__TOKEN); empty: Discord is not started."""
    application_id: str = ""
    """The application ID; read from Discord at login when empty."""
    guild_ids: list[str] = Field(default_factory=list)
    """Guilds whose commands `discord-sync` updates instantly; empty: global commands."""
    members_intent: bool = True
    """Receive member joins (a privileged intent: enable "Server Members Intent")."""
    message_content_intent: bool = False
    """Read every message (privileged); mentions and DMs work without it."""
    group_channel: str = ""
    """Channel ID where private threads stand in for group DMs; empty: no group chats."""
    leader_lock_key: int = 0x5354_4443
    """PostgreSQL advisory lock key: one copy per key holds the Discord gateway."""
    leader_retry_seconds: float = Field(default=3.0, gt=0)
    """How often a standby copy tries to take over the gateway connection."""
    gateway_grace_seconds: float = Field(default=90.0, gt=0)
    """A leader whose gateway has been down this long (Discord went silent, reconnecting
    keeps failing) gives the lock up, so a copy that can reach Discord takes over."""
    defer_after_seconds: float = Field(default=2.0, gt=0, lt=3)
    """Slower commands are deferred ("thinking...") and answered by a follow-up."""


class SlackWorkspace(Section):
    """One more Slack workspace served by this deployment, with its own bot token."""

    team_id: str
    bot_token: str = ""
    bot_token_env: str = ""
    """Name of an environment variable holding the token, so it stays out of the file."""

    def token(self) -> str:
        return self.bot_token or (os.environ.get(self.bot_token_env, "")
                                  if self.bot_token_env else "")


class SlackSettings(Section):
    """The Slack adapter; it starts when a bot token (or workspace) and, for HTTP mode, a
    signing secret (for Socket Mode, an app token) are set."""

    bot_token: str = ""
    signing_secret: str = ""
    app_token: str = ""
    mode: Literal["http", "socket"] = "http"
    api_base_url: str = ""
    """Slack Web API base URL; empty means https://slack.com/api/ (a proxy, or a test fake)."""
    workspaces: list[SlackWorkspace] = Field(default_factory=list)
    usergroup_cache_seconds: float = Field(default=60.0, ge=0)
    event_dedupe_hours: float = Field(default=24.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _moved_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and ({"host", "port"} & data.keys()):
            raise ValueError("[slack] host and port moved to [http] host and port (one HTTP "
                             "server now carries /slack/events, health, metrics and pages)")
        return data

    @property
    def configured(self) -> bool:
        has_token = bool(self.bot_token) or any(w.token() for w in self.workspaces)
        secret = self.app_token if self.mode == "socket" else self.signing_secret
        return has_token and bool(secret)

    def problems(self) -> list[str]:
        """What keeps Slack from starting although some of it is set, in the operator's
        words (which setting, which variable, where Slack shows the value)."""
        found = []
        for workspace in self.workspaces:
            if workspace.bot_token_env and not workspace.token():
                found.append(f"Slack workspace {workspace.team_id}: its token variable "
                             f"{workspace.bot_token_env} is not set.")
        if self.bot_token and not self.bot_token.startswith("xoxb-"):
            kind = ("an app-level token (xapp-...)" if self.bot_token.startswith("xapp-")
                    else "not a bot token")
            found.append(f"Slack: [slack] bot_token is {kind}; the bot token starts with "
                         "xoxb- (OAuth & Permissions → Bot User OAuth Token).")
        has_token = bool(self.bot_token) or any(w.token() for w in self.workspaces)
        secret_set = bool(self.signing_secret or self.app_token)
        if has_token and self.mode == "http" and not self.signing_secret:
            found.append("Slack: a bot token is set but no signing secret, which HTTP mode "
                         "needs to check that requests come from Slack: set "
                         "STAFFROOM_SLACK__SIGNING_SECRET (Basic Information → App "
                         "Credentials), or use Socket Mode ([slack] mode = \"socket\" with "
                         "STAFFROOM_SLACK__APP_TOKEN).")
        elif has_token and self.mode == "socket" and not self.app_token:
            found.append("Slack: Socket Mode needs an app-level token (xapp-...): set "
                         "STAFFROOM_SLACK__APP_TOKEN (Basic Information → App-Level Tokens, "
                         "with the connections:write scope).")
        elif secret_set and not has_token:
            what = "a signing secret" if self.signing_secret else "an app-level token"
            found.append(f"Slack: {what} is set but no bot token: set "
                         "STAFFROOM_SLACK__BOT_TOKEN (xoxb-..., OAuth & Permissions → Bot "
                         "User OAuth Token).")
        if self.app_token and not self.app_token.startswith("xapp-"):
            found.append("Slack: [slack] app_token should start with xapp- (an app-level "
                         "token).")
        return found


class HttpSettings(Section):
    """The bot's one HTTP server: health, metrics, calendar feeds, web pages, Slack events."""

    host: str = "127.0.0.1"
    """Interface to listen on; "0.0.0.0" to be reachable from other machines."""
    port: int = Field(default=8080, ge=0, le=65535)
    """0 picks a free port (tests)."""


class WebSettings(Section):
    """How the bot's HTTP server is reached from outside (links in replies, calendar feeds),
    and the network's web pages on it (`bot/web`)."""

    base_url: str = ""
    """Public address of the HTTP server, e.g. "https://staffroom.example.org" (behind a
    reverse proxy); empty: http://[http] host:port, which only suits trying it locally."""
    enabled: bool = True
    """Serve the web pages (/, /teachmeets, /library) on the HTTP server."""
    public: bool = True
    """false: the pages answer 404 (the network is not ready to be seen yet)."""
    about: str = Field(default="", max_length=500)
    """A sentence or two about the network, for the home page and link previews."""
    page_size: int = Field(default=20, ge=5, le=50)
    """Teach-meets or resources on one page of /teachmeets and /library."""

    @field_validator("base_url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError("must be an absolute http(s) address such as "
                             "'https://staffroom.example.org'")
        return value


class BackupSettings(Section):
    """Scheduled backups, made by `staffroom run` (one copy of the bot, through due work)."""

    every_hours: float = Field(default=0.0, ge=0)
    """Take a backup this often; 0: no scheduled backups (`staffroom backup FILE` still works)."""
    directory: str = ""
    """Where scheduled backups are written; empty: `backups` in the data folder."""
    keep: int = Field(default=7, ge=1, le=10_000)
    """How many scheduled backups are kept; older ones are deleted after each new one."""
    erasure_list: str = ""
    """The file `forgetme` also records erasures in (keyed hashes only; `restore` re-applies
    them); empty: `erasures.list` beside the SQLite database, or in the data folder."""
    erasure_key: str = ""
    """Secret key for the erasure list's hashes, kept out of the database; set the same on
    every copy of the bot. Empty: a random key made once in `erasure.key` beside the list."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="STAFFROOM_", env_nested_delimiter="__", extra="forbid",
        nested_model_default_partial_update=True,
    )

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    """"json": one JSON object a line, for log collectors."""
    log_file: str = ""
    """Append logs to this file instead of stderr."""
    sentry_dsn: str = ""
    """Report errors to Sentry (needs the `sentry` extra); empty: not used."""
    backup: BackupSettings = Field(default_factory=BackupSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    conversation: ConversationSettings = Field(default_factory=ConversationSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    introductions: IntroductionsSettings = Field(default_factory=IntroductionsSettings)
    asking: AskingSettings = Field(default_factory=AskingSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    teachmeets: TeachMeetSettings = Field(default_factory=TeachMeetSettings)
    spaces: list[SpaceSettings] = Field(default_factory=list)
    resources: ResourcesSettings = Field(default_factory=ResourcesSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    web: WebSettings = Field(default_factory=WebSettings)

    def public_url(self, path: str = "/") -> str:
        """An absolute address on the bot's HTTP server, for links members follow."""
        base = self.web.base_url
        if not base:
            host = self.http.host if self.http.host not in ("", "0.0.0.0", "::") else "127.0.0.1"
            base = f"http://{host}:{self.http.port}"
        return base + (path if path.startswith("/") else f"/{path}")

    @property
    def platforms_configured(self) -> bool:
        """Whether `staffroom run` has a chat platform to start."""
        return bool(self.discord.token) or self.slack.configured

    def platform_problems(self) -> list[str]:
        """Platforms set up halfway: what is missing for each, to say instead of "no chat
        platform is configured"."""
        found = self.slack.problems()
        discord = self.discord
        if not discord.token and (discord.application_id or discord.guild_ids
                                  or discord.group_channel):
            found.append("Discord: settings are there but no bot token: set "
                         "STAFFROOM_DISCORD__TOKEN (Developer Portal → Bot → Reset Token).")
        return found

    def space(self, platform: str, space_id: str) -> SpaceSettings | None:
        return next((s for s in self.spaces if s.platform == platform and s.id == space_id), None)

    def group_of(self, platform: str, space_id: str) -> str:
        """The local group a space belongs to ("" when it names none)."""
        space = self.space(platform, space_id)
        return space.group if space is not None else ""

    def group_spaces(self, name: str) -> list[tuple[str, str]]:
        """(platform, space_id) of every space of the named group (any case)."""
        wanted = name.strip().lower()
        return [(s.platform, s.id) for s in self.spaces if s.group and s.group.lower() == wanted]

    def space_label(self, platform: str, space_id: str) -> str:
        """How a space is named to members: its configured name, else platform and id."""
        space = self.space(platform, space_id)
        if space is not None and space.name:
            return space.name
        return "the console" if platform == "console" else f"{platform.title()} {space_id}"

    def on_web(self, platform: str, space_id: str) -> bool:
        """May things from this space (teach-meets, pins) appear on the web pages?"""
        space = self.space(platform, space_id)
        return space is None or space.web

    def page_url(self, path: str) -> str:
        """A web page's address for a link in a reply; "" when the pages are off, not
        public, or have no public address ([web] base_url) that members could open."""
        web = self.web
        return self.public_url(path) if web.enabled and web.public and web.base_url else ""


def default_data_dir() -> Path:
    """The per-user folder for the embedded database, following each OS's convention."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "staffroom"


def _describe(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(part) for part in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "is not a known setting (see config.example.toml)"
        shown = err.get("input")
        value = "" if err["type"] == "extra_forbidden" or isinstance(shown, dict) else (
            f" (got {shown!r})")
        lines.append(f"  {key}: {msg}{value}")
    return f"Invalid configuration in {source}:\n" + "\n".join(lines)


def load_settings(config_path: str | os.PathLike[str] | None = None,
                  **overrides: Any) -> Settings:
    """Build the settings, or raise ConfigError with a message that names the bad key."""
    path = config_path or os.environ.get("STAFFROOM_CONFIG") or None
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"Configuration file not found: {path}")
        try:
            with path.open("rb") as fh:
                tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from None

    class _FileSettings(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
            if path is not None:
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
            return tuple(sources)

    shortcut = os.environ.get("STAFFROOM_DATABASE_URL")
    if shortcut and "STAFFROOM_DATABASE__URL" not in os.environ:
        database = dict(overrides.get("database") or {})
        database.setdefault("url", shortcut)
        overrides["database"] = database
    source = f"{path} and STAFFROOM_ variables" if path else "STAFFROOM_ environment variables"
    try:
        loaded = _FileSettings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None
    return Settings.model_validate(loaded.model_dump())
