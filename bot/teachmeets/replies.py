"""Reply builders for teach-meets: the event card, lists, notices and forms."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.paging import Window, page_of
from bot.replies import (
    Actions,
    Block,
    Button,
    Context,
    Field,
    Form,
    FormField,
    ItemList,
    ListItem,
    Reply,
    Section,
    Text,
    choose,
    confirm,
)
from storage.models import Member, TeachMeet, TeachMeetTalk

if TYPE_CHECKING:
    from bot.teachmeets.services import Roster

ANSWER_WORDS = {"going": "going", "maybe": "maybe", "not_going": "not going",
                "waitlist": "on the waitlist"}
YOUR_ANSWER = {"going": "You're going.", "maybe": "You said maybe.",
               "not_going": "You said you can't come.", "waitlist": "You're on the waitlist."}


def when(meet: TeachMeet, tz: str) -> str:
    """"Tue 03 Nov 2026, 16:00–18:00 GMT" in the reader's zone."""
    zone = ZoneInfo(tz)
    start = meet.starts_at.astimezone(zone)
    end = (meet.starts_at + timedelta(minutes=meet.duration_minutes)).astimezone(zone)
    same_day = start.date() == end.date()
    end_text = end.strftime("%H:%M") if same_day else end.strftime("%a %d %b %H:%M")
    return f"{start.strftime('%a %d %b %Y, %H:%M')}–{end_text} {start.strftime('%Z')}"


def where(meet: TeachMeet) -> str:
    parts = [p for p in (meet.venue, meet.online_url) if p]
    return " / ".join(parts) or "to be announced"


def slots_text(meet: TeachMeet, talks: Sequence[TeachMeetTalk]) -> str:
    if not meet.slots:
        return "no presenter slots"
    out = []
    for slot in meet.slots:
        taken = sum(1 for t in talks if t.kind == slot["type"])
        out.append(f"{slot['type']} ({slot['minutes']} min): {taken}/{slot['count']} taken")
    return "; ".join(out)


def _names(members: Sequence[Member], viewer_id: int | None = None,
           named: frozenset[int] | None = None) -> str:
    """Names, except members whose privacy keeps them from the reader (hidden ones, and
    `named` decides if given): they are only counted."""
    shown = [f"{m.name} (@{m.handle})" for m in members
             if m.id == viewer_id or (m.id in named if named is not None
                                      else m.privacy != "hidden")]
    unnamed = len(members) - len(shown)
    if unnamed:
        shown.append(f"{unnamed} other" + ("s" if unnamed > 1 else ""))
    return ", ".join(shown) or "nobody yet"


def running_order(people: Roster) -> str:
    lines = []
    for number, talk in enumerate(people.talks, 1):
        who = people.members[talk.member_id]
        mark = f"{number}." if talk.drawn is not None else "–"
        lines.append(f"{mark} {talk.title} — {who.name} ({talk.kind}, {talk.minutes} min)")
    if lines and any(t.drawn is None for t in people.talks):
        lines.append("(– not drawn yet: `teachmeet draw` picks the next presenter)")
    return "\n".join(lines) or "No talks yet: `teachmeet present <id> <type> <title>`."


def rsvp_buttons(meet: TeachMeet) -> tuple[Button, ...]:
    return (
        Button("Going", "teachmeet rsvp", {"id": meet.id, "answer": "going"}, style="primary"),
        Button("Maybe", "teachmeet rsvp", {"id": meet.id, "answer": "maybe"}),
        Button("Not going", "teachmeet rsvp", {"id": meet.id, "answer": "not_going"}),
        Button("Add to calendar", "teachmeet ics", {"id": meet.id}),
    )


