"""OAuth 2.0 end to end: mailbot logs in to Dovecot (oauth2 passdb) and to an SMTP server that
takes only bearer tokens, with each token source; one token per poll-once; the daemon rides
out tokens that expire every few seconds (Exchange's BYE AccessTokenExpired) and loses nothing;
a rotated refresh token is kept; a wrong secret or a revoked refresh token is one line."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from conftest import TestImap
from expiring import ExpiringProxy
from oauthsmtp import OAuthSmtpSink
from test_tracks import Office
from test_tracks import body as text
from tokenserver import (
    CLIENT_ID,
    TokenServer,
    make_key_pair,
    microsoft365,
    with_oauth2,
    write_service_account,
)

from mailbot.demo.devmail import ReceivedMail

from e2e import AT, Deployment
from support import ANNA, CLIENT

pytestmark = pytest.mark.dovecot
SA_EMAIL = "mailbot@voorbeeld-project.iam.gserviceaccount.com"
SECRET = "right"
SOURCES = ("client_secret", "client_certificate", "service_account", "refresh_token")
ALL_SOURCES = (*SOURCES, "token_command")


@pytest.fixture
def imap(oauth_dovecot_server) -> TestImap:
    return TestImap("dovecot", oauth_dovecot_server)


@pytest.fixture
def endpoint(imap: TestImap, oauth2_key: bytes) -> Iterator[TokenServer]:
    """The token endpoint; its tokens name the test's mailbox and Dovecot takes them."""
    with TokenServer(mailbox=imap.username, hs256_key=oauth2_key) as server:
        server.clients[CLIENT_ID] = SECRET
        yield server


@pytest.fixture
def smtp(oauth2_key: bytes) -> Iterator[OAuthSmtpSink]:
    with OAuthSmtpSink(oauth2_key) as sink:
        yield sink


def oauth2_section(source: str, tmp_path: Path, server: TokenServer, user: str) -> dict[str, Any]:
    """The [oauth2] keys of one token source, with what the endpoint needs to know of it."""
    if source == "client_secret":
        (tmp_path / "client-secret").write_text(SECRET + "\n")
        return microsoft365(server, client_secret_file=str(tmp_path / "client-secret"))
    if source == "client_certificate":
        pair = make_key_pair(tmp_path / "keys")
        server.certificates[CLIENT_ID] = pair
        return microsoft365(
            server, client_certificate_file=str(pair.cert_file), private_key_file=str(pair.key_file)
        )
    if source == "service_account":
        account = make_key_pair(tmp_path / "keys", "sa")
        server.service_accounts[SA_EMAIL] = account
        key_file = write_service_account(tmp_path / "sa.json", account, SA_EMAIL, server.token_url)
        return {
            "provider": "google",
            "token_url": server.token_url,
            "service_account_file": str(key_file),
        }
    if source == "refresh_token":
        refresh = tmp_path / "refresh-token"
        refresh.write_text(server.issue_refresh_token(user) + "\n")
        refresh.chmod(0o600)
        return microsoft365(server, refresh_token_file=str(refresh))
    assert source == "token_command"
    command = tmp_path / "print-token"
    token = server._access(user, "")["access_token"]  # as a vault or helper would print it
    command.write_text(f"#!{sys.executable}\nprint({token!r})\n")
    command.chmod(0o755)
    return {"provider": "generic", "token_command": str(command)}


def deployment(
    tmp_path: Path,
    imap: TestImap,
    smtp: OAuthSmtpSink,
    oauth2: dict[str, Any],
    imap_port: int | None = None,
    **config: Any,
) -> Deployment:
    """mailbot logging in to both servers with OAuth 2.0 only (imap.password is gone)."""
    dep = Deployment(tmp_path, imap, smtp, **config)
    text = with_oauth2(dep.config.read_text(), oauth2, smtp_user=imap.username)
    if imap_port is not None:
        text = text.replace(f"port = {imap.port}\n", f"port = {imap_port}\n", 1)
    assert "password" not in text
    dep.config.write_text(text)
    return dep


# --- 1 and 2: each token source; one token per poll-once ------------------------------------


