"""Introductions: preferences, meet requests, pairing history, and erasing a member."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, cast, delete, func, null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import (
    AuditEntry,
    DueWork,
    Identity,
    Interest,
    IntroductionPrefs,
    MeetRequest,
    Member,
    PairingCheckin,
    PairingMatch,
    PairingRound,
)

NUDGE_KIND = "intro-nudge"
MEET_EXPIRY_KIND = "meet-expire"
MEET_LATER_KIND = "meet-later"
"""The one reminder an expert gets after answering a request "Not now"."""
PAIRING_KIND = "pairing-round"
CHECKIN_KIND = "pairing-checkin"
"""A week after a pairing: "Did you meet?" to each member of the group."""
SILENT_ROUNDS = 2
"""Unanswered check-ins in a row after which a member's pairing is paused."""


def nudge_key(member_id: int, platform: str, space_id: str) -> str:
    return f"member:{member_id}:{platform}:{space_id}"


def meet_key(request_id: int) -> str:
    return f"meet:{request_id}"


def later_key(request_id: int) -> str:
    return f"meet:{request_id}:later"


def checkin_key(match_id: int) -> str:
    return f"match:{match_id}"


class IntroductionsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- preferences -------------------------------------------------------------------------
    async def prefs(self, member_id: int) -> IntroductionPrefs | None:
        return await self.session.get(IntroductionPrefs, member_id)

    async def prefs_for_update(self, member_id: int) -> IntroductionPrefs:
        prefs = await self.prefs(member_id)
        if prefs is None:
            prefs = IntroductionPrefs(member_id=member_id, meet_paused=False, pairing=False)
            self.session.add(prefs)
            await self.session.flush()
        return prefs

    async def meet_paused(self, member_ids: Sequence[int]) -> set[int]:
        if not member_ids:
            return set()
        rows = await self.session.scalars(select(IntroductionPrefs.member_id).where(
            IntroductionPrefs.member_id.in_(member_ids), IntroductionPrefs.meet_paused))
        return set(rows)

    async def set_interests(self, member_id: int, texts: Sequence[str]) -> None:
        await self.session.execute(delete(Interest).where(Interest.member_id == member_id))
        self.session.add_all(Interest(member_id=member_id, text=t) for t in texts)
        await self.session.flush()

    async def introduced_between(self, platform: str, space_id: str, since: datetime,
                                 until: datetime) -> list[Member]:
        """Members of a space who introduced themselves in [since, until), unless hidden."""
        rows = await self.session.scalars(
            select(Member).join(Identity).where(
                Identity.platform == platform, Identity.space_id == space_id,
                Member.introduced_at >= since, Member.introduced_at < until,
                Member.privacy != "hidden")
            .order_by(Member.introduced_at, Member.id).distinct()
            .options(selectinload(Member.interests), selectinload(Member.done)))
        return list(rows)

    async def work_exists(self, kind: str, key: str) -> bool:
        found = await self.session.scalar(
            select(DueWork.id).where(DueWork.kind == kind, DueWork.key == key))
        return found is not None

    async def identity_in(self, member_id: int, platform: str,
                          space_id: str) -> Identity | None:
        return await self.session.scalar(select(Identity).where(
            Identity.member_id == member_id, Identity.platform == platform,
            Identity.space_id == space_id))

    async def identities(self, member_id: int) -> list[Identity]:
        return list(await self.session.scalars(
            select(Identity).where(Identity.member_id == member_id).order_by(Identity.id)))

    # -- meet requests -----------------------------------------------------------------------
    async def add_request(self, request: MeetRequest) -> MeetRequest:
        self.session.add(request)
        await self.session.flush()
        return request

    async def request(self, request_id: int) -> MeetRequest | None:
        return await self.session.get(MeetRequest, request_id)

    async def pending_between(self, asker_id: int, expert_id: int) -> MeetRequest | None:
        return await self.session.scalar(select(MeetRequest).where(
            MeetRequest.asker_id == asker_id, MeetRequest.expert_id == expert_id,
            MeetRequest.status == "pending").limit(1))

    async def received_since(self, expert_ids: Sequence[int], since: datetime) -> dict[int, int]:
        """How many requests each expert has received since `since` (any outcome)."""
        if not expert_ids:
            return {}
        rows = await self.session.execute(
            select(MeetRequest.expert_id, func.count()).where(
                MeetRequest.expert_id.in_(expert_ids), MeetRequest.created_at >= since)
            .group_by(MeetRequest.expert_id))
        return {expert: count for expert, count in rows.all()}

    async def requests_of(self, member_id: int) -> list[MeetRequest]:
        return list(await self.session.scalars(select(MeetRequest).where(
            or_(MeetRequest.asker_id == member_id, MeetRequest.expert_id == member_id))
            .order_by(MeetRequest.id)))

    # -- pairing -----------------------------------------------------------------------------
    async def round_by_key(self, key: str) -> PairingRound | None:
        return await self.session.scalar(select(PairingRound).where(PairingRound.key == key))

    async def add_round(self, key: str, ran_at: datetime) -> PairingRound:
        round_ = PairingRound(key=key, ran_at=ran_at)
        self.session.add(round_)
        await self.session.flush()
        return round_

    async def add_match(self, round_id: int, members: Sequence[int],
                        reason: str) -> PairingMatch:
        third = members[2] if len(members) > 2 else None
        match = PairingMatch(round_id=round_id, first_id=members[0], second_id=members[1],
                             third_id=third, reason=reason)
        self.session.add(match)
        await self.session.flush()
        return match

    async def pairing_candidates(self, now: datetime) -> list[Member]:
        """Opted-in, not paused, not hidden members, with what pairing compares."""
        rows = await self.session.scalars(
            select(Member).join(IntroductionPrefs).where(
                IntroductionPrefs.pairing,
                or_(IntroductionPrefs.pairing_paused_until.is_(None),
                    IntroductionPrefs.pairing_paused_until <= now),
                Member.privacy != "hidden")
            .order_by(Member.id)
            .options(selectinload(Member.identities), selectinload(Member.interests),
                     selectinload(Member.done)))
        return list(rows)

    async def matches(self, member_id: int | None = None) -> list[PairingMatch]:
        query = select(PairingMatch).order_by(PairingMatch.id)
        if member_id is not None:
            query = query.where(or_(PairingMatch.first_id == member_id,
                                    PairingMatch.second_id == member_id,
                                    PairingMatch.third_id == member_id))
        return list(await self.session.scalars(query))

    async def past_pairs(self) -> set[frozenset[int]]:
        """Pairs already made, except groups that never met (someone said "not yet" and
        nobody "yes"): those may be offered again."""
        unmet = await self.unmet_matches()
        pairs: set[frozenset[int]] = set()
        for match in await self.matches():
            if match.id in unmet:
                continue
            group = [m for m in (match.first_id, match.second_id, match.third_id) if m]
            pairs.update(frozenset((a, b)) for i, a in enumerate(group) for b in group[i + 1:])
        return pairs

    # -- check-ins ---------------------------------------------------------------------------
    async def checkin_answers(self, match_ids: Sequence[int] | None = None
                              ) -> dict[int, list[str | None]]:
        """Each match's check-in answers (None: not answered)."""
        query = select(PairingCheckin.match_id, PairingCheckin.answer)
        if match_ids is not None:
            if not match_ids:
                return {}
            query = query.where(PairingCheckin.match_id.in_(list(match_ids)))
        out: dict[int, list[str | None]] = {}
        for match_id, answer in await self.session.execute(query):
            out.setdefault(match_id, []).append(answer)
        return out

    async def unmet_matches(self) -> set[int]:
        return {m for m, answers in (await self.checkin_answers()).items()
                if "not_yet" in answers and "yes" not in answers}

    async def checkins_of(self, match_id: int) -> dict[int, PairingCheckin]:
        rows = await self.session.scalars(select(PairingCheckin).where(
            PairingCheckin.match_id == match_id))
        return {c.member_id: c for c in rows}

    async def member_checkins(self, member_id: int) -> list[PairingCheckin]:
        return list(await self.session.scalars(select(PairingCheckin).where(
            PairingCheckin.member_id == member_id).order_by(PairingCheckin.asked_at.desc(),
                                                            PairingCheckin.id.desc())))

    async def silent_members(self, member_ids: Sequence[int], now: datetime) -> set[int]:
        """Members whose last SILENT_ROUNDS check-ins all closed unanswered."""
        if not member_ids:
            return set()
        rows = await self.session.scalars(select(PairingCheckin).where(
            PairingCheckin.member_id.in_(list(member_ids)))
            .order_by(PairingCheckin.member_id, PairingCheckin.asked_at.desc(),
                      PairingCheckin.id.desc()))
        latest: dict[int, list[PairingCheckin]] = {}
        for row in rows:
            latest.setdefault(row.member_id, []).append(row)
        return {m for m, found in latest.items() if len(found) >= SILENT_ROUNDS and all(
            c.answer is None and c.expires_at <= now for c in found[:SILENT_ROUNDS])}

    async def mark_silent(self, member_id: int, now: datetime) -> None:
        """Their unanswered, closed check-ins have now been acted on (pairing paused): they
        do not count again after the member resumes."""
        await self.session.execute(
            update(PairingCheckin).where(PairingCheckin.member_id == member_id,
                                         PairingCheckin.answer.is_(None),
                                         PairingCheckin.expires_at <= now)
            .values(answer="silent"))

    # -- erasure -----------------------------------------------------------------------------
    async def forget(self, member_id: int) -> None:
        """Delete this capability's rows about a member and their planned work."""
        request_ids = [r.id for r in await self.requests_of(member_id)]
        planned = and_(DueWork.kind == NUDGE_KIND,
                       DueWork.key.startswith(f"member:{member_id}:", autoescape=True))
        if request_ids:
            planned = or_(planned, and_(DueWork.kind == MEET_EXPIRY_KIND,
                                        DueWork.key.in_([meet_key(i) for i in request_ids])))
            await self.session.execute(delete(MeetRequest).where(
                MeetRequest.id.in_(request_ids)))
        await self.session.execute(delete(DueWork).where(planned))
        await self.session.execute(delete(PairingCheckin).where(
            PairingCheckin.member_id == member_id))
        await self.session.execute(delete(PairingMatch).where(or_(
            PairingMatch.first_id == member_id, PairingMatch.second_id == member_id,
            PairingMatch.third_id == member_id)))
        await self.session.execute(delete(IntroductionPrefs).where(
            IntroductionPrefs.member_id == member_id))

    async def erase_member(self, member_id: int) -> None:
        """The directory's own rows: interests, identities and the member (other capabilities'
        forget hooks have run first)."""
        await self.session.execute(delete(Interest).where(Interest.member_id == member_id))
        await self.session.execute(delete(Identity).where(Identity.member_id == member_id))
        await self.session.execute(delete(Member).where(Member.id == member_id))
        await self.session.flush()

    async def audit_of(self, labels: Sequence[str]) -> list[AuditEntry]:
        if not labels:
            return []
        return list(await self.session.scalars(
            select(AuditEntry).where(AuditEntry.actor.in_(labels)).order_by(AuditEntry.id)))

    async def anonymise_audit(self, needles: Sequence[str], token: str, *,
                              actor_labels: Sequence[str] = ()) -> int:
        """Replace every mention of a member (identity labels, handle, name, platform ids,
        "member:<id>") in the audit log with an anonymous token; the rows themselves stay.
        Entries the member made keep only what was done to which id and when: their
        before/after payloads are the member's own content (talk titles, profile fields)."""
        if actor_labels:
            await self.session.execute(
                update(AuditEntry).where(AuditEntry.actor.in_(list(actor_labels)))
                .values(before=null(), after=null()))
        needles = sorted({n for n in needles if n}, key=len, reverse=True)
        if not needles:
            return 0
        columns = (AuditEntry.actor, AuditEntry.target, cast(AuditEntry.before, String),
                   cast(AuditEntry.after, String))
        found = or_(*(func.lower(c).contains(n.lower(), autoescape=True)
                      for c in columns for n in needles))
        pattern = re.compile("|".join(rf"(?<![\w-]){re.escape(n)}(?![\w-])" for n in needles),
                             re.IGNORECASE)

        def scrub(value: Any) -> Any:
            if isinstance(value, str):
                return pattern.sub(token, value)
            if isinstance(value, dict):
                return {scrub(k): scrub(v) for k, v in value.items()}
            if isinstance(value, list):
                return [scrub(v) for v in value]
            return value

        changed = 0
        for entry in await self.session.scalars(select(AuditEntry).where(found)):
            entry.actor = scrub(entry.actor)
            entry.target = scrub(entry.target)
            entry.before = scrub(entry.before)
            entry.after = scrub(entry.after)
            changed += 1
        await self.session.flush()
        return changed
