"""Pure helpers for header values: decoding, cleaning and Message-ID lists."""

from __future__ import annotations

import base64
import binascii
import codecs
import itertools
import re

# C0 controls, DEL and the C1 block (tabs too, since a header value is one line of text),
# and the Unicode line and paragraph separators: each run becomes one space.
_CONTROL_RUN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# Invisible formatting that only serves to deceive in a header: the bidirectional
# embedding, override and isolate controls (they make "exe.pdf" read as "fdp.exe") and
# the byte-order mark. Removed.
_INVISIBLE = re.compile(r"[\u202a-\u202e\u2066-\u2069\ufeff]")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# RFC 2047 encoded word; the text may not hold "?" or whitespace.
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")
_BRACKETED_ID = re.compile(r"<([^<>]*)>")
_ID_SEPARATORS = re.compile(r"[\s,]+")
_PRINTABLE_ASCII = re.compile(r"[!-~]*")
_ESCAPED = re.compile(r"[\udc80-\udcff]")
# A multi-byte UTF-8 sequence cut off by the end of the data: a lead byte and at least one
# but fewer continuation bytes than it announces. (A lone lead byte at the end reads as a
# cp1252 letter like any other stray byte: "café" in Latin-1 ends in one.)
_CUT_OFF_AT_END = re.compile(
    r"(?:[\udce0-\udcef][\udc80-\udcbf]|[\udcf0-\udcf4][\udc80-\udcbf]{1,2})\Z"
)

# Tried in order when bytes come without a usable charset: UTF-8 first because valid UTF-8
# is almost never accidental; cp1252 before latin-1 because it is what "Latin-1" mail
# written on Windows really is; latin-1 last because it never fails.
FALLBACK_CHARSETS = ("utf-8", "cp1252", "latin-1")
# Labels that mean windows-1252 in practice (the WHATWG Encoding Standard maps them so):
# mail "in ISO-8859-1" from Windows is full of cp1252 quotes, dashes and euro signs.
_MEANS_CP1252 = frozenset({"ascii", "iso8859-1"})
# A Message-ID longer than this is no id but an attack on the header it gets copied into
# (In-Reply-To, References; a line may hold 998 characters).
MAX_MESSAGE_ID_LENGTH = 500


def clean_header_value(value: str, max_length: int = 998) -> str:
    """One line of text that is safe to put in a header: controls gone, stripped, truncated.

    Text that looks like an RFC 2047 encoded word and decodes to control characters is
    replaced by its (cleaned) decoded text: the stdlib's `EmailMessage` decodes encoded
    words in a value it is given and writes a decoded CR LF out as a new header line, and
    any reader would decode it too. Other encoded-word-like text is left as it is.
    """
    value = _defuse_encoded_words(_SURROGATE.sub("\ufffd", value))
    return _CONTROL_RUN.sub(" ", _INVISIBLE.sub("", value)).strip()[:max_length].rstrip()


def _defuse_encoded_words(value: str) -> str:
    if "=?" not in value:
        return value

    def defused(match: re.Match[str]) -> str:
        text = _peel(match)
        return _CONTROL_RUN.sub(" ", text) if _CONTROL_RUN.search(text) else match.group(0)

    return _ENCODED_WORD.sub(defused, value)


def _peel(match: re.Match[str]) -> str:
    """An encoded word decoded, and what it decodes to decoded again, layer after layer
    (each writer or reader on the way may take off one): the text a reader finally sees."""
    text = match.group(0)
    for _ in range(8):
        decoded = decode_encoded_words(text)
        if decoded == text:
            break
        text = decoded
    return text


def strip_comments(value: str) -> str:
    """The value without its RFC 5322 comments (nested ones too): each becomes a space.
    Quoted strings and `<...>` are kept as they are, so a "(" inside them is no comment.

    A quoted string inside a comment is kept whole too, although RFC 5322 reads `"` there
    as plain text: servers write addresses into comments as given (`(domain of
    "x) dmarc=pass (y"@evil.example ...)`), and a `)` inside such a quoted local part must
    not end the comment. An unterminated quote or comment runs to the end of the value.
    """
    out: list[str] = []
    depth = 0
    quoted = angled = escaped = False
    for char in value:
        keep = not depth
        if escaped:
            escaped = False
        elif char == "\\" and (quoted or depth):
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif char == '"' and not angled:
            quoted = True
        elif depth:
            depth += {"(": 1, ")": -1}.get(char, 0)
            if not depth:
                out.append(" ")
            continue
        elif angled:
            angled = char != ">"
        elif char == "<":
            angled = True
        elif char == "(":
            depth = 1
            continue
        if keep:
            out.append(char)
    return "".join(out)


def normalize_message_id(value: str) -> str | None:
    """The id inside `<...>` (or the bare value), without brackets or whitespace; None if
    empty or unusable: longer than any real id, not printable ASCII, or holding an RFC 2047
    encoded word (which a reader of the header this id gets copied into might decode)."""
    found = _BRACKETED_ID.search(value)
    if found:
        inner = found.group(1)
    else:
        inner = strip_comments(value).strip().strip("<> \t\r\n")
        inner = inner.split()[0] if inner.split() else ""
    # Long ids are sometimes folded inside the brackets; whitespace is never part of an id.
    inner = re.sub(r"\s+", "", _CONTROL_RUN.sub("", inner))
    if (
        len(inner) > MAX_MESSAGE_ID_LENGTH
        or not _PRINTABLE_ASCII.fullmatch(inner)
        or _ENCODED_WORD.search(inner)
    ):
        return None
    return inner or None


