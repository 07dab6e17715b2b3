"""What the procedure needs to know of the configuration: terms, calendar, people."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from mailbot.config.settings import CommitteeMember, Settings, StaffMember, Term
from mailbot.model import Party

# `Otto Mulder <otto@example.nl>` or `"Otto Mulder" <otto@example.nl>`: a name and an address.
_NAME_ADDRESS = re.compile(r'^"?(?P<name>[^"<>]*?)"?\s*<(?P<address>[^<>\s]+@[^<>\s]+)>$')
_ADDRESS = re.compile(r"^<?(?P<address>[^<>\s\"]+@[^<>\s\"]+)>?$")


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

    def party(self, text: str) -> Party:
        """The person a `#respondent` argument names: a staff or committee member by alias,
        address, configured name (case and accents ignored) or name with address; anyone
        else as an outside party, with their address when one was given."""
        text = " ".join(text.split())
        found = _NAME_ADDRESS.match(text) or _ADDRESS.match(text)
        if found:
            address = found["address"].lower()
            name = (found.groupdict().get("name") or "").strip()
            # A colleague's name with another address is still that colleague: the
            # confidentiality rule must keep them out of their own case.
            member = self._member_by_address(address) or self._member_by_name(name)
            return Party(member.name, member.email) if member else Party(name, address)
        member = self.settings.staff_by_alias(text) or self._member_by_name(text)
        return Party(member.name, member.email) if member else Party(text, None)

    def _member_by_address(self, address: str) -> StaffMember | CommitteeMember | None:
        return self.settings.staff_member(address) or self.settings.committee_member(address)

    def _member_by_name(self, name: str) -> StaffMember | CommitteeMember | None:
        wanted = comparable_name(name)
        people = (*self.settings.staff, *self.settings.committee)
        matches = {p.email.lower(): p for p in people if comparable_name(p.name) == wanted}
        # Two people by one name: naming neither is safer than guessing.
        return next(iter(matches.values())) if len(matches) == 1 else None


def comparable_name(name: str) -> str:
    """A person's name as compared: case, accents and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().replace('"', " ").split())
