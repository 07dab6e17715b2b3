# ruff: noqa: E501 (mail text and HTML as the clients write it)
"""Writes the reply corpus: replies of staff to mailbot's mails, as the common mail clients
compose them (plain text, HTML, or both), each with the text its author wrote.

Run `python tests/data/replies/generate.py` from the repository root; the output in
tests/data/replies/cases/ is committed, so the tests never run this. Every name and address
is invented. Per case: NAME.eml (the reply), NAME.expected.txt (what the author wrote,
signature and "Sent from my phone" lines left out) and NAME.quoted.txt (every line of the
quoted part as the client wrote it: attribution, header block, quoted body). cases.json
says which text of mailbot's (sent/*.txt) each reply answers.
"""

from __future__ import annotations

import html
import json
import shutil
import textwrap
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "cases"
BOT_NAME, BOT = "Voorbeeld Training & Coaching", "klachten@example.nl"

# --- what mailbot sent (the mail being answered) -------------------------------------------

SENT = {
    "nl_new_case": """Er is een nieuwe klacht binnengekomen.

Zaak:        KL-2026-0042 (direct oplossen)
Klager:      Jan Jansen <jan.jansen@example.org>
Ontvangen:   dinsdag 1 december 2026 09:14, per e-mail
Onderwerp:   Factuur training Timemanagement

Eerste reactie aan de klager binnen 1 werkdag; oplossing binnen 5 werkdagen.

De klager heeft een ontvangstbevestiging met het zaaknummer gekregen.

--- Bericht van de klager ---
Geachte heer, mevrouw,

Op 28 november ontving ik de factuur voor de training Timemanagement.
Er staat een bedrag van 1.450 euro op, terwijl de offerte 1.150 euro noemde.
Wilt u de factuur corrigeren?

Met vriendelijke groet,
Jan Jansen
--- Einde bericht ---

Antwoord op deze e-mail om de zaak te behandelen, met een opdracht in het onderwerp, bijvoorbeeld #antwoord (#reply) om de klager te antwoorden, of #toewijzen <alias> (#assign) om een contactpersoon aan te wijzen. Een antwoord zonder opdracht wordt als interne notitie in het dossier vastgelegd en niet naar de klager gestuurd. Alle opdrachten: #help.""",
    "nl_client_reply": """De klager heeft gereageerd op zaak KL-2026-0042.

Van:         Jan Jansen <jan.jansen@example.org>
Ontvangen:   vrijdag 4 december 2026 16:40
Onderwerp:   Re: [KL-2026-0042] Uw klacht is ontvangen

--- Bericht van de klager ---
Ik heb nog steeds geen gecorrigeerde factuur ontvangen.
Graag hoor ik binnen een week van u, anders stap ik naar de klachtencommissie.

Jan Jansen
--- Einde bericht ---

Antwoord met #antwoord (#reply) in het onderwerp om de klager te antwoorden; de tekst van uw e-mail gaat dan naar de klager. Een antwoord zonder opdracht wordt als interne notitie vastgelegd en niet naar de klager gestuurd.""",
    "en_new_case": """A new complaint has come in.

Case:        KL-2026-0043 (direct resolution)
Complainant: Lisa Peters <lisa.peters@example.org>
Received:    Tuesday 1 December 2026 11:02, by e-mail
Subject:     Coach did not show up

First response to the complainant within 1 working day; resolution within 5 working days.

The complainant has received an acknowledgement with the case number.

--- Message from the complainant ---
Dear Sir or Madam,

My coach did not turn up for our session on 24 November, and again on
27 November. Nobody called me to explain. I would like a refund of both
sessions.

Kind regards,
Lisa Peters
--- End of message ---

Reply to this e-mail to handle the case, with a command in the subject, for example #reply to answer the complainant, or #assign <alias> to name a contact person. A reply without a command is recorded as an internal note and is not sent to the complainant. All commands: #help.""",
    "en_client_reply": """The complainant has replied on case KL-2026-0043.

From:        Lisa Peters <lisa.peters@example.org>
Received:    Friday 4 December 2026 08:55
Subject:     Re: [KL-2026-0043] Your complaint has been received

--- Message from the complainant ---
Thank you for calling me yesterday. Can you confirm the refund in writing?
I also want to know who my new coach will be.

Lisa
--- End of message ---

Reply with #reply in the subject to answer the complainant; the text of your e-mail is then sent to the complainant. A reply without a command is recorded as an internal note and is not sent to the complainant.""",
}

# --- what staff wrote -------------------------------------------------------------------------
# (lines, signature lines the extraction drops). Several carry the shapes that went wrong:
# Dutch sentences starting "Op ... schreef", prose lines ending in a colon, "Van:" in prose.

