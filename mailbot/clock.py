"""The one place that reads the system time; everything else takes `now` as a parameter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved; for tests and `--at`."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at

    def advance(self, delta: timedelta) -> None:
        self._at = self._at + delta


SYSTEM_CLOCK = SystemClock()


class OffsetClock:
    """A clock that runs on from another moment: `run --at`, the demo and tests."""

    def __init__(self, starts_at: datetime, real: Clock = SYSTEM_CLOCK) -> None:
        if starts_at.tzinfo is None:
            raise ValueError("OffsetClock needs a timezone-aware datetime")
        self._real = real
        self._offset = starts_at - real.now()

    def now(self) -> datetime:
        return self._real.now() + self._offset
