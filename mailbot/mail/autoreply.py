"""RFC 3834 loop guard: whether mailbot may answer a mail automatically, and what it is.

Two questions, kept apart: `no_reply_reason` says why mailbot must not answer (any sign
counts, including a sender's mere request not to be answered, or no address to answer);
`classify_automatic` says whether a machine wrote the mail, and what kind of machine mail
it is (only signs of a machine count).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32

from mailbot.mail.headers import (
    clean_header_value,
    decode_bytes,
    parse_message_id_list,
    strip_comments,
    unfold,
)
from mailbot.model import InboundMail

# X-Auto-Response-Suppress ([MS-OXCMAIL] 2.1.3.2.20) is a comma list of DR, NDR, RN, NRN,
# OOF, AutoReply, or All / None. mailbot's acknowledgement is an automatic reply, so All,
# AutoReply and OOF forbid it; DR, NDR, RN and NRN only concern delivery and read reports,
# which mailbot never sends (and which a person's mail client may ask to suppress).
_SUPPRESS_TOKENS = {"all": "All", "autoreply": "AutoReply", "oof": "OOF"}
# Headers whose presence marks mail a machine sent (autoresponders, cron, procmail loops);
# a value "no" or "false" takes the mark away.
_AUTOMATIC_HEADERS = (
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "x-autoreply-from",
    "x-mail-autoreply",
    "x-loop",
    "x-cron-env",
)
# Headers only mail servers put on non-delivery reports.
_BOUNCE_HEADERS = ("x-failed-recipients", "x-ms-exchange-message-is-ndr")
_AUTOMATIC_PRECEDENCE = {"bulk": "bulk", "junk": "bulk", "list": "list",
                         "auto_reply": "auto-reply", "auto-reply": "auto-reply"}  # fmt: skip
_NEGATIVE_VALUES = frozenset({"no", "false", "0"})
# Local parts of senders that are machines, with variants (no_reply, do.not.reply,
# noreply-dmarc-support, mailer-daemon+tag).
_AUTOMATIC_SENDER = re.compile(
    r"^(?P<who>mailer[-_.]?daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply)"
    r"(?:[-_.+].*)?$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\s<>()\"@,;:]+")
_REPORT_TYPE = re.compile(r"""report-type\s*=\s*"?([a-z0-9._-]+)""", re.IGNORECASE)
_DSN_PARTS = frozenset({"message/delivery-status", "message/global-delivery-status"})
_MDN_PARTS = frozenset(
    {"message/disposition-notification", "message/global-disposition-notification"}
)
_ORIGINAL_PARTS = frozenset(
    {"message/rfc822", "message/global", "text/rfc822-headers", "message/global-headers"}
)
_ACTION = re.compile(r"^[ \t]*action[ \t]*:[ \t]*([a-z-]+)", re.IGNORECASE | re.MULTILINE)
_ORIGINAL_ID = re.compile(
    r"^[ \t]*(?:x-)?original-message-id[ \t]*:[ \t]*(.+)$", re.IGNORECASE | re.MULTILINE
)
# A copy of the bounced mail quoted in the text of a bounce without MIME (qmail, Exim).
_QUOTED_ID = re.compile(r"^message-id[ \t]*:[ \t]*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
# qmail's bounce format (also Yahoo's): each failed recipient on a line "<address>:".
_QMAIL_START = re.compile(r"^<[^<>\s]+@[^<>\s]+>:[ \t]*$", re.MULTILINE)
_QMAIL_RECIPIENT = re.compile(r"^<([^<>\s]+@[^<>\s]+)>:[ \t]*$", re.MULTILINE)
_QMAIL_COPY = re.compile(r"^--- Below this line is a copy of the message", re.MULTILINE)
_DSN_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$")
_OWN_HEADER = "X-Mailbot-Case"
# One mailbox address as a report may name it: a dot-atom local part (RFC 5322, UTF-8
# allowed as RFC 6531 does) without "#", which mailbot's subjects would read as a command,
# and a domain of labels (a U-label or LDH) or localhost. Anything else is not used.
_ADDRESS = re.compile(
    r"(?![.])[\w!$%&'*+/=?^`{|}~.-]{1,64}(?<![.])@"
    r"(?:(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W_\d][\w-]{0,62}|localhost)"
)


def no_reply_reason(
    mail: InboundMail,
    own_addresses: frozenset[str],
    own_message_id_domain: str | None = None,
) -> str | None:
    """None when mailbot may answer automatically; otherwise a short reason why not."""
    reason = own_mail_reason(mail, own_addresses, own_message_id_domain)
    if reason:
        return reason
    for rule, _ in _RULES:
        reason = rule(mail)
        if reason:
            return clean_header_value(reason, 200)
    return None


def classify_automatic(
    mail: InboundMail,
    own_addresses: frozenset[str] = frozenset(),
    own_message_id_domain: str | None = None,
) -> str | None:
    """What kind of automatic mail this is, or None for a mail a person wrote.

    One of "own", "bounce", "delayed", "read-receipt", "auto-reply", "list", "bulk". Checked
    in this order: own mail; reports (a DSN is "delayed" when an action says delayed and
    none says failed, any other DSN is "bounce"; an MDN is "read-receipt"); mail from
    mailer-daemon or postmaster, or with a header only bounces carry ("bounce"); explicit
    auto-replies; list; bulk; then every other sign of a machine ("auto-reply":
    auto-generated, no-reply sender, empty Return-Path, X-Auto-Response-Suppress asking
    for no automatic replies (only Exchange's own mail, bulk mailers and ticket systems
    set it), other reports such as abuse feedback, a DSN that only reports success). A
    missing sender address is no sign of a machine: such a mail gets no reply but is a
    person's.
    """
    if own_mail_reason(mail, own_addresses, own_message_id_domain):
        return "own"
    report = _report_type(mail)
    if report == "delivery-status":
        return _dsn_kind(dsn_actions(mail))
    if report == "disposition-notification":
        return "read-receipt"
    if report:
        return "auto-reply"
    if (_automatic_sender(mail) or "") in ("mailer-daemon", "postmaster") or _bounce_header(mail):
        return "bounce"
    precedence = _precedence(mail)
    if (
        _auto_submitted(mail) == "auto-replied"
        or _automatic_header(mail)
        or precedence == "auto-reply"
        or _exchange_rule_reply(mail)
    ):
        return "auto-reply"
    if _list_header(mail) or precedence == "list":
        return "list"
    if precedence:
        return "bulk"
    if any(machine and rule(mail) for rule, machine in _RULES):
        return "auto-reply"
    return None


def own_mail_reason(
    mail: InboundMail,
    own_addresses: frozenset[str],
    own_message_id_domain: str | None = None,
) -> str | None:
    """A reason when the mail is mailbot's own (sender, marker header or Message-ID)."""
    own = {address.lower() for address in own_addresses}
    if mail.from_addr and mail.from_addr.lower() in own:
        return f"own mail: sent from {mail.from_addr}"
    if mail.header(_OWN_HEADER) is not None:
        return f"own mail: {_OWN_HEADER} header"
    domain = (own_message_id_domain or "").strip().lstrip("@").lower()
    if domain and mail.message_id.lower().endswith("@" + domain):
        return f"own mail: Message-ID in {domain}"
    return None


@dataclass(frozen=True)
class DeliveryReport:
    """What a delivery status notification says about one recipient (RFC 3464)."""

    recipient: str  # the Final-Recipient address, lower-cased, without "rfc822;"
    action: str  # failed | delayed | delivered | relayed | expanded, lower-cased
    status: str = ""  # "5.1.1"
    diagnostic: str = ""  # Diagnostic-Code without its type: "550 5.1.1 User unknown"


def delivery_reports(mail: InboundMail) -> tuple[DeliveryReport, ...]:
    """One entry per recipient block of the mail's delivery-status parts. A bounce without a
    report (Exim, qmail) that names its failed recipients in `X-Failed-Recipients` gives a
    "failed" entry for each of them."""
    reports: list[DeliveryReport] = []
    for attachment in mail.attachments:
        if attachment.content_type in _DSN_PARTS:
            reports.extend(_dsn_blocks(decode_bytes(attachment.payload)[0]))
    if not reports:
        for value in mail.header_all("X-Failed-Recipients"):
            for address in re.split(r"[\s,]+", value):
                if "@" in address:
                    reports.append(DeliveryReport(_address(address), "failed"))
    if not reports and _report_type(mail) == "delivery-status":
        # A report whose parts could not be split: its blocks are in the text.
        reports = [r for r in _dsn_blocks(mail.text) if r.action]
    if not reports and _QMAIL_START.search(mail.text):
        # qmail and Yahoo: "<address>:" lines above the copy of the mail.
        text = _QMAIL_COPY.split(mail.text, maxsplit=1)[0]
        for address in _QMAIL_RECIPIENT.findall(text):
            reports.append(DeliveryReport(_address(address), "failed"))
    return tuple(reports)


def failed_recipients(mail: InboundMail) -> tuple[str, ...]:
    """The addresses a bounce reports as failed, in report order, each once. Only a field
    that parses as one address counts: the rest of a report is the sender's free text
    (a forged DSN can put a case tag or a `#command` where the address belongs)."""
    found = (r.recipient for r in delivery_reports(mail) if r.action == "failed")
    return tuple(dict.fromkeys(address for address in found if address))


def dsn_actions(mail: InboundMail) -> tuple[str, ...]:
    """The per-recipient `Action:` values of the delivery-status parts, lower-cased."""
    actions: list[str] = []
    for attachment in mail.attachments:
        if attachment.content_type in _DSN_PARTS:
            text = decode_bytes(attachment.payload)[0]
            actions.extend(action.lower() for action in _ACTION.findall(text))
    return tuple(actions)


def original_message_ids(mail: InboundMail) -> tuple[str, ...]:
    """Message-IDs of the mail a bounce or read receipt is about: from its attached copy or
    headers, an MDN's or DSN's (X-)Original-Message-ID, the bounce's own In-Reply-To and
    References (Gmail, Office 365), or the copy quoted in the text of a bounce without
    MIME (qmail, Exim). Links a bounce to what bounced. Empty for anything but a report or
    a bounce: a person who forwards a mail as an attachment is not reporting on it."""
    if not (_report_type(mail) or classify_automatic(mail) in ("bounce", "delayed")):
        return ()
    ids: dict[str, None] = {}
    for attachment in mail.attachments:
        for message_id in _attached_ids(attachment.content_type, attachment.payload):
            ids.setdefault(message_id, None)
    for message_id in (*mail.in_reply_to, *mail.references):
        ids.setdefault(message_id, None)
    if not mail.attachments:
        for found in _QUOTED_ID.findall(mail.text):
            for message_id in parse_message_id_list(found):
                ids.setdefault(message_id, None)
    return tuple(ids)


# --- rules: each returns a reason or None ------------------------------------------------


def _reason_auto_submitted(mail: InboundMail) -> str | None:
    keyword = _auto_submitted(mail)
    return f"Auto-Submitted: {keyword}" if keyword else None


def _reason_report(mail: InboundMail) -> str | None:
    report = _report_type(mail)
    if report == "delivery-status":
        return "delivery status notification"
    if report == "disposition-notification":
        return "read receipt (disposition notification)"
    return f"automatic report ({report})" if report else None


def _reason_bounce_header(mail: InboundMail) -> str | None:
    name = _bounce_header(mail)
    return f"non-delivery report ({name} header)" if name else None


def _reason_precedence(mail: InboundMail) -> str | None:
    precedence = _precedence_keyword(mail)
    return f"Precedence: {precedence}" if precedence else None


def _reason_list(mail: InboundMail) -> str | None:
    name = _list_header(mail)
    return f"mailing list ({name} header)" if name else None


def _reason_return_path(mail: InboundMail) -> str | None:
    return "empty Return-Path" if _empty_return_path(mail) else None


def _reason_sender(mail: InboundMail) -> str | None:
    who = _automatic_sender(mail)
    return f"automatic sender ({who})" if who else None


def _reason_suppress(mail: InboundMail) -> str | None:
    tokens = _suppress_tokens(mail)
    return f"X-Auto-Response-Suppress: {', '.join(tokens)}" if tokens else None


def _reason_automatic_header(mail: InboundMail) -> str | None:
    name = _automatic_header(mail)
    return f"{name} header" if name else None


def _reason_exchange_rule(mail: InboundMail) -> str | None:
    return "reply made by an Exchange inbox rule" if _exchange_rule_reply(mail) else None


def _reason_no_sender(mail: InboundMail) -> str | None:
    return None if mail.from_addr else "no sender address to answer"


# (rule, whether it is a sign of a machine rather than only a reason not to answer)
_RULES: tuple[tuple[Callable[[InboundMail], str | None], bool], ...] = (
    (_reason_report, True),
    (_reason_bounce_header, True),
    (_reason_auto_submitted, True),
    (_reason_suppress, True),
    (_reason_automatic_header, True),
    (_reason_exchange_rule, True),
    (_reason_precedence, True),
    (_reason_list, True),
    (_reason_return_path, True),
    (_reason_sender, True),
    (_reason_no_sender, False),
)


# --- what the headers say ----------------------------------------------------------------


def _auto_submitted(mail: InboundMail) -> str | None:
    """The first Auto-Submitted keyword other than "no" (comments and parameters dropped)."""
    for value in mail.header_all("Auto-Submitted"):
        keyword = strip_comments(unfold(value)).split(";", 1)[0].strip().lower()
        if keyword and keyword != "no":
            return " ".join(keyword.split())
    return None


def _precedence_keyword(mail: InboundMail) -> str | None:
    for value in mail.header_all("Precedence"):
        words = strip_comments(value).lower().split()
        if words and words[0] in _AUTOMATIC_PRECEDENCE:
            return words[0]
    return None


def _precedence(mail: InboundMail) -> str | None:
    """ "bulk", "list" or "auto-reply" for the Precedence values that mean automatic mail."""
    keyword = _precedence_keyword(mail)
    return _AUTOMATIC_PRECEDENCE[keyword] if keyword else None


def _list_header(mail: InboundMail) -> str | None:
    return next((name for name, _ in mail.headers if name.lower().startswith("list-")), None)


def _empty_return_path(mail: InboundMail) -> bool:
    return any(
        re.sub(r"[\s<>]", "", strip_comments(value)) == ""
        for value in mail.header_all("Return-Path")
    )


def _automatic_sender(mail: InboundMail) -> str | None:
    """ "mailer-daemon", "postmaster" or "no-reply" when the sender is such a machine: by
    the From address, by the From header's text when it holds no usable address ("From:
    MAILER-DAEMON"), or by a mailer-daemon envelope sender in Return-Path."""
    candidates = [_local_part(mail.from_addr)]
    if not mail.from_addr:
        candidates += _WORD.findall(" ".join(mail.header_all("From")))
    for who in map(_machine_name, candidates):
        if who:
            return who
    for value in mail.header_all("Return-Path"):
        if _machine_name(_local_part(strip_comments(value).strip().strip("<>"))) == "mailer-daemon":
            return "mailer-daemon"
    return None


def _local_part(address: str) -> str:
    return address.rpartition("@")[0] if "@" in address else address


def _machine_name(local: str) -> str | None:
    match = _AUTOMATIC_SENDER.match(local.strip())
    if not match:
        return None
    who = re.sub(r"[-_.]", "", match.group("who").lower())
    return {"mailerdaemon": "mailer-daemon", "postmaster": "postmaster"}.get(who, "no-reply")


def _suppress_tokens(mail: InboundMail) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for value in mail.header_all("X-Auto-Response-Suppress"):
        for token in re.split(r"[\s,;]+", value.lower()):
            if token in _SUPPRESS_TOKENS:
                found.setdefault(_SUPPRESS_TOKENS[token], None)
    return tuple(found)


def _automatic_header(mail: InboundMail) -> str | None:
    for name, value in mail.headers:
        if name.lower() in _AUTOMATIC_HEADERS and value.strip().lower() not in _NEGATIVE_VALUES:
            return name
    return None


def _bounce_header(mail: InboundMail) -> str | None:
    return next((name for name, _ in mail.headers if name.lower() in _BOUNCE_HEADERS), None)


def _exchange_rule_reply(mail: InboundMail) -> bool:
    """Exchange marks the replies its inbox rules and out-of-office assistant generate
    with the rules agent as source and the id of the mail they answer."""
    source = " ".join(mail.header_all("X-MS-Exchange-Generated-Message-Source")).lower()
    parent = mail.header("X-MS-Exchange-Parent-Message-Id")
    return "mailbox rules agent" in source and parent is not None


def _report_type(mail: InboundMail) -> str | None:
    """The report type ("delivery-status", "disposition-notification", "feedback-report",
    ...) when the mail is a machine-made report (RFC 6522), else None."""
    from_parts = _parts_report(mail)
    if from_parts:
        return from_parts
    content_type = (mail.header("Content-Type") or "").lower()
    if content_type.split(";", 1)[0].strip() != "multipart/report":
        return None
    found = _REPORT_TYPE.search(content_type)
    if not found:
        return "unknown"
    # RFC 6533 reports for internationalised mail are reports of the same kind.
    return found.group(1).removeprefix("global-")


def _parts_report(mail: InboundMail) -> str | None:
    types = {attachment.content_type for attachment in mail.attachments}
    if types & _DSN_PARTS:
        return "delivery-status"
    if types & _MDN_PARTS:
        return "disposition-notification"
    return None


def _dsn_kind(actions: tuple[str, ...]) -> str:
    if "failed" in actions:
        return "bounce"
    if "delayed" in actions:
        return "delayed"
    if actions and set(actions) <= {"delivered", "relayed", "expanded"}:
        return "auto-reply"
    return "bounce"


def _dsn_blocks(text: str) -> list[DeliveryReport]:
    """The recipient blocks of a delivery-status body: header-like fields (folded lines
    allowed) in blocks separated by blank lines; the first block is about the message."""
    reports = []
    for block in re.split(r"\n[ \t]*\n", unfold(text.replace("\r\n", "\n"))):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            found = _DSN_FIELD.match(line.strip())
            if found:
                fields.setdefault(found.group(1).lower(), " ".join(found.group(2).split()))
        recipient = fields.get("final-recipient") or fields.get("original-recipient")
        action = fields.get("action", "").lower()
        if recipient and action:
            reports.append(
                DeliveryReport(
                    recipient=_address(recipient),
                    action=action.split()[0],
                    status=clean_header_value(fields.get("status", ""), 20),
                    diagnostic=clean_header_value(
                        fields.get("diagnostic-code", "").partition(";")[2], 500
                    ),
                )
            )
    return reports


def _address(value: str) -> str:
    """ "rfc822; <a@example.org>" -> "a@example.org"; "" when what stands there is not one
    address."""
    _, semicolon, rest = value.partition(";")
    address = (rest if semicolon else value).strip()
    if address.startswith("<") and address.endswith(">"):
        address = address[1:-1].strip()
    address = clean_header_value(address, 320).lower()
    return address if _ADDRESS.fullmatch(address) and ".." not in address else ""


def _attached_ids(content_type: str, payload: bytes) -> tuple[str, ...]:
    if content_type in _MDN_PARTS or content_type in _DSN_PARTS:
        found = _ORIGINAL_ID.search(decode_bytes(payload)[0])
        return parse_message_id_list(found.group(1)) if found else ()
    if content_type not in _ORIGINAL_PARTS:
        return ()
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(payload)
        return parse_message_id_list(str(headers.get("Message-ID", "")))
    except Exception:
        return ()
