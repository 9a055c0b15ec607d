"""What linking says: codes, the confirmation, what a merge did, the list of accounts."""

from __future__ import annotations

from collections.abc import Sequence

from bot.linking.codes import VALID_FOR, shown
from bot.replies import Actions, Block, Button, ItemList, ListItem, Reply, Section, Text
from bot.replies import Context as SmallPrint
from bot.settings import Settings
from storage.models import Identity, Member
from storage.repositories.linking import MergeReport

MINUTES = int(VALID_FOR.total_seconds() // 60)


def platform_name(platform: str) -> str:
    return {"slack": "Slack", "discord": "Discord", "console": "the console"}.get(
        platform, platform.title())


def account_name(settings: Settings, identity: Identity | tuple[str, str, str],
                 display_name: str = "") -> str:
    """"Slack · Camden ed-tech (Ceri)": an account as its owner recognises it."""
    if isinstance(identity, Identity):
        platform, space, user = identity.platform, identity.space_id, identity.user_id
        display_name = display_name or identity.display_name
    else:
        platform, space, user = identity
    if platform == "console":
        return f"the console ({user})"
    return (f"{platform_name(platform)} · {settings.space_label(platform, space)} "
            f"({display_name or user})")


def account_ref(identity: Identity) -> str:
    """What `unlink` accepts for exactly this account."""
    return f"{identity.platform}:{identity.space_id}:{identity.user_id}"


def code(code_text: str, expires: str) -> Reply:
    said = f"link {shown(code_text)}"
    return Reply(blocks=(
        Text(f"Say `{said}` to me from your other account (on Slack, Discord, or another "
             f"space), in a direct message, within {MINUTES} minutes (until {expires})."),
        SmallPrint("The code works once. That account confirms, then both become one "
                   "profile. `link cancel` withdraws it; asking for a new code replaces it."),
    ))


def code_sent() -> Reply:
    return Reply(blocks=(
        Text("I've sent your linking code to you in a direct message, where only you can "
             "see it."),
        SmallPrint("If it doesn't arrive, say `link` to me in a direct message instead."),
    ), tone="success")


def code_undelivered(reason: str) -> Reply:
    return Reply(blocks=(
        Text(f"I couldn't send you a linking code by direct message: {reason} I've "
             "withdrawn it, so nothing can be linked with it."),
        SmallPrint("Open a direct message with me and say `link` there for a code."),
    ), tone="warning")


def _profile(title: str, member: Member, identities: Sequence[Identity], entries: int,
             settings: Settings) -> Section:
    accounts = "\n".join(account_name(settings, i) for i in identities) or "none"
    since = f"{member.created_at:%d %b %Y}" if member.created_at else "unknown"
    return Section(title=title, text=f"{member.name} (@{member.handle}), since {since}",
                   footer=f"{entries} logged, accounts:\n{accounts}")


def confirm(code_text: str, mine: tuple[Member, Sequence[Identity], int],
            theirs: tuple[Member, Sequence[Identity], int], settings: Settings) -> Reply:
    older = min((mine[0], theirs[0]), key=lambda m: (m.created_at, m.id))
    return Reply(blocks=(
        Text("Join these two profiles into one? Everything stays: the older profile "
             f"(@{older.handle}) keeps its details, filled in from the other where empty; "
             "exact duplicates are combined; the more private of your privacy choices is "
             "kept."),
        _profile("This account's profile", *mine, settings=settings),
        _profile("The profile that made the code", *theirs, settings=settings),
        Actions((Button("Link them", "link", {"code": shown(code_text), "confirm": True},
                        style="primary"),
                 Button("Cancel", "link cancel", {"code": shown(code_text)}))),
        SmallPrint(f"In text: `link {shown(code_text)} confirm=yes`. `unlink` separates an "
                   "account again later, but what was merged stays together."),
    ), tone="warning")


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def merged(member: Member, report: MergeReport, accounts: Sequence[Identity],
           settings: Settings) -> Reply:
    moved = [part for n, part in (
        (report.entries_moved + report.entries_collapsed,
         _count(report.entries_moved + report.entries_collapsed, "logged entry",
                "logged entries")
         + (f" ({report.entries_collapsed} duplicate{'s' * (report.entries_collapsed > 1)} "
            "combined)" if report.entries_collapsed else "")),
        (report.interests_moved + report.interests_collapsed,
         _count(report.interests_moved + report.interests_collapsed, "interest")),
        (report.rsvps_moved + len(report.rsvps_collapsed),
         _count(report.rsvps_moved + len(report.rsvps_collapsed), "teach-meet answer")),
        (report.talks_moved, _count(report.talks_moved, "talk")),
        (report.organised, _count(report.organised, "teach-meet organised",
                                  "teach-meets organised")),
        (report.series, _count(report.series, "repeating teach-meet", "repeating teach-meets")),
        (report.requests_moved, _count(report.requests_moved, "meet request")),
        (report.pairings_moved, _count(report.pairings_moved, "pairing")),
        (report.pins, _count(report.pins, "pin")),
    ) if n]
    lines = [f"Linked: {len(accounts)} accounts are now one profile, {member.name} "
             f"(@{member.handle})."]
    if moved:
        lines.append("Moved across: " + ", ".join(moved) + ".")
    if report.filled:
        lines.append("Filled in from the newer profile: " + ", ".join(report.filled) + ".")
    if report.rsvps_collapsed:
        lines.append("Both accounts had answered teach-meet "
                     + ", ".join(f"#{m}" for m in sorted(set(report.rsvps_collapsed)))
                     + ": the more committed answer was kept.")
    if report.talks_dropped:
        lines.append("One talk per teach-meet: withdrew " + ", ".join(
            f"“{title}” at #{m}" for m, title in report.talks_dropped) + ".")
    if report.requests_dropped or report.pairings_dropped:
        lines.append("Requests or pairings between your two accounts, or asked twice, were "
                     "dropped.")
    if report.feed_dropped:
        lines.append("Your calendar feed is the older profile's: the newer one's address "
                     "stopped working (`teachmeet feed` shows yours).")
    lines.append(f"Privacy: {report.privacy}"
                 + (" (the more private of your two choices)." if report.privacy_changed
                    else "."))
    if report.web_listing_changed:
        lines.append("Web listing is off (both accounts had to have it on): `privacy web on` "
                     "turns it on again.")
    return Reply(blocks=(
        Text("\n".join(lines)),
        ItemList(tuple(ListItem(account_name(settings, i)) for i in accounts),
                 title="Your accounts"),
        SmallPrint("`link list` shows them; `unlink <account>` separates one again."),
    ), tone="success")


def told(member: Member, accounts: Sequence[Identity], settings: Settings,
         joined: str) -> Reply:
    """To the account whose code was used: it is told."""
    return Reply(blocks=(
        Text(f"Your linking code was used: {joined} is now linked to your profile, "
             f"{member.name} (@{member.handle}), which has {len(accounts)} accounts."),
        SmallPrint("Not you? Say `link list` and `unlink` that account, and tell a "
                   "moderator."),
    ))


def accounts_list(identities: Sequence[Identity], here: tuple[str, str, str],
                  settings: Settings, waiting_until: str) -> Reply:
    items = []
    for identity in identities:
        this = (identity.platform, identity.space_id, identity.user_id) == here
        buttons: tuple[Button, ...] = ()
        if len(identities) > 1:
            buttons = (Button("Unlink", "unlink", {"account": account_ref(identity)},
                              style="danger",
                              confirm=f"Unlink {account_name(settings, identity)[:120]}? It "
                                      "gets a new, empty profile of its own."),)
        items.append(ListItem(account_name(settings, identity),
                              "this account" if this else f"`unlink {account_ref(identity)}`",
                              buttons=buttons))
    blocks: list[Block] = [ItemList(tuple(items), title="Your linked accounts")]
    if waiting_until:
        blocks.append(Text(f"A linking code is waiting until {waiting_until} (`link cancel` "
                           "withdraws it)."))
    blocks.append(SmallPrint("`link` gives a code to join another account to this profile."))
    return Reply(blocks=tuple(blocks))
