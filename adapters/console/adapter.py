"""Reads commands from a terminal (or a pipe) and prints replies and scheduled messages.

At a terminal the prompt has line editing, history kept across sessions and Tab completion
of command names, through the standard library's readline (GNU readline or libedit;
where neither exists, as on plain Windows Python, a plain prompt).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from pathlib import Path
from types import ModuleType
from typing import TextIO

from adapters.console.render import render, render_delivery
from bot.core import Core
from bot.events import Caller, TextMessage
from bot.notifier import AdapterBase, Destination, Posted
from bot.replies import Attachment, Reply
from storage.repositories.directory import DirectoryRepository

log = logging.getLogger(__name__)

SPACE_ID = "local"
PROMPT = "staffroom> "
QUIT = {"quit", "exit", ":q"}
HISTORY_LENGTH = 1000


class ConsoleAdapter(AdapterBase):
    platform = "console"

    def __init__(self, core: Core, *, handle: str, stdin: TextIO | None = None,
                 stdout: TextIO | None = None, downloads: Path | None = None,
                 history: Path | None = None) -> None:
        self.core = core
        self.handle = handle
        self.downloads = downloads
        """Where files the bot sends (`mydata`, `teachmeet ics`) are saved, if anywhere."""
        self.history = history
        """Where typed lines are kept between sessions (at a terminal), if anywhere."""
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self._task: asyncio.Task[None] | None = None
        self._line_editor: ModuleType | None = None
        self._matches: list[str] = []
        self._posted = 0
        self._threads: dict[str, str] = {}
        """A thread's id (its first message's) -> its name, printed above each reply."""

    # -- line editing ----------------------------------------------------------------------------
    def completions(self, typed: str) -> list[str]:
        """Command names (and `quit`) that start with what has been typed on the line."""
        typed = typed.lstrip().lower()
        names = {name for command in self.core.registry.commands.values() if not command.hidden
                 for name in (command.name, *command.aliases)} | {"help", "quit"}
        return sorted(name + " " for name in names if name.startswith(typed))

    def _complete(self, _text: str, state: int) -> str | None:
        """readline's completer: the whole line so far is the prefix (multi-word names)."""
        if state == 0 and self._line_editor is not None:
            self._matches = self.completions(self._line_editor.get_line_buffer())
        return self._matches[state] if state < len(self._matches) else None

    def _start_line_editing(self) -> None:
        try:
            import readline
        except ImportError:  # no readline here: a plain prompt still works
            return
        self._line_editor = readline
        readline.set_completer_delims("")  # complete the whole line: "teachmeet cr<Tab>"
        readline.set_completer(self._complete)
        if "libedit" in (readline.__doc__ or ""):
            readline.parse_and_bind("bind ^I rl_complete")
        else:
            readline.parse_and_bind("tab: complete")
        readline.set_history_length(HISTORY_LENGTH)
        if self.history is not None and self.history.is_file():
            with contextlib.suppress(OSError):
                readline.read_history_file(self.history)

    def _save_history(self) -> None:
        if self._line_editor is None or self.history is None:
            return
        try:
            self.history.parent.mkdir(parents=True, exist_ok=True)
            self._line_editor.write_history_file(self.history)
        except OSError as exc:
            log.warning("console: could not save the history to %s (%s)", self.history, exc)

    @property
    def caller(self) -> Caller:
        return Caller(platform=self.platform, space_id=SPACE_ID, user_id=self.handle,
                      display_name=self.handle, channel_id="console", is_direct=True)

    @property
    def interactive(self) -> bool:
        return self.stdin.isatty()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def wait_closed(self) -> None:
        if self._task is not None:
            await self._task

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def send(self, destination: Destination, reply: Reply) -> Posted:
        """Print a proactive message (a reminder falling due) as it arrives; at a terminal,
        on its own lines and with the prompt shown again, since it interrupts typing. A
        reply in a thread is printed indented under the thread's name."""
        thread = self._threads.get(destination.thread_id, f"message {destination.thread_id}")
        shown = render_delivery(destination, reply, thread=thread if destination.thread_id
                                else "")
        if self.interactive:
            typed = (self._line_editor.get_line_buffer() if self._line_editor is not None
                     else "")
            self.stdout.write("\r\n" + shown + "\n" + PROMPT + typed)
            self.stdout.flush()
        else:
            self._print(shown)
        self._posted += 1
        return Posted(self.platform, destination.space_id,
                      destination.channel_id or f"@{destination.user_id}", str(self._posted))

    async def open_thread(self, posted: Posted, name: str) -> Destination:
        """A terminal has no threads: replies are printed under the thread's name."""
        self._threads[posted.message_id] = name
        return Destination(self.platform, posted.space_id, channel_id=posted.channel_id,
                           thread_id=posted.message_id)

    async def ask(self, text: str) -> Reply:
        """The core's answer, as this terminal's one reader sees it (the channel's part and
        their own are both shown here)."""
        return (await self.core.answer(TextMessage(self.caller, text, forms=False))
                ).seen_by_caller()

    def _print(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    async def _readline(self) -> str:
        if self.interactive:
            return await asyncio.to_thread(self._prompt)
        return await asyncio.to_thread(self.stdin.readline)

    def _prompt(self) -> str:
        try:
            return input(PROMPT) + "\n"
        except EOFError:
            return ""

    async def welcome(self) -> str:
        """The greeting at a terminal; the first time this handle uses this database, also
        where the data is kept and how moderator rights work here."""
        services = self.core.services
        settings = services.settings
        lines = [f"{settings.network.name} console — you are @{self.handle}. Type `help` (Tab "
                 "completes commands, Up recalls earlier ones), or `quit`."]
        try:
            async with services.db.sessions() as session:
                known = await DirectoryRepository(session, services.search).find_by_identity(
                    self.platform, SPACE_ID, self.handle)
        except Exception as exc:  # a greeting is never worth failing over
            log.warning("console: could not check for a first run: %s", type(exc).__name__)
            return lines[0]
        if known is not None:
            return lines[0]
        lines.append(f"First time here: your data is kept in {services.db.display_url} "
                     "(set STAFFROOM_DATABASE_URL or [database] url to use another).")
        how = (f"`staffroom moderators add --platform console --space {SPACE_ID} HANDLE` (the "
               f"console's space is `{SPACE_ID}`), or list the handle in [console] moderators "
               "in the config file")
        if self.handle in settings.console.moderators:
            lines.append(f"You are a moderator here ([console] moderators lists "
                         f"@{self.handle}). To make another handle one: {how}.")
        else:
            lines.append(f"To be a moderator here (pins queue, audit...): {how}, then run "
                         f"`staffroom console --as {self.handle}` again.")
        return "\n".join(lines)

    async def _loop(self) -> None:
        if self.interactive:
            self._start_line_editing()
            self._print(await self.welcome())
        try:
            await self._converse()
        finally:
            self._save_history()

    async def _converse(self) -> None:
        while True:
            line = await self._readline()
            if not line:
                return
            text = line.strip()
            if not text or text.startswith("#!"):
                continue
            if text.lower() in QUIT:
                return
            reply = await self.ask(text)
            self._print(render(reply))
            if reply.attachment is not None and self.downloads is not None:
                self._print(f"Saved {self._save(reply.attachment)}")

    def _save(self, attachment: Attachment) -> Path:
        """Write a file the bot sent, never over an earlier one."""
        self.downloads.mkdir(parents=True, exist_ok=True)
        name = Path(attachment.filename).name or "staffroom-file"
        path, n = self.downloads / name, 1
        while path.exists():
            n += 1
            path = self.downloads / f"{Path(name).stem}-{n}{Path(name).suffix}"
        path.write_bytes(attachment.content)
        return path