NL = [
    (
        [
            "Beste meneer Jansen,",
            "",
            "Op 28 november schreef u ons dat uw factuur te hoog was. Dat klopt:",
            "de offerte noemde 1.150 euro. U ontvangt deze week een creditnota.",
            "",
            "Met vriendelijke groet,",
            "Anna de Vries",
        ],
        [],
    ),
    (
        [
            "Geachte heer Jansen,",
            "",
            "Na overleg met de trainer hebben we het volgende besloten:",
            "- u krijgt 300 euro terug;",
            "- de tweede trainingsdag mag u kosteloos opnieuw volgen.",
            "",
            "Met vriendelijke groet,",
            "Pieter Bakker",
        ],
        [],
    ),
    (["Akkoord, zo afhandelen graag.", "Anna"], []),
    (
        [
            "Beste meneer Jansen,",
            "",
            "Van: de administratie hoorde ik vandaag dat de creditnota klaarstaat.",
            "U krijgt hem morgen per post.",
            "",
            "Hartelijke groet,",
            "Anna",
        ],
        [],
    ),
    (
        ["Dank voor uw geduld. De factuur is aangepast naar 1.150 euro."],
        ["-- ", "Anna de Vries", "Voorbeeld Training & Coaching", "020 123 4567"],
    ),
    (
        [
            "Op 2 december heb ik het volgende geschreven aan de trainer:",
            "Wil je de klant vandaag nog bellen over de factuur?",
            "",
            "Op maandag 7 december om 14:00 bel ik u zelf. Schikt dat niet, laat het me dan weten.",
            "",
            "Groet,",
            "Pieter",
        ],
        [],
    ),
    (
        [
            "Beste Jan,",
            "",
            "Wat vervelend. Ik heb het nagekeken: de factuur is inderdaad fout.",
            "De gecorrigeerde factuur zit in de bijlage.",
            "",
            "Vriendelijke groet,",
            "Anna de Vries",
            "Voorbeeld Training & Coaching",
        ],
        [],
    ),
    (
        [
            "Geachte heer Jansen,",
            "",
            "Op uw vraag van vrijdag kan ik het volgende antwoorden: de creditnota is op",
            "3 december verstuurd. Ziet u hem niet, kijk dan ook in uw map met ongewenste mail.",
            "",
            "Met vriendelijke groet,",
            "Pieter Bakker",
            "Klantcontact",
        ],
        [],
    ),
]
EN = [
    (
        [
            "Dear Mr Jansen,",
            "",
            "On 28 November you wrote to us that your invoice was too high. You are",
            "right: the quote said 1,150 euros. A credit note follows this week.",
            "",
            "Kind regards,",
            "Anna de Vries",
        ],
        [],
    ),
    (
        [
            "Dear Ms Peters,",
            "",
            "After talking to the coach we decided the following:",
            "- you get both sessions refunded;",
            "- Sanne will be your new coach from January.",
            "",
            "Best regards,",
            "Pieter Bakker",
        ],
        [],
    ),
    (["Agreed, please close it.", "Anna"], []),
    (
        [
            "Dear Lisa,",
            "",
            "From: our side, the refund was approved this morning.",
            "You will see it on your account within five working days.",
            "",
            "Best,",
            "Anna",
        ],
        [],
    ),
    (
        ["Thanks for your patience. The refund has been sent."],
        ["-- ", "Anna de Vries", "Voorbeeld Training & Coaching", "+31 20 123 4567"],
    ),
    (
        [
            "On Monday I wrote the following to the coach:",
            "Please call Ms Peters today about the missed sessions.",
            "",
            "On Tuesday 8 December at 10:00 I will call you myself. If that does not suit you, let me know.",
            "",
            "Regards,",
            "Pieter",
        ],
        [],
    ),
    (
        [
            "Hi Lisa,",
            "",
            "I am sorry this happened. I checked it: both sessions were missed.",
            "The refund is on its way.",
            "",
            "Kind regards,",
            "Anna de Vries",
            "Voorbeeld Training & Coaching",
        ],
        [],
    ),
]
# Inline answers: (quoted line of the complainant's message it follows, the answer)
INLINE = {
    "nl_new_case": [
        (
            "Er staat een bedrag van 1.450 euro op, terwijl de offerte 1.150 euro noemde.",
            ["Klopt, dat is een fout van onze administratie."],
        ),
        (
            "Wilt u de factuur corrigeren?",
            [
                "Ja, de nieuwe factuur komt deze week.",
                "",
                "Met vriendelijke groet,",
                "Anna de Vries",
            ],
        ),
    ],
    "en_new_case": [
        (
            "27 November. Nobody called me to explain. I would like a refund of both",
            ["We are very sorry: the coach was ill and the message never reached you."],
        ),
        ("sessions.", ["Both sessions will be refunded this week.", "", "Kind regards,", "Anna"]),
    ],
}


# --- mail clients -------------------------------------------------------------------------------


