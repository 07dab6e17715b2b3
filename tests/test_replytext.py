"""The new text of replies from common Dutch and English mail clients."""

from __future__ import annotations

import pytest
import replycorpus

from mailbot.mail.html import html_to_text
from mailbot.mail.replytext import new_text, quoted_passage

CASES = [
    ("plain", "Dank u, ik ga akkoord.\n", "Dank u, ik ga akkoord."),
    (
        "gmail nl",
        "Akkoord.\n\nOp ma 16 mrt 2026 om 10:00 schreef Klachten <k@example.nl>:\n> Voorstel",
        "Akkoord.",
    ),
    (
        "apple en",
        "Fine by me.\n\nOn 16 Mar 2026, at 10:00, Complaints <k@example.nl> wrote:\n\n> text\n",
        "Fine by me.",
    ),
    (
        "outlook nl",
        "Zie hieronder.\n\nVan: Klachten <klachten@example.nl>\nVerzonden: maandag 16 maart 2026"
        "\nAan: Jan\nOnderwerp: [KL-2026-0001]\n\nOude tekst",
        "Zie hieronder.",
    ),
    (
        "outlook separator",
        "Nieuwe tekst\n________________________________\nFrom: x\nSent: y\n",
        "Nieuwe tekst",
    ),
    (
        "original message",
        "Ok\n-----Original Message-----\nFrom: x",
        "Ok",
    ),
    ("signature", "De tekst.\n\n-- \nAnna de Vries\nVoorbeeld", "De tekst."),
    ("bottom posting", "> vraag\n> nog meer\n\nMijn antwoord.\n", "Mijn antwoord."),
    (
        "a Van: line in prose is kept",
        "Van: de afdeling kreeg ik geen antwoord.\nDaarom klaag ik.",
        "Van: de afdeling kreeg ik geen antwoord.\nDaarom klaag ik.",
    ),
    ("backslashes kept", "C:\\pad\\naar\\bestand en é", "C:\\pad\\naar\\bestand en é"),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_new_text(name: str, text: str, expected: str) -> None:
    assert new_text(text) == expected


# --- the shapes that went wrong (issue: "the staff's words: lost, or quoted text leaked") ---

SHAPES = [
    (
        "reply below the quote (Thunderbird's default)",
        "Op 03-12-2026 om 10:12 schreef Klachten:\n> Wilt u de factuur corrigeren?\n\n"
        "Ja, de creditnota is verstuurd.\nAnna\n",
        "Ja, de creditnota is verstuurd.\nAnna",
    ),
    (
        "inline answers between quoted lines",
        "On 03/12/2026 10:12, Complaints wrote:\n> Two sessions were missed.\n\nWe are sorry.\n\n"
        "> I want a refund.\n\nIt is on its way.\n",
        "We are sorry.\n\nIt is on its way.",
    ),
    (
        "a Dutch sentence starting 'Op ... schreef u'",
        "Op 28 november schreef u ons dat uw factuur te hoog was.\nDat klopt.\n\n"
        "Op 3 dec 2026 om 10:12 schreef Klachten <klachten@example.nl>:\n> tekst\n",
        "Op 28 november schreef u ons dat uw factuur te hoog was.\nDat klopt.",
    ),
    (
        "a prose line ending in a colon",
        "Op 2 december heb ik het volgende geschreven aan de trainer:\nBel de klant vandaag.\n",
        "Op 2 december heb ik het volgende geschreven aan de trainer:\nBel de klant vandaag.",
    ),
    (
        "Gmail's attribution wrapped over two lines",
        "Fine.\n\nOn Thu, Dec 3, 2026 at 10:12 AM Voorbeeld Training & Coaching <\n"
        "klachten@example.nl> wrote:\n\n> text\n",
        "Fine.",
    ),
    (
        "Outlook's header block in bold",
        "Akkoord.\n\n*Van:* Klachten <klachten@example.nl>\n*Verzonden:* donderdag 3 december 2026"
        "\n*Aan:* Anna\n*Onderwerp:* Nieuwe klacht\n\nOude tekst\n",
        "Akkoord.",
    ),
    (
        "a dashed attribution",
        "Agreed.\n\n-----On Thu, 3 Dec 2026 10:12, Complaints <klachten@example.nl> wrote-----\n\n"
        "Old text\n",
        "Agreed.",
    ),
    (
        "a header block joined on one line",
        "Akkoord.\n\n* * *\n\nVan: Klachten <klachten@example.nl> Verzonden: donderdag Aan: Anna "
        "Onderwerp: Nieuwe klacht\n\nOude tekst\n",
        "Akkoord.",
    ),
    (
        "the original unmarked after a client's attribution (Yahoo)",
        "Dat is goed.\n\nOn Monday, 7 December 2026, 09:12:16 CET, Jan Jansen wrote:\n\n"
        "Kunt u mij terugbellen?\nJan\n",
        "Dat is goed.",
    ),
    (
        "'Name <address> wrote:' with the original unmarked",
        "Prima.\n\nJan <jan@example.org> wrote:\n\nHallo,\nkunt u bellen?\n",
        "Prima.",
    ),
    (
        "a quoted line wrapped again after quoting (Gmail on Android)",
        "Test\n\nOp 3 dec 2026 10:12 schreef Klachten <k@example.nl>:\n> Een heel lange regel "
        "van het origineel die na het citeren nog\neens werd afgebroken.\n> Volgende regel\n",
        "Test",
    ),
    (
        "times and a date in prose are no header block",
        "Afspraak:\nVan: 10:00\nTot: 12:00\nDatum: 5 januari 2027\nOnderwerp: evaluatie\n",
        "Afspraak:\nVan: 10:00\nTot: 12:00\nDatum: 5 januari 2027\nOnderwerp: evaluatie",
    ),
    ("a ruler left at the end", "Akkoord.\n\n* * *\n", "Akkoord."),
    ("Sent from my iPhone", "Prima.\n\nVerstuurd vanaf mijn iPhone\n", "Prima."),
]


@pytest.mark.parametrize(("name", "text", "expected"), SHAPES, ids=[c[0] for c in SHAPES])
def test_shapes(name: str, text: str, expected: str) -> None:
    assert new_text(text) == expected


GMAIL_INDENT = (
    '<div dir="ltr"><div>Voorstel:</div><blockquote style="margin:0 0 0 40px;border:none;'
    'padding:0px"><div>U krijgt 300 euro terug.</div></blockquote></div><br>'
    '<div class="gmail_quote"><div class="gmail_attr">Op do 3 dec 2026 schreef K:</div>'
    '<blockquote class="gmail_quote" style="border-left:1px solid #ccc">Oud</blockquote></div>'
)


@pytest.mark.parametrize(
    ("name", "html", "expected"),
    [
        (
            "Gmail's indent button is the author's",
            GMAIL_INDENT,
            "Voorstel:\n\nU krijgt 300 euro terug.",
        ),
        (
            "Outlook on the web: everything from appendonsend is quoted",
            '<div>Ja.</div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>Van:</b> K'
            "</div><div>Oud</div>",
            "Ja.",
        ),
        (
            "Thunderbird below the quote",
            '<div class="moz-cite-prefix">Op 3-12-2026 schreef K:<br></div><blockquote type="cite">'
            "Oud</blockquote><p>Nieuw.</p>",
            "Nieuw.",
        ),
        (
            "Outlook for Windows: the border line",
            '<p class="MsoNormal">Ja.</p><div style="border:none;border-top:solid #E1E1E1 1.0pt">'
            "<p><b>Van:</b> K</p></div><p>Oud</p>",
            "Ja.",
        ),
        (
            "Thunderbird's indent button: a bare blockquote beside its cites is the author's",
            '<p>Voorstel:</p><blockquote>300 euro terug.</blockquote><div class="moz-cite-prefix">'
            'Op 3-12-2026 schreef K:</div><blockquote type="cite">Oud</blockquote>',
            "Voorstel:\n\n300 euro terug.",
        ),
        (
            "a bare blockquote stays a quote",
            "<p>Ja.</p><blockquote>Oud</blockquote>",
            "Ja.",
        ),
    ],
)
def test_html_structure(name: str, html: str, expected: str) -> None:
    assert new_text(html_to_text(html), html) == expected  # an HTML-only mail


SENT = (
    "--- Bericht van de klager ---\nOp 28 november ontving ik de factuur voor de training.\n"
    "Wilt u de factuur corrigeren?\n--- Einde bericht ---\n\nMet vriendelijke groet,\nmailbot\n"
)


def test_text_repeating_mailbots_mail_is_quoted_however_marked() -> None:
    reply = (
        "Gecorrigeerd.\n\nMet vriendelijke groet,\nAnna\n\n"
        "Op 28 november ontving ik de factuur voor\nde training. Wilt u de factuur corrigeren?\n"
    )
    assert new_text(reply, None, [SENT]) == "Gecorrigeerd.\n\nMet vriendelijke groet,\nAnna"
    assert "ontving" in new_text(reply)  # without mailbot's text nothing says it is quoted


def test_quoted_passage() -> None:
    assert quoted_passage("Gecorrigeerd.\nMet vriendelijke groet,\nAnna", [SENT]) == ""
    found = quoted_passage("Zie: op 28 november ontving ik de factuur voor de training!", [SENT])
    assert found == "Zie: op 28 november ontving ik de factuur voor de training!"
    assert quoted_passage("ontving ik de factuur voor de training", []) == ""


# --- the corpus: tests/data/replies ---------------------------------------------------------


def test_reply_corpus_score() -> None:
    replies = replycorpus.load()
    assert len(replies) >= 150
    result = replycorpus.score(replies, lambda r: new_text(r.mail.text, r.mail.html, [r.sent]))
    print(f"reply corpus ({len(replies)} replies): {result.line()}")
    print("  leaks:", result.leaks, "losses:", result.losses, "other:", result.other)
    assert result.leaks == []
    assert len(result.correct) >= 0.95 * result.total
    # What each signal adds, for the record: without mailbot's text, and plain text alone.
    alone = replycorpus.score(replies, lambda r: new_text(r.mail.text, r.mail.html))
    print(f"  without mailbot's own text: {alone.line()}")
    plain = replycorpus.score(replies, lambda r: new_text(r.mail.text))
    print(f"  plain text only: {plain.line()}")


def test_reply_corpus_covers_every_client_and_format() -> None:
    entries = replycorpus.index()
    clients = {e["client"] for e in entries}
    assert {
        "outlook_windows", "new_outlook", "outlook_web", "outlook_mac", "outlook_ios",
        "gmail_web", "gmail_android", "apple_mail", "iphone", "thunderbird", "samsung",
        "roundcube", "webmail_yahoo", "webmail_zimbra", "webmail_proton",
    } <= clients  # fmt: skip
    for client in ("gmail_web", "gmail_android"):
        assert {e["lang"] for e in entries if e["client"] == client} == {"nl", "en"}
    assert {e["lang"] for e in entries} == {"nl", "en"}
    kinds = [replycorpus.body_kind(e["name"]) for e in entries]
    assert {kind: kinds.count(kind) >= 20 for kind in ("plain", "html", "both")} == {
        "plain": True,
        "html": True,
        "both": True,
    }


@pytest.mark.parametrize(
    "text",
    ["x" + "-" * 20000, "From: a Sent: b " * 3000, "On 2026 " * 5000 + "wrote:", "> x\n" * 50000],
    ids=["dashes", "header labels", "attribution words", "quoted lines"],
)
def test_hostile_lines_are_read_in_linear_time(text: str) -> None:
    """Patterns that backtrack would take minutes on these (a long line is never a mark)."""
    assert new_text(text) == ("" if text.startswith(">") else text.strip())
