"""The mail builder (outbound/build.py): made once from settings and renderer, it builds an
effect's mail and records a case's outgoing mail and letters in its timeline."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailbot.cli.samples import SAMPLE_ADDRESS, sample_case, sample_effect
from mailbot.model import SendMail
from mailbot.outbound.build import MailBuilder, build_mails, letter_sha256
from mailbot.outbound.render import Renderer

from support import make_settings

NOW = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)


@pytest.fixture
def builder(tmp_path: Path) -> MailBuilder:
    return MailBuilder(make_settings(tmp_path), Renderer())


def test_it_builds_what_build_mails_builds(builder: MailBuilder) -> None:
    case = sample_case()
    effect = SendMail("new_case", "case-staff", context=sample_effect("new_case").context)
    mails = builder.build(effect, case, case.messages[0], NOW)
    assert len(mails) > 1  # one per staff member
    expected = build_mails(effect, case, case.messages[0], builder.settings, Renderer(), NOW)
    assert mails == expected


def test_case_changes_records_each_mail_in_the_timeline_and_queues_it(
    builder: MailBuilder,
) -> None:
    case = sample_case()
    effects = [sample_effect("acknowledgement"), sample_effect("status")]
    changes = builder.case_changes(case, effects, case.messages[0], NOW)
    [updated] = changes.cases
    assert [m.to for m in changes.outbox] == [case.complainant.email] * 2
    added = updated.messages[len(case.messages) :]
    assert [(m.direction, m.message_id) for m in added] == [
        ("out", m.message_id) for m in changes.outbox
    ]
    assert updated.events == case.events  # no letter, so nothing more


def test_a_letter_made_stands_in_the_timeline_with_its_sha256(builder: MailBuilder) -> None:
    case = replace(sample_case(), postal_address=SAMPLE_ADDRESS)
    effect = replace(sample_effect("acknowledgement"), attach=("letter",))
    changes = builder.case_changes(case, [effect], case.messages[0], NOW)
    [mail] = changes.outbox
    [sha] = filter(None, map(letter_sha256, mail.attachments))
    [updated] = changes.cases
    [event] = [e for e in updated.events if e.action == "letter"]
    assert event.detail == f"acknowledgement sha256:{sha} to {case.complainant.email}"
    [letter] = [m for m in updated.messages if m.kind == "letter"]
    assert letter.message_id.startswith(f"letter-{sha[:24]}@")
    assert letter.to == (", ".join((case.complainant.name, *SAMPLE_ADDRESS.splitlines())),)
