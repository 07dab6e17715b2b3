"""The dedupe key of a big mail, hashed a slice at a time, is the key it always was."""

from __future__ import annotations

import hashlib
import random

import pytest

from mailbot.inbound.dedupe import dedupe_key


def whole_body_key(message_id: str, raw: bytes) -> str:
    """The key as computed before slices: the body copied whole, CRLF replaced at once."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        _head, found, body = raw.partition(separator)
        if found:
            break
    else:
        body = raw
    digest = hashlib.sha256(body.replace(b"\r\n", b"\n")).hexdigest()
    return hashlib.sha256(f"{message_id}\0{digest}".encode()).hexdigest()


@pytest.mark.parametrize("seed", range(40))
def test_the_key_in_slices_is_the_key_of_the_whole_body(seed: int) -> None:
    rng = random.Random(seed)
    raw = bytes(rng.choice(b"\r\n\r\nab:") for _ in range(rng.randint(0, 300)))
    for slice_bytes in (1, 2, 3, 7, 64, 1 << 20):
        assert dedupe_key("x@example.org", raw, slice_bytes) == whole_body_key("x@example.org", raw)


def test_a_crlf_cut_by_a_slice_is_still_one_line_break() -> None:
    raw = b"Subject: a\r\n\r\nregel een\r\nregel twee\r\r\n\r"
    for slice_bytes in range(1, len(raw) + 1):
        assert dedupe_key("m", raw, slice_bytes) == whole_body_key("m", raw)
    assert whole_body_key("m", raw) == whole_body_key(
        "m", raw.replace(b"regel een\r\n", b"regel een\n")
    )
