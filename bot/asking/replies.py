"""What `ask` says: to the asker, to the people asked, in the questions channel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.introductions.common import local_time
from bot.introductions.meet import introduced
from bot.notifier import THREAD_NAME_MAX
from bot.replies import (
    NO_WORDS,
    YES_WORDS,
    Actions,
    Block,
    Button,
    Form,
    FormField,
    ItemList,
    ListItem,
    Option,
    Question,
    Reply,
    Text,
    choose,
    more_of,
)
from bot.replies import Context as SmallPrint
from storage.models import Member, QuestionAnswer
from storage.models import Question as Asked
from storage.models.asking import ANSWER_MAX

SHOWN = 600
"""Characters of a question or answer shown in a message; `ask show N` shows all of it."""
LISTED = 120
"""Characters of a question in a list (`ask list`, the digest)."""
SHOW_WORDS = (
    "just show me who",
    "show me who",
    "show me",
    "who",
    "just show me",
    "show them",
    "who are they",
    "just show",
    "show",
)
"""Typed answers to a preview that mean "Just show me who"."""


def shorten(text: str, limit: int = SHOWN) -> str:
    """`text` cut at a word near `limit`, with an ellipsis, when it is longer."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:.") + "…"


def read_all(question: Asked) -> Button:
    return Button("Read all", "ask show", {"question": question.id})


def asked(question: Asked, sent_to: int, settings_days: float) -> Reply:
    public = (
        " It is also posted in the questions channel, where answers will follow."
        if question.public
        else ""
    )
    people = "person who has" if sent_to == 1 else "people who have"
    return Reply(
        blocks=(
            Text(
                f"I've sent your question #{question.id} privately to {sent_to} {people} "
                f"done “{shorten(question.topic, LISTED)}”. Their answers will come to you "
                f"here as they arrive.{public}"
            ),
            SmallPrint(
                f"It stays open for {settings_days:g} days. `ask list` shows your "
                "questions; mark the answer that helped and I'll close it."
            ),
        ),
        tone="success",
    )


ANSWERS = (
    (
        "Answer",
        "ask answer",
        "primary",
        ("answer", "answer it", "yes", "y", "i can", "i can help", "happy to", "sure"),
    ),
    (
        "Not me",
        "ask notme",
        "default",
        ("not me", "no", "n", "no thanks", "pass", "cant help", "sorry no"),
    ),
    (
        "Later",
        "ask later",
        "default",
        ("later", "not now", "remind me later", "busy", "ask me later", "snooze"),
    ),
)


def to_recipient(
    question: Asked,
    asker: Member,
    recipient: Member,
    *,
    timezone: str,
    now: datetime,
    reminder: bool = False,
) -> Reply:
    """What each person asked gets: the question, Answer / Not me / Later, and the same
    answers by typing for as long as the question is open."""
    buttons = tuple(
        Button(label, command, {"question": question.id}, style=style)
        for label, command, style, _ in ANSWERS
    )
    lead = "A reminder: " if reminder else ""
    shown = shorten(question.text)
    blocks: list = [
        Text(f"{lead}{introduced(asker)} asks the network (question #{question.id}):"),
        Text(f"“{shown}”"),
        Actions((*buttons, read_all(question)) if shown != question.text.strip() else buttons),
    ]
    public = (
        " The question is public: your answer is also posted in the questions channel."
        if question.public
        else ""
    )
    until = local_time(question.expires_at, recipient, timezone)
    blocks.append(
        SmallPrint(
            f"You were asked because you've done something like it. Your answer goes to "
            f"{asker.name} and is added to what you have done, so others can find you.{public} "
            f"Or type `ask answer {question.id} <your answer>`. Open until {until}; "
            "`meet pause` stops questions and requests."
        )
    )
    minutes = max(1.0, (question.expires_at - now).total_seconds() / 60)
    return Reply(
        blocks=tuple(blocks),
        question=choose(
            f"Will you answer {asker.name}'s question #{question.id}?",
            buttons,
            minutes=minutes,
            words={i: a[3] for i, a in enumerate(ANSWERS)},
        ),
    )


def preview(text: str, topic: str, people: int) -> Reply:
    """Before a plain-language question is sent: whom it would reach, and a yes first."""
    who = "1 person who has" if people == 1 else f"{people} people who have"
    ask = Button("Ask them", "ask", {"question": text}, style="primary")
    show = Button("Just show me who", "whodone", {"query": topic})
    return Reply(
        blocks=(
            Text(f"I can ask {who} done “{shorten(topic, LISTED)}” privately."),
            Actions((ask, show)),
            SmallPrint("Nothing is sent until you choose: `yes` asks them, `no` doesn't."),
        ),
        question=Question(
            prompt=f"Ask {who} done “{shorten(topic, LISTED)}”?",
            numbered=True,
            options=(
                Option(ask.label, ask.command, dict(ask.args), (ask.label, *YES_WORDS)),
                Option(show.label, show.command, dict(show.args), SHOW_WORDS),
                Option("No", words=NO_WORDS, said="OK, I haven't asked anyone."),
            ),
        ),
    )


