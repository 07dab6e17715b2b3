"""A private Dovecot IMAP server for tests: own config, own dirs, loopback, no TLS."""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from mailbot.demo.devmail import free_port

MAIL_UID = 5000  # Dovecot refuses uid 0 for mail; no passwd entry is needed for this one
_POLL = threading.Event()  # never set; waited on between readiness checks
CANDIDATES = ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")

# Bearer tokens validated by Dovecot itself (no network): HS256 JWTs signed with the key in
# DIR/default/HS256/default whose `email` claim is the login name (see ../shared/MAIL-HOSTS.md).
OAUTH2_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
"""
OAUTH2_CONF = """\
introspection_mode = local
local_validation_key_dict = fs:posix:prefix={root}/keys/
username_attribute = email
tokeninfo_url = http://127.0.0.1:1/unused?token=
"""

# Gmail's folder roles (RFC 6154): a \Trash folder and an \All folder that shows every mail
# of every folder, as Gmail's "[Gmail]/All Mail" does; All is a virtual folder (Dovecot's
# virtual plugin) over `*`, so a mail is gone from it only once it is expunged everywhere.
# mail_log writes each copy and expunge with its folder and UID to the log.
SPECIAL_USE = """\
mail_plugins = $mail_plugins virtual notify mail_log
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Trash {{
    auto = create
    special_use = \\Trash
  }}
}}
namespace virtual {{
  prefix = Virtual/
  separator = /
  location = virtual:{root}/virtual:INDEX=~/virtual
  list = yes
  subscriptions = no
  mailbox All {{
    special_use = \\All
  }}
}}
plugin {{
  mail_log_events = copy expunge
  mail_log_fields = uid box msgid size
}}
"""

CONFIG = """\
instance_name = mailbot-test-{port}
base_dir = {root}/run
state_dir = {root}/state
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login{mechanisms}
auth_failure_delay = 0
auth_verbose = yes
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = 1000
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/users/%u
}}
{special_use}{oauth2_passdb}userdb {{
  driver = static
  args = uid={uid} gid={uid} home={root}/mail/%u
}}
# no auth penalty (up to 15 s per login after a failed one from the same IP)
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def find_dovecot() -> str | None:
    """The dovecot binary, or None when it is not installed."""
    found = shutil.which("dovecot")
    if found:
        return found
    return next((path for path in CANDIDATES if os.access(path, os.X_OK)), None)


class DovecotServer:
    """`dovecot -F -c CONF` in a temp dir; users live in a passwd file (added without restart).
    With `oauth2_key` (the HS256 key) it also takes XOAUTH2 and OAUTHBEARER logins with
    bearer tokens signed by that key, for any user: a token's `email` claim names it. With
    `special_use` it has Gmail's folder roles: a \\Trash folder "Trash" and an \\All folder
    "Virtual/All" that shows every mail (see SPECIAL_USE)."""

    def __init__(
        self,
        binary: str | None = None,
        port: int | None = None,
        oauth2_key: bytes | None = None,
        special_use: bool = False,
    ) -> None:
        found = binary or find_dovecot()
        if found is None:
            raise FileNotFoundError("dovecot not installed: apt-get install -y dovecot-imapd")
        self.binary = found
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.root = Path(tempfile.mkdtemp(prefix="mailbot-dovecot-"))
        self.config_path = self.root / "dovecot.conf"
        self.users_dir = self.root / "users"
        self.log_path = self.root / "dovecot.log"
        self._process: subprocess.Popen[bytes] | None = None
        self.oauth2_key = oauth2_key
        self.special_use = special_use
        self._prepare()

    def _prepare(self) -> None:
        self.root.chmod(0o755)  # the mail and login processes run as other users
        mail = self.root / "mail"
        mail.mkdir()
        os.chown(mail, MAIL_UID, MAIL_UID)
        self.users_dir.mkdir(mode=0o755)
        oauth2 = self.oauth2_key is not None
        if oauth2:
            self._write_oauth2_files()
        if self.special_use:
            self._write_virtual_all()
        config = CONFIG.format(
            root=self.root,
            port=self.port,
            uid=MAIL_UID,
            mechanisms=" xoauth2 oauthbearer" if oauth2 else "",
            oauth2_passdb=OAUTH2_PASSDB.format(root=self.root) if oauth2 else "",
            special_use=SPECIAL_USE.format(root=self.root) if self.special_use else "",
        )
        self.config_path.write_text(config, encoding="utf-8")

    def _write_virtual_all(self) -> None:
        """The virtual \\All folder: every mailbox (`*`), every mail (`all`)."""
        rules = self.root / "virtual" / "All" / "dovecot-virtual"
        rules.parent.mkdir(parents=True)
        rules.write_text("*\n  all\n", encoding="ascii")
        for path in (rules.parent.parent, rules.parent, rules):
            path.chmod(0o755 if path.is_dir() else 0o644)  # read by the mail user

    def _write_oauth2_files(self) -> None:
        assert self.oauth2_key is not None
        (self.root / "oauth2.conf.ext").write_text(OAUTH2_CONF.format(root=self.root))
        key_file = self.root / "keys" / "default" / "HS256" / "default"
        key_file.parent.mkdir(parents=True)
        key_file.write_text(base64.b64encode(self.oauth2_key).decode("ascii"))
        for path in (self.root / "keys", *self.root.joinpath("keys").rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)  # the auth process is not root

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        if self.running:
            return
        with (self.root / "stderr.log").open("ab") as stderr:
            self._process = subprocess.Popen(
                [self.binary, "-F", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                start_new_session=True,  # its own process group: see stop()
            )
        self._wait_until_accepting(timeout)

    def stop(self, timeout: float = 15.0) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            # The whole group, as systemd would: a lone master leaves its imap processes
            # serving their clients for another 30 s, so old connections would not notice.
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)

    def restart(self) -> None:
        """Stop (waiting until the old master has exited) and start on the same port."""
        self.stop()
        self._wait_until_refusing(10.0)
        self.start()

    def add_user(self, username: str, password: str) -> None:
        """Works while running: one passwd file per user, because Dovecot looks at a
        passwd file's mtime at most once a second and would miss a user appended just now."""
        if any(c in username + password for c in ":/\n\r") or username.startswith("."):
            raise ValueError(f"unusable test user name or password for {username!r}")
        passwd = self.users_dir / username
        passwd.write_text(f"{username}:{{PLAIN}}{password}\n", encoding="utf-8")
        passwd.chmod(0o644)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> DovecotServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cleanup()

    def _wait_until_accepting(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"dovecot exited at start: {self._startup_error()}")
            if self._accepts():
                return
            self._wait_for_exit(0.02)  # not listening yet; returns at once if the master died
        self.stop()
        raise RuntimeError(f"dovecot did not accept on port {self.port} within {timeout} s")

    def _accepts(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def _wait_until_refusing(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self._accepts():
            if time.monotonic() > deadline:
                raise RuntimeError(f"port {self.port} still accepts after dovecot stopped")
            _POLL.wait(0.02)  # bounded readiness poll

    def _wait_for_exit(self, seconds: float) -> None:
        if self._process is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(seconds)

    def _startup_error(self) -> str:
        stderr = (self.root / "stderr.log").read_text(errors="replace")
        return (stderr + "\n" + self.log_tail()).strip()