@dataclass
class Reply:
    client: str
    lang: str
    plain: str | None
    html_body: str | None
    quoted: list[str]
    expected: list[str]
    shape: str
    headers: dict[str, str] = field(default_factory=dict)


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def wrap(lines: list[str], width: int = 76) -> list[str]:
    out: list[str] = []
    for line in lines:
        out += textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""]
    return out


def quote_plain(lines: list[str], blank: str = ">") -> list[str]:
    return [f"> {line}" if line else blank for line in lines]


def divs(lines: list[str]) -> str:
    return "".join(f"<div>{esc(line)}</div>" if line else "<div><br></div>" for line in lines)


def brs(lines: list[str]) -> str:
    return "<br>\n".join(esc(line) for line in lines)


def paragraphs(lines: list[str], tag: str = "p", cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return "".join(f"<{tag}{attr}>{esc(line) or '&nbsp;'}</{tag}>" for line in lines)


DATES = {
    "gmail_en": "On Thu, Dec 3, 2026 at 10:12\u202fAM {name} <{addr}> wrote:",
    "gmail_nl": "Op do 3 dec 2026 om 10:12 schreef {name} <{addr}>:",
    "android_en": "On Thu, 3 Dec 2026, 10:12 {name}, <{addr}> wrote:",
    "android_nl": "Op do 3 dec. 2026 10:12 schreef {name} <{addr}>:",
    "apple_en": "On 3 Dec 2026, at 10:12, {name} <{addr}> wrote:",
    "apple_nl": "Op 3 dec 2026, om 10:12 heeft {name} <{addr}> het volgende geschreven:",
    "iphone_en": "On 3 Dec 2026, at 10:12, {name} <{addr}> wrote:",
    "iphone_nl": "Op 3 dec 2026 om 10:12 heeft {name} <{addr}> het volgende geschreven:",
    "thunderbird_en": "On 03/12/2026 10:12, {name} wrote:",
    "thunderbird_nl": "Op 03-12-2026 om 10:12 schreef {name}:",
    "roundcube_en": "On 2026-12-03 10:12, {name} wrote:",
    "roundcube_nl": "Op 2026-12-03 10:12, schreef {name}:",
    "yahoo_en": "On Thursday, 3 December 2026 at 10:12:31 CET, {name} <{addr}> wrote:",
    "yahoo_nl": "Op donderdag 3 december 2026 om 10:12:31 CET schreef {name} <{addr}>:",
}
HEADERS = {
    "nl": ("Van", "Verzonden", "Aan", "Onderwerp", "donderdag 3 december 2026 10:12"),
    "en": ("From", "Sent", "To", "Subject", "Thursday, December 3, 2026 10:12 AM"),
}
SUBJECT = {"nl": "Nieuwe klacht [KL-2026-0042]: Factuur training Timemanagement",
           "en": "New complaint [KL-2026-0043]: Coach did not show up"}  # fmt: skip
STAFF = {"nl": "Anna de Vries <anna@example.nl>", "en": "Anna de Vries <anna@example.nl>"}


def attribution(style: str, lang: str) -> str:
    return DATES[f"{style}_{lang}"].format(name=BOT_NAME, addr=BOT)


def header_block(lang: str, date_label: str | None = None, date: str | None = None) -> list[str]:
    van, sent, aan, subj, when = HEADERS[lang]
    return [
        f"{van}: {BOT_NAME} <{BOT}>",
        f"{date_label or sent}: {date or when}",
        f"{aan}: {STAFF[lang]}",
        f"{subj}: {SUBJECT[lang]}",
    ]


def gmail(author, sent, lang, style="gmail", html_only=False, indent=None):
    """Gmail web/Android: top-posted; the plain attribution wraps at 78 characters."""
    attr = attribution(style, lang)
    plain_attr = textwrap.wrap(attr, 78, break_on_hyphens=False)
    if style == "gmail":  # Gmail's web client breaks a long attribution after the "<"
        head, _, tail = attr.partition("<")
        plain_attr = [head + "<", tail]
    body_lines = [*author, *(["", *indent] if indent else [])]
    plain = "\n".join([*body_lines, "", *plain_attr, "", *quote_plain(sent)]) + "\n"
    author_html = divs(author)
    if indent:
        author_html += (
            '<blockquote style="margin:0 0 0 40px;border:none;padding:0px">'
            + divs(indent)
            + "</blockquote>"
        )
    page = (
        f'<div dir="ltr">{author_html}</div><br><div class="gmail_quote gmail_quote_container">'
        f'<div dir="ltr" class="gmail_attr">{esc(attr)}<br></div><blockquote class="gmail_quote" '
        'style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">'
        f"{brs(sent)}</blockquote></div>\n"
    )
    return (None if html_only else plain), page, [*plain_attr, attr, *sent]


def outlook_windows(author, sent, lang, html_only=False, old=False):
    """Outlook for Windows: a header block after a border line, the original unquoted."""
    block = header_block(lang)
    if old:
        sep = "-----Oorspronkelijk bericht-----" if lang == "nl" else "-----Original Message-----"
        plain_head = [sep, *block]
    else:
        plain_head = ["", *block]
    plain = "\n".join([*author, "", *plain_head, "", *sent]) + "\n"
    bold = "<br>\n".join(
        f"<b>{esc(line.split(':', 1)[0])}:</b>{esc(line.split(':', 1)[1])}" for line in block
    )
    page = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta http-equiv="Content-Type" '
        'content="text/html; charset=utf-8"><style><!-- p.MsoNormal {margin:0cm;} --></style></head>'
        '<body lang="NL" link="#0563C1"><div class="WordSection1">'
        + paragraphs(author, "p", "MsoNormal")
        + '<p class="MsoNormal">&nbsp;</p><div><div style="border:none;border-top:solid #E1E1E1 1.0pt;'
        f'padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal">{bold}</p></div></div>'
        '<p class="MsoNormal">&nbsp;</p>'
        + paragraphs(sent, "p", "MsoNormal")
        + "</div></body></html>\n"
    )
    quoted = [*plain_head, *sent]
    return (None if html_only else plain), page, [q for q in quoted if q]


