"""The terminal's rendering: a link button shows its address, a command button its command."""

from __future__ import annotations

from adapters.console.render import render, render_delivery
from bot.notifier import Destination
from bot.replies import Actions, Button, ItemList, ListItem, Reply, Section


def test_link_buttons_show_the_address_to_open() -> None:
    page = "https://staffroom.example.org/teachmeets/3"
    reply = Reply(blocks=(
        Section("#3 Autumn TeachMeet", buttons=(Button("Going", "teachmeet rsvp",
                                                       {"id": 3, "answer": "going"}),
                                                Button("Details", url=page))),
        ItemList((ListItem("#4 Pin", buttons=(Button("Web", url=page + "?x=1"),)),)),
        Actions((Button("See all on the web", url="https://staffroom.example.org/library"),)),
    ))
    shown = render(reply)
    assert "[Going: teachmeet rsvp id=3 answer=going]" in shown
    assert f"[Details: {page}]" in shown
    assert f"[Web: {page}?x=1]" in shown
    assert "[See all on the web: https://staffroom.example.org/library]" in shown
    delivered = render_delivery(Destination("console", "local", user_id="me"), reply)
    assert f"[Details: {page}]" in delivered
