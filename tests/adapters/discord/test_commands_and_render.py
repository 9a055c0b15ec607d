"""Generating application commands, custom_ids and rendering: no Discord needed."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import Field

from adapters.discord import custom_ids, render
from adapters.discord.commands import (
    BOOLEAN,
    INTEGER,
    NUMBER,
    STRING,
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
    SlashCommands,
    differences,
)
from adapters.discord.custom_ids import Target
from bot.commands import Arg, Args, Capability, Command, CommandRegistry
from bot.features import build_registry, capabilities
from bot.replies import (
    Actions,
    Attachment,
    Button,
    Form,
    FormField,
    ItemList,
    ListItem,
    Reply,
    Section,
    Text,
)
from bot.replies import Field as InfoField
from tests.adapters.discord.conftest import registry_for_tests

NAME = re.compile(r"^[-_'\w]{1,32}$")


async def _noop(ctx: Any, args: Any) -> Reply:
    return Reply()


class KitchenArgs(Args):
    title: Annotated[str, Arg(help="a title", rest=True), Field(min_length=2, max_length=80)]
    mode: Annotated[Literal["online", "in person"], Arg(help="where")] = "online"
    seats: Annotated[int | None, Arg(help="capacity"), Field(gt=0, le=500)] = None
    weight: Annotated[float, Arg(help="weight")] = 1.0
    public: Annotated[bool, Arg(help="listed?")] = True
    tags: Annotated[list[str], Arg(help="#tags", tags=True)] = Field(default_factory=list)
    region: Annotated[str, Arg(help="region", complete="regions")] = ""
    other: Annotated[str, Arg(help="no such source", complete="nothing")] = ""


def registry_with(*commands: Command) -> CommandRegistry:
    return CommandRegistry.from_capabilities([*capabilities(),
                                              Capability("extra", commands=list(commands))])


def check_payload(payload: list[dict[str, Any]]) -> None:
    """Discord's rules for a bulk overwrite."""
    assert len(payload) <= 100
    names = [c["name"] for c in payload]
    assert len(names) == len(set(names))
    for top in payload:
        _check(top, depth=0)


