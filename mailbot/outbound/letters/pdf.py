"""The letter's page layout as PDF: the only module that imports fpdf2."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from mailbot.errors import LetterError

# The address window, in mm from the top-left corner of the A4 sheet: the NEN 1026 address
# field of a Dutch business letter, 20 mm from the left and 50 mm from the top, 90 x 40 mm.
# Folded in three, it sits behind the window of the standard window envelopes (EA5/6,
# C5/6 and DL with the window on the left, 20 mm from the left edge), the ones PostNL and
# every office supplier sells.
WINDOW_LEFT = 20.0
WINDOW_TOP = 50.0
WINDOW_WIDTH = 90.0
WINDOW_HEIGHT = 40.0
# The text keeps this far inside the window on every side: a sheet shifts a few mm in its
# envelope, and the address must stay in view when it does.
WINDOW_INSET = 4.0

_FONTS = Path(__file__).resolve().parent / "fonts"
_FONT = "DejaVu"
_MARGIN = 20.0  # left, right and top
_BOTTOM = 25.0  # room for the page number
_LETTERHEAD_LEFT = 120.0  # right of the window
_BODY_TOP = 100.0  # below the window: place and date, subject, body
_LINE = 5.0  # body line height at 10 pt
_ADDRESS_LINE = 4.5
_ADDRESS_SIZES = (10.0, 9.0, 8.0)  # a long address line is set smaller before it is refused
_SIGNATURE_SPACE = 18.0  # blank room for the handwritten signature


@dataclass(frozen=True)
class Layout:
    """Everything printed on the letter, already in words."""

    letterhead: tuple[str, ...]  # the organisation's name first
    return_line: str  # the sender's address above the recipient's, "" for none
    address: tuple[str, ...]  # the recipient's name and postal address
    date_line: str  # "Voorbeeldstad, 4 december 2026"
    subject_label: str  # "Betreft:"
    subject: str
    body: str
    closing: str  # "Met vriendelijke groet,"
    signer: tuple[str, ...]  # name, then role
    running_head: str  # above the text from page 2 on
    page_label: str  # "Pagina {page} van {pages}"
    title: str
    author: str
    lang: str
    created: datetime


class _Sheet(FPDF):
    """A4 portrait with the running head and page number from the second page on."""

    def __init__(self, layout: Layout) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._layout = layout

    def header(self) -> None:
        if self.page_no() < 2:
            return
        self.set_font(_FONT, size=8)
        self.set_xy(_MARGIN, 10)
        self.cell(0, 4, self._layout.running_head)
        self.set_y(_MARGIN)

    def footer(self) -> None:
        if self.page_no() < 2:
            return
        self.set_font(_FONT, size=8)
        self.set_y(-15)
        label = self._layout.page_label.format(page=self.page_no(), pages=self.str_alias_nb_pages)
        self.cell(0, 4, label, align="R")


def build_pdf(layout: Layout) -> bytes:
    """The letter as PDF bytes; the same layout gives the same bytes (the date is fixed)."""
    pdf = _Sheet(layout)
    pdf.add_font(_FONT, "", str(_FONTS / "DejaVuSans.ttf"))
    pdf.add_font(_FONT, "B", str(_FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=_BOTTOM)
    pdf.set_title(layout.title)
    pdf.set_author(layout.author)
    pdf.set_creator("mailbot")
    pdf.set_lang(layout.lang)
    pdf.set_creation_date(layout.created)
    pdf.add_page()
    _letterhead(pdf, layout.letterhead)
    _window(pdf, layout.return_line, layout.address)
    _opening(pdf, layout)
    pdf.set_font(_FONT, size=10)
    # Ragged right, as Dutch letters are set: justified text also spreads words apart, which
    # text extraction turns into double spaces.
    pdf.multi_cell(0, _LINE, layout.body, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _signature(pdf, layout)
    return bytes(pdf.output())


def _letterhead(pdf: FPDF, lines: tuple[str, ...]) -> None:
    width = 210 - _MARGIN - _LETTERHEAD_LEFT
    pdf.set_xy(_LETTERHEAD_LEFT, _MARGIN)
    pdf.set_font(_FONT, "B", 12)
    pdf.multi_cell(width, 6, lines[0], align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(_FONT, size=8.5)
    pdf.set_y(pdf.get_y() + 1)
    for line in lines[1:]:
        pdf.set_x(_LETTERHEAD_LEFT)
        pdf.multi_cell(width, 4, line, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)


def _window(pdf: FPDF, return_line: str, address: tuple[str, ...]) -> None:
    left, width = WINDOW_LEFT + WINDOW_INSET, WINDOW_WIDTH - 2 * WINDOW_INSET
    bottom = WINDOW_TOP + WINDOW_HEIGHT - WINDOW_INSET
    y = WINDOW_TOP + WINDOW_INSET
    if return_line and _fits(pdf, (return_line,), 6.5, width):
        pdf.set_font(_FONT, size=6.5)
        pdf.set_xy(left, y)
        pdf.cell(width, 3, return_line)
        y += 5
    size = next((s for s in _ADDRESS_SIZES if _fits(pdf, address, s, width)), None)
    if size is None:
        widest = max(address, key=len)
        raise LetterError(
            f"the address line {widest!r} is too long for the envelope's window "
            f"({width:.0f} mm); shorten it"
        )
    if y + len(address) * _ADDRESS_LINE > bottom:
        raise LetterError(
            f"the address has {len(address)} lines with the name; the envelope's window "
            f"holds {int((bottom - y) // _ADDRESS_LINE)}"
        )
    pdf.set_font(_FONT, size=size)
    for line in address:
        pdf.set_xy(left, y)
        pdf.cell(width, _ADDRESS_LINE, line)
        y += _ADDRESS_LINE


def _fits(pdf: FPDF, lines: tuple[str, ...], size: float, width: float) -> bool:
    pdf.set_font(_FONT, size=size)
    return all(pdf.get_string_width(line) <= width for line in lines)


def _opening(pdf: FPDF, layout: Layout) -> None:
    pdf.set_xy(_MARGIN, _BODY_TOP)
    pdf.set_font(_FONT, size=10)
    pdf.cell(0, _LINE, layout.date_line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(_LINE)
    pdf.set_font(_FONT, "B", 10)
    label = layout.subject_label + " "
    pdf.cell(pdf.get_string_width(label), _LINE, label)
    pdf.set_font(_FONT, size=10)
    pdf.multi_cell(0, _LINE, layout.subject, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(_LINE * 1.5)


def _signature(pdf: FPDF, layout: Layout) -> None:
    """The closing, room to sign and the signer, kept together on one page."""
    needed = _LINE * (2 + len(layout.signer)) + _SIGNATURE_SPACE
    pdf.ln(_LINE)
    if pdf.get_y() + needed > pdf.h - _BOTTOM:
        pdf.add_page()
    pdf.set_font(_FONT, size=10)
    pdf.cell(0, _LINE, layout.closing, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(_SIGNATURE_SPACE)
    for i, line in enumerate(layout.signer):
        pdf.set_font(_FONT, "B" if i == 0 else "", 10)
        pdf.cell(0, _LINE, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
