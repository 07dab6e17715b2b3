"""The reply corpus (tests/data/replies) and its score: correct, leaks, losses."""

from __future__ import annotations

import email
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mailbot.inbound.parse import parse_message
from mailbot.model import InboundMail

REPLIES = Path(__file__).parent / "data" / "replies"
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Reply:
    name: str
    mail: InboundMail
    expected: str
    quoted: tuple[str, ...]
    sent: str  # the text of mailbot's that the reply answers


@dataclass
class Score:
    correct: list[str]
    leaks: list[str]
    losses: list[str]
    other: list[str]  # neither leak nor loss, yet not the author's text (a line left over)

    @property
    def total(self) -> int:
        return len(self.correct) + len(self.leaks) + len(self.losses) + len(self.other)

    def line(self) -> str:
        return (
            f"{len(self.correct)}/{self.total} correct, {len(self.leaks)} leaks, "
            f"{len(self.losses)} losses, {len(self.other)} other"
        )


def index() -> list[dict[str, str]]:
    return json.loads((REPLIES / "cases.json").read_text())


def body_kind(name: str) -> str:
    """ "plain", "html" or "both": the text parts the reply has."""
    message = email.message_from_bytes((REPLIES / "cases" / f"{name}.eml").read_bytes())
    types = {part.get_content_type() for part in message.walk()}
    has = ("text/plain" in types, "text/html" in types)
    return {(True, False): "plain", (False, True): "html", (True, True): "both"}[has]


def load() -> list[Reply]:
    replies = []
    for entry in index():
        base = REPLIES / "cases" / entry["name"]
        replies.append(
            Reply(
                entry["name"],
                parse_message(base.with_suffix(".eml").read_bytes()),
                (base.parent / f"{entry['name']}.expected.txt").read_text(),
                tuple((base.parent / f"{entry['name']}.quoted.txt").read_text().splitlines()),
                (REPLIES / "sent" / f"{entry['sent']}.txt").read_text(),
            )
        )
    return replies


def lines(text: str) -> list[str]:
    """Non-blank lines, white space collapsed: blank lines and wrapping are no error."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def judge(reply: Reply, output: str) -> str:
    """ "leak" when the output holds a line of the quoted part that the author did not also
    write; "loss" when it misses a line of the author's; "correct" when its lines are
    exactly the author's; else "other"."""
    got, want = lines(output), lines(reply.expected)
    own = set(want)
    quoted = {q for q in lines("\n".join(reply.quoted)) if q not in own}
    if any(line in quoted or line.lstrip("> ") in quoted for line in got):
        return "leak"
    if any(line not in got for line in want):
        return "loss"
    return "correct" if got == want else "other"


def score(replies: list[Reply], extract: Callable[[Reply], str]) -> Score:
    result = Score([], [], [], [])
    lists = {"correct": result.correct, "leak": result.leaks, "loss": result.losses}
    for reply in replies:
        lists.get(judge(reply, extract(reply)), result.other).append(reply.name)
    return result
