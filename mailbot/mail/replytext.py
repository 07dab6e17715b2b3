"""Pure: the new text of a reply — quoted text, reply headers and signatures removed.

Three signals, strongest first: the reply markers the mail clients write into HTML (quotes
are taken out by structure), mailbot's own text of the mail being answered (a passage
repeating it is quoted, however it is marked), and the shapes quoted text has in plain text
("> " lines, attributions, header blocks). The author's lines are kept wherever they stand:
above the quote, below it, or between quoted lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html.parser import HTMLParser

from mailbot.mail.html import html_to_text

# Where a quote was taken out of the HTML: a line the text rules treat like "> " lines.
_GAP = "\ue000quote\ue000"
_GAP_HTML = f"<div>{_GAP}</div>"
# A reply's HTML larger than this is read as text only: the structure pass holds every
# element in memory, and no person's reply is this large without attachments.
_LARGEST_HTML = 1_000_000

# --- HTML: the clients' reply markers -----------------------------------------------------

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
# Whole elements that are the quote (or a client's signature): taken out, what follows stays.
_QUOTE_CLASSES = ("gmail_quote", "moz-cite-prefix", "yahoo_quoted", "protonmail_quote")
_SIGNATURE_IDS = ("ms-outlook-mobile-signature", "composer_signature")
# Elements after which everything is the quoted original (Outlook, Zimbra, old Hotmail).
_CUT_IDS = (
    "appendonsend",
    "divrplyfwdmsg",
    "mail-editor-reference-message-container",
    "zwchr",
    "stopspelling",
)
_OUTLOOK_BORDERS = ("border-top:solid#e1e1e1", "border-top:solid#b5c4df")
_BLOCKQUOTE = re.compile(r"<(/?)blockquote\b[^>]*>", re.IGNORECASE)


class _Elements(HTMLParser):
    """Each element's tag, attributes and span in the source (unclosed ones run on)."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0]
        for found in re.finditer("\n", source):
            self.line_starts.append(found.end())
        self.elements: list[list] = []  # [tag, attrs, start, end]
        self.open: list[list] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        element = [tag, {k.lower(): (v or "") for k, v in attrs}, start, None]
        self.elements.append(element)
        if tag in _VOID:
            element[3] = start + len(self.get_starttag_text() or "")
        else:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if self.open and self.open[-1][0] == tag and self.open[-1][3] is None:
            element = self.open.pop()
            element[3] = element[2] + len(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                close = self.source.find(">", self._offset())
                end = len(self.source) if close < 0 else close + 1
                for element in self.open[i:]:
                    element[3] = end
                del self.open[i:]
                return

    def spans(self) -> list[list]:
        try:
            self.feed(self.source)
            self.close()
        except Exception:  # html.parser is lenient; a hostile page still gives what it read
            pass
        for element in self.open:
            element[3] = len(self.source)
        return self.elements


def _is_quote(tag: str, attrs: dict[str, str]) -> bool:
    classes = attrs.get("class", "").lower()
    if any(name in classes for name in _QUOTE_CLASSES):
        return True
    if tag == "blockquote" and attrs.get("type", "").lower() == "cite":
        return True
    return attrs.get("id", "").lower() in _SIGNATURE_IDS


def _is_cut(tag: str, attrs: dict[str, str]) -> bool:
    if attrs.get("id", "").lower() in _CUT_IDS:
        return True
    if "ms-outlook-mobile-reference-message" in attrs.get("class", "").lower():
        return True
    style = re.sub(r"\s+", "", attrs.get("style", "")).lower()
    return tag == "div" and any(border in style for border in _OUTLOOK_BORDERS)


def _author_blockquotes(html: str, bare_is_author: bool) -> str:
    """A blockquote that marks no quote (Gmail's indent button: `border:none`, no cite, no
    quote class) is the author's own indented text: made a div, so the converter does not
    write it as "> " lines. A bare <blockquote> is the author's only in a mail whose client
    marks its quotes with a cite (Thunderbird's indent button); else it stays a quote."""
    renamed: list[bool] = []

    def rename(match: re.Match[str]) -> str:
        if match.group(1):
            return "</div>" if renamed and renamed.pop() else match.group(0)
        attrs = match.group(0)[len("<blockquote") :].lower()
        quote = "cite" in attrs or "quote" in attrs or "border-left" in attrs
        author = not quote and (bool(attrs.strip(" >")) or bare_is_author)
        renamed.append(author)
        return "<div>" if author else match.group(0)

    return _BLOCKQUOTE.sub(rename, html)


def strip_html_quotes(html: str) -> tuple[str, bool]:
    """The HTML with the quotes the clients marked taken out (each leaves a gap line), and
    whether any marker was found."""
    elements = _Elements(html).spans()
    cut = min((e[2] for e in elements if _is_cut(e[0], e[1])), default=len(html))
    spans = sorted((e[2], e[3]) for e in elements if e[2] < cut and _is_quote(e[0], e[1]))
    parts, position, marked = [], 0, cut < len(html)
    for start, end in spans:
        if start < position:
            continue  # inside a quote already taken out
        parts += [html[position:start], _GAP_HTML]
        position, marked = min(end, cut), True
    parts.append(html[position:cut])
    if cut < len(html):
        parts.append(_GAP_HTML)
    # The blockquotes left are marked with a cite, a quote class or a border: a quote; or
    # not, and then the author's own indentation.
    cites = any(e[0] == "blockquote" and e[1].get("type", "").lower() == "cite" for e in elements)
    return _author_blockquotes("".join(parts), cites), marked


# --- plain text: the shapes of quoted text ---------------------------------------------------

# An attribution names a date or an address, and is no sentence that ends before its colon
# ("Op 28 november schreef u ons dat uw factuur te hoog was. Dat klopt:").
_DATE_OR_ADDRESS = r"(?=.*(?:\d|@|<))(?!.*(?-i:[a-z]{2}[.!?]\s+[A-Z]))"
_ATTRIBUTION = (
    re.compile(_DATE_OR_ADDRESS + r"\s*On\b.{4,300}\bwrote\s*:\s*$", re.IGNORECASE),
    re.compile(
        _DATE_OR_ADDRESS + r"\s*Op\b.{4,300}\b(schreef|het volgende geschreven)\b.{0,300}:\s*$",
        re.IGNORECASE,
    ),
    # "Name <address> wrote:" / "Name <address> schreef:"
    re.compile(r"\s*\S.{0,200}@[^\s<>]+>?\s*(wrote|schreef)\s*:\s*$", re.IGNORECASE),
    # "Name <address> schreef op DATE:" / "Name wrote on DATE:" (webmail, Outlook.com)
    re.compile(
        _DATE_OR_ADDRESS + r"\s*\S.{0,200}\b(schreef|wrote)\s+(op|on)\b.{2,120}:\s*$",
        re.IGNORECASE,
    ),
)
_DASHED_WORD = re.compile(r"\b(wrote|schreef|geschreven)\b", re.IGNORECASE)
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(Original Message|Oorspronkelijk bericht|Origineel bericht|Forwarded message|"
    r"Doorgestuurd bericht|Original message|Doorgestuurde e-mail)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_FORWARD = re.compile(r"^\s*(Begin forwarded message|Begin doorgestuurd bericht)\s*:\s*$", re.I)
_RULE = re.compile(r"^\s*_{10,}\s*$")  # Outlook's line before its header block
_FROM = re.compile(r"^\s*\*{0,2}(Van|From)\s*:\s*\*{0,2}\s*\S", re.IGNORECASE)
_HEADER = re.compile(
    r"^\s*\*{0,2}(Verzonden|Sent|Datum|Date|Aan|To|Onderwerp|Subject|Cc)\s*:", re.IGNORECASE
)
_LABEL = re.compile(
    r"\b(Van|From|Verzonden|Sent|Datum|Date|Aan|To|Onderwerp|Subject)\s*:", re.IGNORECASE
)
_LABEL_ORDER = (("van", "from"), ("verzonden", "sent", "datum", "date"),
                ("aan", "to", "onderwerp", "subject"))  # fmt: skip
_LONGEST_MARK = 600  # longer lines are prose, never an attribution or a header line
_SIGNATURE = re.compile(r"^-- ?$")
_MOBILE = re.compile(
    r"^\s*(Sent from my|Sent from Outlook for|Get Outlook for|Verzonden (vanaf|met|vanuit) "
    r"(mijn|Outlook)|Verstuurd (vanaf|met|vanuit) mijn|Outlook voor (iOS|Android) downloaden)"
    r"\b.{0,60}$",
    re.IGNORECASE,
)
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_RULER = re.compile(r"^\s*(\* \* \*|-{3,}|_{3,})\s*$")  # an <hr> as html2text writes it


def _quoted(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith(">") or stripped == _GAP


def _header_block(lines: Sequence[str], i: int, need: int = 2, ruled: bool = False) -> bool:
    """A "Van:"/"From:" line with at least `need` more header lines after it, naming an
    address or a moment (year and time): a client's, not "Van: 10:00 / Datum: ..." in prose.
    After Outlook's rule of underscores (`ruled`) one header line is enough."""
    if not _FROM.match(lines[i]):
        return False
    following = [line for line in lines[i + 1 : i + 7] if line.strip()][:5]
    found = [(m.group(1).lower(), line) for line in following if (m := _HEADER.match(line))]
    if len({label for label, _ in found}) < need:
        return False
    if ruled or re.search(r"@|<|mailto:", lines[i]):
        return True
    return any(
        label in _MOMENT_LABELS and _TIME.search(line) and _YEAR.search(line)
        for label, line in found
    )


_MOMENT_LABELS = frozenset({"verzonden", "sent", "datum", "date"})


def _starts_original(lines: Sequence[str], i: int) -> bool:
    """Whether the quoted original starts at line i and runs to the end (no "> " marks)."""
    line = lines[i]
    if len(line) > _LONGEST_MARK:
        return False
    if _SIGNATURE.match(line) or _SEPARATOR.match(line) or _FORWARD.match(line):
        return True
    if _dashed_attribution(line) or _joined_headers(line):
        return True
    if _RULE.match(line):
        following = range(i + 1, min(i + 4, len(lines)))
        return any(_header_block(lines, j, 1, ruled=True) for j in following)
    return _header_block(lines, i)


def _dashed_attribution(line: str) -> bool:
    """ "-----On ... wrote-----", "-----Op ... schreef Naam <adres>-----" """
    text = line.strip()
    return text.startswith("---") and text.endswith("---") and bool(_DASHED_WORD.search(text))


def _joined_headers(line: str) -> bool:
    """A header block that a converter joined on one line: From, then Sent or Date, then To
    or Subject."""
    step = 0
    for found in _LABEL.finditer(line):
        if found.group(1).lower() in _LABEL_ORDER[step]:
            step += 1
            if step == len(_LABEL_ORDER):
                return True
    return False


def _attribution(lines: Sequence[str], i: int) -> int:
    """How many lines (1 to 3) from i form an "On ... wrote:" line, wrapped or not; 0 if none."""
    for size in (1, 2, 3):
        if i + size > len(lines) or any(not lines[j].strip() for j in range(i, i + size)):
            return 0
        joined = " ".join(lines[j].strip() for j in range(i, i + size))
        if len(joined) > _LONGEST_MARK:
            return 0
        if any(p.match(joined) for p in _ATTRIBUTION):
            return size
    return 0


def _next_is_quote(lines: Sequence[str], i: int) -> bool:
    """The next line that is not blank is quoted, or there is none."""
    for line in lines[i:]:
        if line.strip():
            return _quoted(line)
    return True


# --- mailbot's own text ------------------------------------------------------------------------

_WORD = re.compile(r"\w+")
_SHINGLE = 5  # words that must agree before a line counts as repeating mailbot's text
_PASSAGE = 8  # words a repeated passage holds at least


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class _SentText:
    """The texts mailbot sent, indexed to tell whether a line repeats them."""

    def __init__(self, sent: Iterable[str]) -> None:
        self.flat = [" ".join(_words(text)) for text in sent if text]
        self.shingles: set[tuple[str, ...]] = set()
        for text in self.flat:
            words = text.split()
            for k in range(len(words) - _SHINGLE + 1):
                self.shingles.add(tuple(words[k : k + _SHINGLE]))

    def covers(self, line: str) -> bool:
        words = _words(line)
        if not words or not self.flat:
            return False
        if len(words) < _SHINGLE:
            phrase = " " + " ".join(words) + " "
            return any(phrase in f" {text} " for text in self.flat)
        covered = [False] * len(words)
        for k in range(len(words) - _SHINGLE + 1):
            if tuple(words[k : k + _SHINGLE]) in self.shingles:
                covered[k : k + _SHINGLE] = [True] * _SHINGLE
        return all(covered)


def _drop_repeats(lines: list[str], keep: list[bool], sent: _SentText) -> None:
    """Runs of lines that repeat mailbot's text (blank lines inside a run allowed) are
    quoted, when they hold a passage (a short line such as a greeting may recur)."""
    run: list[int] = []
    for i in [*range(len(lines)), len(lines)]:
        line = lines[i] if i < len(lines) else None
        if line is not None and (not keep[i] or not _words(line)):
            continue
        if line is not None and sent.covers(line):
            run.append(i)
            continue
        if sum(len(_words(lines[j])) for j in run) >= _PASSAGE:
            for j in run:
                keep[j] = False
        run = []


def quoted_passage(text: str, sent: Iterable[str]) -> str:
    """The first passage of at least eight words of `text` that repeats mailbot's text, or
    "" when there is none."""
    index = _SentText(sent)
    if not index.flat:
        return ""
    passages = {
        tuple(words[k : k + _PASSAGE])
        for words in (t.split() for t in index.flat)
        for k in range(len(words) - _PASSAGE + 1)
    }
    for line in text.split("\n"):
        words = _words(line)
        for k in range(len(words) - _PASSAGE + 1):
            if tuple(words[k : k + _PASSAGE]) in passages:
                return line.strip()
    words = _words(text)  # a passage wrapped over lines
    for k in range(len(words) - _PASSAGE + 1):
        if tuple(words[k : k + _PASSAGE]) in passages:
            return " ".join(words[k : k + _PASSAGE])
    return ""


# --- the new text ---------------------------------------------------------------------------


def new_text(text: str, html: str | None = None, sent: Iterable[str] = ()) -> str:
    """What the sender wrote in this mail, without what they replied to. `text` is the
    mail's plain text, `html` its HTML body if any, `sent` the texts of mailbot's mail it
    answers."""
    source = text
    if html and len(html) <= _LARGEST_HTML:
        stripped, marked = strip_html_quotes(html)
        if marked or text.strip() == html_to_text(html).strip():
            source = html_to_text(stripped)
    return _author_text(source.replace("\r\n", "\n").split("\n"), _SentText(sent))


def _author_text(lines: list[str], sent: _SentText) -> str:
    end = next((i for i in range(len(lines)) if _starts_original(lines, i)), len(lines))
    lines = lines[:end]
    keep = [True] * len(lines)
    i = 0
    while i < len(lines):
        if _quoted(lines[i]) or _broken_wrap(lines, i):
            keep[i] = False
        elif size := _attribution(lines, i):
            if _next_is_quote(lines, i + size):
                keep[i : i + size] = [False] * size
            elif _machine_written(" ".join(lines[i : i + size])):
                # The original follows without "> " marks (Yahoo, Apple on iOS, some webmail).
                keep[i:] = [False] * (len(lines) - i)
                break
            i += size
            continue
        elif _MOBILE.match(lines[i]):
            keep[i] = False
        i += 1
    _drop_repeats(lines, keep, sent)
    kept = [line.rstrip() for line, k in zip(lines, keep, strict=True) if k]
    return _tidy(kept)


def _machine_written(attribution: str) -> bool:
    """An attribution a mail client wrote: with the address, or with the year and the time
    (a person's "Op 2 december schreef de trainer:" has neither)."""
    return "@" in attribution or bool(_TIME.search(attribution) and _YEAR.search(attribution))


def _broken_wrap(lines: Sequence[str], i: int) -> bool:
    """A line without "> " between two quoted lines, right after a long one: the rest of a
    quoted line that a client wrapped after quoting it (Gmail on Android)."""
    if i == 0 or i + 1 >= len(lines) or not lines[i].strip():
        return False
    before, after = lines[i - 1], lines[i + 1]
    return _quoted(before) and len(before) >= 60 and _quoted(after)


def _tidy(lines: list[str]) -> str:
    """Blank runs made one; rulers and blank lines at either end dropped."""
    out: list[str] = []
    for line in lines:
        if line.strip() or (out and out[-1].strip()):
            out.append(line)
    while out and (not out[-1].strip() or _RULER.match(out[-1])):
        out.pop()
    while out and (not out[0].strip() or _RULER.match(out[0])):
        out.pop(0)
    return "\n".join(out)
