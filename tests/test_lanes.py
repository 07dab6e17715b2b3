"""The outbox split into lanes: per recipient, in order, few connections for few mails."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailbot.model import OutboundMail
from mailbot.outbound.lanes import MAILS_PER_LANE, split_lanes

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


def mails(recipients: list[str]) -> list[OutboundMail]:
    return [
        OutboundMail(f"m{i}@x", None, "k@example.nl", to, "s", "t", NOW)
        for i, to in enumerate(recipients)
    ]


@pytest.mark.parametrize(
    ("count", "connections", "lanes"),
    [
        (0, 4, 0),
        (1, 4, 1),
        (MAILS_PER_LANE * 2 - 1, 4, 1),  # a second connection needs its share of mail
        (MAILS_PER_LANE * 2, 4, 2),
        (MAILS_PER_LANE * 10, 4, 4),
        (MAILS_PER_LANE * 10, 1, 1),
    ],
)
def test_lane_count_follows_mail_count_and_connections(
    count: int, connections: int, lanes: int
) -> None:
    outbox = mails([f"p{i}@example.org" for i in range(count)])
    result = split_lanes(outbox, connections)
    assert len(result) == lanes
    assert sorted(m.message_id for lane in result for m in lane) == sorted(
        m.message_id for m in outbox
    )


def test_a_recipients_mail_stays_in_one_lane_in_order() -> None:
    people = [f"p{i}@example.org" for i in range(30)]
    outbox = mails([people[i % 30] if i % 3 else people[i % 30].upper() for i in range(150)])
    lanes = split_lanes(outbox, 3)
    assert len(lanes) == 3
    for person in people:
        holding = [lane for lane in lanes if any(m.to.lower() == person for m in lane)]
        assert len(holding) == 1  # case of the address does not matter
        theirs = [m for m in outbox if m.to.lower() == person]
        assert [m for m in holding[0] if m.to.lower() == person] == theirs