def outlook_web(author, sent, lang, html_only=False, mobile=False):
    """New Outlook and Outlook on the web (and Outlook for iOS): appendonsend, divRplyFwdMsg."""
    block = header_block(lang)
    extra = (
        ["Outlook voor iOS downloaden" if lang == "nl" else "Get Outlook for iOS"] if mobile else []
    )
    plain = (
        "\n".join([*author, "", *extra, "________________________________", *block, "", *sent])
        + "\n"
    )
    bold = "<br>".join(
        f"<b>{esc(line.split(':', 1)[0])}:</b>{esc(line.split(':', 1)[1])}" for line in block
    )
    signature = (
        f'<div id="ms-outlook-mobile-signature"><div><br></div>{esc(extra[0])}</div>'
        if mobile
        else ""
    )
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>'
        '<div class="elementToProof" style="font-family: Aptos, sans-serif; font-size: 12pt;">'
        + divs(author)
        + f"</div>{signature}"
        '<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">'
        '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" '
        f'color="#000000">{bold}</font><div>&nbsp;</div></div><div>{brs(sent)}</div></body></html>\n'
    )
    return (None if html_only else plain), page, ["________________________________", *block, *sent]


def outlook_mac(author, sent, lang, html_only=False):
    """Outlook for Mac: a header block with Date, in a border-top div."""
    when = (
        "donderdag, 3 december 2026 om 10:12"
        if lang == "nl"
        else "Thursday, 3 December 2026 at 10:12"
    )
    block = header_block(lang, "Datum" if lang == "nl" else "Date", when)
    plain = "\n".join([*author, "", *block, "", *sent]) + "\n"
    rows = "".join(
        f'<b><span style="font-size:12.0pt;color:black">{esc(line.split(":", 1)[0])}: </span></b>'
        f'<span style="font-size:12.0pt;color:black">{esc(line.split(":", 1)[1].strip())}<br></span>'
        for line in block
    )
    page = (
        '<html><head></head><body><div class="WordSection1">'
        + paragraphs(author, "p", "MsoNormal")
        + '<p class="MsoNormal">&nbsp;</p><div id="mail-editor-reference-message-container"><div '
        'style="border:none;border-top:solid #B5C4DF 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal" '
        f'style="margin-bottom:12.0pt">{rows}</p></div>'
        + paragraphs(sent, "p", "MsoNormal")
        + "</div></div></body></html>\n"
    )
    return (None if html_only else plain), page, [*block, *sent]


def apple(author, sent, lang, phone=False, html_only=False, attr_inside=True):
    """Apple Mail and iPhone: blockquote type=cite; the iPhone puts its attribution in a
    blockquote of its own and signs with "Sent from my iPhone"."""
    attr = attribution("iphone" if phone else "apple", lang)
    sig = (
        ["Verstuurd vanaf mijn iPhone" if lang == "nl" else "Sent from my iPhone"] if phone else []
    )
    if phone:
        plain = "\n".join([*author, "", *sig, "", f"> {attr}", "> ", *quote_plain(sent, "> ")])
        page = (
            '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
            '<body dir="auto">'
            + "".join(f'<div dir="ltr">{esc(x) or "<br>"}</div>' for x in author)
            + f'<div dir="ltr"><br><div dir="ltr">{esc(sig[0])}</div><div dir="ltr"><br>'
            f'<blockquote type="cite">{esc(attr)}<br><br></blockquote></div><blockquote type="cite">'
            f'<div dir="ltr">{brs(sent)}</div></blockquote></div></body></html>\n'
        )
    else:
        head = [f"> {attr}", "> "] if attr_inside else [attr, ""]
        plain = "\n".join([*author, "", *head, *quote_plain(sent, "> ")])
        cite_attr = f"<div>{esc(attr)}</div>" if attr_inside else ""
        outside = "" if attr_inside else f"<div>{esc(attr)}</div>"
        page = (
            '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
            '<body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: '
            'after-white-space;">' + divs(author) + f'<div><br>{outside}<blockquote type="cite">'
            f'{cite_attr}<br class="Apple-interchange-newline"><div><div>{brs(sent)}</div></div>'
            "</blockquote></div><br></body></html>\n"
        )
    return (None if html_only else plain + "\n"), page, [attr, *sent]


