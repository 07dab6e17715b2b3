"""Pure: cases as the JSON contract of DESIGN section 7 and as table rows."""

from __future__ import annotations

from typing import Any

from mailbot.codec import to_dict
from mailbot.model import Case


def case_json(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "track": case.track,
        "stage": case.stage,
        "status": case.status,
        "language": case.language,
        "complainant": {"name": case.complainant.name, "email": case.complainant.email},
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


def case_row(case: Case) -> tuple[str, ...]:
    return (
        case.id,
        case.track,
        case.stage,
        case.status,
        case.received_at.date().isoformat(),
        case.complainant.name or case.complainant.email or "",
    )


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *rows]]
    return "\n".join(line.rstrip() for line in lines)
