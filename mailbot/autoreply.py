"""RFC 3834 loop guard: whether mailbot may answer a mail automatically, and what it is."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.parser import BytesHeaderParser
from email.policy import compat32

from mailbot.headers import clean_header_value, decode_bytes, parse_message_id_list
from mailbot.model import InboundMail

# X-Auto-Response-Suppress tokens that ask us not to answer (NDR alone only concerns
# non-delivery reports, which mailbot does not send).
_SUPPRESS_TOKENS = {
    "all": "All",
    "autoreply": "AutoReply",
    "oof": "OOF",
    "dr": "DR",
    "rn": "RN",
    "nrn": "NRN",
}
_AUTOREPLY_HEADERS = ("x-autoreply", "x-autorespond")
_AUTOMATIC_PRECEDENCE = frozenset({"bulk", "junk", "list"})
# Local parts of senders that are machines, with variants (no_reply, do.not.reply,
# noreply-dmarc-support, mailer-daemon+tag).
_AUTOMATIC_SENDER = re.compile(
    r"^(?P<who>mailer[-_.]?daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply)"
    r"(?:[-_.+].*)?$",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"\([^()]*\)")
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
    r"^[ \t]*original-message-id[ \t]*:[ \t]*(.+)$", re.IGNORECASE | re.MULTILINE
)
_OWN_HEADER = "X-Mailbot-Case"


def no_reply_reason(
    mail: InboundMail,
    own_addresses: frozenset[str],
    own_message_id_domain: str | None = None,
) -> str | None:
    """None when mailbot may answer automatically; otherwise a short reason why not."""
    reason = own_mail_reason(mail, own_addresses, own_message_id_domain)
    if reason:
        return reason
    for rule in _RULES:
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
    mailer-daemon or postmaster ("bounce"); explicit auto-replies; list; bulk; then every
    other sign of automatic mail ("auto-reply": auto-generated, no-reply sender, empty
    Return-Path, other reports such as abuse feedback, a DSN that only reports success).
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
    if (_automatic_sender(mail) or "") in ("mailer-daemon", "postmaster"):
        return "bounce"
    if _auto_submitted(mail) == "auto-replied" or _autoreply_header(mail):
        return "auto-reply"
    precedence = _precedence(mail)
    if _list_header(mail) or precedence == "list":
        return "list"
    if precedence:
        return "bulk"
    if any(rule(mail) for rule in _RULES):
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


def dsn_actions(mail: InboundMail) -> tuple[str, ...]:
    """The per-recipient `Action:` values of the delivery-status parts, lower-cased."""
    actions: list[str] = []
    for attachment in mail.attachments:
        if attachment.content_type in _DSN_PARTS:
            text = decode_bytes(attachment.payload)[0]
            actions.extend(action.lower() for action in _ACTION.findall(text))
    return tuple(actions)


def original_message_ids(mail: InboundMail) -> tuple[str, ...]:
    """Message-IDs of the mail a bounce or read receipt is about, from its attached copy
    or headers (and an MDN's Original-Message-ID); links a bounce to what bounced.
    Empty for anything but a report or a mailer-daemon/postmaster mail: a person who
    forwards a mail as an attachment is not reporting on it."""
    if not (_report_type(mail) or _automatic_sender(mail) in ("mailer-daemon", "postmaster")):
        return ()
    ids: dict[str, None] = {}
    for attachment in mail.attachments:
        for message_id in _attached_ids(attachment.content_type, attachment.payload):
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


def _reason_precedence(mail: InboundMail) -> str | None:
    precedence = _precedence(mail)
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
    token = _suppress_token(mail)
    return f"X-Auto-Response-Suppress: {token}" if token else None


def _reason_autoreply_header(mail: InboundMail) -> str | None:
    name = _autoreply_header(mail)
    return f"{name} header" if name else None


_RULES: tuple[Callable[[InboundMail], str | None], ...] = (
    _reason_report,
    _reason_auto_submitted,
    _reason_suppress,
    _reason_autoreply_header,
    _reason_precedence,
    _reason_list,
    _reason_return_path,
    _reason_sender,
)


# --- what the headers say ----------------------------------------------------------------


def _auto_submitted(mail: InboundMail) -> str | None:
    """The first Auto-Submitted keyword other than "no" (comments and parameters dropped)."""
    for value in mail.header_all("Auto-Submitted"):
        keyword = _COMMENT.sub(" ", value).split(";", 1)[0].strip().lower()
        if keyword and keyword != "no":
            return keyword
    return None


def _precedence(mail: InboundMail) -> str | None:
    for value in mail.header_all("Precedence"):
        words = _COMMENT.sub(" ", value).lower().split()
        if words and words[0] in _AUTOMATIC_PRECEDENCE:
            return words[0]
    return None


def _list_header(mail: InboundMail) -> str | None:
    return next((name for name, _ in mail.headers if name.lower().startswith("list-")), None)


def _empty_return_path(mail: InboundMail) -> bool:
    return any(re.sub(r"[\s<>]", "", v) == "" for v in mail.header_all("Return-Path"))


def _automatic_sender(mail: InboundMail) -> str | None:
    """ "mailer-daemon", "postmaster" or "no-reply" when the sender is such a machine."""
    local = mail.from_addr.rpartition("@")[0] if "@" in mail.from_addr else mail.from_addr
    match = _AUTOMATIC_SENDER.match(local)
    if not match:
        return None
    who = re.sub(r"[-_.]", "", match.group("who").lower())
    return {"mailerdaemon": "mailer-daemon", "postmaster": "postmaster"}.get(who, "no-reply")


def _suppress_token(mail: InboundMail) -> str | None:
    for value in mail.header_all("X-Auto-Response-Suppress"):
        for token in re.split(r"[\s,;]+", value.lower()):
            if token in _SUPPRESS_TOKENS:
                return _SUPPRESS_TOKENS[token]
    return None


def _autoreply_header(mail: InboundMail) -> str | None:
    return next((name for name, _ in mail.headers if name.lower() in _AUTOREPLY_HEADERS), None)


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
    return found.group(1) if found else "unknown"


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


def _attached_ids(content_type: str, payload: bytes) -> tuple[str, ...]:
    if content_type in _MDN_PARTS:
        found = _ORIGINAL_ID.search(decode_bytes(payload)[0])
        return parse_message_id_list(found.group(1)) if found else ()
    if content_type not in _ORIGINAL_PARTS:
        return ()
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(payload)
        return parse_message_id_list(str(headers.get("Message-ID", "")))
    except Exception:
        return ()