def thunderbird(author, sent, lang, position="bottom", html_only=False, inline=None):
    """Thunderbird: moz-cite-prefix and blockquote type=cite; bottom-posting is its default,
    quoted lines re-wrapped at 72 characters in the plain part."""
    attr = attribution("thunderbird", lang)
    wrapped = wrap(sent, 72)
    if inline:
        plain_lines, page_parts = [attr], [f'<div class="moz-cite-prefix">{esc(attr)}<br></div>']
        block: list[str] = []
        expected: list[str] = []
        for line in wrapped:
            block.append(line)
            for after, answer in inline:
                if line == after:
                    plain_lines += [*quote_plain(block), "", *answer, ""]
                    page_parts.append(f'<blockquote type="cite">{brs(block)}</blockquote>')
                    page_parts.append(paragraphs(answer))
                    expected += [*answer, ""]
                    block = []
        if block:
            plain_lines += quote_plain(block)
            page_parts.append(f'<blockquote type="cite">{brs(block)}</blockquote>')
        plain = "\n".join(plain_lines) + "\n"
        page = "<html><body>" + "".join(page_parts) + "</body></html>\n"
        return (None if html_only else plain), page, [attr, *wrapped], expected
    quoted_plain = [attr, *quote_plain(wrapped)]
    cite = (
        f'<div class="moz-cite-prefix">{esc(attr)}<br></div><blockquote type="cite" '
        f'cite="mid:kl-2026-0042.new.1@klachten.example.nl">{brs(sent)}</blockquote>'
    )
    if position == "bottom":
        plain = "\n".join([*quoted_plain, "", *author]) + "\n"
        page = f"<html><body>{cite}{paragraphs(author)}</body></html>\n"
    else:
        plain = "\n".join([*author, "", *quoted_plain]) + "\n"
        page = f"<html><body>{paragraphs(author)}{cite}</body></html>\n"
    return (None if html_only else plain), page, [attr, *sent, *wrapped], None


def thunderbird_indent(intro, indent, sent, lang):
    """Thunderbird set to send HTML only, the author's paragraph indented with its indent
    button (a bare <blockquote>), the quote below it."""
    attr = attribution("thunderbird", lang)
    page = (
        f"<html><body>{paragraphs(intro)}<blockquote>{paragraphs(indent)}</blockquote>"
        f'<div class="moz-cite-prefix">{esc(attr)}<br></div><blockquote type="cite" '
        f'cite="mid:kl-2026-0042.new.1@klachten.example.nl">{brs(sent)}</blockquote></body></html>\n'
    )
    return None, page, [attr, *sent]


def samsung(author, sent, lang, html_only=False):
    """Samsung Email: "Sent from my Galaxy", a dashed line and a header block, unquoted."""
    sig = "Verzonden vanaf mijn Galaxy" if lang == "nl" else "Sent from my Galaxy"
    dash = (
        "-------- Oorspronkelijk bericht --------"
        if lang == "nl"
        else "-------- Original message --------"
    )
    labels = (
        ("Van", "Datum", "Aan", "Onderwerp") if lang == "nl" else ("From", "Date", "To", "Subject")
    )
    block = [f"{labels[0]}: {BOT_NAME} <{BOT}>", f"{labels[1]}: 03-12-2026 10:12 (GMT+01:00)",
             f"{labels[2]}: anna@example.nl", f"{labels[3]}: {SUBJECT[lang]}"]  # fmt: skip
    plain = "\n".join([*author, "", "", sig, "", dash, *block, "", *sent]) + "\n"
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head><body '
        'dir="auto">'
        + divs(author)
        + '<div><br></div><div id="composer_signature" dir="auto"><div '
        f'style="font-size:85%;color:#575757" dir="auto">{esc(sig)}</div></div><div dir="auto"><br>'
        '</div><div align="left" dir="auto" style="font-size:100%;color:#000000"><div>'
        f"{esc(dash)}</div>{divs(block)}<div><br></div></div>{divs(sent)}</body></html>\n"
    )
    return (None if html_only else plain), page, [dash, *block, *sent]


