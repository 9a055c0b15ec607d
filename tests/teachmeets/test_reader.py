"""The time reader, convention by convention (README "Typing times", and the times corpus's
README). Phrasings here are our own, not the evaluation corpus's; expectations are local
wall times in the member's zone, worked out from the calendar:

    January 2027: Fri 1, Tue 12, Thu 14, Mon 18, Sun 31; February: Mon 1, Wed 10;
    March: Mon 1, Sat 27, Sun 28 (clocks forward at 01:00); October: Sun 31 (clocks back
    at 02:00 BST).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.teachmeets.reader import Ask, Refuse, When, describe_rule, phrase, read

TUE = "2027-01-12T15:00"  # Tuesday afternoon, winter
SAT = "2027-01-16T10:00"  # Saturday morning
SPRING = "2027-03-26T12:00"  # Friday before the clocks go forward
AUTUMN = "2027-10-28T10:00"  # Thursday before the clocks go back
LONDON = "Europe/London"

Q, E = "question", "error"


def outcome(text: str, now: str, tz: str = LONDON) -> str | tuple[str, str | None]:
    zone = ZoneInfo(tz)
    reading = read(text, now=datetime.fromisoformat(now).replace(tzinfo=zone), tz=tz,
                   suggest=False)
    if isinstance(reading, When):
        end = reading.end.astimezone(zone).strftime("%Y-%m-%d %H:%M") if reading.end else None
        return reading.start.astimezone(zone).strftime("%Y-%m-%d %H:%M"), end
    return Q if isinstance(reading, Ask) else E


def check(cases: list[tuple[str, str, object]], tz: str = LONDON) -> None:
    wrong = []
    for text, now, expected in cases:
        got = outcome(text, now, tz)
        if isinstance(expected, str) and expected not in (Q, E):
            got = got[0] if isinstance(got, tuple) else got
        if got != expected:
            wrong.append(f"{text!r} at {now}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_bare_hours_one_to_seven_are_afternoon_or_evening() -> None:
    check([("Friday at 3", TUE, "2027-01-15 15:00"),
           ("wednesday 6.15", TUE, "2027-01-13 18:15"),
           ("thurs at five", TUE, "2027-01-14 17:00"),
           ("Fri 1:30", TUE, "2027-01-15 13:30"),
           ("Monday 4 till 6", TUE, ("2027-01-18 16:00", "2027-01-18 18:00")),
           ("Thursday at seven", TUE, "2027-01-14 19:00")])


def test_noon_and_a_bare_twelve() -> None:
    check([("Saturday 12", TUE, "2027-01-16 12:00"),
           ("noon Thursday", TUE, "2027-01-14 12:00"),
           ("12 noon on Monday", TUE, "2027-01-18 12:00"),
           ("midday tomorrow", TUE, "2027-01-13 12:00"),
           ("Friday at 12.45", TUE, "2027-01-15 12:45")])


def test_eight_to_eleven_are_asked_unless_am_or_pm_or_the_part_of_day_says() -> None:
    check([("Friday at 9", TUE, Q), ("half eight on Thursday", TUE, Q),
           ("Thursday 10.30", TUE, Q), ("11 o'clock Friday", TUE, Q),
           ("Friday 9am", TUE, "2027-01-15 09:00"),
           ("Thursday 10.30pm", TUE, "2027-01-14 22:30"),
           ("Sat 11am", TUE, "2027-01-16 11:00"),
           ("Friday morning at 8", TUE, "2027-01-15 08:00"),
           ("Thursday evening at 8", TUE, "2027-01-14 20:00")])


def test_twenty_four_hour_times_are_read_as_written() -> None:
    check([("Thursday 17:45", TUE, "2027-01-14 17:45"),
           ("Thursday 0830", TUE, "2027-01-14 08:30"),
           ("Thursday 07:30", TUE, "2027-01-14 07:30"),
           ("Friday 1900", TUE, "2027-01-15 19:00"),
           ("Thursday 18.00", TUE, "2027-01-14 18:00")])


def test_half_four_is_half_past_four() -> None:
    check([("Thursday half five", TUE, "2027-01-14 17:30"),
           ("quarter to six Friday", TUE, "2027-01-15 17:45"),
           ("Friday twenty to five", TUE, "2027-01-15 16:40"),
           ("ten past four on Monday", TUE, "2027-01-18 16:10"),
           ("Monday half past three", TUE, "2027-01-18 15:30")])


def test_a_day_or_part_of_day_without_a_clock_time_is_asked() -> None:
    check([("Thursday", TUE, Q), ("Friday afternoon", TUE, Q),
           ("Thursday after school", TUE, Q), ("tomorrow evening", TUE, Q),
           ("21 January", TUE, Q), ("in 2 weeks", TUE, Q)])


def test_a_clock_time_alone_is_today_if_ahead_else_tomorrow() -> None:
    check([("6pm", TUE, "2027-01-12 18:00"), ("2pm", TUE, "2027-01-13 14:00"),
           ("this evening at 7", TUE, "2027-01-12 19:00"),
           ("tonight at 8", TUE, "2027-01-12 20:00"),
           ("this afternoon at 2", TUE, E), ("today at 2pm", TUE, E)])


def test_a_weekday_is_the_next_one_and_todays_is_asked() -> None:
    check([("Wed 4pm", TUE, "2027-01-13 16:00"),
           ("this Friday 4pm", TUE, "2027-01-15 16:00"),
           ("Tuesday 5pm", TUE, Q), ("this Tuesday at 6pm", TUE, Q),
           ("Monday 4pm", SAT, "2027-01-18 16:00")])


def test_next_weekday_takes_both_uk_readings_and_asks_where_they_differ() -> None:
    check([("next Wednesday 4pm", TUE, "2027-01-20 16:00"),  # tomorrow, same week: +8
           ("next Thursday 4pm", TUE, Q),  # this week's or next week's
           ("next Monday 4pm", TUE, "2027-01-18 16:00"),  # both readings agree
           ("next Tuesday 4pm", TUE, "2027-01-19 16:00"),  # a week today
           ("Friday next week at 4pm", TUE, "2027-01-22 16:00"),
           ("next week on Wednesday 4pm", TUE, "2027-01-20 16:00"),
           ("next Sunday 4pm", SAT, "2027-01-24 16:00"),  # tomorrow, same week: +8
           ("next Monday 4pm", SAT, "2027-01-18 16:00"),
           ("next Monday 4pm", "2027-01-17T10:00", Q)])  # said on a Sunday


def test_weekday_week_and_fortnights() -> None:
    check([("Friday week 4pm", TUE, "2027-01-22 16:00"),
           ("a week on Monday at 4", TUE, "2027-01-25 16:00"),
           ("a week today at 5pm", TUE, "2027-01-19 17:00"),
           ("a fortnight today 4pm", TUE, "2027-01-26 16:00"),
           ("Tuesday week 4pm", TUE, Q)])


def test_in_n_days_or_weeks_keeps_the_clock_time_said() -> None:
    check([("in 5 days at 4", TUE, "2027-01-17 16:00"),
           ("in three weeks at 4pm", TUE, "2027-02-02 16:00"),
           ("in 10 days time at 4.30", TUE, "2027-01-22 16:30"),
           ("in 3 minutes", TUE, "2027-01-12 15:03"),  # from now (trying reminders out)
           ("in an hour for 30 mins", TUE, ("2027-01-12 16:00", "2027-01-12 16:30")),
           ("in 2 hours on Thursday", TUE, Q), ("in a couple of weeks at 4", TUE, Q)])


def test_ordinal_days_and_nth_weekdays() -> None:
    check([("the 20th at 4pm", TUE, "2027-01-20 16:00"),
           ("the 5th at 4", TUE, "2027-02-05 16:00"),
           ("the 31st at 4pm", TUE, "2027-01-31 16:00"),
           ("second Wednesday of February at 4pm", TUE, "2027-02-10 16:00"),
           ("last Friday of the month at 4pm", TUE, "2027-01-29 16:00"),
           ("the first Monday in March 4pm", TUE, "2027-03-01 16:00"),
           ("first Tuesday of the month 4pm", TUE, E),  # this month's has passed
           ("the 12th at 4pm", TUE, Q)])  # today, or next month's?


def test_numeric_dates_are_day_month_and_ask_when_only_us_order_fits() -> None:
    check([("20/1 at 4pm", TUE, "2027-01-20 16:00"),
           ("3/2/27 4pm", TUE, "2027-02-03 16:00"),
           ("25.01.2027 16:00", TUE, "2027-01-25 16:00"),
           ("1/13/2027 4pm", TUE, Q), ("32/1 4pm", TUE, E), ("30/2 4pm", TUE, E),
           ("15/3 at 4pm", TUE, "2027-03-15 16:00"),
           ("10/1 at 4pm", TUE, "2028-01-10 16:00")])  # the next 10 January


def test_numeric_dates_for_a_member_in_the_us() -> None:
    check([("2/3/2027 at 6pm", TUE, Q), ("20/3/2027 at 6pm", TUE, "2027-03-20 18:00"),
           ("4/4/2027 6pm", TUE, "2027-04-04 18:00")], tz="America/Chicago")


def test_a_weekday_that_disagrees_with_the_date_is_asked() -> None:
    check([("Thursday 21 January 4pm", TUE, "2027-01-21 16:00"),
           ("Wednesday 21 January 4pm", TUE, Q), ("Sat the 20th at 4pm", TUE, Q)])


def test_past_and_impossible_dates_are_refused() -> None:
    check([("yesterday at 4pm", TUE, E), ("5 January 2027 4pm", TUE, E),
           ("12/01/2026 4pm", TUE, E), ("29 February 2027 4pm", TUE, E),
           ("31 April at 4pm", TUE, E), ("last Monday at 4pm", TUE, E)])


def test_ranges() -> None:
    check([("Monday 3-5pm", TUE, ("2027-01-18 15:00", "2027-01-18 17:00")),
           ("Monday 4pm - 5.45pm", TUE, ("2027-01-18 16:00", "2027-01-18 17:45")),
           ("Monday 15:30-17:00", TUE, ("2027-01-18 15:30", "2027-01-18 17:00")),
           ("Monday 4pm to quarter past 5", TUE, ("2027-01-18 16:00", "2027-01-18 17:15")),
           ("Monday from 4 until half 6", TUE, ("2027-01-18 16:00", "2027-01-18 18:30")),
           ("Monday between 4 and 5.30", TUE, ("2027-01-18 16:00", "2027-01-18 17:30")),
           ("Monday 11-1pm", TUE, ("2027-01-18 11:00", "2027-01-18 13:00")),
           ("Monday 5pm-3pm", TUE, E), ("Monday 9-11", TUE, Q)])


def test_durations_are_real_elapsed_time_across_clock_changes() -> None:
    check([("Monday 4pm for 3 hours", TUE, ("2027-01-18 16:00", "2027-01-18 19:00")),
           ("Monday 4pm for 45 minutes", TUE, ("2027-01-18 16:00", "2027-01-18 16:45")),
           ("Monday 4pm for 2.5h", TUE, ("2027-01-18 16:00", "2027-01-18 18:30")),
           ("Monday 4pm for one and a half hours", TUE,
            ("2027-01-18 16:00", "2027-01-18 17:30")),
           ("Monday 4pm for an hour and 15 minutes", TUE,
            ("2027-01-18 16:00", "2027-01-18 17:15")),
           ("Saturday 11pm for 3 hours", SPRING, ("2027-03-27 23:00", "2027-03-28 03:00")),
           ("Saturday 30 October 10pm for 4 hours", AUTUMN,
            ("2027-10-30 22:00", "2027-10-31 01:00"))])


def test_zones_named_in_the_text_are_answered_in_the_members_zone() -> None:
    madrid = "2027-01-12T16:00"
    check([("Thursday 4pm UK time", madrid, "2027-01-14 17:00"),
           ("Thursday 4pm Europe/Dublin", madrid, "2027-01-14 17:00"),
           ("Thursday 4pm Europe/London time", madrid, "2027-01-14 17:00"),
           ("Thursday 11am EST", madrid, "2027-01-14 17:00"),
           ("Thursday 4pm", madrid, "2027-01-14 16:00"),
           ("2027-01-14T16:00Z", madrid, "2027-01-14 17:00"),
           ("2027-01-14T16:00+00:00", madrid, "2027-01-14 17:00")], tz="Europe/Madrid")
    check([("Thursday 9pm London time", "2027-01-12T10:00", "2027-01-14 16:00")],
          tz="America/New_York")


def test_gmt_and_bst_that_contradict_the_date_are_asked() -> None:
    check([("Thursday 4pm GMT", TUE, "2027-01-14 16:00"),
           ("3 July 2027 4pm GMT", TUE, Q), ("Thursday 4pm BST", TUE, Q),
           ("3 July 2027 4pm BST", TUE, "2027-07-03 16:00"),
           ("3 July 2027 4pm UTC", TUE, "2027-07-03 17:00")])


def test_skipped_wall_times_are_refused_and_doubled_ones_asked() -> None:
    check([("Sunday 1.15am", SPRING, E), ("28/3/2027 1:59am", SPRING, E),
           ("Sunday 1.30am", AUTUMN, Q), ("31 October 2027 01:05", AUTUMN, Q),
           ("Sunday 12.30am", AUTUMN, "2027-10-31 00:30")])


def test_a_dotted_pair_that_could_be_a_date_or_a_time() -> None:
    check([("12.03 at 4pm", TUE, "2027-03-12 16:00"), ("Thursday 15.45", TUE,
                                                         "2027-01-14 15:45"),
           ("5.10", TUE, Q),  # 17:10, or 5 October?
           ("Thursday 5.10", TUE, "2027-01-14 17:10"),  # 5 October 2027 is no Thursday
           ("Thursday 16", TUE, Q), ("Thursday at 16", TUE, "2027-01-14 16:00")])


def test_other_ways_of_writing_dates_and_times() -> None:
    check([("2027.01.20 16:00", TUE, "2027-01-20 16:00"),
           ("2027/01/20 16:00", TUE, "2027-01-20 16:00"),
           ("20270120T160000Z", TUE, "2027-01-20 16:00"),
           ("20-Jan-2027 16:00", TUE, "2027-01-20 16:00"),
           ("Wednesday, 20th of Jan. at 4 o'clock in the afternoon", TUE, "2027-01-20 16:00"),
           ("Thursday at four thirty", TUE, "2027-01-14 16:30"),
           ("4 pm on the twentieth", TUE, "2027-01-20 16:00"),
           ("Thursday 4pm 2h", TUE, ("2027-01-14 16:00", "2027-01-14 18:00")),
           ("Thursday 16.00hrs", TUE, "2027-01-14 16:00"),
           ("this Thursday coming 4pm", TUE, "2027-01-14 16:00"),
           ("Friday noon till 2", TUE, ("2027-01-15 12:00", "2027-01-15 14:00")),
           ("3 July 2027 4pm British Summer Time", TUE, "2027-07-03 16:00"),
           ("Friday 4pm to Saturday 2pm", TUE, Q),
           ("Jan 20, 16h", TUE, Q)])  # 16:00, or a 16-hour length?


def test_abbreviations_match_whole_words_only() -> None:
    check([("3 July 2027 4pm IST", TUE, Q),  # Irish or India? not "is" + "t"
           ("Thursday 4pm onwards", TUE, "2027-01-14 16:00"),
           ("Thursday at4pm", TUE, "2027-01-14 16:00")])


def test_words_the_reader_does_not_know_make_a_question_with_its_best_reading() -> None:
    zone = ZoneInfo(LONDON)
    now = datetime.fromisoformat(TUE).replace(tzinfo=zone)
    reading = read("Thursday 4pm-ish", now=now, tz=LONDON, suggest=False)
    assert isinstance(reading, Ask) and "rough" in reading.question
    assert [c.start.strftime("%d %H:%M") for c in reading.candidates] == ["14 16:00"]
    unknown = read("Thursday 4pm at the usual place", now=now, tz=LONDON, suggest=False)
    assert isinstance(unknown, Ask) and "usual" in unknown.question
    assert isinstance(read("sometime soon", now=now, tz=LONDON, suggest=False), Ask)
    assert isinstance(read("", now=now, tz=LONDON), Refuse)


def test_dateparser_is_asked_only_for_a_suggestion() -> None:
    """A form the rules do not know is never taken: dateparser's reading is offered."""
    zone = ZoneInfo(LONDON)
    now = datetime.fromisoformat(TUE).replace(tzinfo=zone)
    reading = read("20Jan2027 16:00", now=now, tz=LONDON)
    assert isinstance(reading, Ask)
    assert [c.start.strftime("%Y-%m-%d %H:%M") for c in reading.candidates] == [
        "2027-01-20 16:00"]
    assert read("20Jan2027 16:00", now=now, tz=LONDON, suggest=False) == Ask(
        reading.question.split(" Did you mean")[0] + " When does it start? For example "
        "`next Tuesday 4pm`, `Thu 3 Dec 16:00-17:30` or `2026-12-03 16:00 Europe/London`.")