def card(meet: TeachMeet, people: Roster, tz: str, *, viewer_id: int | None,
         now: datetime, repeats: str = "", details_url: str = "") -> Reply:
    """The event card; `details_url` (its web page, when there is one) adds a link."""
    going = people.with_answer("going")
    if going:
        places = f"{len(going)}" + (f" of {meet.capacity}" if meet.capacity else "")
        going_text = f"{places}: {_names(going, viewer_id, people.named)}"
    else:
        going_text = "nobody yet" + (f" ({meet.capacity} places)" if meet.capacity else "")
    organiser = people.members.get(meet.organiser_id)
    fields = [
        Field("When", f"{when(meet, tz)}" + ("" if tz == meet.timezone
                                             else f" (arranged in {meet.timezone})"),
              inline=False),
        *((Field("Repeats", repeats, inline=False),) if repeats else ()),
        Field("Where", where(meet)),
        Field("Region", meet.region or "—"),
        Field("Organiser", f"{organiser.name} (@{organiser.handle})" if organiser else "—"),
        Field("Going", going_text, inline=False),
    ]
    maybe, waiting = people.with_answer("maybe"), people.with_answer("waitlist")
    if maybe:
        fields.append(Field("Maybe", _names(maybe, viewer_id, people.named), inline=False))
    if waiting:
        fields.append(Field("Waitlist", _names(waiting, viewer_id, people.named),
                            inline=False))
    fields.append(Field("Presenter slots", slots_text(meet, people.talks), inline=False))
    if meet.slots or people.talks:
        fields.append(Field("Running order", running_order(people), inline=False))
    mine = people.answer_of(viewer_id) if viewer_id is not None else None
    if meet.status == "cancelled":
        title = f"CANCELLED: #{meet.id} {meet.title}"
        footer = "Cancelled" + (f": {meet.cancel_reason}" if meet.cancel_reason else ".")
        buttons: tuple[Button, ...] = (Button("Calendar update", "teachmeet ics",
                                              {"id": meet.id}),)
    else:
        title = f"#{meet.id} {meet.title}"
        footer = YOUR_ANSWER[mine] if mine else "Will you come?"
        buttons = rsvp_buttons(meet)
    if details_url:
        buttons = (*buttons, Button("Details", url=details_url))
    return Reply(blocks=(Section(title=title, text=meet.description, fields=tuple(fields),
                                 buttons=buttons, footer=footer, link=meet.online_url),))


def created(meet: TeachMeet, people: Roster, tz: str, *, viewer_id: int,
            now: datetime, reminders: Sequence[int], repeats: str = "",
            details_url: str = "") -> Reply:
    shown = card(meet, people, tz, viewer_id=viewer_id, now=now, repeats=repeats,
                 details_url=details_url)
    when_text = ", ".join(_offset(m) for m in reminders) or "none (it starts too soon)"
    first = "New repeating teach-meet" if repeats else "New teach-meet"
    return Reply(blocks=(Text(f"{first} #{meet.id}: {meet.title}"), *shown.blocks,
                         Context(f"Reminders: {when_text} before. Present with `teachmeet "
                                 f"present {meet.id} <nano|micro|soapbox> <title>`.")),
                 visibility="channel", tone="success")


def _offset(minutes: int) -> str:
    if minutes % 1440 == 0:
        days = minutes // 1440
        return f"{days} day" + ("s" if days > 1 else "")
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" + ("s" if hours > 1 else "")
    return f"{minutes} minute" + ("s" if minutes != 1 else "")


def listing(meets: Sequence[TeachMeet], tz: str, region: str | None, *, total: int,
            at: Window, repeats: dict[int, str]) -> Reply:
    """One page of upcoming teach-meets (a series by its next meeting), with a count and a
    "More" button (or a typed `more`) while there are more."""
    items = tuple(ListItem(
        f"#{m.id} {m.title}",
        f"{when(m, tz)}\n{where(m)}" + (f" · {m.region}" if m.region else "")
        + (f"\nRepeats {repeats[m.id]}" if m.id in repeats else ""),
        buttons=(Button("Show", "teachmeet show", {"id": m.id}),
                 Button("Going", "teachmeet rsvp", {"id": m.id, "answer": "going"},
                        style="primary"))) for m in meets)
    place = f" in {region}" if region else ""
    page = page_of(items, at, total=total, title=f"Upcoming teach-meets{place}",
                   empty=f"No teach-meets coming up{place}. Organise one with "
                         "`teachmeet create`.",
                   command="teachmeet list", args={"region": region} if region else {},
                   noun="teach-meets")
    return Reply(blocks=page.blocks, question=page.question)


