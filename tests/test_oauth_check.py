"""`mailbot check` with OAuth 2.0: the token step first, and which step failed, in one line."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tokenserver import CLIENT_ID, TokenServer, microsoft365, with_oauth2

from mailbot.cli.check import check_token, run_checks
from mailbot.cli.main import main
from mailbot.config.load import load_config

from support import config_text

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def server():
    with TokenServer(clock=NOW.timestamp) as running:
        running.clients[CLIENT_ID] = "right"
        yield running


def config(tmp_path: Path, server: TokenServer, secret: str, **smtp: Any) -> Path:
    oauth2 = microsoft365(server, client_secret_file=str(tmp_path / "secret"))
    (tmp_path / "secret").write_text(secret + "\n")
    path = tmp_path / "mailbot.toml"
    path.write_text(with_oauth2(config_text(tmp_path / "data"), oauth2, **smtp))
    return path


def test_the_token_step_says_where_and_until_when(tmp_path, server):
    settings = load_config(config(tmp_path, server, "right"), {})
    result, tokens = check_token(settings, NOW)
    assert result.ok and tokens is not None
    assert result.detail == (
        f"client credentials (client secret) from {server.token_url}: a token valid until "
        "2026-12-04 11:00 UTC"
    )
    assert server.count() == 1


def test_no_token_step_without_oauth2(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(config_text(tmp_path / "d"))
    assert check_token(load_config(path, {}), NOW) == (None, None)


def test_wrong_secret_names_the_error_and_the_logins_are_not_tried(tmp_path, server):
    settings = load_config(config(tmp_path, server, "wrong", smtp_user="klachten"), {})
    lines = {r.what: r for r in run_checks(settings, NOW)}
    token = lines["OAuth 2.0 token"]
    assert not token.ok
    assert token.detail.startswith(
        f"token endpoint {server.token_url} refused the client credentials (client secret): "
        "invalid_client: AADSTS7000215: Invalid client secret provided."
    )
    for what in ("IMAP", "SMTP"):
        assert not lines[what].ok
        assert lines[what].detail == "not tried: no OAuth 2.0 token (see the token line above)"


def test_mailbot_check_prints_one_line_per_step_and_exits_1(tmp_path, server):
    out = io.StringIO()
    assert main(["check", "-c", str(config(tmp_path, server, "wrong"))], out=out) == 1
    lines = out.getvalue().splitlines()
    (token,) = [line for line in lines if line.startswith("FAIL: OAuth 2.0 token: ")]
    assert token.startswith("FAIL: OAuth 2.0 token: token endpoint ")
    assert "invalid_client: AADSTS7000215: Invalid client secret provided." in token
    assert "Trace ID" not in out.getvalue()
    assert "FAIL: IMAP: not tried: no OAuth 2.0 token (see the token line above)" in lines
    assert any(line.startswith("FAIL: SMTP: ") for line in lines)  # nothing listens on 1025


def test_a_revoked_refresh_token_in_check(tmp_path, server):
    token = server.issue_refresh_token("klachten")
    (tmp_path / "refresh-token").write_text(token + "\n")
    server.revoke(token)
    oauth2 = microsoft365(server, refresh_token_file=str(tmp_path / "refresh-token"))
    path = tmp_path / "mailbot.toml"
    path.write_text(with_oauth2(config_text(tmp_path / "data"), oauth2))
    out = io.StringIO()
    assert main(["check", "-c", str(path)], out=out) == 1
    assert (
        f"FAIL: OAuth 2.0 token: token endpoint {server.token_url} refused the refresh token: "
        "invalid_grant: AADSTS70000: The provided value for the 'refresh_token' is not valid: "
        "it was revoked or has been used." in out.getvalue().splitlines()
    )
