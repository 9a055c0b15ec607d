"""Local shelves: each space's own shelf and the network's, moderators scoped to their
shelf however a request arrives, promotion, duplicates across shelves, the digest per space
and the web library (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import App
from bot.digest import build_digest
from bot.replies import ItemList, Reply
from bot.settings import NetworkSettings, ResourcesSettings, Settings, SpaceSettings
from bot.testing import SPACE, FakeAdapter, FakeClock, make_settings
from storage.models import AuditEntry
from tests.introductions.helpers import buttons
from tests.resources.helpers import audit_rows, pin_row, pins
from tests.web.helpers import fetch, serving

WALES, PRIVATE = "T-WALES", "T-PRIVATE"
CAMDEN_MOD, WALES_MOD, NET_MOD = "U-MOD", "U-WMOD", "U-NET"


@pytest.fixture
def settings() -> Settings:
    return make_settings(
        spaces=[SpaceSettings(platform="fake", id=SPACE, name="Camden ed-tech", group="Camden",
                              announcements_channel="C-NEWS", moderators=[CAMDEN_MOD]),
                SpaceSettings(platform="fake", id=WALES, name="Wales server", group="Wales",
                              announcements_channel="C-WNEWS", moderators=[WALES_MOD],
                              moderator_groups=["R-WALES-MODS"]),
                SpaceSettings(platform="fake", id=PRIVATE, name="Staff only", web=False,
                              moderators=["U-PMOD"])],
        network=NetworkSettings(moderators=[f"fake:{SPACE}:{NET_MOD}"],
                                moderator_groups=[f"fake:{WALES}:R-NETWORK"]),
        resources=ResourcesSettings(page_size=10))


def lists(reply: Reply, *, numbered: bool = True) -> dict[str, list[str]]:
    """List titles -> the pin titles under each (without their "#id ")."""
    return {b.title: [i.title.split(" ", 1)[1] if numbered else i.title for i in b.items]
            for b in reply.blocks if isinstance(b, ItemList)}


async def ok(chat: FakeAdapter, text: str, user: str, **kw: object) -> Reply:
    reply = await chat.say(text, user=user, **kw)
    assert not reply.is_error, f"{text}: {reply.plain_text()}"
    return reply


async def test_each_space_sees_its_own_shelf_first_then_the_networks(
        app: App, chat: FakeAdapter) -> None:
    camden = await ok(chat, "pin https://example.org/camden Camden coding club #coding",
                      CAMDEN_MOD)
    assert "Pinned to the resource library, on Camden ed-tech's shelf" in camden.plain_text()
    await ok(chat, "pin https://example.org/wales Welsh coding resources #coding", WALES_MOD,
             space=WALES)
    net = await ok(chat, "pin https://example.org/net National coding guide #coding", NET_MOD)
    assert "on the network's shelf" in net.plain_text()
    here = await ok(chat, "pin https://example.org/local Camden-only notes shelf=here",
                    NET_MOD)
    assert "Camden ed-tech's shelf" in here.plain_text()

    shown = lists(await ok(chat, "pins", "ann"))
    newest = "Resource library (newest first) · "
    assert shown == {
        f"{newest}Camden ed-tech's shelf": ["Camden-only notes", "Camden coding club"],
        f"{newest}the network's shelf": ["National coding guide"]}
    assert lists(await ok(chat, "pins", "wyn", space=WALES)) == {
        f"{newest}Wales server's shelf": ["Welsh coding resources"],
        f"{newest}the network's shelf": ["National coding guide"]}
    found = lists(await ok(chat, "pins coding", "wyn", space=WALES))
    assert list(found.values()) == [["Welsh coding resources"], ["National coding guide"]]
    # the console has no space: it sees the network's shelf
    console = FakeAdapter(app.core, platform="console", space_id="local")
    assert list(lists(await console.say("pins", user="me")).values()) == [
        ["National coding guide"]]


async def test_moderators_reach_only_their_own_shelf_however_the_request_arrives(
        app: App, chat: FakeAdapter) -> None:
    await ok(chat, "pin https://example.org/w Welsh guide", WALES_MOD, space=WALES)
    await ok(chat, "pin https://example.org/n National guide", NET_MOD)
    await ok(chat, "pin https://example.org/s A Welsh suggestion", "wyn", space=WALES)
    welsh, national, suggestion = (p.id for p in await pins(app))
    before = [(p.id, p.status, p.title, p.shelf) for p in await pins(app)]
    attempts = [("pins edit {id} Changed title", {}), ("unpin {id} confirm=yes", {}),
                ("pins keep {id}", {})]
    for pin_id in (welsh, national):
        for text, _ in attempts:
            refused = await chat.say(text.format(id=pin_id), user=CAMDEN_MOD)
            assert refused.is_error and "only its moderators" in refused.plain_text(), text
        for command, args in (("unpin", {"id": pin_id, "confirm": True}),
                              ("pins edit", {"id": pin_id, "title": "Hijacked"})):
            pressed = await chat.press(command, args, user=CAMDEN_MOD)  # a hand-made payload
            assert pressed.is_error and "only its moderators" in pressed.plain_text()
    for command, args in (("pins approve", {"id": suggestion}),
                          ("pins reject", {"id": suggestion, "reason": "Not for us"})):
        pressed = await chat.press(command, args, user=CAMDEN_MOD)
        assert pressed.is_error and "Wales server's shelf" in pressed.plain_text()
    # a Welsh moderator, speaking from Camden, is no moderator there at all
    assert (await chat.say(f"unpin {welsh} confirm=yes", user=WALES_MOD)).is_error
    assert [(p.id, p.status, p.title, p.shelf) for p in await pins(app)] == before
    assert len([e for e in await audit_rows(app, "refused")]) >= 10

    # the queue shows each moderator their own shelf's suggestions
    camden_queue = await ok(chat, "pins queue", CAMDEN_MOD)
    assert "A Welsh suggestion" not in camden_queue.plain_text()
    wales_queue = await ok(chat, "pins queue", WALES_MOD, space=WALES)
    assert "A Welsh suggestion" in wales_queue.plain_text()
    # a role-based moderator of Wales approves it there
    approved = await ok(chat, f"pins approve {suggestion}", "wyn-mod", space=WALES,
                        roles=frozenset({"R-WALES-MODS"}))
    assert "Wales server's shelf" in approved.plain_text()
    # a network moderator (by role) may moderate every shelf
    await ok(chat, f"pins edit {welsh} Welsh guide, revised", "neta", space=WALES,
             roles=frozenset({"R-NETWORK"}))
    assert (await pin_row(app, welsh)).title == "Welsh guide, revised"
    await ok(chat, f"unpin {national} confirm=yes", NET_MOD)


async def test_duplicates_across_shelves_offer_promotion(app: App, chat: FakeAdapter) -> None:
    await ok(chat, "pin https://example.org/robots Robot lessons #robots", CAMDEN_MOD)
    [robots] = await pins(app)
    dup = await ok(chat, "pin https://example.org/robots/?utm_source=x Robots again",
                   "wyn", space=WALES)
    text = dup.plain_text()
    assert "already on Camden ed-tech's shelf as #1" in text and "propose it there" in text
    [propose] = [b for b in buttons(dup) if b.command == "pins promote"]
    assert propose.label == "Propose for the network" and dict(propose.args) == {"id": 1}
    assert len(await pins(app)) == 1

    asked = await chat.press("pins promote", {"id": robots.id}, user="wyn", space=WALES)
    assert "Proposed" in asked.plain_text()
    again = await chat.say(f"pins promote {robots.id}", user="wyn", space=WALES)
    assert again.is_error and "already been proposed" in again.plain_text()
    assert (await pin_row(app, robots.id)).shelf == ("fake", SPACE)
    # a space moderator can only propose, too
    assert "Proposed" not in (await chat.say("pins promote 1", user=CAMDEN_MOD)).plain_text()

    queue = await ok(chat, "pins queue", NET_MOD)
    assert "Proposed for the network's shelf" in queue.plain_text()
    assert "Robot lessons" in queue.plain_text()
    done = await ok(chat, f"pins promote {robots.id}", NET_MOD)
    assert "from Camden ed-tech's shelf to the network's shelf" in done.plain_text()
    row = await pin_row(app, robots.id)
    assert row.on_network_shelf and row.promoted_at is not None
    assert any("now on the network's shelf" in r.plain_text() for r in chat.sent_to("wyn"))
    assert "Robot lessons" in str(lists(await ok(chat, "pins", "wyn", space=WALES)))
    dup = await ok(chat, "pin https://example.org/robots Again", CAMDEN_MOD)
    assert "already on the network's shelf" in dup.plain_text()
    assert not [b for b in buttons(dup) if b.command == "pins promote"]
    assert [e.action for e in await audit_rows(app) if e.action.startswith("pin.promote")] == [
        "pin.promote-ask", "pin.promote"]


async def test_the_digest_of_each_space_has_its_shelf_and_network_highlights(
        app: App, chat: FakeAdapter, clock: FakeClock) -> None:
    since = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
    await ok(chat, "pin https://example.org/c Camden coding club", CAMDEN_MOD)
    await ok(chat, "pin https://example.org/w Welsh guide", WALES_MOD, space=WALES)
    await ok(chat, "pin https://example.org/n National guide", NET_MOD)
    clock.advance(days=1)
    await ok(chat, "pins promote 2", NET_MOD)  # the Welsh guide reaches the network
    until = datetime(2026, 11, 9, 0, 0, tzinfo=UTC)
    async with app.db.sessions() as session:
        camden = await build_digest(app.services, session, "fake", SPACE, since, until)
        wales = await build_digest(app.services, session, "fake", WALES, since, until)
    assert camden is not None and wales is not None
    highlights = {"Network highlights (2)": ["National guide", "Welsh guide"]}
    assert lists(camden, numbered=False) == {
        "New on Camden ed-tech's shelf (1)": ["Camden coding club"], **highlights}
    assert lists(wales, numbered=False) == highlights


async def test_the_web_library_shows_the_network_and_the_spaces_on_the_web(
        app: App, chat: FakeAdapter) -> None:
    await ok(chat, "pin https://example.org/c Camden coding club", CAMDEN_MOD)
    await ok(chat, "pin https://example.org/n National guide", NET_MOD)
    await ok(chat, "pin https://example.org/p Staff-only planning", "U-PMOD", space=PRIVATE)
    async with serving(app) as server:
        status, _, library = await fetch(server, "/library")
        assert status == 200
        assert "Camden coding club" in library and "National guide" in library
        assert "Staff-only planning" not in library
        assert (await fetch(server, "/library/3"))[0] == 404
        assert "Staff-only" not in (await fetch(server, "/library?q=planning"))[2]
        page = (await fetch(server, "/library/1"))[2]
        assert "Camden ed-tech&#39;s shelf" in page or "Camden ed-tech's shelf" in page
        assert "The network&#39;s shelf" in (await fetch(server, "/library/2"))[2]


async def test_refusals_are_audited_with_the_shelf(app: App, chat: FakeAdapter) -> None:
    await ok(chat, "pin https://example.org/n National guide", NET_MOD)
    await chat.say("unpin 1 confirm=yes", user=CAMDEN_MOD)
    [refused] = [e for e in await audit_rows(app) if e.action == "refused"]
    assert isinstance(refused, AuditEntry) and refused.target == "unpin"
    assert (await pin_row(app, 1)).status == "published"
