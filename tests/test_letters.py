"""Printable letters: text, window position, diacritics, page breaks, config and the case field."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest
from fontTools.ttLib import TTFont

from mailbot.cli.samples import sample_case
from mailbot.cli.views import case_json, timeline
from mailbot.config.load import InvalidConfigError, load_config
from mailbot.config.settings import Settings
from mailbot.errors import LetterError, MailbotError
from mailbot.model import Case, Party
from mailbot.outbound.build import base_context, case_context
from mailbot.outbound.letters.letter import (
    WINDOW_HEIGHT,
    WINDOW_INSET,
    WINDOW_LEFT,
    WINDOW_TOP,
    WINDOW_WIDTH,
    Letter,
    render_letter,
)
from mailbot.outbound.render import Renderer
from mailbot.store.codec import from_dict, to_dict

from support import COMPLAINTS, config_text

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
NAME = "Ĳsbrand Coëlho-Dupré"
ADDRESS = "Rue de l'Église 3\n1234 AB Voorbeeldstad"
LETTERHEAD = """
address = ["Postbus 1234", "3000 AB Voorbeeldstad"]
phone = "010 123 45 67"
"""
FONT = (
    Path(__file__).resolve().parents[1]
    / "mailbot"
    / "outbound"
    / "letters"
    / "fonts"
    / "DejaVuSans.ttf"
)
PT = 25.4 / 72  # mm per PDF point
A4_HEIGHT = 297.0


def settings_with(tmp_path: Path, organisation: str = LETTERHEAD) -> Settings:
    text = config_text(tmp_path / "data").replace(
        'name = "Voorbeeld Training & Coaching"\n',
        f'name = "Voorbeeld Training & Coaching"\n{organisation}\n',
        1,
    )
    path = tmp_path / "mailbot.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, {})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_with(tmp_path)


def a_case(track: str = "formal", address: str | None = ADDRESS, **changes: Any) -> Case:
    case = sample_case(track=track)
    return dataclasses.replace(
        case, complainant=Party(NAME, None), postal_address=address, **changes
    )


def ruling(paragraphs: int) -> str:
    """A motivated ruling of numbered paragraphs with diacritics and the euro sign."""
    sentence = (
        "De commissie heeft de stukken gelezen, beide partijen gehoord en de overeenkomst "
        "van 1 maart 2026 beoordeeld; de gevraagde vergoeding van € 125,50 is redelijk. "
    )
    return "\n\n".join(f"{i}. Overweging {i}: {sentence * 3}" for i in range(1, paragraphs + 1))


def letter(
    settings: Settings,
    case: Case,
    template: str = "ruling_notice",
    lang: str = "nl",
    **extra: Any,
) -> Letter:
    context = {
        **base_context(settings, lang),
        "case": case_context(case, settings),
        "message": {"subject": "", "text": "", "sender": "", "at": None},
        "recipient": {"name": case.complainant.name, "email": "", "role": "complainant"},
        "outcome": "partly",
        "text": ruling(2),
        **extra,
    }
    renderer = Renderer(None, settings.organisation.timezone)
    return render_letter(template, case, context, settings, renderer, NOW, lang)


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def body_text(pdf: bytes) -> str:
    """All pages' text without the running head and page numbers, whitespace normalised."""
    kept = [
        line
        for page in pages(pdf)
        for line in page.splitlines()
        if not re.fullmatch(r"(Pagina \d+ van \d+|Page \d+ of \d+)", line.strip())
        and " · KL-2026-0042 · " not in line
    ]
    return flat("\n".join(kept))


def placed_text(pdf: bytes, page: int = 0) -> list[tuple[str, float, float, float]]:
    """Each text run on the page: its text, left and baseline in mm from the top-left
    corner of the sheet, and its font size in points."""
    found: list[tuple[str, float, float, float]] = []

    def visit(text: str, cm: list, tm: list, font: Any, size: float) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        found.append((text.strip(), x * PT, A4_HEIGHT - y * PT, size * tm[0] * cm[0]))

    pypdf.PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return found


def width_mm(text: str, size: float) -> float:
    """The printed width of `text` in the vendored font, from its glyph advances."""
    font = TTFont(FONT)
    cmap, advances = font.getBestCmap(), font["hmtx"].metrics
    units = sum(advances[cmap[ord(ch)]][0] for ch in text)
    return units / font["head"].unitsPerEm * size * PT


# --------------------------------------------------------------------------- content