def public_question(question: Asked, asker: Member) -> Reply:
    return Reply(
        blocks=(
            Text(f"{asker.name} asks the network (question #{question.id}):"),
            Text(f"“{shorten(question.text)}”"),
            SmallPrint(
                "I've asked a few people who have done it; their answers will follow "
                f"here. `ask show {question.id}` shows the question and its answers."
            ),
        ),
        visibility="channel",
    )


def answer_arrived(question: Asked, answer: QuestionAnswer, answerer: Member) -> Reply:
    """To the asker, as each answer arrives."""
    shown = shorten(answer.text)
    buttons = [
        Button("Helpful", "ask helpful", {"answer": answer.id}, style="primary"),
        Button("Close question", "ask close", {"question": question.id}),
    ]
    if shown != answer.text.strip():
        buttons.append(read_all(question))
    return Reply(
        blocks=(
            Text(
                f"{introduced(answerer)} answered your question "
                f"#{question.id} “{shorten(question.text, LISTED)}”:"
            ),
            Text(shown),
            Actions(tuple(buttons)),
            SmallPrint(
                "Helpful marks this answer and closes the question; until then more "
                "answers may come."
            ),
        )
    )


def thread_name(question: Asked) -> str:
    """The thread under a public question: its number and the start of its words
    (within THREAD_NAME_MAX, a thread name's limit)."""
    lead = f"Question #{question.id}: "
    return lead + shorten(" ".join(question.text.split()), THREAD_NAME_MAX - len(lead))


def thread_answer(question: Asked, answer: QuestionAnswer, answerer: str) -> Reply:
    """An answer in the public question's thread (the question is right above it)."""
    shown = shorten(answer.text)
    return Reply(
        blocks=(
            Text(f"{answerer} answered:"),
            Text(shown),
            *(
                (SmallPrint(f"`ask show {question.id}` shows it in full."),)
                if shown != answer.text.strip()
                else ()
            ),
        ),
        visibility="channel",
    )


def public_answer(question: Asked, answer: QuestionAnswer, answerer: str) -> Reply:
    """An answer posted in the channel itself, citing its question (no thread)."""
    return Reply(
        blocks=(
            Text(
                f"{answerer} answered question #{question.id} “{shorten(question.text, LISTED)}”:"
            ),
            Text(shorten(answer.text)),
            SmallPrint(f"`ask show {question.id}` shows every answer in full."),
        ),
        visibility="channel",
    )


def answer_prompt(question: Asked) -> Reply:
    """After Answer: the form, and (where none can open) the next thing typed answers."""
    return Reply(
        blocks=(
            Text(f"Your answer to question #{question.id}: “{shorten(question.text, LISTED)}”"),
            SmallPrint(
                "Type your answer as your next message (`cancel` stops), or "
                f"`ask answer {question.id} <your answer>`."
            ),
        ),
        form=answer_form(question),
    )


def answered(question: Asked, asker: Member) -> Reply:
    public = " and posted it in the questions channel" if question.public else ""
    return Reply(
        blocks=(
            Text(f"Thank you! I've sent your answer to {asker.name}{public}."),
            SmallPrint(
                "It is now among what you have done (`done list`), so `whodone` finds you for it."
            ),
        ),
        tone="success",
    )


PAGE_CHARS = 3200
"""Characters of question and answers on one page of `ask show`: with names, under a Discord
embed's 4,096 and a Slack section's 3,000 per answer."""
PAGE_ANSWERS = 10
ANSWER_HEAD = 200
"""What an answer's heading (number and name) may add."""


def pages_of(question: Asked, answers: Sequence[QuestionAnswer]) -> list[list[QuestionAnswer]]:
    """Answers packed into pages in order, each page within `PAGE_CHARS` (the first one
    holding the question too); every answer whole, however long."""
    pages: list[list[QuestionAnswer]] = []
    current: list[QuestionAnswer] = []
    used = len(question.text)
    for answer in answers:
        size = ANSWER_HEAD + (0 if answer.hidden else len(answer.text))
        if current and (used + size > PAGE_CHARS or len(current) == PAGE_ANSWERS):
            pages.append(current)
            current, used = [], LISTED + ANSWER_HEAD
        current.append(answer)
        used += size
    return [*pages, current] if current or not pages else pages


