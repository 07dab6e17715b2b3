"""The automatic-reply ledger: what the per-sender daily cap and the global hourly cap count,
kept as the hot file's `autoreplies` table. In memory only; the store's state lock guards it."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from mailbot.model import OutboundMail

# Capped replies `cap` places apart are more than an hour apart: no closed hour holds more.
PAST_AN_HOUR = timedelta(hours=1, seconds=1)

__all__ = ["ReplyLedger"]


class ReplyLedger:
    """Every list is sorted, so a count is a bisection: the pipeline asks for every mail."""

    def __init__(self) -> None:
        self.to: dict[str, list[datetime]] = {}  # per address, when queued (the daily cap)
        self.turns: list[datetime] = []  # each capped reply's turn; a held one's lies ahead
        self.capped_sent: list[datetime] = []  # when capped replies actually went

    def load(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Take in the `autoreplies` table `rows` wrote."""
        for row in rows:
            at = datetime.fromisoformat(row["at"])
            kind = row.get("kind")  # none: a record from before held replies counted for both
            if kind in (None, "sender"):
                bisect.insort(self.to.setdefault(row["to"], []), at)
            if kind in (None, "turn"):
                bisect.insort(self.turns, at)
            if kind == "sent":
                bisect.insort(self.capped_sent, at)

    def rows(self) -> list[dict[str, str]]:
        """The `autoreplies` table: one row per time, of kind sender, turn or sent."""
        return [
            *(
                {"to": to, "at": at.isoformat(), "kind": "sender"}
                for to, times in self.to.items()
                for at in times
            ),
            *({"to": "", "at": at.isoformat(), "kind": "turn"} for at in self.turns),
            *({"to": "", "at": at.isoformat(), "kind": "sent"} for at in self.capped_sent),
        ]

    def note(self, mail: OutboundMail) -> None:
        """Count a newly queued automatic reply: for its address when queued, and, when
        capped, at its turn (the moment it may go), so the cap counts what goes out when."""
        if ("Auto-Submitted", "auto-replied") not in mail.headers:
            return
        bisect.insort(self.to.setdefault(mail.to.lower(), []), mail.created_at)
        if mail.capped:
            bisect.insort(self.turns, mail.next_attempt_at or mail.created_at)

    def sent(self, mail: OutboundMail, at: datetime) -> None:
        if mail.capped:
            bisect.insort(self.capped_sent, at)

    def forget_old(self) -> None:
        """Older than a day counts for no cap: for the turns and sends, a day before the last
        one; for the addresses, a day before the latest reply to anyone."""
        for times in (self.turns, self.capped_sent):
            if times:
                del times[: bisect.bisect_right(times, times[-1] - timedelta(days=1))]
        if not self.to:
            return
        cutoff = max(times[-1] for times in self.to.values()) - timedelta(days=1)
        for to, times in list(self.to.items()):
            if times[0] > cutoff:
                continue
            del times[: bisect.bisect_right(times, cutoff)]
            if not times:
                del self.to[to]

    def count(self, to: str | None, since: datetime) -> int:
        """Replies queued since `since` to one address, or (None) capped replies whose turn
        is at or after `since` (held ones included)."""
        times = self.turns if to is None else self.to.get(to.lower(), [])
        return len(times) - bisect.bisect_left(times, since)

    def next_turns(self, now: datetime, cap: int, count: int) -> list[datetime]:
        """When `count` more capped replies may go out: at once while the hour's budget lasts,
        else each more than an hour after the reply `cap` places before it."""
        taken = self.turns[-cap:]
        return [_next_turn(taken, now, cap) for _ in range(count)]

    def within_the_hour(
        self, due: list[OutboundMail], outbox: Iterable[OutboundMail], now: datetime, cap: int
    ) -> tuple[list[OutboundMail], list[OutboundMail]]:
        """Of the `due` mail, what may go now, and the capped mail of `outbox` given a new turn.

        Turns keep the hour within the cap when each reply goes at its turn. When more come due
        at once (mailbot was down past their turns), only the hour's room goes now and every
        capped reply still waiting gets a new turn, in the same order."""
        capped = sorted((m for m in due if m.capped), key=_turn)
        if not capped:
            return due, []
        hour_ago = bisect.bisect_left(self.capped_sent, now - timedelta(hours=1))
        recent = self.capped_sent[hour_ago:]
        room = max(cap - len(recent), 0)
        if len(capped) <= room:
            return due, []
        going = {m.message_id for m in capped[:room]}
        waiting = sorted(
            (m for m in outbox if m.status == "pending" and m.capped and m.message_id not in going),
            key=_turn,
        )
        taken = [*recent, *[now] * len(going)]
        retimed = []
        for mail in waiting:
            turn = _next_turn(taken, now, cap)
            if mail.next_attempt_at != turn:
                retimed.append(replace(mail, next_attempt_at=turn))
        self.turns = taken
        return [m for m in due if not m.capped or m.message_id in going], retimed


def _turn(mail: OutboundMail) -> datetime:
    return mail.next_attempt_at or mail.created_at


def _next_turn(taken: list[datetime], now: datetime, cap: int) -> datetime:
    """The next turn after the `taken` ones (in order), appended to them: now, or later than
    the last, and more than an hour after the one `cap` places back."""
    turn = max(now, taken[-1]) if taken else now
    if len(taken) >= cap:
        turn = max(turn, taken[-cap] + PAST_AN_HOUR)
    taken.append(turn)
    return turn
