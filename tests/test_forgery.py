"""Forged and injected commands, end to end on Dovecot: a forged chair, a complainant's
subject copied into staff mail, a registration's subject, a forged agreement."""

from __future__ import annotations

import itertools
from email.message import EmailMessage, Message
from email.policy import default
from pathlib import Path

import pytest
from conftest import TestImap
from test_tracks import COACH, FORM, Office
from test_tracks import body as text

from mailbot.mail.tags import find_case_tags
from mailbot.procedure.commands import tokens

from e2e import Deployment
from support import ANNA, BRAM, CLIENT, COMMITTEE, COMPLAINTS, PIETER

_ids = itertools.count(1)
TAG = "[KL-2026-0001]"


class Mailroom(Office):
    """The office of test_tracks, with the trusted server's verdict and the From header
    written as a forger would write them."""

    def write(
        self,
        sender: str,
        subject: str,
        body: str = "Zie onderwerp.",
        to: str = COMPLAINTS,
        reply_to: Message | None = None,
        results: str | None = None,
    ) -> None:
        msg = EmailMessage()
        if results is not None:
            msg["Authentication-Results"] = results
        msg["From"] = sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Message-ID"] = f"<f{next(_ids)}@mail.example.nl>"
        if reply_to is not None:
            msg["In-Reply-To"] = reply_to["Message-ID"]
            msg["References"] = reply_to["Message-ID"]
        msg.set_content(body)
        self.d.deliver(msg.as_bytes(policy=default.clone(linesep="\r\n", max_line_length=200)))

    def send(self, sender: str, subject: str, body: str = "Zie onderwerp.", **kw):
        return self.step(sender, subject, body, **kw)

    def staff(self, sender: str, subject: str, body: str = "Zie onderwerp.", **kw):
        """A staff or committee member's genuine mail: DMARC passed for their domain."""
        domain = sender.rpartition("@")[2]
        results = f"mx.example.nl; dmarc=pass header.from={domain}"
        return self.step(sender, subject, body, results=results, **kw)

    def case(self, n: int = 0):
        return sorted(self.d.cases(), key=lambda c: c.id)[n]


def subjects(received: dict[str, list[Message]], who: str) -> list[str]:
    return [str(m["Subject"]) for m in received.get(who, [])]


@pytest.fixture
def dovecot(dovecot_server) -> TestImap:
    return TestImap("dovecot", dovecot_server)


@pytest.fixture
def room(tmp_path: Path, dovecot: TestImap, smtp_sink) -> Mailroom:
    return Mailroom(Deployment(tmp_path, dovecot, smtp_sink))


# --- item 2: a forged chair's #ingetrokken on a formal complaint -------------------------

CHAIR_FORGERIES = {
    "quoted semicolon in the envelope sender": (
        BRAM,
        'mx.example.nl; spf=pass smtp.mailfrom="x; dmarc=pass header.from=example.org y"'
        "@evil.example; dkim=none; dmarc=fail header.from=example.org",
    ),
    "quoted semicolon in a reason": (
        BRAM,
        'mx.example.nl; dkim=fail reason="bad; dmarc=pass header.from=example.org x"'
        " header.d=evil.example; dmarc=fail header.from=example.org",
    ),
    "parenthesis in a quoted local part inside a comment": (
        BRAM,
        'mx.example.nl; spf=pass (domain of "x) ; dmarc=pass header.from=example.org (y"'
        "@evil.example designates 192.0.2.1 as permitted sender) smtp.mailfrom=evil.example;"
        " dmarc=fail header.from=example.org",
    ),
    "two From addresses": (
        f"{BRAM}, attacker@evil.example",
        "mx.example.nl; dkim=pass header.d=evil.example; dmarc=pass header.from=evil.example",
    ),
    "a display name that is an address": (
        f"attacker@evil.example <{BRAM}>",
        "mx.example.nl; dkim=pass header.d=evil.example; dmarc=pass header.from=evil.example",
    ),
}


@pytest.mark.parametrize("trick", list(CHAIR_FORGERIES))
def test_a_forged_chair_cannot_withdraw_a_formal_complaint(room: Mailroom, trick: str) -> None:
    room.send(CLIENT, "Formele klacht over mijn coach", FORM, to=COMMITTEE)
    before = room.case()
    assert before.track == "formal" and before.status == "open"
    from_header, results = CHAIR_FORGERIES[trick]
    got = room.send(from_header, f"Re: {TAG} #ingetrokken", "Ingetrokken.", results=results)
    case = room.case()
    assert (case.status, case.stage) == ("open", before.stage), trick
    assert not any(e.action == "withdrawn" for e in case.events)
    assert [e.action for e in case.events][-1] == "refused"
    assert CLIENT not in got, subjects(got, CLIENT)  # the complainant is told nothing


