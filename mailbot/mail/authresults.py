"""Pure: does the mail host's Authentication-Results (RFC 8601) vouch for the sender?"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mailbot.mail.headers import strip_comments
from mailbot.model import InboundMail

if TYPE_CHECKING:
    from mailbot.config.settings import SecuritySettings

# `[security] authentication`: Exchange Online's verdicts instead of a trusted authserv-id.
MICROSOFT365 = "microsoft365"
# Written by Exchange on mail from an authenticated sender inside the tenant ("Anonymous" on
# mail from outside). Exchange's header firewall removes X-MS-Exchange-Organization-* headers
# from mail entering from outside, so this cannot be forged from there.
_AUTH_AS = "X-MS-Exchange-Organization-AuthAs"

# The start of the defect `parse` records when the From header cannot be read one way: more
# than one address or From header, or parsers that read another address. Such a From is
# never vouched for: the server authenticated one reading of it, mailbot might act on another.
AMBIGUOUS_FROM = "From is ambiguous"

# A quoted string (its escapes kept; unterminated, it runs to the end), a run of plain text,
# white space, or one of the separators ";" and "=".
_PIECE = re.compile(r'"(?:\\[\s\S]|[^"\\])*(?:"|\\?\Z)|[^\s;="]+|\s+|[;=]')
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
# A verdict of fail written anywhere in the text (see `_says_fail`); compauth is Exchange's.
_FAIL_TEXT = {
    method: re.compile(rf"\b{method}\s*=\s*fail\b", re.IGNORECASE)
    for method in ("dmarc", "compauth")
}


@dataclass(frozen=True)
class MethodResult:
    method: str
    result: str
    props: dict[str, str]


def parse(value: str) -> tuple[str, list[MethodResult]]:
    """The authserv-id and the method results of one header value. Comments are dropped
    and quoted strings kept whole, so a `;`, `=` or `)` that the server copied into a
    quoted value (an envelope sender, a reason) never starts a result of its own.
    Exchange Online writes no authserv-id: its value starts with a result, and the
    authserv-id is then "" (which no trusted_authserv_id matches)."""
    statements = _statements(strip_comments(value))
    head = statements[0] if statements else []
    server = head[0][1].lower() if head and head[0][0] is None else ""
    results = []
    for words in statements[1:] if server or not head else statements:
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


def authenticated(mail: InboundMail, security: SecuritySettings) -> bool:
    """Whether the mail host vouches for the sender: the one judgement behind both a
    command that counts and an automatic reply sent outside the hourly cap.

    Standard: `vouches` with `trusted_authserv_id` (never, without one). Microsoft 365:
    the mail is tenant-internal, or Exchange's own (topmost) verdict is dmarc=pass or
    compauth=pass for the From domain, with no fail of either."""
    if ambiguous_sender(mail):
        return False
    if security.authentication == MICROSOFT365:
        return tenant_internal(mail) or _exchange_vouches(host_header(mail, security), mail)
    trusted = security.trusted_authserv_id
    return bool(trusted) and vouches(mail, trusted)


def checks_senders(security: SecuritySettings) -> bool:
    """Whether commands need the host's word at all: not in the standard mode without a
    trusted_authserv_id (the From address alone, which config warns about)."""
    return security.authentication == MICROSOFT365 or bool(security.trusted_authserv_id)


def host_name(security: SecuritySettings) -> str:
    """The host whose verdict counts, as a refusal names it."""
    if security.authentication == MICROSOFT365:
        return "Microsoft 365"
    return security.trusted_authserv_id or "From"


def host_header(mail: InboundMail, security: SecuritySettings) -> str | None:
    """The host's own verdict. Microsoft 365: the topmost Authentication-Results, and only
    when it has no authserv-id, as Exchange writes it (any header below it, or one naming
    a server, was written before the mail reached Exchange: anyone can write those).
    Standard: the topmost header from the trusted server."""
    if security.authentication == MICROSOFT365:
        values = mail.header_all("Authentication-Results")
        return values[0] if values and not parse(values[0])[0] else None
    if not security.trusted_authserv_id:
        return None
    return trusted_header(mail, security.trusted_authserv_id)


def tenant_internal(mail: InboundMail) -> bool:
    """Exchange says the sender authenticated inside the tenant. This trust rests on
    Exchange's header firewall, which removes X-MS-Exchange-Organization-* headers from
    mail entering the organisation from outside; so it holds only for a mailbox in Exchange
    Online. Every such header must say Internal: two that disagree mean one was not
    written by this tenant's Exchange."""
    values = mail.header_all(_AUTH_AS)
    return bool(values) and all(v.strip().lower() == "internal" for v in values)


def _exchange_vouches(value: str | None, mail: InboundMail) -> bool:
    """Exchange's verdict: a dmarc result for the From domain (compauth names no domain,
    so it counts only beside one), dmarc=pass or compauth=pass, and no fail of either."""
    domain = _domain(mail.from_addr)
    if value is None or not domain or _says_fail(value) or _says_fail(value, "compauth"):
        return False
    results = parse(value)[1]
    dmarc = [r for r in results if r.method == "dmarc"]
    if not dmarc or any(_domain(r.props.get("header.from", "")) != domain for r in dmarc):
        return False
    return any(r.result == "pass" for r in results if r.method in ("dmarc", "compauth"))


def dmarc_failed(mail: InboundMail, security: SecuritySettings) -> bool:
    """Whether the host's own verdict says dmarc=fail for this mail."""
    value = host_header(mail, security)
    return value is not None and _says_fail(value)


def _says_fail(value: str, method: str = "dmarc") -> bool:
    """`method`=fail as parsed, or anywhere in the text: an odd quote the server copied
    from an envelope sender could otherwise hide its verdict inside a comment or a value."""
    if any(r.method == method and r.result == "fail" for r in parse(value)[1]):
        return True
    return _FAIL_TEXT[method].search(value) is not None


def doubtful(mail: InboundMail, security: SecuritySettings) -> bool:
    """Whether a party's mail may be forged: the host says dmarc=fail, or the From can be
    read as another sender. Such mail is kept but takes no procedural step."""
    return ambiguous_sender(mail) or dmarc_failed(mail, security)


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
