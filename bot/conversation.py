"""Answers in conversation: the one open question per member, and what they type next.

A command asks by returning a reply with a `Question` (see `bot.replies`): a confirmation,
a choice, "more" for a next page, or a form asked one field at a time where a form cannot
be shown (the console). The core records it for the caller in the command's own unit of
work (and, for a message the command sends to someone, for that recipient). A following
`yes`, `no`, number, label or field value is matched here and taken exactly once, in
whichever copy of the bot receives it; the core then runs the option's command as a button
press would, so typed answers and buttons go through the same path.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import Args, Capability, Command
from bot.context import Context
from bot.intents import INTENTS
from bot.replies import (
    MORE_WORDS,
    NO_WORDS,
    YES_WORDS,
    Form,
    FormField,
    Option,
    Question,
    Reply,
    Text,
)
from bot.replies import Context as SmallPrint
from storage.models import Identity, Member
from storage.repositories.conversation import Account, ConversationRepository

if TYPE_CHECKING:
    from bot.context import Services
    from bot.events import Caller

SKIP_WORDS = frozenset({"skip", "keep", "same", "unchanged", "no change", "pass", "-", "next"})
STOP_WORDS = frozenset({"cancel", "stop", "quit", "abort", "never mind", "nevermind"})
SAVE_WORDS = frozenset({"save", "done", "finish", "finished", "submit", "thats all",
                        "that is all"})
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
             "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "one": 1, "two": 2,
             "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
             "ten": 10, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5}
_NUMBER = re.compile(r"(?:(?:number|no|option|choice|the)\s+)?#?(\d{1,2})(?:st|nd|rd|th)?"
                     r"(?:\s+(?:please|pls|one))?")
_ORDINAL = re.compile(r"(?:the\s+)?(\w+)(?:\s+(?:one|option|choice|please))*")
_REPEATS = re.compile(r"(\w)\1+")
LEAD_WORDS = 6
"""An answer may go on a little after its first words ("yes, cancel it please")."""


def normalise(text: str) -> str:
    """How answers are compared: lower case, accents and punctuation gone, doubled
    letters single ("Yesss!" and "yes" are the same answer), spaces collapsed."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("'", "").replace("’", "")
    text = re.sub(r"[^\w#\-\s]+", " ", text)
    text = _REPEATS.sub(r"\1", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class FieldAnswer:
    """What a typed line did to a form being asked field by field."""

    values: dict[str, Any]
    index: int
    """The field to ask next; len(fields) when the form is complete."""
    problem: str = ""
    """Set when the line was not usable for this field (asked again)."""
    stop: bool = False


@dataclass(frozen=True)
class Open:
    """A question that was open, as stored: what it asked and the form's progress."""

    id: int
    token: str
    question: Question
    values: dict[str, Any] = field(default_factory=dict)
    index: int = 0


# -- matching ---------------------------------------------------------------------------------
def _number(said: str) -> int | None:
    found = _NUMBER.fullmatch(said)
    if found:
        return int(found.group(1))
    found = _ORDINAL.fullmatch(said)
    if found and found.group(1) in _ORDINALS:
        return _ORDINALS[found.group(1)]
    return None


def match_option(question: Question, text: str) -> Option | None:
    """The option a typed line chooses: its words or label (whole, or leading a short
    line: "yes, cancel it"), or its number when the question is numbered."""
    said = normalise(text)
    if not said:
        return None
    options = question.options
    words = [(o, {normalise(w) for w in (o.label, *o.words) if w}) for o in options]
    for option, accepted in words:
        if said in accepted:
            return option
    if question.numbered:
        number = _number(said)
        if number is not None:
            return options[number - 1] if 1 <= number <= len(options) else None
    tokens = said.split()
    if len(tokens) <= LEAD_WORDS:
        for size in range(len(tokens) - 1, 0, -1):
            lead = " ".join(tokens[:size])
            for option, accepted in words:
                if lead in accepted:
                    return option
    return None


UNSURE_WORDS = ("maybe", "perhaps", "not sure", "dunno", "i dont know", "possibly",
                "probably", "hmm", "um", "er", "what", "huh", "eh", "why")
_ANSWER_WORDS = frozenset(normalise(w) for w in (*YES_WORDS, *NO_WORDS, *MORE_WORDS,
                                                  *UNSURE_WORDS)) | SKIP_WORDS | STOP_WORDS


def looks_like_an_answer(text: str) -> bool:
    """Typed as if answering a question (yes, no, a number, more), whether or not one
    was asked."""
    said = normalise(text)
    return said in _ANSWER_WORDS or _number(said) is not None


def describe_choices(question: Question) -> str:
    """How to answer, in words: "Say yes or no.", "Say 1, 2 or 3.", "Say `more`."."""
    options = question.options
    if question.numbered:
        numbers = [str(i) for i in range(1, len(options) + 1)]
        listed = numbers[0] if len(numbers) == 1 else (", ".join(numbers[:-1])
                                                       + f" or {numbers[-1]}")
        return f"Say {listed}."
    said = [f"`{o.words[0]}`" if o.words else f"`{o.label.lower()}`" for o in options]
    if len(said) == 1:
        return f"Say {said[0]}."
    return f"Say {', '.join(said[:-1])} or {said[-1]}."


# -- forms asked field by field ------------------------------------------------------------------
def field_prompt(form: Form, index: int, values: Mapping[str, Any]) -> str:
    spec = form.fields[index]
    parts = [f"{spec.label} ({index + 1} of {len(form.fields)})"]
    now = values.get(spec.name, spec.initial)
    notes = []
    if spec.kind == "choice":
        notes.append("; ".join(f"{n}. {label}" for n, (_, label) in
                               enumerate(spec.choices, 1)))
    if now:
        shown = str(now) if len(str(now)) <= 80 else str(now)[:79] + "…"
        notes.append(f"now: {shown}")
    elif spec.placeholder:
        notes.append(f"e.g. {spec.placeholder}")
    if spec.max_length:
        notes.append(f"at most {spec.max_length:,} characters")
    line = parts[0] + (f" [{'; '.join(notes)}]" if notes else "") + "?"
    keep = "`skip` keeps it" if now else ("`skip` leaves it empty" if not spec.required
                                          else "needed")
    return f"{line}\n(Type the answer; {keep}, `save` saves what you've given, `cancel` stops.)"


def _field_value(spec: FormField, text: str) -> tuple[Any, str]:
    """The value to submit for this field, or a problem with it."""
    value = text.strip()
    if spec.max_length and len(value) > spec.max_length:
        return None, f"That's {len(value):,} characters; {spec.label} takes at most " \
                     f"{spec.max_length:,}."
    if spec.kind == "choice":
        number = _number(normalise(value))
        for n, (choice, label) in enumerate(spec.choices, 1):
            if number == n or normalise(value) in (normalise(choice), normalise(label)):
                return choice, ""
        return None, "Pick one of the numbers shown."
    if spec.kind == "number" and value and not re.fullmatch(r"\d{1,9}", value):
        return None, f"{spec.label} must be a whole number."
    return value, ""


def _required_missing(form: Form, values: Mapping[str, Any], upto: int) -> int | None:
    for index, spec in enumerate(form.fields[:upto]):
        if spec.required and not values.get(spec.name) and not spec.initial:
            return index
    return None


def answer_field(form: Form, index: int, values: Mapping[str, Any], text: str) -> FieldAnswer:
    """Apply one typed line to the form: a value, `skip`, `save` or `cancel`."""
    said = normalise(text)
    collected = dict(values)
    spec = form.fields[index]
    if said in STOP_WORDS:
        return FieldAnswer(collected, index, stop=True)
    if said in SAVE_WORDS:
        missing = _required_missing(form, collected, len(form.fields))
        if missing is not None:
            return FieldAnswer(collected, missing, problem=f"{form.fields[missing].label} is "
                                                           "needed before saving.")
        return FieldAnswer(collected, len(form.fields))
    if said in SKIP_WORDS:
        if spec.required and not collected.get(spec.name) and not spec.initial:
            return FieldAnswer(collected, index, problem=f"{spec.label} is needed.")
        return FieldAnswer(collected, index + 1)
    value, problem = _field_value(spec, text)
    if problem:
        return FieldAnswer(collected, index, problem=problem)
    collected[spec.name] = value
    return FieldAnswer(collected, index + 1)


# -- storing ----------------------------------------------------------------------------------
def _form_to_json(form: Form) -> dict[str, Any]:
    return {"title": form.title, "command": form.command, "submit_label": form.submit_label,
            "hidden": dict(form.hidden), "fields": [{
                "name": f.name, "label": f.label, "kind": f.kind, "required": f.required,
                "max_length": f.max_length, "initial": f.initial,
                "placeholder": f.placeholder, "choices": [list(c) for c in f.choices]}
                for f in form.fields]}


def _form_from_json(data: Mapping[str, Any]) -> Form:
    return Form(title=data["title"], command=data["command"],
                submit_label=data.get("submit_label", "Save"), hidden=data.get("hidden", {}),
                fields=tuple(FormField(
                    name=f["name"], label=f["label"], kind=f.get("kind", "text"),
                    required=f.get("required", False), max_length=f.get("max_length"),
                    initial=f.get("initial", ""), placeholder=f.get("placeholder", ""),
                    choices=tuple(tuple(c) for c in f.get("choices", ())))
                    for f in data["fields"]))


def to_json(question: Question, values: Mapping[str, Any] | None = None,
            index: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        "prompt": question.prompt, "numbered": question.numbered,
        "options": [{"label": o.label, "command": o.command, "args": dict(o.args),
                     "words": list(o.words), "said": o.said} for o in question.options]}
    if question.form is not None:
        data.update(form=_form_to_json(question.form), values=dict(values or {}), index=index)
    return data


def from_json(data: Mapping[str, Any]) -> tuple[Question, dict[str, Any], int]:
    form = _form_from_json(data["form"]) if data.get("form") else None
    question = Question(prompt=data.get("prompt", ""), numbered=data.get("numbered", False),
                        form=form, options=tuple(Option(
                            label=o.get("label", ""), command=o.get("command", ""),
                            args=o.get("args", {}), words=tuple(o.get("words", ())),
                            said=o.get("said", "")) for o in data.get("options", ())))
    return question, dict(data.get("values", {})), int(data.get("index", 0))


def account_of(caller: Caller) -> Account:
    return (caller.platform, caller.space_id, caller.user_id)


class Conversation:
    """Asking and answering, for the core."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def _lifetime(self, question: Question) -> timedelta:
        minutes = question.minutes
        if minutes is None:
            minutes = self.services.settings.conversation.answer_minutes
        return timedelta(minutes=minutes)

    async def ask(self, session: AsyncSession, account: Account, question: Question, *,
                  values: Mapping[str, Any] | None = None, index: int = 0) -> None:
        """Record the account's open question, in the caller's unit of work."""
        now = self.services.clock.now()
        repo = ConversationRepository(session)
        await repo.ask(account, to_json(question, values, index), now=now,
                       expires_at=now + self._lifetime(question))

    async def ask_now(self, account: Account, question: Question, *,
                      values: Mapping[str, Any] | None = None, index: int = 0) -> None:
        """`ask` in a unit of work of its own."""
        async with self.services.db.unit_of_work() as session:
            await self.ask(session, account, question, values=values, index=index)

    async def open_question(self, caller: Caller) -> Open | None:
        async with self.services.db.sessions() as session:
            row = await ConversationRepository(session).open_question(
                account_of(caller), now=self.services.clock.now())
        if row is None:
            return None
        question, values, index = from_json(row.question)
        return Open(row.id, row.token, question, values, index)

    async def take(self, asked: Open) -> bool:
        """End the question; False when another copy (or a newer question) got there
        first, so the answer must not be acted on twice."""
        async with self.services.db.unit_of_work() as session:
            repo = ConversationRepository(session)
            taken = await repo.take(asked.id, asked.token)
            if taken:
                await repo.purge(self.services.clock.now())
        return taken

    async def settle(self, caller: Caller, command: str, args: Mapping[str, Any]) -> None:
        """A button answered the open question (the same command and arguments as one of
        its options): it is no longer open, so a later `yes` cannot do it twice."""
        asked = await self.open_question(caller)
        if asked is None or not any(o.command == command and dict(o.args) == dict(args)
                                    for o in asked.question.options):
            return
        await self.take(asked)



# -- the capability: greetings, and pending questions in `mydata` / `forgetme` ----------------
async def _three_things(ctx: Context) -> Text:
    member = await ctx.directory.find_by_identity(ctx.caller.platform, ctx.caller.space_id,
                                                  ctx.caller.user_id)
    first = ("• `intro` — introduce yourself, so people can find you" if member is None
             or member.introduced_at is None else
             "• `done <something you did>` — so others can find you")
    return Text("Three things to try:\n" + first + "\n"
                "• `whodone chromebooks` — who has already done something\n"
                "• `teachmeet list` — teach-meets coming up")


async def hello(ctx: Context, _args: Args) -> Reply:
    """"hi", "hello", "what can you do?": a short friendly answer."""
    name = ctx.caller.display_name.strip()
    greeting = f"Hello, {name}!" if name else "Hello!"
    network = ctx.settings.network.name
    return Reply(blocks=(
        Text(f"{greeting} I'm {network}'s bot: I help you find the colleague who has already "
             "done what you're about to try."),
        await _three_things(ctx),
        SmallPrint("Say `help` for everything I can do."),
    ))


async def thanks(ctx: Context, _args: Args) -> Reply:
    return Reply(blocks=(Text("You're welcome!"), await _three_things(ctx),
                         SmallPrint("Say `help` for everything I can do.")))


async def _accounts(session: AsyncSession, member_id: int) -> list[Account]:
    identities = await session.scalars(select(Identity).where(Identity.member_id == member_id))
    return [(i.platform, i.space_id, i.user_id) for i in identities]


async def forget_questions(session: AsyncSession, member_id: int) -> None:
    """The member's own open questions, and any asked of others that name them ("Will you
    talk with Ann Jones about ...?", a choice of whom to ask)."""
    repo = ConversationRepository(session)
    await repo.forget(await _accounts(session, member_id))
    member = await session.get(Member, member_id)
    if member is not None:
        await repo.forget_mentioning([member.handle, member.name])


async def export_questions(session: AsyncSession, member_id: int) -> list[dict[str, Any]]:
    rows = await ConversationRepository(session).of_accounts(
        await _accounts(session, member_id))
    return [{"asked": row.question.get("prompt", ""), "asked_at": row.asked_at.isoformat(),
             "expires_at": row.expires_at.isoformat()} for row in rows]


CAPABILITY = Capability(
    name="conversation",
    intents=INTENTS,
    forget=forget_questions,
    export=export_questions,
    commands=[
        Command(name="hello", aliases=("hi", "hey"), handler=hello, hidden=True,
                summary="Say hello: what I do, and three things to try."),
        Command(name="thanks", aliases=("thank you", "cheers"), handler=thanks, hidden=True,
                summary="You're welcome."),
    ],
)
