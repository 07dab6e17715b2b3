"""`mailbot auth`: the first refresh token by the browser (authorization code with PKCE and a
loopback redirect) or by the device code, against the local token endpoint."""

from __future__ import annotations

import io
import socket
import stat
import threading
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tokenserver import DEVICE_CODE, TokenServer, microsoft365, with_oauth2

from mailbot.cli.main import main
from mailbot.config.load import load_config
from mailbot.oauth import build_token_provider

from support import config_text

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
AT = ["--at", NOW.isoformat()]
APP = "desktop-app-id"


class Browser(io.StringIO):
    """The terminal the operator reads: when mailbot prints the sign-in URL, "the browser"
    opens it (the server signs in at once and redirects to mailbot's loopback listener), or
    `answer` builds the redirect itself (a refused sign-in)."""

    def __init__(self, server: TokenServer, answer: Any = None) -> None:
        super().__init__()
        self.server = server
        self.answer = answer
        self.pages: list[str] = []
        self.threads: list[threading.Thread] = []

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.startswith(self.server.base_url + "/authorize?"):
                url = self.answer(line) if self.answer else line
                thread = threading.Thread(target=self._open, args=(url,))
                thread.start()
                self.threads.append(thread)
        return super().write(text)

    def _open(self, url: str) -> None:
        with urllib.request.urlopen(url, timeout=10) as page:
            self.pages.append(page.read().decode())

    def join(self) -> None:
        for thread in self.threads:
            thread.join(10)


@pytest.fixture
def server():
    with TokenServer(clock=NOW.timestamp) as running:
        running.users[APP] = "klachten@example.nl"
        yield running


def write_config(tmp_path: Path, oauth2: dict[str, Any]) -> Path:
    path = tmp_path / "mailbot.toml"
    path.write_text(with_oauth2(config_text(tmp_path / "data"), oauth2))
    return path


