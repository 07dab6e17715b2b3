"""Token sources against a real local token endpoint: each grant, rotation, reuse, expiry,
and errors as one line naming the provider's error."""

from __future__ import annotations

import os
import stat
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from tokenserver import (
    CLIENT_ASSERTION_TYPE,
    CLIENT_ID,
    JWT_BEARER,
    TokenServer,
    make_key_pair,
    microsoft365,
    with_oauth2,
    write_service_account,
)

from mailbot.config.load import load_config
from mailbot.config.settings import Settings
from mailbot.errors import AuthError
from mailbot.oauth import TokenProvider, build_token_provider
from mailbot.oauth.command import command_argv

from support import config_text, make_settings

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
SECRET = "c2VjcmV0-value"
SA_EMAIL = "mailbot@voorbeeld-project.iam.gserviceaccount.com"


@pytest.fixture
def server():
    with TokenServer(mailbox="klachten", clock=NOW.timestamp) as running:
        running.clients[CLIENT_ID] = SECRET
        yield running


def settings_for(tmp_path: Path, oauth2: dict[str, Any], env: dict[str, str] | None = None):
    text = with_oauth2(config_text(tmp_path / "data"), oauth2)
    path = tmp_path / "mailbot.toml"
    path.write_text(text)
    return load_config(path, env or {})


def provider(settings: Settings) -> TokenProvider:
    built = build_token_provider(settings)
    assert built is not None
    return built


def secret_provider(tmp_path: Path, server: TokenServer, secret: str = SECRET) -> TokenProvider:
    oauth2 = microsoft365(server, client_secret_env="SECRET")
    return provider(settings_for(tmp_path, oauth2, {"SECRET": secret}))


def one_line(error: AuthError) -> str:
    text = str(error)
    assert "\n" not in text and "\r" not in text
    return text


# --------------------------------------------------------------------------- each source


def test_no_provider_without_oauth2(tmp_path):
    assert build_token_provider(make_settings(tmp_path)) is None


def test_client_secret(tmp_path, server):
    tokens = secret_provider(tmp_path, server)
    access = tokens.token(NOW)
    assert server.decode(access)["email"] == "klachten"
    (request,) = server.requests
    assert request.fields == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "scope": "https://outlook.office365.com/.default",
    }


def test_client_certificate(tmp_path, server):
    pair = make_key_pair(tmp_path / "keys")
    server.certificates[CLIENT_ID] = pair
    oauth2 = microsoft365(
        server, client_certificate_file=str(pair.cert_file), private_key_file=str(pair.key_file)
    )
    access = provider(settings_for(tmp_path, oauth2)).token(NOW)
    assert server.decode(access)["email"] == "klachten"
    (request,) = server.requests
    assert request.status == 200  # the server checked the signature with the certificate
    assert request.fields["client_assertion_type"] == CLIENT_ASSERTION_TYPE
    assert "client_secret" not in request.fields
    assertion = request.fields["client_assertion"]
    header = jwt.get_unverified_header(assertion)
    assert header["alg"] == "RS256" and header["x5t"] == pair.x5t
    assert len(header["x5t#S256"]) == 43  # base64url of a SHA-256 digest
    claims = jwt.decode(assertion, options={"verify_signature": False})
    assert claims["aud"] == server.token_url
    assert claims["iss"] == claims["sub"] == CLIENT_ID
    assert claims["exp"] - claims["iat"] == 300
    assert claims["iat"] == int(NOW.timestamp())


def test_client_certificate_signed_by_another_key_is_refused(tmp_path, server):
    pair = make_key_pair(tmp_path / "keys")
    server.certificates[CLIENT_ID] = make_key_pair(tmp_path / "other", "other")
    oauth2 = microsoft365(
        server, client_certificate_file=str(pair.cert_file), private_key_file=str(pair.key_file)
    )
    with pytest.raises(AuthError) as info:
        provider(settings_for(tmp_path, oauth2)).token(NOW)
    assert "invalid_client: AADSTS700027: Client assertion failed signature validation" in (
        one_line(info.value)
    )


def test_a_key_that_is_not_the_certificates_is_named_at_start(tmp_path, server):
    pair = make_key_pair(tmp_path / "keys")
    other = make_key_pair(tmp_path / "other", "other")
    oauth2 = microsoft365(
        server, client_certificate_file=str(pair.cert_file), private_key_file=str(other.key_file)
    )
    with pytest.raises(AuthError) as info:
        build_token_provider(settings_for(tmp_path, oauth2))
    assert one_line(info.value) == (
        f"private_key_file {other.key_file} is not the key of client_certificate_file "
        f"{pair.cert_file}"
    )
    assert server.requests == []


