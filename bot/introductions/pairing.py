"""Peer pairing: opted-in members are matched each round (monthly by default).

Preference order for a pair: never met before (while any unused pair can still make up the
round), then one has done what the other wants to learn (compared with the search's own
text analysis), then the same region. An odd number makes one group of three. Privacy
applies both ways: a pair is only made between members who could each find the other.

A week after a round each member of each group is asked "Did you meet?" (Yes / Not yet /
Skip; due work per group, one check-in row per member, so nobody is asked twice). A group
that said "not yet" and never "yes" counts as not paired, so it can be offered again; a
member who leaves two check-ins in a row unanswered is paused, and told once how to resume.
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field
from sqlalchemy.exc import IntegrityError

from bot.commands import ID_RANGE, Arg, Args
from bot.context import Context
from bot.conversation import Conversation
from bot.errors import NotAllowed, UserError
from bot.introductions.common import Where, mutually_visible, reach, spaces_of
from bot.notifier import Destination
from bot.replies import Actions, Button, Reply, Text, choose
from bot.replies import Context as SmallPrint
from storage.models import DueWork, Member, PairingCheckin, PairingMatch
from storage.repositories.due_work import DueWorkRepository
from storage.repositories.introductions import (
    CHECKIN_KIND,
    PAIRING_KIND,
    SILENT_ROUNDS,
    IntroductionsRepository,
    checkin_key,
)
from storage.search.analysis import analyse_document, query_terms

if TYPE_CHECKING:
    from bot.context import Services

log = logging.getLogger(__name__)

MAX_PAUSE = timedelta(days=366 * 2)
CHECKIN_AFTER = timedelta(days=7)
"""How long after a pairing its members are asked whether they met."""
CHECKIN_OPEN = timedelta(days=7)
"""How long a check-in can be answered; unanswered by then, it counts as silent."""
SEARCH_BUDGET = 20000
"""Steps the repeat-free search may take before settling for fewest repeats."""


@functools.cache
def want_words() -> frozenset[str]:
    """Words of wanting, not of the thing wanted: "keen to learn more about podcasts".
    Worked out on first use, not at import: analysing text builds the thesaurus
    analyser, which every `staffroom` command would otherwise pay for."""
    return frozenset(query_terms(
        "learn learning keen want wanting like more about how interested interest explore "
        "know knowing find out better get started start use using"))


# -- parsing "pause <until>" ---------------------------------------------------------------------
def parse_until(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """The start (in the member's time zone) of the day pairing resumes; must be future."""
    text = text.strip()
    if text.lower().startswith("until "):
        text = text[6:].strip()
    if not text:
        raise UserError("Say until when, e.g. `pairing pause 2027-01-31`.")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = _natural_date(text, now, zone)
    resume = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    if resume <= now:
        raise UserError(f"{day:%d %B %Y} is not in the future: give the date pairing should "
                        "start again, e.g. `pairing pause 2027-01-31`.")
    if resume - now > MAX_PAUSE:
        raise UserError("That is more than two years away; use `pairing off` instead.")
    return resume


def _natural_date(text: str, now: datetime, zone: ZoneInfo) -> date:
    import dateparser

    base = now.astimezone(zone).replace(tzinfo=None)
    try:
        parsed = dateparser.parse(text, languages=["en"], settings={
            "RELATIVE_BASE": base, "PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY",
            "RETURN_AS_TIMEZONE_AWARE": False})
    except Exception:  # dateparser raises assorted errors on odd input
        parsed = None
    if parsed is None:
        raise UserError(f"I couldn't read {text[:60]!r} as a date. Try `pairing pause "
                        "2027-01-31` or `pairing pause 1 March`.")
    return parsed.date()


# -- the command ----------------------------------------------------------------------------------
class PairingArgs(Args):
    action: Annotated[Literal["on", "off", "pause", "status"] | None,
                      Arg(help="on, off, pause or status")] = None
    until: Annotated[str | None, Arg(help="for pause: the date to start again", rest=True,
                                         date=True),
                     Field(max_length=100)] = None


def _zone(ctx: Context, member: Member) -> ZoneInfo:
    try:
        return ZoneInfo(member.timezone or ctx.settings.network.timezone)
    except Exception:
        return ZoneInfo(ctx.settings.network.timezone)


async def pairing(ctx: Context, args: PairingArgs) -> Reply:
    me = await ctx.member()
    repo = IntroductionsRepository(ctx.session)
    action = args.action or "status"
    if args.until and action != "pause":
        raise UserError(f"`pairing {action}` takes no date; did you mean `pairing pause "
                        f"{args.until[:40]}`?")
    if action == "status":
        return await _status(ctx, me, repo)
    if action == "pause":
        resume = parse_until(args.until or "", ctx.now(), _zone(ctx, me))
        prefs = await repo.prefs_for_update(me.id)
        prefs.pairing, prefs.pairing_paused_until = True, resume
        shown = resume.astimezone(_zone(ctx, me))
        return Reply(blocks=(Text(f"Pairing is paused until {shown:%d %B %Y}; you'll be "
                                  "included again in the first round after that."),),
                     tone="success")
    prefs = await repo.prefs_for_update(me.id)
    prefs.pairing, prefs.pairing_paused_until = action == "on", None
    if action == "off":
        return Reply(blocks=(Text("Pairing is off. `pairing on` opts you back in."),),
                     tone="success")
    note = (" Your privacy is hidden, so you won't be paired until you choose `privacy "
            "network` or `privacy space`.") if me.privacy == "hidden" else ""
    every = ctx.settings.introductions.pairing_every
    return Reply(blocks=(Text(f"You're in! Each {every} I'll pair you with another member — "
                              f"ideally someone who has done what you want to learn.{note}"),),
                 tone="success")


async def _status(ctx: Context, me: Member, repo: IntroductionsRepository) -> Reply:
    prefs = await repo.prefs(me.id)
    if prefs is None or not prefs.pairing:
        state = "off (`pairing on` to join)"
    elif prefs.pairing_paused_until and prefs.pairing_paused_until > ctx.now():
        state = f"paused until {prefs.pairing_paused_until.astimezone(_zone(ctx, me)):%d %B %Y}"
    else:
        state = "on"
    matches = await repo.matches(me.id)
    answers = await repo.checkin_answers([m.id for m in matches])
    met = sum(1 for m in matches if "yes" in answers.get(m.id, ()))
    said = times_paired(len(matches))
    if matches:
        said += f" Met (from the check-ins): {met} of {len(matches)}."
    return Reply(blocks=(Text(f"Peer pairing: {state}."), SmallPrint(said)))


# -- matching -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """What matching needs to know about one opted-in member."""

    id: int
    name: str
    region: str = ""
    privacy: str = "network"
    spaces: frozenset[Where] = frozenset()
    done: tuple[tuple[str, frozenset[str]], ...] = ()
    """(summary, index terms) of each thing they have done."""
    learn: tuple[tuple[str, frozenset[str]], ...] = ()
    """(text, terms) of each thing they want to learn."""


def candidate(member: Member) -> Candidate:
    return Candidate(
        id=member.id, name=member.name, region=member.region.strip(), privacy=member.privacy,
        spaces=frozenset(spaces_of(member.identities)),
        done=tuple((e.summary, frozenset(analyse_document(e.summary, e.tags).terms.split()))
                   for e in member.done),
        learn=tuple((i.text, frozenset(query_terms(i.text)) - want_words())
                    for i in member.interests))


def reasons(a: Candidate, b: Candidate) -> tuple[int, list[str]]:
    """(score, sentences) for pairing a with b: learning matches count far more than region."""
    score, said = 0, []
    for learner, teacher in ((a, b), (b, a)):
        for wanted, wanted_terms in learner.learn:
            hit = next((summary for summary, terms in teacher.done
                        if wanted_terms and wanted_terms & terms), None)
            if hit:
                score += 10
                said.append(f"{teacher.name} has done “{hit}”, and {learner.name} wants to "
                            f"learn about “{wanted}”.")
                break
    if a.region and a.region.lower() == b.region.lower():
        score += 1
        said.append(f"You are both in {a.region}.")
    return score, said


def _allowed(a: Candidate, b: Candidate) -> bool:
    return a.privacy != "hidden" and b.privacy != "hidden" and mutually_visible(
        a, set(a.spaces), b, set(b.spaces))


class _OutOfBudget(Exception):
    pass


def _perfect(nodes: list[int], partners: dict[int, list[int]], budget: int
             ) -> list[tuple[int, int]] | None:
    """A perfect matching using only listed partners (tried in the listed order), found by
    depth-first search taking the most constrained member first; None if there is none
    (or the budget runs out). Partner lists must be symmetric."""
    unmatched = set(nodes)
    adjacent = {n: set(partners[n]) for n in nodes}
    free = {n: len(adjacent[n]) for n in nodes}
    """How many unmatched partners each member has left."""
    chosen: list[tuple[int, int]] = []
    steps = 0

    def take(n: int) -> None:
        unmatched.discard(n)
        for p in adjacent[n]:
            free[p] -= 1

    def give_back(n: int) -> None:
        unmatched.add(n)
        for p in adjacent[n]:
            free[p] += 1

    def search() -> bool:
        nonlocal steps
        if not unmatched:
            return True
        steps += 1
        if steps > budget:
            raise _OutOfBudget
        node = min(unmatched, key=lambda n: (free[n], n))
        take(node)
        for partner in partners[node]:
            if partner in unmatched:
                take(partner)
                chosen.append((node, partner))
                if search():
                    return True
                chosen.pop()
                give_back(partner)
        give_back(node)
        return False

    try:
        return list(chosen) if search() else None
    except _OutOfBudget:
        return None


def make_groups(candidates: Sequence[Candidate], past: set[frozenset[int]], *,
                seed: str) -> list[tuple[int, ...]]:
    """Pairs (and at most one trio) of member ids for one round."""
    people = {c.id: c for c in candidates}
    ids = sorted(people)
    rng = random.Random(seed)
    order = ids[:]
    rng.shuffle(order)
    rank = {m: i for i, m in enumerate(order)}
    score = {frozenset((a, b)): reasons(people[a], people[b])[0]
             for i, a in enumerate(ids) for b in ids[i + 1:]}
    allowed = {m: [o for o in ids if o != m and _allowed(people[m], people[o])] for m in ids}
    spare = -1  # stands in for "left over": the one member joined to a pair as a trio

    def ordered(m: int, fresh_only: bool) -> list[int]:
        options = [o for o in allowed[m] if not fresh_only or frozenset((m, o)) not in past]
        options.sort(key=lambda o: (frozenset((m, o)) in past, -score[frozenset((m, o))],
                                    rank[o]))
        return options + ([spare] if len(ids) % 2 else [])

    nodes = ids + ([spare] if len(ids) % 2 else [])
    matching = None
    for fresh_only in (True, False):
        partners = {m: ordered(m, fresh_only) for m in ids}
        if len(ids) % 2:
            partners[spare] = sorted(ids, key=lambda m: rank[m])
        matching = _perfect(nodes, partners, SEARCH_BUDGET)
        if matching is not None:
            break
    if matching is None:
        matching = _greedy(ids, lambda m: ordered(m, False))
    groups = [tuple(sorted(p)) for p in matching if spare not in p]
    left = [m for p in matching if spare in p for m in p if m != spare]
    left += [m for m in ids if not any(m in p for p in matching)]
    for extra in left:
        group = _best_group_for(extra, groups, allowed, past, score)
        if group is not None:
            groups[groups.index(group)] = (*group, extra)
    return groups


def _greedy(ids: list[int], ordered: Callable[[int], list[int]]) -> list[tuple[int, int]]:
    """Fallback when no perfect matching exists (privacy leaves someone with nobody)."""
    taken: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for m in ids:
        if m in taken:
            continue
        partner = next((o for o in ordered(m) if o >= 0 and o not in taken), None)
        if partner is not None:
            taken.update((m, partner))
            pairs.append((m, partner))
    return pairs


def _best_group_for(extra: int, groups: list[tuple[int, ...]], allowed: dict[int, list[int]],
                    past: set[frozenset[int]], score: dict[frozenset[int], int]
                    ) -> tuple[int, ...] | None:
    fits = [g for g in groups if len(g) == 2 and all(m in allowed[extra] for m in g)]
    if not fits:
        return None
    return min(fits, key=lambda g: (sum(frozenset((extra, m)) in past for m in g),
                                    -sum(score[frozenset((extra, m))] for m in g), g))


def group_reason(group: Sequence[Candidate]) -> str:
    said: list[str] = []
    for i, a in enumerate(group):
        for b in group[i + 1:]:
            said.extend(s for s in reasons(a, b)[1] if s not in said)
    return " ".join(said) or "You haven't been paired before, so it's a chance to meet someone new."


# -- the scheduled round --------------------------------------------------------------------------
def period(now: datetime, every: str, hour: int) -> tuple[str, datetime]:
    """The round's key and its due time (the first day of the period, at `hour` UTC)."""
    now = now.astimezone(UTC)
    if every == "month":
        return f"{now:%Y-%m}", datetime(now.year, now.month, 1, hour, tzinfo=UTC)
    monday = (now - timedelta(days=now.weekday())).date()
    if every == "week":
        year, week, _ = monday.isocalendar()
        return f"{year}-W{week:02d}", datetime.combine(monday, time(hour), tzinfo=UTC)
    epoch = date(1970, 1, 5)  # a Monday
    n = (monday - epoch).days // 14
    start = epoch + timedelta(days=14 * n)
    return f"F{n}", datetime.combine(start, time(hour), tzinfo=UTC)


async def plan_round(services: Services) -> None:
    """Planner (run hourly): plan this period's round once; every copy plans the same key."""
    settings = services.settings.introductions
    if not settings.pairing_enabled:
        return
    key, due = period(services.clock.now(), settings.pairing_every, settings.pairing_hour)
    try:
        async with services.db.unit_of_work() as session:
            await DueWorkRepository(session).plan(PAIRING_KIND, key, due, {"round": key})
    except IntegrityError:
        log.info("pairing round %s was planned by another copy at the same moment", key)


async def run_round(services: Services, work: DueWork) -> None:
    now = services.clock.now()
    outbox: list[tuple[Destination, Reply]] = []
    async with services.db.unit_of_work() as session:
        repo = IntroductionsRepository(session)
        if await repo.round_by_key(work.key) is not None:
            return
        paused = await _pause_silent(repo, await repo.pairing_candidates(now), now)
        members = {m.id: m for m in await repo.pairing_candidates(now) if m.identities}
        candidates = {m.id: candidate(m) for m in members.values()}
        groups = make_groups(list(candidates.values()), await repo.past_pairs(), seed=work.key)
        round_ = await repo.add_round(work.key, now)
        for group in groups:
            reason = group_reason([candidates[m] for m in group])
            match = await repo.add_match(round_.id, group, reason)
            await DueWorkRepository(session).plan(CHECKIN_KIND, checkin_key(match.id),
                                                  now + CHECKIN_AFTER, {"match_id": match.id})
            for m in group:
                others = [members[o] for o in group if o != m]
                destination = reach(members[m].identities)
                if destination is not None:
                    outbox.append((destination, pairing_message(others, reason)))
        for member in paused:
            destination = reach(member.identities)
            if destination is not None:
                outbox.append((destination, paused_message(member)))
    await _send(services, outbox)


async def _send(services: Services, outbox: list[tuple[Destination, Reply]]) -> None:
    for destination, reply in outbox:
        try:
            await services.notifier.send(destination, reply)
        except Exception:
            log.exception("could not deliver a pairing message to %s", destination)


async def _pause_silent(repo: IntroductionsRepository, candidates: list[Member],
                        now: datetime) -> list[Member]:
    """Pause (and return) members who left their last check-ins unanswered."""
    silent = await repo.silent_members([m.id for m in candidates], now)
    paused = []
    for member in candidates:
        if member.id in silent:
            prefs = await repo.prefs_for_update(member.id)
            prefs.pairing_paused_until = now + MAX_PAUSE
            await repo.mark_silent(member.id, now)
            paused.append(member)
    return paused


def paused_message(member: Member) -> Reply:
    return Reply(blocks=(
        Text(f"I've paused your peer pairing: you didn't answer the last {SILENT_ROUNDS} "
             "\"Did you meet?\" check-ins, so I guess now isn't a good time."),
        SmallPrint("Say `pairing on` whenever you'd like to be paired again."),
    ))


# -- the check-in a week later -----------------------------------------------------------------
CHECKIN_ANSWERS = (("Yes", "yes", "primary", ("yes", "y", "yep", "we did", "yes we met")),
                   ("Not yet", "not_yet", "default", ("not yet", "no", "n", "nope", "not")),
                   ("Skip", "skip", "default", ("skip", "pass", "rather not say")))


def checkin_message(checkin: PairingCheckin, others: Sequence[Member]) -> Reply:
    names = " and ".join(o.name for o in others) or "your pairing"
    buttons = tuple(Button(label, "pairing-checkin", {"checkin": checkin.id,
                                                      "answer": answer}, style=style)
                    for label, answer, style, _ in CHECKIN_ANSWERS)
    return Reply(blocks=(
        Text(f"Did you meet {names}? It was a week ago that I paired you."),
        Actions(buttons),
        SmallPrint("Say `yes`, `not yet` or `skip`. If you didn't get to meet, I may pair you "
                   "again. Unanswered check-ins twice in a row pause your pairing."),
    ), question=choose(f"Did you meet {names[:80]}?", buttons,
                       minutes=CHECKIN_OPEN.total_seconds() / 60,
                       words={i: a[3] for i, a in enumerate(CHECKIN_ANSWERS)}))


async def send_checkin(services: Services, work: DueWork) -> None:
    """Due work a week after a round: ask each member of one group, once each."""
    now = services.clock.now()
    outbox: list[tuple[Destination, Reply]] = []
    async with services.db.unit_of_work() as session:
        repo = IntroductionsRepository(session)
        match = await session.get(PairingMatch, int(work.payload.get("match_id", 0)))
        if match is None:
            return
        group = [m for m in (match.first_id, match.second_id, match.third_id) if m]
        people = {m: await session.get(Member, m) for m in group}
        asked = await repo.checkins_of(match.id)
        conversation = Conversation(services)
        for member_id in group:
            destination = reach(await repo.identities(member_id))
            if member_id in asked or destination is None:
                continue
            checkin = PairingCheckin(match_id=match.id, member_id=member_id, answer=None,
                                     asked_at=now, expires_at=now + CHECKIN_OPEN)
            session.add(checkin)
            await session.flush()
            message = checkin_message(checkin, [p for o, p in people.items()
                                                if o != member_id and p is not None])
            if message.question is not None and destination.user_id:
                await conversation.ask(session, (destination.platform, destination.space_id,
                                                 destination.user_id), message.question)
            outbox.append((destination, message))
    await _send(services, outbox)


class CheckinArgs(Args):
    checkin: Annotated[int, Arg(help="the check-in's number, from its message",
                                   numbers="check-in"), ID_RANGE]
    answer: Annotated[Literal["yes", "not_yet", "skip"], Arg(help="yes, not_yet or skip")]


async def answer_checkin(ctx: Context, args: CheckinArgs) -> Reply:
    me = await ctx.member()
    checkin = await ctx.session.get(PairingCheckin, args.checkin, with_for_update=True,
                                    populate_existing=True)
    if checkin is None:
        raise UserError(f"There is no pairing check-in #{args.checkin}.")
    if checkin.member_id != me.id:
        raise NotAllowed("That check-in was sent to someone else, so only they can answer it.")
    if checkin.answer is not None:
        said = {"yes": "yes", "not_yet": "not yet", "skip": "skip"}.get(checkin.answer)
        raise UserError(f"You already answered this check-in ({said})." if said else
                        "This check-in has closed.")
    if ctx.now() >= checkin.expires_at:
        raise UserError("This check-in has closed, so nothing was recorded.")
    checkin.answer, checkin.answered_at = args.answer, ctx.now()
    text = {"yes": "Great, glad you met! Thanks for letting me know.",
            "not_yet": "Thanks for saying. If you don't get to meet, I may pair you again in a "
                       "later round.",
            "skip": "OK, noted."}[args.answer]
    return Reply(blocks=(Text(text),), tone="success")


def pairing_message(others: Sequence[Member], reason: str) -> Reply:
    names = " and ".join(f"{o.name} (@{o.handle})" for o in others)
    return Reply(blocks=(
        Text(f"This round you're paired with {names}. Say hello and find a time to talk!"),
        Text(f"Why: {reason}"),
        SmallPrint("`pairing pause <date>` or `pairing off` if now isn't a good time."),
    ))


def times_paired(count: int) -> str:
    if count == 0:
        return "You haven't been paired yet."
    return "You have been paired once." if count == 1 else f"You have been paired {count} times."