def test_questions_offer_the_readings_as_candidates() -> None:
    zone = ZoneInfo(LONDON)
    now = datetime.fromisoformat(TUE).replace(tzinfo=zone)
    reading = read("next Thursday 4pm", now=now, tz=LONDON)
    assert isinstance(reading, Ask)
    assert [c.start.strftime("%a %d") for c in reading.candidates] == ["Thu 14", "Thu 21"]
    doubled = read("Sunday 1.30am", now=datetime.fromisoformat(AUTUMN).replace(tzinfo=zone),
                   tz=LONDON)
    assert isinstance(doubled, Ask)
    assert [c.start.utcoffset().total_seconds() for c in doubled.candidates] == [3600, 0]
    # each candidate's exact text reads back to itself, whatever the clock says later
    later = datetime.fromisoformat("2027-10-30T23:00").replace(tzinfo=zone)
    for candidate in doubled.candidates:
        again = read(candidate.canonical(), now=later, tz=LONDON)
        assert isinstance(again, When) and again.start == candidate.start
        assert again.start.utcoffset() == candidate.start.utcoffset()


@pytest.mark.parametrize(("text", "rule", "first", "described"), [
    ("every first Thursday of the month at 4pm", "FREQ=MONTHLY;BYDAY=1TH", "2027-02-04 16:00",
     "on the first Thursday of every month at 16:00"),
    ("weekly on Wednesdays 16:00 until 24 March", "FREQ=WEEKLY;INTERVAL=1;BYDAY=WE;"
     "UNTIL=20270324T235959Z", "2027-01-13 16:00",
     "every Wednesday at 16:00 until Wed 24 Mar 2027"),
    ("every other Monday 4-5pm", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "2027-01-18 16:00",
     "every other Monday at 16:00"),
    ("Thursdays at 4 for 4 weeks", "FREQ=WEEKLY;INTERVAL=1;BYDAY=TH;COUNT=4",
     "2027-01-14 16:00", "every Thursday at 16:00, 4 times"),
    ("the 20th of every month 5pm", "FREQ=MONTHLY;BYMONTHDAY=20", "2027-01-20 17:00",
     "on the 20th of every month at 17:00"),
    ("last Friday of every month at 4pm from March", None, None, None),
])
def test_repeating_phrasings(text: str, rule: str | None, first: str | None,
                             described: str | None) -> None:
    zone = ZoneInfo(LONDON)
    now = datetime.fromisoformat(TUE).replace(tzinfo=zone)
    reading = read(text, now=now, tz=LONDON, suggest=False)
    if rule is None:
        assert isinstance(reading, Ask)  # "from March": which day?
        return
    assert isinstance(reading, When) and reading.repeat is not None, reading
    assert reading.repeat.rule == rule
    assert reading.start.strftime("%Y-%m-%d %H:%M") == first
    assert reading.repeat.text == described
    assert describe_rule(rule, reading.start) == described


