"""Working days, business hours and term ends, over real Dutch calendar dates."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailbot.config.settings import (
    Addresses,
    BusinessHours,
    ImapSettings,
    Organisation,
    Settings,
    SmtpSettings,
    StorageSettings,
    Term,
)
from mailbot.procedure.workdays import Calendar, _holiday_language

AMS = ZoneInfo("Europe/Amsterdam")
CLOSED = date(2026, 12, 24)


@pytest.fixture(scope="module")
def cal() -> Calendar:
    return Calendar(closed_days=[CLOSED])


@pytest.fixture(scope="module")
def cal_en() -> Calendar:
    return Calendar(closed_days=[CLOSED], language="en")


def d(text: str) -> date:
    return date.fromisoformat(text)


def t(text: str) -> datetime:
    """An aware datetime: ISO with offset, or a local Amsterdam wall time without one."""
    at = datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=AMS)


def check_moment(result: datetime, expected: str) -> None:
    # The ISO form pins both the wall-clock time and the UTC offset (DST); the key pins the zone.
    assert result.isoformat() == expected
    assert result.tzinfo == AMS


# -- working days -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-04-24", True),  # an ordinary Friday
        ("2026-04-25", False),  # Saturday
        ("2026-04-26", False),  # Sunday
        ("2026-04-27", False),  # King's Day
        ("2026-04-28", True),
        ("2025-04-26", False),  # King's Day moves to the 26th when the 27th is a Sunday
        ("2025-04-28", True),
        ("2026-04-06", False),  # Easter Monday
        ("2025-04-21", False),  # Easter Monday
        ("2026-04-03", True),  # Good Friday: a working day by default
        ("2026-05-14", False),  # Ascension Day
        ("2025-05-29", False),  # Ascension Day
        ("2026-05-25", False),  # Whit Monday
        ("2025-06-09", False),  # Whit Monday
        ("2026-12-25", False),  # Christmas Day
        ("2025-12-26", False),  # Boxing Day (a Friday)
        ("2027-01-01", False),  # New Year's Day (a Friday)
        ("2026-01-01", False),  # New Year's Day (a Thursday)
        ("2026-12-24", False),  # configured closing day
        ("2025-12-24", True),  # the same date a year earlier is not closed
        ("2025-05-05", False),  # Liberation Day in a lustrum year
        ("2026-05-05", True),  # Liberation Day outside lustrum years is not a public holiday
    ],
)
def test_is_working_day(cal: Calendar, day: str, working: bool) -> None:
    assert cal.is_working_day(d(day)) is working


@pytest.mark.parametrize(
    ("day", "nl", "en"),
    [
        ("2026-04-25", "zaterdag", "Saturday"),
        ("2026-04-26", "zondag", "Sunday"),
        ("2026-04-27", "Koningsdag", "King's Day"),
        ("2025-04-26", "Koningsdag", "King's Day"),  # the holiday beats "zaterdag"
        ("2026-04-05", "Eerste paasdag", "Easter Sunday"),
        ("2026-04-06", "Tweede paasdag", "Easter Monday"),
        ("2026-05-14", "Hemelvaartsdag", "Ascension Day"),
        ("2026-05-25", "Tweede pinksterdag", "Pentecost Monday"),
        ("2026-12-25", "Eerste kerstdag", "Christmas Day"),
        ("2026-12-26", "Tweede kerstdag", "Second Day of Christmas"),
        ("2026-01-01", "Nieuwjaarsdag", "New Year's Day"),
        ("2026-12-24", "sluitingsdag", "closed day"),
        ("2026-04-24", None, None),
        ("2026-04-03", None, None),  # Good Friday, working by default
    ],
)
def test_non_working_reason(cal: Calendar, cal_en: Calendar, day: str, nl: str, en: str) -> None:
    assert cal.non_working_reason(d(day)) == nl
    assert cal_en.non_working_reason(d(day)) == en


def test_closing_day_on_a_weekend_reads_as_the_weekday() -> None:
    cal = Calendar(closed_days=[d("2026-04-25")])
    assert cal.non_working_reason(d("2026-04-25")) == "zaterdag"


@pytest.mark.parametrize(
    ("flag", "working", "nl", "en", "due_day"),
    [
        # 1 working day from Thursday 2 April 2026: Good Friday itself, or past Easter Monday.
        (True, True, None, None, "2026-04-03"),
        (False, False, "Goede vrijdag", "Good Friday", "2026-04-07"),
    ],
)
def test_good_friday_follows_the_flag(
    flag: bool, working: bool, nl: str | None, en: str | None, due_day: str
) -> None:
    cal = Calendar(good_friday_is_working_day=flag)
    cal_en = Calendar(good_friday_is_working_day=flag, language="en")
    good_friday = d("2026-04-03")
    assert cal.is_working_day(good_friday) is working
    assert cal.non_working_reason(good_friday) == nl
    assert cal_en.non_working_reason(good_friday) == en
    due = cal.due(t("2026-04-02T10:00"), Term(1, "working_days"))
    assert due.date() == d(due_day)


def test_good_friday_flag_false_also_where_the_library_has_no_good_friday() -> None:
    # Belgium has Easter Monday but not Good Friday as a public holiday.
    assert Calendar(country="BE").is_working_day(d("2026-04-03"))
    cal = Calendar(country="BE", good_friday_is_working_day=False, language="en")
    assert not cal.is_working_day(d("2026-04-03"))
    assert cal.non_working_reason(d("2026-04-03")) == "Good Friday"


def test_holiday_names_do_not_follow_the_system_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.setenv(var, "uk_UA.UTF-8")
    assert Calendar().holiday_name(d("2026-04-27")) == "Koningsdag"
    assert Calendar(language="en").holiday_name(d("2026-04-27")) == "King's Day"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "nl"),
        ("en", "en_US"),
        ("en_US", "en_US"),
        ("en-GB", "en_US"),  # nearest regional variant of the same language
        ("fr", "nl"),  # unsupported: the country's own language, never the system locale
    ],
)
def test_holiday_language_mapping(language: str, expected: str) -> None:
    assert _holiday_language(("en_US", "fy", "nl", "th", "uk"), "nl", language) == expected


# -- working-day arithmetic ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        ("2026-04-24", 5, "2026-05-04"),  # over the weekend and King's Day
        ("2026-04-24", 1, "2026-04-28"),
        ("2026-04-28", 0, "2026-04-28"),  # n=0 on a working day: the day itself
        ("2026-04-25", 0, "2026-04-28"),  # n=0 on a Saturday before King's Day
        ("2026-05-13", 1, "2026-05-15"),  # over Ascension Day
        ("2026-05-22", 1, "2026-05-26"),  # over Whit Monday
        ("2026-04-02", 2, "2026-04-07"),  # Good Friday counts, Easter Monday does not
        ("2026-12-23", 5, "2027-01-04"),  # closing day, Christmas, New Year, two weekends
        ("2026-12-31", 1, "2027-01-04"),
        # backwards
        ("2026-05-04", -5, "2026-04-24"),
        ("2026-04-28", -1, "2026-04-24"),
        ("2027-01-04", -1, "2026-12-31"),
        ("2026-12-28", -1, "2026-12-23"),  # back over Christmas and the closing day
        ("2026-04-07", -1, "2026-04-03"),
        ("2026-05-26", -2, "2026-05-21"),
    ],
)
def test_add_working_days(cal: Calendar, day: str, n: int, expected: str) -> None:
    assert cal.add_working_days(d(day), n) == d(expected)


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        ("2026-05-04", 2, "2026-04-30"),
        ("2026-05-04", 1, "2026-05-01"),
        ("2026-04-26", 0, "2026-04-24"),  # n=0 on a Sunday: the previous working day
        ("2026-05-04", 0, "2026-05-04"),
        ("2027-01-05", 3, "2026-12-30"),
        ("2026-01-05", 1, "2026-01-02"),
    ],
)
def test_working_days_before(cal: Calendar, day: str, n: int, expected: str) -> None:
    assert cal.working_days_before(d(day), n) == d(expected)


def test_working_days_before_rejects_a_negative_count(cal: Calendar) -> None:
    with pytest.raises(ValueError):
        cal.working_days_before(d("2026-05-04"), -1)


@pytest.mark.parametrize("n", [1, 2, 5, 10, 23])
def test_forwards_and_backwards_agree(cal: Calendar, n: int) -> None:
    for start in (d("2026-04-24"), d("2026-12-18"), d("2026-05-13")):
        end = cal.add_working_days(start, n)
        assert cal.working_days_before(end, n) == start
        assert cal.add_working_days(end, -n) == start
        assert cal.working_days_between(start, end) == n


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-04-24", "2026-05-04", 5),
        ("2026-04-24", "2026-04-27", 0),  # weekend and King's Day
        ("2026-04-24", "2026-04-24", 0),
        ("2026-05-04", "2026-04-24", 0),  # end before start
        ("2026-12-23", "2027-01-04", 5),
        ("2026-04-01", "2026-04-30", 19),  # April 2026: 22 weekdays minus Easter Mon, King's Day
    ],
)
def test_working_days_between(cal: Calendar, start: str, end: str, expected: int) -> None:
    assert cal.working_days_between(d(start), d(end)) == expected


# -- term ends ----------------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["2026-04-24T00:00", "2026-04-24T09:15", "2026-04-24T23:59:59"])
def test_formal_complaint_on_friday_24_april_is_due_monday_4_may(cal: Calendar, start: str) -> None:
    # Acceptance point: any time of day on that Friday, 5 working days.
    check_moment(cal.due(t(start), Term(5, "working_days")), "2026-05-04T23:59:59+02:00")


def test_four_weeks_from_1_december_is_due_29_december(cal: Calendar) -> None:
    # Acceptance point.
    check_moment(cal.due(t("2026-12-01T14:00"), Term(4, "weeks")), "2026-12-29T23:59:59+01:00")


@pytest.mark.parametrize(
    ("start", "term", "expected"),
    [
        # The local date counts, not the UTC date: 21:30Z is Thursday 23:30 in Amsterdam.
        ("2026-04-23T21:30:00+00:00", Term(5, "working_days"), "2026-05-01T23:59:59+02:00"),
        ("2026-04-23T22:30:00+00:00", Term(5, "working_days"), "2026-05-04T23:59:59+02:00"),
        ("2026-04-24T10:00", Term(1, "working_days"), "2026-04-28T23:59:59+02:00"),
        ("2026-04-24T10:00", Term(0, "working_days"), "2026-04-24T23:59:59+02:00"),
        # crossing New Year, with the closing day on 24 December
        ("2026-12-23T10:00", Term(5, "working_days"), "2027-01-04T23:59:59+01:00"),
        ("2026-12-17T10:00", Term(10, "working_days"), "2027-01-05T23:59:59+01:00"),
        ("2026-12-30T10:00", Term(2, "working_days"), "2027-01-04T23:59:59+01:00"),
        # calendar terms ending on a non-working day run on to the next working day
        ("2026-11-27T10:00", Term(4, "weeks"), "2026-12-28T23:59:59+01:00"),  # Christmas Day
        ("2026-11-26T10:00", Term(4, "weeks"), "2026-12-28T23:59:59+01:00"),  # closing day
        ("2026-03-30T10:00", Term(4, "weeks"), "2026-04-28T23:59:59+02:00"),  # King's Day
        ("2026-04-24T10:00", Term(1, "days"), "2026-04-28T23:59:59+02:00"),  # Sat → Tue
        ("2026-04-24T10:00", Term(0, "days"), "2026-04-24T23:59:59+02:00"),
        ("2026-04-20T10:00", Term(10, "days"), "2026-04-30T23:59:59+02:00"),
        ("2026-12-04T10:00", Term(4, "weeks"), "2027-01-04T23:59:59+01:00"),  # New Year's Day
        # months and years clamp to the end of a shorter month
        ("2025-01-31T10:00", Term(1, "months"), "2025-02-28T23:59:59+01:00"),
        ("2024-01-31T10:00", Term(1, "months"), "2024-02-29T23:59:59+01:00"),
        ("2026-01-31T10:00", Term(1, "months"), "2026-03-02T23:59:59+01:00"),  # Feb 28 is Sat
        ("2026-10-31T10:00", Term(2, "months"), "2026-12-31T23:59:59+01:00"),
        ("2026-11-30T10:00", Term(3, "months"), "2027-03-01T23:59:59+01:00"),  # Feb 28 is Sun
        ("2024-02-29T10:00", Term(1, "years"), "2025-02-28T23:59:59+01:00"),
        ("2024-02-29T10:00", Term(2, "years"), "2026-03-02T23:59:59+01:00"),
        ("2026-05-04T10:00", Term(2, "years"), "2028-05-04T23:59:59+02:00"),  # retention
        ("2023-04-27T10:00", Term(2, "years"), "2025-04-28T23:59:59+02:00"),  # Sun 27 Apr 2025
        # daylight saving starts Sunday 29 March 2026 and ends Sunday 25 October 2026
        ("2026-03-26T10:00", Term(1, "working_days"), "2026-03-27T23:59:59+01:00"),
        ("2026-03-27T10:00", Term(1, "working_days"), "2026-03-30T23:59:59+02:00"),
        ("2026-03-28T12:00", Term(1, "days"), "2026-03-30T23:59:59+02:00"),
        ("2026-03-29T01:30", Term(1, "working_days"), "2026-03-30T23:59:59+02:00"),
        ("2026-03-29T03:30", Term(0, "working_days"), "2026-03-30T23:59:59+02:00"),
        ("2026-10-22T10:00", Term(1, "working_days"), "2026-10-23T23:59:59+02:00"),
        ("2026-10-23T10:00", Term(1, "working_days"), "2026-10-26T23:59:59+01:00"),
        ("2026-09-28T10:00", Term(4, "weeks"), "2026-10-26T23:59:59+01:00"),  # lands on Sun 25th
    ],
)
def test_due(cal: Calendar, start: str, term: Term, expected: str) -> None:
    check_moment(cal.due(t(start), term), expected)


def test_due_on_dst_days_is_the_right_utc_instant(cal: Calendar) -> None:
    spring = cal.due(t("2026-03-27T10:00"), Term(1, "working_days"))
    autumn = cal.due(t("2026-10-23T10:00"), Term(1, "working_days"))
    assert spring == datetime.fromisoformat("2026-03-30T21:59:59+00:00")
    assert autumn == datetime.fromisoformat("2026-10-26T22:59:59+00:00")
    assert spring.utcoffset() == timedelta(hours=2)
    assert autumn.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    "term", [Term(1, "fortnights"), Term(-1, "working_days"), Term(-2, "weeks")]
)
def test_due_rejects_bad_terms(cal: Calendar, term: Term) -> None:
    with pytest.raises(ValueError):
        cal.due(t("2026-04-24T10:00"), term)


def test_due_rejects_a_naive_start(cal: Calendar) -> None:
    with pytest.raises(ValueError):
        cal.due(datetime(2026, 4, 24, 10, 0), Term(5, "working_days"))


# -- reminders and business hours ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "n", "expected"),
    [
        ("2026-05-04T23:59:59+02:00", 2, "2026-04-30T08:30:00+02:00"),  # Monday → Thursday
        ("2026-05-04T21:59:59+00:00", 2, "2026-04-30T08:30:00+02:00"),  # same instant in UTC
        ("2026-05-04T23:59:59+02:00", 1, "2026-05-01T08:30:00+02:00"),
        ("2026-05-04T23:59:59+02:00", 5, "2026-04-24T08:30:00+02:00"),  # back over King's Day
        ("2026-05-04T23:59:59+02:00", 0, "2026-05-04T08:30:00+02:00"),
        ("2027-01-04T23:59:59+01:00", 1, "2026-12-31T08:30:00+01:00"),
        ("2027-01-04T23:59:59+01:00", 5, "2026-12-23T08:30:00+01:00"),
        # around the DST changes
        ("2026-03-31T23:59:59+02:00", 1, "2026-03-30T08:30:00+02:00"),
        ("2026-03-31T23:59:59+02:00", 2, "2026-03-27T08:30:00+01:00"),
        ("2026-03-30T23:59:59+02:00", 0, "2026-03-30T08:30:00+02:00"),
        ("2026-10-27T23:59:59+01:00", 1, "2026-10-26T08:30:00+01:00"),
        ("2026-10-27T23:59:59+01:00", 2, "2026-10-23T08:30:00+02:00"),
    ],
)
def test_reminder_moment(cal: Calendar, due: str, n: int, expected: str) -> None:
    check_moment(cal.reminder_moment(t(due), n), expected)


def test_reminders_for_a_formal_acknowledgement(cal: Calendar) -> None:
    due = cal.due(t("2026-04-24T16:00"), Term(5, "working_days"))
    check_moment(cal.reminder_moment(due, 2), "2026-04-30T08:30:00+02:00")  # chair
    check_moment(cal.reminder_moment(due, 1), "2026-05-01T08:30:00+02:00")  # committee


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-05-08T18:00", "2026-05-11T08:30:00+02:00"),  # Friday evening → Monday
        ("2026-05-09T12:00", "2026-05-11T08:30:00+02:00"),  # Saturday → Monday
        ("2026-05-10T23:00", "2026-05-11T08:30:00+02:00"),  # Sunday → Monday
        ("2026-04-27T10:00", "2026-04-28T08:30:00+02:00"),  # King's Day → next working day
        ("2026-04-24T18:00", "2026-04-28T08:30:00+02:00"),  # Friday before King's Day
        ("2026-12-23T17:45", "2026-12-28T08:30:00+01:00"),  # closing day, Christmas, weekend
        ("2026-05-12T07:00", "2026-05-12T08:30:00+02:00"),  # before opening: same day
        ("2026-05-12T00:00", "2026-05-12T08:30:00+02:00"),
        ("2026-05-12T08:30", "2026-05-12T08:30:00+02:00"),  # opening is business time
        ("2026-05-12T10:00", "2026-05-12T10:00:00+02:00"),  # business time: itself
        ("2026-05-12T17:29:59", "2026-05-12T17:29:59+02:00"),
        ("2026-05-12T17:30", "2026-05-13T08:30:00+02:00"),  # closing time is not
        ("2026-05-12T06:00:00+00:00", "2026-05-12T08:30:00+02:00"),  # 08:00 local
        ("2026-05-12T06:45:00+00:00", "2026-05-12T08:45:00+02:00"),  # 08:45 local
        ("2026-05-11T22:30:00+00:00", "2026-05-12T08:30:00+02:00"),  # Tuesday 00:30 local
        ("2026-04-03T10:00", "2026-04-03T10:00:00+02:00"),  # Good Friday, working by default
        # over the DST changes
        ("2026-03-27T18:00", "2026-03-30T08:30:00+02:00"),
        ("2026-03-29T02:30:00+00:00", "2026-03-30T08:30:00+02:00"),
        ("2026-10-23T18:00", "2026-10-26T08:30:00+01:00"),
        ("2026-10-25T02:30:00+01:00", "2026-10-26T08:30:00+01:00"),
    ],
)
def test_next_business_moment(cal: Calendar, at: str, expected: str) -> None:
    result = cal.next_business_moment(t(at))
    check_moment(result, expected)
    assert result >= t(at)
    assert cal.is_business_time(result)


def test_next_business_moment_on_good_friday_when_it_is_a_holiday() -> None:
    cal = Calendar(good_friday_is_working_day=False)
    check_moment(cal.next_business_moment(t("2026-04-03T10:00")), "2026-04-07T08:30:00+02:00")


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-05-12T08:29:59", False),
        ("2026-05-12T08:30", True),
        ("2026-05-12T12:00", True),
        ("2026-05-12T17:29:59", True),
        ("2026-05-12T17:30", False),
        ("2026-05-12T10:00:00+00:00", True),  # 12:00 local
        ("2026-05-12T16:00:00+00:00", False),  # 18:00 local
        ("2026-05-09T12:00", False),  # Saturday
        ("2026-04-27T12:00", False),  # King's Day
        ("2026-12-24T12:00", False),  # closing day
        ("2026-05-14T12:00", False),  # Ascension Day
    ],
)
def test_is_business_time(cal: Calendar, at: str, expected: bool) -> None:
    assert cal.is_business_time(t(at)) is expected


def test_custom_business_hours() -> None:
    cal = Calendar(business_hours=BusinessHours(time(9, 0), time(17, 0)))
    check_moment(cal.next_business_moment(t("2026-05-12T08:45")), "2026-05-12T09:00:00+02:00")
    check_moment(cal.next_business_moment(t("2026-05-12T17:00")), "2026-05-13T09:00:00+02:00")
    check_moment(
        cal.reminder_moment(t("2026-05-04T23:59:59+02:00"), 2), "2026-04-30T09:00:00+02:00"
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda cal: cal.next_business_moment(datetime(2026, 5, 12, 10, 0)),
        lambda cal: cal.is_business_time(datetime(2026, 5, 12, 10, 0)),
        lambda cal: cal.reminder_moment(datetime(2026, 5, 4, 23, 59, 59), 2),
    ],
)
def test_naive_datetimes_are_refused(cal: Calendar, call: object) -> None:
    with pytest.raises(ValueError):
        call(cal)  # type: ignore[operator]


# -- construction -------------------------------------------------------------------------------


def test_from_settings_carries_the_organisation_choices(tmp_path: Path) -> None:
    settings = Settings(
        source=tmp_path / "mailbot.toml",
        organisation=Organisation(
            name="VvE De Linde",
            language="en",
            timezone="Europe/Amsterdam",
            holiday_country="NL",
            closed_days=(CLOSED,),
            good_friday_is_working_day=False,
        ),
        imap=ImapSettings(host="imap.example.org", username="bot", password="x"),
        smtp=SmtpSettings(host="smtp.example.org"),
        addresses=Addresses(complaints="klachten@example.org", committee="cie@example.org"),
        staff=(),
        committee=(),
        storage=StorageSettings(data_dir=tmp_path),
        business_hours=BusinessHours(time(9, 0), time(17, 0)),
    )
    cal = Calendar.from_settings(settings)
    assert cal.non_working_reason(CLOSED) == "closed day"
    assert cal.non_working_reason(d("2026-04-03")) == "Good Friday"
    assert cal.zone == AMS
    check_moment(cal.next_business_moment(t("2026-05-12T08:45")), "2026-05-12T09:00:00+02:00")


def test_another_timezone() -> None:
    cal = Calendar(timezone="Europe/London")
    due = cal.due(datetime.fromisoformat("2026-03-27T10:00:00+00:00"), Term(1, "working_days"))
    assert due.isoformat() == "2026-03-30T23:59:59+01:00"
    assert due.tzinfo == ZoneInfo("Europe/London")


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ValueError):
        Calendar(country="XX")
    with pytest.raises(ValueError):
        Calendar(business_hours=BusinessHours(time(17, 0), time(9, 0)))
    with pytest.raises(Exception, match="Mars/Olympus"):
        Calendar(timezone="Mars/Olympus")


def test_an_opening_time_skipped_by_a_dst_jump_becomes_the_first_real_moment_after_it() -> None:
    # Egypt moves its clocks from 00:00 to 01:00 on Friday 24 April 2026, a weekday here, so an
    # opening time of 00:30 does not exist that day; the moment is the one just after the gap.
    cal = Calendar(
        country="EG",
        timezone="Africa/Cairo",
        business_hours=BusinessHours(time(0, 30), time(17, 0)),
        language="en",
    )
    cairo = ZoneInfo("Africa/Cairo")
    result = cal.next_business_moment(datetime(2026, 4, 23, 18, 0, tzinfo=cairo))
    assert result.isoformat() == "2026-04-24T01:30:00+03:00"
    assert result == datetime.fromisoformat("2026-04-23T22:30:00+00:00")