def roundcube(author, sent, lang, position="top", html_only=False):
    """Roundcube: "On DATE, NAME wrote:" and blockquote type=cite; bottom-posting optional."""
    attr = attribution("roundcube", lang)
    quoted_plain = [attr, *quote_plain(wrap(sent, 76))]
    cite = (
        f'<p>{esc(attr)}</p>\n<blockquote type="cite" style="padding: 0 0.4em; border-left: '
        f'#1010ff 2px solid; margin: 0"><div class="pre" style="margin: 0; padding: 0; font-family: '
        f'monospace">{brs(sent)}</div></blockquote>'
    )
    if position == "bottom":
        plain = "\n".join([*quoted_plain, "", *author]) + "\n"
        page = f"<html><body style='font-size: 10pt'>{cite}\n{paragraphs(author)}</body></html>\n"
    else:
        plain = "\n".join([*author, "", *quoted_plain]) + "\n"
        page = f"<html><body style='font-size: 10pt'>{paragraphs(author)}\n{cite}</body></html>\n"
    return (None if html_only else plain), page, [attr, *sent, *wrap(sent, 76)]


def webmail(author, sent, lang, kind):
    """Other webmail: Yahoo, Zimbra, Proton, a provider's webmail with a dashed attribution, one
    that joins the header block on one line, and one whose plain part marks bold as *bold*."""
    if kind == "yahoo":
        attr = attribution("yahoo", lang)
        plain = "\n".join([*author, "", "", attr, "", *quote_plain(sent)]) + "\n"
        page = (
            '<html><head></head><body><div class="ydp1a2b3c4yahoo-style-wrap">'
            + divs(author)
            + '</div><div id="yahoo_quoted_1234567890" class="yahoo_quoted"><div style="font-family:'
            f'Helvetica Neue, Helvetica, Arial, sans-serif;font-size:13px;color:#26282a;"><div>{esc(attr)}'
            f"</div><div><br></div><div><br></div><div>{brs(sent)}</div></div></div></body></html>\n"
        )
        return plain, page, [attr, *sent]
    if kind == "zimbra":
        block = header_block(lang)
        dash = (
            "----- Oorspronkelijk bericht -----" if lang == "nl" else "----- Original Message -----"
        )
        plain = "\n".join([*author, "", dash, *block, "", *sent]) + "\n"
        page = (
            '<html><body><div style="font-family: arial, helvetica, sans-serif; font-size: 12pt; color: '
            '#000000">' + divs(author) + '<div><br></div><hr id="zwchr"><div style="color:#000;'
            f"font-weight:normal;font-style:normal;text-decoration:none;font-family:Helvetica,Arial,"
            f'sans-serif;font-size:12pt;">{brs(block)}<br><br>{brs(sent)}</div></div></body></html>\n'
        )
        return plain, page, [dash, *block, *sent]
    if kind == "proton":
        attr = (
            (
                "Op donderdag 3 december 2026 om 10:12 schreef "
                if lang == "nl"
                else "On Thursday, December 3rd, 2026 at 10:12, "
            )
            + f"{BOT_NAME} <{BOT}>"
            + (":" if lang == "nl" else " wrote:")
        )
        dash = "------- Original Message -------"
        plain = "\n".join([*author, "", dash, attr, "", *quote_plain(sent)]) + "\n"
        page = (
            f'<div style="font-family: Arial, sans-serif; font-size: 14px;">{divs(author)}</div>'
            '<div class="protonmail_quote">' + esc(dash) + f"<br>{esc(attr)}<br><br>"
            f'<blockquote class="protonmail_quote" type="cite">{brs(sent)}</blockquote><br></div>\n'
        )
        return plain, page, [dash, attr, *sent]
    if kind == "dashed":
        attr = (
            f"-----Op do 3 dec 2026 10:12 schreef {BOT_NAME} <{BOT}>-----"
            if lang == "nl"
            else f"-----On Thu, 3 Dec 2026 10:12, {BOT_NAME} <{BOT}> wrote-----"
        )
        plain = "\n".join([*author, "", attr, "", *sent]) + "\n"
        page = (
            f"<html><body>{divs(author)}<div><br></div><div>{esc(attr)}</div><div><br></div>"
            f"{divs(sent)}</body></html>\n"
        )
        return plain, page, [attr, *sent]
    if kind == "joined":
        # Header labels in bold inside one paragraph, separated by spaces: html2text makes one
        # line of it. HTML only, after an <hr>, which html2text writes as "* * *".
        block = header_block(lang)
        joined = " ".join(
            f"<b>{esc(line.split(':', 1)[0])}:</b>{esc(line.split(':', 1)[1])}" for line in block
        )
        page = (
            f"<html><body>{paragraphs(author)}<hr><p>{joined}</p>{paragraphs(sent)}</body></html>\n"
        )
        return None, page, [" ".join(block), *block, *sent, "* * *"]
    if kind == "unmarked":
        # A client set to include the original without any mark (no attribution, no "> "),
        # re-wrapped at 72 characters: only mailbot's own text tells what is quoted.
        original = wrap(sent, 72)
        plain = "\n".join([*author, "", "", *original]) + "\n"
        page = f"<html><body>{divs(author)}<div><br></div><div><br></div>{divs(original)}</body></html>\n"
        return plain, page, [*original, *sent]
    if kind == "bold":
        # A plain part written from HTML with bold as *...*, as several webmails do.
        block = [
            f"*{line.split(':', 1)[0]}:*{line.split(':', 1)[1]}" for line in header_block(lang)
        ]
        plain = "\n".join([*author, "", "", *block, "", *sent]) + "\n"
        return plain, None, [*block, *sent]
    raise AssertionError(kind)