def test_until_a_month_and_unsupported_repeats_are_asked() -> None:
    check([("every Wednesday 4pm until July", TUE, Q), ("daily at 4pm", TUE, Q),
           ("every Thursday", TUE, Q), ("every Thursday at 9", TUE, Q),
           ("every Monday 4pm until the end of term", TUE, Q)])


@pytest.mark.parametrize("text", [
    "next Monday 4pm", "Thursday 4pm for 90m", "every first Thursday of the month 4-6pm",
    "every other Tuesday 16:30 until 30 June", "Fridays at 5pm for 6 weeks",
    "Saturday 11pm for 3 hours", "Thursday 4pm America/New_York"])
def test_phrase_reads_back_to_the_same_time(text: str) -> None:
    zone = ZoneInfo(LONDON)
    now = datetime.fromisoformat(TUE).replace(tzinfo=zone)
    reading = read(text, now=now, tz=LONDON)
    assert isinstance(reading, When)
    assert read(phrase(reading), now=now, tz=LONDON) == reading


def test_a_slip_in_a_day_or_month_name_is_read_when_only_one_name_is_that_close() -> None:
    check([("thrusday 4pm", TUE, "2027-01-14 16:00"),
           ("wensday at 5", TUE, "2027-01-13 17:00"),
           ("Fridya 4.30", TUE, "2027-01-15 16:30"),
           ("Febuary 3rd 4pm", TUE, "2027-02-03 16:00"),
           ("thuesday 4pm", TUE, Q),  # as near Tuesday as Thursday
           ("tusday 4pm", SAT, "2027-01-19 16:00"),
           ("sunday 4pm", TUE, "2027-01-17 16:00"),
           ("blursday 4pm", TUE, Q)])