def rsvp_done(meet: TeachMeet, answer: str, *, unchanged: bool = False,
              position: int | None = None) -> Reply:
    if answer == "waitlist":
        message = (f"#{meet.id} {meet.title} is full, so you are on the waitlist"
                   + (f" (number {position})" if position else "")
                   + ". I'll tell you if a place opens up.")
    else:
        message = {"going": f"You're going to #{meet.id} {meet.title}.",
                   "maybe": f"Noted: you might come to #{meet.id} {meet.title}.",
                   "not_going": f"Noted: you can't come to #{meet.id} {meet.title}."}[answer]
    if unchanged:
        message = f"Already noted: {message.removeprefix('Noted: ')}"
    return Reply(blocks=(Text(message),), tone="info" if unchanged else "success")


def promoted(meet: TeachMeet, tz: str) -> Reply:
    return Reply(blocks=(
        Text(f"Good news: a place opened up at teach-meet #{meet.id} {meet.title} "
             f"({when(meet, tz)}). You're off the waitlist and going."),
        Actions((
            Button("Can't come now", "teachmeet rsvp", {"id": meet.id, "answer": "not_going"}),
            Button("Add to calendar", "teachmeet ics", {"id": meet.id})))))


def presenting(meet: TeachMeet, talk: TeachMeetTalk) -> Reply:
    return Reply(blocks=(
        Text(f"You're presenting “{talk.title}” ({talk.kind}, {talk.minutes} min) at "
             f"#{meet.id} {meet.title}."),
        Context(f"Changed your mind? `teachmeet withdraw {meet.id}`."),
    ), tone="success")


def withdrawn(meet: TeachMeet, talk: TeachMeetTalk) -> Reply:
    return Reply(blocks=(Text(f"Withdrawn “{talk.title}” from #{meet.id} {meet.title}."),),
                 tone="success")


def drawn(meet: TeachMeet, talk: TeachMeetTalk, presenter: Member, *, left: int) -> Reply:
    more = f"{left} still to draw." if left else "That was the last one."
    return Reply(blocks=(
        Text(f"Next up at {meet.title}: {presenter.name} (@{presenter.handle}) — "
             f"“{talk.title}” ({talk.kind}, {talk.minutes} min)."),
        Context(more),
    ), visibility="channel")


def reminder(meet: TeachMeet, people: Roster, tz: str, *, now: datetime,
             member_id: int | None = None) -> Reply:
    left = meet.starts_at - now
    hours = round(left.total_seconds() / 3600)
    minutes = round(left.total_seconds() / 60)
    if hours >= 1:
        soon = f"in about {hours} hour" + ("s" if hours != 1 else "")
    else:
        soon = f"in {minutes} minute" + ("s" if minutes != 1 else "") if minutes >= 1 else "now"
    talk = next((t for t in people.talks if t.member_id == member_id), None)
    lines = [f"Reminder: teach-meet #{meet.id} {meet.title} starts {soon} — "
             f"{when(meet, tz)}, {where(meet)}."]
    if talk is not None:
        lines.append(f"You're presenting “{talk.title}” ({talk.kind}, {talk.minutes} min).")
    blocks: list[Block] = [Text(" ".join(lines))]
    if people.talks:
        blocks.append(Section(title="Running order", text=running_order(people)))
    blocks.append(Actions((Button("Can't come", "teachmeet rsvp",
                                  {"id": meet.id, "answer": "not_going"}),
                           Button("Calendar", "teachmeet ics", {"id": meet.id}))))
    return Reply(blocks=tuple(blocks), visibility="channel" if member_id is None else "private")


def cancelled_notice(meet: TeachMeet, tz: str) -> Reply:
    reason = f" Reason: {meet.cancel_reason}" if meet.cancel_reason else ""
    return Reply(blocks=(
        Text(f"Teach-meet #{meet.id} {meet.title} ({when(meet, tz)}) has been cancelled."
             f"{reason}"),
        Actions((Button("Update my calendar", "teachmeet ics", {"id": meet.id}),)),
    ), tone="warning")


