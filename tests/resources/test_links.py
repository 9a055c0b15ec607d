"""Link health against a local HTTP server (loopback only), with the fake clock: HEAD then
GET, polite spacing, dead links flagged for moderators after repeated failures."""

from __future__ import annotations

import itertools
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app import App
from bot.resources.links import AiohttpProbe, check_links, check_url, interleave
from bot.resources.services import plan_link_check
from bot.testing import FakeAdapter, FakeClock
from tests.resources.helpers import MOD, audit_rows, pin_row, pins


@dataclass
class Site:
    """A local web server that remembers every request it was sent."""

    server: TestServer
    clock: FakeClock
    requests: list[tuple[str, str, str, datetime]] = field(default_factory=list)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.server.port}{path}"

    def seen(self, path: str) -> list[str]:
        return [method for method, p, _ua, _at in self.requests if p == path]


@pytest.fixture
async def site(clock: FakeClock) -> AsyncIterator[Site]:
    holder: list[Site] = []

    @web.middleware
    async def remember(request: web.Request, handler):
        holder[0].requests.append((request.method, request.path,
                                   request.headers.get("User-Agent", ""), clock.now()))
        return await handler(request)

    async def ok(_request: web.Request) -> web.Response:
        return web.Response(text="fine")

    async def no_head(request: web.Request) -> web.Response:
        return web.Response(status=405 if request.method == "HEAD" else 200)

    async def gone(_request: web.Request) -> web.Response:
        return web.Response(status=404)

    async def busy(_request: web.Request) -> web.Response:
        return web.Response(status=429)

    async def moved(_request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/landing")

    async def to_named(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"http://localhost:{request.url.port}/landing")

    async def loop(_request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    app = web.Application(middlewares=[remember])
    for path, handler in (("/ok", ok), ("/landing", ok), ("/no-head", no_head), ("/gone", gone),
                          ("/busy", busy), ("/moved", moved), ("/to-named", to_named),
                          ("/loop", loop)):
        app.router.add_route("*", path, handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    holder.append(Site(server, clock))
    try:
        yield holder[0]
    finally:
        await server.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _pin(chat: FakeAdapter, url: str, title: str) -> None:
    reply = await chat.say(f'pin {url} "{title}"', user=MOD)
    assert reply.visibility == "channel", reply.plain_text()


async def _check_round(app: App) -> None:
    """What the scheduler does each interval: plan this interval's batch, then run it."""
    await plan_link_check(app.services)
    await app.scheduler.run_due()


async def test_scheduled_check_finds_dead_links(app: App, chat: FakeAdapter, site: Site,
                                                clock: FakeClock) -> None:
    refused = f"http://127.0.0.1:{closed_port()}/nothing"
    for path in ("/ok", "/no-head", "/gone", "/moved", "/busy"):
        await _pin(chat, site.url(path), path.strip("/"))
    await _pin(chat, refused, "refused")
    await _check_round(app)

    assert site.seen("/ok") == ["HEAD"]
    assert site.seen("/no-head") == ["HEAD", "GET"]
    assert site.seen("/moved") == site.seen("/landing") == ["HEAD"]
    assert site.seen("/gone") == ["HEAD", "GET"]
    assert {ua for _method, _path, ua, _at in site.requests} == {"StaffroomTest/1"}
    by_title = {p.title: p for p in await pins(app)}
    assert by_title["ok"].link_status == "ok" and by_title["ok"].http_status == 200
    assert by_title["no-head"].link_status == "ok"
    assert by_title["moved"].link_status == "ok"
    assert by_title["busy"].link_status == "unchecked"  # 429 says nothing either way
    assert by_title["busy"].consecutive_failures == 0
    assert (by_title["gone"].link_status, by_title["gone"].consecutive_failures) == (
        "failing", 1)
    assert by_title["refused"].link_status == "failing"
    assert by_title["refused"].http_status is None and by_title["refused"].last_error
    assert all(p.last_checked_at == clock.now() for p in by_title.values())
    assert "Links that look dead" not in (await chat.say("pins queue", user=MOD)).plain_text()

    # checked links are not checked again until `recheck_hours` have passed
    count = len(site.requests)
    clock.advance(hours=2)
    await _check_round(app)
    assert len(site.requests) == count

    clock.advance(days=7)
    await _check_round(app)  # second failure in a row: dead_after = 2
    by_title = {p.title: p for p in await pins(app)}
    assert by_title["gone"].link_status == "dead" and by_title["gone"].http_status == 404
    assert by_title["refused"].link_status == "dead"
    assert by_title["ok"].link_status == "ok"
    dead_audit = await audit_rows(app, "pin.link-dead")
    assert sorted(e.target for e in dead_audit) == sorted(
        f"pin:{by_title[t].id}" for t in ("gone", "refused"))
    assert {e.actor for e in dead_audit} == {"system:link-check"}

    queue = (await chat.say("pins queue", user=MOD)).plain_text()
    assert "Links that look dead" in queue and "HTTP 404" in queue
    dead = (await chat.say("pins dead", user=MOD)).plain_text()
    assert "gone" in dead and "refused" in dead and "#1 ok" not in dead
    assert (await chat.say("pins dead", user="ann")).is_error

    gone_id = by_title["gone"].id
    kept = await chat.press("pins keep", {"id": gone_id}, user=MOD)
    assert not kept.is_error
    assert (await pin_row(app, gone_id)).link_status == "ok"
    removed = await chat.press("unpin", {"id": by_title["refused"].id, "confirm": True},
                               user=MOD)
    assert not removed.is_error
    assert "No dead links" in (await chat.say("pins dead", user=MOD)).plain_text()


async def test_only_published_links_are_checked(app: App, chat: FakeAdapter,
                                                site: Site) -> None:
    await chat.say(f"pin {site.url('/ok')} Suggested only", user="ann")
    await _check_round(app)
    assert site.requests == []


async def test_requests_are_spaced_politely(app: App, chat: FakeAdapter, site: Site,
                                            clock: FakeClock) -> None:
    for n in range(3):
        await _pin(chat, site.url(f"/ok?n={n}"), f"numeric {n}")
        await _pin(chat, site.url(f"/ok?n={n}", host="localhost"), f"named {n}")
    cfg = app.services.settings.resources.link_check
    app.services.settings.resources.link_check = cfg.model_copy(
        update={"delay_seconds": 1.0, "host_spacing_seconds": 5.0})
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds=seconds)

    async with AiohttpProbe(app.services.settings.resources.link_check) as probe:
        summary = await check_links(app.services, probe, sleep=fake_sleep,
                                    budget=timedelta(hours=1))
    assert summary.checked == 6 and summary.alive == 6
    times = [at for *_rest, at in site.requests]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert all(gap >= 1.0 for gap in gaps), gaps
    hosts = [url.split("//")[1].split(":")[0] for url in
             [p.url for p in await pins(app)]]
    assert sorted(set(hosts)) == ["127.0.0.1", "localhost"]
    # the same host is never asked twice within 5 seconds (requests alternate between hosts)
    assert sum(slept) >= 10.0
    assert max(gaps) <= 5.0


async def test_a_batch_stops_when_its_time_is_up(app: App, chat: FakeAdapter, site: Site,
                                                 clock: FakeClock) -> None:
    for n in range(4):
        await _pin(chat, site.url(f"/ok?n={n}"), f"page {n}")
    app.services.settings.resources.link_check = app.services.settings.resources \
        .link_check.model_copy(update={"host_spacing_seconds": 30.0})

    async def fake_sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    async with AiohttpProbe(app.services.settings.resources.link_check) as probe:
        summary = await check_links(app.services, probe, sleep=fake_sleep,
                                    budget=timedelta(seconds=45))
    assert summary.checked == 2 and len(site.requests) == 2
    unchecked = [p for p in await pins(app) if p.last_checked_at is None]
    assert len(unchecked) == 2
    # the next batch starts with the links not yet checked
    async with AiohttpProbe(app.services.settings.resources.link_check) as probe:
        await check_links(app.services, probe, sleep=fake_sleep, budget=timedelta(seconds=45))
    assert all(p.last_checked_at is not None for p in await pins(app))


async def test_private_addresses_are_not_probed_unless_allowed(app: App, chat: FakeAdapter,
                                                               site: Site) -> None:
    await _pin(chat, site.url("/ok"), "local")
    app.services.settings.resources.link_check = app.services.settings.resources \
        .link_check.model_copy(update={"allow_private_hosts": False})
    await _check_round(app)
    assert site.requests == []
    [row] = await pins(app)
    assert row.link_status == "unchecked" and "private" in row.last_error


def test_interleave_alternates_hosts() -> None:
    targets = [(1, "https://a.example/1"), (2, "https://a.example/2"),
               (3, "https://a.example/3"), (4, "https://b.example/1")]
    assert [i for i, _ in interleave(targets)] == [1, 4, 2, 3]


async def test_redirects_are_vetted_hop_by_hop(app: App, site: Site) -> None:
    cfg = app.services.settings.resources.link_check.model_copy(
        update={"allow_private_hosts": False})

    async def only_numeric_is_public(host: str) -> bool:  # stands in for DNS
        return host == "127.0.0.1"

    async with AiohttpProbe(cfg, is_public=only_numeric_is_public) as probe:
        bounced = await check_url(probe, site.url("/to-named"))
        looping = await check_url(probe, site.url("/loop"))
        fine = await check_url(probe, site.url("/moved"))
    assert bounced.ok is False and "private or local address" in bounced.error
    assert site.seen("/landing") == ["HEAD"]  # only via /moved: never via the bounce
    assert looping.ok is False and "more than 10 redirects" in looping.error
    assert fine.ok is True and fine.http_status == 200


async def test_a_result_for_an_address_edited_meanwhile_is_not_recorded(
        app: App, chat: FakeAdapter) -> None:
    await _pin(chat, "https://old.example/page", "moving")

    class EditsWhileAsked:
        """Answers 404, but a moderator edits the address while the request is out."""

        async def status(self, method: str, url: str) -> int:
            await chat.say("pins edit 1 url=https://new.example/page", user=MOD)
            return 404

    summary = await check_links(app.services, EditsWhileAsked())
    assert summary.checked == 1
    row = await pin_row(app, 1)
    assert row.url == "https://new.example/page"
    assert (row.link_status, row.consecutive_failures, row.last_checked_at) == (
        "unchecked", 0, None)