# --- the corpus -----------------------------------------------------------------------------------


def plain_only(produced: tuple) -> tuple:
    """The same reply from a client set to write plain text only."""
    return (produced[0], None, *produced[2:])


def build() -> list[tuple[str, Reply, str]]:
    cases: list[tuple[str, Reply, str]] = []
    n = 0

    def add(client, lang, shape, sent_key, author, produced, headers=None):
        nonlocal n
        plain, page, quoted = produced[:3]
        lines = author[0]
        expected = produced[3] if len(produced) > 3 and produced[3] is not None else lines
        n += 1
        name = f"{n:03d}_{client}_{lang}_{shape}"
        reply = Reply(client, lang, plain, page, quoted, expected, shape, headers or {})
        cases.append((name, reply, sent_key))

    def texts(lang):
        return NL if lang == "nl" else EN

    def full(author):
        return author[0] + author[1]

    for lang in ("nl", "en"):
        pool = texts(lang)
        for i, kind in enumerate(("new_case", "client_reply")):
            key = f"{lang}_{kind}"
            sent = SENT[key].split("\n")
            for j, author in enumerate(pool):
                if (i + j) % 4 != 0:
                    continue
                body = full(author)
                # Gmail web: plain + HTML, HTML only; Gmail on Android.
                add("gmail_web", lang, "top", key, author, gmail(body, sent, lang))
                add("gmail_android", lang, "top", key, author, gmail(body, sent, lang, "android"))
                add("outlook_windows", lang, "top", key, author, outlook_windows(body, sent, lang))
                add("outlook_web", lang, "top", key, author, outlook_web(body, sent, lang))
                add("apple_mail", lang, "top", key, author, apple(body, sent, lang))
                add("iphone", lang, "top", key, author, apple(body, sent, lang, phone=True))
                add(
                    "thunderbird",
                    lang,
                    "bottom_plain",
                    key,
                    author,
                    plain_only(thunderbird(body, sent, lang)),
                )
                add("samsung", lang, "top", key, author, samsung(body, sent, lang))
                add(
                    "roundcube",
                    lang,
                    "top_plain",
                    key,
                    author,
                    plain_only(roundcube(body, sent, lang)),
                )
            for j, author in enumerate(pool):
                if (i + j) % 4 != 2:
                    continue
                body = full(author)
                add(
                    "gmail_web",
                    lang,
                    "html_only",
                    key,
                    author,
                    gmail(body, sent, lang, html_only=True),
                )
                add("gmail_android", lang, "html_only", key, author,
                    gmail(body, sent, lang, "android", html_only=True))  # fmt: skip
                add("outlook_windows", lang, "html_only", key, author,
                    outlook_windows(body, sent, lang, html_only=True))  # fmt: skip
                add("outlook_windows_old", lang, "plain", key, author,
                    plain_only(outlook_windows(body, sent, lang, old=True)))  # fmt: skip
                add("new_outlook", lang, "html_only", key, author,
                    outlook_web(body, sent, lang, html_only=True))  # fmt: skip
                add(
                    "outlook_ios",
                    lang,
                    "top",
                    key,
                    author,
                    outlook_web(body, sent, lang, mobile=True),
                )
                add("outlook_mac", lang, "top", key, author, outlook_mac(body, sent, lang))
                add("apple_mail", lang, "attribution_outside", key, author,
                    apple(body, sent, lang, attr_inside=False))  # fmt: skip
                add("iphone", lang, "html_only", key, author,
                    apple(body, sent, lang, phone=True, html_only=True))  # fmt: skip
                add("thunderbird", lang, "top", key, author,
                    thunderbird(body, sent, lang, position="top"))  # fmt: skip
                add("thunderbird", lang, "html_only_bottom", key, author,
                    thunderbird(body, sent, lang, html_only=True))  # fmt: skip
                add(
                    "samsung",
                    lang,
                    "html_only",
                    key,
                    author,
                    samsung(body, sent, lang, html_only=True),
                )
                add("roundcube", lang, "bottom", key, author,
                    roundcube(body, sent, lang, position="bottom"))  # fmt: skip
            for k, kind2 in enumerate(
                ("yahoo", "zimbra", "proton", "dashed", "joined", "bold", "unmarked")
            ):
                author = pool[(k + i) % len(pool)]
                add(
                    f"webmail_{kind2}",
                    lang,
                    kind2,
                    key,
                    author,
                    webmail(full(author), sent, lang, kind2),
                )
        # Shapes of their own: inline answers, Gmail's indent button, HTML-only Outlook Mac.
        key = f"{lang}_new_case"
        sent = SENT[key].split("\n")
        answers = INLINE[key]
        for html_only in (False, True):
            produced = thunderbird([], sent, lang, html_only=html_only, inline=answers)
            expected = [x for x in produced[3]]
            add("thunderbird", lang, "inline" + ("_html" if html_only else ""), key,
                (expected, []), produced)  # fmt: skip
        indent_lines = (
            ["U ontvangt 300 euro retour en een nieuwe trainingsdag naar keuze."]
            if lang == "nl"
            else ["You get 300 euros back and a new training day of your choice."]
        )
        intro = ["Voorstel voor de klant:"] if lang == "nl" else ["Proposal for the client:"]
        closing = ["", "Anna"]
        produced = gmail([*intro], sent, lang, indent=[*indent_lines, *closing])
        add("gmail_web", lang, "indent_blockquote", key,
            ([*intro, "", *indent_lines, *closing], []), produced)  # fmt: skip
        produced = thunderbird_indent(intro, indent_lines, sent, lang)
        add("thunderbird", lang, "indent_blockquote_html", key,
            ([*intro, "", *indent_lines], []), produced)  # fmt: skip
        produced = gmail([*intro], sent, lang, "android", html_only=True, indent=indent_lines)
        add("gmail_android", lang, "indent_blockquote_html", key,
            ([*intro, "", *indent_lines], []), produced)  # fmt: skip
        for author in texts(lang)[:3]:
            add("outlook_mac", lang, "html_only", key, author,
                outlook_mac(full(author), sent, lang, html_only=True))  # fmt: skip
            add("apple_mail", lang, "html_only", key, author,
                apple(full(author), sent, lang, html_only=True))  # fmt: skip
            add("roundcube", lang, "html_only", key, author,
                roundcube(full(author), sent, lang, html_only=True))  # fmt: skip
            add("outlook_ios", lang, "html_only", key, author,
                outlook_web(full(author), sent, lang, html_only=True, mobile=True))  # fmt: skip
    return cases