def reminder_unreached(meet: TeachMeet, reasons: Sequence[str]) -> Reply:
    """To the organiser, once per reminder: some people could not be reminded, and why."""
    why = " ".join(dict.fromkeys(reasons))
    return Reply(blocks=(Text(
        f"The reminder for teach-meet #{meet.id} {meet.title} could not reach "
        f"{people_count(len(reasons))}. {why}"),), tone="warning")


def moved_notice(meet: TeachMeet, tz: str, old_start: datetime) -> Reply:
    old = old_start.astimezone(ZoneInfo(tz)).strftime("%a %d %b %Y, %H:%M")
    return Reply(blocks=(
        Text(f"Teach-meet #{meet.id} {meet.title} has moved: it was {old}, it is now "
             f"{when(meet, tz)}, {where(meet)}."),
        Actions((Button("Can't come now", "teachmeet rsvp",
                        {"id": meet.id, "answer": "not_going"}),
                 Button("Update my calendar", "teachmeet ics", {"id": meet.id}))),
    ))


def updated_notice(meet: TeachMeet, tz: str, changes: Sequence[str]) -> Reply:
    return Reply(blocks=(Text(f"Teach-meet #{meet.id} {meet.title} ({when(meet, tz)}) has "
                              f"changed: {', '.join(changes)}."),))


def confirm_cancel(meet: TeachMeet, reason: str, attendees: int, *,
                   in_series: bool = False) -> Reply:
    args = {"id": meet.id, "confirm": True, **({"reason": reason} if reason else {})}
    told = (f"{people_count(attendees)} who signed up will be told, and no reminders will go out."
            if attendees else "Nobody has signed up yet; no reminders will go out.")
    if in_series:
        buttons = (Button("Cancel this one", "teachmeet cancel", {**args, "scope": "this"},
                          style="danger"),
                   Button("Cancel this and later ones", "teachmeet cancel",
                          {**args, "scope": "rest"}, style="danger",
                          confirm=f"Cancel “{meet.title}” from this meeting on, for everyone?"))
        return Reply(blocks=(
            Text(f"Cancel teach-meet #{meet.id} {meet.title}? {told} This is one meeting of a "
                 "repeating teach-meet: just this one, or this and every later one?"),
            Context("Reply `1` for just this one, `2` for this and every later one, or `no`."),
            Actions(buttons),
        ), tone="warning", question=choose(f"Cancel teach-meet #{meet.id} {meet.title}?",
                                           buttons))
    button = Button("Yes, cancel it", "teachmeet cancel", args, style="danger",
                    confirm=f"Cancel “{meet.title}” for everyone?")
    return Reply(blocks=(
        Text(f"Cancel teach-meet #{meet.id} {meet.title}? {told}"),
        Context("Reply `yes` to cancel it, or `no` to keep it."),
        Actions((button,)),
    ), tone="warning", question=confirm(f"Cancel teach-meet #{meet.id} {meet.title}?", button,
                                        no=f"OK, #{meet.id} is still on."))


