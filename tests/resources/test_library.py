"""The resource library through the core, on SQLite and PostgreSQL: publish, suggest,
approve, reject, unpin, edit, duplicates, browse and search, bad input."""

from __future__ import annotations

from bot.app import App
from bot.replies import Actions, Section
from bot.testing import FakeAdapter
from tests.resources.helpers import MOD, audit_rows, count_pins, listed, pin_row, pins

GUIDE = 'pin https://example.org/guide "Online safety guide" #safety #Parents -- for families'


async def test_moderator_pin_is_published_to_the_channel(app: App, chat: FakeAdapter) -> None:
    reply = await chat.say(GUIDE, user=MOD)
    assert not reply.is_error, reply.plain_text()
    assert reply.visibility == "channel"
    assert "Pinned to the resource library, on Test space's shelf" in reply.plain_text()
    [row] = await pins(app)
    assert (row.status, row.title, row.description) == ("published", "Online safety guide",
                                                        "for families")
    assert row.tags == ["safety", "parents"]
    assert row.published_at == chat.core.services.clock.now()
    [entry] = await audit_rows(app, "pin.publish")
    assert entry.actor == "fake:T-TEST:U-MOD" and entry.target == f"pin:{row.id}"
    assert entry.after["title"] == "Online safety guide" and entry.before is None
    assert listed(await chat.say("pins", user="anyone")) == ["Online safety guide"]


async def test_member_pin_becomes_a_suggestion(app: App, chat: FakeAdapter) -> None:
    reply = await chat.say("pin https://example.org/vle Moodle tips #vle", user="ann")
    assert not reply.is_error and reply.visibility == "private"
    assert "suggestion #1" in reply.plain_text() and "moderator will review" in reply.plain_text()
    [row] = await pins(app)
    assert row.status == "pending" and row.published_at is None
    assert (row.added_by_platform, row.added_by_space, row.added_by_user) == (
        "fake", "T-TEST", "ann")
    # not in the library, nor found by search, until approved
    assert listed(await chat.say("pins", user="bob")) == []
    assert listed(await chat.say("pins moodle", user="bob")) == []
    assert (await chat.say("pins show 1", user="bob")).is_error
    assert not (await chat.say("pins show 1", user="ann")).is_error  # the suggester may
    assert await audit_rows(app, "pin.publish") == []


async def test_queue_approve_and_the_suggester_is_told(app: App, chat: FakeAdapter) -> None:
    await chat.say("pin https://example.org/vle Moodle tips #vle", user="ann")
    queue = await chat.say("pins queue", user=MOD)
    assert listed(queue) == ["Moodle tips"]
    buttons = [b for block in queue.blocks for item in getattr(block, "items", ())
               for b in item.buttons]
    assert [(b.label, b.command, dict(b.args)) for b in buttons] == [
        ("Approve", "pins approve", {"id": 1}), ("Reject", "pins reject", {"id": 1})]

    approved = await chat.press("pins approve", {"id": 1}, user=MOD)
    assert not approved.is_error, approved.plain_text()
    row = await pin_row(app, 1)
    assert row.status == "published" and row.reviewed_by == "fake:T-TEST:U-MOD"
    [notice] = chat.sent_to("ann")
    assert "was approved" in notice.plain_text()
    assert listed(await chat.say("pins moodle", user="bob")) == ["Moodle tips"]
    [entry] = await audit_rows(app, "pin.approve")
    assert entry.before["status"] == "pending" and entry.after["status"] == "published"
    again = await chat.press("pins approve", {"id": 1}, user=MOD)
    assert again.is_error and "not waiting for review" in again.plain_text()
    assert listed(await chat.say("pins queue", user=MOD)) == []


