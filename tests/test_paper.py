"""Complaints on paper end to end (issue 15): the ruling as a letter for registered post,
and a complainant without e-mail written to by letters that staff post."""

from __future__ import annotations

import email
import hashlib
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.policy import default
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_tracks import FORM, Office, body

from mailbot.cli.samples import SAMPLE_ADDRESS, sample_case, sample_effect
from mailbot.daemon.app import renderer_for
from mailbot.errors import ProcedureError
from mailbot.model import Case, Event, MessageRecord, Party
from mailbot.outbound.build import make_letter
from mailbot.outbound.reissue import LETTERS
from mailbot.procedure import (
    Actor,
    CommandGiven,
    ComplaintReceived,
    Policy,
    new_case,
    transition,
)
from mailbot.procedure.commands import Token, parse_command
from mailbot.procedure.parts import address_lines
from mailbot.procedure.register import registration
from mailbot.procedure.shared import set_deadline
from mailbot.procedure.workdays import Calendar

from e2e import Deployment
from support import BRAM, CLIENT, COMMITTEE, PIETER, build_settings, make_settings

TAG = "[KL-2026-0001]"
NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # a Monday
RULING = (
    "De commissie heeft de klacht van de heer Jansen over zijn coach onderzocht.\n\n"
    "Vast staat dat de coach drie afspraken niet is nagekomen zonder bericht vooraf. "
    "Dat is in strijd met de dienstverleningsovereenkomst, die een afzegtermijn van 24 uur "
    "kent. Op dit punt is de klacht gegrond.\n\n"
    "Niet is gebleken dat de coach mails van de klager onbeantwoord liet: het logboek toont "
    "antwoorden binnen twee werkdagen. Op dit punt is de klacht ongegrond.\n\n"
    "De commissie beveelt aan de afzegtermijn voortaan in elke bevestiging te noemen."
)
LETTER_BODY = (
    "Naam: Marieke de Wit\nKanaal: brief\nAdres: Kerkweg 5, 5611 AB Eindhoven\n"
    "Omschrijving: Mevrouw De Wit schrijft dat haar coach drie keer niet kwam opdagen en "
    "dat zij in februari 2026 twee keer is gefactureerd voor dezelfde sessie.\n"
)


@pytest.fixture
def office(tmp_path: Path, imap_server, smtp_sink) -> Office:
    return Office(Deployment(tmp_path, imap_server, smtp_sink))


def pdfs(message: Message) -> list[bytes]:
    return [
        part.get_content()
        for part in message.iter_attachments()
        if part.get_content_type() == "application/pdf"
    ]