def people_count(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


def create_form(defaults: dict[str, str]) -> Form:
    """Five fields (the most a Discord modal holds); the rest have defaults or `edit`."""
    return Form(title="New teach-meet", command="teachmeet create", submit_label="Create",
                fields=(
                    FormField("title", "Title", required=True, max_length=200,
                              placeholder="Autumn TeachMeet", initial=defaults.get("title", "")),
                    FormField("start", "When (and for how long)", required=True,
                              max_length=120, placeholder="next Tuesday 4pm for 2h",
                              initial=defaults.get("start", "")),
                    FormField("where", "Venue or online link", max_length=300,
                              placeholder="Cardiff Central Library, or https://...",
                              initial=defaults.get("where", "")),
                    FormField("capacity", "Places (empty: no limit)", kind="number",
                              placeholder="40", initial=defaults.get("capacity", "")),
                    FormField("slots", "Presenter slots", max_length=120,
                              placeholder="4 nano, 3 micro 6min, 1 soapbox 15min",
                              initial=defaults.get("slots", "")),
                ))


def edit_form(meet: TeachMeet, start: str) -> Form:
    """`start` is the current time in words the reader reads back exactly."""
    slots = ", ".join(f"{s['count']} {s['type']} {s['minutes']}min" for s in meet.slots)
    return Form(title=f"Edit teach-meet #{meet.id}", command="teachmeet edit",
                submit_label="Save", hidden={"id": meet.id}, fields=(
                    FormField("title", "Title", max_length=200, initial=meet.title),
                    FormField("start", "When", max_length=120, initial=start),
                    FormField("where", "Venue or online link", max_length=300,
                              initial=meet.venue or meet.online_url),
                    FormField("capacity", "Places (empty: no limit)", kind="number",
                              initial=str(meet.capacity or "")),
                    FormField("slots", "Presenter slots", max_length=120, initial=slots),
                ))


def move_form(meet: TeachMeet, start: str) -> Form:
    return Form(title=f"Move teach-meet #{meet.id}", command="teachmeet move",
                submit_label="Preview", hidden={"id": meet.id}, fields=(
                    FormField("start", "New time (and length)", required=True, max_length=120,
                              initial=start, placeholder="next Thursday 4-6pm"),))


def asking(question: str, buttons: Sequence[Button]) -> Reply:
    """A question with its answers as buttons (at most 5: one row on every platform)."""
    blocks: list[Block] = [Text(question)]
    if not buttons:
        return Reply(blocks=tuple(blocks), tone="info")
    shown = tuple(buttons[:5])
    blocks += [Context("Reply with the number of the one you mean (1 is the first)."
                       if len(shown) > 1 else "Reply `yes` if that is it."),
               Actions(shown)]
    question_asked = (choose(question, shown) if len(shown) > 1
                      else confirm(question, shown[0]))
    return Reply(blocks=tuple(blocks), tone="info", question=question_asked)


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} minutes"
    text = f"{hours} hour" + ("s" if hours != 1 else "")
    return text + (f" {rest} minutes" if rest else "")


def short_when(meet: TeachMeet, tz: str) -> str:
    start = meet.starts_at.astimezone(ZoneInfo(tz))
    return f"{start:%a} {start.day} {start:%b} {start:%H:%M}"


def create_preview(meet: TeachMeet, tz: str, *, assumed: bool, repeats: str,
                   coming: Sequence[datetime], warnings: Sequence[str],
                   buttons: Sequence[Button]) -> Reply:
    """What would be created, in the organiser's zone; nothing is saved yet."""
    length = _hours(meet.duration_minutes)
    when_text = when(meet, tz) + ("" if tz == meet.timezone
                                  else f" (arranged in {meet.timezone})")
    fields = [Field("When", when_text, inline=False),
              Field("Length", f"{length} (the usual length: none was given; say e.g. "
                              "“for 90m” to change it)" if assumed else length, inline=False)]
    if repeats:
        zone = ZoneInfo(tz)
        dates = ", ".join(f"{d.astimezone(zone):%a} {d.astimezone(zone).day} "
                          f"{d.astimezone(zone):%b}" for d in coming[:4])
        more = "…" if len(coming) > 4 else ""
        fields.append(Field("Repeats", f"{repeats} (next: {dates}{more})", inline=False))
    fields += [Field("Where", where(meet)), Field("Region", meet.region or "—"),
               Field("Places", str(meet.capacity) if meet.capacity else "no limit"),
               Field("Presenter slots", slots_text(meet, ()), inline=False)]
    blocks: list[Block] = [
        Text("Create this teach-meet? Nothing is saved or announced until you confirm."),
        Section(title=meet.title, text=meet.description[:300], fields=tuple(fields))]
    blocks += [Text(f"Warning: {w}") for w in warnings]
    blocks += [Context("Reply `yes` to create it, or `no`."), Actions(tuple(buttons))]
    return Reply(blocks=tuple(blocks), tone="warning" if warnings else "info",
                 question=confirm(f"Create {meet.title}?", buttons[0],
                                  no="OK, nothing was created."))


_CHANGE_LABELS = {"starts_at": "When", "duration_minutes": "Length", "title": "Title",
                  "venue": "Venue", "online_url": "Online link", "region": "Region",
                  "capacity": "Places", "slots": "Presenter slots", "description": "About"}


