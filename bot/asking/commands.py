"""`ask`: a question sent privately to a few people who have done the thing.

Who is asked: the best `whodone` matches the asker may see (privacy), never the asker, only
people reachable on a platform, not paused (`meet pause`) and under the monthly cap that
`meet` requests and questions share. Among the top matches, those asked least often this
month (then least recently) go first, so one expert is not asked every time.

Each answer reaches the asker as it arrives (and, for `ask public`, the questions channel),
and becomes a "has done" entry of the answerer's ("Answered: <question>"), so `whodone`
finds them for it. The asker marks one answer helpful (closing the question) or closes it;
otherwise it expires after `[asking] expiry_days` (due work) and the asker is told how it
went. "Later" reminds the person asked once.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from bot.asking import replies
from bot.asking.digest import questions_answered
from bot.asking.privacy import export_asking, forget_asking
from bot.commands import ID_RANGE, Arg, Args, Capability, Command, CommandRegistry
from bot.context import Context
from bot.conversation import Conversation, account_of
from bot.errors import NotAllowed, UserError
from bot.expertise.commands import QUERY_MAX, find, tidy_query
from bot.intents import INTENTS, Matcher, Route
from bot.introductions.common import month_start, reach, spaces_of
from bot.notifier import Destination, Posted, Undeliverable
from bot.paging import PageArg
from bot.replies import Context as SmallPrint
from bot.replies import Reply, Text
from storage.models import DueWork, Member, Question, QuestionAnswer, QuestionRecipient
from storage.models.asking import ANSWER_MAX, QUESTION_MAX
from storage.models.directory import SUMMARY_MAX
from storage.repositories.asking import (
    EXPIRY_KIND,
    LATER_KIND,
    AskingRepository,
    expiry_key,
    later_key,
)
from storage.repositories.due_work import DueWorkRepository
from storage.repositories.introductions import IntroductionsRepository
from storage.search import PersonHit

if TYPE_CHECKING:
    from bot.context import Services
    from scheduled import Scheduler

log = logging.getLogger(__name__)

POOL = 3
"""Questions are spread among the best `recipients * POOL` eligible matches."""
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
EMPTY = (
    "What would you like to ask? Say `ask <your question>`, for example "
    "`ask How did you get staff using Teams?`"
)


class AskArgs(Args):
    question: Annotated[
        str, Arg(help="your question, in your own words", rest=True), Field(max_length=QUESTION_MAX)
    ] = ""


class QuestionRef(Args):
    question: Annotated[int, Arg(help="the question's number", numbers="question"),
                        ID_RANGE]


class ShowArgs(Args):
    question: Annotated[int, Arg(help="the question's number", numbers="question"),
                        ID_RANGE]
    page: PageArg = 1


class AnswerArgs(Args):
    question: Annotated[int, Arg(help="the question's number", numbers="question"),
                        ID_RANGE]
    answer: Annotated[str, Arg(help="your answer", rest=True), Field(max_length=ANSWER_MAX)] = ""


class AnswerRef(Args):
    answer: Annotated[int, Arg(help="the answer's number", numbers="answer"), ID_RANGE]


class HideArgs(Args):
    answer: Annotated[int, Arg(help="the answer's number (from `ask show`)",
                                      numbers="answer"), ID_RANGE]
    reason: Annotated[str, Arg(help="why, for the audit log", rest=True), Field(max_length=300)] = (
        ""
    )


# -- what is asked about ----------------------------------------------------------------------
_QUESTION_LEAD = re.compile(
    r"^(?:(?:hi|hello|hey)\b[^a-z]*(?:all|everyone|folks|team)?[,!. ]*)?"
    r"(?:(?:how|where|what|which|who|when|why)\s+(?:do|did|does|can|could|should|would|"
    r"is|are|was)\s+(?:i|we|you|one|people|schools|anyone)\s+|"
    r"what(?:'s| is) the best way to\s+|any (?:tips|advice|ideas) (?:on|for|about)\s+|"
    r"(?:does|do|has|have) (?:anyone|anybody|someone) (?:know|got|have)\s+(?:how to\s+)?)",
    re.IGNORECASE,
)


@functools.cache
def _topic_matcher() -> Matcher:
    """The "ask anyone" phrasings, returning the topic they capture."""
    intent = next(i for i in INTENTS if i.name == "ask anyone")
    return Matcher((replace(intent, routes=(Route("ask", {"topic": "{topic}"}),)),))


def topic_of(registry: CommandRegistry, question: str) -> str:
    """The thing asked about, to find who has done it: "can anyone help with SIMS?" is
    about "SIMS"; "How do I set up Intune for iPads?" about "set up Intune for iPads"."""
    matched = _topic_matcher().match(registry, question)
    if matched is not None and matched[1].get("topic"):
        return tidy_query(matched[1]["topic"])
    return tidy_query(_QUESTION_LEAD.sub("", question.strip(), count=1) or question)


# -- who is asked -------------------------------------------------------------------------------
async def choose_people(ctx: Context, topic: str, me: Member) -> list[PersonHit]:
    """Up to `[asking] recipients` people to ask (see the module docstring)."""
    wanted = ctx.settings.asking.recipients
    found = await find(ctx, topic, None, wanted * POOL * 3)
    others = [f for f in found if f.member.id != me.id]
    if found and not others:
        raise UserError(
            f"Only you have logged “{topic}” so far, so there is nobody else to ask yet."
        )
    if not others:
        raise UserError(
            f"Nobody has logged “{topic}” yet, so there is nobody to ask and "
            "nothing was sent. Try other words, or `whodone` to browse."
        )
    ids = [f.member.id for f in others]
    since = month_start(ctx.now())
    intros = IntroductionsRepository(ctx.session)
    meets = await intros.received_since(ids, since)
    paused = await intros.meet_paused(ids)
    load = await AskingRepository(ctx.session).load(ids, since)
    cap = ctx.settings.introductions.meet_monthly_limit
    eligible: list[tuple[int, PersonHit]] = []
    for rank, hit in enumerate(others):
        member_id = hit.member.id
        if member_id in paused or meets.get(member_id, 0) + load[member_id][0] >= cap:
            continue
        if not await ctx.directory.identities(member_id):
            continue
        eligible.append((rank, hit))
    if not eligible:
        raise UserError(
            f"Everyone who has done “{topic}” is not available right now, so "
            "nothing was sent. Try again later, or `whodone` to read what they "
            "did."
        )
    pool = eligible[: wanted * POOL]
    pool.sort(key=lambda e: (load[e[1].member.id][0], load[e[1].member.id][1] or NEVER, e[0]))
    return [hit for _, hit in pool[:wanted]]


def questions_channel(ctx: Context) -> str:
    """Where a public question goes: the space's questions channel, else the channel it
    was asked in, else the announcements channel."""
    space = ctx.settings.space(ctx.caller.platform, ctx.caller.space_id)
    if space is not None and space.questions_channel:
        return space.questions_channel
    if ctx.caller.channel_id and not ctx.caller.is_direct:
        return ctx.caller.channel_id
    return space.announcements_channel if space else ""


# -- asking -------------------------------------------------------------------------------------
async def ask(ctx: Context, args: AskArgs) -> Reply:
    return await _ask(ctx, args.question, public=False)


async def ask_public(ctx: Context, args: AskArgs) -> Reply:
    return await _ask(ctx, args.question, public=True)


async def preview(ctx: Context, args: AskArgs) -> Reply:
    """The plain-language form ("can anyone help with …?"): a casual phrase says who would
    be asked and waits for a yes, rather than messaging experts straight away."""
    topic = _topic(ctx, args.question)
    people = await choose_people(ctx, topic, await ctx.member())
    return replies.preview(args.question, topic[:QUERY_MAX], len(people))


def _topic(ctx: Context, text: str) -> str:
    """What a question is about, or the refusal of an empty one."""
    topic = topic_of(ctx.services.registry, text) if text else ""
    if not re.search(r"\w", topic):
        raise UserError(EMPTY, field="question")
    return topic


async def _ask(ctx: Context, text: str, *, public: bool) -> Reply:
    topic = _topic(ctx, text)
    channel = questions_channel(ctx) if public else ""
    if public and not channel:
        raise UserError(
            "This space has no channel for public questions, so nothing was "
            "sent. `ask <question>` asks privately."
        )
    me = await ctx.member()
    people = await choose_people(ctx, topic, me)
    now = ctx.now()
    settings = ctx.settings
    question = await AskingRepository(ctx.session).add(
        Question(
            asker_id=me.id,
            text=text,
            topic=topic[:QUESTION_MAX],
            public=public,
            platform=ctx.caller.platform,
            space_id=ctx.caller.space_id,
            channel_id=channel,
            status="open",
            created_at=now,
            expires_at=now + timedelta(days=settings.asking.expiry_days),
        ),
        [p.member.id for p in people],
    )
    await DueWorkRepository(ctx.session).plan(
        EXPIRY_KIND, expiry_key(question.id), question.expires_at, {"question_id": question.id}
    )
    where = (question.platform, question.space_id)
    for person in people:
        destination = reach(await ctx.directory.identities(person.member.id), where)
        assert destination is not None  # choose_people keeps reachable people only
        ctx.notify(
            destination,
            replies.to_recipient(
                question, me, person.member, timezone=settings.network.timezone, now=now
            ),
            about="one of the people asked",  # who was asked stays private
            if_undeliverable=_withdraw(ctx.services, question.id, person.member.id),
        )
    if public:
        ctx.notify(
            Destination(question.platform, question.space_id, channel_id=channel),
            replies.public_question(question, me),
            about="the questions channel",
            on_sent=_open_thread(ctx.services, question),
        )
    return replies.asked(question, len(people), settings.asking.expiry_days)


def _open_thread(services: Services, question: Question) -> Callable[[Posted | None],
                                                                        Awaitable[None]]:
    """Once a public question is posted, a thread under it for its answers, kept with the
    question so an answer handled by any copy goes there. Without one (a platform with
    no threads, or the thread could not be made) answers are posted in the channel."""
    question_id, name = question.id, replies.thread_name(question)

    async def keep(posted: Posted | None) -> None:
        thread = None
        if posted is not None:
            try:
                thread = await services.notifier.open_thread(posted, name)
            except Exception as exc:
                log.info("question #%s: no thread under %s (%r); answers go to the channel",
                         question_id, posted, exc)
                return
        if thread is None or not thread.thread_id:
            log.info("question #%s: %s has no threads here; answers go to the channel",
                     question_id, posted.platform if posted else "the platform")
            return
        async with services.db.unit_of_work() as session:
            kept = await AskingRepository(session).get(question_id)
            if kept is not None:
                kept.channel_id, kept.thread_id = thread.channel_id, thread.thread_id

    return keep


def _withdraw(
    services: Services, question_id: int, member_id: int
) -> Callable[[Undeliverable], Awaitable[Reply | None]]:
    """Someone the question never reached was not asked: it neither counts against their
    cap nor waits for their answer."""

    async def undo(_exc: Undeliverable) -> Reply | None:
        async with services.db.unit_of_work() as session:
            await AskingRepository(session).drop_recipient(question_id, member_id)
        return None

    return undo


# -- answering ------------------------------------------------------------------------------------
async def _open_for(
    ctx: Context, question_id: int, me: Member
) -> tuple[Question, QuestionRecipient]:
    """The question, if it was sent to `me` and is still open (else a specific refusal)."""
    repo = AskingRepository(ctx.session)
    question = await repo.get(question_id)
    if question is None:
        raise UserError(f"There is no question #{question_id}.")
    recipient = await repo.recipient(question.id, me.id)
    if recipient is None:
        raise NotAllowed(
            f"Question #{question_id} wasn't sent to you, so you can't answer "
            "it. `ask list` shows the questions waiting for you."
        )
    if question.status != "open" or ctx.now() >= question.expires_at:
        why = "was closed by the asker" if question.status == "closed" else "has expired"
        raise UserError(f"Question #{question_id} {why}, so nothing was sent.")
    if recipient.status == "answered":
        raise UserError(
            f"You have already answered question #{question_id}; I passed your "
            f"answer on. `ask show {question_id}` shows it."
        )
    return question, recipient


async def answer(ctx: Context, args: AnswerArgs) -> Reply:
    me = await ctx.member()
    question, recipient = await _open_for(ctx, args.question, me)
    if not args.answer:
        minutes = max(1.0, (question.expires_at - ctx.now()).total_seconds() / 60)
        await Conversation(ctx.services).ask(
            ctx.session, account_of(ctx.caller), replies.typed_answer(question, minutes)
        )
        return replies.answer_prompt(question)
    now = ctx.now()
    repo = AskingRepository(ctx.session)
    if not await repo.take_answer(recipient):  # a second press racing the first
        raise UserError(f"You have already answered question #{question.id}.")
    summary = replies.shorten(f"Answered: {question.text}", SUMMARY_MAX)
    entry = await ctx.directory.add_done(me, summary)
    given = await repo.add_answer(
        QuestionAnswer(
            question_id=question.id,
            answerer_id=me.id,
            text=args.answer,
            created_at=now,
            hidden=False,
            entry_id=entry.id,
        )
    )
    await DueWorkRepository(ctx.session).cancel(LATER_KIND, [later_key(question.id, me.id)])
    asker = await ctx.directory.get(question.asker_id)
    assert asker is not None  # questions go with their asker
    destination = reach(
        await ctx.directory.identities(asker.id), (question.platform, question.space_id)
    )
    if destination is not None:
        ctx.notify(destination, replies.answer_arrived(question, given, me), about=asker.name)
    if question.public and question.channel_id:
        name = await _name_in(ctx, me, question)
        channel = Destination(question.platform, question.space_id,
                              channel_id=question.channel_id)
        cited = replies.public_answer(question, given, name)
        if question.thread_id:
            ctx.notify(
                replace(channel, thread_id=question.thread_id),
                replies.thread_answer(question, given, name),
                about="the questions channel",
                instead=(channel, cited),  # the thread was deleted or archived for good
            )
        else:
            ctx.notify(channel, cited, about="the questions channel")
    return replies.answered(question, asker)


async def not_me(ctx: Context, args: QuestionRef) -> Reply:
    me = await ctx.member()
    question, recipient = await _open_for(ctx, args.question, me)
    recipient.status = "declined"
    await DueWorkRepository(ctx.session).cancel(LATER_KIND, [later_key(question.id, me.id)])
    return Reply(
        blocks=(
            Text(
                f"No problem: I won't ask you about question #{question.id} "
                "again. The asker isn't told who passed."
            ),
            SmallPrint("`meet pause` stops all questions and meet requests."),
        )
    )


async def later(ctx: Context, args: QuestionRef) -> Reply:
    me = await ctx.member()
    question, recipient = await _open_for(ctx, args.question, me)
    if recipient.status == "later":
        return Reply(
            blocks=(
                Text(
                    f"You've already asked to be reminded about question #{question.id}, "
                    "and I remind only once. Answer whenever you're ready."
                ),
            )
        )
    remind_at = min(
        ctx.now() + timedelta(hours=ctx.settings.asking.later_hours),
        question.expires_at - timedelta(hours=1),
    )
    if remind_at <= ctx.now():
        return Reply(
            blocks=(
                Text(
                    f"Question #{question.id} closes within the hour, so "
                    "there's no time for a reminder: answer now, or leave it."
                ),
            )
        )
    recipient.status = "later"
    await DueWorkRepository(ctx.session).plan(
        LATER_KIND,
        later_key(question.id, me.id),
        remind_at,
        {"question_id": question.id, "member_id": me.id},
    )
    return Reply(
        blocks=(
            Text(
                f"OK, I'll remind you about question #{question.id} once, "
                "later. Answer whenever you're ready."
            ),
        ),
        tone="success",
    )


# -- the asker ------------------------------------------------------------------------------------
async def _own_open(ctx: Context, question_id: int, me: Member) -> Question:
    question = await AskingRepository(ctx.session).get(question_id)
    if question is None:
        raise UserError(f"There is no question #{question_id}.")
    if question.asker_id != me.id:
        raise NotAllowed(f"Only the person who asked question #{question_id} can do that.")
    if question.status != "open" or ctx.now() >= question.expires_at:
        raise UserError(f"Question #{question_id} is already closed.")
    return question


async def helpful(ctx: Context, args: AnswerRef) -> Reply:
    me = await ctx.member()
    repo = AskingRepository(ctx.session)
    given = await repo.answer(args.answer)
    if given is None:
        raise UserError(f"There is no answer #{args.answer}.")
    question = await _own_open(ctx, given.question_id, me)
    if given.hidden:
        raise UserError("A moderator hid that answer, so it can't be marked helpful.")
    question.helpful_answer_id = given.id
    _close(question, ctx.now())
    await DueWorkRepository(ctx.session).cancel(EXPIRY_KIND, [expiry_key(question.id)])
    await DueWorkRepository(ctx.session).cancel_prefix(LATER_KIND, f"ask:{question.id}:")
    answerer = await ctx.directory.get(given.answerer_id)
    if answerer is not None:
        destination = reach(
            await ctx.directory.identities(answerer.id), (question.platform, question.space_id)
        )
        if destination is not None:
            ctx.notify(destination, replies.helpful_thanks(question, me), about=answerer.name)
    name = answerer.name if answerer else "them"
    return Reply(
        blocks=(
            Text(
                f"Marked {name}'s answer helpful and closed question "
                f"#{question.id}. I've let them know."
            ),
        ),
        tone="success",
    )


async def close(ctx: Context, args: QuestionRef) -> Reply:
    me = await ctx.member()
    question = await _own_open(ctx, args.question, me)
    _close(question, ctx.now())
    await DueWorkRepository(ctx.session).cancel(EXPIRY_KIND, [expiry_key(question.id)])
    await DueWorkRepository(ctx.session).cancel_prefix(LATER_KIND, f"ask:{question.id}:")
    return Reply(
        blocks=(Text(f"Closed question #{question.id}: nobody else will be asked to answer it."),),
        tone="success",
    )


def _close(question: Question, now: datetime) -> None:
    question.status, question.closed_at = "closed", now


# -- reading ------------------------------------------------------------------------------------
async def show(ctx: Context, args: ShowArgs) -> Reply:
    me = await ctx.member()
    repo = AskingRepository(ctx.session)
    question = await repo.get(args.question)
    if question is None:
        raise UserError(f"There is no question #{args.question}.")
    sent_to = await repo.recipient(question.id, me.id) is not None
    if not (question.public or question.asker_id == me.id or sent_to or await ctx.is_moderator()):
        raise UserError(
            f"Question #{args.question} is private: only the asker and the "
            "people asked can read it."
        )
    pages = replies.pages_of(question, await repo.answers(question.id))
    shown = pages[args.page - 1] if args.page <= len(pages) else []
    people = await repo.members([question.asker_id, *(a.answerer_id for a in shown)])
    is_asker = question.asker_id == me.id
    names = {
        m.id: m.name
        for m in people.values()
        if is_asker or m.id in (me.id, question.asker_id) or await _may_see(ctx, m)
    }
    return replies.shown(question, names, shown, args.page, len(pages), is_asker=is_asker)


async def _name_in(ctx: Context, member: Member, question: Question) -> str:
    """How a channel post in the question's space names the member: by name only where
    their privacy choice lets that space see them."""
    where = (question.platform, question.space_id)
    if member.privacy == "network" or (
        member.privacy == "space" and where in spaces_of(await ctx.directory.identities(member.id))
    ):
        return member.name
    return "A member"


async def _may_see(ctx: Context, member: Member) -> bool:
    """Whether the caller may see who this is (their privacy choice), for answers read by
    someone other than the asker."""
    if member.privacy == "network":
        return True
    if member.privacy != "space":
        return False
    viewer = await ctx.viewer()
    mine = {(viewer.platform, viewer.space_id)}
    if viewer.member_id is not None:
        mine |= spaces_of(await ctx.directory.identities(viewer.member_id))
    return bool(mine & spaces_of(await ctx.directory.identities(member.id)))


async def list_questions(ctx: Context, _args: Args) -> Reply:
    me = await ctx.member()
    repo = AskingRepository(ctx.session)
    mine = await repo.open_asked_by(me.id)
    waiting = await repo.waiting_on(me.id)
    counts = await repo.answer_counts([q.id for q in mine])
    askers = await repo.members([q.asker_id for q in waiting])
    return replies.listing(mine, counts, waiting, askers, limit=ctx.settings.conversation.page_size)


# -- moderation -----------------------------------------------------------------------------------
async def hide(ctx: Context, args: HideArgs) -> Reply:
    repo = AskingRepository(ctx.session)
    given = await repo.answer(args.answer)
    if given is None:
        raise UserError(f"There is no answer #{args.answer}.")
    if given.hidden:
        raise UserError(f"Answer #{args.answer} is already hidden.")
    given.hidden = True
    if given.entry_id is not None:
        entry = (await ctx.directory.done_by_ids([given.entry_id])).get(given.entry_id)
        given.entry_id = None
        if entry is not None:
            await ctx.directory.remove_done(entry)
    ctx.audit(
        "answer.hide",
        f"answer:{given.id}",
        before={"hidden": False},
        after={
            "hidden": True,
            "question": given.question_id,
            **({"reason": args.reason} if args.reason else {}),
        },
    )
    return Reply(
        blocks=(
            Text(
                f"Hid answer #{given.id}: it no longer shows with question "
                f"#{given.question_id} or in `whodone`."
            ),
            SmallPrint("The audit log records it."),
        ),
        tone="success",
    )


# -- due work -------------------------------------------------------------------------------------
async def expire(services: Services, work: DueWork) -> None:
    """Due work at `expires_at`: the question closes and the asker is told honestly."""
    now = services.clock.now()
    async with services.db.unit_of_work() as session:
        repo = AskingRepository(session)
        question = await repo.get(int(work.payload.get("question_id", 0)))
        if question is None or question.status != "open" or now < question.expires_at:
            return
        question.status, question.closed_at = "expired", now
        answers = await repo.answer_counts([question.id])
        asked = len(await repo.recipients(question.id))
        await DueWorkRepository(session).cancel_prefix(LATER_KIND, f"ask:{question.id}:")
        identities = await IntroductionsRepository(session).identities(question.asker_id)
        destination = reach(identities, (question.platform, question.space_id))
        message = replies.expired(question, answers.get(question.id, 0), asked)
    if destination is not None:
        await services.notifier.send(destination, message)


async def remind_later(services: Services, work: DueWork) -> None:
    """Due work after "Later": ask again, once, unless they have answered or passed."""
    now = services.clock.now()
    async with services.db.unit_of_work() as session:
        repo = AskingRepository(session)
        question = await repo.get(int(work.payload.get("question_id", 0)))
        member_id = int(work.payload.get("member_id", 0))
        recipient = await repo.recipient(question.id, member_id) if question else None
        if (
            question is None
            or recipient is None
            or question.status != "open"
            or recipient.status != "later"
            or now >= question.expires_at
        ):
            return
        people = await repo.members([question.asker_id, member_id])
        destination = reach(
            await IntroductionsRepository(session).identities(member_id),
            (question.platform, question.space_id),
        )
        if destination is None:
            return
        message = replies.to_recipient(
            question,
            people[question.asker_id],
            people[member_id],
            timezone=services.settings.network.timezone,
            now=now,
            reminder=True,
        )
        if message.question is not None and destination.user_id:
            await Conversation(services).ask(
                session,
                (destination.platform, destination.space_id, destination.user_id),
                message.question,
            )
    await services.notifier.send(destination, message)


def schedule(scheduler: Scheduler) -> None:
    scheduler.handle(EXPIRY_KIND, expire, grace=timedelta(days=365))
    scheduler.handle(LATER_KIND, remind_later, grace=timedelta(days=14))


CAPABILITY = Capability(
    name="asking",
    title="Asking the network",
    topics=("ask", "asking", "questions", "answers"),
    commands=[
        Command(
            name="ask",
            handler=ask,
            args=AskArgs,
            summary="Ask a question of a few people who have done it.",
            usage="ask <question>",
            description="I send it privately to a few people who have done the thing; "
            "their answers come back to you as they arrive.",
            examples=(
                "ask How did you get staff using Teams?",
                "can anyone help with SIMS reports?",
            ),
        ),
        Command(
            name="ask preview",
            hidden=True,
            handler=preview,
            args=AskArgs,
            summary="Say who a question would go to, and ask them once you say yes.",
            usage="ask preview <question>",
            description="What “can anyone help with …?” runs: nothing is sent until you "
            "press Ask them (or say yes).",
        ),
        Command(
            name="ask public",
            handler=ask_public,
            args=AskArgs,
            summary="Ask, and post the question and its answers in the questions channel.",
            usage="ask public <question>",
            examples=("ask public Which VLE did your MAT choose, and why?",),
        ),
        Command(
            name="ask list",
            handler=list_questions,
            summary="Your open questions, and those waiting for your answer.",
        ),
        Command(
            name="ask show",
            hidden=True,
            handler=show,
            args=ShowArgs,
            summary="A question and all its answers, in full.",
            examples=("ask show 12",),
        ),
        Command(
            name="ask answer",
            hidden=True,
            handler=answer,
            args=AnswerArgs,
            summary="Answer a question you were sent.",
            usage="ask answer <question> <your answer>",
            examples=("ask answer 12 We trained champions in each department first.",),
        ),
        Command(
            name="ask close",
            hidden=True,
            handler=close,
            args=QuestionRef,
            summary="Close one of your questions.",
            examples=("ask close 12",),
        ),
        Command(
            name="ask helpful",
            handler=helpful,
            args=AnswerRef,
            hidden=True,
            summary="Mark an answer to your question helpful, and close it.",
        ),
        Command(
            name="ask notme",
            aliases=("ask not me",),
            handler=not_me,
            args=QuestionRef,
            hidden=True,
            summary="Pass on a question you were sent.",
        ),
        Command(
            name="ask later",
            handler=later,
            args=QuestionRef,
            hidden=True,
            summary="Be reminded of a question you were sent, once.",
        ),
        Command(
            name="ask hide",
            handler=hide,
            args=HideArgs,
            moderator_only=True,
            summary="Hide an answer (moderators; audited).",
            usage="ask hide <answer> [reason]",
            examples=("ask hide 7 off topic",),
        ),
    ],
    schedule=schedule,
    digest=questions_answered,
    forget=forget_asking,
    export=export_asking,
)