async def test_reject_asks_for_a_reason_and_sends_it(app: App, chat: FakeAdapter) -> None:
    await chat.say("pin https://example.org/fad Fad of the week", user="ann")
    form_reply = await chat.press("pins reject", {"id": 1}, user=MOD)
    assert form_reply.form is not None and not form_reply.is_error
    assert form_reply.form.command == "pins reject"
    assert dict(form_reply.form.hidden) == {"id": 1}
    assert [f.name for f in form_reply.form.fields] == ["reason"]
    assert (await pin_row(app, 1)).status == "pending"  # asking changed nothing
    assert chat.sent == []

    done = await chat.press("pins reject", {**form_reply.form.hidden,
                                            "reason": "We already have a better guide"},
                            user=MOD)
    assert not done.is_error and "has been told" in done.plain_text()
    row = await pin_row(app, 1)
    assert row.status == "rejected" and row.reject_reason == "We already have a better guide"
    [notice] = chat.sent_to("ann")
    assert "We already have a better guide" in notice.plain_text()
    [entry] = await audit_rows(app, "pin.reject")
    assert entry.after["reason"] == "We already have a better guide"
    # a rejected resource may be suggested again later
    again = await chat.say("pin https://example.org/fad Fad, improved", user="ann")
    assert "suggestion #2" in again.plain_text()


async def test_typed_reject_with_reason(app: App, chat: FakeAdapter) -> None:
    await chat.say("pin https://example.org/x An example resource", user="ann")
    reply = await chat.say("pins reject 1 Off topic for this network", user=MOD)
    assert not reply.is_error
    assert (await pin_row(app, 1)).reject_reason == "Off topic for this network"


async def test_unpin_asks_for_confirmation(app: App, chat: FakeAdapter) -> None:
    await chat.say(GUIDE, user=MOD)
    ask = await chat.say("unpin 1", user=MOD)
    assert not ask.is_error and "Nothing has been changed" in ask.plain_text()
    [button] = [b for block in ask.blocks if isinstance(block, Actions) for b in block.buttons]
    assert button.style == "danger" and button.confirm
    assert (await pin_row(app, 1)).status == "published"

    done = await chat.press(button.command, dict(button.args), user=MOD)
    assert not done.is_error and "Removed #1" in done.plain_text()
    assert (await pin_row(app, 1)).status == "removed"
    assert listed(await chat.say("pins")) == []
    assert listed(await chat.say("pins safety")) == []
    [entry] = await audit_rows(app, "pin.unpin")
    assert entry.before["status"] == "published" and entry.after["status"] == "removed"
    gone = await chat.say("unpin 1 confirm=yes", user=MOD)
    assert gone.is_error and "not in the library" in gone.plain_text()
    # once unpinned, the resource can be pinned again
    assert (await chat.say(GUIDE, user=MOD)).visibility == "channel"


async def test_edit_fields_and_reindex(app: App, chat: FakeAdapter) -> None:
    await chat.say(GUIDE, user=MOD)
    reply = await chat.say('pins edit 1 title="Staying safe online" tags=esafety,families '
                           "url=https://example.org/safe -- updated for 2026", user=MOD)
    assert not reply.is_error, reply.plain_text()
    row = await pin_row(app, 1)
    assert row.title == "Staying safe online"
    assert row.tags == ["esafety", "families"]
    assert row.url == "https://example.org/safe"
    assert row.description == "updated for 2026"
    [entry] = await audit_rows(app, "pin.edit")
    assert entry.before["title"] == "Online safety guide"
    assert entry.after["title"] == "Staying safe online"
    assert listed(await chat.say("pins staying")) == ["Staying safe online"]
    assert listed(await chat.say("pins guide")) == []  # the old title is out of the index
    assert listed(await chat.say("pins #esafety")) == ["Staying safe online"]
    assert listed(await chat.say("pins #safety")) == []
    # the short form: new title words and #tags
    await chat.say("pins edit 1 Safe online #esafety", user=MOD)
    assert (await pin_row(app, 1)).title == "Safe online"
    nothing = await chat.say("pins edit 1", user=MOD)
    assert nothing.is_error and "Nothing to change" in nothing.plain_text()


async def test_edit_cannot_create_a_duplicate(app: App, chat: FakeAdapter) -> None:
    await chat.say(GUIDE, user=MOD)
    await chat.say("pin https://example.org/other Other", user=MOD)
    reply = await chat.say("pins edit 2 url=https://EXAMPLE.org/guide/?utm_source=x", user=MOD)
    assert reply.is_error and "already pin #1" in reply.plain_text()
    assert (await pin_row(app, 2)).url == "https://example.org/other"


