"""How members ask, in their own words: each intent's list of phrasings (as people type
them: typos, run-on punctuation, greetings in front) reaches the right command with the
right arguments; what no intent covers is left alone, or offered the closest commands."""

from __future__ import annotations

import pytest

from bot.asking.commands import topic_of
from bot.commands import CommandRegistry
from bot.expertise.commands import tidy_query
from bot.features import build_registry, capabilities
from bot.grammar import GrammarError, parse, strip_mention
from bot.intents import INTENTS, suggestions

REGISTRY = build_registry()

ASK_ANYONE = [
    ("anyone know about podcasts?", "podcasts"),
    ("Anyone know anything about Seesaw?", "Seesaw"),
    ("does anyone know much about GDPR for schools", "GDPR for schools"),
    ("Does anybody know about Google Workspace admin?", "Google Workspace admin"),
    ("can anyone help with SIMS?", "SIMS"),
    ("Can anyone help me with Arbor reports please", "Arbor reports"),
    ("could anybody help with setting up Intune?", "setting up Intune"),
    ("can any one help with microbits", "microbits"),
    ("does anyone have experience of Seesaw in KS1", "Seesaw in KS1"),
    ("Does anyone have any experience with Minecraft Education?", "Minecraft Education"),
    ("anyone got experience with iPads in EYFS?", "iPads in EYFS"),
    ("has anybody used Google Classroom?", "Google Classroom"),
    ("Has anyone ever used Padlet with year 6?", "Padlet with year 6"),
    ("has any1 tried Oak National?", "Oak National"),
    ("Anyone tried ClassDojo??", "ClassDojo"),
    ("anyone using Sora for reading", "Sora for reading"),
    ("is anyone using Teams for homework?", "Teams for homework"),
    ("Is there anyone who knows about accessibility tools", "accessibility tools"),
    ("who knows about 3D printing?", "3D printing"),
    ("who can help with a VLE migration", "VLE migration"),
    ("any tips on running a code club?", "running a code club"),
    ("Does anyone have any advice on BYOD policies?", "BYOD policies"),
    ("looking for someone who has done a Chromebook rollout", "Chromebook rollout"),
    ("I need help with Scratch", "Scratch"),
    ("anyone familiar with LGfL resources?", "LGfL resources"),
    ("Quick question - anyone know about cyber security training for staff?",
     "cyber security training for staff"),
    ("hi all, has anyone rolled out Microsoft 365 to pupils?", "Microsoft 365 to pupils"),
    ("Anyone had experiance with Kahoot in assemblies??", "Kahoot in assemblies"),
    ("does any body know abt e-safety?", "e-safety"),
    ("can some one help w/ the new DfE filtering standards",
     "new DfE filtering standards"),
    ("Has anybody implemented Bromcom?", "Bromcom"),
    ("who has experience with flipped learning", "flipped learning"),
    ("Anyone good with Excel?", "Excel"),
    ("any advice re: parent comms apps?", "parent comms apps"),
    ("Does anyone here know about the Welsh Hwb platform?", "Welsh Hwb platform"),
    ("can anyone point me in the right direction with safeguarding software",
     "safeguarding software"),
    ("Anybody set up a Raspberry Pi lab?", "Raspberry Pi lab"),
    ("Can anyone advise on moving from RM to Google?", "moving from RM to Google"),
    ("anyone out there know anything about Lego Spike", "Lego Spike"),
    ("Has anyone got any experiance of teaching touch typing", "teaching touch typing"),
    ("does anyone have any tips for managing Apple Classroom?", "managing Apple Classroom"),
    ("Sorry, does anyone know about AI marking tools?", "AI marking tools"),
    ("anyone with experience of Clicker 8?", "Clicker 8"),
    ("has someone already trialled Century Tech", "Century Tech"),
    ("Can anybody give me some advice on MIS migration", "MIS migration"),
    ("Does anyone knows about sway", "sway"),
    ("anyone expereince with Purple Mash?", "Purple Mash"),
    ("hey folks - anybody tried Bedrock Vocab???", "Bedrock Vocab"),
    ("@Staffroom can anyone help with Tapestry", "Tapestry"),
    ("<@U0BOT> has anyone used Mathletics in Wales?", "Mathletics in Wales"),
]

