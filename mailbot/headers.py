"""Pure helpers for header values: decoding, cleaning and Message-ID lists."""

from __future__ import annotations

import base64
import binascii
import codecs
import itertools
import re

# C0 controls, DEL and the C1 block; tabs too, since a header value is one line of text.
_CONTROL_RUN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# RFC 2047 encoded word; the text may not hold "?" or whitespace.
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")
_BRACKETED_ID = re.compile(r"<([^<>]*)>")
_ID_SEPARATORS = re.compile(r"[\s,]+")
_NON_ASCII_LETTER = re.compile(r"[^\x00-\x7f\ufffd]")

# Tried in order when bytes come without a usable charset: strict UTF-8 first because valid
# UTF-8 is almost never accidental; cp1252 before latin-1 because it is what "Latin-1" mail
# written on Windows really is; latin-1 last because it never fails.
FALLBACK_CHARSETS = ("utf-8", "cp1252", "latin-1")


def clean_header_value(value: str, max_length: int = 998) -> str:
    """One line of text that is safe to put in a header: controls gone, stripped, truncated."""
    return _CONTROL_RUN.sub(" ", value).strip()[:max_length].rstrip()


def normalize_message_id(value: str) -> str | None:
    """The id inside `<...>` (or the bare value), without brackets or whitespace; None if empty."""
    found = _BRACKETED_ID.search(value)
    inner = found.group(1) if found else value.strip("<> \t\r\n")
    # Long ids are sometimes folded inside the brackets; whitespace is never part of an id.
    inner = re.sub(r"\s+", "", _CONTROL_RUN.sub("", inner))
    return inner or None


def parse_message_id_list(value: str) -> tuple[str, ...]:
    """The ids of a References or In-Reply-To value, in order, each once."""
    candidates = _BRACKETED_ID.findall(value) if "<" in value else _ID_SEPARATORS.split(value)
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

    UTF-8 with a few broken bytes still counts as UTF-8 (the broken bytes become U+FFFD):
    reading the whole text as cp1252 would garble every correct character instead.
    """
    for charset in charsets:
        try:
            text = data.decode(charset)
        except (LookupError, UnicodeError, ValueError, TypeError):
            text = _mostly_utf8(data) if charset == "utf-8" else None
            if text is None:
                continue
        # Some codecs (utf-7, ...) can return lone surrogates, which are not text.
        if charset in FALLBACK_CHARSETS or not has_surrogates(text):
            return text, charset
    return data.decode("latin-1"), "latin-1"


def _mostly_utf8(data: bytes) -> str | None:
    text = data.decode("utf-8", "replace")
    broken = text.count("\ufffd")
    decoded = len(_NON_ASCII_LETTER.findall(text))
    return text if decoded >= 3 * broken else None


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
    try:
        codec = codecs.lookup(charset).name
    except LookupError:
        return decode_bytes(data)[0]
    return decode_bytes(data, (codec, *FALLBACK_CHARSETS))[0]
