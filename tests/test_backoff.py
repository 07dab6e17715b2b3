import pytest

from mailbot.backoff import Backoff


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, [1.0, 2.0, 4.0, 8.0, 16.0]),
        ({"initial": 0.5, "maximum": 3.0}, [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]),
        ({"initial": 2.0, "maximum": 100.0, "factor": 3.0}, [2.0, 6.0, 18.0, 54.0, 100.0]),
        ({"initial": 5.0, "maximum": 5.0}, [5.0, 5.0, 5.0]),
        ({"initial": 1.0, "factor": 1.0}, [1.0, 1.0, 1.0]),
    ],
)
def test_delays(kwargs, expected):
    backoff = Backoff(**kwargs)
    assert [backoff.next_delay() for _ in expected] == expected


def test_default_reaches_maximum_and_stays():
    backoff = Backoff()
    delays = [backoff.next_delay() for _ in range(20)]
    assert max(delays) == 300.0
    assert delays[-3:] == [300.0, 300.0, 300.0]


def test_reset_starts_again():
    backoff = Backoff(initial=1.0, maximum=60.0)
    for _ in range(4):
        backoff.next_delay()
    backoff.reset()
    assert [backoff.next_delay(), backoff.next_delay()] == [1.0, 2.0]


@pytest.mark.parametrize(
    "kwargs",
    [{"initial": 0.0}, {"initial": 10.0, "maximum": 1.0}, {"factor": 0.5}],
)
def test_rejects_nonsense(kwargs):
    with pytest.raises(ValueError):
        Backoff(**kwargs)


@pytest.mark.parametrize(
    ("attempt", "seconds"), [(1, 60), (2, 120), (6, 1920), (7, 3600), (20, 3600)]
)
def test_delay_for_an_attempt_needs_no_count(attempt, seconds):
    retry = Backoff(initial=60, maximum=3600)
    assert retry.delay_for(attempt) == seconds
    assert retry.next_delay() == 60  # asking did not move it on