@pytest.mark.parametrize("source", ALL_SOURCES)
def test_each_token_source_acknowledges_and_applies_a_staff_command(
    tmp_path, imap, endpoint, smtp, source
):
    oauth2 = oauth2_section(source, tmp_path, endpoint, imap.username)
    dep = deployment(tmp_path, imap, smtp, oauth2)
    code, out = dep.cli("check")  # a token, then both logins with it
    assert code == 0, out
    assert f"ok: IMAP: logged in to {imap.host}:{imap.port} as {imap.username}; 0 message(s)" in out
    assert f"ok: SMTP: connected to {smtp.host}:{smtp.port} as {imap.username}" in out
    office = Office(dep)
    asked = endpoint.count()  # token_command: the test minted its token above, once

    got = office.step(CLIENT, "Klacht over de training", "De training werd afgelast.")
    [ack] = got[CLIENT]
    assert "[KL-2026-0001]" in ack["Subject"] and "Ontvangstbevestiging" in ack["Subject"]
    per_poll = [endpoint.count() - asked]

    asked = endpoint.count()
    got = office.step(ANNA, "Re: [KL-2026-0001] Klacht over de training #opgelost", "Opgelost.")
    case = office.case()
    assert (case.stage, case.status) == ("resolved", "closed")
    [resolution] = got[CLIENT]
    assert "[KL-2026-0001]" in resolution["Subject"]
    assert "Opgelost." in text(resolution)
    per_poll.append(endpoint.count() - asked)

    # one token per poll-once serves IMAP and every SMTP session (the command asks no endpoint)
    assert per_poll == ([0, 0] if source == "token_command" else [1, 1])
    assert smtp.logins and all(login.accepted for login in smtp.logins)
    assert {login.user for login in smtp.logins} == {imap.username}
    assert imap.messages() == []  # both mails handled and moved out of the INBOX


# --- 4: a rotated refresh token is kept ------------------------------------------------------


def test_a_rotated_refresh_token_is_kept_and_the_old_one_never_used_again(
    tmp_path, imap, endpoint, smtp
):
    oauth2 = oauth2_section("refresh_token", tmp_path, endpoint, imap.username)
    first = (tmp_path / "refresh-token").read_text().strip()
    office = Office(deployment(tmp_path, imap, smtp, oauth2))
    for n in range(3):
        got = office.step(f"klant-{n}@example.org", f"Klacht {n}", "Het ging mis.")
        assert len(got[f"klant-{n}@example.org"]) == 1
    used = endpoint.refresh_tokens_used()
    assert len(used) == 3 and len(set(used)) == 3  # never one twice
    assert used[0] == first
    kept = (tmp_path / "refresh-token").read_text().strip()
    assert kept not in used and kept in endpoint.refresh_tokens  # the newest, still valid
    assert set(used) <= endpoint.retired
    assert (tmp_path / "refresh-token").stat().st_mode & 0o777 == 0o600
    assert all(r.status == 200 for r in endpoint.requests)  # no reuse was ever refused


# --- 5: a wrong client secret, a revoked refresh token ---------------------------------------


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("client_secret", "invalid_client: AADSTS7000215: Invalid client secret provided."),
        ("refresh_token", "invalid_grant: AADSTS70000: The provided value for the"),
    ],
)
def test_a_refused_credential_is_one_line_and_the_mail_stays(
    tmp_path, imap, endpoint, smtp, capsys, source, error
):
    oauth2 = oauth2_section(source, tmp_path, endpoint, imap.username)
    if source == "client_secret":
        endpoint.clients[CLIENT_ID] = "rotated-by-the-admin"
    else:
        endpoint.revoke((tmp_path / "refresh-token").read_text().strip())
    dep = deployment(tmp_path, imap, smtp, oauth2)

    code, out = dep.cli("check")
    assert code == 1
    lines = out.splitlines()
    [token_line] = [line for line in lines if line.startswith("FAIL: OAuth 2.0 token: ")]
    assert token_line.startswith(f"FAIL: OAuth 2.0 token: token endpoint {endpoint.token_url}")
    assert error in token_line
    not_tried = "not tried: no OAuth 2.0 token (see the token line above)"
    assert f"FAIL: IMAP: {not_tried}" in lines and f"FAIL: SMTP: {not_tried}" in lines

    complaint = complaint_mail(CLIENT, "Klacht over de training")
    dep.deliver(complaint)
    capsys.readouterr()
    code, out = dep.poll()
    assert code == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"error: IMAP server {imap.host}:{imap.port}: no OAuth 2.0 token")
    assert error in line
    assert imap.messages() == [complaint]  # untouched, for the next try
    assert smtp.messages == []  # nothing sent, nothing taken in


