"""The three tracks end to end on real servers, driven only by mail from the complainant,
staff and committee; each step checks who received what and the case record."""

from __future__ import annotations

import email
import itertools
from email.message import EmailMessage, Message
from email.policy import default
from pathlib import Path

import pytest

from e2e import Deployment
from support import ANNA, BRAM, CLIENT, COMMITTEE, COMPLAINTS, PIETER

CARLA = "carla.smit@example.org"
COACH = "coach@example.org"
_ids = itertools.count(1)
FORM = (
    "Naam: Jan Jansen\nAdres: Dorpsstraat 1, 1234 AB Voorbeeld\n"
    "Datum of periode: februari en maart 2026\n"
    "Omschrijving: De coach kwam drie afspraken niet opdagen en reageerde niet op mijn mails.\n"
    "Handtekening: J. Jansen\n"
)


class Office:
    """The people around a case, writing mail the way their mail clients would."""

    def __init__(self, deployment: Deployment) -> None:
        self.d = deployment

    def write(
        self,
        sender: str,
        subject: str,
        body: str,
        to: str = COMPLAINTS,
        reply_to: Message | None = None,
        authenticated: bool = True,
    ) -> None:
        msg = EmailMessage()
        if authenticated and sender != CLIENT:
            domain = sender.rpartition("@")[2]
            msg["Authentication-Results"] = f"mx.example.nl; dmarc=pass header.from={domain}"
        msg["From"] = sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Message-ID"] = f"<m{next(_ids)}@mail.example.nl>"
        if reply_to is not None:
            msg["In-Reply-To"] = reply_to["Message-ID"]
            msg["References"] = reply_to["Message-ID"]
        msg.set_content(body)
        self.d.deliver(msg.as_bytes().replace(b"\n", b"\r\n"))

    def step(self, sender: str, subject: str, body: str = "", **kw) -> dict[str, list[Message]]:
        """One mail in, one poll; returns what each address received."""
        self.d.sink.clear()
        self.write(sender, subject, body, **kw)
        code, out = self.d.poll()
        assert code == 0, out
        received: dict[str, list[Message]] = {}
        for m in self.d.sink.messages:
            parsed = email.message_from_bytes(m.raw, policy=default)
            received.setdefault(m.rcpt_tos[0], []).append(parsed)
        return received

    def case(self, n: int = 0):
        return self.d.cases()[n]


def templates(received: dict[str, list[Message]]) -> dict[str, list[str]]:
    return {who: sorted(m["Subject"] for m in mails) for who, mails in received.items()}


def body(message: Message) -> str:
    return message.get_body(("plain",)).get_content()


@pytest.fixture
def office(tmp_path: Path, imap_server, smtp_sink) -> Office:
    return Office(Deployment(tmp_path, imap_server, smtp_sink))


TAG = "[KL-2026-0001]"


def test_direct_track_complaint_then_resolve(office: Office) -> None:
    got = office.step(CLIENT, "Factuur klopt niet", "De factuur van maart is dubbel.")
    assert set(got) == {CLIENT, ANNA, PIETER}
    got = office.step(
        ANNA,
        f"Re: Nieuwe klacht {TAG} #opgelost",
        "We hebben de dubbele factuur gecrediteerd.\n\n-- \nAnna",
    )
    assert set(got) == {CLIENT, ANNA}
    [resolution] = got[CLIENT]
    assert TAG in resolution["Subject"]
    assert "gecrediteerd" in body(resolution) and "-- \nAnna" not in body(resolution)
    [confirm] = got[ANNA]
    assert "#opgelost" in body(confirm)
    case = office.case()
    assert (case.track, case.stage, case.status) == ("direct", "resolved", "closed")
    assert case.document("resolution").text == "We hebben de dubbele factuur gecrediteerd."
    assert case.deadline("direct.resolution").met_at is not None
    assert [e.action for e in case.events] == ["received", "resolve"]


def test_mediation_to_agreement(office: Office) -> None:
    office.step(CLIENT, "Coach kwam niet", "Mijn coach kwam twee keer niet.")
    got = office.step(PIETER, f"Re: {TAG} #bemiddeling #beklaagde {COACH}")
    assert set(got) == {CLIENT, ANNA, PIETER}  # complainant told, co-owner brought in
    got = office.step(PIETER, f"Re: {TAG} #gesprek 2026-03-20 14:00 Kantoor Utrecht")
    assert set(got) == {CLIENT, COACH, ANNA, PIETER}
    for mails in got.values():
        invite = next(
            m for m in mails if "ics" in str([p.get_filename() for p in m.iter_attachments()])
        )
        ics = next(p for p in invite.iter_attachments() if p.get_filename().endswith(".ics"))
        assert "DTSTART:20260320T130000Z" in ics.get_content()  # 14:00 Amsterdam, CET
    got = office.step(PIETER, f"Re: {TAG} #voorstel", "Twee gratis vervangende sessies.")
    assert set(got) == {CLIENT, COACH, PIETER}
    assert all("Twee gratis vervangende sessies" in body(m) for m in got[CLIENT] + got[COACH])
    [proposal] = got[CLIENT]
    got = office.step(CLIENT, "Re: " + proposal["Subject"], "Akkoord, prima zo.", reply_to=proposal)
    assert CLIENT not in got  # no automatic answer; staff told
    assert office.case().agreed == ("complainant",)
    got = office.step(PIETER, f"Re: {TAG} #akkoord beklaagde")
    assert {CLIENT, COACH, ANNA, PIETER} <= set(got)
    confirmation = [m for m in got[CLIENT] if "Twee gratis" in body(m)]
    assert confirmation, templates(got)
    case = office.case()
    assert (case.track, case.stage, case.status) == ("mediation", "agreed", "closed")
    assert case.document("agreement").text == "Twee gratis vervangende sessies."
    assert case.respondent.email == COACH


