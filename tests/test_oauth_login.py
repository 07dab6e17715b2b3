"""IMAP and SMTP log in with OAuth 2.0 bearer tokens: on Dovecot's oauth2 passdb and on an SMTP
server that validates the same tokens; the mechanism the server offers (OAUTHBEARER first), one
fresh token and one retry for a refused cached token, every refusal one line."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from conftest import TestImap
from expiring import ExpiringProxy
from oauthsmtp import OAuthSmtpSink
from tokenserver import TokenServer

from mailbot.clock import FixedClock
from mailbot.config.settings import SmtpSettings
from mailbot.errors import ImapAuthError, ImapSessionExpired, SmtpAuthError
from mailbot.inbound.imap import ImapMailbox
from mailbot.mail.sasl import bearer_mechanism, initial_response
from mailbot.oauth import TokenProvider
from mailbot.oauth.grants import ClientSecretGrant, Endpoint
from mailbot.oauth.transport import post_form
from mailbot.outbound.smtp import SmtpSender

pytestmark = pytest.mark.dovecot
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # mailbot's pinned clock; the servers use theirs
CLIENT_ID = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def user(oauth_dovecot_server) -> TestImap:
    return TestImap("dovecot", oauth_dovecot_server)


@pytest.fixture
def endpoint(user: TestImap, oauth2_key: bytes) -> Iterator[TokenServer]:
    with TokenServer(mailbox=user.username, hs256_key=oauth2_key) as server:
        server.clients[CLIENT_ID] = "right"
        yield server


def provider(server: TokenServer, secret: str = "right") -> TokenProvider:
    grant = ClientSecretGrant(Endpoint(server.token_url, post_form), CLIENT_ID, secret, "")
    return TokenProvider(grant)


def mailbox(user: TestImap, tokens: TokenProvider, **overrides: object) -> ImapMailbox:
    settings = user.settings(auth="oauth2", password="", **overrides)
    return ImapMailbox(settings, tokens=tokens, clock=FixedClock(NOW))


def expired_token_cached(server: TokenServer, tokens: TokenProvider) -> None:
    """A token that the servers find expired while the provider's cache says it is good for
    an hour (a revoked token, a skewed clock): issued two hours ago by the servers' clock."""
    server.clock = lambda: time.time() - 7200
    tokens.token(NOW)
    server.clock = time.time


def logins(user: TestImap) -> list[str]:
    """The user's bearer-token logins in Dovecot's log, by mechanism (the test's own
    password logins for delivering and looking are left out)."""
    methods = [
        line.split("method=")[1].split(",")[0]
        for line in user.server.log_path.read_text().splitlines()
        if f"Login: user=<{user.username}>" in line
    ]
    return [m for m in methods if m != "PLAIN"]


# --- SASL ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        (["PLAIN", "XOAUTH2", "OAUTHBEARER"], "OAUTHBEARER"),
        (["plain", "xoauth2"], "XOAUTH2"),  # Exchange Online's IMAP offers only XOAUTH2
        (["PLAIN", "LOGIN"], None),
        ([], None),
    ],
)
def test_the_mechanism_is_what_the_server_offers_oauthbearer_first(offered, chosen):
    assert bearer_mechanism(offered) == chosen


def test_the_client_responses_are_rfc_7628_and_xoauth2():
    assert initial_response("OAUTHBEARER", "klachten@example.nl", "T") == (
        "n,a=klachten@example.nl,\x01auth=Bearer T\x01\x01"
    )
    assert initial_response("OAUTHBEARER", "a,b=c", "T").startswith("n,a=a=2Cb=3Dc,\x01")
    assert initial_response("XOAUTH2", "klachten@example.nl", "T") == (
        "user=klachten@example.nl\x01auth=Bearer T\x01\x01"
    )


# --- IMAP on Dovecot -------------------------------------------------------------------------


def test_imap_logs_in_with_a_token_by_oauthbearer(user, endpoint):
    user.append(b"Subject: hallo\r\n\r\nhallo\r\n")
    tokens = provider(endpoint)
    with mailbox(user, tokens) as box:
        assert len(box.pending_uids()) == 1
    assert logins(user) == ["OAUTHBEARER"]
    assert endpoint.count() == 1


def test_imap_refusals_are_one_line_wrong_user_expired_wrong_key(user, endpoint, oauth2_key):
    def two_hours_ago() -> float:
        return time.time() - 7200

    other = TokenServer(mailbox="iemand-anders@example.nl", hs256_key=oauth2_key).start()
    stale = TokenServer(mailbox=user.username, hs256_key=oauth2_key, clock=two_hours_ago).start()
    wrong_key = TokenServer(mailbox=user.username).start()
    try:
        for server in (other, stale, wrong_key):
            server.clients[CLIENT_ID] = "right"
            with pytest.raises(ImapAuthError) as refused:
                mailbox(user, provider(server)).connect()
            message = str(refused.value)
            assert message == (
                f"IMAP server {user.host}:{user.port} refused the OAUTHBEARER login of "
                f"{user.username!r} with an OAuth 2.0 token: [AUTHENTICATIONFAILED] "
                "Authentication failed."
            )
            assert server.count() == 1  # a token fetched just now: a second one would not help
    finally:
        for server in (other, stale, wrong_key):
            server.stop()
    with mailbox(user, provider(endpoint)) as box:  # the right token still gets in
        assert box.pending_uids() == []


