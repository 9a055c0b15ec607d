"""Lessons in Slack: `/staffroom done ... worked=...`, the "Add what you learned" button
opening a modal of the three lessons, a too-long lesson shown inside the modal, and the
compact line with a button to read all in `whodone`."""

from __future__ import annotations

from sqlalchemy import select

from adapters.slack import SlackAdapter
from bot.app import App
from storage.models import DoneEntry
from storage.models.directory import LESSON_MAX
from tests.adapters.slack.blockkit import check_view, pressables
from tests.adapters.slack.fake_slack import FakeSlack, SlackClient
from tests.adapters.slack.test_http import ask


async def entry(app: App) -> DoneEntry:
    async with app.db.sessions() as session:
        [found] = list(await session.scalars(select(DoneEntry)))
    return found


async def test_lessons_by_slash_command_button_and_modal(
    app: App, slack: SlackAdapter, client: SlackClient, fake_slack: FakeSlack
) -> None:
    logged = await ask(client, slack, "done Set up a Moodle VLE for the trust", user="UANN")
    [add] = [
        e for e, _ in pressables(logged["blocks"]) if e["text"]["text"] == "Add what you learned"
    ]
    await client.press(add, user="UANN")
    await slack.idle()
    view = fake_slack.calls_to("views.open")[-1]["view"]
    check_view(view)
    boxes = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert list(boxes) == ["worked", "differently", "cost"]
    assert all(b["multiline"] and b["max_length"] == LESSON_MAX for b in boxes.values())

    too_long = await client.submit(view, {"worked": "w" * (LESSON_MAX + 1)}, user="UANN")
    answer = too_long.json()
    assert answer["response_action"] == "errors" and "at most 500" in answer["errors"]["worked"]
    assert (await entry(app)).worked == ""
    saved = await client.submit(
        view,
        {"worked": "A pilot class first", "differently": "Train the office staff too"},
        user="UANN",
    )
    assert saved.status == 200
    await slack.idle()
    found = await entry(app)
    assert (found.worked, found.differently) == (
        "A pilot class first",
        "Train the office staff too",
    )

    results = await ask(client, slack, "whodone moodle", user="UBOB")
    shown = str(results["blocks"])
    assert "Worked: A pilot class first" in shown
    [more] = [
        e
        for e, option in pressables(results["blocks"])
        if (option or e).get("text", {}).get("text", "").startswith("Lessons")
    ]
    assert more is not None