def _check(node: dict[str, Any], depth: int) -> None:
    assert NAME.fullmatch(node["name"]) and node["name"] == node["name"].lower(), node["name"]
    assert 1 <= len(node["description"]) <= 100
    options = node.get("options", [])
    assert len(options) <= 25
    subs = [o for o in options if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
    if subs:
        assert len(subs) == len(options), "sub-commands cannot sit beside plain options"
        for sub in subs:
            assert depth < 2 and (sub["type"] == SUB_COMMAND or depth == 0)
            _check(sub, depth + 1)
        return
    required = [o.get("required", False) for o in options]
    assert required == sorted(required, reverse=True), "required options come first"
    for o in options:
        assert NAME.fullmatch(o["name"]) and 1 <= len(o["description"]) <= 100
        assert not (o.get("choices") and o.get("autocomplete"))
        assert len(o.get("choices", [])) <= 25


def test_the_product_and_test_registries_make_valid_commands() -> None:
    for registry in (build_registry(), registry_for_tests()):
        check_payload(SlashCommands(registry).payload())


def test_groups_and_a_leaf_that_is_also_a_group_prefix() -> None:
    registry = registry_with(
        Command(name="shelf", summary="Browse the shelf.", handler=_noop),
        Command(name="shelf queue", summary="The moderation queue.", handler=_noop),
        Command(name="meetup create", summary="Create.", handler=_noop),
        Command(name="meetup rsvp going", summary="Going.", handler=_noop),
        Command(name="meetup rsvp maybe", summary="Maybe.", handler=_noop),
        Command(name="a b c d", summary="Four words.", handler=_noop),
        Command(name="secret", summary="Buttons only.", handler=_noop, hidden=True),
    )
    slash = SlashCommands(registry)
    assert ("done", "add") in slash.leaves and ("done",) not in slash.leaves  # alias "done"
    assert slash.leaves[("shelf", "show")].command.name == "shelf"
    assert slash.leaves[("shelf", "queue")].command.name == "shelf queue"
    assert slash.leaves[("meetup", "rsvp", "going")].command.name == "meetup rsvp going"
    assert slash.leaves[("a", "b", "c-d")].command.name == "a b c d"
    assert slash.for_command("secret") is None
    payload = slash.payload()
    check_payload(payload)
    meetup = next(c for c in payload if c["name"] == "meetup")
    assert {o["name"]: o["type"] for o in meetup["options"]} == {
        "create": SUB_COMMAND, "rsvp": SUB_COMMAND_GROUP}


def test_options_are_typed_from_the_args_model() -> None:
    registry = registry_with(Command(name="kitchen", summary="Everything.", handler=_noop,
                                     args=KitchenArgs))
    leaf = SlashCommands(registry).leaves[("kitchen",)]
    options = {o["name"]: o for o in leaf.payload(1)["options"]}
    assert next(iter(options)) == "title" and options["title"]["required"]
    assert options["title"] == {"type": STRING, "name": "title", "description": "a title",
                                     "required": True, "min_length": 2, "max_length": 80}
    assert options["mode"]["choices"] == [{"name": "online", "value": "online"},
                                          {"name": "in person", "value": "in person"}]
    assert options["seats"]["type"] == INTEGER and options["seats"]["min_value"] == 1
    assert options["seats"]["max_value"] == 500 and not options["seats"]["required"]
    assert options["weight"]["type"] == NUMBER and options["public"]["type"] == BOOLEAN
    assert options["tags"]["type"] == STRING and "commas" in options["tags"]["description"]
    assert options["region"]["autocomplete"] is True
    assert "autocomplete" not in options["other"]  # no source offered by any capability
    read = SlashCommands(registry).read({"name": "kitchen", "options": [
        {"name": "title", "type": 3, "value": "Camden TeachMeet"},
        {"name": "tags", "type": 3, "value": "#vr, ar  xr"},
        {"name": "region", "type": 3, "value": "Wa", "focused": True}]})
    assert read is not None
    assert read.args == {"title": "Camden TeachMeet", "tags": ["vr", "ar", "xr"],
                         "region": "Wa"}
    assert read.focused is not None and read.focused.complete == "regions"
    assert read.typed == "Wa"
    assert SlashCommands(registry).read({"name": "gone"}) is None


def test_drift_is_reported_by_command() -> None:
    wanted = SlashCommands(build_registry()).payload()
    assert differences(wanted, wanted) == []
    registered = [dict(c, id="1", version="2") for c in wanted if c["name"] != "help"]
    registered[0] = dict(registered[0], description="old words")
    registered.append({"name": "retired", "description": "x", "type": 1})
    assert differences(registered, wanted) == sorted([
        "/help missing", f"/{registered[0]['name']} changed", "/retired no longer exists"])


def test_duplicate_completion_sources_are_refused_at_start() -> None:
    from bot.commands import DuplicateCommandError

    async def source(ctx: Any, typed: str) -> list[str]:
        return []

    with pytest.raises(DuplicateCommandError):
        CommandRegistry.from_capabilities([*capabilities(), Capability(
            "again", completions={"regions": source})])


# -- custom_ids --------------------------------------------------------------------------------
_values = st.one_of(st.integers(-10**12, 10**12), st.text(max_size=30), st.booleans())


@given(st.sampled_from(["run", "confirm", "form"]),
       st.text(st.characters(blacklist_characters=":"), min_size=1, max_size=30),
       st.dictionaries(st.text(min_size=1, max_size=10), _values, max_size=4))
def test_custom_ids_round_trip_or_refuse_to_overflow(kind: Any, command: str,
                                                     args: dict[str, Any]) -> None:
    target = Target(kind, command, args)
    encoded = custom_ids.encode(target)
    packed = json.dumps(args, separators=(",", ":"), ensure_ascii=False) if args else ""
    if encoded is None:
        assert len(f"sr1:b:{command}:{packed}") > 100
        return
    assert len(encoded) <= 100 and custom_ids.is_ours(encoded)
    assert custom_ids.decode(encoded) == target


@given(st.text(max_size=120))
def test_decoding_anything_never_raises(raw: str) -> None:
    decoded = custom_ids.decode(raw)
    assert decoded is None or isinstance(decoded.args, dict)


# -- rendering ---------------------------------------------------------------------------------
def embed_chars(message: render.Message) -> int:
    total = 0
    for embed in message.embeds:
        data = embed.to_dict()
        total += len(data.get("title", "")) + len(data.get("description", ""))
        total += len(data.get("footer", {}).get("text", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in data.get("fields", []))
    return total


def test_huge_replies_fit_discord_limits() -> None:
    items = tuple(ListItem("x" * 300, "y" * 2000, buttons=(
        Button("Remove", "done remove", {"id": n}, confirm="sure?"),
        Button("Profile", "profile", {"member": f"m{n}"}))) for n in range(40))
    reply = Reply(blocks=(
        Text("t" * 5000), *(Section(f"s{n}", "z" * 100, fields=tuple(
            InfoField(f"f{i}", "v") for i in range(40))) for n in range(12)),
        ItemList(items, title="Lots")))
    message = render.render(reply)
    assert len(message.embeds) <= 10 and embed_chars(message) <= 6000
    assert all(len(e.fields) <= 25 for e in message.embeds)
    assert message.view is not None
    rows = message.view.to_components()
    assert len(rows) <= 5
    for row in rows:
        for c in row["components"]:
            assert len(c["custom_id"]) <= 100 and len(c.get("options", [])) <= 25
    values = [o["value"] for row in rows for c in row["components"] for o in c["options"]]
    assert len(values) == 80 and all(len(v) <= 100 for v in values)
    assert custom_ids.decode(values[0]) == Target("confirm", "done remove", {"id": 0})


def test_buttons_labels_and_styles() -> None:
    reply = Reply(blocks=(ItemList(tuple(ListItem(f"#{n} " + "long title " * 10, buttons=(
        Button("Remove", "done remove", {"id": n}, style="danger"),)) for n in range(3))),
        Actions((Button("Go", "help", style="primary"),))))
    rows = render.render(reply).view.to_components()  # type: ignore[union-attr]
    buttons = [c for row in rows for c in row["components"]]
    assert [b["style"] for b in buttons] == [4, 4, 4, 1]
    assert buttons[0]["label"].startswith("Remove: #0") and len(buttons[0]["label"]) <= 80
    assert buttons[3]["label"] == "Go"


def test_link_buttons_are_discord_link_buttons() -> None:
    page = "https://staffroom.example.org/library?q=safety"
    reply = Reply(blocks=(Actions((Button("More", "pins", {"page": 2}),
                                   Button("See all on the web", url=page))),))
    message = render.render(reply)
    buttons = [c for row in message.view.to_components()  # type: ignore[union-attr]
               for c in row["components"]]
    assert buttons[0]["style"] == 2 and buttons[0]["custom_id"]
    assert buttons[1]["style"] == 5 and buttons[1]["url"] == page
    assert buttons[1]["label"] == "See all on the web" and "custom_id" not in buttons[1]
    long = "https://staffroom.example.org/library?q=" + "x" * 600
    shown = render.render(Reply(blocks=(Actions((Button("Web", url=long),)),)))
    assert shown.view is None
    assert any(long in (e.description or "") for e in shown.embeds)
    many = Reply(blocks=(ItemList(tuple(ListItem(f"#{n}", buttons=(
        Button("Show", "pins show", {"id": n}), Button("Web", url=f"{page}&n={n}")))
        for n in range(20))),))
    crowded = render.render(many)
    assert any(f"{page}&n=19" in (e.description or "") for e in crowded.embeds)


def test_a_button_too_big_for_a_custom_id_becomes_a_typed_hint() -> None:
    reply = Reply(blocks=(Actions((Button("Look", "profile", {"member": "q" * 120}),)),))
    message = render.render(reply)
    assert message.view is None
    assert "profile member=" in message.embeds[-1].footer.text  # type: ignore[operator]


def test_tone_colours() -> None:
    assert render.render(Reply(blocks=(Text("ok"),), tone="success")).embeds[0].colour.value \
        == 0x57F287
    assert render.render(Reply(blocks=(Text("no"),), tone="error")).embeds[0].colour.value \
        == 0xED4245


def test_modals_keep_to_five_inputs_and_discord_lengths() -> None:
    fields = tuple(FormField(f"f{n}", "label " * 20, required=n % 2 == 0, max_length=9000,
                             initial="i" * 5000) for n in range(8))
    form = Form("A very long form title that goes on and on", "survey save", fields,
                hidden={"ref": 7})
    assert [len(p) for p in render.form_pages(form)] == [5, 3]
    pages = [render.modal(form, draft="tok", page=n, values={"f6": "typed"}) for n in (0, 1)]
    assert all(p is not None for p in pages)
    first, second = (p.to_dict() for p in pages if p is not None)
    assert custom_ids.decode(second["custom_id"]) == Target("page", "tok", {"p": 1})
    assert len(first["title"]) <= 45 and first["title"].endswith("(1/2)")
    inputs = [c for row in first["components"] for c in _flatten(row) if c.get("type") == 4]
    assert [i["custom_id"] for i in inputs] == ["f0", "f1", "f2", "f3", "f4"]
    assert all(i["max_length"] <= 4000 and len(i.get("value", "")) <= 4000 for i in inputs)
    rest = [c for row in second["components"] for c in _flatten(row) if c.get("type") == 4]
    assert [(i["custom_id"], i.get("value")) for i in rest] == [
        ("f5", None), ("f6", "typed"), ("f7", None)]  # 5,000 characters fit no box
    assert render.modal(Form("t", "survey save", fields, hidden={"x": "y" * 100})) is None


def _flatten(component: dict[str, Any]) -> list[dict[str, Any]]:
    out = [component]
    for child in component.get("components") or []:
        out += _flatten(child)
    if isinstance(component.get("component"), dict):
        out += _flatten(component["component"])
    return out


@given(st.recursive(st.dictionaries(st.sampled_from(["custom_id", "value", "type"]),
                                    st.text(max_size=5), max_size=3),
                    lambda inner: st.fixed_dictionaries({"components": st.lists(inner,
                                                                                max_size=3)}),
                    max_leaves=10))
def test_modal_values_are_read_from_any_nesting(component: dict[str, Any]) -> None:
    values = render.submitted([component])
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in values.items())


def test_attachments() -> None:
    message = render.render(Reply(attachment=Attachment("a.ics", b"BEGIN")))
    assert message.file is not None and message.file.filename == "a.ics"


def test_a_value_longer_than_its_box_is_never_sent_as_the_default() -> None:
    """Issue 12, item 4: the intro form pre-filled `learn` with up to 4,000 characters into
    a box of at most 2,000, so Discord refused the modal and imported members with long
    interests could never edit their profile. Discord requires value <= max_length <= 4000."""
    form = Form("Introduce yourself", "intro", (
        FormField("learn", "What you want to learn", kind="long_text", max_length=2000,
                  initial="i" * 3999),
        FormField("bio", "About you", kind="long_text", max_length=2000, initial="b" * 1500),
        FormField("name", "Name", required=True, max_length=120, initial="n" * 130)))
    modal = render.modal(form)
    assert modal is not None
    inputs = {c["custom_id"]: c for row in modal.to_dict()["components"]
              for c in _flatten(row) if c.get("type") == 4}
    for box in inputs.values():
        assert len(box.get("value") or "") <= box["max_length"] <= 4000
    assert "value" not in inputs["learn"] and inputs["learn"]["required"] is False
    assert inputs["learn"]["placeholder"].startswith("Too long to show here")
    assert inputs["bio"]["value"] == "b" * 1500  # what fits is shown as it is
    assert "value" not in inputs["name"] and inputs["name"]["required"] is False


def test_marked_words_are_bold_with_their_own_markdown_escaped() -> None:
    item = ListItem("Ann", "• Rolled out *Chromebooks* 1:1", marks=((2, 26),))
    [embed] = render.render(Reply(blocks=(ItemList((item,)),))).embeds
    assert embed.fields[0].value == "• **Rolled out \\*Chromebooks\\*** 1:1"
