"""Authentication-Results: only the trusted server's topmost header counts."""

from __future__ import annotations

import pytest

from mailbot.authresults import parse, vouches
from mailbot.parse import parse_message


def mail(*results: str, sender: str = "anna@example.nl"):
    headers = "".join(f"Authentication-Results: {r}\r\n" for r in results)
    raw = f"{headers}From: {sender}\r\nTo: k@example.nl\r\nSubject: #resolve\r\n\r\nx\r\n"
    return parse_message(raw.encode())


@pytest.mark.parametrize(
    ("results", "trusted"),
    [
        (["mx.example.nl; dmarc=pass (p=reject) header.from=example.nl"], True),
        (["mx.example.nl; dkim=pass header.d=example.nl header.s=s1"], True),
        (["mx.example.nl; dkim=pass header.i=@mail.example.nl"], True),
        (["mx.example.nl; dkim=pass header.d=other.example"], False),
        (["mx.example.nl; spf=pass smtp.mailfrom=example.nl"], False),
        (["mx.example.nl; dmarc=fail header.from=example.nl"], False),
        (["MX.Example.NL 1; dmarc=pass"], True),
        (["mx.elsewhere.example; dmarc=pass"], False),
        ([], False),
        # A forged header below the trusted server's own is ignored.
        (["mx.example.nl; dmarc=fail", "mx.example.nl; dmarc=pass"], False),
        # Another server's header above the trusted one does not count either way.
        (["relay.example.org; dmarc=fail", "mx.example.nl; dmarc=pass"], True),
        (["mx.example.nl; dkim=pass (good signature) header.d=com"], False),
    ],
)
def test_vouches(results: list[str], trusted: bool) -> None:
    assert vouches(mail(*results), "mx.example.nl") is trusted


def test_comments_are_ignored_when_parsing() -> None:
    server, results = parse("mx.example.nl (version 1); dkim=pass (ok; really) header.d=x.nl")
    assert server == "mx.example.nl"
    assert [(r.method, r.result, r.props) for r in results] == [
        ("dkim", "pass", {"header.d": "x.nl"})
    ]
