"""Authentication-Results: only the trusted server's topmost header counts, read as RFC 8601
says (quoted strings and comments respected), and only for the From address's own domain."""

from __future__ import annotations

import pytest

from mailbot.authresults import dmarc_failed, doubtful, parse, vouches
from mailbot.parse import parse_message

PASS_ORG = "dmarc=pass header.from=example.org"


def mail(*results: str, sender: str = "anna@example.nl", from_header: str | None = None):
    headers = "".join(f"Authentication-Results: {r}\r\n" for r in results)
    from_header = from_header if from_header is not None else f"From: {sender}\r\n"
    raw = f"{headers}{from_header}To: k@example.nl\r\nSubject: #resolve\r\n\r\nx\r\n"
    return parse_message(raw.encode())


@pytest.mark.parametrize(
    ("results", "trusted"),
    [
        (["mx.example.nl; dmarc=pass (p=reject) header.from=example.nl"], True),
        (["mx.example.nl; dkim=pass header.d=example.nl header.s=s1"], True),
        (["mx.example.nl; dkim=pass header.i=@example.nl"], True),
        # Strict alignment: a subdomain's signer (often a mailing service) is not the sender.
        (["mx.example.nl; dkim=pass header.i=@mail.example.nl"], False),
        (["mx.example.nl; dkim=pass header.d=mail.example.nl"], False),
        (["mx.example.nl; dkim=pass header.d=other.example"], False),
        (["mx.example.nl; spf=pass smtp.mailfrom=example.nl"], False),
        (["mx.example.nl; dmarc=fail header.from=example.nl"], False),
        (["MX.Example.NL 1; dmarc=pass header.from=Example.NL."], True),
        (["mx.example.nl 1; dmarc = pass header.from = example.nl"], True),
        (['mx.example.nl; dmarc=pass header.from="example.nl"'], True),
        # A dmarc=pass counts only for the From address's own domain.
        (["mx.example.nl; dmarc=pass"], False),
        (["mx.example.nl; dmarc=pass header.from=evil.example"], False),
        (["mx.example.nl; dmarc=pass header.from=example.nl.evil.example"], False),
        # A dmarc verdict other than pass outweighs an aligned signature.
        (
            ["mx.example.nl; dkim=pass header.d=example.nl; dmarc=fail header.from=example.nl"],
            False,
        ),
        (["mx.elsewhere.example; dmarc=pass header.from=example.nl"], False),
        ([], False),
        # A forged header below the trusted server's own is ignored.
        (["mx.example.nl; dmarc=fail", "mx.example.nl; dmarc=pass header.from=example.nl"], False),
        # Another server's header above the trusted one does not count either way.
        (
            ["relay.example.org; dmarc=fail", "mx.example.nl; dmarc=pass header.from=example.nl"],
            True,
        ),
        (["mx.example.nl; dkim=pass (good signature) header.d=com"], False),
    ],
)
def test_vouches(results: list[str], trusted: bool) -> None:
    assert vouches(mail(*results), "mx.example.nl") is trusted


# Attack 2.1: the trusted server copies an envelope sender or a reason into its header as
# given; a ";" or ")" inside quotes must not start a result of its own.
QUOTE_TRICKS = [
    'mx.example.org; spf=pass smtp.mailfrom="x; dmarc=pass y"@evil.example; dkim=none;'
    " dmarc=fail header.from=example.org",
    'mx.example.org; spf=pass smtp.mailfrom="x;dmarc=pass header.from=example.org"@evil.example;'
    " dmarc=fail header.from=example.org",
    'mx.example.org; dkim=fail reason="bad sig; dmarc=pass header.from=example.org x"'
    " header.d=evil.example; dmarc=fail header.from=example.org",
    'mx.example.org; spf=pass (domain of "x) ; dmarc=pass header.from=example.org (y"'
    "@evil.example designates 192.0.2.1 as permitted sender) smtp.mailfrom=evil.example;"
    " dmarc=fail header.from=example.org",
    # The quote hides the server's own verdict in a comment: still no pass.
    'mx.example.org; spf=pass (domain of x"@evil.example designates 192.0.2.1)'
    ' smtp.mailfrom=x"@evil.example; dmarc=fail header.from=example.org',
    # An unterminated quote ending in a backslash does not fall apart into results.
    'mx.example.org; spf=pass smtp.mailfrom="x; dmarc=pass header.from=example.org \\',
    'mx.example.org; spf=pass smtp.mailfrom=x\\"; dmarc=pass header.from=example.org; "',
]


