"""End to end: what a staff reply mails onward is the staff member's own text, never quoted
text; a command whose text comes out empty or still quotes mailbot is refused and nothing
goes out; the confirmation quotes exactly what was sent."""

from __future__ import annotations

import email
from email.message import EmailMessage, Message
from email.policy import default
from pathlib import Path

import pytest

from e2e import Deployment
from support import ANNA, CLIENT, PIETER

COMPLAINT = (
    "Geachte heer, mevrouw,\n\nOp 28 november ontving ik de factuur voor de training "
    "Timemanagement.\nEr staat een bedrag van 1.450 euro op, terwijl de offerte 1.150 euro "
    "noemde.\nWilt u de factuur corrigeren?\n\nMet vriendelijke groet,\nJan Jansen\n"
)
AUTHOR = (
    "Beste meneer Jansen,\n\nU krijgt deze week een creditnota.\n\nMet vriendelijke groet,\nAnna"
)


@pytest.fixture
def deployment(tmp_path: Path, imap_server, smtp_sink) -> Deployment:
    d = Deployment(tmp_path, imap_server, smtp_sink)
    d.deliver(
        f"From: Jan Jansen <{CLIENT}>\r\nTo: klachten@example.nl\r\nSubject: Factuur klopt niet"
        f"\r\nMessage-ID: <complaint.1@example.org>\r\n\r\n{COMPLAINT}".replace("\n", "\r\n")
        .replace("\r\r\n", "\r\n")
        .encode()
    )
    assert d.poll()[0] == 0
    return d


def notification(d: Deployment) -> Message:
    [notice] = d.sent_to(ANNA)
    d.sink.clear()
    return notice