def change_preview(meet: TeachMeet, changes: dict[str, object], tz: str, *, told: int,
                   buttons: Sequence[Button], in_series: bool) -> Reply:
    """A move or change, before and after, in the organiser's zone; nothing applied yet."""
    after = TeachMeet(**{c.key: getattr(meet, c.key) for c in TeachMeet.__table__.columns})
    for name, value in changes.items():
        setattr(after, name, value)
    lines = []
    if "starts_at" in changes or "duration_minutes" in changes:
        lines.append(f"When: {when(meet, tz)} → {when(after, tz)}")
    for name, label in _CHANGE_LABELS.items():
        if name in changes and name not in ("starts_at", "duration_minutes"):
            old = getattr(meet, name)
            new = changes[name]
            if name == "slots":
                old, new = slots_text(meet, ()), slots_text(after, ())
            lines.append(f"{label}: {old or '—'} → {new or '—'}")
    verb = "Move" if "starts_at" in changes else "Change"
    head = f"{verb} #{meet.id} {meet.title}? Nobody is told until you confirm; then " \
           f"{told} people who signed up will be."
    if in_series:
        head += " It repeats: change just this meeting, or this and every later one?"
        hint = "Reply `1` for just this one, `2` for this and every later one, or `no`."
        asked = choose(head, buttons[:2])
    else:
        hint = f"Reply `yes` to {verb.lower()} it, or `no`."
        asked = confirm(head, buttons[0], no=f"OK, #{meet.id} is unchanged.")
    return Reply(blocks=(Text(head), Text("\n".join(lines)), Context(hint),
                         Actions(tuple(buttons))), tone="warning", question=asked)


def series_changed_notice(meet: TeachMeet, tz: str, pattern: str, *, moved: bool,
                          changes: Sequence[str]) -> Reply:
    what = "has moved" if moved else "has changed" + (f" ({', '.join(changes)})"
                                                       if changes else "")
    return Reply(blocks=(
        Text(f"Teach-meet {meet.title} {what} from #{meet.id} on: it is now {pattern}. "
             f"Next: {when(meet, tz)}, {where(meet)}."),
        Actions((Button("Update my calendar", "teachmeet ics", {"id": meet.id}),)),
    ))


def series_cancelled_notice(meet: TeachMeet, tz: str, count: int, reason: str) -> Reply:
    why = f" Reason: {reason}" if reason else ""
    return Reply(blocks=(
        Text(f"Teach-meet {meet.title} has been cancelled from {when(meet, tz)} on "
             f"({count} meeting" + ("s" if count != 1 else "") + f").{why}"),
    ), tone="warning")


def feed_links(personal: tuple[str, str], shared: Sequence[tuple[str, str, str]], *,
               reset: bool = False) -> Reply:
    """Subscription links: https for most apps, webcal to open a calendar app directly."""
    https, webcal = personal
    lines = [("Your new personal feed (the old address no longer works):" if reset else
              "Your teach-meets (the ones you organise, present at or said going or maybe to):"),
             f"{webcal}", f"(or {https})",
             "Keep it to yourself: anyone with the address can read it. "
             "`teachmeet feed reset` makes a new one."]
    for label, link, web in shared:
        lines.append(f"{label}: {web} (or {link})")
    return Reply(blocks=(Text("\n".join(lines)),), tone="success" if reset else "info")


def confirm_feed_reset() -> Reply:
    return Reply(blocks=(
        Text("Make a new address for your personal calendar feed? Calendars subscribed to "
             "the old one stop updating until you subscribe to the new one."),
        Actions((Button("Yes, new address", "teachmeet feed reset", {"confirm": True},
                        style="danger"),)),
    ), tone="warning")


def digest(meets: Sequence[TeachMeet], tz: str, *, since: datetime) -> list[Block]:
    if not meets:
        return []
    items = tuple(ListItem(
        f"#{m.id} {m.title}" + (" (new)" if m.created_at >= since else ""),
        f"{when(m, tz)} · {where(m)}" + (f" · {m.region}" if m.region else ""),
        buttons=(Button("Going", "teachmeet rsvp", {"id": m.id, "answer": "going"}),
                 Button("Show", "teachmeet show", {"id": m.id}))) for m in meets)
    return [ItemList(items, title="Teach-meets coming up")]