@pytest.mark.parametrize("value", QUOTE_TRICKS)
def test_a_quoted_semicolon_or_parenthesis_forges_no_pass(value: str) -> None:
    chair = mail(value, sender="bram.jansen@example.org")
    assert not vouches(chair, "mx.example.org")
    _, results = parse(value)
    assert not any(r.method == "dmarc" and r.result == "pass" for r in results)


@pytest.mark.parametrize(
    ("from_header", "result"),
    [
        # Attack 2.2: two addresses, the second one's domain passed DMARC.
        (
            "From: bram.jansen@example.org, attacker@evil.example\r\n",
            "dmarc=pass header.from=evil.example",
        ),
        ("From: bram.jansen@example.org, attacker@evil.example\r\n", PASS_ORG),
        # Attack 2.3: a display name that is an address (mail-parser reads Bram, the stdlib
        # the attacker).
        ("From: attacker@evil.example <bram.jansen@example.org>\r\n", PASS_ORG),
        ("From: bram.jansen@example.org\r\nFrom: attacker@evil.example\r\n", PASS_ORG),
    ],
)
def test_a_from_read_two_ways_is_never_vouched_for(from_header: str, result: str) -> None:
    forged = mail(f"mx.example.org; {result}", from_header=from_header)
    assert forged.from_addr == "bram.jansen@example.org"
    assert not vouches(forged, "mx.example.org")
    assert doubtful(forged, None)


@pytest.mark.parametrize(
    "from_header",
    [
        "From: Bram Jansen <bram.jansen@example.org>\r\n",
        'From: "Jansen, Bram" <bram.jansen@example.org>\r\n',
        "From: bram.jansen@example.org (Bram Jansen)\r\n",
        "From: =?utf-8?q?Bram_Jans=C3=A9n?= <Bram.Jansen@Example.org>\r\n",
    ],
)
def test_ordinary_from_headers_are_read_one_way(from_header: str) -> None:
    chair = mail(f"mx.example.org; {PASS_ORG}", from_header=from_header)
    assert vouches(chair, "mx.example.org")
    assert not doubtful(chair, "mx.example.org")


@pytest.mark.parametrize(
    ("results", "failed"),
    [
        (["mx.example.nl; dmarc=fail (p=none) header.from=example.nl"], True),
        (["mx.example.nl; dmarc=pass header.from=example.nl"], False),
        (["mx.example.nl; dmarc=none header.from=example.nl"], False),
        (["mx.example.nl; spf=fail smtp.mailfrom=example.nl"], False),
        (["other.example; dmarc=fail header.from=example.nl"], False),
        (["mx.example.nl; dmarc=pass header.from=example.nl", "mx.example.nl; dmarc=fail"], False),
        ([QUOTE_TRICKS[4].replace("mx.example.org", "mx.example.nl")], True),
    ],
)
def test_dmarc_failed(results: list[str], failed: bool) -> None:
    assert dmarc_failed(mail(*results), "mx.example.nl") is failed
    assert doubtful(mail(*results), "mx.example.nl") is failed
    assert not dmarc_failed(mail(*results), None)


def test_comments_are_ignored_when_parsing() -> None:
    server, results = parse("mx.example.nl (version 1); dkim=pass (ok; really) header.d=x.nl")
    assert server == "mx.example.nl"
    assert [(r.method, r.result, r.props) for r in results] == [
        ("dkim", "pass", {"header.d": "x.nl"})
    ]


def test_quoted_values_are_one_value() -> None:
    value = 'mx.example.nl; spf=pass smtp.mailfrom="x; dmarc=pass y"@evil.example; dkim/1=none'
    assert [(r.method, r.result, r.props) for r in parse(value)[1]] == [
        ("spf", "pass", {"smtp.mailfrom": "x; dmarc=pass y@evil.example"}),
        ("dkim", "none", {}),
    ]