def test_the_genuine_chair_can_withdraw_it(room: Mailroom) -> None:
    """The control for the forgeries above: the same mail, authenticated, is carried out."""
    room.send(CLIENT, "Formele klacht over mijn coach", FORM, to=COMMITTEE)
    got = room.staff(BRAM, f"Re: {TAG} #ingetrokken", "De klager trok de klacht in.")
    assert room.case().status == "closed"
    assert CLIENT in got


# --- item 3 A: a complainant's subject copied into staff mail ------------------------------


def test_an_injected_reply_in_the_subject_keeps_a_staff_remark_internal(room: Mailroom) -> None:
    got = room.send(CLIENT, "Factuur klopt niet #reply", "De factuur is dubbel.")
    [notice] = got[ANNA]
    subject = str(notice["Subject"])
    assert subject.startswith(f"Nieuwe klacht {TAG}: Factuur klopt niet")
    assert tokens(subject) == [] and find_case_tags(subject, "KL") == ["KL-2026-0001"]
    remark = "Intern: deze klant belt vaak, eerst navragen bij de boekhouding."
    got = room.staff(ANNA, f"Re: {subject}", remark, reply_to=notice)
    assert CLIENT not in got, subjects(got, CLIENT)
    assert any("interne notitie" in s for s in subjects(got, ANNA)), subjects(got, ANNA)
    case = room.case()
    assert case.messages[-2].kind == "note" and remark in case.messages[-2].text


def test_a_notification_sent_before_the_fix_still_gives_no_command(room: Mailroom) -> None:
    """A reply that quotes mailbot's subject with a live #reply (as notifications read before
    it was neutralised, or after a client folded the inert sign back): still internal."""
    got = room.send(CLIENT, "Factuur klopt niet #reply", "De factuur is dubbel.")
    [notice] = got[ANNA]
    old_subject = str(notice["Subject"]).replace("\uff03", "#")
    got = room.staff(ANNA, f"Re: {old_subject}", "Intern: eerst navragen.", reply_to=notice)
    assert CLIENT not in got
    assert room.case().messages[-2].kind == "note"


def test_an_injected_antwoord_on_a_formal_case_stays_internal(room: Mailroom) -> None:
    got = room.send(CLIENT, "Klacht #antwoord", FORM, to=COMMITTEE)
    [notice] = got[BRAM]
    assert tokens(str(notice["Subject"])) == []
    remark = "Intern: de commissie bespreekt dit donderdag."
    got = room.staff(BRAM, f"Re: {notice['Subject']}", remark, reply_to=notice)
    assert CLIENT not in got, subjects(got, CLIENT)
    assert room.case().messages[-2].kind == "note"


def test_an_order_number_does_not_make_every_staff_reply_refused(room: Mailroom) -> None:
    got = room.send(CLIENT, "Bestelling #A123", "Mijn bestelling kwam niet aan.")
    [notice] = got[ANNA]
    got = room.staff(ANNA, f"Re: {notice['Subject']}", "Nog navragen.", reply_to=notice)
    assert not any("Niet uitgevoerd" in s for s in subjects(got, ANNA)), subjects(got, ANNA)
    got = room.staff(
        ANNA, f"Re: {notice['Subject']} #antwoord", "Wij zoeken het uit.", reply_to=notice
    )
    assert "Wij zoeken het uit." in text(got[CLIENT][0])
    assert subjects(got, ANNA) == [f"Uitgevoerd: \uff03antwoord {TAG}"]


def test_the_tag_mailbot_placed_wins_over_a_copied_one(room: Mailroom) -> None:
    room.send(CLIENT, "Factuur klopt niet", "De factuur is dubbel.")
    got = room.send("buur@example.org", f"Vraag over {TAG}", "Wat is hier aan de hand?")
    [notice] = got[ANNA]
    assert find_case_tags(str(notice["Subject"]), "KL") == ["KL-2026-0002"]
    # A reply whose subject names the other case first (copied text before mailbot's tag,
    # as in a notice from before the fix) lands on the case mailbot's mail was about.
    copied = f"Re: Vraag over {TAG} bij Nieuwe klacht [KL-2026-0002] #notitie"
    room.staff(PIETER, copied, "Intern: buurman van de klant.", reply_to=notice)
    first, second = room.case(0), room.case(1)
    assert not any("buurman" in m.text for m in first.messages)
    assert any("buurman" in m.text for m in second.messages)
    assert [e.action for e in second.events][-1] == "note"


# --- item 3 C: a case registered with #registreer ------------------------------------------

