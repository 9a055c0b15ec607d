"""`/metrics` (Prometheus) and the health of the database and the scheduler on `/healthz`."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from bot.app import App
from bot.http import HttpServer
from bot.testing import PG_SKIP_REASON, FakeAdapter, FakeClock, make_settings
from storage.repositories.due_work import DueWorkRepository


async def fetch(server: HttpServer, path: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(server.url + path) as resp:
        return resp.status, resp.headers["Content-Type"], await resp.text()


def sample(text: str, name: str, **labels: str) -> float:
    """One sample's value from the exposition text (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0.0


async def test_metrics_count_commands_and_deliveries(app: App, chat: FakeAdapter,
                                                     clock: FakeClock) -> None:
    server = app.build_http()
    await server.start()
    try:
        status, content_type, before = await fetch(server, "/metrics")
        assert status == 200 and content_type.startswith("text/plain")
        assert sample(before, "staffroom_commands_total", command="whodone") == 0

        await chat.say("done Rolled out Chromebooks #devices", user="ann")
        await chat.say("whodone chromebooks", user="bob")
        await chat.say("whodone", user="bob")  # missing its query: invalid

        async def handler(_services: object, _work: object) -> None:
            return None

        app.scheduler.handle("test.ping", handler)
        async with app.db.unit_of_work() as session:
            await DueWorkRepository(session).plan("test.ping", "one", clock.now())
        clock.advance(seconds=3)
        assert await app.scheduler.run_due() == 1

        _s, _c, after = await fetch(server, "/metrics")
        assert sample(after, "staffroom_commands_total", command="whodone", outcome="ok") == 1
        assert sample(after, "staffroom_commands_total", command="done add", outcome="ok") == 1
        assert sample(after, "staffroom_deliveries_total", kind="test.ping",
                      outcome="done") == 1
        assert sample(after, "staffroom_delivery_lag_seconds_sum", kind="test.ping") == 3
        assert sample(after, "staffroom_search_duration_seconds_count") >= 1
        assert sample(after, "staffroom_due_work_backlog") == 0
        assert sample(after, "staffroom_errors_total", where="command") == 0
    finally:
        await server.stop()


async def test_health_and_metrics_report_an_overdue_backlog(app: App, clock: FakeClock) -> None:
    server = app.build_http()
    await server.start()
    try:
        async with app.db.unit_of_work() as session:
            await DueWorkRepository(session).plan("nobody.delivers", "k", clock.now())
        clock.advance(seconds=60)
        status, _c, body = await fetch(server, "/healthz")
        assert status == 200 and "1 item(s) due" in body  # a minute late is still fine
        assert sample((await fetch(server, "/metrics"))[2],
                      "staffroom_due_work_oldest_seconds") == 60
        clock.advance(seconds=app.services.settings.scheduler.health_lag_seconds)
        status, _c, body = await fetch(server, "/healthz")
        assert status == 503 and '"scheduler": {"ok": false' in body
        assert sample((await fetch(server, "/metrics"))[2], "staffroom_due_work_backlog") == 1
    finally:
        await server.stop()


class Proxy:
    """A loopback TCP relay to PostgreSQL that the test can cut and restore, so the
    database really goes away for the bot (and comes back on the same port)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._pipes):
            task.cancel()
        await self._server.wait_closed()
        self._server = None

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        for task in (asyncio.ensure_future(pipe(reader, up_writer)),
                     asyncio.ensure_future(pipe(up_reader, writer))):
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)


@pytest.mark.postgres
async def test_healthz_degrades_when_the_database_goes_down_and_recovers(
        _postgres_ready: str | None, clock: FakeClock) -> None:
    """A database server to take away: PostgreSQL (SQLite is a file, never "down")."""
    if _postgres_ready is None:
        pytest.skip(PG_SKIP_REASON)
    url = make_url(_postgres_ready)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False)
    settings = make_settings()
    app = App(settings.model_copy(update={"database": settings.database.model_copy(
        update={"url": through})}), clock=clock)
    await app.open()
    server = app.build_http()
    await server.start()
    try:
        status, _c, body = await fetch(server, "/healthz")
        assert status == 200, body
        await proxy.stop()
        status, _c, body = await fetch(server, "/healthz")
        assert status == 503
        assert '"database": {"ok": false, "detail": "unreachable"}' in body
        metrics_status, _c, text = await fetch(server, "/metrics")  # counters still served
        assert metrics_status == 200 and sample(
            text, "staffroom_metrics_database_errors_total") == 1
        await proxy.start()  # the same port again
        for _ in range(50):
            status, _c, body = await fetch(server, "/healthz")
            if status == 200:
                break
            await asyncio.sleep(0.1)
        assert status == 200, body
    finally:
        await server.stop()
        await app.close()
        with contextlib.suppress(AssertionError):
            await proxy.stop()


async def test_start_up_line_names_what_runs_without_credentials(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        database_url = url.set(password="hunter2-secret").render_as_string(
            hide_password=False)
    settings = make_settings()
    app = App(settings.model_copy(update={"database": settings.database.model_copy(
        update={"url": database_url})}))
    line = app.describe([FakeAdapter(app.core)], scheduler=True, http=True)
    await app.close()
    assert "hunter2" not in line
    assert f"database {app.db.dialect} " in line
    assert "adapters fake" in line and "spaces fake:T-TEST" in line
    assert "scheduler on" in line and "http 127.0.0.1:0" in line