def text_of(message: Message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def reply(notice: Message, command: str, plain: str | None, html: str | None = None) -> bytes:
    """Anna's reply to mailbot's notification, as her mail client wrote it."""
    msg = EmailMessage()
    msg["Authentication-Results"] = "mx.example.nl; dmarc=pass header.from=example.nl"
    msg["From"] = f"Anna de Vries <{ANNA}>"
    msg["To"] = "klachten@example.nl"
    msg["Subject"] = f"Re: {notice['Subject']} {command}"
    msg["Message-ID"] = "<reply.1@mail.example.nl>"
    msg["In-Reply-To"] = notice["Message-ID"]
    msg["References"] = notice["Message-ID"]
    if plain is not None:
        msg.set_content(plain)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    else:
        msg.set_content(html, subtype="html")
    return bytes(msg)


def quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def sent_by_command(d: Deployment) -> dict[str, list[Message]]:
    assert d.poll()[0] == 0
    got: dict[str, list[Message]] = {}
    for m in d.sink.messages:
        got.setdefault(m.rcpt_tos[0], []).append(email.message_from_bytes(m.raw, policy=default))
    return got


def outlook_web(notice: Message, author_html: str = "") -> str:
    """New Outlook's HTML: the author's text, then appendonsend, a rule and the original."""
    original = "<br>".join(text_of(notice).splitlines())
    return (
        f"<html><body><div>{author_html}</div>"
        '<div id="appendonsend"></div><hr style="display:inline-block;width:98%"><div '
        'id="divRplyFwdMsg"><b>Van:</b> Klachten &lt;klachten@example.nl&gt;<br><b>Verzonden:'
        "</b> donderdag 3 december 2026<br><b>Aan:</b> Anna de Vries<br><b>Onderwerp:</b> "
        f"{notice['Subject']}</div><div>{original}</div></body></html>"
    )


@pytest.mark.parametrize("client", ["gmail", "new outlook"])
def test_a_reply_whose_text_comes_out_empty_is_refused_and_nothing_goes_out(
    deployment: Deployment, client: str
) -> None:
    """Sent too early: nothing written above the quote."""
    notice = notification(deployment)
    if client == "gmail":
        attribution = "Op do 3 dec 2026 om 10:12 schreef Klachten <klachten@example.nl>:"
        mail = reply(notice, "#antwoord", f"\n{attribution}\n\n{quoted(text_of(notice))}\n")
    else:
        mail = reply(notice, "#antwoord", None, outlook_web(notice))
    deployment.deliver(mail)
    got = sent_by_command(deployment)
    assert set(got) == {ANNA}  # nothing reaches the complainant (nor anyone else)
    [refusal] = got[ANNA]
    assert str(refusal["Subject"]).startswith("Niet uitgevoerd: ")
    assert "geen tekst over om met #antwoord te versturen" in text_of(refusal)
    assert "er is niets verstuurd" in text_of(refusal)
    [case] = deployment.cases()
    assert case.events[-1].action == "refused"
    assert case.deadline("direct.response").met_at is None


def test_a_reply_below_the_quote_goes_out_alone_and_is_confirmed_word_for_word(
    deployment: Deployment,
) -> None:
    notice = notification(deployment)
    attribution = "Op 03-12-2026 om 10:12 schreef Voorbeeld Training & Coaching:"
    body = f"{attribution}\n{quoted(text_of(notice))}\n\n{AUTHOR}\n"  # Thunderbird's default
    deployment.deliver(reply(notice, "#antwoord", body))
    got = sent_by_command(deployment)
    assert set(got) == {CLIENT, ANNA}
    [answer] = got[CLIENT]
    sent = text_of(answer)
    assert "U krijgt deze week een creditnota." in sent
    for leaked in ("schreef Voorbeeld", "Er is een nieuwe klacht", "1.450 euro", "#antwoord"):
        assert leaked not in sent
    [confirmation] = got[ANNA]
    assert f"precies zoals hieronder:\n--- Verstuurde tekst (begin) ---\n{AUTHOR}\n" in text_of(
        confirmation
    )
    assert AUTHOR in sent


def test_an_html_only_outlook_reply_mails_only_the_author_text(deployment: Deployment) -> None:
    notice = notification(deployment)
    author = "Beste meneer Jansen,</div><div><br></div><div>U krijgt deze week een creditnota."
    deployment.deliver(reply(notice, "#reply", None, outlook_web(notice, author)))
    got = sent_by_command(deployment)
    [answer] = got[CLIENT]
    sent = text_of(answer)
    assert "U krijgt deze week een creditnota." in sent
    for leaked in ("Van:", "Verzonden:", "nieuwe klacht", "1.450 euro", "* * *"):
        assert leaked not in sent


def test_a_reply_still_quoting_mailbot_unmarked_is_refused(deployment: Deployment) -> None:
    notice = notification(deployment)
    pasted = "Zoals gemeld: er staat een bedrag van 1.450 euro op, terwijl de offerte 1.150 euro "
    body = f"{AUTHOR}\n\n{pasted}noemde, dus dat klopt.\n"
    deployment.deliver(reply(notice, "#antwoord", body))
    got = sent_by_command(deployment)
    assert set(got) == {ANNA}
    [refusal] = got[ANNA]
    assert "bevat nog een passage uit de mail van mailbot" in text_of(refusal)
    assert "Gevonden passage:" in text_of(refusal)
    assert "1.450 euro" in text_of(refusal)


def test_a_note_with_only_a_quote_is_no_onward_text(deployment: Deployment) -> None:
    """The refusal is for text mailed onward only: an internal note may be anything."""
    notice = notification(deployment)
    deployment.deliver(reply(notice, "#notitie", f"Intern.\n\n{quoted(text_of(notice))}\n"))
    got = sent_by_command(deployment)
    assert set(got) == {ANNA}
    assert "Niet uitgevoerd" not in str(got[ANNA][0]["Subject"])
    assert PIETER not in got


def test_an_answer_may_repeat_the_staff_members_own_earlier_answer(
    deployment: Deployment,
) -> None:
    """Replying to the confirmation, which quotes the first answer: the sentences the staff
    member wrote before are theirs to write again, not mailbot's text."""
    closing = "Mocht u nog vragen hebben, dan kunt u altijd contact met ons opnemen."
    notice = notification(deployment)
    deployment.deliver(reply(notice, "#antwoord", f"De creditnota is onderweg.\n\n{closing}\n"))
    [confirmation] = sent_by_command(deployment)[ANNA]
    deployment.sink.clear()
    second = f"De creditnota is vandaag verstuurd.\n\n{closing}\n\nOp 3 dec 2026 om 11:00 schreef "
    second += f"Klachten <klachten@example.nl>:\n{quoted(text_of(confirmation))}\n"
    mail = reply(confirmation, "#antwoord", second)
    deployment.deliver(mail.replace(b"<reply.1@mail.example.nl>", b"<reply.2@mail.example.nl>"))
    got = sent_by_command(deployment)
    [answer] = got[CLIENT]
    assert closing in text_of(answer) and "vandaag verstuurd" in text_of(answer)
    assert "Niet uitgevoerd" not in str(got[ANNA][0]["Subject"])
