"""The after-event invitations, "what I'll try" and pairing check-ins render within Slack's
and Discord's limits, with their longest titles, and every button stays pressable (on
Discord, a button whose target did not fit its custom_id would become typed text)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.discord import render as discord_render
from adapters.slack import render as slack_render
from bot.introductions.pairing import checkin_message, paused_message
from bot.replies import Actions, Reply
from bot.teachmeets.followups import (
    attendee_message,
    presenter_message,
    slides_form,
    try_form,
)
from storage.models import Member, PairingCheckin, TeachMeet, TeachMeetFollowup
from storage.models.teachmeets import TALK_TITLE_MAX, TITLE_MAX
from tests.adapters.discord import discord_limits
from tests.adapters.slack.blockkit import check_message, check_view, pings

WHEN = datetime(2026, 11, 10, 18, tzinfo=UTC)
TOKENS = "<!channel> @everyone <@U0BOSS> "


def _meet() -> TeachMeet:
    return TeachMeet(id=123456, title=(TOKENS + "T" * TITLE_MAX)[:TITLE_MAX])


def _invite(role: str) -> TeachMeetFollowup:
    return TeachMeetFollowup(id=9_876_543, teachmeet_id=123456, member_id=1, role=role,
                             sent_at=WHEN, expires_at=WHEN)


def messages() -> list[Reply]:
    talk = (TOKENS + "P" * TALK_TITLE_MAX)[:TALK_TITLE_MAX]
    others = [Member(id=n, name=(TOKENS + "N" * 120)[:120], handle=f"h{n}") for n in (2, 3)]
    checkin = PairingCheckin(id=9_876_543, match_id=1, member_id=1, asked_at=WHEN,
                             expires_at=WHEN)
    return [presenter_message(_invite("presenter"), _meet(), talk, "10 December 2026"),
            attendee_message(_invite("attendee"), _meet(), "10 December 2026"),
            checkin_message(checkin, others), paused_message(others[0])]


@pytest.mark.parametrize("reply", messages(), ids=["presenter", "attendee", "checkin",
                                                   "paused"])
def test_messages_fit_slack_and_discord(reply: Reply) -> None:
    check_message(slack_render.message(reply).as_dict())
    rendered = discord_render.render(reply)
    data: dict = {"embeds": [e.to_dict() for e in rendered.embeds]}
    if rendered.view is not None:
        data["components"] = rendered.view.to_components()
    assert discord_limits.message_problems(data) == []
    wanted = sum(len(b.buttons) for b in reply.blocks if isinstance(b, Actions))
    pressable = sum(len(row["components"]) for row in data.get("components", []))
    assert pressable == wanted
    assert discord_limits.pings(data) == []
    assert pings(slack_render.message(reply).as_dict()) == []


@pytest.mark.parametrize("form", [slides_form(9_876_543, "https://example.org/" + "s" * 1900),
                                  try_form(9_876_543, "x" * 500)], ids=["slides", "try"])
def test_forms_fit_slack_and_discord(form) -> None:
    check_view(slack_render.modal(form, {"ch": "C1"}))
    modal = discord_render.modal(form)
    assert modal is not None
    assert discord_limits.modal_problems(modal.to_dict()) == []
