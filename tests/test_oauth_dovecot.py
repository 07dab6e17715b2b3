"""The tokens of every source log in to a real Dovecot that validates bearer tokens itself
(oauth2 passdb, local HS256 validation: MAIL-HOSTS.md "Dovecot as a test double"); a wrong
user, an expired token and a token signed with another key are refused."""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from tokenserver import (
    CLIENT_ID,
    TokenServer,
    make_key_pair,
    microsoft365,
    with_oauth2,
    write_service_account,
)

from mailbot.cli.main import main
from mailbot.config.load import load_config
from mailbot.oauth import TokenProvider, build_token_provider

from dovecot import DovecotServer, find_dovecot
from support import config_text

pytestmark = pytest.mark.dovecot
MAILBOX = "klachten"
SA_EMAIL = "mailbot@voorbeeld-project.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def server() -> Iterator[TokenServer]:
    with TokenServer(mailbox=MAILBOX) as running:  # the real clock: Dovecot checks `exp`
        running.clients[CLIENT_ID] = "right"
        yield running


@pytest.fixture(scope="module")
def dovecot(server: TokenServer) -> Iterator[DovecotServer]:
    if find_dovecot() is None:
        pytest.skip("dovecot not installed: apt-get install -y dovecot-imapd")
    with DovecotServer(oauth2_key=server.hs256_key) as running:
        yield running


def now_of(server: TokenServer) -> datetime:
    return datetime.fromtimestamp(server.clock(), UTC)


def login(dovecot: DovecotServer, token: str, user: str = MAILBOX, bearer: bool = False) -> int:
    with IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10) as client:
        if bearer:
            client.oauthbearer_login(user, token)
        else:
            client.oauth2_login(user, token)
        return client.select_folder("INBOX")[b"EXISTS"]


def provider(tmp_path: Path, server: TokenServer, oauth2: dict[str, Any]) -> TokenProvider:
    path = tmp_path / "mailbot.toml"
    path.write_text(with_oauth2(config_text(tmp_path / "data", imap_user=MAILBOX), oauth2))
    built = build_token_provider(load_config(path, {"SECRET": "right"}))
    assert built is not None
    return built


def sources(tmp_path: Path, server: TokenServer) -> dict[str, dict[str, Any]]:
    pair = make_key_pair(tmp_path / "keys")
    server.certificates[CLIENT_ID] = pair
    account = make_key_pair(tmp_path / "keys", "sa")
    server.service_accounts[SA_EMAIL] = account
    refresh = tmp_path / "refresh-token"
    refresh.write_text(server.issue_refresh_token(MAILBOX) + "\n")
    command = tmp_path / "print-token"
    token = server._access(MAILBOX, "")["access_token"]
    command.write_text(f"#!{sys.executable}\nprint({token!r})\n")
    command.chmod(0o755)
    key_file = write_service_account(tmp_path / "sa.json", account, SA_EMAIL, server.token_url)
    return {
        "client_secret": microsoft365(server, client_secret_env="SECRET"),
        "client_certificate": microsoft365(
            server, client_certificate_file=str(pair.cert_file), private_key_file=str(pair.key_file)
        ),
        "service_account": {"provider": "google", "service_account_file": str(key_file)},
        "refresh_token": microsoft365(server, refresh_token_file=str(refresh)),
        "token_command": {"provider": "generic", "token_command": str(command)},
    }


SOURCES = {
    "client_secret": "ClientSecretGrant",
    "client_certificate": "ClientCertificateGrant",
    "service_account": "ServiceAccountGrant",
    "refresh_token": "RefreshTokenGrant",
    "token_command": "TokenCommand",
}


@pytest.mark.parametrize("credential", list(SOURCES))
def test_each_source_logs_in(tmp_path, server, dovecot, credential):
    dovecot.add_user(MAILBOX, "unused-password")
    tokens = provider(tmp_path, server, sources(tmp_path, server)[credential])
    assert type(tokens.source).__name__ == SOURCES[credential]
    token = tokens.token(now_of(server))
    assert login(dovecot, token) == 0
    assert login(dovecot, token, bearer=True) == 0  # OAUTHBEARER (RFC 7628) as well


def test_refused_wrong_user_expired_and_wrong_key(tmp_path, server, dovecot):
    dovecot.add_user("ander", "unused-password")
    good = server._access(MAILBOX, "")["access_token"]
    with pytest.raises(LoginError):
        login(dovecot, good, user="ander")
    expired = TokenServer(hs256_key=server.hs256_key, clock=lambda: time.time() - 7200)
    with pytest.raises(LoginError):
        login(dovecot, expired._access(MAILBOX, "")["access_token"])
    with pytest.raises(LoginError):
        login(dovecot, TokenServer()._access(MAILBOX, "")["access_token"])
    assert login(dovecot, good) == 0


def test_mailbot_check_when_all_is_well(tmp_path, server, dovecot, smtp_sink):
    """What the README shows: the token line, then the logins, all ok."""
    dovecot.add_user(MAILBOX, "unused-password")
    oauth2 = microsoft365(server, client_secret_env="SECRET")
    text = config_text(
        tmp_path / "data", imap_user=MAILBOX, imap_port=dovecot.port, smtp_port=smtp_sink.port
    )
    path = tmp_path / "mailbot.toml"
    path.write_text(with_oauth2(text, oauth2))
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SECRET", "right")
        assert main(["check", "-c", str(path)], out=out) == 0, out.getvalue()
    lines = out.getvalue().splitlines()
    assert lines[0] == f"ok: config: {path}"
    token = next(i for i, line in enumerate(lines) if "OAuth 2.0 token" in line)
    assert lines[token].startswith(
        f"ok: OAuth 2.0 token: client credentials (client secret) from {server.token_url}: "
        "a token valid until "
    )
    assert lines[token + 1].startswith(
        f"ok: IMAP: logged in to 127.0.0.1:{dovecot.port} as {MAILBOX}; 0 message(s) in INBOX"
    )
    assert lines[token + 2].startswith(f"ok: SMTP: connected to 127.0.0.1:{smtp_sink.port}")
