"""Logging, set up once in `main`: text or JSON lines, to stderr or a file, and Sentry.

Two rules keep the logs safe to share with whoever helps an operator: members' own words
(command text, search queries) are logged only at DEBUG, and credentials never at all (the
database URL is shown without them, see `storage.db.display_url`). An exception's message
may quote members' words (a value that failed to parse, a lookup key), so above DEBUG a
traceback shows its frames and exception types but not the messages
(`WithholdExceptionMessages`); SQL parameters never reach a message at all (the engine
hides them, `storage.db`).
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from bot.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUIET_LOGGERS = {
    "alembic": logging.WARNING,
    "apscheduler": logging.WARNING,  # a line per wake-up is noise
    "aiohttp.access": logging.WARNING,
}


WITHHELD = "(message withheld above DEBUG: it may quote members' words)"


def withheld_traceback(exc: BaseException) -> str:
    """The traceback of `exc` and the exceptions chained to it, each exception by its type
    only; frames show code, never values."""
    parts: list[str] = []
    seen: set[int] = set()

    def walk(e: BaseException) -> None:
        seen.add(id(e))
        if e.__cause__ is not None and id(e.__cause__) not in seen:
            walk(e.__cause__)
            parts.append("\nThe above exception was the direct cause of the following "
                         "exception:\n\n")
        elif (e.__context__ is not None and not e.__suppress_context__
              and id(e.__context__) not in seen):
            walk(e.__context__)
            parts.append("\nDuring handling of the above exception, another exception "
                         "occurred:\n\n")
        if e.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_tb(e.__traceback__))
        kind = type(e)
        name = kind.__qualname__ if kind.__module__ == "builtins" else \
            f"{kind.__module__}.{kind.__qualname__}"
        parts.append(f"{name}: {WITHHELD}\n")

    walk(exc)
    return "".join(parts).rstrip("\n")


class WithholdExceptionMessages(logging.Filter):
    """On our handlers: a record above DEBUG shows its traceback without the exceptions'
    messages (formatters use a record's `exc_text` when it is set)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG and record.exc_info and record.exc_info[1]:
            record.exc_text = withheld_traceback(record.exc_info[1])
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the traceback if any;
    an error reference (`extra={"ref": ...}`) becomes a field of its own."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        ref = getattr(record, "ref", None)
        if ref:
            data["ref"] = ref
        if record.exc_text or record.exc_info:
            data["traceback"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


class _StreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Installed by `setup_logging`; a second call (tests run `main` in-process) replaces
    it instead of printing every line twice."""


class _FileHandler(logging.FileHandler):
    """Installed by `setup_logging` (see `_StreamHandler`)."""


def console_log_path() -> Path:
    from bot.settings import default_data_dir

    return default_data_dir() / "console.log"


def setup_logging(settings: Settings, *, console: bool = False,
                  stream: TextIO | None = None) -> None:
    """Route the root logger. `console`: someone is chatting in this terminal, so logs go to
    `log_file`, else `console.log` in the data folder, never between the chat's lines."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, (_StreamHandler, _FileHandler)):
            root.removeHandler(handler)
            handler.close()
    path = settings.log_file or (str(console_log_path()) if console else "")
    handler: logging.Handler
    if path:
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        handler = _FileHandler(Path(path).expanduser(), encoding="utf-8")
    else:
        handler = _StreamHandler(stream or sys.stderr)
    handler.addFilter(WithholdExceptionMessages())
    handler.setFormatter(JsonFormatter() if settings.log_format == "json"
                         else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)
    if settings.sentry_dsn:
        setup_sentry(settings.sentry_dsn)


def setup_sentry(dsn: str) -> None:
    """Errors (with their reference as a tag) go to Sentry too. Members' words stay out:
    no local variables, no request bodies, no personal data, no exception messages."""
    try:
        import sentry_sdk
    except ImportError:
        logging.getLogger(__name__).warning(
            "sentry_dsn is set but sentry-sdk is not installed: pip install "
            "'staffroom[sentry]'; errors are only logged")
        return
    from bot.about import version

    sentry_sdk.init(dsn=dsn, release=f"staffroom@{version()}", send_default_pii=False,
                    include_local_variables=False, max_request_body_size="never",
                    before_send=_tag_reference)


def _tag_reference(event: dict, hint: dict) -> dict:
    for value in (event.get("exception") or {}).get("values") or ():
        if isinstance(value, dict) and value.get("value"):
            value["value"] = WITHHELD
    record = hint.get("log_record")
    ref = getattr(record, "ref", None)
    if ref:
        event.setdefault("tags", {})["ref"] = ref
    return event


def error_reference() -> str:
    """A short code shown to a member with an apology and logged with the traceback, so an
    operator can find the one failure they are asked about."""
    return secrets.token_hex(4).upper()