MY_PROFILE = ["my profile", "My profile?", "show my profile", "show me my profile please",
              "view my profile", "what's on my profile", "my details", "Can I see my profile?",
              "who am I?", "what do you know about me", "pull up my profile", "my info",
              "My Profile.", "show me my details", "see my profile"]

EDIT_PROFILE = ["edit my profile", "update my profile", "how do I update my details?",
                "change my bio", "I want to edit my profile", "Update my profile please",
                "fix my details", "how can I change my profile?"]

RSVP = [
    ("RSVP 1 yes", "1", "yes"), ("rsvp #3 going", "3", "going"), ("RSVP 12 maybe", "12", "maybe"),
    ("rsvp 4 no", "4", "no"), ("rsvp to 5 yes", "5", "yes"), ("rsvp yes to 7", "7", "yes"),
    ("RSVP: 2 - yes!", "2", "yes"), ("rsvp for teachmeet 9 not going", "9", "not going"),
    ("I'm going to 3", "3", "going"), ("count me in for #4", "4", "going"),
    ("sign me up for teachmeet 6", "6", "going"), ("I can't make 2 after all", "2", "not going"),
    ("can't come to teachmeet 9, sorry", "9", "not going"), ("I might come to 5", "5", "maybe"),
    ("maybe for 8", "8", "maybe"), ("Rsvp 10 Y", "10", "Y"), ("i'll be there 11", "11", "going"),
    ("book me in for 12 please", "12", "going"), ("I cannot attend #13", "13", "not going"),
]

MEET_REQUESTS = ["meet requests", "my meet requests", "any requests for me?",
                 "show my meet requests", "do I have any requests?", "who wants to meet me?",
                 "pending requests", "have I got any new requests", "Meet requests?",
                 "any new meet requests", "check my requests", "has anyone asked to meet me"]

UPCOMING = ["any teachmeets coming up?", "upcoming teachmeets", "what's on?",
            "when is the next teach meet?", "are there any teach-meets this term",
            "next teachmeet", "whats coming up", "Any TeachMeets soon?",
            "what's happening this week", "show me upcoming teachmeets"]

RESOURCES = [
    ("any resources on online safety?", "online safety"),
    ("looking for resources about phonics apps", "phonics apps"),
    ("got any links on AI in education?", "AI in education"),
    ("find resources for KS3 computing", "KS3 computing"),
    ("good guides on GDPR?", "GDPR"),
    ("Are there any resources about digital leaders", "digital leaders"),
    ("any useful links for parents about screen time", "parents about screen time"),
]

HELLO = ["hello", "hi", "Hi!", "hey", "hiya", "Hello there", "hi staffroom", "hey bot",
         "good morning", "Morning!", "hello?", "hey there :)", "yo", "howdy",
         "what can you do?", "how does this work", "where do I start?", "I'm new here",
         "helo", "hii", "Hello, how are you?", "hi everyone", "who are you?", "Good afternoon!",
         "@Staffroom hi", "heyyy", "what do you do?", "Hi there, how's it going?"]

THANKS = ["thanks", "thank you", "Thanks!", "thx", "ty", "cheers", "ta", "many thanks",
          "thanks a lot", "thank you so much!", "brilliant, thanks", "great thanks",
          "perfect, thank you", "cheers mate", "Thanks, that's really helpful",
          "much appreciated", "nice one", "thank u", "thanks again!", "diolch", "Ta very much",
          "ok thanks", "Thanks so much :)", "thankyou", "thank you!!", "cool, cheers"]


def routed(text: str) -> tuple[str, dict[str, str]]:
    parsed = parse(REGISTRY, strip_mention(text))
    return parsed.command.name, parsed.args


