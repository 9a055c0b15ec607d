"""Linking accounts: one-time codes, and joining two members into one.

`merge_members` is the one place that knows every table holding a member id; a test keeps
`MEMBER_COLUMNS` in step with the schema, so a new table cannot be forgotten by a merge.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AuditEntry,
    DoneEntry,
    DueWork,
    Identity,
    Interest,
    IntroductionPrefs,
    LinkCode,
    MeetRequest,
    Member,
    PairingCheckin,
    PairingMatch,
    Pin,
    Question,
    QuestionAnswer,
    QuestionRecipient,
    TeachMeet,
    TeachMeetFeed,
    TeachMeetFollowup,
    TeachMeetRsvp,
    TeachMeetSeries,
    TeachMeetTalk,
)
from storage.models.directory import LESSONS
from storage.repositories.deployment import deployment_id
from storage.repositories.introductions import MEET_EXPIRY_KIND, NUDGE_KIND, meet_key
from storage.search import SearchIndex

MARK_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base 32: no I, L, O or U, so a code read aloud or retyped survives."""
MARK_LENGTH = 3


def mark_of_deployment(deployment: str) -> str:
    """The 3-character code mark of a deployment id (15 bits of its hash)."""
    number = int.from_bytes(hashlib.sha256(deployment.encode()).digest()[:4], "big")
    return "".join(MARK_ALPHABET[number >> (5 * i) & 31] for i in range(MARK_LENGTH))


PROFILE_FIELDS = ("name", "role", "organisation", "region", "bio", "timezone")
"""Filled from the newer profile only where the older one's is empty."""
PRIVACY_ORDER = ("network", "space", "hidden")
"""Least to most private: a merged profile keeps the more private choice."""
RSVP_STRENGTH = {"going": 3, "waitlist": 2, "maybe": 1, "not_going": 0}
"""Two answers to one teach-meet become the more committed one."""
ENTRY_TAGS_MAX = 10

MEMBER_COLUMNS = frozenset({
    ("identities", "member_id"), ("done_entries", "member_id"), ("interests", "member_id"),
    ("introduction_prefs", "member_id"), ("meet_requests", "asker_id"),
    ("meet_requests", "expert_id"), ("pairing_matches", "first_id"),
    ("pairing_matches", "second_id"), ("pairing_matches", "third_id"),
    ("pins", "added_by_member_id"), ("teachmeets", "organiser_id"),
    ("teachmeet_series", "organiser_id"), ("teachmeet_feeds", "member_id"),
    ("teachmeet_rsvps", "member_id"), ("teachmeet_talks", "member_id"),
    ("link_codes", "member_id"), ("pairing_checkins", "member_id"),
    ("teachmeet_followups", "member_id"), ("questions", "asker_id"),
    ("question_recipients", "member_id"), ("question_answers", "answerer_id"),
})
"""Every column that refers to a member, each of which `merge_members` moves."""


@dataclass
class MergeReport:
    """What a merge did, for the reply, the audit log and the operator."""

    winner_id: int
    loser_id: int
    filled: list[str] = field(default_factory=list)
    privacy: str = "network"
    privacy_changed: bool = False
    web_listing: bool = False
    web_listing_changed: bool = False
    accounts: int = 0
    entries_moved: int = 0
    entries_collapsed: int = 0
    interests_moved: int = 0
    interests_collapsed: int = 0
    rsvps_moved: int = 0
    rsvps_collapsed: list[int] = field(default_factory=list)
    """Teach-meets both had answered: one answer kept."""
    talks_moved: int = 0
    talks_dropped: list[tuple[int, str]] = field(default_factory=list)
    """(teach-meet id, title) of a second talk at one teach-meet, withdrawn."""
    organised: int = 0
    series: int = 0
    """Repeating teach-meets whose organiser moved across."""
    feed_moved: bool = False
    """The newer profile's calendar feed, kept because the older had none."""
    feed_dropped: bool = False
    """The newer profile's calendar feed, ended: the older's is the member's one feed."""
    requests_moved: int = 0
    requests_dropped: int = 0
    pairings_moved: int = 0
    pairings_dropped: int = 0
    pins: int = 0
    audit_rewritten: int = 0
    freed_meets: list[int] = field(default_factory=list)
    """Teach-meets where two places became one: their waitlists may move up."""