def complaint_mail(sender: str, subject: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "klachten@example.nl"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{abs(hash((sender, subject)))}@example.org>"
    msg.set_content("Goedendag,\n\nIk heb een klacht.\n")
    return msg.as_bytes().replace(b"\n", b"\r\n")


# --- 3: tokens that expire every few seconds under `run` (IDLE) ------------------------------

LIFETIME = 3  # seconds: Exchange's hour, shortened
EXPIRIES = 3


class HourAnnounced(TokenServer):
    """Announces an hour (expires_in) for tokens that end after LIFETIME seconds: a revoked
    token or a skewed clock, so that mailbot's cache believes a token the servers refuse."""

    def _access(self, user: str, scope: str) -> dict[str, Any]:
        return {**super()._access(user, scope), "expires_in": 3600}


@pytest.mark.parametrize("announced", ["truly", "an_hour"])
def test_run_reconnects_with_a_fresh_token_at_each_expiry_and_loses_nothing(
    tmp_path, imap, oauth2_key, smtp, announced
):
    kind = HourAnnounced if announced == "an_hour" else TokenServer
    with kind(mailbox=imap.username, hs256_key=oauth2_key, lifetime=LIFETIME) as endpoint:
        endpoint.clients[CLIENT_ID] = SECRET
        oauth2 = oauth2_section("client_secret", tmp_path, endpoint, imap.username)
        with ExpiringProxy(imap.host, imap.port) as proxy:
            dep = deployment(tmp_path, imap, smtp, oauth2, imap_port=proxy.port, poll_seconds=60)
            log = run_through_expiries(dep, proxy, smtp)
    logged = log.read_text()
    reconnects = len(re.findall(r"AccessTokenExpired; reconnecting with a fresh token", logged))
    retries = logged.count("imap refused the cached OAuth 2.0 token; one retry with a fresh one")
    print(f"{announced}: expiries {proxy.ended}, reconnects {reconnects}, IMAP sessions "
          f"{proxy.sessions}, login retries {retries}, token requests {endpoint.count()}, "
          f"SMTP logins {len(smtp.logins)}")  # fmt: skip
    assert proxy.ended >= EXPIRIES and reconnects >= EXPIRIES
    assert acks(smtp) == Counter({f"klant-{n}@example.org": 1 for n in range(EXPIRIES + 1)})
    assert len(dep.cases()) == EXPIRIES + 1
    assert imap.messages() == []  # every complaint taken in and moved out of the INBOX
    assert "Traceback" not in logged and "ERROR" not in logged
    assert endpoint.count() >= EXPIRIES + 1
    if announced == "truly":  # renewed before its end: no login was ever refused
        assert retries == 0 and all(login.accepted for login in smtp.logins)
    else:  # each reconnect: the cached token refused, one fresh token, one retry
        assert retries >= EXPIRIES
        assert not any(a.accepted is b.accepted is False for a, b in pairwise(smtp.logins))


def run_through_expiries(dep: Deployment, proxy: ExpiringProxy, smtp: OAuthSmtpSink) -> Path:
    """`mailbot run` while its IMAP sessions end one by one; a complaint before each end and
    one after the last; the daemon's log."""
    log = dep.dir / "daemon.log"
    with log.open("w") as out:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "mailbot", "run", "-c", str(dep.config), "--at", AT],
            stdin=subprocess.DEVNULL, stdout=out, stderr=out,
        )  # fmt: skip
    try:
        for n in range(EXPIRIES + 1):
            sender = f"klant-{n}@example.org"
            dep.deliver(complaint_mail(sender, f"Klacht {n}"))
            acked = partial(smtp.wait_until, partial(_reached, sender), 20)
            within(acked, f"the acknowledgement to {sender}", log)
            if n < EXPIRIES:  # this session's token ends; the next mail comes after
                within(partial(proxy.wait_ended, n + 1, 20), f"expiry {n + 1}", log)
    finally:
        daemon.terminate()
        assert daemon.wait(timeout=15) == 0
    return log


def acks(sink: OAuthSmtpSink) -> Counter[str]:
    return Counter(r for m in sink.messages for r in m.rcpt_tos if r.startswith("klant-"))


def _reached(address: str, received: list[ReceivedMail]) -> bool:
    return any(address in m.rcpt_tos for m in received)


def within(wait: Callable[[], object], what: str, log: Path) -> None:
    """`wait` blocks on an event until it happened, or raises TimeoutError: a failure that
    shows the daemon's log."""
    try:
        wait()
    except TimeoutError:
        pytest.fail(f"no {what} in time\n{log.read_text()}")
