"""The dispatcher: text or typed invocations in, answers out; errors become replies."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable
from dataclasses import replace
from typing import Any, TypeVar

from pydantic import ValidationError

from bot.commands import MAX_COMPLETIONS, Command, CommandRegistry, no_such_id
from bot.context import Context, Notice, Services, actor_label
from bot.conversation import (
    Conversation,
    Open,
    account_of,
    answer_field,
    describe_choices,
    field_prompt,
    looks_like_an_answer,
    match_option,
)
from bot.errors import NotAllowed, UserError
from bot.events import Caller, CommandInvocation, MemberJoined, TextMessage
from bot.grammar import GrammarError, UnknownCommand, clean, parse, strip_mention
from bot.intents import suggestions
from bot.logs import error_reference
from bot.notifier import Destination, Posted, Undeliverable
from bot.replies import Actions, Answer, Block, Button, Question, Reply, Text, choose, error
from bot.replies import Context as SmallPrint
from storage.db import is_outage
from storage.models import AuditEntry

log = logging.getLogger(__name__)
T = TypeVar("T")
STALE_ANSWER = ("That answer no longer leads anywhere (the bot has changed since it asked). "
                "Please run the command again; `help` lists them.")


def stale_answer() -> Reply:
    return Reply(blocks=(Text(STALE_ANSWER),), tone="warning")

APOLOGY = ("Sorry, something went wrong on our side and I couldn't do that. It has been "
           "logged; please try again in a moment.")
UNREACHABLE = "I couldn't reach the chat platform just then, so it was not sent."
UNAVAILABLE = ("The directory is unavailable right now; your command was not saved. Please "
               "try again in a few minutes.")
"""The answer to every command while the database cannot be reached: nothing the member
did is wrong, nothing was saved, and it will pass (reads say the same: nothing was done)."""


def apology(ref: str) -> str:
    """The apology with the reference the failure was logged under, for the operator."""
    return f"{APOLOGY} If it keeps happening, tell whoever runs the bot: reference {ref}."

_MESSAGES = {
    "missing": "is missing",
    "string_too_long": "is too long",
    "string_too_short": "is too short",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "greater_than_equal": "is too small",
    "less_than_equal": "is too large",
    "greater_than": "is too small",
    "less_than": "is too large",
    "literal_error": "must be one of",
    "extra_forbidden": "is not an option of this command",
}


_OUT_OF_RANGE = frozenset({"greater_than_equal", "greater_than", "less_than_equal",
                           "less_than"})


def describe_validation(command: Command, exc: ValidationError) -> Reply:
    """One readable line per bad argument, plus the usage; also as per-field form errors."""
    problems: dict[str, str] = {}
    ids = {name: meta.numbers for name, meta, _ in command.arg_specs() if meta.numbers}
    whole: list[str] = []
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "input"
        ctx = err.get("ctx") or {}
        if name in ids and err["type"] in _OUT_OF_RANGE:
            # a number no row can have: say so, rather than "must be at most 2147483647"
            problems.setdefault(name, no_such_id(ids[name], err.get("input", "")))
            whole.append(problems[name])
            continue
        base = _MESSAGES.get(err["type"])
        if err["type"] == "string_too_long":
            message = f"is too long (at most {ctx.get('max_length')} characters)"
        elif err["type"] in ("greater_than_equal", "greater_than"):
            message = f"must be at least {ctx.get('ge', ctx.get('gt'))}"
        elif err["type"] in ("less_than_equal", "less_than"):
            message = f"must be at most {ctx.get('le', ctx.get('lt'))}"
        elif err["type"] == "literal_error":
            message = f"must be one of {ctx.get('expected')}"
        elif err["type"] == "value_error":
            message = str(ctx.get("error", err["msg"]))
        else:
            message = base or err["msg"]
        problems.setdefault(name, message)
    lines = [f"{name.replace('_', ' ')} {message}" for name, message in problems.items()
             if message not in whole]
    if not lines:
        return error(" ".join(whole), **problems)
    text = "; ".join(lines)
    return error(" ".join((*whole, f"{text[0].upper()}{text[1:]}. Usage: "
                                   f"`{command.usage_line()}`")), **problems)


class Core:
    """One per process. Adapters hand it events and transport the `Answer` it returns."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.conversation = Conversation(services)
        self._database_down = False

    @property
    def registry(self) -> CommandRegistry:
        return self.services.registry

    async def answer(self, event: TextMessage | CommandInvocation) -> Answer:
        """Resolve the command (parsing typed text, or taking it as the answer to the
        member's open question), validate its arguments, run it in one unit of work,
        deliver what it queued, and decide who sees the reply."""
        if isinstance(event, TextMessage):
            return await self._answer_text(event)
        command = self.registry.get(event.command)
        if command is None:
            return Answer(error(f"I don't know the command {event.command[:40]!r}."))
        answer = await self._run(event.caller, command, dict(event.args))
        if not answer.reply.is_error and not event.from_form:
            await self._guarded(self.conversation.settle(event.caller, command.name,
                                                         event.args), "settling a question")
        return answer

    async def _answer_text(self, event: TextMessage) -> Answer:
        text = strip_mention(event.text)
        parsed, problem = None, None
        try:
            parsed = parse(self.registry, text)
        except GrammarError as exc:
            problem = exc
        asked = None
        if parsed is None or not event.forms:  # where forms can't be shown, a form's
            asked = await self._guarded(  # next field takes whatever is typed
                self.conversation.open_question(event.caller), "reading an open question")
            if asked is not None:
                followed = await self._follow(event, asked, text)
                if followed is not None:
                    return followed
        if parsed is None:
            assert problem is not None
            return await self._not_understood(event, text, problem, asked)
        answer = await self._run(event.caller, parsed.command, parsed.args,
                                 ask=event.conversational)
        if answer.reply.form is not None and not event.forms and not answer.reply.is_error:
            return await self._ask_fields(event.caller, answer)
        return answer

    async def _guarded(self, work: Awaitable[T], what: str) -> T | None:
        """Conversation bookkeeping never costs the member their answer: a failure is
        logged and read as "no open question"."""
        try:
            return await work
        except Exception as exc:
            if is_outage(exc):
                self._unavailable(exc, f"conversation: {what}")
                return None
            log.exception("conversation: %s failed", what)
            self.services.metrics.errors.labels("conversation").inc()
            return None

    # -- answers in conversation -------------------------------------------------------------
    async def _follow(self, event: TextMessage, asked: Open, text: str) -> Answer | None:
        """The typed text as the answer to the open question; None when it isn't one."""
        question = asked.question
        if question.form is not None:
            return await self._next_field(event.caller, asked, text)
        option = match_option(question, text)
        if option is None or not await self.conversation.take(asked):
            return None
        if not option.command:
            return Answer(Reply(blocks=(Text(option.said or "OK."),)))
        command = self.registry.get(option.command)
        if command is None:
            return Answer(stale_answer())
        return await self._run(event.caller, command, dict(option.args))

    async def _ask_fields(self, caller: Caller, answer: Answer) -> Answer:
        """A form where forms can't be shown: ask its fields one at a time."""
        form = answer.reply.form
        assert form is not None
        question = Question(prompt=form.title, form=form)
        await self.conversation.ask_now(account_of(caller), question)
        intro = Text(f"{form.title}: I'll ask for each detail in turn "
                     f"({len(form.fields)} in all).")
        reply = replace(answer.reply, form=None, question=question, blocks=(
            *answer.reply.blocks, intro, Text(field_prompt(form, 0, {}))))
        return replace(answer, reply=reply)

    async def _next_field(self, caller: Caller, asked: Open, text: str) -> Answer | None:
        form = asked.question.form
        assert form is not None
        step = answer_field(form, asked.index, asked.values, text)
        if not await self.conversation.take(asked):
            return None
        if step.stop:
            return Answer(Reply(blocks=(Text("OK, I've stopped: nothing was saved."),)))
        if step.problem or step.index < len(form.fields):
            await self.conversation.ask_now(account_of(caller), asked.question,
                                            values=step.values, index=step.index)
            blocks = [Text(step.problem)] if step.problem else []
            blocks.append(Text(field_prompt(form, step.index, step.values)))
            return Answer(Reply(blocks=tuple(blocks), question=asked.question,
                                tone="warning" if step.problem else "info"), form.command)
        if not step.values:
            return Answer(Reply(blocks=(Text("You didn't give any details, so nothing "
                                             "changed."),)), form.command)
        command = self.registry.get(form.command)
        if command is None:
            return Answer(stale_answer())
        answer = await self._run(caller, command, {**form.hidden, **step.values})
        wrong = [i for i, f in enumerate(form.fields) if f.name in answer.reply.field_errors]
        if wrong:
            index = wrong[0]
            values = {k: v for k, v in step.values.items() if k != form.fields[index].name}
            await self.conversation.ask_now(account_of(caller), asked.question,
                                            values=values, index=index)
            reply = replace(answer.reply, question=asked.question, blocks=(
                *answer.reply.blocks, Text(field_prompt(form, index, values))))
            return replace(answer, reply=reply)
        return answer

    async def _not_understood(self, event: TextMessage, text: str, problem: GrammarError,
                              asked: Open | None) -> Answer:
        """Say what was not understood, and what the member might have meant."""
        if not isinstance(problem, UnknownCommand):
            return Answer(error(str(problem)))
        minutes = self.services.settings.conversation.answer_minutes
        waiting = asked is not None and asked.question.form is None
        if looks_like_an_answer(text):
            if waiting:
                assert asked is not None
                return Answer(error(f"That doesn't answer my question. {asked.question.prompt}"
                                    f" {describe_choices(asked.question)}"))
            return Answer(error(
                f"There's nothing waiting for an answer just now (questions lapse after "
                f"{minutes:g} minutes). Say `help` to see what I can do."))
        offered: list[Button] = []
        usages: list[str] = []
        for suggestion in suggestions(self.registry, clean(text)):
            try:
                meant = parse(self.registry, suggestion)
                meant.command.args.model_validate(meant.args)
            except (GrammarError, ValidationError):  # it needs more: show how it is used
                resolved = self.registry.resolve(suggestion.split())
                usage = f"`{resolved[0].usage_line()}`" if resolved else ""
                if usage and usage not in usages:
                    usages.append(usage)
                continue
            offered.append(Button(suggestion, meant.command.name, meant.args))
        shown = clean(text)
        shown = shown if len(shown) <= 60 else shown[:59] + "…"
        if not offered and not usages:
            return Answer(error(f"Sorry, I didn't understand “{shown}”. Say `help` to see "
                                "what I can do."))
        question = choose("Did you mean one of these?", offered) if offered else None
        if question is not None and not waiting:
            await self._guarded(self.conversation.ask_now(account_of(event.caller), question),
                                "offering suggestions")
        blocks: list[Block] = [Text(f"Sorry, I didn't understand “{shown}”. Did you mean:")]
        if offered:
            blocks.append(Actions(tuple(offered)))
        if usages:
            blocks.append(Text("\n".join(f"• {usage}" for usage in usages)))
        blocks.append(SmallPrint(("Say the number to run it, or" if offered else "Or say")
                                 + " `help` to see what I can do."))
        if waiting:
            assert asked is not None
            blocks.append(SmallPrint(f"Still waiting on: {asked.question.prompt} "
                                     f"{describe_choices(asked.question)}"))
        return Answer(Reply(blocks=tuple(blocks), tone="error",
                            question=None if waiting else question))

    async def handle_text(self, message: TextMessage) -> Reply:
        """What the caller is shown for typed text, as one reply (terminal, tests)."""
        return (await self.answer(message)).seen_by_caller()

    async def invoke(self, invocation: CommandInvocation) -> Reply:
        """What the caller is shown for a button, form or typed option, as one reply."""
        return (await self.answer(invocation)).seen_by_caller()

    async def _run(self, caller: Caller, command: Command, raw: dict[str, Any], *,
                   ask: bool = True) -> Answer:
        started = time.perf_counter()
        outcome, answer = await self._execute(caller, command, raw, ask=ask)
        metrics = self.services.metrics
        metrics.commands.labels(command.name, outcome).inc()
        metrics.command_seconds.labels(command.name).observe(time.perf_counter() - started)
        return answer

    async def _execute(self, caller: Caller, command: Command, raw: dict[str, Any], *,
                       ask: bool = True) -> tuple[str, Answer]:
        """The answer, and how the command ended (for the commands metric)."""
        try:
            args = command.args.model_validate(raw)
        except ValidationError as exc:
            return "invalid", Answer(describe_validation(command, exc), command=command.name)
        ctx = Context(caller=caller, services=self.services, command=command.name)
        try:
            if command.moderator_only:
                await ctx.require_moderator(f"use `{command.name}`")
            reply = await command.handler(ctx, args)
            await self._record_questions(ctx, reply, ask=ask)
            reached = ctx.has_session
            await ctx.finish(commit=True)
        except NotAllowed as exc:
            # end this unit of work first: on SQLite it may hold the one write lock that
            # the refusal's own unit of work needs
            await ctx.finish(commit=False)
            await self._record_refusal(caller, command, raw, exc.message)
            return "refused", Answer(error(exc.message), command=command.name)
        except UserError as exc:
            return "user_error", Answer(
                error(exc.message, **({exc.field: exc.message} if exc.field else {})),
                command=command.name)
        except Exception as exc:
            if is_outage(exc):
                self._unavailable(exc, command.name)
                return "unavailable", Answer(error(UNAVAILABLE), command=command.name)
            ref = error_reference()
            # members' words (the arguments) only at DEBUG: ERROR lines get shared
            log.exception("command %r failed for %s (reference %s)", command.name,
                          actor_label(caller), ref, extra={"ref": ref})
            log.debug("reference %s: the failed command's arguments were %r", ref, raw,
                      exc_info=True)
            self.services.metrics.errors.labels("command").inc()
            return "error", Answer(error(apology(ref)), command=command.name)
        finally:
            await ctx.finish(commit=False)
        if self._database_down and reached:
            self._database_down = False
            log.info("%r succeeded after the database was unavailable", command.name)
        # the reply says who it is for (a published pin or a new teach-meet is for the
        # channel; a preview or a suggestion is for the caller); an error never goes public
        channel = not reply.is_error and reply.visibility == "channel"
        answer = Answer(reply, "channel" if channel else "caller", command.name,
                        args.model_dump(mode="json", exclude_unset=True))
        return "ok", await self._deliver(ctx, answer)

    def _unavailable(self, exc: BaseException, what: str) -> None:
        """One WARNING when the database goes away, without a traceback (there is nothing to
        debug, and the statement's parameters would carry members' words); INFO for each
        command answered while it stays away."""
        cause = getattr(exc, "orig", None) or exc
        reason = f"{type(cause).__name__}: {str(cause).strip().splitlines()[0][:200]}" if \
            str(cause).strip() else type(cause).__name__
        if self._database_down:
            log.info("%s: the database is still unavailable (%s)", what, reason)
            return
        self._database_down = True
        log.warning("the database is unavailable (%s): commands are answered with 'the "
                    "directory is unavailable' until it is back", reason)

    async def _record_questions(self, ctx: Context, reply: Reply, *, ask: bool) -> None:
        """Questions asked by the reply (of the caller) and by the messages the command
        sends (of each recipient), in the command's unit of work: both exist, or neither."""
        if ask and reply.question is not None and not reply.is_error and \
                reply.question.form is None:
            await self.conversation.ask(ctx.session, account_of(ctx.caller), reply.question)
        for notice in ctx.outbox:
            question, to = notice.reply.question, notice.destination
            if question is not None and question.form is None and to.user_id:
                await self.conversation.ask(ctx.session, (to.platform, to.space_id,
                                                          to.user_id), question)

    async def complete(self, caller: Caller, source: str, typed: str) -> list[str]:
        """Autocomplete suggestions from a capability's named source; [] when there is none
        or it fails (a suggestion list is never worth an error message)."""
        complete = self.registry.completions.get(source)
        if complete is None:
            return []
        ctx = Context(caller=caller, services=self.services, command=f"(complete {source})")
        try:
            found = await complete(ctx, typed.strip())
        except Exception as exc:
            if is_outage(exc):
                self._unavailable(exc, f"(complete {source})")
                return []
            log.exception("autocomplete source %r failed for %s", source, actor_label(caller))
            self.services.metrics.errors.labels("autocomplete").inc()
            return []
        finally:
            await ctx.finish(commit=False)
        return [str(value) for value in found][:MAX_COMPLETIONS]

    async def member_joined(self, event: MemberJoined) -> None:
        """Run every capability's join hook, each in its own unit of work. Nobody waits on
        a welcome, so what cannot be delivered is only logged."""
        for hook in self.registry.join_hooks:
            ctx = Context(caller=event.caller, services=self.services,
                          command="(member joined)")
            try:
                await hook(ctx, event)
                await ctx.finish(commit=True)
            except Exception as exc:
                if is_outage(exc):  # the welcome is lost: nobody is waiting on it
                    self._unavailable(exc, "(member joined)")
                    continue
                log.exception("join hook %s failed for %s", getattr(hook, "__name__", hook),
                              actor_label(event.caller))
                self.services.metrics.errors.labels("join_hook").inc()
                continue
            finally:
                await ctx.finish(commit=False)
            await self._send_outbox(ctx)

    async def _send_outbox(self, ctx: Context) -> list[tuple[Notice, Undeliverable]]:
        """Send what the command queued; return what did not arrive. A failure that is not
        the platform's final word (a network error) counts as not delivered too: the
        command is not retried, so nothing may count on it having arrived."""
        failed: list[tuple[Notice, Undeliverable]] = []
        for notice in ctx.outbox:
            attempts = [(notice.destination, notice.reply)]
            if notice.instead is not None:
                attempts.append(notice.instead)
            problem = Undeliverable(UNREACHABLE)
            for tried, (destination, reply) in enumerate(attempts, 1):
                try:
                    posted = await self.services.notifier.send(destination, reply)
                except Undeliverable as exc:
                    log.info("%s: %s refused a message to %s: %s", ctx.command,
                             destination.platform, destination, exc.reason)
                    problem = exc
                except Exception:
                    if tried == len(attempts):
                        log.exception("could not deliver a %s message to %s", ctx.command,
                                      destination)
                        self.services.metrics.errors.labels("notify").inc()
                    else:
                        log.info("%s: could not deliver to %s; trying %s instead",
                                 ctx.command, destination, attempts[-1][0], exc_info=True)
                    problem = Undeliverable(UNREACHABLE)
                else:
                    await self._after_sent(ctx, notice, posted)
                    break
            else:
                failed.append((notice, problem))
        return failed

    @staticmethod
    async def _after_sent(ctx: Context, notice: Notice, posted: Posted | None) -> None:
        """What the command wanted done once its message landed; a failure there is
        logged, never the caller's problem (the message did arrive)."""
        if notice.on_sent is None:
            return
        try:
            await notice.on_sent(posted)
        except Exception:
            log.exception("%s: after delivering to %s", ctx.command, notice.destination)

    async def _deliver(self, ctx: Context, answer: Answer) -> Answer:
        """Send the queued messages; whoever is waiting on one that did not arrive (the
        caller) is told which, why and what to do instead."""
        failed = await self._send_outbox(ctx)
        if not failed:
            return answer
        notes: list[str] = []
        replaced = False
        for notice, exc in failed:
            instead = await self._put_right(ctx, notice, exc)
            if instead is not None and not replaced:
                answer, replaced = Answer(instead, "caller", answer.command, answer.args), True
            else:
                notes.append(f"• {notice.about or _named(notice.destination)}: {exc.reason}")
        if not notes:
            return answer
        aside = Reply(blocks=(Text("Not everything I was asked to send arrived:\n"
                                   + "\n".join(notes)),), tone="warning")
        if answer.for_channel:
            return replace(answer, aside=aside)
        return replace(answer, reply=Answer(answer.reply, aside=aside).seen_by_caller())

    @staticmethod
    async def _put_right(ctx: Context, notice: Notice, exc: Undeliverable) -> Reply | None:
        if notice.if_undeliverable is None:
            return None
        try:
            return await notice.if_undeliverable(exc)
        except Exception:
            log.exception("%s: putting right an undelivered message failed", ctx.command)
            return None

    async def _record_refusal(self, caller: Caller, command: Command, raw: dict[str, Any],
                              reason: str) -> None:
        """Audited with the arguments (what was attempted is the record); logged without."""
        log.warning("refused %r for %s: %s", command.name, actor_label(caller), reason)
        safe = {k: str(v)[:200] for k, v in raw.items()}
        async with self.services.db.unit_of_work() as session:
            session.add(AuditEntry(at=self.services.clock.now(), actor=actor_label(caller),
                                   action="refused", target=command.name, after=safe))


def _named(destination: Destination) -> str:
    return "a direct message" if destination.user_id else "a channel post"
