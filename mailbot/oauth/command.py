"""`token_command`: an external program prints the access token (the escape hatch for any
other identity provider, a vault, or a helper such as oauth2ms)."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt

from mailbot.errors import AuthError
from mailbot.oauth.answers import DEFAULT_LIFETIME, Token

# A command with any of these needs a shell (pipes, redirections, variables, globs, lists);
# anything else is split like a shell would and run directly, with no shell to misread it.
_SHELL_SYNTAX = frozenset("|&;<>()$`*?[]{}~\n")
_TAIL = 200  # characters of stderr quoted in the error


def command_argv(command: str) -> list[str]:
    """The argv that runs `command`: itself split into words, or `/bin/sh -c` when it uses
    shell syntax."""
    if _SHELL_SYNTAX.intersection(command):
        return ["/bin/sh", "-c", command]
    try:
        return shlex.split(command)
    except ValueError:  # unbalanced quotes: let the shell say what it makes of them
        return ["/bin/sh", "-c", command]


@dataclass
class TokenCommand:
    """Runs the command for each token it is asked for. Its token lives until the JWT's
    `exp` when it is a JWT, else DEFAULT_LIFETIME (an opaque token's lifetime is unknown;
    a refused login fetches a fresh one anyway)."""

    command: str
    timeout: float
    name: str = "token_command"

    def fetch(self, now: datetime) -> Token:
        argv = command_argv(self.command)
        returncode, stdout, stderr = _run(argv, self.timeout, self.command)
        if returncode != 0:
            said = _last_line(stderr) or _last_line(stdout) or "no output"
            raise AuthError(f"token_command exited with status {returncode}: {said}")
        lines = stdout.decode("utf-8", "replace").splitlines()
        token = lines[0].strip() if lines else ""
        if not token:
            raise AuthError(f"token_command printed no token on its first line: {self.command}")
        return Token(access_token=token, issued=now, expires=_expiry(token, now))


def _run(argv: list[str], timeout: float, shown: str) -> tuple[int, bytes, bytes]:
    """Run in a session of its own, so that a timeout ends the command and whatever it
    started (a shell's children would otherwise hold its output open)."""
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise AuthError(f"token_command could not be started: {argv[0]}: {reason}") from exc
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AuthError(f"token_command did not finish within {timeout:g} s: {shown}") from None
    return proc.returncode, stdout, stderr


def _expiry(token: str, now: datetime) -> datetime:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (jwt.PyJWTError, KeyError, TypeError, ValueError, OverflowError):
        return now + DEFAULT_LIFETIME


def _last_line(data: bytes) -> str:
    lines = [line.strip() for line in data.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    text = lines[-1] if lines else ""
    return text if len(text) <= _TAIL else text[: _TAIL - 3] + "..."
