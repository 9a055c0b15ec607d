"""Rendering without a network: encodings, Slack's limits, long lists, modals, field errors."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.slack import render
from bot.replies import (
    Button,
    Context,
    Field,
    Form,
    FormField,
    ItemList,
    ListItem,
    Reply,
    Section,
    Text,
    error,
)
from tests.adapters.slack.blockkit import check_message, check_view, pressables

scalars = st.one_of(st.integers(), st.text(max_size=40), st.booleans(), st.none())
words = st.text(min_size=1, max_size=30)


@given(command=words, args=st.dictionaries(st.text(max_size=12), scalars, max_size=5))
def test_action_encoding_round_trips(command: str, args: dict) -> None:
    value = render.encode_action(command, args)
    assert value.startswith(render.VERSION)
    assert render.decode_action(value) == (command, args)


@given(st.text(max_size=200))
def test_anything_else_decodes_to_nothing_or_a_command(value: str) -> None:
    decoded = render.decode_action(value)
    assert decoded is None or (isinstance(decoded[0], str) and isinstance(decoded[1], dict))
    assert render.decode_form(value) is None or value.startswith("1{")


def test_form_encoding_round_trips() -> None:
    form = Form("Intro", "intro save", (
        FormField("name", "Name", required=True, max_length=80, placeholder="Ann"),
        FormField("region", "Region", kind="choice", choices=(("w", "Wales"), ("k", "Kent")),
                  initial="k")), submit_label="Post", hidden={"id": 3})
    assert render.decode_form(render.encode_form(form)) == form


@given(st.text(max_size=300))
def test_escape_leaves_no_control_brackets_but_keeps_links(text: str) -> None:
    shown = render.escape(text)
    stripped = render._KEEP.sub("", shown)
    assert "<" not in stripped and ">" not in stripped
    assert render.escape("see <https://example.org> & <@U123>, not <!channel>") == (
        "see <https://example.org> &amp; &lt;@U123&gt;, not &lt;!channel&gt;")
    assert render.escape("@channel @Here @everyone, me@here.org") == (
        "@\u2060channel @\u2060Here @\u2060everyone, me@here.org")
    assert render.escape("<https://evil.example|your bank>") == (
        "&lt;https://evil.example|your bank&gt;")


blocks = st.lists(st.one_of(
    st.builds(Text, st.text(max_size=5000)),
    st.builds(Context, st.text(max_size=4000)),
    st.builds(Section, title=st.text(max_size=300), text=st.text(max_size=4000),
              fields=st.lists(st.builds(Field, st.text(min_size=1, max_size=50),
                                        st.text(min_size=1, max_size=3000), st.booleans()),
                              max_size=25).map(tuple),
              buttons=st.lists(st.builds(Button, st.text(min_size=1, max_size=120), words),
                               max_size=30).map(tuple)),
    st.builds(ItemList, st.lists(st.builds(
        ListItem, st.text(max_size=200), st.text(max_size=500),
        st.lists(st.builds(Button, st.text(min_size=1, max_size=90), words,
                           st.fixed_dictionaries({"id": st.integers()}),
                           st.sampled_from(["default", "primary", "danger"]),
                           st.text(max_size=400)), max_size=6).map(tuple)),
        max_size=30).map(tuple), st.text(max_size=100)),
), max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocks)
def test_any_reply_fits_slack_limits(parts: list) -> None:
    message = render.message(Reply(blocks=tuple(parts))).as_dict()
    check_message(message)
    assert len(message["text"]) <= render.MAX_FALLBACK_TEXT


def test_long_lists_become_menus() -> None:
    items = tuple(ListItem(f"Person {n}", "did things", buttons=(
        Button("Profile", "profile", {"member": f"p{n}"}),
        Button("Remove", "done remove", {"id": n}, style="danger", confirm="Sure?")))
        for n in range(30))
    message = render.message(Reply(blocks=(ItemList(items, title="People"),))).as_dict()
    check_message(message)
    selects = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [s["type"] for s in selects] == ["static_select", "static_select"]
    assert [s["placeholder"]["text"] for s in selects] == ["Profile…", "Remove…"]
    assert len(selects[0]["options"]) == 30 and "confirm" in selects[1]
    assert render.decode_action(selects[1]["options"][4]["value"]) == (
        "done remove", {"id": 4})
    short = render.message(Reply(blocks=(ItemList(items[:3]),))).as_dict()
    kinds = [b.get("accessory", {}).get("type") for b in short["blocks"]]
    assert "static_select" not in kinds and len(list(pressables(short["blocks"]))) == 6


def test_few_plain_actions_share_an_overflow_menu() -> None:
    item = ListItem("Event", buttons=(Button("Going", "rsvp", {"id": 1, "answer": "going"}),
                                      Button("Maybe", "rsvp", {"id": 1, "answer": "maybe"})))
    message = render.message(Reply(blocks=(ItemList((item,)),))).as_dict()
    assert message["blocks"][0]["accessory"]["type"] == "overflow"


def test_link_buttons_open_the_page_and_never_share_a_menu() -> None:
    page = "https://staffroom.example.org/teachmeets/3"
    reply = Reply(blocks=(Section("Event", buttons=(
        Button("Going", "rsvp", {"id": 3}), Button("Details", url=page))),
        ItemList((ListItem("Event", buttons=(Button("Show", "show", {"id": 3}),
                                             Button("Details", url=page))),))))
    message = render.message(reply).as_dict()
    check_message(message)
    buttons = [e for e, _ in pressables(message["blocks"])]
    links = [b for b in buttons if "url" in b]
    assert len(links) == 2 and all(b["url"] == page and "value" not in b for b in links)
    assert all(b["action_id"].startswith("sr1:u:") for b in links)
    assert not any(b["type"] == "overflow" for b in buttons)
    too_long = Button("Details", url="https://example.org/" + "x" * 3000)
    assert render.link_button(too_long, render._Ids()) is None
    items = tuple(ListItem(f"Event {n}", buttons=(Button("Show", "show", {"id": n}),
                                                  Button("Details", url=f"{page}?n={n}")))
                  for n in range(12))
    long = render.message(Reply(blocks=(ItemList(items),))).as_dict()
    check_message(long)
    assert f"<{page}?n=11|Details>" in json.dumps(long["blocks"])
    menus = [e for b in long["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [m["placeholder"]["text"] for m in menus] == ["Show…"]


def test_sections_fields_and_tone() -> None:
    reply = Reply(blocks=(Section("Ann", "Bio", fields=(
        Field("Role", "Teacher"), Field("Long", "x", inline=False)), footer="small",
        buttons=(Button("Go", "help"),), link="https://example.org"),), tone="success")
    blocks = render.message(reply).as_dict()["blocks"]
    assert blocks[0]["text"]["text"].startswith(":white_check_mark: *<https://example.org|Ann>*")
    assert blocks[0]["fields"] == [{"type": "mrkdwn", "text": "*Role*\nTeacher"}]
    assert [b["type"] for b in blocks] == ["section", "context", "actions"]


def test_too_many_blocks_are_cut_with_a_note() -> None:
    message = render.message(Reply(blocks=tuple(Text(f"line {n}") for n in range(80))))
    assert len(message.blocks) == 50 and "31 more parts" in json.dumps(message.blocks[-1])


def test_modal_values_and_errors() -> None:
    form = Form("Survey", "survey save", (FormField("name", "Name", required=True),
                                          FormField("size", "Size", kind="number")),
                hidden={"ref": 2})
    view = render.modal(form, {"ch": "C1"})
    check_view(view)
    meta = render.read_metadata(view)
    assert meta == {"v": 1, "c": "survey save", "h": {"ref": 2}, "ch": "C1"}
    state = {"values": {"name": {"value": {"type": "plain_text_input", "value": "Ann"}},
                        "size": {"value": {"type": "number_input", "value": None}}}}
    assert render.submitted_values({**view, "state": state}) == {"name": "Ann"}
    assert render.form_errors(error("bad", size="too big", ref="nope"), view) == {
        "size": "too big", "name": "ref: nope"}
    assert render.form_errors(error("Only moderators can."), view) == {
        "name": "Only moderators can."}
    assert render.form_errors(Reply(), view) == {}
    assert render.read_metadata({"private_metadata": '{"v": 9, "c": "x"}'}) is None


def test_marked_words_are_bold_and_everything_still_escaped() -> None:
    text = "• Rolled out <Chromebooks> & *laptops*"
    item = ListItem("Ann", text, marks=((2, 12), (13, 26)))
    rendered = json.dumps(render.message(Reply(blocks=(ItemList((item,)),))).blocks)
    assert "*Rolled out*" in rendered
    assert "*&lt;Chromebooks&gt;*" in rendered
    assert "&amp; *laptops*" in rendered  # unmarked text unchanged but escaped
    assert "<Chromebooks>" not in rendered
