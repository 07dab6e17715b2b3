"""Raw message bytes to InboundMail; the only module that imports mailparser."""

from __future__ import annotations

import codecs
import hashlib
import io
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.policy import default as default_policy
from email.utils import getaddresses

import mailparser
from mailparser.exceptions import MailParserRecursionError
from mailparser.utils import get_addresses

from mailbot.errors import MailParseError
from mailbot.inbound.rawparse import decoded_payload, message_from_bytes
from mailbot.mail.authresults import AMBIGUOUS_FROM
from mailbot.mail.headers import (
    FALLBACK_CHARSETS,
    clean_header_value,
    decode_bytes,
    decode_encoded_words,
    decode_header_value,
    normalize_message_id,
    parse_message_id_list,
    preferred_codec,
    unfold,
)
from mailbot.mail.html import html_to_text
from mailbot.model import Attachment, InboundMail

# mail-parser logs a warning for every part type it does not render (delivery-status,
# images, ...): routine for mailbot, noise in the journal.
logging.getLogger("mailparser").setLevel(logging.ERROR)

SYNTHETIC_ID_DOMAIN = "mailbot.invalid"
_MAX_DEFECT_LENGTH = 120
# Declared charsets that senders get wrong most: UTF-8 text labelled as one of these is
# common, while Latin-1 text that happens to be valid UTF-8 is vanishingly rare.
_UTF8_FIRST = frozenset({"cp1252", "iso8859-15"})  # ISO-8859-1 and ASCII: read as cp1252
_BODY_TYPES = ("text/plain", "text/html")
# Control characters have no place in text people read (tab and line feed excepted); a NUL
# or an escape sequence copied into a staff notice only does harm.
_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]+")
# RFC 5322 3.6: these appear at most once; a second one is a forgery or a broken client.
_SINGLE_HEADERS = ("from", "sender", "reply-to", "to", "cc", "subject", "date", "message-id",
                   "in-reply-to", "references")  # fmt: skip
# A line that looks like a MIME boundary, for mail whose declared boundary is wrong.
_BOUNDARY_LINE = re.compile(rb"^--([^\s\"\\]{1,200}?)(?:--)?[ \t]*\r?$", re.MULTILINE)
_MAX_BOUNDARY_REPAIRS = 8
_MAX_FILENAME = 255


@dataclass
class _Body:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    repairs: int = 0


def parse_message(raw: bytes) -> InboundMail:
    """Parse one raw message. Raises MailParseError when it cannot be read at all."""
    if not raw.strip():
        raise MailParseError("empty message")
    parsed = _run_mailparser(raw)
    try:
        return _build(raw, parsed)
    except Exception as exc:
        raise MailParseError(f"cannot read message ({type(exc).__name__})") from exc


def _run_mailparser(raw: bytes) -> mailparser.MailParser:
    try:
        parsed = mailparser.MailParser(message_from_bytes(raw))  # in slices: bounded memory
    except (MailParserRecursionError, RecursionError) as exc:
        raise MailParseError("message nested too deeply to parse") from exc
    except Exception as exc:
        raise MailParseError(f"cannot parse message ({type(exc).__name__})") from exc
    if parsed.message is None:
        raise MailParseError("cannot parse message (no structure)")
    return parsed


def _build(raw: bytes, parsed: mailparser.MailParser) -> InboundMail:
    digest = hashlib.sha256(raw).hexdigest()
    defects = _library_defects(parsed.defects)
    headers = _decoded_headers(parsed.message, defects)
    first = _first_values(headers)
    body = _extract_body(parsed.message)
    defects.extend(body.defects)
    defects.extend(_repeated_headers(headers))
    from_name, from_addr = _sender(parsed.message, defects)
    # Message-IDs are taken as written: an encoded word in an id is no encoded word.
    ids = {name: _raw_text_values(parsed.message, name)[:1] for name in _ID_HEADERS}
    message_id = normalize_message_id("".join(ids["message-id"]))
    if message_id is None:
        message_id = f"{digest}@{SYNTHETIC_ID_DOMAIN}"
        what = "unusable" if ids["message-id"] else "no"
        defects.append(f"{what} Message-ID: synthetic id from the SHA-256")
    return InboundMail(
        message_id=message_id,
        from_addr=from_addr,
        from_name=from_name,
        to=_address_list(parsed.message, "to", defects),
        cc=_address_list(parsed.message, "cc", defects),
        subject=clean_header_value(first.get("subject", "")),
        date=_aware(parsed.date),
        in_reply_to=parse_message_id_list("".join(ids["in-reply-to"])),
        references=parse_message_id_list("".join(ids["references"])),
        text=_body_text(body),
        headers=headers,
        attachments=tuple(body.attachments),
        defects=tuple(dict.fromkeys(d[:_MAX_DEFECT_LENGTH] for d in defects)),
        sha256=digest,
        html="\n".join(body.html) if body.html else None,
    )