def shown(
    question: Asked,
    names: Mapping[int, str],
    answers: Sequence[QuestionAnswer],
    page: int,
    pages: int,
    *,
    is_asker: bool,
) -> Reply:
    """The question and a page of its answers in full (hidden ones only as a note). Each
    answer is its own text block, not a list item: Discord cuts a list item's text at 1,024
    characters; `pages_of` packs a page so that all of it fits one message."""
    blocks: list[Block] = []
    if page == 1:
        state = {"open": "open", "closed": "closed", "expired": "closed (it expired)"}.get(
            question.status, question.status
        )
        blocks += [
            Text(
                f"Question #{question.id} from {names.get(question.asker_id, 'a member')} "
                f"({state}):"
            ),
            Text(question.text),
        ]
    else:
        blocks.append(
            Text(f"More answers to question #{question.id} “{shorten(question.text, LISTED)}”:")
        )
    if not answers:
        blocks.append(
            SmallPrint(
                "No answers yet."
                if page == 1
                else f"There is no page {page}: the answers have {pages}."
            )
        )
    for answer in answers:
        if answer.hidden:
            blocks.append(SmallPrint(f"Answer #{answer.id} was hidden by a moderator."))
            continue
        title = f"Answer #{answer.id} from {names.get(answer.answerer_id, 'a member')}"
        if question.helpful_answer_id == answer.id:
            title += " (marked helpful)"
        blocks.append(Text(f"{title}:\n{answer.text}"))
        if is_asker and question.status == "open":
            blocks.append(
                Actions((Button("Helpful", "ask helpful", {"answer": answer.id}, style="primary"),))
            )
    if page >= pages:
        return Reply(blocks=tuple(blocks))
    more = Button("More", "ask show", {"question": question.id, "page": page + 1})
    blocks += [
        SmallPrint(f"Page {page} of {pages} of the answers. Say `more` for the next."),
        Actions((more,)),
    ]
    return Reply(blocks=tuple(blocks), question=more_of(more))


def expired(question: Asked, answers: int, asked: int) -> Reply:
    """The asker is told honestly how it went."""
    days = max(1, round((question.expires_at - question.created_at).total_seconds() / 86400))
    people = "person" if asked == 1 else "people"
    if answers == 0:
        return Reply(
            blocks=(
                Text(
                    f"Nobody answered your question #{question.id} "
                    f"“{shorten(question.text, LISTED)}” in {days} days, so I've closed it. I "
                    f"asked {asked} {people} who had done something like it; they may have been "
                    "busy."
                ),
                SmallPrint(
                    "Try asking again in other words, or `whodone <topic>` to read what "
                    "people have done."
                ),
            ),
            tone="warning",
        )
    got = "1 answer" if answers == 1 else f"{answers} answers"
    return Reply(
        blocks=(
            Text(
                f"Your question #{question.id} “{shorten(question.text, LISTED)}” closed after "
                f"{days} days with {got}."
            ),
            SmallPrint(f"`ask show {question.id}` shows them all."),
        )
    )


def listing(
    mine: Sequence[Asked],
    counts: Mapping[int, int],
    waiting: Sequence[Asked],
    askers: Mapping[int, Member],
    *,
    limit: int,
) -> Reply:
    blocks: list = []
    if not mine and not waiting:
        return Reply(
            blocks=(
                Text("No open questions: none of yours, and none waiting for your answer."),
                SmallPrint("`ask <question>` asks people who have done it."),
            )
        )
    if mine:
        items = tuple(
            ListItem(
                f"#{q.id} “{shorten(q.text, LISTED)}”",
                _answers(counts.get(q.id, 0)),
                buttons=(
                    Button("Show", "ask show", {"question": q.id}),
                    Button("Close", "ask close", {"question": q.id}),
                ),
            )
            for q in mine[:limit]
        )
        blocks.append(ItemList(items, title="Your open questions"))
        if len(mine) > limit:
            blocks.append(SmallPrint(f"And {len(mine) - limit} more."))
    if waiting:
        items = tuple(
            ListItem(
                f"#{q.id} from {askers[q.asker_id].name}: “{shorten(q.text, LISTED)}”",
                buttons=tuple(
                    Button(label, command, {"question": q.id}, style=style)
                    for label, command, style, _ in ANSWERS
                ),
            )
            for q in waiting[:limit]
        )
        blocks.append(ItemList(items, title="Waiting for your answer"))
        if len(waiting) > limit:
            blocks.append(SmallPrint(f"And {len(waiting) - limit} more."))
    return Reply(blocks=tuple(blocks))


def _answers(count: int) -> str:
    return (
        "No answers yet."
        if count == 0
        else ("1 answer so far." if count == 1 else f"{count} answers so far.")
    )


def helpful_thanks(question: Asked, asker: Member) -> Reply:
    return Reply(
        blocks=(
            Text(
                f"{asker.name} found your answer to question #{question.id} "
                f"“{shorten(question.text, LISTED)}” helpful. Thank you!"
            ),
        )
    )


def answer_form(question: Asked) -> Form:
    """The Answer button's form (a Slack or Discord modal)."""
    return Form(
        title="Your answer",
        command="ask answer",
        submit_label="Send",
        hidden={"question": question.id},
        fields=(
            FormField(
                "answer",
                "Your answer",
                kind="long_text",
                required=True,
                max_length=ANSWER_MAX,
                placeholder="What you did, what worked, what you'd do differently",
            ),
        ),
    )


def typed_answer(question: Asked, minutes: float) -> Question:
    """Where a form cannot open, the next thing typed is the answer."""
    return Question(
        prompt=f"Your answer to question #{question.id}",
        form=answer_form(question),
        minutes=minutes,
    )
