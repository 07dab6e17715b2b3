"""Pure: does the trusted server's Authentication-Results (RFC 8601) vouch for the sender?"""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.model import InboundMail


@dataclass(frozen=True)
class MethodResult:
    method: str
    result: str
    props: dict[str, str]


def _strip_comments(value: str) -> str:
    out, depth = [], 0
    for char in value:
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(char)
    return "".join(out)


def parse(value: str) -> tuple[str, list[MethodResult]]:
    """The authserv-id and the method results of one header value."""
    parts = [p.strip() for p in _strip_comments(value).split(";")]
    server = parts[0].split()[0].lower() if parts and parts[0].split() else ""
    results = []
    for part in parts[1:]:
        words = part.split()
        if not words or "=" not in words[0]:
            continue
        method, _, result = words[0].partition("=")
        props = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        results.append(
            MethodResult(method.lower(), result.lower(), {k.lower(): v for k, v in props.items()})
        )
    return server, results


def vouches(mail: InboundMail, trusted_authserv_id: str) -> bool:
    """True when the topmost header from the trusted server shows dmarc=pass or an aligned
    dkim=pass. Headers from other servers, or below the topmost one, are ignored: anyone can
    write such a header into a mail before it reaches the trusted server."""
    trusted = trusted_authserv_id.lower()
    for value in mail.header_all("Authentication-Results"):
        server, results = parse(value)
        if server != trusted:
            continue
        return any(_passes(r, mail.from_addr) for r in results)
    return False


def _passes(result: MethodResult, sender: str) -> bool:
    if result.result != "pass":
        return False
    if result.method == "dmarc":
        return True
    if result.method == "dkim":
        signer = result.props.get("header.d") or result.props.get("header.i", "").rpartition("@")[2]
        return _aligned(signer.lower().strip(), sender.rpartition("@")[2].lower())
    return False


def _aligned(signer: str, domain: str) -> bool:
    """Relaxed alignment: the same domain, or one a subdomain of the other."""
    if "." not in signer or not domain:
        return False  # a bare top-level domain never aligns
    return signer == domain or domain.endswith("." + signer) or signer.endswith("." + domain)
