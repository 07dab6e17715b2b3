"""A TCP proxy in front of the test Dovecot that behaves like Exchange Online when a session's
token runs out: it reads the bearer token of the session's AUTHENTICATE, and when the token's
`exp` has passed (real time, as the servers judge it) it sends
`* BYE Session invalidated - AccessTokenExpired` and closes the connection."""

from __future__ import annotations

import base64
import binascii
import contextlib
import select
import socket
import threading
import time

import jwt

from mailbot.demo.devmail import LOOPBACK, free_port

BYE = b"* BYE Session invalidated - AccessTokenExpired\r\n"
_SLICE = 0.05  # seconds between looks at the clock and the stop flag


class ExpiringProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.host = LOOPBACK
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._ending = threading.Condition(self._lock)
        self.sessions = 0  # connections proxied
        self.ended = 0  # sessions ended for an expired token

    def start(self) -> ExpiringProxy:
        listener = socket.create_server((self.host, self.port))
        listener.settimeout(_SLICE)
        self._listener = listener
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.close()

    def wait_ended(self, count: int, timeout: float) -> None:
        """Block until `count` sessions have ended for an expired token, or TimeoutError."""
        with self._ending:
            if not self._ending.wait_for(lambda: self.ended >= count, timeout):
                raise TimeoutError(f"{self.ended} of {count} sessions ended within {timeout} s")

    def __enter__(self) -> ExpiringProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.sessions += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client, socket.create_connection(self.upstream) as server:
            expires: float | None = None
            said = b""  # what the client sent, until its token is known
            while not self._stop.is_set():
                if expires is not None and time.time() >= expires:
                    with contextlib.suppress(OSError):
                        client.sendall(BYE)
                    with self._ending:
                        self.ended += 1
                        self._ending.notify_all()
                    return
                readable, _, _ = select.select([client, server], [], [], _SLICE)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (server if sock is client else client).sendall(data)
                    if sock is client and expires is None:
                        said += data
                        expires = _token_expiry(said)
                        if expires is not None and expires <= time.time():
                            # Dovecot refuses it at login (as Exchange does): look for the
                            # token the client tries next
                            said, expires = b"", None


def _token_expiry(said: bytes) -> float | None:
    """The `exp` of the bearer token in any line the client sent (base64 SASL)."""
    for line in said.split(b"\r\n"):
        for word in line.split():
            try:
                text = base64.b64decode(word, validate=True).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                continue
            for part in text.split("\x01"):
                if part.startswith("auth=Bearer "):
                    token = part[len("auth=Bearer ") :]
                    with contextlib.suppress(jwt.PyJWTError, KeyError, TypeError, ValueError):
                        claims = jwt.decode(token, options={"verify_signature": False})
                        return float(claims["exp"])
    return None