def test_service_account_acts_as_the_mailbox(tmp_path, server):
    pair = make_key_pair(tmp_path / "keys", "sa")
    server.service_accounts[SA_EMAIL] = pair
    path = write_service_account(tmp_path / "sa.json", pair, SA_EMAIL, server.token_url)
    settings = settings_for(tmp_path, {"provider": "google", "service_account_file": str(path)})
    assert settings.oauth2.token_url == server.token_url  # from the key file's token_uri
    access = provider(settings).token(NOW)
    assert server.decode(access)["email"] == "klachten"  # imap.username
    (request,) = server.requests
    assert request.fields["grant_type"] == JWT_BEARER
    assert set(request.fields) == {"grant_type", "assertion"}
    header = jwt.get_unverified_header(request.fields["assertion"])
    claims = jwt.decode(request.fields["assertion"], options={"verify_signature": False})
    assert header == {"alg": "RS256", "typ": "JWT", "kid": "k1"}
    assert claims == {
        "iss": SA_EMAIL,
        "sub": "klachten",
        "scope": "https://mail.google.com/",
        "aud": server.token_url,
        "iat": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 3600,
    }


def test_service_account_unknown_to_the_endpoint(tmp_path, server):
    pair = make_key_pair(tmp_path / "keys", "sa")
    path = write_service_account(tmp_path / "sa.json", pair, SA_EMAIL, server.token_url)
    settings = settings_for(tmp_path, {"provider": "google", "service_account_file": str(path)})
    with pytest.raises(AuthError) as info:
        provider(settings).token(NOW)
    assert one_line(info.value).startswith(
        f"token endpoint {server.token_url} refused the service account grant (JWT bearer): "
        "invalid_grant: Invalid JWT"
    )


# --------------------------------------------------------------------------- refresh tokens


def refresh_setup(tmp_path: Path, server: TokenServer, **extra: Any):
    first = server.issue_refresh_token("klachten")
    path = tmp_path / "refresh-token"
    path.write_text(first + "\n")
    oauth2 = microsoft365(server, refresh_token_file=str(path), **extra)
    settings = settings_for(tmp_path, oauth2, {"SECRET": SECRET})
    return provider(settings), path, first


def test_refresh_token_rotates_and_the_old_one_is_never_used_again(tmp_path, server):
    tokens, path, first = refresh_setup(tmp_path, server)
    inode = path.stat().st_ino
    access = tokens.token(NOW)
    second = path.read_text().strip()
    assert second != first and second in server.refresh_tokens
    assert first in server.retired
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.stat().st_ino != inode  # replaced whole (renamed into place), not rewritten
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left
    assert server.decode(access)["email"] == "klachten"
    assert server.requests[0].fields["scope"] == (
        "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send "
        "offline_access"
    )
    assert "client_secret" not in server.requests[0].fields  # a public client
    tokens.refresh(NOW + timedelta(minutes=1))
    tokens.refresh(NOW + timedelta(minutes=2))
    used = server.refresh_tokens_used()
    assert used[:2] == [first, second]
    assert len(used) == len(set(used)) == 3  # each one once
    assert all(r.status == 200 for r in server.requests)
    assert path.read_text().strip() == next(iter(server.refresh_tokens))


def test_rotated_token_survives_a_restart(tmp_path, server):
    tokens, path, first = refresh_setup(tmp_path, server)
    tokens.token(NOW)
    second = path.read_text().strip()
    provider(settings_for(tmp_path, microsoft365(server, refresh_token_file=str(path)))).token(NOW)
    assert server.refresh_tokens_used() == [first, second]
    assert [r.status for r in server.requests] == [200, 200]


def test_a_rotated_token_that_cannot_be_saved_is_not_used_and_not_lost(tmp_path, server):
    tokens, path, first = refresh_setup(tmp_path, server)
    tokens.token(NOW)
    second = path.read_text().strip()
    blocker = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    blocker.mkdir()  # where the save writes its temp file: the save fails, reading works
    with pytest.raises(AuthError) as info:
        tokens.refresh(NOW)
    assert one_line(info.value).startswith(f"cannot save the new refresh token to {path}: ")
    assert tokens.fetches == 1  # the new access token was not handed out
    assert path.read_text().strip() == second
    blocker.rmdir()
    tokens.refresh(NOW)
    used = server.refresh_tokens_used()
    assert used[:2] == [first, second] and len(used) == len(set(used)) == 3
    assert [r.status for r in server.requests] == [200, 200, 200]
    assert path.read_text().strip() in server.refresh_tokens