def generic(server: TokenServer, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return {
        "provider": "generic",
        "token_url": server.token_url,
        "authorization_url": server.authorization_url,
        "device_authorization_url": server.device_url,
        "client_id": APP,
        "scope": "mail offline_access",
        "refresh_token_file": str(tmp_path / "refresh-token"),
        **extra,
    }


def microsoft(server: TokenServer, tmp_path: Path) -> dict[str, Any]:
    return microsoft365(server, client_id=APP, refresh_token_file=str(tmp_path / "refresh-token"))


def test_browser_sign_in_saves_the_first_refresh_token(tmp_path, server):
    config = write_config(tmp_path, generic(server, tmp_path))
    browser = Browser(server)
    assert main(["auth", "-c", str(config), *AT], out=browser) == 0
    browser.join()
    path = tmp_path / "refresh-token"
    saved = path.read_text().strip()
    assert server.refresh_tokens == {saved: "klachten@example.nl"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert browser.pages == [
        "<!doctype html><title>mailbot</title><p>Signed in: mailbot has what it needs. "
        "You may close this window.</p>"
    ]
    authorize, exchange = server.requests
    assert authorize.path == "/authorize"
    assert authorize.fields["code_challenge_method"] == "S256"
    assert authorize.fields["redirect_uri"].startswith("http://127.0.0.1:")
    assert authorize.fields["scope"] == "mail offline_access"
    assert exchange.fields["grant_type"] == "authorization_code"
    assert exchange.status == 200  # the server checked the PKCE verifier against the challenge
    assert len(exchange.fields["code_verifier"]) >= 43
    text = browser.getvalue()
    assert "Open this URL in a browser on this machine and sign in:\n" in text
    assert text.endswith(
        f"ok: refresh token saved to {path} (mode 0600); `mailbot check` logs in with it now\n"
    )
    # and the daemon's token provider takes it from there
    tokens = build_token_provider(load_config(config, {}))
    assert server.decode(tokens.token(NOW))["email"] == "klachten@example.nl"
    assert server.refresh_tokens_used() == [saved]


def test_browser_sign_in_for_microsoft365(tmp_path, server):
    config = write_config(tmp_path, microsoft(server, tmp_path))
    browser = Browser(server)
    assert main(["auth", "-c", str(config), *AT], out=browser) == 0
    browser.join()
    authorize = server.requests[0].fields
    assert authorize["redirect_uri"].startswith("http://localhost:")
    assert "offline_access" in authorize["scope"].split()
    assert (tmp_path / "refresh-token").read_text().strip() in server.refresh_tokens


def test_a_refused_sign_in_is_one_line(tmp_path, server, capsys):
    def refuse(url: str) -> str:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        answer = {
            "error": "access_denied",
            "error_description": "AADSTS65004: User declined to consent to access the app.",
            "state": query["state"],
        }
        return f"{query['redirect_uri']}?{urllib.parse.urlencode(answer)}"

    config = write_config(tmp_path, generic(server, tmp_path))
    browser = Browser(server, refuse)
    assert main(["auth", "-c", str(config), *AT], out=browser) == 1
    browser.join()
    assert capsys.readouterr().err == (
        f"error: token endpoint {server.authorization_url} refused the sign-in: access_denied: "
        "AADSTS65004: User declined to consent to access the app.\n"
    )
    assert not (tmp_path / "refresh-token").exists()
    assert browser.pages == [
        "<!doctype html><title>mailbot</title><p>Sign-in refused: access_denied. "
        "See the terminal.</p>"
    ]


def test_a_redirect_with_a_forged_state_is_refused(tmp_path, server, capsys):
    def forge(url: str) -> str:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        return f"{query['redirect_uri']}?code=stolen&state=other"

    config = write_config(tmp_path, generic(server, tmp_path))
    browser = Browser(server, forge)
    assert main(["auth", "-c", str(config), *AT], out=browser) == 1
    browser.join()
    assert "wrong state" in capsys.readouterr().err
    assert server.count() == 0  # the code was never exchanged


def test_a_fixed_port_for_an_ssh_tunnel(tmp_path, server):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_config(tmp_path, generic(server, tmp_path))
    browser = Browser(server)
    assert main(["auth", "-c", str(config), *AT, "--port", str(port)], out=browser) == 0
    browser.join()
    assert server.requests[0].fields["redirect_uri"] == f"http://127.0.0.1:{port}/"


def test_no_browser_in_time(tmp_path, server, capsys):
    config = write_config(tmp_path, generic(server, tmp_path))
    out = io.StringIO()
    assert main(["auth", "-c", str(config), *AT, "--timeout", "0.2"], out=out) == 1
    assert capsys.readouterr().err == "error: no sign-in came back within 0.2 s\n"


def test_device_code_for_microsoft365(tmp_path, server):
    server.device_pending_polls = 2
    config = write_config(tmp_path, microsoft(server, tmp_path))
    out = io.StringIO()
    assert main(["auth", "-c", str(config), *AT, "--device"], out=out) == 0
    code = next(iter(server.requests)).fields
    assert code["client_id"] == APP and "offline_access" in code["scope"]
    assert server.count(DEVICE_CODE) == 3  # pending, pending, signed in
    text = out.getvalue()
    assert f"To sign in, open {server.base_url}/devicelogin and enter " in text
    saved = (tmp_path / "refresh-token").read_text().strip()
    assert server.refresh_tokens == {saved: "klachten@example.nl"}


def test_device_code_is_refused_for_google(tmp_path, server, capsys):
    oauth2 = generic(server, tmp_path, provider="google", device_authorization_url=None)
    del oauth2["device_authorization_url"]
    config = write_config(tmp_path, oauth2)
    assert main(["auth", "-c", str(config), *AT, "--device"], out=io.StringIO()) == 1
    assert capsys.readouterr().err == (
        "error: Google does not allow the device flow for the mail scope "
        "https://mail.google.com/: run `mailbot auth` without --device (it signs in through "
        "the browser)\n"
    )
    assert server.requests == []


def test_auth_is_only_for_delegated_access(tmp_path, server, capsys):
    oauth2 = generic(server, tmp_path, client_secret_env="S")
    del oauth2["refresh_token_file"]
    config = write_config(tmp_path, oauth2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("S", "x")
        assert main(["auth", "-c", str(config), *AT], out=io.StringIO()) == 1
    assert capsys.readouterr().err == (
        "error: `mailbot auth` is for delegated access (refresh_token_file); this config uses "
        "client_secret, which needs no sign-in: run `mailbot check`\n"
    )