async def test_duplicates_point_to_the_existing_pin(app: App, chat: FakeAdapter) -> None:
    await chat.say("pin https://example.org/guide?b=2&a=1 Guide", user=MOD)
    for variant in ("http://EXAMPLE.org/guide/?a=1&b=2&utm_source=news&fbclid=xyz",
                    "https://www.example.org:443/guide?a=1&b=2#top",
                    "https://example.org/guide/?gclid=1&a=1&mc_cid=2&b=2"):
        for user in ("ann", MOD):
            reply = await chat.say(f"pin {variant} Same thing again", user=user)
            assert not reply.is_error
            assert "already on Test space's shelf as #1" in reply.plain_text(), variant
            [show] = [b for block in reply.blocks if isinstance(block, Actions)
                      for b in block.buttons if b.label == "Show"]
            assert dict(show.args) == {"id": 1}
    assert await count_pins(app) == 1
    # a suggestion waiting for review is found as well
    await chat.say("pin https://example.org/new New one", user="ann")
    dup = await chat.say("pin https://example.org/new/ The same new one", user="bob")
    assert "already been suggested for Test space's shelf (#2" in dup.plain_text()
    assert await count_pins(app) == 2
    # different resources are not duplicates
    assert "suggestion #3" in (await chat.say("pin https://example.org/guide?a=2 Other",
                                              user="ann")).plain_text()


async def test_search_best_first_over_title_description_and_tags(chat: FakeAdapter) -> None:
    await chat.say("pin https://a.example/1 Chromebook rollout checklist #devices "
                   "-- planning a 1:1 chromebook rollout", user=MOD)
    await chat.say("pin https://a.example/2 Parent letters #comms -- templates", user=MOD)
    await chat.say("pin https://a.example/3 Device insurance #chromebooks", user=MOD)
    await chat.say("pin https://a.example/4 Micro:bit lessons #computing", user=MOD)
    assert listed(await chat.say("pins chromebook rollout")) == [
        "Chromebook rollout checklist", "Device insurance"]
    assert sorted(listed(await chat.say("pins chromebooks"))) == [
        "Chromebook rollout checklist", "Device insurance"]
    assert listed(await chat.say("pins templates")) == ["Parent letters"]
    assert listed(await chat.say("pins microbit")) == ["Micro:bit lessons"]
    assert listed(await chat.say("pins chromebook #devices")) == ["Chromebook rollout checklist"]
    assert listed(await chat.say("pins #nothing-here")) == []
    for hostile in ['"', "*", "NEAR(a b)", "') OR 1=1 --", "&|!", ":*", "a AND"]:
        reply = await chat.say(f"pins {hostile}")
        assert "went wrong" not in reply.plain_text(), hostile


async def test_browse_is_newest_first_with_pages(chat: FakeAdapter, clock) -> None:
    for n in range(1, 6):
        await chat.say(f"pin https://b.example/{n} Resource {n}", user=MOD)
        clock.advance(hours=1)
    first = await chat.say("pins")
    assert listed(first) == ["Resource 5", "Resource 4", "Resource 3"]  # page_size 3
    assert "Showing 1–3 of 5. Say `more` for the next page." in first.plain_text()
    [more] = [b for block in first.blocks if isinstance(block, Actions) for b in block.buttons]
    second = await chat.press(more.command, dict(more.args))
    assert listed(second) == ["Resource 2", "Resource 1"]
    assert "Showing 4–5 of 5." in second.plain_text()
    assert not [b for b in second.blocks if isinstance(b, Actions)]
    await chat.say("pins")
    typed = await chat.say("more")  # typed, as the button
    assert listed(typed) == ["Resource 2", "Resource 1"]
    assert listed(await chat.say("pins page=2")) == ["Resource 2", "Resource 1"]
    beyond = await chat.say("pins page=3")
    assert "There is no page 3: the list has 2 pages" in beyond.plain_text()
    # a search pages too, carrying its words to the next page
    found = await chat.say("pins resource")
    assert len(listed(found)) == 3 and "there are more" in found.plain_text()
    rest = await chat.say("more")
    assert len(listed(rest)) == 2 and "Showing 4–5 of 5." in rest.plain_text()


