"""Pacing SMTP submissions to the host's rate: a pure rule, and the pacer all sessions share.

Exchange Online takes about 30 messages a minute per mailbox and answers a quota error past
that; Gmail has daily limits. The pacer spaces submissions evenly (`smtp.max_messages_per_minute`)
across every SMTP session of the process, and holds them all back, with backoff, after the
host answered that its quota is spent. It keeps time in monotonic seconds: the server counts
real elapsed time, whatever moment a round (`--at`) acts at.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from mailbot.backoff import Backoff

# After a quota answer every session waits: 1 minute, then 2, 4, ... at most an hour (a
# daily limit lasts hours; an hourly try costs one refused submission).
QUOTA_BACKOFF = Backoff(initial=60, maximum=3600)
# The longest a session sleeps at once before it looks whether it should stop.
_NAP = 1.0

__all__ = ["QUOTA_BACKOFF", "Pacer", "next_turn", "quota_answer"]

# The host's sending quota or rate, whatever the code (MAIL-HOSTS.md): Exchange's
# `554 5.2.0 ...SubmissionQuotaExceededException`, `452 4.5.3` too many recipients, `421 4.7.0
# ... throttled`; Gmail's `550 5.4.5 Daily user sending limit exceeded`, `421 4.7.28` rate.
# A recipient's full mailbox ("over quota", 5.2.2) is that mail's matter, not the host's.
_QUOTA_STATUS = frozenset({"4.5.3", "5.4.5", "4.7.28"})
_QUOTA_TEXT = re.compile(r"submission\s*quota|sending\s+(?:limit|quota)|throttl", re.IGNORECASE)


def quota_answer(text: bytes | str) -> bool:
    """Whether a refusal says the host takes no more mail for now (so: later, and slower)."""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    words = text.split()
    return bool(words and words[0] in _QUOTA_STATUS) or bool(_QUOTA_TEXT.search(text))


def next_turn(last: float | None, held_until: float, now: float, interval: float) -> float:
    """The earliest moment for the next submission: `interval` after the end of the last
    one, not before a quota hold ends, not before `now`."""
    after_last = now if last is None else last + interval
    return max(now, held_until, after_last)


class Pacer:
    """One per process, shared by the SMTP sessions of every lane (thread-safe).

    With a rate, submissions go one at a time: a session takes its turn, sends, and the next
    turn is counted from the moment the server accepted, so the server never sees two
    closer together than the interval, however long each took. Without a rate, sessions run
    in parallel unpaced, unless a quota hold is on. `clock` and `sleep` are injected: tests
    run simulated minutes in milliseconds."""

    def __init__(
        self,
        per_minute: int | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.RLock()
        self._last: float | None = None
        self._held_until = float("-inf")
        self._strikes = 0  # quota answers since the last submission the host took

    def now(self) -> float:
        return self._clock()

    @contextmanager
    def turn(self, deadline: float, should_stop: Callable[[], bool]) -> Iterator[float | None]:
        """Wait for the turn to submit one mail and hold it while the body sends. Yields None
        when it is this session's turn; or, without waiting, the moment the turn would come
        when that is after `deadline` (the round ends; the rest waits for the next one) or
        when told to stop."""
        if not self.interval and self._held_until <= self._clock():
            strikes = self._strikes
            yield None  # unpaced: parallel sessions, nothing to wait for
            if strikes and self._strikes == strikes:
                self._forgive(strikes)
            return
        with self._lock:
            while (at := next_turn(self._last, self._held_until, self._clock(), self.interval)) > (
                now := self._clock()
            ):
                if at > deadline or should_stop():
                    yield at
                    return
                self._sleep(min(at - now, _NAP))
            strikes = self._strikes
            try:
                yield None
            finally:
                self._last = self._clock()
                if self._strikes == strikes:
                    self._strikes = 0

    def next_at(self) -> float:
        """When the next turn comes, on this pacer's clock (a glance: no waiting for a
        session that holds its turn)."""
        return next_turn(self._last, self._held_until, self._clock(), self.interval)

    def hold(self) -> float:
        """The host answered that its quota is spent: every session waits, longer after each
        such answer in a row. Returns the wait in seconds."""
        with self._lock:
            self._strikes += 1
            delay = QUOTA_BACKOFF.delay_for(self._strikes)
            self._held_until = max(self._held_until, self._clock() + delay)
            return delay

    def _forgive(self, strikes: int) -> None:
        """The host took a mail: the next quota answer starts the backoff afresh (unless
        another session met one meanwhile)."""
        with self._lock:
            if self._strikes == strikes:
                self._strikes = 0
