"""`intro`, intro cards, "Say hello" and the digest section."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.commands import DigestRequest
from bot.introductions import CAPABILITY
from bot.replies import ItemList
from bot.testing import SPACE, FakeAdapter
from storage.models import Interest, Member
from tests.introductions.helpers import buttons, count, member, sent_texts


async def test_intro_without_arguments_is_a_form(app, chat: FakeAdapter) -> None:
    reply = await chat.say("intro", user="ann")
    assert reply.form is not None and reply.form.command == "intro"
    assert [f.name for f in reply.form.fields] == [
        "name", "role", "organisation", "region", "bio", "learn", "timezone"]
    assert (await member(app, "ann")).introduced_at is None
    assert chat.sent == []


async def test_intro_saves_profile_and_posts_card(app, chat: FakeAdapter, clock) -> None:
    await chat.say("done Rolled out Chromebooks 1:1 in year 7", user="ann")
    reply = await chat.say('intro name="Ann Jones" role="Computing lead" organisation='
                           '"Camden Council" region=Camden bio="Ten years in schools" '
                           'learn="podcasting; VR in science" timezone=Europe/London',
                           user="ann")
    assert not reply.is_error, reply.plain_text()
    ann = await member(app, "ann")
    assert (ann.name, ann.role, ann.organisation, ann.region, ann.timezone) == (
        "Ann Jones", "Computing lead", "Camden Council", "Camden", "Europe/London")
    assert ann.introduced_at == clock.now()
    async with app.db.sessions() as session:
        learn = list(await session.scalars(select(Interest.text).where(
            Interest.member_id == ann.id).order_by(Interest.id)))
    assert learn == ["podcasting", "VR in science"]
    [(destination, card)] = chat.sent
    assert destination.channel_id == "C-INTROS" and card.visibility == "channel"
    text = card.plain_text()
    for expected in ("Ann Jones", "Computing lead", "Chromebooks 1:1", "podcasting",
                     "VR in science"):
        assert expected in text
    assert [(b.label, b.command, dict(b.args)) for b in buttons(card)] == [
        ("Say hello", "say-hello", {"member": "ann"})]


async def test_form_submission_replaces_fields(app, chat: FakeAdapter) -> None:
    await chat.say('intro name="Ann Jones" learn="a; b"', user="ann")
    reply = await chat.press("intro", {"name": "Ann J", "role": "", "organisation": "",
                                       "region": "Kent", "bio": "", "learn": "c\nd",
                                       "timezone": ""}, user="ann")
    assert not reply.is_error, reply.plain_text()
    ann = await member(app, "ann")
    assert (ann.name, ann.region) == ("Ann J", "Kent")
    assert await count(app, Interest) == 2
    assert "updated" in reply.plain_text()


async def test_bad_intro_input_changes_nothing(app, chat: FakeAdapter) -> None:
    await chat.say("intro name=Ann", user="ann")
    cases = {
        "intro timezone=Mars/Olympus": "not a known time zone",
        "intro timezone=../../etc/passwd": "not a known time zone",
        "intro Ann Jones": "key=value",
        'intro name=""': "too short",
        "intro learn=" + ";".join(f"t{i}" for i in range(12)): "at most 10",
        "intro bio=" + "x" * 2100: "too long",
    }
    before = await member(app, "ann")
    for text, expected in cases.items():
        reply = await chat.say(text, user="ann")
        assert reply.is_error, text
        assert expected in reply.plain_text(), (text, reply.plain_text())
    after = await member(app, "ann")
    assert (after.name, after.timezone, after.bio) == (before.name, before.timezone, before.bio)


async def test_hidden_member_gets_no_card(app, chat: FakeAdapter) -> None:
    await chat.say("privacy hidden", user="ann")
    reply = await chat.say("intro name=Ann", user="ann")
    assert "hidden" in reply.plain_text()
    assert sent_texts(chat, channel="C-INTROS") == []


async def test_space_without_channel_returns_the_card(chat: FakeAdapter) -> None:
    reply = await chat.say("intro name=Ann", user="ann", space="T-ELSEWHERE")
    assert "no introductions channel" in reply.plain_text()
    assert "Say hello" in reply.plain_text()
    assert chat.sent == []


async def test_say_hello_connects_both(app, chat: FakeAdapter) -> None:
    await chat.say("intro name=Ann", user="ann")
    chat.sent.clear()
    reply = await chat.press("say-hello", {"member": "ann"}, user="bob")
    assert not reply.is_error, reply.plain_text()
    assert chat.groups == [(SPACE, ["bob", "ann"])]
    assert "says hello" in chat.sent[0][1].plain_text()
    own = await chat.press("say-hello", {"member": "ann"}, user="ann")
    assert own.is_error and "your own card" in own.plain_text()
    await chat.say("privacy hidden", user="ann")
    hidden = await chat.press("say-hello", {"member": "ann"}, user="bob")
    assert hidden.is_error and "can't find" in hidden.plain_text()


async def test_digest_lists_new_intros_but_not_hidden(app, chat: FakeAdapter, clock) -> None:
    since = clock.now()
    await chat.say('intro name="Ann Jones" learn=podcasting', user="ann")
    await chat.say("intro name=Bob", user="bob")
    await chat.say("privacy hidden", user="bob")
    clock.advance(days=1)
    await chat.say("intro name=Cat", user="cat", space="T-OTHER")
    async with app.db.sessions() as session:
        request = DigestRequest(app.services, session, "fake", SPACE, since,
                                clock.now() + timedelta(seconds=1))
        blocks = await CAPABILITY.digest(request)
        later = DigestRequest(app.services, session, "fake", SPACE,
                              clock.now() + timedelta(seconds=1), clock.now() + timedelta(days=7))
        assert await CAPABILITY.digest(later) == []
    [listing] = [b for b in blocks if isinstance(b, ItemList)]
    assert [i.title.split(" (@")[0] for i in listing.items] == ["Ann Jones"]
    assert "podcasting" in listing.items[0].text
    async with app.db.sessions() as session:
        assert await session.scalar(select(Member).where(Member.handle == "cat")) is not None


async def test_a_card_the_channel_refuses_is_shown_to_its_owner(app, chat: FakeAdapter) -> None:
    """The bot is not in the introductions channel: the member is told so, with the card,
    rather than "I've posted your intro card"."""
    chat.refused["C-INTROS"] = "I'm not a member of that channel; invite me to it first."
    reply = await chat.say('intro name="Ann Jones" role="Computing lead"', user="ann")
    text = reply.plain_text()
    assert reply.tone == "warning" and "I've posted" not in text
    assert ("Thanks — your profile is saved. I couldn't post your intro card in the "
            "introductions channel: I'm not a member of that channel; invite me to it "
            "first. Here it is:") in text
    assert "Meet Ann Jones" in text and chat.sent == []
    assert (await member(app, "ann")).role == "Computing lead"  # the profile itself is saved
