"""Introductions: profiles and intro cards, welcomes and one nudge, introducing two members,
double opt-in `meet` requests, peer pairing, and privacy (`privacy`, `mydata`, `forgetme`)."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.triggers.interval import IntervalTrigger

from bot.commands import Args, Capability, Command
from bot.introductions import introduce, meet, pairing, privacy, profiles, welcomes
from scheduled import Scheduler
from storage.repositories.introductions import (
    CHECKIN_KIND,
    MEET_EXPIRY_KIND,
    MEET_LATER_KIND,
    NUDGE_KIND,
    PAIRING_KIND,
)


def schedule(scheduler: Scheduler) -> None:
    scheduler.handle(NUDGE_KIND, welcomes.deliver_nudge, grace=timedelta(days=7))
    # An expiry must still be told to the asker after downtime, however late.
    scheduler.handle(MEET_EXPIRY_KIND, meet.expire, grace=timedelta(days=365))
    # a late reminder is still worth sending while the request is open (it checks that)
    scheduler.handle(MEET_LATER_KIND, meet.remind_later, grace=timedelta(days=60))
    scheduler.handle(PAIRING_KIND, pairing.run_round, grace=timedelta(days=3))
    # a late "Did you meet?" is still worth asking within the week it stays open
    scheduler.handle(CHECKIN_KIND, pairing.send_checkin, grace=pairing.CHECKIN_OPEN)
    scheduler.every("introductions-pairing-planner", IntervalTrigger(hours=1),
                    pairing.plan_round)


CAPABILITY = Capability(
    name="introductions",
    title="Introductions, meeting people and privacy",
    topics=("introductions", "meeting", "introducing", "pairing"),
    commands=[
        Command(name="intro", handler=profiles.intro, args=profiles.IntroArgs,
                aliases=("introduce myself",),
                summary="Introduce yourself: your profile and an intro card for the space.",
                usage='intro [name="..."] [role="..."] [organisation="..."] [region=...] '
                      '[bio="..."] [learn="...; ..."] [timezone=Europe/London]',
                description="With nothing after it, opens a form. Otherwise give the details "
                            "to change as key=value; quote values with spaces. `learn` lists "
                            "what you want to learn, separated by `;` or `,`.",
                examples=('intro name="Ceri Jones" role="Computing lead" region=Camden',
                          'intro learn="podcasting; VR in science" timezone=Europe/London')),
        Command(name="say-hello", handler=profiles.hello, args=profiles.HelloArgs, hidden=True,
                summary="Say hello to someone from their intro card."),
        Command(name="introduce", handler=introduce.introduce, args=introduce.IntroduceArgs,
                summary="Introduce two members to each other in one conversation.",
                usage="introduce <member> <member> [why]",
                examples=("introduce @ceri @sam both rolling out Chromebooks this term",
                          'introduce "Ceri Jones" @sam', "introduce me @sam")),
        Command(name="meet", handler=meet.meet, args=meet.MeetArgs,
                summary="Ask to be introduced to someone who has done something.",
                usage="meet <topic>",
                description="Pick one of the people who have done it; I ask them privately "
                            "and open a conversation only if they accept.",
                examples=("meet Chromebook rollout", "meet running a TeachMeet")),
        Command(name="meet-ask", handler=meet.ask, args=meet.AskArgs, hidden=True,
                summary="Send a meet request to one person."),
        Command(name="meet-answer", handler=meet.answer, args=meet.AnswerArgs, hidden=True,
                summary="Accept, decline or put off a meet request."),
        Command(name="meet requests", handler=meet.requests, args=meet.RequestsArgs,
                summary="Meet requests waiting for your answer, and yours still open.",
                usage="meet requests [page=N]", examples=("meet requests",)),
        Command(name="meet pause", handler=meet.pause, args=Args,
                summary="Stop receiving meet requests until you resume."),
        Command(name="meet resume", handler=meet.resume, args=Args,
                summary="Receive meet requests again."),
        Command(name="pairing", handler=pairing.pairing, args=pairing.PairingArgs,
                summary="Opt in to (or out of, or pause) peer pairing.",
                usage="pairing on|off|status|pause <until>",
                examples=("pairing on", "pairing pause 2027-01-31", "pairing off")),
        Command(name="pairing-checkin", handler=pairing.answer_checkin,
                args=pairing.CheckinArgs, hidden=True,
                summary="Answer a pairing check-in: did you meet?"),
        Command(name="privacy", handler=privacy.privacy, args=privacy.PrivacyArgs,
                summary="Choose who can find you: network, space or hidden.",
                usage="privacy [network|space|hidden]",
                examples=("privacy space", "privacy hidden")),
        Command(name="privacy web", handler=privacy.web_listing, args=privacy.WebListingArgs,
                summary="Choose whether your name may appear on the network's web pages.",
                usage="privacy web [on|off]",
                description="Off unless you turn it on, and it counts only while your "
                            "privacy is network: then your name appears next to talks you "
                            "give and teach-meets you organise on the public pages.",
                examples=("privacy web on", "privacy web off")),
        Command(name="mydata", handler=privacy.mydata, args=Args,
                summary="Get everything stored about you, as a JSON file."),
        Command(name="forgetme", handler=privacy.forgetme, args=privacy.ForgetArgs,
                summary="Delete everything stored about you (asks first).",
                usage="forgetme [confirm=yes]"),
    ],
    on_member_joined=[welcomes.on_member_joined],
    schedule=schedule,
    digest=profiles.digest,
    forget=privacy.forget_introductions,
    export=privacy.export_introductions,
)

__all__ = ["CAPABILITY"]
