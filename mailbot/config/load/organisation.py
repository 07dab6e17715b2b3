"""[organisation] and [business_hours]: who runs mailbot, and its calendar and office hours."""

from __future__ import annotations

from mailbot.config.load.table import Context, Table
from mailbot.config.load.values import (
    array,
    boolean,
    case_prefix,
    choice,
    country,
    directory,
    email,
    hhmm,
    iso_date,
    postal_address,
    text,
    timezone,
)
from mailbot.config.settings import LANGUAGES, BusinessHours, Organisation


def organisation(t: Table) -> Organisation:
    closed = t.get("closed_days", array(iso_date))
    return Organisation(
        name=t.get("name", text),
        language=t.get("language", choice(LANGUAGES)),
        timezone=t.get("timezone", timezone),
        holiday_country=t.get("holiday_country", country),
        closed_days=tuple(sorted(set(closed or ()))),
        good_friday_is_working_day=t.get("good_friday_is_working_day", boolean),
        case_prefix=t.get("case_prefix", case_prefix),
        templates_dir=t.get("templates_dir", directory(t.ctx.base)),
        address=t.get("address", postal_address) or (),
        phone=t.get("phone", text),
        email=t.get("email", email),
        place=t.get("place", text),
    )


def business_hours(t: Table) -> BusinessHours:
    return BusinessHours(start=t.get("start", hhmm), end=t.get("end", hhmm))


def check_hours(ctx: Context, hours: BusinessHours) -> None:
    if hours.start and hours.end and hours.end <= hours.start:
        ctx.error(
            "business_hours.end",
            f"must be after business_hours.start ({hours.start:%H:%M}), got {hours.end:%H:%M}",
        )