AGENTS = {
    "gmail": None,
    "outlook": "Microsoft Outlook 16.0",
    "apple_mail": "Apple Mail (2.3826.300.87.4.3)",
    "iphone": "iPhone Mail (22B91)",
    "thunderbird": "Mozilla Thunderbird",
    "samsung": None,
    "roundcube": "Roundcube Webmail/1.6.9",
}


def message(name: str, reply: Reply) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Anna de Vries <anna@example.nl>"
    msg["To"] = f"{BOT_NAME} <{BOT}>"
    word = "antwoord" if reply.lang == "nl" else "reply"
    prefix = "Antw" if reply.client.startswith("outlook") and reply.lang == "nl" else "Re"
    msg["Subject"] = f"{prefix}: {SUBJECT[reply.lang]} #{word}"
    msg["Date"] = "Thu, 03 Dec 2026 11:30:00 +0100"
    msg["Message-ID"] = f"<{name}@mail.example.nl>"
    case = "kl-2026-0042" if reply.lang == "nl" else "kl-2026-0043"
    msg["In-Reply-To"] = f"<{case}.new.1@klachten.example.nl>"
    msg["References"] = f"<{case}.new.1@klachten.example.nl>"
    for prefix_, agent in AGENTS.items():
        if reply.client.startswith(prefix_) and agent:
            msg["X-Mailer" if prefix_ != "thunderbird" else "User-Agent"] = agent
    if reply.plain is not None:
        msg.set_content(reply.plain)
        if reply.html_body is not None:
            msg.add_alternative(reply.html_body, subtype="html")
    else:
        msg.set_content(reply.html_body, subtype="html")
    if msg.is_multipart():
        msg.set_boundary(f"----=_Part_{name}")  # the same bytes on every run
    return bytes(msg)


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir()
    (HERE / "sent").mkdir(exist_ok=True)
    for key, text in SENT.items():
        (HERE / "sent" / f"{key}.txt").write_text(text + "\n", encoding="utf-8")
    index = []
    for name, reply, sent_key in build():
        (OUT / f"{name}.eml").write_bytes(message(name, reply))
        (OUT / f"{name}.expected.txt").write_text("\n".join(reply.expected).strip() + "\n")
        (OUT / f"{name}.quoted.txt").write_text("\n".join(reply.quoted) + "\n")
        index.append({"name": name, "client": reply.client, "lang": reply.lang,
                      "shape": reply.shape, "sent": sent_key})  # fmt: skip
    (HERE / "cases.json").write_text(json.dumps(index, indent=1) + "\n")
    print(f"{len(index)} replies written to {OUT}")


if __name__ == "__main__":
    main()