@pytest.mark.parametrize(("text", "topic"), ASK_ANYONE)
def test_asking_anyone_asks_the_network_about_the_topic(text: str, topic: str) -> None:
    name, args = routed(text)
    if name == "whodone":  # whodone's own "has anyone used X" pattern is read first
        assert tidy_query(args["query"]) == topic
        return
    assert name == "ask preview", (text, name, args)  # confirmed before anyone is asked
    assert args["question"] == strip_mention(text).strip()
    assert topic_of(REGISTRY, args["question"]) == topic


@pytest.mark.parametrize("text", MY_PROFILE)
def test_my_profile(text: str) -> None:
    assert routed(text) == ("profile", {}), text


@pytest.mark.parametrize("text", EDIT_PROFILE)
def test_editing_my_profile_opens_the_intro_form(text: str) -> None:
    assert routed(text) == ("intro", {}), text


@pytest.mark.parametrize(("text", "meet", "answer"), RSVP)
def test_rsvp(text: str, meet: str, answer: str) -> None:
    name, args = routed(text)
    assert name == "teachmeet rsvp", (text, name, args)
    assert args == {"id": meet, "answer": answer}
    command = REGISTRY.get("teachmeet rsvp")
    assert command is not None
    command.args.model_validate(args)  # every answer people give is one the command takes


@pytest.mark.parametrize("text", MEET_REQUESTS)
def test_meet_requests(text: str) -> None:
    assert routed(text) == ("meet requests", {}), text


@pytest.mark.parametrize("text", UPCOMING)
def test_upcoming_teachmeets(text: str) -> None:
    assert routed(text)[0] == "teachmeet list", text


@pytest.mark.parametrize(("text", "query"), RESOURCES)
def test_finding_resources(text: str, query: str) -> None:
    assert routed(text) == ("pins", {"query": query}), text


@pytest.mark.parametrize("text", HELLO)
def test_hello(text: str) -> None:
    assert routed(text)[0] == "hello", text


@pytest.mark.parametrize("text", THANKS)
def test_thanks(text: str) -> None:
    assert routed(text)[0] == "thanks", text


@pytest.mark.parametrize(("text", "command"), [
    ("done Ran a coding club with year 5", "done add"),
    ("whodone chromebooks in Wales", "whodone"),
    ("who's done a chromebook rollout?", "whodone"),
    ("meet chromebook rollout", "meet"),
    ("profile @sam", "profile"),
    ("pins online safety", "pins"),
    ("help teachmeets", "help"),
])
def test_commands_stay_commands(text: str, command: str) -> None:
    assert routed(text)[0] == command


@pytest.mark.parametrize("text", [
    "my profile is out of date because", "anyone", "can anyone", "thanks for nothing at all "
    "you useless thing", "hello world program in python for year 9", "rsvp", "yes", "2",
    "tell me a joke", "the weather in Cardiff"])
def test_what_no_intent_covers_is_not_guessed(text: str) -> None:
    with pytest.raises(GrammarError):
        parse(REGISTRY, text)


def test_anyone_asks_goes_to_whodone_without_the_asking_capability() -> None:
    registry = CommandRegistry.from_capabilities(
        [c for c in capabilities() if c.name != "asking"])
    parsed = parse(registry, "can anyone help with SIMS?")
    assert parsed.command.name == "whodone"
    assert tidy_query(parsed.args["query"]) == "SIMS"


def test_every_intent_routes_to_a_registered_command() -> None:
    for intent in INTENTS:
        assert intent.route(REGISTRY) is not None, intent.name


@pytest.mark.parametrize(("text", "expected"), [
    ("whodon chromebooks", "whodone chromebooks"),
    ("teachmet list", "teachmeet list"),
    ("pinz", "pins"),
    ("calender file for the teachmeet", "teachmeet ics"),
    ("delete my data", "forgetme"),
    ("chromebooks", "whodone chromebooks"),
])
def test_unknown_input_suggests_the_closest_commands(text: str, expected: str) -> None:
    assert expected in suggestions(REGISTRY, text), (text, suggestions(REGISTRY, text))
