"""`mailbot demo`: the whole story in process, the mail system left up, and the clean-up."""

from __future__ import annotations

import io
import re
import smtplib
import socket
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient

import mailbot.demo.main
from mailbot.demo.main import run
from mailbot.demo.narrator import _subject, first_line

CLIENTS = (
    "sophie.degroot@example.org",
    "mark.visser@example.org",
    "eva.mulder@example.nl",
    "lotte.hendriks@example.org",
)


class WatchedOutput(io.StringIO):
    """Output another thread writes; a test can wait for a text to appear in it."""

    def __init__(self) -> None:
        super().__init__()
        self._changed = threading.Condition()

    def write(self, text: str) -> int:
        with self._changed:
            written = super().write(text)
            self._changed.notify_all()
        return written

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        with self._changed:
            found: list[re.Match[str]] = []

            def seen() -> bool:
                match = re.search(pattern, self.getvalue())
                found[:] = [match] if match else []
                return bool(match)

            assert self._changed.wait_for(seen, timeout), f"{pattern!r} never appeared"
            return found[0]


def _ports_and_dir(text: str) -> tuple[int, int, Path]:
    imap = int(re.search(r"IMAP server \(pymap\)\s+127\.0\.0\.1:(\d+)", text).group(1))
    smtp = int(re.search(r"SMTP server \(aiosmtpd\)\s+127\.0\.0\.1:(\d+)", text).group(1))
    tmp = Path(re.search(r"config and data in (\S+)", text).group(1))
    return imap, smtp, tmp


def _closed(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def _cleaned_up(text: str) -> None:
    imap, smtp, tmp = _ports_and_dir(text)
    assert not tmp.exists()
    assert _closed(imap) and _closed(smtp)


def test_the_demo_plays_all_three_tracks_and_cleans_up() -> None:
    out = io.StringIO()
    started = time.monotonic()
    assert run(out=out) == 0
    assert time.monotonic() - started < 30
    text = out.getvalue()

    for title in ("Track 1", "Track 2", "Track 3", "Deadlines", "Summary"):
        assert title in text
    summary = text[text.index("━━ Summary") :]
    rows = dict(re.findall(r"(KL-2026-\d{4})\s+(\w+\s+\w+)\s+closed", summary))
    assert [" ".join(v.split()) for v in rows.values()] == [
        "direct resolved",
        "mediation agreed",
        "formal evaluated",
        "direct resolved",
    ]
    # The steps of the formal track, each as the mail that carried it.
    for command in ("#mislukt", "#zwaarte", "#hoorzitting", "#verlengen", "#uitspraak"):
        assert re.search(rf"(Bram|Anna) → klachten@example\.nl: .*{command}", text), command
    for command in ("#aangetekend", "#evaluatie", "#akkoord beklaagde", "#opgelost"):
        assert command in text
    assert "Akkoord, dank voor het goede gesprek." in text  # the complainant agreed by mail
    assert re.search(r"mailbot → [^:]*: Herinnering: ", text)  # a reminder went out
    assert re.search(r"mailbot → Anna: Termijn verstreken: ", text)  # and an escalation
    assert re.search(r"reminders before a term ended: [1-9]", summary)
    assert re.search(r"escalations after a term ended: [1-9]", summary)
    for client in CLIENTS:  # every client found mailbot's answers in their own mailbox
        count = int(re.search(rf"{re.escape(client)}\s+(\d+) in INBOX", summary).group(1))
        assert count >= 2, client
    assert re.search(r"klachten@example\.nl\s+0 in INBOX, \d+ handled by mailbot", summary)
    _cleaned_up(text)


def test_keep_running_leaves_the_mail_system_and_mailbot_up_until_stopped() -> None:
    out = WatchedOutput()
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(run(keep_running=True, out=out, stop=stop))
    )
    thread.start()
    try:
        imap = int(out.wait_for(r"IMAP\s+host 127\.0\.0\.1\s+port (\d+)", 60).group(1))
        smtp = int(out.wait_for(r"SMTP\s+host 127\.0\.0\.1\s+port (\d+)", 5).group(1))
        out.wait_for("Press Ctrl-C to stop", 5)
        with IMAPClient("127.0.0.1", port=imap, ssl=False, timeout=10) as client:
            client.login("mark.visser@example.org", "demo")
            client.select_folder("INBOX", readonly=True)
            assert len(client.search("ALL")) >= 2

        complaint = EmailMessage()
        complaint["From"] = "Mark Visser <mark.visser@example.org>"
        complaint["To"] = "klachten@example.nl"
        complaint["Subject"] = "Weer geen coach"
        complaint.set_content("Ook vandaag kwam er niemand.")
        with smtplib.SMTP("127.0.0.1", smtp, timeout=10) as client:
            client.send_message(complaint)
        # mailbot is still running: the new complaint is acknowledged with the next number.
        out.wait_for(r"mailbot → Mark: Ontvangstbevestiging van uw klacht \[KL-2026-0005\]", 20)
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    assert result == [0]
    _cleaned_up(out.getvalue())


def test_a_failing_story_still_cleans_everything_up(monkeypatch, capsys) -> None:
    def broken(demo) -> None:
        demo.write(mailbot.demo.script.SOPHIE, "Eerste mail", "Dan gaat het mis.")
        raise RuntimeError("the script broke")

    monkeypatch.setattr(mailbot.demo.main, "play", broken)
    out = io.StringIO()
    assert run(out=out) == 1
    assert "the script broke" in capsys.readouterr().err
    _cleaned_up(out.getvalue())


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Geachte heer Visser,\n\nUw klacht is ontvangen.\n", "Uw klacht is ontvangen."),
        (
            "Deze opdracht is uitgevoerd:\n  #opgelost\n\nZaak KL-2026-0001: opgelost.\n",
            "Zaak KL-2026-0001: opgelost.",
        ),
        ("--- Voorstel ---\nTwee extra sessies.\n", "Twee extra sessies."),
        ("\nOp 2 mrt 2026 schreef Anna:\n> oud\n", ""),
    ],
)
def test_the_first_meaningful_line_of_a_mail(body: str, expected: str) -> None:
    message = EmailMessage()
    message.set_content(body)
    assert first_line(message) == expected


def test_a_long_subject_keeps_its_case_tag_and_commands() -> None:
    subject = (
        "Re: Herinnering: eerste reactie uiterlijk woensdag 4 maart 2026 [KL-2026-0002] "
        "#bemiddeling #beklaagde ruud.kok@example.org"
    )
    shown = _subject(subject, 60)
    assert shown.startswith("Re: ") and "[KL-2026-0002]" in shown
    assert shown.endswith("#bemiddeling #beklaagde ruud.kok@example.org")
    assert _subject("Kort", 60) == "Kort"