def test_mediation_failure_goes_to_the_committee_as_formal(office: Office) -> None:
    office.step(CLIENT, "Coach kwam niet", "Mijn coach kwam twee keer niet.")
    office.step(PIETER, f"Re: {TAG} #bemiddeling")
    got = office.step(
        ANNA,
        f"Re: {TAG} #mislukt",
        "Klager: wil geld terug.\nBeklaagde: biedt alleen nieuwe sessies aan.",
    )
    for member in (BRAM, CARLA):
        [report] = [m for m in got[member] if "Klager: wil geld terug" in body(m)]
        attached = [p.get_content_type() for p in report.iter_attachments()]
        assert "message/rfc822" in attached
    missing = [m for m in got[CLIENT] if "Handtekening" in body(m)]
    assert missing, templates(got)
    assert PIETER not in got  # formal now: plain staff receive no content
    case = office.case()
    assert (case.track, case.stage) == ("formal", "incomplete")
    assert case.document("mediation_report").text.startswith("Klager: wil geld terug.")


def test_formal_track_from_incomplete_to_evaluation(office: Office) -> None:
    got = office.step(
        CLIENT, "Formele klacht", "Ik dien een klacht in over mijn coach.", to=COMMITTEE
    )
    [ask] = got[CLIENT]
    assert {BRAM, CARLA, ANNA} <= set(got) and PIETER not in got
    assert office.case().missing == ("name", "address", "date", "description", "signature")
    got = office.step(CLIENT, "Re: " + ask["Subject"], FORM, reply_to=ask, to=COMMITTEE)
    [ack] = got[CLIENT]
    text = body(ack)
    assert "Bram Jansen" in text and "Carla Smit" in text
    assert "13 april 2026" in text  # four weeks after completion, named as a date
    assert office.case().stage == "acknowledged"

    office.step(BRAM, f"Re: {TAG} #zwaarte hoog", "Ernstig: herhaald niet verschijnen.")
    got = office.step(BRAM, f"Re: {TAG} #hoorzitting klager 2026-03-25 10:00")
    assert CLIENT in got and COACH not in got
    got = office.step(BRAM, f"Re: {TAG} #verlengen 2026-05-15", "Getuige pas in mei beschikbaar.")
    [notice] = got[CLIENT]
    assert "15 mei 2026" in body(notice) and "Getuige pas in mei" in body(notice)
    got = office.step(BRAM, f"Re: {TAG} #uitspraak deels", "De klacht is deels gegrond, omdat ...")
    assert any("deels gegrond" in body(m) for m in got[CLIENT])
    assert any("#aangetekend" in body(m) or "#registered" in body(m) for m in got[BRAM])
    office.step(BRAM, f"Re: {TAG} #aangetekend RR123456789NL")
    got = office.step(BRAM, f"Re: {TAG} #evaluatie", "Procedure verliep goed; termijn krap.")
    assert ANNA in got and PIETER not in got

    case = office.case()
    assert (case.track, case.stage, case.status) == ("formal", "evaluated", "closed")
    assert (case.severity, case.outcome, case.tracking) == ("high", "partly", "RR123456789NL")
    assert [d.kind for d in case.documents] == [
        "severity_analysis",
        "extension",
        "ruling",
        "evaluation",
    ]
    assert case.deadline("formal.decision").met_at is not None
    assert case.deadline("formal.registered_post").met_at is not None
    assert [a.party for a in case.appointments] == ["complainant"]


# --- refusals -----------------------------------------------------------------------------


def test_a_complainant_cannot_give_commands(office: Office) -> None:
    office.step(CLIENT, "Factuur", "Dubbel.")
    got = office.step(CLIENT, f"Re: {TAG} #resolve", "Ik los het zelf op.")
    assert CLIENT not in got
    assert office.case().stage == "acknowledged"


def test_a_stranger_quoting_a_tag_with_a_command_changes_nothing(office: Office) -> None:
    office.step(CLIENT, "Factuur", "Dubbel.")
    office.step("kees@example.org", f"Re: {TAG} #resolve #close", "Weg ermee.")
    original = office.case(0)
    assert (original.stage, original.status) == ("acknowledged", "open")
    assert office.case(1).complainant.email == "kees@example.org"


