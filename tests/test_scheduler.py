"""The waker: fires at the moment given, also for a moment already past; replaced, not added."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailbot.clock import SYSTEM_CLOCK, FixedClock
from mailbot.daemon.scheduler import Waker


def test_fires_for_a_moment_in_the_past_at_once() -> None:
    waker = Waker()
    waker.start()
    try:
        waker.wake_at(datetime(2020, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
        assert waker.event.wait(5)
        assert waker.consume() and not waker.consume()
    finally:
        waker.shutdown()


def test_a_later_moment_replaces_the_pending_one() -> None:
    waker = Waker()
    waker.start()
    try:
        now = datetime(2026, 1, 1, tzinfo=UTC)  # the daemon's clock, not the real one
        waker.wake_at(now + timedelta(hours=1), now)
        waker.wake_at(now + timedelta(milliseconds=50), now)
        assert waker.event.wait(5)  # the near one fired; the far one was replaced
        waker.consume()
        waker.wake_at(None, now)
        assert not waker.event.wait(0.2)
    finally:
        waker.shutdown()


def test_the_interval_is_counted_on_the_timebase_it_was_given() -> None:
    """The daemon's clock says when; the scheduler's own clock (the timebase) says where that
    interval ends. A timebase a year ahead puts a 1 ms wake-up a year away."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    ahead = FixedClock(SYSTEM_CLOCK.now() + timedelta(days=365))
    waker = Waker(timebase=ahead)
    waker.start()
    try:
        waker.wake_at(now + timedelta(milliseconds=1), now)
        assert not waker.event.wait(0.3)
    finally:
        waker.shutdown()
    behind = Waker(timebase=FixedClock(SYSTEM_CLOCK.now() - timedelta(days=365)))
    behind.start()
    try:
        behind.wake_at(now + timedelta(hours=1), now)  # an hour after a year ago: past
        assert behind.event.wait(5)
    finally:
        behind.shutdown()