def test_two_processes_share_the_file_and_never_spend_a_token_twice(tmp_path, server):
    daemon, path, first = refresh_setup(tmp_path, server)
    daemon.token(NOW)  # first -> second
    check = provider(settings_for(tmp_path, microsoft365(server, refresh_token_file=str(path))))
    check.token(
        NOW
    )  # `mailbot check` while the daemon runs:  # second -> third, written to the file
    daemon.refresh(NOW)  # takes third from the file, not its own second
    used = server.refresh_tokens_used()
    assert used[0] == first and len(used) == len(set(used)) == 3
    assert all(r.status == 200 for r in server.requests)
    assert path.read_text().strip() in server.refresh_tokens


def test_refresh_with_a_client_secret(tmp_path, server):
    tokens, _, _ = refresh_setup(tmp_path, server, client_secret_env="SECRET")
    tokens.token(NOW)
    (request,) = server.requests
    assert request.fields["client_secret"] == SECRET and request.status == 200


def test_revoked_refresh_token_is_one_line_naming_invalid_grant(tmp_path, server):
    tokens, _, first = refresh_setup(tmp_path, server)
    server.revoke(first)
    with pytest.raises(AuthError) as info:
        tokens.token(NOW)
    assert one_line(info.value) == (
        f"token endpoint {server.token_url} refused the refresh token: invalid_grant: "
        "AADSTS70000: The provided value for the 'refresh_token' is not valid: it was revoked "
        "or has been used."
    )


def test_google_revoked_refresh_token(tmp_path, server):
    server.style = "google"
    tokens, _, first = refresh_setup(tmp_path, server)
    server.revoke(first)
    with pytest.raises(AuthError) as info:
        tokens.token(NOW)
    assert one_line(info.value).endswith(
        "refused the refresh token: invalid_grant: Token has been expired or revoked."
    )


def test_missing_refresh_token_file_says_to_run_auth(tmp_path, server):
    settings = settings_for(
        tmp_path, microsoft365(server, refresh_token_file=str(tmp_path / "not-yet"))
    )
    with pytest.raises(AuthError) as info:
        provider(settings).token(NOW)
    assert one_line(info.value) == (
        f"no refresh token yet: {tmp_path / 'not-yet'} does not exist; run `mailbot auth` "
        "once to sign in"
    )
    assert server.requests == []


# --------------------------------------------------------------------------- cache and expiry


def test_many_token_calls_one_request(tmp_path, server):
    tokens = secret_provider(tmp_path, server)
    seen = {tokens.token(NOW + timedelta(seconds=s)) for s in range(0, 3000, 30)}
    assert len(seen) == 1 and server.count() == 1 and tokens.fetches == 1