@pytest.mark.parametrize(
    ("sender", "command", "reason"),
    [
        (PIETER, "#uitspraak gegrond", "klachtencommissie"),
        (PIETER, "#akkoord beiden", "fase"),
        (PIETER, "#frobnicate", "geen bekend commando"),
        (BRAM, "#verlengen 2026-13-45", "geen geldige datum"),
        (PIETER, "#toewijzen pieter #uitspraak gegrond", "klachtencommissie"),
    ],
)
def test_refused_commands_change_nothing_and_say_why(office, sender, command, reason) -> None:
    office.step(CLIENT, "Factuur", "Dubbel.", to=COMMITTEE if sender == BRAM else COMPLAINTS)
    before = office.case()
    got = office.step(sender, f"Re: {TAG} {command}")
    [answer] = got[sender]
    assert reason in body(answer)
    after = office.case()
    assert (after.stage, after.contact, after.deadlines) == (
        before.stage,
        before.contact,
        before.deadlines,
    )
    assert after.events[-1].action == "refused"
    assert set(got) == {sender}


def test_unauthenticated_commands_are_refused(office: Office) -> None:
    office.step(CLIENT, "Factuur", "Dubbel.")
    got = office.step(ANNA, f"Re: {TAG} #opgelost", "Klaar.", authenticated=False)
    assert ANNA not in got  # unanswered: a forger's text never goes to the one forged
    assert office.case().stage == "acknowledged"
    assert office.case().events[-1].action == "refused"


def test_staff_mail_without_command_is_a_note_never_forwarded(office: Office) -> None:
    office.step(CLIENT, "Factuur", "Dubbel.")
    got = office.step(PIETER, f"Re: {TAG} Factuur", "Intern: klant belt vaker.")
    assert set(got) == {PIETER}
    assert "#reply" in body(got[PIETER][0]) or "#antwoord" in body(got[PIETER][0])
    assert office.case().messages[-1].kind == "note" or office.case().messages[-2].kind == "note"


def test_staff_mail_without_tag_or_command_is_answered_with_help(office: Office) -> None:
    got = office.step(PIETER, "Vraagje", "Hoe werkt dit?")
    assert "#opgelost" in body(got[PIETER][0])
    assert office.d.cases() == []


# --- #register ----------------------------------------------------------------------------


@pytest.mark.parametrize("with_email", [True, False])
def test_register_a_phone_complaint(office: Office, with_email: bool) -> None:
    lines = "Naam: Jan Jansen\n" + (f"E-mail: {CLIENT}\n" if with_email else "")
    lines += "Telefoon: 06-12345678\nKanaal: telefoon\nOmschrijving: Belde over de factuur.\n"
    got = office.step(PIETER, "Telefonische klacht #registreer", lines)
    case = office.case()
    assert (case.channel, case.complainant.name) == ("telefoon", "Jan Jansen")
    assert "Belde over de factuur." in case.messages[0].text
    assert case.contact == PIETER
    assert (CLIENT in got) is with_email
    assert any(case.id in m["Subject"] for m in got[PIETER])


# --- confidentiality ----------------------------------------------------------------------


def test_formal_content_never_reaches_plain_staff_or_a_respondent(office: Office) -> None:
    got = office.step(CLIENT, "Formele klacht", FORM, to=COMMITTEE)
    assert PIETER not in got
    office.step(BRAM, f"Re: {TAG} #beklaagde anna")
    got = office.step(CLIENT, f"Re: {TAG} aanvulling", "Nog een detail over de coach.")
    assert ANNA not in got  # the respondent, though co-owner, gets no content
    assert BRAM in got
    got = office.step(PIETER, f"Re: {TAG} #status")
    [status] = got[PIETER]
    assert "coach" not in body(status).lower() and "Jan Jansen" not in body(status)
    assert TAG in status["Subject"]


def test_repeated_refusals_alert_the_operator_once(office: Office) -> None:
    office.step(CLIENT, "Factuur", "Dubbel.")
    alerts = []
    for _ in range(4):
        got = office.step(PIETER, f"Re: {TAG} #uitspraak gegrond")
        alerts += got.get("beheer@example.nl", [])
    assert len(alerts) == 1
    assert PIETER in alerts[0]["Subject"]


def test_report_command_mails_the_analysis_to_the_asker(office: Office) -> None:
    office.step(CLIENT, "Factuur", "Dubbel.")
    got = office.step(ANNA, "#rapport 2026")
    [mail] = got[ANNA]
    assert "2026" in mail["Subject"]
    files = {p.get_filename(): p for p in mail.iter_attachments()}
    assert "<svg" in files["report-2026.html"].get_content()
    refused = office.step(PIETER, "#rapport 2026")  # not a co-owner nor committee
    assert "mede-eigenaren" in body(refused[PIETER][0])
