"""Authentication-Results: only the trusted server's topmost header counts, read as RFC 8601
says (quoted strings and comments respected), and only for the From address's own domain."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.config.settings import SecuritySettings
from mailbot.inbound.parse import parse_message
from mailbot.mail.authresults import authenticated, dmarc_failed, doubtful, parse, vouches

PASS_ORG = "dmarc=pass header.from=example.org"
NO_SERVER = SecuritySettings()


def server(authserv_id: str) -> SecuritySettings:
    return SecuritySettings(trusted_authserv_id=authserv_id)


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
    assert doubtful(forged, NO_SERVER)


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
    assert not doubtful(chair, server("mx.example.org"))


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
    assert dmarc_failed(mail(*results), server("mx.example.nl")) is failed
    assert doubtful(mail(*results), server("mx.example.nl")) is failed
    assert not dmarc_failed(mail(*results), NO_SERVER)


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


# --- the hosts' own shapes: Microsoft 365 (no authserv-id) and Google (mx.google.com) -------

DATA = Path(__file__).parent / "data"
MICROSOFT = SecuritySettings(authentication="microsoft365")
GOOGLE = server("mx.google.com")


def sample(name: str):
    return parse_message((DATA / name).read_bytes())


@pytest.mark.parametrize(
    ("name", "security", "trusted"),
    [
        ("ms365/internal_staff.eml", MICROSOFT, True),
        ("ms365/external_committee_pass.eml", MICROSOFT, True),
        ("ms365/forged_committee_compauth_fail.eml", MICROSOFT, False),
        ("ms365/forged_pass_below.eml", MICROSOFT, False),
        ("google/committee_pass.eml", GOOGLE, True),
        ("google/forged_dmarc_fail.eml", GOOGLE, False),
        ("google/forged_pass_below.eml", GOOGLE, False),
        # Exchange writes no authserv-id: no trusted_authserv_id ever matches its verdict,
        # and its tenant-internal mark means nothing to the standard mode.
        ("ms365/external_committee_pass.eml", GOOGLE, False),
        ("ms365/internal_staff.eml", server("outlook.com"), False),
        # Google's verdict names its server: the Microsoft 365 mode does not read it.
        ("google/committee_pass.eml", MICROSOFT, False),
    ],
)
def test_host_samples(name: str, security: SecuritySettings, trusted: bool) -> None:
    assert authenticated(sample(name), security) is trusted


def test_exchange_header_is_read_from_its_first_result() -> None:
    mail = sample("ms365/external_committee_pass.eml")
    host, results = parse(mail.header_all("Authentication-Results")[0])
    assert host == ""
    assert [(r.method, r.result) for r in results] == [
        ("spf", "pass"),
        ("dkim", "pass"),
        ("dmarc", "pass"),
        ("compauth", "pass"),
    ]
    assert results[2].props == {"action": "none", "header.from": "example.org"}


EXCHANGE = "spf=pass (sender IP is 203.0.113.5) smtp.mailfrom=example.org; "


@pytest.mark.parametrize(
    ("results", "trusted"),
    [
        (
            [EXCHANGE + "dmarc=pass action=none header.from=example.org;compauth=pass reason=100"],
            True,
        ),
        # compauth=pass alone (no DMARC record: Exchange's implicit authentication).
        (
            [EXCHANGE + "dmarc=none action=none header.from=example.org;compauth=pass reason=109"],
            True,
        ),
        (
            ["dmarc=bestguesspass action=none header.from=example.org;compauth=pass reason=109"],
            True,
        ),
        (["dmarc=pass action=none header.from=example.org;compauth=softpass reason=201"], True),
        # Either verdict failing outweighs the other.
        (["dmarc=pass action=none header.from=example.org;compauth=fail reason=001"], False),
        (["dmarc=fail action=none header.from=example.org;compauth=pass reason=100"], False),
        (['dmarc=pass action=none header.from=example.org;compauth="fail" reason=001'], False),
        # compauth names no domain: it counts only beside a dmarc result for the From domain.
        (["compauth=pass reason=100"], False),
        (["dmarc=none action=none header.from=evil.example;compauth=pass reason=100"], False),
        (["dmarc=pass action=none header.from=evil.example;compauth=pass reason=100"], False),
        (["dmarc=none action=none header.from=example.org;compauth=softpass reason=201"], False),
        # The topmost header is the host's; one naming a server was not written by Exchange.
        (["mx.example.org; dmarc=pass header.from=example.org"], False),
        (
            [
                "dmarc=fail action=none header.from=example.org;compauth=fail reason=000",
                "dmarc=pass action=none header.from=example.org;compauth=pass reason=100",
            ],
            False,
        ),
        # A quote the server copied from the envelope sender hides no fail and makes no pass.
        (
            [
                'spf=pass smtp.mailfrom="x; dmarc=pass header.from=example.org"@evil.example;'
                " dmarc=fail action=none header.from=example.org;compauth=fail reason=000"
            ],
            False,
        ),
        ([], False),
    ],
)
def test_exchange_verdicts(results: list[str], trusted: bool) -> None:
    chair = mail(*results, sender="bram.jansen@example.org")
    assert authenticated(chair, MICROSOFT) is trusted


@pytest.mark.parametrize(
    ("auth_as", "internal"),
    [
        (["Internal"], True),
        (["internal "], True),
        (["Anonymous"], False),
        ([], False),
        # Two that disagree: one was not written by this tenant's Exchange.
        (["Internal", "Anonymous"], False),
        (["Anonymous", "Internal"], False),
    ],
)
def test_tenant_internal(auth_as: list[str], internal: bool) -> None:
    headers = "".join(f"X-MS-Exchange-Organization-AuthAs: {v}\r\n" for v in auth_as)
    raw = f"{headers}From: anna@example.nl\r\nTo: k@example.nl\r\nSubject: x\r\n\r\nx\r\n"
    staff = parse_message(raw.encode())
    assert authenticated(staff, MICROSOFT) is internal
    # Only the Microsoft 365 mode reads it.
    assert not authenticated(staff, server("mx.example.nl"))


def test_an_internal_mark_does_not_make_an_ambiguous_from_one_sender() -> None:
    raw = (
        "X-MS-Exchange-Organization-AuthAs: Internal\r\n"
        "From: anna@example.nl, attacker@evil.example\r\n"
        "To: k@example.nl\r\nSubject: x\r\n\r\nx\r\n"
    )
    assert not authenticated(parse_message(raw.encode()), MICROSOFT)


@pytest.mark.parametrize(
    ("name", "security", "failed"),
    [
        ("ms365/forged_committee_compauth_fail.eml", MICROSOFT, True),
        ("ms365/external_committee_pass.eml", MICROSOFT, False),
        ("ms365/internal_staff.eml", MICROSOFT, False),
        ("google/forged_dmarc_fail.eml", GOOGLE, True),
        ("google/committee_pass.eml", GOOGLE, False),
    ],
)
def test_doubtful_reads_the_same_host(name: str, security: SecuritySettings, failed: bool) -> None:
    assert doubtful(sample(name), security) is failed