def test_week_commencing_names_a_week_and_a_weekday_picks_the_day() -> None:
    check([("w/c 18th Jan Thursday 4pm", TUE, "2027-01-21 16:00"),
           ("Wednesday, week commencing 1 Feb, 4pm", TUE, "2027-02-03 16:00"),
           ("Friday in the week of 18/1 at 4", TUE, "2027-01-22 16:00"),
           ("w/c 18th Jan 4pm", TUE, Q),
           ("week beginning 1st February", TUE, Q)])


def test_what_the_event_is_called_does_not_stop_the_time_being_read() -> None:
    check([("twilight session 4pm tomorrow", TUE, "2027-01-13 16:00"),
           ("Thursday 4pm teachmeet", TUE, "2027-01-14 16:00"),
           ("CPD workshop Friday 3.45-5", TUE, ("2027-01-15 15:45", "2027-01-15 17:00")),
           ("twilight session tomorrow", TUE, Q)])


def test_twelve_am_is_asked_as_a_start_and_is_midnight_as_a_late_end() -> None:
    check([("Friday 12am", TUE, Q), ("Friday 12.30am", TUE, "2027-01-15 00:30"),
           ("Friday 12pm", TUE, "2027-01-15 12:00"),
           ("Friday 8pm-12am", TUE, ("2027-01-15 20:00", "2027-01-16 00:00")),
           ("Friday 10am-12am", TUE, Q)])


