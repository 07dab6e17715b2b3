"""Exponential backoff delays for reconnecting and retrying; pure, no sleeping."""

from __future__ import annotations


class Backoff:
    """Delays of `initial`, then times `factor` per call, never above `maximum`."""

    def __init__(self, initial: float = 1.0, maximum: float = 300.0, factor: float = 2.0) -> None:
        if initial <= 0 or maximum < initial or factor < 1:
            raise ValueError("backoff needs 0 < initial <= maximum and factor >= 1")
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self._next = initial

    def delay_for(self, attempt: int) -> float:
        """The delay after the `attempt`-th failure (1 = the first), without keeping count."""
        return min(self.initial * self.factor ** (attempt - 1), self.maximum)

    def next_delay(self) -> float:
        """The delay to wait now; the following call returns a longer one."""
        delay = self._next
        self._next = min(self._next * self.factor, self.maximum)
        return delay

    def reset(self) -> None:
        """Start again from `initial` (after a success)."""
        self._next = self.initial
