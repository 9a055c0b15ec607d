"""The bot's one HTTP server: routes added by whoever needs them, and an honest /healthz."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.app import App
from bot.http import HealthResult, HttpServer
from bot.settings import HttpSettings

ROOT = Path(__file__).resolve().parents[2]


async def get(server: HttpServer, path: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(server.url + path) as resp:
        return resp.status, await resp.json()


async def test_health_reports_the_database_and_every_registered_check(app: App) -> None:
    server = app.build_http()
    state = {"ok": True}

    async def gateway() -> HealthResult:
        return HealthResult(state["ok"], "connected" if state["ok"] else "gateway silent")

    server.add_health_check("gateway", gateway)
    await server.start()
    try:
        status, body = await get(server, "/healthz")
        assert status == 200 and body["ok"] is True
        assert body["checks"]["database"]["ok"] is True
        state["ok"] = False
        status, body = await get(server, "/healthz")
        assert status == 503 and body["ok"] is False
        assert body["checks"]["gateway"] == {"ok": False, "detail": "gateway silent"}
        state["ok"] = True
        assert (await get(server, "/healthz"))[0] == 200
    finally:
        await server.stop()


async def test_a_check_that_raises_or_hangs_fails_without_breaking_the_others(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.http.server.HEALTH_TIMEOUT", 0.2)
    server = HttpServer(HttpSettings(host="127.0.0.1", port=0))

    async def broken() -> HealthResult:
        raise ConnectionRefusedError("secret detail")

    async def hung() -> HealthResult:
        await asyncio.sleep(10)
        return HealthResult(True)

    async def fine() -> HealthResult:
        return HealthResult(True, "fine")

    for name, check in (("broken", broken), ("hung", hung), ("fine", fine)):
        server.add_health_check(name, check)
    with pytest.raises(ValueError, match="twice"):
        server.add_health_check("fine", fine)
    await server.start()
    try:
        status, body = await get(server, "/healthz")
    finally:
        await server.stop()
    assert status == 503
    assert body["checks"]["broken"] == {"ok": False, "detail": "ConnectionRefusedError"}
    assert body["checks"]["hung"]["ok"] is False and "0.2 s" in body["checks"]["hung"]["detail"]
    assert body["checks"]["fine"] == {"ok": True, "detail": "fine"}


async def test_routes_are_added_before_start() -> None:
    server = HttpServer(HttpSettings(host="127.0.0.1", port=0))

    async def hello(_request: web.Request) -> web.Response:
        return web.Response(text="hello")

    server.add_get("/hello", hello)
    await server.start()
    try:
        async with aiohttp.ClientSession() as session, \
                session.get(server.url + "/hello") as resp:
            assert resp.status == 200 and await resp.text() == "hello"
    finally:
        await server.stop()


async def test_a_taken_port_is_named_in_one_sentence() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = HttpServer(HttpSettings(host="127.0.0.1", port=port))
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}.*STAFFROOM_HTTP"):
            await server.start()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_staffroom_serve_answers_health_until_stopped(tmp_path: Path) -> None:
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("STAFFROOM_")}
    environ.update({"STAFFROOM_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
                    "STAFFROOM_HTTP__PORT": str(port), "STAFFROOM_LOG_LEVEL": "WARNING"})
    process = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=environ,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        body = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                import urllib.request

                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert body is not None, process.stderr.read() if process.poll() is not None else ""
        assert '"ok": true' in body and '"database"' in body
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode == 0