def parse_message_id_list(value: str) -> tuple[str, ...]:
    """The ids of a References or In-Reply-To value, in order, each once; comments (which
    some clients fill with the subject or an address) are no ids."""
    value = strip_comments(value)
    if "<" in value:
        candidates = [f"<{inner}>" for inner in _BRACKETED_ID.findall(value)]
    else:
        candidates = _ID_SEPARATORS.split(value)
    ids: dict[str, None] = {}
    for candidate in candidates:
        normalized = normalize_message_id(candidate)
        if normalized:
            ids.setdefault(normalized, None)
    return tuple(ids)


def unfold(value: str) -> str:
    """Undo header folding: a line break followed by white space is removed, the space kept."""
    return _FOLD.sub("", value)


def has_surrogates(value: str) -> bool:
    return _SURROGATE.search(value) is not None


def decode_bytes(data: bytes, charsets: tuple[str, ...] = FALLBACK_CHARSETS) -> tuple[str, str]:
    """Decode with the first charset that fits; returns (text, charset used). Never raises.

    Text that is UTF-8 but for some bytes (a Latin-1 quote pasted into UTF-8 text, a
    multi-byte character cut off) still counts as UTF-8: each stray byte is read as cp1252
    and a cut-off sequence becomes U+FFFD. Reading the whole text as cp1252 would garble
    every correct character instead. Without one valid multi-byte sequence, the bytes are
    not UTF-8 at all and the next charset is tried.
    """
    for charset in charsets:
        try:
            text = data.decode(charset)
        except (LookupError, UnicodeError, ValueError, TypeError):
            text = _mostly_utf8(data) if _is_utf8(charset) else None
            if text is None:
                continue
        # Some codecs (utf-7, ...) can return lone surrogates, which are not text.
        if charset in FALLBACK_CHARSETS or not has_surrogates(text):
            return text, charset
    return data.decode("latin-1"), "latin-1"


def _is_utf8(charset: str) -> bool:
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False


def _mostly_utf8(data: bytes) -> str | None:
    text = data.decode("utf-8", "surrogateescape")  # a stray byte b becomes U+DC00 + b
    if not any(ord(char) > 0x7F and not _ESCAPED.match(char) for char in text):
        return None
    cut = _CUT_OFF_AT_END.search(text)
    if cut:
        text = text[: cut.start()] + "\ufffd"
    return text.translate(_STRAY_BYTES)


def _single_byte(value: int) -> str:
    try:
        return bytes([value]).decode("cp1252")
    except UnicodeDecodeError:
        return bytes([value]).decode("latin-1")


_STRAY_BYTES = {0xDC00 + value: _single_byte(value) for value in range(0x80, 0x100)}


def preferred_codec(label: str | None) -> str | None:
    """The codec to read text declared in charset `label` with, or None when unknown.
    Declared ISO-8859-1 and US-ASCII are read as windows-1252, its superset in practice."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    return "cp1252" if name in _MEANS_CP1252 else name


def decode_raw_8bit(value: str) -> tuple[str, str | None]:
    """Recover raw 8-bit header bytes that the stdlib parser kept as surrogate escapes.

    Returns the text and the charset used, or None when the value held no raw bytes.
    """
    if not has_surrogates(value):
        return value, None
    data = value.encode("utf-8", "surrogateescape")
    return decode_bytes(data)


def decode_encoded_words(value: str) -> str:
    """Decode RFC 2047 encoded words and leave every other character exactly as it is.

    Written here rather than taken from `email.header.decode_header`, which round-trips
    the plain text between encoded words through `raw-unicode-escape` and so loses or
    rewrites non-ASCII letters and backslashes next to an encoded word.
    """
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []  # adjacent encoded words, decoded together
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        gap = value[position : match.start()]
        if gap and not (pending and gap.isspace()):
            # RFC 2047 6.2: white space between two encoded words is not displayed.
            _flush_words(pending, out)
            out.append(gap)
        pending.append((_charset_name(match.group(1)), _word_bytes(match)))
        position = match.end()
    _flush_words(pending, out)
    out.append(value[position:])
    return "".join(out)


def decode_header_value(raw: str) -> tuple[str, str | None]:
    """A raw header value as the stdlib parser keeps it, as text: unfolded, 8-bit bytes
    decoded, encoded words decoded. Returns (text, charset used for raw 8-bit bytes)."""
    text, raw_charset = decode_raw_8bit(unfold(raw))
    return decode_encoded_words(text), raw_charset


def _charset_name(label: str) -> str:
    # RFC 2231 allows a language after "*": "utf-8*nl".
    return label.split("*", 1)[0].strip().lower()


def _word_bytes(match: re.Match[str]) -> bytes:
    encoding, text = match.group(2).upper(), match.group(3)
    if encoding == "Q":
        return _q_decode(text)
    return _b_decode(text)


def _q_decode(text: str) -> bytes:
    return binascii.a2b_qp(text.encode("utf-8", "surrogateescape"), header=True)


def _b_decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.b64decode(padded)
    except (binascii.Error, ValueError):
        return text.encode("ascii", "replace")


def _flush_words(pending: list[tuple[str, bytes]], out: list[str]) -> None:
    # Words in one charset are joined before decoding: senders split multi-byte
    # characters across words although RFC 2047 forbids it.
    for charset, words in itertools.groupby(pending, key=lambda word: word[0]):
        out.append(_decode_word_bytes(b"".join(data for _, data in words), charset))
    pending.clear()


def _decode_word_bytes(data: bytes, charset: str) -> str:
    codec = preferred_codec(charset)
    if codec is None:
        return decode_bytes(data)[0]
    return decode_bytes(data, (codec, *FALLBACK_CHARSETS))[0]


def message_id_domain(address: str) -> str:
    """The right-hand side of mailbot's Message-IDs: its own, so a person's mail from the
    organisation's domain is never taken for mailbot's."""
    return "mailbot." + (address.rpartition("@")[2].lower() or "invalid")
