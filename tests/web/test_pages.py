"""The web pages over real HTTP: every page answers with the right headers and stays small;
nobody appears who did not choose to; a space kept off the web and `[web] public = false`
are honoured; the library ranks like `pins`; bad addresses get a plain 404."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.app import App
from bot.settings import Settings, SpaceSettings, WebSettings
from bot.testing import MODERATOR, SPACE, FakeAdapter, make_settings
from storage.repositories.resources import PinRepository
from tests.web.helpers import LISTED, UNLISTED, fetch, internal_links, say, seed, serving

PAGE_LIMIT = 50 * 1024
PRIVATE_SPACE = "T-PRIVATE"


@pytest.fixture
def settings() -> Settings:
    base = make_settings()
    private = SpaceSettings(platform="fake", id=PRIVATE_SPACE, name="Staff only", web=False,
                            join_url="https://example.org/join-private")
    public = base.spaces[0].model_copy(update={"join_url": "https://example.org/join"})
    return base.model_copy(update={
        "spaces": [public, private],
        "web": WebSettings(about="Ed-tech people in Wales and beyond.", page_size=5)})


async def crawl(server: Any, start: str = "/") -> dict[str, tuple[int, Any, str]]:
    """Every page reachable from `start` by following same-site links (not .ics feeds
    served by other capabilities)."""
    seen: dict[str, tuple[int, Any, str]] = {}
    queue = [start]
    while queue:
        path = queue.pop()
        if path in seen or path.startswith("/calendar"):
            continue
        seen[path] = answer = await fetch(server, path)
        if answer[1].get("Content-Type", "").startswith("text/html"):
            queue += sorted(internal_links(answer[2]) - seen.keys())
    return seen


async def test_every_page_answers_small_cacheable_and_secure(app: App, chat: FakeAdapter
                                                           ) -> None:
    seeded = await seed(chat)
    async with serving(app) as server:
        pages = await crawl(server)
        wanted = {"/", "/teachmeets", f"/teachmeets/{seeded.meet}",
                  f"/teachmeets/{seeded.meet}.ics", "/library", f"/library/{seeded.pins[0]}",
                  "/library?tag=safety", "/teachmeets?region=Wales"}
        assert wanted <= pages.keys(), wanted - pages.keys()
        for path, (status, headers, body) in pages.items():
            assert status == 200, path
            assert len(body.encode()) < PAGE_LIMIT, path
            assert headers["X-Content-Type-Options"] == "nosniff", path
            if path.startswith("/static/"):
                assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
                continue
            assert "default-src 'none'" in headers["Content-Security-Policy"], path
            if path.endswith(".ics"):
                assert headers["Content-Type"].startswith("text/calendar")
                assert headers["Cache-Control"] == "public, max-age=300"
                assert "attachment" in headers["Content-Disposition"]
                assert "BEGIN:VCALENDAR" in body and "SUMMARY:" in body
                continue
            assert headers["Content-Type"] == "text/html; charset=utf-8", path
            assert headers["Cache-Control"] == "public, max-age=60", path
            assert body.count("<h1") == 1 and '<main id="main"' in body, path
            assert '<html lang="en-GB"' in body and 'name="viewport"' in body, path
        status, headers, _ = await fetch(server, "/library")
        again = await fetch(server, "/library", **{"If-None-Match": headers["ETag"]})
        assert again[0] == 304 and again[2] == ""
        zipped = await fetch(server, "/", **{"Accept-Encoding": "gzip"})
        assert zipped[1].get("Content-Encoding") == "gzip"


async def test_nobody_appears_unless_network_and_listed(app: App, chat: FakeAdapter) -> None:
    seeded = await seed(chat)
    await say(chat, f"teachmeet draw {seeded.meet}", "ann")
    async with serving(app) as server:
        pages = await crawl(server)
        html = "\n".join(body for _, _, body in pages.values())
        for user, name in UNLISTED.items():
            assert name not in html and f"@{user}" not in html, name
        meet_page = pages[f"/teachmeets/{seeded.meet}"][2]
        assert LISTED["ann"] in meet_page and LISTED["eve"] in meet_page
        assert "Chromebooks at scale" in meet_page  # the talk stays; only the name goes
        # choices change what the pages show at once
        await say(chat, "privacy space", "eve")
        await say(chat, "privacy web off", "ann")
        await say(chat, "privacy network", "cat")  # web listing on again counts
        await say(chat, "privacy web off", "cat")
        later = await crawl(server)
        html = "\n".join(body for _, _, body in later.values())
        for name in (LISTED["ann"], LISTED["eve"], *UNLISTED.values()):
            assert name not in html, name
        await say(chat, "privacy web on", "cat")
        shown = (await fetch(server, f"/teachmeets/{seeded.meet}"))[2]
        assert UNLISTED["cat"] in shown


async def test_a_space_kept_off_the_web_stays_off(app: App, chat: FakeAdapter) -> None:
    seeded = await seed(chat)
    reply = await chat.say('teachmeet create confirm=yes '
                           'Staff-only planning start="2026-11-20 16:00" '
                           "region=Wales", user="fay", space=PRIVATE_SPACE)
    hidden_meet = int(re.search(r"#(\d+)", reply.plain_text()).group(1))  # type: ignore[union-attr]
    pinned = await chat.say("pin https://example.org/secret-plan Secret staff plan #safety",
                            user=MODERATOR, space=PRIVATE_SPACE)
    assert not pinned.is_error, pinned.plain_text()
    async with serving(app) as server:
        pages = await crawl(server)
        html = "\n".join(body for _, _, body in pages.values())
        assert "Staff-only planning" not in html and "Secret staff plan" not in html
        assert "join-private" not in html and "https://example.org/join" in html
        for path in (f"/teachmeets/{hidden_meet}", f"/teachmeets/{hidden_meet}.ics"):
            assert (await fetch(server, path))[0] == 404, path
        found = (await fetch(server, "/library?q=secret+staff+plan"))[2]
        assert "Secret staff plan" not in found
        assert (await fetch(server, f"/teachmeets/{seeded.meet}"))[0] == 200


@pytest.mark.parametrize("path", ["/", "/teachmeets", "/teachmeets/1", "/teachmeets/1.ics",
                                  "/library", "/library?q=safety", "/library/1"])
async def test_pages_answer_404_when_not_public(path: str, database_url: str,
                                                clock: Any) -> None:
    settings = make_settings(web=WebSettings(public=False),
                             database={"url": database_url})
    app = App(settings, clock=clock)
    await app.open()
    try:
        async with serving(app) as server:
            status, headers, body = await fetch(server, path)
            assert status == 404 and headers["Cache-Control"] == "no-store"
            assert "Staffroom" not in body and "<html" not in body
            assert (await fetch(server, "/healthz"))[0] == 200
    finally:
        await app.close()


async def test_no_pages_when_the_web_is_off(database_url: str, clock: Any) -> None:
    app = App(make_settings(web=WebSettings(enabled=False), database={"url": database_url}),
              clock=clock)
    await app.open()
    try:
        async with serving(app) as server:
            assert (await fetch(server, "/"))[0] == 404
            assert (await fetch(server, "/static/web.css"))[0] == 404
    finally:
        await app.close()


async def test_the_library_ranks_like_pins_filters_by_tag_and_pages(
        app: App, chat: FakeAdapter) -> None:
    await seed(chat)
    for n in range(9):
        await say(chat, f"pin https://example.org/safety-{n} Safety lesson {n} #safety "
                        f"-- online safety for year {n + 3}", MODERATOR)
    async with app.db.sessions() as session:
        ranked = [p.title for p in await PinRepository(session).search("online safety",
                                                                      limit=50)]
    async with serving(app) as server:
        shown: list[str] = []
        path = "/library?q=online+safety"
        while path:
            body = (await fetch(server, path))[2]
            shown += re.findall(r'class="item-title"><a href="/library/\d+">([^<]+)<', body)
            following = re.search(r'href="([^"]+)" rel="next"', body)
            path = following.group(1).replace("&amp;", "&") if following else ""
        assert shown == ranked and len(shown) == 11
        tagged = (await fetch(server, "/library?tag=safety&tag=parents"))[2]
        assert re.findall(r'class="item-title"><a href="/library/\d+">([^<]+)<', tagged) == [
            "Online safety guide for parents"]
        first = (await fetch(server, "/library?tag=safety"))[2]
        assert "10 resources tagged #safety" in first and "Page 1 of 2" in first
        assert (await fetch(server, "/library?tag=safety&page=3"))[0] == 404
        assert (await fetch(server, "/library?page=abc"))[0] == 404
        odd = await fetch(server, "/library?tag=%3Cscript%3E&q=" + "x" * 2000)
        assert odd[0] == 200 and "<script>" not in odd[2]


async def test_teachmeets_by_region_paged_with_places_and_previews(
        app: App, chat: FakeAdapter) -> None:
    seeded = await seed(chat)
    for n in range(6):
        await say(chat, f'teachmeet create confirm=yes '
                        f'Wales meet {n} start="2026-12-{n + 1:02d} 16:00" '
                        "region=Wales", "ann")
    async with serving(app) as server:
        wales = (await fetch(server, "/teachmeets?region=wales"))[2]
        titles = re.findall(r'class="item-title"><a href="/teachmeets/\d+">([^<]+)<', wales)
        assert titles == ["Autumn TeachMeet", "Wales meet 0", "Wales meet 1", "Wales meet 2",
                          "Wales meet 3"]
        assert "7 teach-meets coming up in wales" in wales and 'rel="next"' in wales
        second = (await fetch(server, "/teachmeets?region=wales&page=2"))[2]
        assert re.findall(r'class="item-title"><a href="/teachmeets/\d+">([^<]+)<',
                          second) == ["Wales meet 4", "Wales meet 5"]
        assert "Digital leaders online" not in wales + second
        page = (await fetch(server, f"/teachmeets/{seeded.meet}"))[2]
        assert "36 places left of 40" in page and "4 going" in page
        assert '<meta property="og:title" content="Autumn TeachMeet">' in page
        assert re.search(r'property="og:description" content="Tue 17 Nov 2026, 16:00–18:00 '
                         r'GMT · Cardiff Central Library · Wales', page)
        assert 'name="twitter:card" content="summary"' in page
        assert f'href="/teachmeets/{seeded.meet}.ics"' in page
        assert 'href="/calendar/Wales.ics"' in page and 'href="/calendar.ics"' in page
        online = (await fetch(server, f"/teachmeets/{seeded.online_meet}"))[2]
        assert 'href="https://meet.example.org/dl"' in online
        await say(chat, f"teachmeet cancel {seeded.online_meet} Snowed in confirm=yes", "bob")
        cancelled = (await fetch(server, f"/teachmeets/{seeded.online_meet}"))[2]
        assert "This teach-meet has been cancelled: Snowed in" in cancelled
        ics = (await fetch(server, f"/teachmeets/{seeded.online_meet}.ics"))[2]
        assert "STATUS:CANCELLED" in ics
        assert (await fetch(server, "/teachmeets/99999999999"))[0] == 404
        assert (await fetch(server, "/teachmeets/12345"))[0] == 404
        assert (await fetch(server, "/library/12345"))[0] == 404


async def test_the_fullest_pages_stay_under_50_kb(app: App, chat: FakeAdapter) -> None:
    long = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 34
    for n in range(25):
        await say(chat, f"pin https://example.org/{'long-' * 50}{n} {'Long title ' * 17}{n} "
                        "#a #b #c #d #e #f #g #h #i #j -- " + long[:1990], MODERATOR)
    reply = await say(chat, f'teachmeet create confirm=yes '
                            f'{"Very long title " * 12} start="2026-11-17 '
                            '16:00" slots="50 nano" capacity=100 venue="' + "V" * 290 +
                      '" -- ' + long[:1990], "ann")
    meet = int(re.search(r"#(\d+)", reply).group(1))  # type: ignore[union-attr]
    for n in range(50):
        await say(chat, "privacy web on", f"p{n}")
        await say(chat, f"teachmeet present {meet} nano {'A talk about things ' * 9}{n}",
                  f"p{n}")
    async with serving(app) as server:
        for path in ("/", "/library", "/library?q=lorem", f"/teachmeets/{meet}",
                     "/teachmeets", "/library/1"):
            status, _, body = await fetch(server, path)
            assert status == 200 and len(body.encode()) < PAGE_LIMIT, (path, len(body))


async def test_a_space_id_of_the_test_platform_is_on_the_web(settings: Settings) -> None:
    assert settings.on_web("fake", SPACE) and not settings.on_web("fake", PRIVATE_SPACE)
    assert settings.on_web("console", "local")