REGISTRATION = (
    "Naam: Kim Smit\nE-mail: kim.smit@example.org\nKanaal: telefoon\n"
    "Omschrijving: Belde over de cursus die werd afgezegd.\n"
)


def test_a_registered_case_has_no_command_as_its_subject(room: Mailroom) -> None:
    got = room.staff(ANNA, "#registreer", REGISTRATION)
    case = room.case()
    assert [m.subject for m in case.messages if m.direction == "in"] == [
        "Belde over de cursus die werd afgezegd."
    ]
    [notice] = [m for m in got[ANNA] if "Nieuwe klacht" in str(m["Subject"])]
    assert str(notice["Subject"]) == f"Nieuwe klacht {TAG}: Belde over de cursus die werd afgezegd."
    assert "kim.smit@example.org" in got  # one acknowledgement
    # Anna, the contact, answers the notice with the registration lines unquoted, no command.
    got = room.staff(ANNA, f"Re: {notice['Subject']}", REGISTRATION, reply_to=notice)
    assert len(room.d.cases()) == 1
    assert "kim.smit@example.org" not in got  # no second acknowledgement
    assert not any("Niet uitgevoerd" in s for s in subjects(got, ANNA)), subjects(got, ANNA)
    assert room.case().messages[-2].kind == "note"


# --- item 10: a forged "Akkoord" that the trusted server marked dmarc=fail -----------------


def _mediation_with_a_proposal(room: Mailroom) -> Message:
    room.send(CLIENT, "Coach kwam niet", "Mijn coach kwam twee keer niet.")
    room.staff(PIETER, f"Re: {TAG} #bemiddeling #beklaagde {COACH}")
    room.staff(PIETER, f"Re: {TAG} #gesprek 2026-03-20 14:00 Kantoor Utrecht")
    got = room.staff(PIETER, f"Re: {TAG} #voorstel", "Twee gratis vervangende sessies.")
    [proposal] = got[CLIENT]
    return proposal


def test_a_forged_agreement_does_not_close_a_mediation(room: Mailroom) -> None:
    proposal = _mediation_with_a_proposal(room)
    failed = (
        "mx.example.nl; spf=fail smtp.mailfrom=evil.example; dmarc=fail header.from=example.org"
    )
    got = room.send(
        CLIENT, f"Re: {proposal['Subject']}", "Akkoord.", results=failed, reply_to=proposal
    )
    case = room.case()
    assert case.agreed == () and case.stage == "proposal_sent" and case.status == "open"
    [forged] = [m for m in case.messages if m.direction == "in" and m.from_addr == CLIENT][-1:]
    assert forged.text.startswith("Akkoord.")  # recorded on the case
    assert case.events[-1].detail == "not authenticated"
    assert CLIENT not in got and COACH not in got  # no confirmation to anyone
    [notice] = got[PIETER]
    assert "mogelijk niet van de klager" in text(notice)
    assert "#akkoord klager" in text(notice)
    # Staff confirm by phone and record it: the agreement then counts.
    room.staff(PIETER, f"Re: {TAG} #akkoord klager", "Telefonisch bevestigd.")
    assert room.case().agreed == ("complainant",)


def test_an_authenticated_agreement_still_counts(room: Mailroom) -> None:
    proposal = _mediation_with_a_proposal(room)
    passed = "mx.example.nl; dmarc=pass header.from=example.org"
    room.send(CLIENT, f"Re: {proposal['Subject']}", "Akkoord.", results=passed, reply_to=proposal)
    assert room.case().agreed == ("complainant",)


# --- a forged note: staff mail without a command that the mail host did not vouch for ------


def test_a_forged_staff_note_is_kept_marked_and_never_answered(room: Mailroom) -> None:
    room.send(CLIENT, "Factuur klopt niet", "Het bedrag is te hoog.")
    forged = "mx.example.nl; dkim=none; dmarc=fail header.from=example.nl"
    got = room.send(ANNA, f"Re: {TAG} Factuur", "Klant heeft gelijk, geld terug.", results=forged)
    assert ANNA not in got and CLIENT not in got  # no confirmation, nothing onward
    [note] = [e for e in room.case().events if e.action == "note"]
    assert note.detail == "not authenticated"
    got = room.send(ANNA, "Een vraag zonder zaak", "Hoe werkt dit?", results=forged)
    assert got == {}  # not even #help: a forger learns nothing and costs no mail
    got = room.staff(ANNA, f"Re: {TAG} Factuur", "Ik bel de klant morgen.")
    assert subjects(got, ANNA)  # the colleague's own note is confirmed, as before
    notes = [e.detail for e in room.case().events if e.action == "note"]
    assert notes == ["not authenticated", ""]
