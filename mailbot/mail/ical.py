"""iCalendar invitations (RFC 5545): the only module that imports icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText


def invitation(
    *,
    uid: str,
    start: datetime,
    summary: str,
    organizer: str,
    attendee: str,
    location: str = "",
    description: str = "",
    stamp: datetime,
    minutes: int = 60,
) -> str:
    """A single-event REQUEST for one attendee; `uid` stays the same across updates."""
    calendar = Calendar()
    calendar.add("prodid", "-//mailbot//complaints procedure//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    # UTC needs no VTIMEZONE block, which not every mail client reads correctly.
    start = start.astimezone(UTC)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=minutes))
    event.add("summary", summary)
    if location:
        event.add("location", vText(location))
    if description:
        event.add("description", description)
    event["organizer"] = vCalAddress(f"mailto:{organizer}")
    guest = vCalAddress(f"mailto:{attendee}")
    guest.params["ROLE"] = vText("REQ-PARTICIPANT")
    guest.params["RSVP"] = vText("TRUE")
    event.add("attendee", guest, encode=0)
    calendar.add_component(event)
    return calendar.to_ical().decode()