def test_imap_a_refused_cached_token_gets_one_fresh_token_and_one_retry(user, endpoint):
    tokens = provider(endpoint)
    expired_token_cached(endpoint, tokens)
    with mailbox(user, tokens) as box:
        assert box.pending_uids() == []
    assert endpoint.count() == 2
    assert logins(user) == ["OAUTHBEARER"]


def test_imap_a_token_endpoint_failure_is_one_line_naming_the_providers_error(user, endpoint):
    with pytest.raises(ImapAuthError) as refused:
        mailbox(user, provider(endpoint, secret="wrong")).connect()
    assert str(refused.value).startswith(
        f"IMAP server {user.host}:{user.port}: no OAuth 2.0 token for {user.username!r}: "
        f"token endpoint {endpoint.token_url} refused the client credentials (client secret): "
        "invalid_client: AADSTS7000215: Invalid client secret provided."
    )
    assert "\n" not in str(refused.value)


def test_imap_session_ended_for_an_expired_token_is_told_apart(user, endpoint):
    """Exchange's `BYE … AccessTokenExpired` in the middle of IDLE is ImapSessionExpired,
    which the daemon answers with a reconnect (test_oauth_e2e runs that)."""
    # Long enough for the login and folder set-up on a busy machine (a whole-second `exp`
    # leaves at least 3 s), so the session ends in IDLE, not while connecting.
    endpoint.lifetime = 4
    with ExpiringProxy(user.host, user.port) as proxy:
        box = mailbox(user, provider(endpoint), port=proxy.port, idle=True)
        with box, pytest.raises(ImapSessionExpired) as ended:
            box.wait_for_mail(20)
    assert str(ended.value) == (
        f"IMAP IDLE on {user.host}:{proxy.port} as {user.username!r} failed: the server ended "
        "the session: Session invalidated - AccessTokenExpired"
    )
    assert proxy.ended == 1


# --- SMTP ------------------------------------------------------------------------------------


@pytest.fixture
def smtp(oauth2_key: bytes) -> Iterator[OAuthSmtpSink]:
    with OAuthSmtpSink(oauth2_key) as sink:
        yield sink


def sender(sink: OAuthSmtpSink, user: TestImap, tokens: TokenProvider) -> SmtpSender:
    settings = SmtpSettings(
        host=sink.host,
        port=sink.port,
        security="none",
        username=user.username,
        auth="oauth2",
        timeout_seconds=5.0,
    )
    return SmtpSender(settings, tokens=tokens, clock=FixedClock(NOW))


MAIL = b"From: klachten@example.nl\r\nTo: klant@example.org\r\nSubject: t\r\n\r\nhallo\r\n"


@pytest.mark.parametrize("offered", [("OAUTHBEARER", "XOAUTH2"), ("XOAUTH2",)])
def test_smtp_logs_in_with_a_token_and_sends(oauth2_key, user, endpoint, offered):
    with OAuthSmtpSink(oauth2_key, mechanisms=offered) as sink:
        with sender(sink, user, provider(endpoint)) as smtp:
            smtp.send("klachten@example.nl", "klant@example.org", MAIL)
        assert [(x.mechanism, x.accepted) for x in sink.logins] == [(offered[0], True)]
        assert [m.raw for m in sink.messages] == [MAIL]


def test_smtp_a_refused_cached_token_gets_one_fresh_token_and_one_retry(smtp, user, endpoint):
    tokens = provider(endpoint)
    expired_token_cached(endpoint, tokens)
    with sender(smtp, user, tokens) as session:
        session.send("klachten@example.nl", "klant@example.org", MAIL)
    assert [x.accepted for x in smtp.logins] == [False, True]
    assert endpoint.count() == 2


def test_smtp_refusal_is_one_line_with_the_servers_status(smtp, user, oauth2_key):
    with TokenServer(mailbox="iemand-anders@example.nl", hs256_key=oauth2_key) as other:
        other.clients[CLIENT_ID] = "right"
        with pytest.raises(SmtpAuthError) as refused:
            sender(smtp, user, provider(other)).open()
        assert other.count() == 1
    assert str(refused.value) == (
        f"SMTP server {smtp.host}:{smtp.port} refused the OAUTHBEARER login of {user.username} "
        "with an OAuth 2.0 token: 535 5.7.8 Authentication credentials invalid (invalid_token)"
    )
    assert not refused.value.permanent  # the outbox keeps the mail for a later try


def test_smtp_without_a_bearer_mechanism_says_so(user, endpoint, oauth2_key):
    with (
        OAuthSmtpSink(oauth2_key, mechanisms=("PLAIN",)) as sink,
        pytest.raises(SmtpAuthError) as refused,
    ):
        sender(sink, user, provider(endpoint)).open()
    assert str(refused.value) == (
        f"SMTP server {sink.host}:{sink.port} offers neither AUTH OAUTHBEARER nor AUTH XOAUTH2 "
        "(it offers PLAIN), so it cannot take an OAuth 2.0 token"
    )
    assert endpoint.count() == 0


def test_one_token_serves_imap_and_smtp(smtp, user, endpoint):
    tokens = provider(endpoint)
    with mailbox(user, tokens), sender(smtp, user, tokens) as session:
        session.send("klachten@example.nl", "klant@example.org", MAIL)
    assert endpoint.count() == 1