# --- headers ------------------------------------------------------------------------------


def _decoded_headers(message: Message, defects: list[str]) -> tuple[tuple[str, str], ...]:
    # mail-parser's own header values lose raw 8-bit bytes ("Grüße" -> "Gre"), so every
    # value is decoded here from the stdlib message that mail-parser already built.
    result = []
    for name, raw in message.raw_items():
        value, raw_charset = decode_header_value(str(raw))
        if raw_charset not in (None, "utf-8"):
            defects.append(f"raw 8-bit header {name}: decoded as {raw_charset}")
        result.append((str(name), value))
    return tuple(result)


_ID_HEADERS = ("message-id", "in-reply-to", "references")


def _repeated_headers(headers: Iterable[tuple[str, str]]) -> list[str]:
    counts = Counter(name.lower() for name, _ in headers)
    return [
        f"{count} {name.title()} headers: the first one counts"
        for name in _SINGLE_HEADERS
        if (count := counts[name]) > 1
    ]


def _first_values(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    first: dict[str, str] = {}
    for name, value in headers:
        first.setdefault(name.lower(), value)
    return first


def _raw_text_values(message: Message, name: str) -> list[str]:
    """Unfolded values with raw 8-bit bytes decoded but encoded words kept, as an address
    parser needs them (an encoded display name may hide a comma or an angle bracket)."""
    values = []
    for header, raw in message.raw_items():
        if header.lower() == name:
            text = unfold(str(raw))
            values.append(_decode_surrogates(text))
    return values


def _decode_surrogates(text: str) -> str:
    if text.isascii():
        return text
    try:
        data = text.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return text
    return decode_bytes(data)[0]


def _addresses(
    message: Message, name: str, defects: list[str], first_only: bool = False
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    values = _raw_text_values(message, name)
    for value in values[:1] if first_only else values:
        try:
            found.extend(get_addresses(value))
        except Exception as exc:
            defects.append(f"{name}: unreadable address list ({type(exc).__name__})")
    # Display names are decoded here, like every other header text (the library's own
    # decoding gives up on names that decode to line breaks, leaving the encoded word).
    return [
        (decode_encoded_words(str(display)), str(address)) for display, address in found if address
    ]


def _sender(message: Message, defects: list[str]) -> tuple[str, str]:
    found = _addresses(message, "from", defects, first_only=True)
    if len(found) > 1:
        defects.append(f"From holds {len(found)} addresses: the first one counts")
    if not found:
        defects.append("no From address")
        return "", ""
    display, address = found[0]
    address = clean_header_value(address).lower()
    if not _usable_address(address):
        defects.append("From address unusable")
        address = ""
    doubt = _sender_doubt(_raw_text_values(message, "from"), [a for _, a in found])
    if doubt:
        defects.append(f"{AMBIGUOUS_FROM}: {doubt}")
    return clean_header_value(display), address


def _sender_doubt(values: list[str], found: list[str]) -> str | None:
    """Why the From header may name another sender than the one mailbot reads, or None.
    mail-parser and the stdlib's two address parsers must each find the same one address:
    `attacker@evil.example <bram@example.org>` is Bram to one, the attacker to another."""
    if len(values) != 1:
        return f"{len(values)} From headers"
    if len(found) != 1:
        return f"{len(found)} addresses"
    readings = {"mail-parser": found}
    readings["email.utils"] = [address for _, address in getaddresses(values)]
    try:
        header = default_policy.header_factory("from", values[0])
        readings["email.headerregistry"] = [a.addr_spec for a in header.addresses]
    except Exception as exc:  # the stdlib raises more than one kind on hostile input
        return f"unreadable to email.headerregistry ({type(exc).__name__})"
    mine = _address_key(found[0])
    for name, addresses in readings.items():
        if [_address_key(a) for a in addresses] != [mine]:
            return f"{name} reads {', '.join(addresses) or 'no address'}"[:80]
    return None


def _address_key(address: str) -> str:
    return clean_header_value(str(address)).lower()


def _usable_address(address: str) -> bool:
    """An address mail can go to: a local part and a domain, no white space, and no RFC 2047
    encoded word (forbidden in an address; a header writer would decode it and so make
    the header say another address than the envelope)."""
    local, at, domain = address.rpartition("@")
    return bool(at and local and domain) and " " not in address and "=?" not in address


def _address_list(message: Message, name: str, defects: list[str]) -> tuple[str, ...]:
    cleaned = (
        clean_header_value(address).lower() for _, address in _addresses(message, name, defects)
    )
    return tuple(dict.fromkeys(address for address in cleaned if _usable_address(address)))


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _library_defects(reported: Iterable[object]) -> list[str]:
    # mail-parser reports a list of {where: [descriptions]}; keep "where: Kind[: detail]".
    result = []
    for entry in reported:
        if not isinstance(entry, dict):
            continue
        for where, items in entry.items():
            for item in items if isinstance(items, list) else [items]:
                # Its charset notes are about its own body decoding, which mailbot redoes.
                if not str(item).startswith("CharsetDecodeDefect"):
                    result.append(_short_defect(str(where), str(item)))
    return result


def _short_defect(where: str, description: str) -> str:
    kind, _, detail = description.partition(": ")
    # The stdlib's defects carry their class docstring as detail: long and generic.
    text = kind if detail.endswith(".") or not detail else f"{kind}: {detail}"
    return f"{where}: {text}"[:_MAX_DEFECT_LENGTH]


# --- body and attachments -----------------------------------------------------------------


def _extract_body(message: Message) -> _Body:
    body = _Body()
    for part, attached in _leaves(message, body):
        content_type = part.get_content_type()
        if not attached and _is_body_text(part, content_type):
            _add_text(body, part, content_type)
        elif not attached and part.get_content_maintype() == "multipart":
            # A multipart that cannot be split: its body is all the text there is.
            body.defects.append(f"{content_type}: no usable boundary, body read as text")
            _add_text(body, part, "text/plain")
        else:
            _add_attachment(body, part, content_type)
    return body


def _leaves(message: Message, body: _Body) -> Iterator[tuple[Message, bool]]:
    """Leaf parts in order, with whether they sit inside an attachment. Iterative, because
    a hostile message can nest deeper than the recursion limit; message/* parts are leaves
    (an attached mail is one attachment, never unpacked). A multipart whose declared
    boundary is missing or wrong is split on the boundary its body really uses."""
    stack: list[tuple[Message, bool]] = [(message, False)]
    while stack:
        part, attached = stack.pop()
        children = part.get_payload() if part.is_multipart() else None
        if children is None and part.get_content_maintype() == "multipart":
            children = _split_on_used_boundary(part, body)
        if isinstance(children, list) and part.get_content_maintype() != "message":
            inside = attached or _disposition(part) == "attachment"
            stack.extend((child, inside) for child in reversed(children))
        else:
            yield part, attached


def _split_on_used_boundary(part: Message, body: _Body) -> list[Message] | None:
    if body.repairs >= _MAX_BOUNDARY_REPAIRS:
        return None
    body.repairs += 1
    data = _unsplit_bytes(part)
    found = _BOUNDARY_LINE.search(data)
    if found is None:
        return None
    boundary = found.group(1)
    head = b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\n\n'
    try:
        repaired = BytesParser(policy=compat32).parsebytes(head + data)
    except Exception:  # RecursionError on hostile nesting, or anything else: keep the text
        return None
    children = repaired.get_payload() if repaired.is_multipart() else None
    if not isinstance(children, list) or not children:
        return None
    declared = part.get_param("boundary")
    name = boundary.decode("ascii", "replace")
    body.defects.append(
        f"{part.get_content_type()}: split on boundary {name!r} used in the body"
        + (" instead of the declared one" if declared else " (none declared)")
    )
    return children


def _unsplit_bytes(part: Message) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, bytes):
        return payload
    if not isinstance(payload, str):
        return b""
    return payload.encode("utf-8", "surrogateescape")


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


def _is_body_text(part: Message, content_type: str) -> bool:
    if content_type not in _BODY_TYPES:
        return False
    disposition = _disposition(part)
    if disposition == "inline":
        return True
    return disposition != "attachment" and not _filename(part)


def _add_text(body: _Body, part: Message, content_type: str) -> None:
    if part.get_content_maintype() == "multipart":
        data, declared = _unsplit_bytes(part), None
    else:
        data, declared = _payload_bytes(part, body.defects), _declared_charset(part, body.defects)
    text, defect = _decode_text(data, declared)
    if defect:
        body.defects.append(f"{content_type}: {defect}")
    text = text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")
    text, removed = _TEXT_CONTROLS.subn("", text)
    if removed:
        body.defects.append(f"{content_type}: control characters removed")
    (body.plain if content_type == "text/plain" else body.html).append(text)


def _add_attachment(body: _Body, part: Message, content_type: str) -> None:
    if part.is_multipart():
        payload = _flattened_body(part, body.defects)
    else:
        payload = _payload_bytes(part, body.defects)
    body.attachments.append(Attachment(_filename(part), content_type, payload))


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    if not name:
        return None
    # Outlook sends RFC 2047 words inside the parameter; raw 8-bit names arrive as escapes.
    # The name is metadata only, never a path; still, no control character (NUL, CR, LF)
    # survives, and it is cut to what a file system could hold, keeping the extension.
    text = clean_header_value(decode_header_value(str(name))[0], max_length=10 * _MAX_FILENAME)
    if len(text) > _MAX_FILENAME:
        stem, dot, extension = text.rpartition(".")
        keep = dot + extension if stem and len(extension) <= 16 else ""
        text = text[: _MAX_FILENAME - len(keep)] + keep
    return text or None


def _payload_bytes(part: Message, defects: list[str]) -> bytes:
    try:
        data = decoded_payload(part)
    except Exception as exc:
        defects.append(f"{part.get_content_type()}: unreadable payload ({type(exc).__name__})")
        return b""
    return data if isinstance(data, bytes) else b""


def _flattened_body(part: Message, defects: list[str]) -> bytes:
    """The content of an attached message (or the blocks of a delivery-status) as bytes."""
    chunks = []
    for child in part.get_payload():
        buffer = io.BytesIO()
        try:
            BytesGenerator(buffer, mangle_from_=False, maxheaderlen=0).flatten(child, linesep="\n")
        except Exception as exc:
            defects.append(f"{part.get_content_type()}: unreadable part ({type(exc).__name__})")
            return b""
        chunks.append(buffer.getvalue())
    return b"".join(chunks)


def _declared_charset(part: Message, defects: list[str]) -> str | None:
    try:
        charset = part.get_content_charset()
    except Exception:
        return None
    if not charset:
        return None
    try:
        return codecs.lookup(charset).name
    except (LookupError, ValueError):
        defects.append(f"{part.get_content_type()}: unknown charset {charset[:40]!r}")
        return None


def _decode_text(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """Text and, when the declared charset did not fit, a note saying what was used."""
    codec = preferred_codec(declared)  # declared ISO-8859-1 and US-ASCII read as cp1252
    if codec in (None, *_UTF8_FIRST):
        if data.isascii():
            return data.decode("ascii"), None
        order: tuple[str, ...] = ("utf-8", *(c for c in (codec,) if c), "cp1252", "latin-1")
    else:
        order = (codec, *FALLBACK_CHARSETS)
    text, used = decode_bytes(data, order)
    if declared is None or used == codec or (declared == "ascii" and used == "utf-8"):
        return text, None
    return text, f"declared charset {declared}, decoded as {used}"


def _body_text(body: _Body) -> str:
    if any(text.strip() for text in body.plain):
        return "\n\n".join(text for text in body.plain if text.strip())
    if body.html:
        return html_to_text("\n".join(body.html))
    return ""