def test_ruling_letter_holds_name_address_case_number_and_the_whole_ruling(settings):
    case = a_case()
    text = ruling(4)
    made = letter(settings, case, text=text)
    extracted = body_text(made.pdf)
    assert NAME in extracted
    assert "Rue de l'Église 3 1234 AB Voorbeeldstad" in extracted
    assert "Voorbeeldstad, 4 december 2026" in extracted
    assert "Betreft: Uitspraak van de klachtencommissie over uw klacht KL-2026-0042" in extracted
    assert flat(text) in extracted  # the whole motivated ruling, every word in order
    # the letterhead: name, postal address, phone, e-mail (the complaints address by default)
    assert "Voorbeeld Training & Coaching" in extracted
    assert "Postbus 1234 3000 AB Voorbeeldstad" in extracted
    assert "Telefoon 010 123 45 67" in extracted
    assert f"E-mail {COMPLAINTS}" in extracted
    # a committee letter is signed by the chair; the mail's own closing gives way to it
    assert extracted.endswith(
        "Met vriendelijke groet, Bram Jansen Voorzitter van de klachtencommissie"
    )
    assert extracted.count("Met vriendelijke groet") == 1
    assert made.filename == "KL-2026-0042-ruling_notice.pdf"
    assert made.sha256 == hashlib.sha256(made.pdf).hexdigest()
    assert made.pdf.startswith(b"%PDF-")


def test_the_same_letter_twice_is_the_same_bytes(settings):
    case = a_case()
    assert letter(settings, case).sha256 == letter(settings, case).sha256
    assert letter(settings, case).sha256 != letter(settings, case, text=ruling(3)).sha256


def test_a_contact_persons_letter_is_signed_by_the_contact_person(settings):
    case = a_case(track="direct", contact="anna@example.nl", channel="brief")
    extracted = body_text(letter(settings, case, template="acknowledgement").pdf)
    assert "Hartelijk dank voor uw brief." in extracted
    assert extracted.endswith(
        "Met vriendelijke groet, Anna de Vries Contactpersoon klachten "
        "Voorbeeld Training & Coaching"
    )
    assert extracted.count("Met vriendelijke groet") == 1


def test_english_letter_has_english_labels_and_date(settings):
    case = dataclasses.replace(a_case(), language="en")
    extracted = body_text(letter(settings, case, lang="en").pdf)
    assert "Voorbeeldstad, 4 December 2026" in extracted
    assert "Subject: " in extracted and "KL-2026-0042" in extracted
    assert extracted.endswith("Kind regards, Bram Jansen Chair of the complaints committee")


# --------------------------------------------------------------------------- the window


def test_address_block_lies_inside_the_envelope_window(settings):
    # the NEN 1026 address field: 20 mm from the left, 50 mm from the top, 90 x 40 mm
    assert (WINDOW_LEFT, WINDOW_TOP, WINDOW_WIDTH, WINDOW_HEIGHT) == (20, 50, 90, 40)
    made = letter(settings, a_case())
    runs = placed_text(made.pdf)
    wanted = [NAME, *ADDRESS.splitlines()]
    found = {text: (x, y, size) for text, x, y, size in runs if text in wanted}
    assert set(found) == set(wanted)
    left, top = WINDOW_LEFT + WINDOW_INSET, WINDOW_TOP + WINDOW_INSET
    right = WINDOW_LEFT + WINDOW_WIDTH - WINDOW_INSET
    bottom = WINDOW_TOP + WINDOW_HEIGHT - WINDOW_INSET
    for text, (x, baseline, size) in found.items():
        cap_top = baseline - size * PT  # no glyph rises above the em box
        assert left - 0.01 <= x and x + width_mm(text, size) <= right, text
        assert top <= cap_top and baseline <= bottom, text
    # in reading order, name first, each line below the one before
    assert [found[t][1] for t in wanted] == sorted(found[t][1] for t in wanted)
    # nothing else is printed inside the window but the sender's return line
    inside = [
        text
        for text, x, y, _ in runs
        if WINDOW_LEFT <= x <= WINDOW_LEFT + WINDOW_WIDTH
        and WINDOW_TOP <= y <= WINDOW_TOP + WINDOW_HEIGHT
    ]
    return_line = "Voorbeeld Training & Coaching, Postbus 1234, 3000 AB Voorbeeldstad"
    assert inside == [return_line, *wanted]


def test_an_address_too_wide_for_the_window_is_refused(settings):
    case = a_case(address="Burgemeester van der Hoeven-Schimmelpenninckstraat 1234 bis\n1234 AB X")
    with pytest.raises(LetterError, match="too long for the envelope's window"):
        letter(settings, case)


def test_an_address_with_too_many_lines_is_refused(settings):
    case = a_case(address="\n".join(f"Regel {i}" for i in range(1, 8)))
    with pytest.raises(LetterError, match="the address has 8 lines with the name"):
        letter(settings, case)


@pytest.mark.parametrize("address", [None, "", " \n "])
def test_no_postal_address_is_a_clear_letter_error(settings, address):
    with pytest.raises(LetterError) as info:
        letter(settings, a_case(address=address))
    assert isinstance(info.value, MailbotError)
    assert str(info.value) == (
        "case KL-2026-0042: the complainant has no postal address, so no letter can be made; "
        "set it with #adres (lines separated by commas)"
    )


# --------------------------------------------------------------------------- type


