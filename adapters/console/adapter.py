"""Reads commands from a terminal (or a pipe) and prints replies and scheduled messages."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from adapters.console.render import render, render_delivery
from bot.core import Core
from bot.events import Caller, TextMessage
from bot.notifier import AdapterBase, Destination
from bot.replies import Attachment, Reply

SPACE_ID = "local"
PROMPT = "staffroom> "
QUIT = {"quit", "exit", ":q"}


class ConsoleAdapter(AdapterBase):
    platform = "console"

    def __init__(self, core: Core, *, handle: str, stdin: TextIO | None = None,
                 stdout: TextIO | None = None, downloads: Path | None = None) -> None:
        self.core = core
        self.handle = handle
        self.downloads = downloads
        """Where files the bot sends (`mydata`, `teachmeet ics`) are saved, if anywhere."""
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self._task: asyncio.Task[None] | None = None

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

    async def send(self, destination: Destination, reply: Reply) -> None:
        """Print a proactive message (a reminder falling due) as it arrives; at a terminal,
        on its own lines and with the prompt shown again, since it interrupts typing."""
        if self.interactive:
            self.stdout.write("\r\n" + render_delivery(destination, reply) + "\n" + PROMPT)
            self.stdout.flush()
        else:
            self._print(render_delivery(destination, reply))

    async def ask(self, text: str) -> Reply:
        """The core's answer, as this terminal's one reader sees it (the channel's part and
        their own are both shown here)."""
        return (await self.core.answer(TextMessage(self.caller, text))).seen_by_caller()

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

    async def _loop(self) -> None:
        if self.interactive:
            name = self.core.services.settings.network.name
            self._print(f"{name} console — you are @{self.handle}. Type `help`, or `quit`.")
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