def test_texting_shorthand_is_spelt_out() -> None:
    check([("nxt mon 4pm", TUE, "2027-01-18 16:00"),
           ("weds nxt wk at 4", TUE, "2027-01-20 16:00"),
           ("2moro 4.30", TUE, "2027-01-13 16:30"),
           ("tonite at 7", TUE, "2027-01-12 19:00"),
           ("in 3 wks at 4pm", TUE, "2027-02-02 16:00")])


def test_days_with_a_fixed_date_are_that_date_and_moving_ones_are_asked() -> None:
    check([("Valentine's Day 4pm", TUE, "2027-02-14 16:00"),
           ("st david's day at 4", TUE, "2027-03-01 16:00"),
           ("Christmas Eve 2pm", TUE, "2027-12-24 14:00"),
           ("New Year's Eve 7pm", TUE, "2027-12-31 19:00"),
           ("after Easter 4pm", TUE, Q), ("Christmas 4pm", TUE, Q)])


def test_a_yearless_date_that_only_exists_more_than_a_year_ahead_is_asked() -> None:
    feb = "2027-02-27T11:00"
    check([("29th Feb 4pm", feb, Q), ("29/2 at 4", TUE, Q),
           ("29 February 4pm", SPRING, "2028-02-29 16:00"),
           ("26th Feb 4pm", feb, "2028-02-26 16:00")])


def test_a_past_day_this_week_is_asked_on_a_sunday_and_refused_later_in_the_week() -> None:
    sunday = "2027-01-17T10:00"
    check([("Wednesday this week at 4", sunday, Q), ("this wk weds 4pm", sunday, Q),
           ("Wednesday this week at 4", SAT, E),
           ("Friday this week 4pm", TUE, "2027-01-15 16:00")])


def test_event_words_stay_in_the_title_when_a_sentence_is_split() -> None:
    from bot.teachmeets.timeparse import split_sentence

    now = datetime.fromisoformat(TUE).replace(tzinfo=ZoneInfo(LONDON))
    spoken = split_sentence("Autumn TeachMeet next Monday 4pm at Cardiff Library",
                            default_tz=LONDON, now=now)
    assert spoken is not None
    assert (spoken.title, spoken.when) == ("Autumn TeachMeet", "next Monday 4pm")
    spoken = split_sentence("Maths CPD workshop Thursday 4pm", default_tz=LONDON, now=now)
    assert spoken is not None and spoken.title == "Maths CPD workshop"
