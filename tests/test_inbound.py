"""The inbound pipeline's steps, each on its own and in order, with an in-memory case reader."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailbot.inbound.dedupe import dedupe_key
from mailbot.inbound.item import (
    AddToCase,
    AnswerHelp,
    Discard,
    InboundItem,
    OpenCase,
    PipelineContext,
    Refuse,
    RunCommands,
)
from mailbot.inbound.parse import parse_message
from mailbot.inbound.pipeline import STEPS, run_pipeline
from mailbot.mail.autoreply import original_message_ids
from mailbot.model import Case, MessageRecord, Party, SeenRecord
from mailbot.procedure.commands import Token, parse_command

from support import ANNA, BRAM, CLIENT, COMMITTEE, PIETER, build_settings

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
DATA = Path(__file__).parent / "data"


@dataclass
class Cases:
    """Reads only, as the steps may: cases, the thread index, seen mail."""

    by_id: dict[str, Case] = field(default_factory=dict)
    seen_keys: dict[str, SeenRecord] = field(default_factory=dict)
    replies: list[tuple[str, datetime]] = field(default_factory=list)

    def get_case(self, case_id: str) -> Case | None:
        return self.by_id.get(case_id)

    def case_for_message_id(self, message_id: str) -> str | None:
        return next((c.id for c in self.by_id.values() if message_id in c.message_ids()), None)

    def seen(self, key: str) -> SeenRecord | None:
        return self.seen_keys.get(key)

    def auto_replies(self, to: str | None, since: datetime) -> int:
        return sum(1 for addr, at in self.replies if at >= since and to in (None, addr))


CASE = Case(
    id="KL-2026-0001",
    track="direct",
    stage="acknowledged",
    status="open",
    complainant=Party("Jan Jansen", CLIENT),
    received_at=NOW,
    language="nl",
    messages=(
        MessageRecord("klacht-1@example.org", "in", CLIENT, (), "Factuur", NOW, "t"),
        MessageRecord("ack1@mailbot.example.nl", "out", "k", (CLIENT,), "s", NOW, "t"),
    ),
)


def mail(
    sender: str = CLIENT,
    subject: str = "Factuur klopt niet",
    to: str = "klachten@example.nl",
    message_id: str = "nieuw-1@example.org",
    extra: str = "",
) -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n"
        f"{extra}Content-Type: text/plain; charset=utf-8\r\n\r\nTekst van de klacht.\r\n"
    ).encode()


@pytest.fixture
def ctx() -> PipelineContext:
    return PipelineContext(build_settings(), Cases({CASE.id: CASE}), NOW)


def run(raw: bytes, ctx: PipelineContext):
    return run_pipeline(InboundItem(parse_message(raw), raw), ctx)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (mail(), OpenCase("direct", True)),
        (mail(to=COMMITTEE), OpenCase("formal", True)),
        (
            mail(to="iemand@example.org", extra=f"Delivered-To: {COMMITTEE}\r\n"),
            OpenCase("formal", True),
        ),
        (mail(subject="Re: [KL-2026-0001] Factuur"), AddToCase(CASE, "complainant", True)),
        (
            mail(extra="In-Reply-To: <ack1@mailbot.example.nl>\r\n"),
            AddToCase(CASE, "complainant", True),
        ),
        (
            mail(extra="References: <x@y> <klacht-1@example.org>\r\n"),
            AddToCase(CASE, "complainant", True),
        ),
        (
            mail(subject="Re: [KL-2026-0001]", extra="Auto-Submitted: auto-replied\r\n"),
            AddToCase(CASE, "complainant", False, "auto-reply"),
        ),
        (
            mail(sender="kees@example.org", subject="Re: [KL-2026-0001] meelezen"),
            OpenCase("direct", True),
        ),
        # Not vouched for by the mail host: kept as a note, never answered.
        (mail(sender=ANNA, subject="Re: [KL-2026-0001] Factuur"), AddToCase(CASE, "staff", False)),
        (
            mail(sender=BRAM, subject="Re: [KL-2026-0001] Factuur"),
            AddToCase(CASE, "committee", False),
        ),
        (mail(subject="[KL-2026-0099] unknown case"), OpenCase("direct", True)),
    ],
)
def test_where_a_mail_goes(raw: bytes, expected, ctx: PipelineContext) -> None:
    assert run(raw, ctx) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (mail(extra="Auto-Submitted: auto-replied\r\n"), "without a case"),
        (mail(extra="List-Id: <nieuws.example.org>\r\n"), "without a case"),
        (mail(sender="klachten@example.nl"), "own"),
        (mail(extra="X-Mailbot-Case: KL-2026-0001\r\n"), "own"),
        (mail(message_id="abc@mailbot.example.nl"), "own"),
    ],
)
def test_what_is_dropped_and_why(raw: bytes, reason: str, ctx: PipelineContext) -> None:
    outcome = run(raw, ctx)
    assert isinstance(outcome, Discard)
    assert reason in outcome.reason


def test_staff_message_ids_in_the_organisations_domain_are_not_taken_for_mailbots(
    ctx: PipelineContext,
) -> None:
    raw = mail(
        sender=ANNA, subject="Re: [KL-2026-0001]", message_id="outlook-1@example.nl", extra=AUTH
    )
    assert run(raw, ctx) == AddToCase(CASE, "staff", True)


def test_a_mail_seen_before_is_dropped_as_duplicate(ctx: PipelineContext) -> None:
    raw = mail()
    key = dedupe_key("nieuw-1@example.org", raw)
    ctx.store.seen_keys[key] = SeenRecord(key, "nieuw-1@example.org", "x", "case", NOW, "KL-1")
    outcome = run(raw, ctx)
    assert isinstance(outcome, Discard) and "duplicate" in outcome.reason


def test_dedupe_key_ignores_trace_headers_but_not_content() -> None:
    raw = mail()
    assert dedupe_key("a@b", raw) == dedupe_key("a@b", b"Received: from mx2\r\n" + raw)
    assert dedupe_key("a@b", raw) == dedupe_key("a@b", raw.replace(b"\r\n", b"\n"))
    assert dedupe_key("a@b", raw) != dedupe_key("a@b", raw.replace(b"Tekst", b"Andere"))
    assert dedupe_key("a@b", raw) != dedupe_key("c@d", raw)


def test_the_steps_run_in_the_documented_order() -> None:
    names = [s.__name__ for s in STEPS]
    assert names == [
        "loop_guard",
        "dedupe",
        "rate_limit",
        "identify_case",
        "classify_sender",
        "read_commands",
        "route",
    ]


AUTH = "Authentication-Results: mx.example.nl; dmarc=pass header.from=example.nl\r\n"
AUTH_ORG = AUTH.replace("example.nl\r", "example.org\r")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (mail(sender=ANNA, extra=AUTH), AnswerHelp()),
        (
            mail(sender=ANNA, subject="Re: [KL-2026-0001] #opgelost", extra=AUTH),
            RunCommands(CASE, (parse_command(Token("opgelost", "")),)),
        ),
        (
            mail(sender=ANNA, subject="#help", extra=AUTH),
            RunCommands(None, (parse_command(Token("help", "")),)),
        ),
    ],
)
def test_staff_commands(raw: bytes, expected, ctx: PipelineContext) -> None:
    outcome = run(raw, ctx)
    assert outcome == expected or (
        isinstance(outcome, RunCommands)
        and [c.name for c in outcome.commands] == [c.name for c in expected.commands]
        and outcome.case == expected.case
    )


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (mail(sender=ANNA, subject="Re: [KL-2026-0001] #opgelost"), "not_authenticated"),
        (mail(sender=PIETER, subject="Re: [KL-2026-0001] #mislukt", extra=AUTH), "not_allowed"),
        (mail(sender=ANNA, subject="#opgelost", extra=AUTH), "no_case"),
        (
            mail(sender=ANNA, subject="Re: [KL-2026-0001] #frobnicate", extra=AUTH),
            "unknown_command",
        ),
        (mail(sender=BRAM, subject="Re: [KL-2026-0001] #resolve", extra=AUTH_ORG), "not_allowed"),
    ],
)
def test_refused_staff_commands(raw: bytes, code: str, ctx: PipelineContext) -> None:
    outcome = run(raw, ctx)
    assert isinstance(outcome, Refuse)
    assert outcome.error.code == code


@pytest.mark.parametrize(
    ("raw", "answered"),
    [
        (mail(sender=ANNA, subject="Re: [KL-2026-0001] Factuur", extra=AUTH), True),
        (mail(sender=BRAM, subject="Re: [KL-2026-0001] Factuur", extra=AUTH_ORG), True),
        (mail(sender=ANNA, subject="Re: [KL-2026-0001] Factuur"), False),
        (mail(sender=ANNA, subject="Re: [KL-2026-0001] Factuur", extra=AUTH_ORG), False),
    ],
)
def test_staff_notes_are_answered_only_when_the_host_vouched_for_them(
    raw: bytes, answered: bool, ctx: PipelineContext
) -> None:
    outcome = run(raw, ctx)
    assert isinstance(outcome, AddToCase) and outcome.case == CASE
    assert outcome.may_reply == answered


def test_unvouched_staff_mail_without_a_case_is_only_logged(ctx: PipelineContext) -> None:
    outcome = run(mail(sender=ANNA, subject="Een vraag"), ctx)
    assert isinstance(outcome, Discard) and "did not vouch" in outcome.reason
    assert run(mail(sender=ANNA, subject="Een vraag", extra=AUTH), ctx) == AnswerHelp()


def test_a_complainants_subject_is_never_a_command(ctx: PipelineContext) -> None:
    raw = mail(subject="Re: [KL-2026-0001] #resolve #close", extra=AUTH)
    assert run(raw, ctx) == AddToCase(CASE, "complainant", True)


def test_automatic_staff_mail_gives_no_commands_and_gets_no_answer(ctx: PipelineContext) -> None:
    ooo = "Auto-Submitted: auto-replied\r\n" + AUTH
    assert isinstance(run(mail(sender=ANNA, subject="Afwezig #help", extra=ooo), ctx), Discard)
    on_case = mail(sender=ANNA, subject="Re: [KL-2026-0001] #opgelost", extra=ooo)
    assert run(on_case, ctx) == AddToCase(CASE, "staff", False)


def test_automatic_replies_stop_at_the_per_sender_limit(ctx: PipelineContext) -> None:
    ctx.store.replies += [(CLIENT, NOW)] * 3
    raw = mail(message_id="vierde@example.org")
    item = InboundItem(parse_message(raw), raw)
    assert run_pipeline(item, ctx) == OpenCase("direct", False)
    assert "daily limit" in item.no_reply_reason


def test_a_bounce_of_mailbots_mail_is_linked_to_its_case(ctx: PipelineContext) -> None:
    raw = (DATA / "bounce_postfix.eml").read_bytes()
    original = parse_message(raw)
    ids = original_message_ids(original)
    assert ids
    case = replace(CASE, messages=(*CASE.messages, replace(CASE.messages[1], message_id=ids[0])))
    ctx.store.by_id[case.id] = case
    outcome = run(raw, ctx)
    assert outcome == AddToCase(case, "robot", False, "bounce")