def pdf_text(data: bytes) -> str:
    """The letter's text as a viewer would extract it, whitespace made single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def flat(text: str) -> str:
    return " ".join(text.split())


def received(office: Office) -> list[Message]:
    return [email.message_from_bytes(m.raw, policy=default) for m in office.d.sink.messages]


def one_with_pdf(mails: list[Message]) -> Message:
    [found] = [m for m in mails if pdfs(m)]
    return found


def test_the_ruling_goes_to_the_chair_as_a_letter_for_registered_post(office: Office) -> None:
    office.step(CLIENT, "Formele klacht", FORM, to=COMMITTEE)
    case = office.case()
    assert case.stage == "acknowledged"
    assert case.postal_address == "Dorpsstraat 1\n1234 AB Voorbeeld"
    office.step(BRAM, f"Re: {TAG} #zwaarte hoog", "Ernstig: herhaald niet verschijnen.")

    got = office.step(BRAM, f"Re: {TAG} #uitspraak deels", RULING)
    task = one_with_pdf(got[BRAM])
    assert "#aangetekend" in body(task) and "Dorpsstraat 1" in body(task)
    [letter] = pdfs(task)
    text = pdf_text(letter)
    for wanted in ("Jan Jansen", "Dorpsstraat 1", "1234 AB Voorbeeld", "KL-2026-0001"):
        assert wanted in text, wanted
    assert flat(RULING) in text  # the whole motivated ruling
    assert "ook schriftelijk per aangetekende post" not in text  # a mail's words, not a letter's
    # The complainant's ruling notice carries the same letter, byte for byte.
    notice = one_with_pdf(got[CLIENT])
    assert pdfs(notice) == [letter]

    office.step(BRAM, f"Re: {TAG} #aangetekend RR123456789NL")
    case = office.case()
    assert (case.stage, case.tracking) == ("ruling_sent", "RR123456789NL")
    sha = hashlib.sha256(letter).hexdigest()
    [made] = [e for e in case.events if e.action == "letter"]
    assert made.detail.startswith(f"ruling_notice sha256:{sha} ")
    [record] = [m for m in case.messages if m.kind == "letter"]  # in the timeline, like a mail
    assert record.to == ("Jan Jansen, Dorpsstraat 1, 1234 AB Voorbeeld",)
    assert flat(RULING) in flat(record.text) and record.direction == "out"
    [dispatch] = [e for e in case.events if e.action == "registered post"]
    assert (dispatch.actor, dispatch.detail) == (BRAM, f"RR123456789NL; letter sha256:{sha}")

    # `mailbot letter` makes the same letter again, byte for byte, and says so.
    out = office.d.dir / "again.pdf"
    code, said = office.d.cli(
        "letter", "KL-2026-0001", "--out", str(out), "--at", "2026-03-20T12:00:00+01:00"
    )
    assert code == 0 and f"sha256 {sha}" not in said  # dated otherwise: another letter
    assert "NOT the same as the letter made 2026-03-16T09:00:00+01:00" in said
    code, said = office.d.cli("letter", "KL-2026-0001", "--out", str(out))
    assert code == 0 and f"sha256 {sha}" in said and "the same as the letter made" in said
    assert out.read_bytes() == letter


def test_preview_shows_the_letter_form_of_a_template(office: Office) -> None:
    out = office.d.dir / "preview.pdf"
    args = ("preview", "formal_acknowledgement", "--letter", "--out", str(out))
    code, said = office.d.cli(*args, "--at", "2026-03-16T10:00:00+01:00")
    assert code == 0 and str(out) in said
    text = pdf_text(out.read_bytes())
    assert "Jan Jansen" in text and "Lindelaan 7" in text and "16 maart 2026" in text
    code, _ = office.d.cli("preview", "new_case", "--letter", "--at", "2026-03-16T10:00:00+01:00")
    assert code == 2


def test_a_ruling_without_a_postal_address_is_no_letter_and_the_chair_is_told(
    office: Office,
) -> None:
    form = FORM.replace("Adres: Dorpsstraat 1, 1234 AB Voorbeeld", "Woonplaats: 1234 AB")
    office.step(CLIENT, "Formele klacht", form, to=COMMITTEE)
    assert office.case().postal_address is None
    office.step(BRAM, f"Re: {TAG} #zwaarte hoog", "Ernstig: herhaald niet verschijnen.")
    got = office.step(BRAM, f"Re: {TAG} #uitspraak deels", RULING)
    assert not any(pdfs(m) for m in got[BRAM] + got[CLIENT])
    [task] = [m for m in got[BRAM] if "aangetekend" in m["Subject"]]
    assert "postadres" in body(task) and "#adres" in body(task)

    # Once the address is set, the letter that waited for it goes to the chair.
    got = office.step(BRAM, f"Re: {TAG} #adres Dorpsstraat 1, 1234 AB Voorbeeld")
    assert office.case().postal_address == "Dorpsstraat 1\n1234 AB Voorbeeld"
    task = one_with_pdf(got[BRAM])
    assert "aangetekend" in task["Subject"] and CLIENT not in got
    assert flat(RULING) in pdf_text(pdfs(task)[0])
    got = office.step(BRAM, f"Re: {TAG} #adres Dorpsstraat 3, 1234 AB Voorbeeld")
    assert not any(pdfs(m) for m in got[BRAM])  # made once; `mailbot letter` makes it again


def register_by_letter(office: Office) -> dict[str, list[Message]]:
    return office.step(PIETER, "Klachtbrief #registreer", LETTER_BODY)


def test_a_complainant_without_e_mail_gets_the_acknowledgement_as_a_letter(
    office: Office,
) -> None:
    got = register_by_letter(office)
    case = office.case()
    assert (case.channel, case.complainant.email) == ("brief", None)
    assert case.postal_address == "Kerkweg 5\n5611 AB Eindhoven"
    task = one_with_pdf(got[PIETER])
    assert "#verstuurd" in body(task) and "Kerkweg 5" in body(task)
    [notice] = [m for m in got[PIETER] if m["Subject"].startswith("Nieuwe klacht")]
    assert "mailbot schrijft de klager per brief. De brief met een ontvangstbevestiging" in flat(
        body(notice)
    )
    text = pdf_text(pdfs(task)[0])
    for wanted in ("Marieke de Wit", "Kerkweg 5", "5611 AB Eindhoven", case.id):
        assert wanted in text, wanted
    assert [e.detail.split(" ")[0] for e in case.events if e.action == "letter"] == [
        "acknowledgement"
    ]


@pytest.fixture
def formal_by_letter(office: Office) -> Office:
    """A complaint by letter, registered and taken to the committee, acknowledged by #compleet
    (the chair has the signed paper letter): the acknowledgement is a letter to the chair."""
    register_by_letter(office)
    got = office.step(PIETER, f"Re: {TAG} #formeel")
    missing = one_with_pdf(got[BRAM])
    assert "ontbrekende" in body(missing)
    got = office.step(BRAM, f"Re: {TAG} #compleet")
    ack = one_with_pdf(got[BRAM])
    assert "ontvangstbevestiging" in body(ack) and "Kerkweg 5" in body(ack)
    text = pdf_text(pdfs(ack)[0])
    assert "Marieke de Wit" in text and "Kerkweg 5" in text
    assert "Bram Jansen" in text and "Carla Smit" in text  # the committee's members
    assert "13 april 2026" in text  # the term of the ruling, four weeks on
    assert office.case().deadline("formal.acknowledgement").met_at is None
    return office


def test_posted_meets_the_acknowledgement_term(formal_by_letter: Office) -> None:
    office = formal_by_letter
    office.step(BRAM, f"Re: {TAG} #verstuurd")
    case = office.case()
    assert case.deadline("formal.acknowledgement").met_at is not None
    assert {e.detail for e in case.events if e.action == "posted"} >= {"formal_acknowledgement"}
    # No reminder follows once posted.
    office.d.sink.clear()
    assert office.d.cli("tick", "--at", "2026-03-19T10:00:00+01:00")[0] == 0
    assert not [m for m in received(office) if m["Subject"].startswith("Herinnering")]


def test_without_posted_the_reminder_comes_in_business_hours(formal_by_letter: Office) -> None:
    office = formal_by_letter
    office.d.sink.clear()
    # The term runs five working days from #formeel (Monday 16 March): until Monday 23 March;
    # the chair's reminder is due two working days before, at the start of business.
    assert office.d.cli("tick", "--at", "2026-03-19T06:30:00+01:00")[0] == 0
    assert not office.d.sink.messages  # before business hours: nothing yet
    assert office.d.cli("tick", "--at", "2026-03-19T10:00:00+01:00")[0] == 0
    [reminder] = [m for m in received(office) if m["Subject"].startswith("Herinnering")]
    assert reminder["To"].endswith(f"<{BRAM}>") or reminder["To"] == BRAM
    assert "23 maart 2026" in reminder["Subject"] and TAG in reminder["Subject"]
    assert "#verstuurd" in body(reminder) and "#compleet" not in body(reminder)


# --- the pure core: addresses and letters -------------------------------------------------


def test_an_address_on_one_line_becomes_its_lines() -> None:
    assert address_lines(" Kerkweg 5 ,5611 AB  Eindhoven, ") == "Kerkweg 5\n5611 AB Eindhoven"
    assert address_lines(" , ") is None
    details = registration(LETTER_BODY)
    assert (details.email, details.address) == (None, "Kerkweg 5\n5611 AB Eindhoven")
    assert "Adres: Kerkweg 5, 5611 AB Eindhoven" in details.text


def paper_case(
    policy: Policy, address: str | None = "Kerkweg 5\n5611 AB Eindhoven"
) -> tuple[Case, list]:
    case = new_case("KL-2026-0001", "direct", Party("Marieke de Wit", None), "nl", NOW, "brief")
    case = replace(case, postal_address=address, contact=PIETER)
    first = MessageRecord("m1@example.org", "in", "", (), "Klacht", NOW, "Omschrijving: x")
    case, effects = transition(case, ComplaintReceived(first, True), NOW, policy)
    return case, effects


def test_mail_for_a_complainant_without_e_mail_is_a_letter_task(policy: Policy) -> None:
    _, effects = paper_case(policy)
    [task] = [e for e in effects if e.template == "letter_task"]
    assert (task.to, task.attach) == ("contact", ("letter",))
    assert task.context["letter_template"] == "acknowledgement"
    assert not [e for e in effects if e.to == "complainant"]


def test_without_a_postal_address_no_letter_is_made_and_staff_are_told(policy: Policy) -> None:
    case, effects = paper_case(policy, address=None)
    [told] = [e for e in effects if e.template == "letter_no_address"]
    assert (told.to, told.attach, told.context["letter_template"]) == (
        "contact",
        (),
        "acknowledgement",
    )
    case, effects = transition(case, _given("#adres Kerkweg 5, 5611 AB Eindhoven"), NOW, policy)
    assert case.postal_address == "Kerkweg 5\n5611 AB Eindhoven"
    [task] = effects  # the letter that waited for the address
    assert (task.template, task.to, task.attach) == ("letter_task", "contact", ("letter",))
    assert task.context["letter_template"] == "acknowledgement"
    case, effects = transition(case, _given("#adres Kerkweg 7, 5611 AB Eindhoven"), NOW, policy)
    assert effects == []


def test_posted_meets_only_the_terms_of_letters_made(policy: Policy) -> None:
    case, _ = paper_case(policy)
    case = set_deadline(case, "formal.acknowledgement", NOW + timedelta(days=7))
    with pytest.raises(ProcedureError, match="nothing_to_post"):
        transition(case, _given("#verstuurd"), NOW, policy)  # no letter made yet
    with pytest.raises(ProcedureError, match="missing_argument"):
        transition(case, _given("#adres , ,"), NOW, policy)
    made = Event(NOW, "mailbot", "letter", "formal_acknowledgement sha256:ab to b@example.org")
    case = replace(case, events=(*case.events, made))
    later = NOW + timedelta(hours=2)
    case, _ = transition(case, _given("#posted"), later, policy)
    assert case.deadline("formal.acknowledgement").met_at == later


def _given(subject: str) -> CommandGiven:
    word, _, rest = subject.lstrip("#").partition(" ")
    actor = Actor(PIETER, "Pieter Bakker", frozenset({"staff"}))
    message = MessageRecord("m9@example.org", "in", PIETER, (), subject, NOW, "", kind="command")
    return CommandGiven(parse_command(Token(word, rest)), actor, message, "")


@pytest.fixture(scope="module")
def policy() -> Policy:
    settings = build_settings()
    return Policy(settings, Calendar.from_settings(settings))


def test_a_hearing_of_a_complainant_on_paper_is_a_letter_for_the_chair(policy: Policy) -> None:
    case, _ = paper_case(policy)
    case = replace(case, track="formal", stage="analysed")
    chair = Actor(BRAM, "Bram Jansen", frozenset({"committee", "chair"}))
    word, rest = "hoorzitting", "klager 2026-03-25 10:00"
    message = MessageRecord("m8@example.org", "in", BRAM, (), "x", NOW, "", kind="command")
    event = CommandGiven(parse_command(Token(word, rest)), chair, message, "")
    case, effects = transition(case, event, NOW, policy)
    [task] = [e for e in effects if e.template == "letter_task"]
    assert (task.to, task.attach, task.context["letter_template"]) == (
        "chair",
        ("letter",),
        "hearing_invitation",
    )
    assert task.context["party"] == "complainant"


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("template", LETTERS)
def test_every_letter_to_a_complainant_renders(template: str, lang: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    case = sample_case(settings.organisation.case_prefix)
    case = replace(case, complainant=Party("Zoë van Dijk", None), postal_address=SAMPLE_ADDRESS)
    case = replace(case, language=lang)
    made = make_letter(sample_effect(template), case, None, settings, renderer_for(settings), NOW)
    text = pdf_text(made.pdf)
    assert "Zoë van Dijk" in text and "Lindelaan 7" in text and case.id in text
    for mail_only in (
        "e-mail te antwoorden",
        "reply to this e-mail",
        "agendabestand",
        "calendar file",
    ):
        assert mail_only not in text, mail_only
