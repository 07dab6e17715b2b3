"""The hosts' own authentication headers, end to end on Dovecot: Microsoft 365 (no
authserv-id, a tenant-internal mark) with `authentication = "microsoft365"`, and Google
(`mx.google.com`) with trusted_authserv_id. The sample mails are delivered as they are."""

from __future__ import annotations

import email
from email.message import Message
from email.policy import default
from pathlib import Path

import pytest
from conftest import TestImap
from test_crash import allow_replies_per_hour
from test_tracks import FORM, Office
from test_tracks import body as text

from e2e import Deployment
from support import ANNA, BRAM, CLIENT, COMMITTEE

DATA = Path(__file__).parent / "data"
STANDARD = 'trusted_authserv_id = "mx.example.nl"'


class Host(Office):
    """The office behind a mail host: its samples are what the host stored in the mailbox."""

    def __init__(self, deployment: Deployment, security: str) -> None:
        super().__init__(deployment)
        config = deployment.config.read_text()
        assert STANDARD in config
        deployment.config.write_text(config.replace(STANDARD, security))

    def sample(self, name: str, *changes: tuple[bytes, bytes]) -> dict[str, list[Message]]:
        """The sample delivered as the host stored it (with `changes` made to its text),
        then one poll; what each received."""
        self.d.sink.clear()
        raw = (DATA / name).read_bytes()
        for old, new in changes:
            assert old in raw
            raw = raw.replace(old, new)
        self.d.deliver(raw)
        code, out = self.d.poll()
        assert code == 0, out
        received: dict[str, list[Message]] = {}
        for m in self.d.sink.messages:
            received.setdefault(m.rcpt_tos[0], []).append(
                email.message_from_bytes(m.raw, policy=default)
            )
        return received

    def case(self):
        [case] = self.d.cases()
        return case


@pytest.fixture
def dovecot(dovecot_server) -> TestImap:
    return TestImap("dovecot", dovecot_server)


@pytest.fixture
def microsoft(tmp_path: Path, dovecot: TestImap, smtp_sink) -> Host:
    return Host(Deployment(tmp_path, dovecot, smtp_sink), 'authentication = "microsoft365"')


@pytest.fixture
def google(tmp_path: Path, dovecot: TestImap, smtp_sink) -> Host:
    return Host(Deployment(tmp_path, dovecot, smtp_sink), 'trusted_authserv_id = "mx.google.com"')


def formal_complaint(host: Host) -> None:
    host.step(CLIENT, "Formele klacht over mijn coach", FORM, to=COMMITTEE)
    assert (host.case().track, host.case().status) == ("formal", "open")


# --- Microsoft 365 ---------------------------------------------------------------------------


def test_a_tenant_internal_staff_command_is_applied(microsoft: Host) -> None:
    microsoft.step(CLIENT, "Klacht over de training", "De training werd afgelast.")
    got = microsoft.sample("ms365/internal_staff.eml")
    case = microsoft.case()
    assert (case.stage, case.status) == ("resolved", "closed")
    assert [e.action for e in case.events][-1] == "resolve"
    [resolution] = got[CLIENT]
    assert "[KL-2026-0001]" in resolution["Subject"]
    assert "Zie onderwerp." in text(resolution)
    [confirm] = got[ANNA]
    assert "#opgelost" in text(confirm)


def test_an_external_committee_members_command_with_dmarc_pass_is_applied(
    microsoft: Host,
) -> None:
    formal_complaint(microsoft)
    got = microsoft.sample("ms365/external_committee_pass.eml")
    assert microsoft.case().status == "closed"
    assert [e.action for e in microsoft.case().events][-1] == "withdrawn"
    assert CLIENT in got and BRAM in got


@pytest.mark.parametrize(
    "name", ["ms365/forged_committee_compauth_fail.eml", "ms365/forged_pass_below.eml"]
)
def test_a_forged_committee_command_is_refused(microsoft: Host, name: str) -> None:
    formal_complaint(microsoft)
    got = microsoft.sample(name)
    case = microsoft.case()
    assert case.status == "open"
    assert not any(e.action == "withdrawn" for e in case.events)
    assert [e.action for e in case.events][-1] == "refused"
    assert "Microsoft 365" in case.events[-1].detail
    assert CLIENT not in got and BRAM not in got  # the forged chair hears nothing either


def test_without_the_microsoft365_mode_an_exchange_verdict_counts_for_nothing(
    tmp_path: Path, dovecot: TestImap, smtp_sink
) -> None:
    """The issue's trap: no trusted_authserv_id matches Exchange's header, so a genuine
    member's command is refused (the control for the test above)."""
    host = Host(Deployment(tmp_path, dovecot, smtp_sink), 'trusted_authserv_id = "outlook.com"')
    formal_complaint(host)
    host.sample("ms365/external_committee_pass.eml")
    assert host.case().status == "open"
    assert [e.action for e in host.case().events][-1] == "refused"


def as_complaint(n: int) -> tuple[tuple[bytes, bytes], ...]:
    """A sample made a new complaint by a complainant of example.org (the verdict's domain)."""
    sender = f"klant-{n}@example.org".encode()
    return (
        (b"Bram Jansen <bram.jansen@example.org>", b"Klant <" + sender + b">"),
        (b"To: klachtencommissie@example.nl", b"To: klachten@example.nl"),
        (b"Re: [KL-2026-0001] Formele klacht #ingetrokken", b"Klacht " + str(n).encode()),
        (b"Message-ID: <", b"Message-ID: <" + str(n).encode()),
    )


def test_the_hourly_caps_authenticated_sender_is_judged_the_same_way(microsoft: Host) -> None:
    """Once the hour's automatic replies are spent, a complainant Exchange authenticated is
    still answered at once; one under a forged pass header waits for its turn."""
    allow_replies_per_hour(microsoft.d, 1)
    assert "klant-1@example.org" in microsoft.step("klant-1@example.org", "Klacht 1", "Eén.")
    assert "klant-2@example.org" not in microsoft.step("klant-2@example.org", "Klacht 2", "Twee.")
    got = microsoft.sample("ms365/external_committee_pass.eml", *as_complaint(3))
    [ack] = got["klant-3@example.org"]
    assert "Ontvangstbevestiging" in str(ack["Subject"])
    got = microsoft.sample("ms365/forged_pass_below.eml", *as_complaint(4))
    assert "klant-4@example.org" not in got


# --- Google --------------------------------------------------------------------------------


def test_google_committee_command_with_dmarc_pass_is_applied(google: Host) -> None:
    formal_complaint(google)
    got = google.sample("google/committee_pass.eml")
    assert google.case().status == "closed"
    assert CLIENT in got


@pytest.mark.parametrize("name", ["google/forged_dmarc_fail.eml", "google/forged_pass_below.eml"])
def test_google_forged_committee_command_is_refused(google: Host, name: str) -> None:
    formal_complaint(google)
    got = google.sample(name)
    assert google.case().status == "open"
    assert [e.action for e in google.case().events][-1] == "refused"
    assert CLIENT not in got and BRAM not in got
