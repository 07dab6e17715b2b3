"""Pure: the inbox split into batches bounded by count and by bytes (RFC822.SIZE is known
before the fetch), so memory follows the largest mail, not the size of a flood."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

MIN_BATCH_BYTES = 4 * 2**20  # with a small max_message_bytes, small mail still comes in hundreds


def batch_bytes(max_message_bytes: int) -> int:
    """The bytes one batch may fetch: about one largest allowed mail."""
    return max(max_message_bytes, MIN_BATCH_BYTES)


def plan_batches(
    uids: Sequence[int],
    sizes: Mapping[int, int],
    max_count: int,
    max_bytes: int,
    max_message_bytes: int,
) -> list[list[int]]:
    """Consecutive runs of `uids`, each of at most `max_count` mails and `max_bytes` bytes to
    fetch; a mail bigger than `max_bytes` goes alone. A mail over `max_message_bytes` is not
    fetched (it is quarantined by its size) and a vanished one (no size) cannot be: they
    weigh nothing."""
    batches: list[list[int]] = []
    current: list[int] = []
    weight = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        size = 0 if size > max_message_bytes else size
        if current and (len(current) >= max_count or weight + size > max_bytes):
            batches.append(current)
            current, weight = [], 0
        current.append(uid)
        weight += size
    if current:
        batches.append(current)
    return batches
