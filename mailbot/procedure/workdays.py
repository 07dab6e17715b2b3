"""Pure: working days, business hours and when procedural terms end (no clock, no I/O)."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from babel.core import Locale, UnknownLocaleError
from babel.dates import get_day_names
from dateutil.easter import easter  # a dependency of `holidays`, which uses it for Easter too

from mailbot.config.settings import TERM_UNITS, BusinessHours, Settings, Term

END_OF_DAY = time(23, 59, 59)

_DEFAULT_HOURS = BusinessHours()
_ONE_DAY = timedelta(days=1)
_CLOSED_DAY = {"nl": "sluitingsdag", "en": "closed day"}
_GOOD_FRIDAY = {"nl": "Goede Vrijdag", "en": "Good Friday"}


def _holiday_language(supported: Iterable[str], default: str | None, language: str) -> str | None:
    """The `holidays` language code for a configured language: "nl" -> "nl", "en" -> "en_US".

    An exact match wins, then a regional variant of the same language (alphabetically first),
    then the country's own language. Never None when the country has a default: with
    `language=None` the library would follow the system locale, which differs between hosts.
    """
    supported = tuple(supported)
    if language in supported:
        return language
    base = language.replace("-", "_").split("_")[0].lower()
    variants = sorted(code for code in supported if code.split("_")[0].lower() == base)
    if variants:
        return variants[0]
    return default


def _add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the end of a shorter month (Jan 31 + 1 -> Feb 28)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Calendar:
    """Which days are working days in one organisation, and what that means for terms.

    A working day is Monday to Friday, not a public holiday of `country` (the `holidays`
    package's default "public" category, so NL Liberation Day counts only in lustrum years),
    and not one of `closed_days`. Good Friday (Western Easter minus two days) is a working day
    when `good_friday_is_working_day` is true, even where the library lists it as a holiday,
    and a non-working day when it is false, even where the library does not list it.
    """

    def __init__(
        self,
        *,
        country: str = "NL",
        timezone: str = "Europe/Amsterdam",
        closed_days: Iterable[date] = (),
        good_friday_is_working_day: bool = True,
        business_hours: BusinessHours = _DEFAULT_HOURS,
        language: str = "nl",
    ) -> None:
        if business_hours.start >= business_hours.end:
            raise ValueError(
                f"business hours must start before they end: {business_hours.start}"
                f"–{business_hours.end}"
            )
        # Fail at construction (config load), not at the first deadline, on a bad country/zone.
        try:
            probe = holidays.country_holidays(country)
        except NotImplementedError as exc:
            raise ValueError(f"no public holidays known for country {country!r}") from exc
        self.country = country
        self.zone = ZoneInfo(timezone)
        self.closed_days = frozenset(closed_days)
        self.good_friday_is_working_day = good_friday_is_working_day
        self.business_hours = business_hours
        self.language = language
        self._holiday_language = _holiday_language(
            probe.supported_languages, probe.default_language, language
        )
        self._words = "nl" if language.lower().startswith("nl") else "en"
        try:
            self._day_names = get_day_names("wide", locale=Locale.parse(language.replace("-", "_")))
        except (UnknownLocaleError, ValueError, TypeError):
            self._day_names = get_day_names("wide", locale="en")
        self._years: dict[int, dict[date, str]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> Calendar:
        org = settings.organisation
        return cls(
            country=org.holiday_country,
            timezone=org.timezone,
            closed_days=org.closed_days,
            good_friday_is_working_day=org.good_friday_is_working_day,
            business_hours=settings.business_hours,
            language=org.language,
        )

    # -- days ---------------------------------------------------------------------------------

    def _holidays(self, year: int) -> dict[date, str]:
        """The year's public holidays as a plain dict (a HolidayBase would grow on lookups)."""
        found = self._years.get(year)
        if found is None:
            lib = holidays.country_holidays(
                self.country, years=year, language=self._holiday_language
            )
            found = dict(lib.items())
            good_friday = easter(year) - timedelta(days=2)
            if self.good_friday_is_working_day:
                found.pop(good_friday, None)
            else:
                found.setdefault(good_friday, _GOOD_FRIDAY[self._words])
            self._years[year] = found
        return found

    def holiday_name(self, day: date) -> str | None:
        """The public holiday on `day` in the configured language, as this calendar counts it."""
        return self._holidays(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        return (
            day.weekday() < 5
            and day not in self.closed_days
            and day not in self._holidays(day.year)
        )

    def non_working_reason(self, day: date) -> str | None:
        """Why `day` is not a working day, for messages; None when it is one.

        A holiday's name beats the weekday's ("Eerste paasdag", not "zondag"), and a weekend
        day beats a configured closing day that happens to fall on it.
        """
        name = self.holiday_name(day)
        if name is not None:
            return name
        if day.weekday() >= 5:
            return self._day_names[day.weekday()]
        if day in self.closed_days:
            return _CLOSED_DAY[self._words]
        return None

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (`day` itself not counted); n < 0 counts backwards.

        n == 0 gives `day` when it is a working day, otherwise the next working day.
        """
        if n < 0:
            return self.working_days_before(day, -n)
        if n == 0:
            while not self.is_working_day(day):
                day += _ONE_DAY
            return day
        while n:
            day += _ONE_DAY
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_before(self, day: date, n: int) -> date:
        """The n-th working day before `day` (`day` itself not counted).

        n == 0 gives `day` when it is a working day, otherwise the previous working day.
        """
        if n < 0:
            raise ValueError(f"working_days_before needs n >= 0, got {n}")
        if n == 0:
            while not self.is_working_day(day):
                day -= _ONE_DAY
            return day
        while n:
            day -= _ONE_DAY
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie after `start` up to and including `end` (0 if end <= start)."""
        return sum(
            self.is_working_day(start + timedelta(days=k)) for k in range(1, (end - start).days + 1)
        )

    # -- moments ------------------------------------------------------------------------------

    def _at(self, day: date, wall: time) -> datetime:
        """`wall` o'clock local time on `day`, with that day's UTC offset.

        The round trip through UTC moves a wall time that a DST jump skips to the real instant
        just after the gap instead of returning a time that never exists.
        """
        return datetime.combine(day, wall, tzinfo=self.zone).astimezone(UTC).astimezone(self.zone)

    def end_of_day(self, day: date) -> datetime:
        """23:59:59 local time on `day`: when a term ending that day ends."""
        return self._at(day, END_OF_DAY)

    def start_of_day(self, day: date) -> datetime:
        return self._at(day, time(0, 0))

    def _local(self, at: datetime) -> datetime:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"need a timezone-aware datetime, got {at!r}")
        return at.astimezone(self.zone)

    def due(self, start: datetime, term: Term) -> datetime:
        """When a term that starts at `start` ends: 23:59:59 local time on its last day.

        - working_days: the n-th working day after the start's local date (the start day itself
          does not count), so a complaint received on Friday with 5 working days is due on the
          fifth working day after that Friday, whatever the hour of receipt.
        - days / weeks / months / years: calendar arithmetic on the start's local date; months
          and years clamp to the end of a shorter month (Jan 31 + 1 month = Feb 28, Feb 29 +
          1 year = Feb 28). When that day is not a working day, the term runs on to the next
          working day, as the Dutch Algemene termijnenwet (art. 1) extends a term ending on a
          Saturday, Sunday or public holiday; closing days extend it the same way, since nobody
          is there to act on them.

        `start` must be aware; the result is aware, in the configured zone.
        """
        if term.unit not in TERM_UNITS:
            raise ValueError(f"unknown term unit {term.unit!r}")
        if term.amount < 0:
            raise ValueError(f"a term cannot be negative: {term}")
        day = self._local(start).date()
        if term.unit == "working_days":
            last = self.add_working_days(day, term.amount)
        else:
            if term.unit == "days":
                last = day + timedelta(days=term.amount)
            elif term.unit == "weeks":
                last = day + timedelta(weeks=term.amount)
            elif term.unit == "months":
                last = _add_months(day, term.amount)
            else:
                last = _add_months(day, 12 * term.amount)
            last = self.add_working_days(last, 0)
        return self._at(last, END_OF_DAY)

    def reminder_moment(self, due: datetime, working_days_before: int) -> datetime:
        """When a reminder "N working days before" `due` goes out: business-hours start on the
        working day N working days before the due moment's local date (N = 0: that day itself).
        """
        day = self.working_days_before(self._local(due).date(), working_days_before)
        return self._at(day, self.business_hours.start)

    def is_business_time(self, at: datetime) -> bool:
        """Whether `at` lies within business hours (start inclusive, end exclusive) of a
        working day, in local time."""
        local = self._local(at)
        hours = self.business_hours
        return self.is_working_day(local.date()) and hours.start <= local.time() < hours.end

    def next_business_moment(self, at: datetime) -> datetime:
        """`at` itself (in the configured zone) when it is business time, otherwise the start of
        the next business period: later the same day when `at` is before opening on a working
        day, else opening time on the next working day."""
        local = self._local(at)
        day = local.date()
        if self.is_working_day(day):
            if local.time() < self.business_hours.start:
                return self._at(day, self.business_hours.start)
            if local.time() < self.business_hours.end:
                return local
        return self._at(self.add_working_days(day, 1), self.business_hours.start)