def _norm(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(".!")


class LinkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- the network's mark ------------------------------------------------------------------
    async def mark(self) -> str:
        """This network's code mark: drawn from the deployment's id, so every copy of the
        bot agrees on it and another deployment's (another network's) differs."""
        return mark_of_deployment(await deployment_id(self.session))

    # -- codes -------------------------------------------------------------------------------
    async def made_since(self, platform: str, space_id: str, user_id: str,
                         since: datetime) -> list[LinkCode]:
        """Codes the account made since `since`, oldest first (the rate limit counts them)."""
        return list(await self.session.scalars(select(LinkCode).where(
            LinkCode.platform == platform, LinkCode.space_id == space_id,
            LinkCode.user_id == user_id, LinkCode.created_at >= since)
            .order_by(LinkCode.created_at, LinkCode.id)))

    async def end_live(self, platform: str, space_id: str, user_id: str, *,
                       status: str) -> int:
        """Stop the account's live codes (replaced by a newer one, or cancelled)."""
        result = await self.session.execute(
            update(LinkCode).where(LinkCode.platform == platform, LinkCode.space_id == space_id,
                                   LinkCode.user_id == user_id, LinkCode.status == "live")
            .values(status=status))
        return result.rowcount or 0

    async def move_codes(self, platform: str, space_id: str, user_id: str,
                         member_id: int) -> None:
        """An unlinked account's codes go with it to its new member."""
        await self.session.execute(
            update(LinkCode).where(LinkCode.platform == platform, LinkCode.space_id == space_id,
                                   LinkCode.user_id == user_id)
            .values(member_id=member_id).execution_options(synchronize_session=False))

    async def add(self, code: LinkCode) -> LinkCode:
        self.session.add(code)
        await self.session.flush()
        return code

    async def by_hash(self, code_hash: str) -> LinkCode | None:
        return await self.session.scalar(select(LinkCode).where(LinkCode.code_hash == code_hash))

    async def claim(self, code_id: int, now: datetime) -> bool:
        """Use the code, if it is still live and in time: exactly one claim can win."""
        result = await self.session.execute(
            update(LinkCode).where(LinkCode.id == code_id, LinkCode.status == "live",
                                   LinkCode.expires_at > now)
            .values(status="used", used_at=now).execution_options(synchronize_session=False))
        return (result.rowcount or 0) == 1

    async def cancel(self, code_id: int) -> bool:
        result = await self.session.execute(
            update(LinkCode).where(LinkCode.id == code_id, LinkCode.status == "live")
            .values(status="cancelled").execution_options(synchronize_session=False))
        return (result.rowcount or 0) == 1

    async def live_of(self, member_id: int, now: datetime) -> list[LinkCode]:
        return list(await self.session.scalars(select(LinkCode).where(
            LinkCode.member_id == member_id, LinkCode.status == "live",
            LinkCode.expires_at > now).order_by(LinkCode.id)))

    async def codes_of(self, member_id: int) -> list[LinkCode]:
        return list(await self.session.scalars(
            select(LinkCode).where(LinkCode.member_id == member_id).order_by(LinkCode.id)))

    async def purge(self, before: datetime) -> None:
        """Codes made before `before` are of no more use, even to the rate limit."""
        await self.session.execute(delete(LinkCode).where(LinkCode.created_at < before))

    async def forget(self, member_id: int) -> None:
        await self.session.execute(delete(LinkCode).where(LinkCode.member_id == member_id))

    async def failures_since(self, actor: str, action: str, since: datetime) -> int:
        """How many failed attempts an account made (they are in the audit log)."""
        return await self.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == action, AuditEntry.actor == actor,
            AuditEntry.at >= since)) or 0

    # -- members -----------------------------------------------------------------------------
    async def lock_members(self, ids: Sequence[int]) -> dict[int, Member]:
        """Load (and on PostgreSQL lock, in id order) the members about to be merged, so a
        second merge of either waits for this one and then finds what it left."""
        rows = await self.session.scalars(
            select(Member).where(Member.id.in_(sorted(set(ids)))).order_by(Member.id)
            .with_for_update().execution_options(populate_existing=True))
        return {m.id: m for m in rows}

    async def identity(self, platform: str, space_id: str, user_id: str) -> Identity | None:
        return await self.session.scalar(select(Identity).where(
            Identity.platform == platform, Identity.space_id == space_id,
            Identity.user_id == user_id))

    # -- merging -----------------------------------------------------------------------------
    async def merge_members(self, search: SearchIndex, winner: Member,
                            loser: Member) -> MergeReport:
        """Join `loser` into `winner` (the older profile) in the caller's transaction, and
        delete `loser`. Nothing about either is lost except exact duplicates."""
        report = MergeReport(winner.id, loser.id)
        self._merge_profile(winner, loser, report)
        await self.session.flush()
        w, lo = winner.id, loser.id
        s = self.session

        report.accounts = await self._move(Identity, Identity.member_id, lo, w)
        await self._move(LinkCode, LinkCode.member_id, lo, w)
        await self._merge_entries(search, w, lo, report)
        await self._merge_interests(w, lo, report)
        await self._merge_rsvps(w, lo, report)
        await self._merge_talks(w, lo, report)
        report.organised = await self._move(TeachMeet, TeachMeet.organiser_id, lo, w)
        report.series = await self._move(TeachMeetSeries, TeachMeetSeries.organiser_id, lo, w)
        await self._merge_feeds(w, lo, report)
        await self._merge_requests(w, lo, report)
        await self._merge_pairings(w, lo, report)
        await self._merge_after_meets(w, lo)
        await self._merge_questions(w, lo)
        await self._merge_prefs(w, lo)
        report.pins = await self._move(Pin, Pin.added_by_member_id, lo, w)
        await self._move_nudges(winner, lo)
        # audit entries name a member as "member:<id>" (handles and names are not written)
        report.audit_rewritten = (await s.execute(
            update(AuditEntry).where(AuditEntry.target == f"member:{lo}")
            .values(target=f"member:{w}").execution_options(synchronize_session=False))
        ).rowcount or 0
        await s.execute(delete(Member).where(Member.id == lo)
                        .execution_options(synchronize_session=False))
        s.expunge(loser)
        await s.flush()
        return report

    def _merge_profile(self, winner: Member, loser: Member, report: MergeReport) -> None:
        for name in PROFILE_FIELDS:
            if not (getattr(winner, name) or "").strip() and (getattr(loser, name) or "").strip():
                setattr(winner, name, getattr(loser, name))
                report.filled.append(name)
        stricter = max(winner.privacy, loser.privacy, key=PRIVACY_ORDER.index)
        report.privacy_changed = stricter != winner.privacy
        winner.privacy = report.privacy = stricter
        listing = bool(winner.web_listing) and bool(loser.web_listing)
        report.web_listing_changed = listing != bool(winner.web_listing)
        winner.web_listing = report.web_listing = listing
        introduced = [d for d in (winner.introduced_at, loser.introduced_at) if d is not None]
        winner.introduced_at = min(introduced) if introduced else None
        if loser.created_at and winner.created_at and loser.created_at < winner.created_at:
            winner.created_at = loser.created_at

    async def _move(self, model: type, column: object, old: int, new: int) -> int:
        result = await self.session.execute(
            update(model).where(column == old).values({column: new})  # type: ignore[arg-type]
            .execution_options(synchronize_session="evaluate"))
        return result.rowcount or 0

    async def _merge_entries(self, search: SearchIndex, w: int, lo: int,
                             report: MergeReport) -> None:
        s = self.session
        mine = {_norm(e.summary): e for e in await s.scalars(
            select(DoneEntry).where(DoneEntry.member_id == w).order_by(DoneEntry.id))}
        theirs = list(await s.scalars(
            select(DoneEntry).where(DoneEntry.member_id == lo).order_by(DoneEntry.id)))
        changed: list[DoneEntry] = []
        gone: list[DoneEntry] = []
        moved: list[DoneEntry] = []
        for entry in theirs:
            kept = mine.get(_norm(entry.summary))
            if kept is None:
                entry.member_id = w
                mine[_norm(entry.summary)] = entry
                moved.append(entry)
                continue
            tags = list(dict.fromkeys([*(kept.tags or []), *(entry.tags or [])]))[:ENTRY_TAGS_MAX]
            if tags != list(kept.tags or []):
                kept.tags = tags
                changed.append(kept)
            kept.year = kept.year if kept.year is not None else entry.year
            kept.link = kept.link or entry.link
            kept.teachmeet_id = kept.teachmeet_id or entry.teachmeet_id
            taken = [n for n in LESSONS if not getattr(kept, n) and getattr(entry, n)]
            for name in taken:  # a lesson written on either account is kept
                setattr(kept, name, getattr(entry, name))
            if taken:
                written = [d for d in (kept.lessons_at, entry.lessons_at) if d]
                kept.lessons_at = max(written) if written else None
                if kept not in changed:
                    changed.append(kept)
            if entry.created_at and kept.created_at and entry.created_at < kept.created_at:
                kept.created_at = entry.created_at
            gone.append(entry)
        if gone:
            await search.unindex(s, [e.id for e in gone])
            for entry in gone:
                await s.delete(entry)
        await s.flush()
        # the index rows carry the member (and on PostgreSQL their privacy and region): a
        # merged profile whose privacy or region changed has every entry indexed afresh
        if report.privacy_changed or "region" in report.filled:
            again = list(mine.values())
        else:
            again = [*moved, *(e for e in changed if e not in moved)]
        await search.index(s, again)
        report.entries_moved, report.entries_collapsed = len(moved), len(gone)

    async def _merge_interests(self, w: int, lo: int, report: MergeReport) -> None:
        s = self.session
        mine = {_norm(i.text) for i in await s.scalars(
            select(Interest).where(Interest.member_id == w))}
        for interest in await s.scalars(
                select(Interest).where(Interest.member_id == lo).order_by(Interest.id)):
            if _norm(interest.text) in mine:
                await s.delete(interest)
                report.interests_collapsed += 1
            else:
                interest.member_id = w
                mine.add(_norm(interest.text))
                report.interests_moved += 1
        await s.flush()

    async def _merge_rsvps(self, w: int, lo: int, report: MergeReport) -> None:
        s = self.session
        mine = {r.teachmeet_id: r for r in await s.scalars(
            select(TeachMeetRsvp).where(TeachMeetRsvp.member_id == w))}
        theirs = list(await s.scalars(
            select(TeachMeetRsvp).where(TeachMeetRsvp.member_id == lo)
            .order_by(TeachMeetRsvp.id)))
        for rsvp in theirs:
            kept = mine.get(rsvp.teachmeet_id)
            if kept is None:
                continue
            report.rsvps_collapsed.append(rsvp.teachmeet_id)
            if kept.answer == "going" and rsvp.answer == "going":
                report.freed_meets.append(rsvp.teachmeet_id)
            stronger = RSVP_STRENGTH[rsvp.answer] > RSVP_STRENGTH[kept.answer] or (
                rsvp.answer == kept.answer and rsvp.answered_at < kept.answered_at)
            if stronger:
                kept.answer, kept.answered_at = rsvp.answer, rsvp.answered_at
            await s.delete(rsvp)
        await s.flush()
        report.rsvps_moved = await self._move(TeachMeetRsvp, TeachMeetRsvp.member_id, lo, w)

    async def _merge_talks(self, w: int, lo: int, report: MergeReport) -> None:
        s = self.session
        mine = {t.teachmeet_id: t for t in await s.scalars(
            select(TeachMeetTalk).where(TeachMeetTalk.member_id == w))}
        for talk in list(await s.scalars(
                select(TeachMeetTalk).where(TeachMeetTalk.member_id == lo)
                .order_by(TeachMeetTalk.id))):
            kept = mine.get(talk.teachmeet_id)
            if kept is None:
                continue
            # one talk per person per teach-meet: the drawn one, else the first claimed
            theirs_first = (kept.drawn is None and talk.drawn is not None) or (
                (kept.drawn is None) == (talk.drawn is None) and talk.created_at < kept.created_at)
            dropped = kept if theirs_first else talk
            report.talks_dropped.append((dropped.teachmeet_id, dropped.title))
            await s.delete(dropped)
        await s.flush()
        report.talks_moved = await self._move(TeachMeetTalk, TeachMeetTalk.member_id, lo, w)

    async def _merge_requests(self, w: int, lo: int, report: MergeReport) -> None:
        s = self.session
        requests = list(await s.scalars(select(MeetRequest).where(
            or_(MeetRequest.asker_id.in_((w, lo)), MeetRequest.expert_id.in_((w, lo))))
            .order_by(MeetRequest.created_at, MeetRequest.id)))
        dropped: list[MeetRequest] = []
        pending: set[tuple[int, int]] = set()
        for request in requests:
            touched = lo in (request.asker_id, request.expert_id)
            request.asker_id = w if request.asker_id == lo else request.asker_id
            request.expert_id = w if request.expert_id == lo else request.expert_id
            pair = (request.asker_id, request.expert_id)
            if request.asker_id == request.expert_id or (
                    request.status == "pending" and pair in pending):
                dropped.append(request)  # asked themselves, or asked twice: one is enough
            else:
                report.requests_moved += touched
                if request.status == "pending":
                    pending.add(pair)
        if dropped:
            await s.execute(delete(DueWork).where(
                DueWork.kind == MEET_EXPIRY_KIND,
                DueWork.key.in_([meet_key(r.id) for r in dropped])))
            for request in dropped:
                await s.delete(request)
        report.requests_dropped = len(dropped)
        await s.flush()

    async def _merge_pairings(self, w: int, lo: int, report: MergeReport) -> None:
        s = self.session
        for match in list(await s.scalars(select(PairingMatch).where(or_(
                PairingMatch.first_id == lo, PairingMatch.second_id == lo,
                PairingMatch.third_id == lo)))):
            people = list(dict.fromkeys(
                w if m == lo else m
                for m in (match.first_id, match.second_id, match.third_id) if m))
            if len(people) < 2:
                await s.delete(match)  # the two accounts were paired with each other
                report.pairings_dropped += 1
                continue
            match.first_id, match.second_id = people[0], people[1]
            match.third_id = people[2] if len(people) > 2 else None
            report.pairings_moved += 1
        await s.flush()

    async def _merge_after_meets(self, w: int, lo: int) -> None:
        """Check-ins and teach-meet follow-ups move across; where both accounts were asked
        the same thing, the answered one is kept."""
        s = self.session
        for model in (PairingCheckin, TeachMeetFollowup):
            mine = {_after_key(r): r for r in await s.scalars(
                select(model).where(model.member_id == w))}
            for row in list(await s.scalars(select(model).where(model.member_id == lo))):
                kept = mine.get(_after_key(row))
                if kept is None:
                    row.member_id = w
                    continue
                if _answered(row) and not _answered(kept):
                    await s.delete(kept)
                    await s.flush()
                    row.member_id = w
                else:
                    await s.delete(row)
            await s.flush()

    async def _merge_questions(self, w: int, lo: int) -> None:
        """Questions asked move across. Where both accounts were sent the same question,
        the furthest-along recipient row is kept (answered, then declined or later, then
        asked); where both answered it, the older answer is kept (the other's "Answered"
        entry stays among what they have done) and stays helpful if either was."""
        s = self.session
        await s.execute(update(Question).where(Question.asker_id == lo).values(asker_id=w)
                        .execution_options(synchronize_session=False))
        mine = {r.question_id: r for r in await s.scalars(
            select(QuestionRecipient).where(QuestionRecipient.member_id == w))}
        for row in list(await s.scalars(
                select(QuestionRecipient).where(QuestionRecipient.member_id == lo))):
            kept = mine.get(row.question_id)
            if kept is None:
                row.member_id = w
            elif _progress(row) > _progress(kept):
                await s.delete(kept)
                await s.flush()
                row.member_id = w
            else:
                await s.delete(row)
        answers = {a.question_id: a for a in await s.scalars(
            select(QuestionAnswer).where(QuestionAnswer.answerer_id == w))}
        for answer in list(await s.scalars(
                select(QuestionAnswer).where(QuestionAnswer.answerer_id == lo))):
            kept = answers.get(answer.question_id)
            if kept is None:
                answer.answerer_id = w
                continue
            older, newer = sorted((kept, answer), key=lambda a: (a.created_at, a.id))
            question = await s.get(Question, answer.question_id)
            if question is not None and question.helpful_answer_id == newer.id:
                question.helpful_answer_id = older.id
            await s.delete(newer)
            await s.flush()
            older.answerer_id = w
        await s.flush()

    async def _merge_feeds(self, w: int, lo: int, report: MergeReport) -> None:
        """One calendar feed per member: the older's address keeps working; the newer's
        moves across only if the older had none (else it stops, like a renewed feed)."""
        s = self.session
        theirs = await s.get(TeachMeetFeed, lo)
        if theirs is None:
            return
        if await s.get(TeachMeetFeed, w) is None:
            s.expunge(theirs)  # its key changes: the session must not keep the old one
            await s.execute(update(TeachMeetFeed).where(TeachMeetFeed.member_id == lo)
                            .values(member_id=w)
                            .execution_options(synchronize_session=False))
            report.feed_moved = True
        else:
            await s.delete(theirs)
            report.feed_dropped = True
        await s.flush()

    async def _merge_prefs(self, w: int, lo: int) -> None:
        s = self.session
        theirs = await s.get(IntroductionPrefs, lo)
        if theirs is None:
            return
        mine = await s.get(IntroductionPrefs, w)
        if mine is None:
            s.add(IntroductionPrefs(member_id=w, meet_paused=theirs.meet_paused,
                                    pairing=theirs.pairing,
                                    pairing_paused_until=theirs.pairing_paused_until))
        else:
            mine.meet_paused = bool(mine.meet_paused or theirs.meet_paused)
            mine.pairing = bool(mine.pairing or theirs.pairing)
            pauses = [p for p in (mine.pairing_paused_until, theirs.pairing_paused_until) if p]
            mine.pairing_paused_until = max(pauses) if pauses else None
        await s.delete(theirs)
        await s.flush()

    async def _move_nudges(self, winner: Member, lo: int) -> None:
        """The newer account's one introduction reminder, now the merged member's (or
        dropped, if they have introduced themselves or one is already planned there)."""
        s = self.session
        prefix = f"member:{lo}:"
        for work in list(await s.scalars(select(DueWork).where(
                DueWork.kind == NUDGE_KIND, DueWork.key.startswith(prefix, autoescape=True)))):
            key = f"member:{winner.id}:{work.key[len(prefix):]}"
            taken = await s.scalar(select(DueWork.id).where(DueWork.kind == NUDGE_KIND,
                                                           DueWork.key == key))
            if winner.introduced_at is not None or taken is not None:
                await s.delete(work)
            else:
                work.key, work.payload = key, {**work.payload, "member_id": winner.id}
        await s.flush()


def _after_key(row: PairingCheckin | TeachMeetFollowup) -> tuple[int | str, ...]:
    if isinstance(row, PairingCheckin):
        return (row.match_id,)
    return (row.teachmeet_id, row.role)


def _progress(row: QuestionRecipient) -> int:
    """How far a question's recipient got: an answer beats a reply, a reply beats none."""
    return {"answered": 2, "declined": 1, "later": 1}.get(row.status, 0)


def _answered(row: PairingCheckin | TeachMeetFollowup) -> bool:
    if isinstance(row, PairingCheckin):
        return row.answer is not None
    return row.status != "sent"
