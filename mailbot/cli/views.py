"""Pure: cases as the JSON contract of DESIGN section 7 and as table rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from mailbot.model import Case, Deadline, MessageRecord
from mailbot.store.codec import to_dict


def case_json(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "track": case.track,
        "stage": case.stage,
        "status": case.status,
        "language": case.language,
        "complainant": {"name": case.complainant.name, "email": case.complainant.email},
        "postal_address": case.postal_address,
        "contact": case.contact,
        "received_at": case.received_at.isoformat(),
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "deadlines": [to_dict(d) for d in case.deadlines],
        "messages": [
            {
                "message_id": m.message_id,
                "direction": m.direction,
                "kind": m.kind,
                "from": m.from_addr,
                "to": list(m.to),
                "subject": m.subject,
                "at": m.at.isoformat(),
                "text": m.text,
                "raw_sha256": m.sha256,
                "attachments": [to_dict(a) for a in m.attachments],
            }
            for m in case.messages
        ],
        "events": [to_dict(e) for e in case.events],
    }


CASE_HEADER = ("CASE", "TRACK", "STAGE", "STATUS", "RECEIVED", "NEXT TERM", "COMPLAINANT")


def next_deadline(case: Case) -> Deadline | None:
    upcoming = [d for d in case.deadlines if d.open and d.name != "retention"]
    return min(upcoming, key=lambda d: d.due, default=None)


def is_overdue(case: Case, now: datetime) -> bool:
    return case.status == "open" and any(
        d.open and d.name != "retention" and d.due < now for d in case.deadlines
    )


def case_row(case: Case, now: datetime) -> tuple[str, ...]:
    upcoming = next_deadline(case) if case.status == "open" else None
    term = ""
    if upcoming is not None:
        term = f"{upcoming.name} {upcoming.due.date().isoformat()}"
        term += " OVERDUE" if upcoming.due < now else ""
    return (
        case.id,
        case.track,
        case.stage,
        case.status,
        case.received_at.date().isoformat(),
        term,
        case.complainant.name or case.complainant.email or "",
    )


def timeline(case: Case, now: datetime) -> str:
    """The case as a person reads it: parties, terms, then mails and steps in time order."""
    lines = [
        f"{case.id}  {case.track} / {case.stage} / {case.status}"
        + ("  [legal hold]" if case.on_hold else ""),
        f"complainant: {case.complainant.name or '-'} <{case.complainant.email or 'no e-mail'}>"
        f"  (via {case.channel})",
    ]
    if case.postal_address:
        lines.append(f"address:     {', '.join(case.postal_address.splitlines())}")
    if case.contact:
        lines.append(f"contact:     {case.contact}")
    if case.respondent:
        lines.append(f"respondent:  {case.respondent.name or ''} {case.respondent.email or ''}")
    lines.append("")
    lines.append("terms:")
    for d in sorted(case.deadlines, key=lambda d: d.due):
        lines.append(f"  {d.name:<24} due {_t(d.due)}  {_verdict(d, now)}")
    lines.append("")
    lines.append("timeline:")
    entries = [(m.at, 0, _message_line(m)) for m in case.messages]
    entries += [
        (e.at, 1, f"  {_t(e.at)}  * {e.action} by {e.actor} {e.detail}".rstrip())
        for e in case.events
    ]
    lines += [text for _, _, text in sorted(entries, key=lambda x: (x[0], x[1]))]
    if case.documents:
        lines.append("")
        lines.append("documents:")
        for doc in case.documents:
            lines.append(f"  {_t(doc.at)}  {doc.kind} by {doc.author}")
            lines += [f"      {line}" for line in doc.text.splitlines()[:5]]
    return "\n".join(lines)


def waiting_line(held: dict[str, Any], zone: ZoneInfo) -> str:
    """Automatic replies the hourly cap holds back (digest.waiting), for `mailbot cases`."""
    count, until = held["count"], held["until"].astimezone(zone)
    return (
        f"{count} automatic repl{'y' if count == 1 else 'ies'} to complainants "
        f"{'waits' if count == 1 else 'wait'} for the hourly cap; the last goes out "
        f"{_t(until)} ({until.tzname()})"
    )


def _message_line(m: MessageRecord) -> str:
    arrow = "<-" if m.direction == "in" else "->"
    who = m.from_addr if m.direction == "in" else ", ".join(m.to)
    kind = f" ({m.kind})" if m.kind != "mail" else ""
    return f"  {_t(m.at)}  {arrow} {who}{kind}: {m.subject}"


def _verdict(d: Deadline, now: datetime) -> str:
    if d.met_at is not None:
        return f"met {_t(d.met_at)}" + (" (late)" if d.met_at > d.due else "")
    if d.cancelled_at is not None:
        return "no longer applies"
    return "MISSED" if d.due < now else "open"


def _t(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *rows]]
    return "\n".join(line.rstrip() for line in lines)