def test_threads_share_one_fetch(tmp_path, server):
    tokens = secret_provider(tmp_path, server)
    results: list[str] = []
    start = threading.Barrier(8)

    def login() -> None:
        start.wait()
        results.append(tokens.token(NOW))

    threads = [threading.Thread(target=login) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and len(set(results)) == 1
    assert server.count() == 1


def test_a_token_is_renewed_a_minute_before_it_expires(tmp_path, server):
    tokens = secret_provider(tmp_path, server)  # expires_in 3600
    first = tokens.token(NOW)
    assert tokens.token(NOW + timedelta(seconds=3539)) == first
    second = tokens.token(NOW + timedelta(seconds=3541))
    assert second != first and server.count() == 2
    assert tokens.expires() == NOW + timedelta(seconds=3541 + 3600)


def test_a_short_lived_token_is_renewed_at_half_its_life(tmp_path, server):
    server.lifetime = 4
    tokens = secret_provider(tmp_path, server)
    first = tokens.token(NOW)
    assert tokens.token(NOW + timedelta(seconds=1.9)) == first
    assert tokens.token(NOW + timedelta(seconds=2)) != first
    assert server.count() == 2


def test_refresh_forces_a_new_token(tmp_path, server):
    tokens = secret_provider(tmp_path, server)
    first = tokens.token(NOW)
    second = tokens.refresh(NOW)
    assert second != first and tokens.token(NOW) == second and server.count() == 2


def test_endpoint_down_while_the_token_still_works(tmp_path, server):
    tokens = secret_provider(tmp_path, server)
    first = tokens.token(NOW)
    server.fail_next += [(503, {})] * 2
    assert tokens.token(NOW + timedelta(seconds=3550)) == first  # 50 s left: ride it out
    with pytest.raises(AuthError) as info:
        tokens.token(NOW + timedelta(seconds=3600))
    assert one_line(info.value) == (
        f"token endpoint {server.token_url} refused the client credentials (client secret): "
        "HTTP 503 without an OAuth error"
    )


# --------------------------------------------------------------------------- errors


def test_wrong_client_secret_is_one_line_naming_aadsts(tmp_path, server):
    with pytest.raises(AuthError) as info:
        secret_provider(tmp_path, server, secret="wrong").token(NOW)
    assert one_line(info.value) == (
        f"token endpoint {server.token_url} refused the client credentials (client secret): "
        "invalid_client: AADSTS7000215: Invalid client secret provided. Ensure the secret "
        "being sent in the request is the client secret value, not the client secret ID, for "
        "a secret added to app '11111111-2222-3333-4444-555555555555'."
    )


def test_error_code_without_aadsts_in_the_text_is_added(tmp_path, server):
    server.fail_next.append(
        (400, {"error": "invalid_scope", "error_description": "bad scope", "error_codes": [70011]})
    )
    with pytest.raises(AuthError) as info:
        secret_provider(tmp_path, server).token(NOW)
    assert one_line(info.value).endswith("invalid_scope: AADSTS70011: bad scope")


def test_unreachable_endpoint(tmp_path, server):
    tokens = secret_provider(tmp_path, server)
    url = server.token_url
    server.stop()
    with pytest.raises(AuthError) as info:
        tokens.token(NOW)
    assert one_line(info.value).startswith(f"cannot reach the token endpoint {url}: ")


# --------------------------------------------------------------------------- token_command


def command_settings(tmp_path: Path, command: str, timeout: float = 5):
    oauth2 = {
        "provider": "generic",
        "token_command": command,
        "token_command_timeout_seconds": timeout,
    }
    return settings_for(tmp_path, oauth2)


def script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "print-token"
    path.write_text(f"#!{sys.executable}\n{body}\n")
    path.chmod(0o755)
    return path


def test_token_command_first_line_and_jwt_expiry(tmp_path, server):
    token = server._access("klachten", "")["access_token"]
    exp = datetime.fromtimestamp(server.decode(token)["exp"], UTC)
    prog = script(tmp_path, f"print({token!r}); print('second line ignored')")
    tokens = provider(command_settings(tmp_path, f"'{prog}' --user klachten"))
    assert tokens.token(NOW) == token
    assert tokens.expires() == exp


def test_token_command_opaque_token_lives_five_minutes(tmp_path):
    prog = script(tmp_path, "import sys; print('opaque-' + sys.argv[1])")
    tokens = provider(command_settings(tmp_path, f"{prog} abc"))
    assert tokens.token(NOW) == "opaque-abc"
    assert tokens.expires() == NOW + timedelta(minutes=5)


def test_token_command_with_shell_syntax_runs_in_a_shell(tmp_path):
    assert command_argv("print-token --user 'a b'") == ["print-token", "--user", "a b"]
    assert command_argv("cat $HOME/t | head -1") == ["/bin/sh", "-c", "cat $HOME/t | head -1"]
    tokens = provider(command_settings(tmp_path, "echo shell-token | tr a-z A-Z"))
    assert tokens.token(NOW) == "SHELL-TOKEN"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "import sys; print('vault: permission denied', file=sys.stderr); sys.exit(3)",
            "token_command exited with status 3: vault: permission denied",
        ),
        ("print()", "token_command printed no token on its first line: "),
    ],
)
def test_token_command_failures(tmp_path, body, expected):
    prog = script(tmp_path, body)
    with pytest.raises(AuthError) as info:
        provider(command_settings(tmp_path, str(prog))).token(NOW)
    assert one_line(info.value).startswith(expected)


def test_token_command_timeout_ends_it_and_its_children(tmp_path):
    marker = tmp_path / "still-running"
    command = f"sleep 30; touch {marker}"
    tokens = provider(command_settings(tmp_path, command, timeout=0.3))
    with pytest.raises(AuthError) as info:
        tokens.token(NOW)
    assert one_line(info.value) == f"token_command did not finish within 0.3 s: {command}"
    assert not marker.exists()


def test_token_command_not_found(tmp_path):
    with pytest.raises(AuthError) as info:
        provider(command_settings(tmp_path, str(tmp_path / "nope"))).token(NOW)
    assert one_line(info.value) == (
        f"token_command could not be started: {tmp_path / 'nope'}: No such file or directory"
    )


def test_settings_repr_holds_no_secret(tmp_path, server):
    settings = settings_for(tmp_path, microsoft365(server, client_secret_env="S"), {"S": SECRET})
    assert settings.oauth2.client_secret == SECRET and SECRET not in repr(settings)
