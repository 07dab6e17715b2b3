"""Pure: does the trusted server's Authentication-Results (RFC 8601) vouch for the sender?"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailbot.headers import strip_comments
from mailbot.model import InboundMail

# The start of the defect `parse` records when the From header cannot be read one way: more
# than one address or From header, or parsers that read another address. Such a From is
# never vouched for: the server authenticated one reading of it, mailbot might act on another.
AMBIGUOUS_FROM = "From is ambiguous"

# A quoted string (its escapes kept; unterminated, it runs to the end), a run of plain text,
# white space, or one of the separators ";" and "=".
_PIECE = re.compile(r'"(?:\\[\s\S]|[^"\\])*(?:"|\\?\Z)|[^\s;="]+|\s+|[;=]')
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_FAIL_TEXT = re.compile(r"\bdmarc\s*=\s*fail\b", re.IGNORECASE)


@dataclass(frozen=True)
class MethodResult:
    method: str
    result: str
    props: dict[str, str]


def parse(value: str) -> tuple[str, list[MethodResult]]:
    """The authserv-id and the method results of one header value. Comments are dropped
    and quoted strings kept whole, so a `;`, `=` or `)` that the server copied into a
    quoted value (an envelope sender, a reason) never starts a result of its own."""
    statements = _statements(strip_comments(value))
    head = statements[0] if statements else []
    server = head[0][1].lower() if head and head[0][0] is None else ""
    results = []
    for words in statements[1:]:
        if not words or words[0][0] is None:
            continue  # "none", or text that is no method result
        method, result = words[0]
        props = {}
        for key, val in words[1:]:
            if key is not None:
                props.setdefault(key.lower(), val)
        results.append(MethodResult(method.partition("/")[0].lower(), result.lower(), props))
    return server, results


def _statements(text: str) -> list[list[tuple[str | None, str]]]:
    """The `;`-separated statements, each as its words: (key, value) for `key=value`,
    (None, value) for a word without "="; quotes taken off quoted parts."""
    statements: list[list[tuple[str | None, str]]] = [[]]
    pieces = _PIECE.findall(text)
    word: list[str] = []  # the pieces of the word being read; "=" kept as a piece

    def end_word() -> None:
        if word:
            statements[-1].append(_word(word))
            word.clear()

    for i, piece in enumerate(pieces):
        if piece == ";":
            end_word()
            statements.append([])
        elif piece.isspace():
            # White space around "=" is allowed (RFC 8601 CFWS) and ends no word.
            before = pieces[i - 1] if i else ""
            after = pieces[i + 1] if i + 1 < len(pieces) else ""
            if "=" not in (before, after) or not word:
                end_word()
        else:
            word.append(piece)
    end_word()
    return statements


def _word(pieces: list[str]) -> tuple[str | None, str]:
    if "=" not in pieces:
        return None, "".join(map(_unquote, pieces))
    at = pieces.index("=")
    return "".join(map(_unquote, pieces[:at])), "".join(map(_unquote, pieces[at + 1 :]))


def _unquote(piece: str) -> str:
    if not piece.startswith('"'):
        return piece
    inner = piece[1:-1] if len(piece) > 1 and piece.endswith('"') else piece[1:]
    return _ESCAPE.sub(r"\1", inner)


def trusted_header(mail: InboundMail, trusted_authserv_id: str) -> str | None:
    """The topmost header from the trusted server, or None without one. Headers from other
    servers, or below the topmost one, are ignored: anyone can write such a header into a
    mail before it reaches the trusted server."""
    trusted = trusted_authserv_id.lower()
    for value in mail.header_all("Authentication-Results"):
        if parse(value)[0] == trusted:
            return value
    return None


def ambiguous_sender(mail: InboundMail) -> bool:
    """Whether the From header can be read as more than one sender (see AMBIGUOUS_FROM)."""
    return any(defect.startswith(AMBIGUOUS_FROM) for defect in mail.defects)


def vouches(mail: InboundMail, trusted_authserv_id: str) -> bool:
    """True when the topmost header from the trusted server shows, for the From address's
    own domain, dmarc=pass or a strictly aligned dkim=pass, and no dmarc result other
    than pass. A From that can be read as another sender is never vouched for."""
    value = trusted_header(mail, trusted_authserv_id)
    domain = _domain(mail.from_addr)
    if value is None or not domain or ambiguous_sender(mail) or _says_fail(value):
        return False
    results = parse(value)[1]
    dmarc = [r for r in results if r.method == "dmarc"]
    if any(not _dmarc_pass(r, domain) for r in dmarc):
        return False  # a pass for another From domain (or any other result) vouches for none
    return bool(dmarc) or any(_aligned_dkim_pass(r, domain) for r in results)


def dmarc_failed(mail: InboundMail, trusted_authserv_id: str | None) -> bool:
    """Whether the trusted server's topmost header says dmarc=fail for this mail."""
    if not trusted_authserv_id:
        return False
    value = trusted_header(mail, trusted_authserv_id)
    return value is not None and _says_fail(value)


def _says_fail(value: str) -> bool:
    """dmarc=fail as parsed, or anywhere in the text: an odd quote the server copied from
    an envelope sender could otherwise hide its verdict inside a comment or a value."""
    if any(r.method == "dmarc" and r.result == "fail" for r in parse(value)[1]):
        return True
    return _FAIL_TEXT.search(value) is not None


def doubtful(mail: InboundMail, trusted_authserv_id: str | None) -> bool:
    """Whether a party's mail may be forged: the trusted server says dmarc=fail, or the From
    can be read as another sender. Such mail is kept but takes no procedural step."""
    return ambiguous_sender(mail) or dmarc_failed(mail, trusted_authserv_id)


def _dmarc_pass(result: MethodResult, domain: str) -> bool:
    return result.result == "pass" and _domain(result.props.get("header.from", "")) == domain


def _aligned_dkim_pass(result: MethodResult, domain: str) -> bool:
    """Strict alignment: the signing domain is the From domain itself. (Relaxed alignment
    would let any subdomain's signer, often a mailing service, sign for the organisation;
    a relaxed DMARC policy is the trusted server's to apply, and shows as dmarc=pass.)"""
    if result.method != "dkim" or result.result != "pass":
        return False
    signer = result.props.get("header.d") or result.props.get("header.i", "")
    return "." in domain and _domain(signer) == domain


def _domain(value: str) -> str:
    """The domain of an address or a bare domain, lower-cased, without a final dot."""
    return value.rpartition("@")[2].strip().strip("<>").rstrip(".").lower()
