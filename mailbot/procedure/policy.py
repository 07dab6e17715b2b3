"""What the procedure needs to know of the configuration: terms, calendar, people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from mailbot.settings import Settings, StaffMember, Term


class TermCalendar(Protocol):
    def due(self, start: datetime, term: Term) -> datetime: ...
    def end_of_day(self, day: date) -> datetime: ...


@dataclass(frozen=True)
class Policy:
    """Pure lookups over frozen settings and a working-day calendar."""

    settings: Settings
    calendar: TermCalendar

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.organisation.timezone)

    def due(self, deadline: str, start: datetime) -> datetime:
        return self.calendar.due(start, self.settings.deadlines[deadline])

    def end_of_day(self, day: date) -> datetime:
        return self.calendar.end_of_day(day)

    def local(self, wall_time: datetime) -> datetime:
        """A wall-clock time as written in a command, in the organisation's zone."""
        return wall_time.replace(tzinfo=self.zone)

    def staff(self, word: str) -> StaffMember | None:
        """A staff member by alias or e-mail address."""
        word = word.strip().strip("<>")
        if "@" in word:
            return self.settings.staff_member(word)
        return self.settings.staff_by_alias(word)