def test_diacritics_and_the_euro_sign_extract_as_written(settings):
    made = letter(settings, a_case(), text="Vergoeding € 12,50 voor Ĳsselmeer, café en reünie.")
    first = pages(made.pdf)[0]
    assert NAME in first  # Ĳ (one letter, U+0132), ë, é
    assert "Rue de l'Église 3" in first
    assert "Vergoeding € 12,50 voor Ĳsselmeer, café en reünie." in first
    # the font travels inside the PDF: it prints the same on a machine without DejaVu
    reader = pypdf.PdfReader(io.BytesIO(made.pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = [f.get_object()["/DescendantFonts"][0]["/FontDescriptor"] for f in fonts.values()]
    assert descriptors and all("/FontFile2" in d for d in descriptors)


# --------------------------------------------------------------------------- pages


@pytest.mark.parametrize(("lang", "label"), [("nl", "Pagina {} van 3"), ("en", "Page {} of 3")])
def test_a_three_page_ruling_breaks_cleanly_with_page_numbers_from_page_two(settings, lang, label):
    text = ruling(11)
    made = letter(settings, dataclasses.replace(a_case(), language=lang), text=text, lang=lang)
    texts = pages(made.pdf)
    assert len(texts) == 3
    assert "Pagina" not in texts[0] and "Page " not in texts[0]
    assert texts[1].rstrip().endswith(label.format(2))
    assert texts[2].rstrip().endswith(label.format(3))
    assert flat(text) in body_text(made.pdf)  # no line lost or doubled at a break
    assert body_text(made.pdf).count("Overweging 7:") == 1
    # the closing, the room to sign and the signer stay together on the last page
    assert "Bram Jansen" in texts[2]
    # every page's text stays above the page number's band and inside the margins
    for page in range(3):
        for text, x, y, _ in placed_text(made.pdf, page):
            assert x >= 19.9 and y <= 297 - 10, (page, text)
            if not re.fullmatch(r"(Pagina|Page) \d+ (van|of) 3", text):
                assert y <= 297 - 25 + 0.5, (page, text)


# --------------------------------------------------------------------------- config


def test_letterhead_keys_load_with_their_defaults(tmp_path):
    plain = settings_with(tmp_path, organisation="").organisation
    assert (plain.address, plain.phone, plain.email, plain.place) == ((), None, None, None)
    org = settings_with(
        tmp_path, LETTERHEAD + 'email = "info@example.nl"\nplace = "Ergens"'
    ).organisation
    assert org.address == ("Postbus 1234", "3000 AB Voorbeeldstad")
    assert (org.phone, org.email, org.place) == ("010 123 45 67", "info@example.nl", "Ergens")


def test_configured_place_and_email_reach_the_letter(tmp_path):
    settings = settings_with(tmp_path, LETTERHEAD + 'email = "info@example.nl"\nplace = "Ergens"')
    extracted = body_text(letter(settings, a_case()).pdf)
    assert "Ergens, 4 december 2026" in extracted
    assert "E-mail info@example.nl" in extracted


def test_without_a_letterhead_address_the_letter_has_the_date_alone(tmp_path):
    settings = settings_with(tmp_path, organisation="")
    runs = [text for text, *_ in placed_text(letter(settings, a_case()).pdf)]
    assert "4 december 2026" in runs
    assert not any(", Postbus" in text for text in runs)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (
            '"Postbus 1234, 3000 AB Voorbeeldstad"',
            'expected an array of lines such as ["Postbus 1234", "3000 AB Voorbeeldstad"], '
            "got string",
        ),
        ("[]", "expected 1 to 5 lines, got 0"),
        ('["a", "b", "c", "d", "e", "f"]', "expected 1 to 5 lines, got 6"),
        ('["Postbus 1234", ""]', "organisation.address[2]: must not be empty"),
    ],
)
def test_a_bad_letterhead_address_is_reported_exactly(tmp_path, value, problem):
    with pytest.raises(InvalidConfigError) as info:
        settings_with(tmp_path, f"address = {value}")
    assert problem in str(info.value)
    assert "organisation.address" in str(info.value)


# --------------------------------------------------------------------------- the case field


def test_postal_address_round_trips_and_shows(settings):
    case = a_case()
    assert from_dict(Case, to_dict(case)).postal_address == ADDRESS
    assert (
        from_dict(
            Case, {k: v for k, v in to_dict(case).items() if k != "postal_address"}
        ).postal_address
        is None
    )
    assert case_json(case)["postal_address"] == ADDRESS
    assert "address:     Rue de l'Église 3, 1234 AB Voorbeeldstad" in timeline(case, NOW)


def test_a_tab_in_copied_text_prints_as_space(settings):
    # DejaVu has no tab glyph: unexpanded, "Bedrag:\t€ 5" would print as "Bedrag:€ 5"
    made = letter(settings, a_case(), text="Bedrag:\t€ 5")
    assert "Bedrag: € 5" in flat(pages(made.pdf)[0])