async def test_show_card(chat: FakeAdapter) -> None:
    await chat.say(GUIDE, user=MOD)
    member_view = await chat.say("pins show 1", user="ann")
    [card] = [b for b in member_view.blocks if isinstance(b, Section)]
    assert card.link == "https://example.org/guide" and not card.buttons
    [mod_card] = [b for b in (await chat.say("pins show 1", user=MOD)).blocks
                  if isinstance(b, Section)]
    assert [b.label for b in mod_card.buttons] == ["Unpin"]


async def test_bad_input_changes_nothing(app: App, chat: FakeAdapter) -> None:
    await chat.say(GUIDE, user=MOD)
    cases = {
        "pin notaurl A title": "must be a web address",
        "pin javascript:alert(1) Evil": "javascript:",
        "pin JavaScript:alert(1) Evil": "javascript:",
        "pin file:///etc/passwd Passwords": "file:",
        "pin data:text/html,<b>x</b> Data": "data:",
        "pin https:// No host": "no valid host",
        "pin https://user:pw@example.org/x Secret": "password",
        "pin https://example.org/x": "title is missing",
        "pin https://example.org/x " + "t" * 300: "at most 200",
        "pin https://example.org/x Title #bad|tag": "not a usable tag",
        "pins show 999": "no pin #999",
        "pins show abc": "whole number",
        "unpin 999": "no pin #999",
        "pins edit 999 New title": "no pin #999",
        "pins approve 999": "no pin #999",
        "pins reject 999 not for us": "no pin #999",
        "pins approve 1": "not waiting for review",
        "pins keep 1": "not flagged",
        "pins edit 1 url=javascript:alert(1)": "javascript:",
        "pins edit 1 x": "too short",
        "pins reject 1 Not good": "not waiting for review",
    }
    for text, expected in cases.items():
        reply = await chat.say(text, user=MOD)
        assert reply.is_error, text
        assert expected.lower() in reply.plain_text().lower(), (text, reply.plain_text())
    # a 10 kB title, typed or pressed as a form, is refused with a specific answer
    huge = "T" * 10_000
    typed = await chat.say(f"pin https://example.org/big {huge}", user="ann")
    assert typed.is_error and "too long" in typed.plain_text()
    pressed = await chat.press("pin", {"url": "https://example.org/big", "title": huge},
                               user=MOD)
    assert pressed.is_error and "at most 200 characters" in pressed.plain_text()
    assert pressed.field_errors.get("title")
    assert await count_pins(app) == 1
    row = await pin_row(app, 1)
    assert (row.status, row.title) == ("published", "Online safety guide")


async def test_a_rejection_the_suggester_cannot_receive_is_told_to_the_moderator(
        app: App, chat: FakeAdapter) -> None:
    await chat.say("pin https://example.org/fad Fad of the week", user="ann")
    chat.refused["ann"] = "Their account has been deactivated."
    done = await chat.say("pins reject 1 Off topic for this network", user=MOD)
    text = done.plain_text()
    assert done.tone == "warning" and "has been told" not in text
    assert ("I couldn't tell the member who suggested it why: Their account has been "
            "deactivated. Let them know yourself") in text
    assert (await pin_row(app, 1)).status == "rejected" and chat.sent == []
    # an approval they cannot receive is reported too
    await chat.say("pin https://example.org/ok A fine guide", user="bob")
    chat.refused["bob"] = "They don't accept direct messages."
    approved = await chat.say("pins approve 2", user=MOD)
    assert approved.tone == "warning"
    assert ("• the member who suggested it: They don't accept direct messages."
            in approved.plain_text())


async def test_an_address_without_its_scheme_is_completed(app: App, chat: FakeAdapter) -> None:
    reply = await chat.say("pin example.org/page A title", user=MOD)
    assert not reply.is_error, reply.plain_text()
    [row] = await pins(app)
    assert row.url == "https://example.org/page"
    www = await chat.say("pin www.example.net Another one", user=MOD)
    assert not www.is_error and (await pins(app))[1].url == "https://www.example.net/"
