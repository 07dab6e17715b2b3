"""A local mail system on loopback for tests and `mailbot demo`: pymap IMAP and aiosmtpd SMTP."""

from __future__ import annotations

import asyncio
import secrets
import socket
import threading
from argparse import Namespace
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

from aiosmtpd.controller import Controller
from pymap.backend.dict import Config as DictConfig
from pymap.backend.dict import DictBackend, Identity, Login
from pymap.concurrent import Subsystem
from pymap.imap import IMAPService
from pymap.parsing.message import AppendMessage
from pymap.user import Passwords, UserMetadata
from pysasl.hashing import Cleartext

from mailbot.clock import SYSTEM_CLOCK, Clock

LOOPBACK = "127.0.0.1"
_T = TypeVar("_T")


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that is free on `host` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


# --- IMAP: pymap's in-memory backend ----------------------------------------------------------


class _Cleartext(Cleartext):
    """pysasl's Cleartext raises TypeError on non-ASCII passwords (compare_digest of str)."""

    def verify(self, secret: str, hash: str) -> bool:
        return secrets.compare_digest(secret.encode(), hash.encode())


class _Config(DictConfig):
    """pymap's dict config with a fixed greeting (the default resolves the host name)."""

    @property
    def greeting(self) -> bytes:
        return b"Server ready mailbot-devmail"


class EmbeddedImapServer:
    """An in-memory IMAP server (pymap) on loopback, without TLS, on a thread of its own."""

    def __init__(
        self, host: str = LOOPBACK, port: int | None = None, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.clock = clock  # the arrival time (INTERNALDATE) of what `append` delivers
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stack: AsyncExitStack | None = None
        self._login: Login | None = None
        self._config: _Config | None = None

    def start(self) -> None:
        if self._loop is not None:
            return
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name=f"pymap-{self.port}", daemon=True
        )
        self._thread.start()
        try:
            self._call(self._start())
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            self._call(self._stop())
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()
            self._loop = self._thread = None

    def add_user(self, username: str, password: str) -> None:
        """Create a user (or set a new password); usable while the server runs."""
        self._call(self._add_user(username, password))

    def append(self, username: str, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver a message straight into a user's folder (created when absent)."""
        self._call(self._append(username, raw, folder))

    def __enter__(self) -> EmbeddedImapServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _call(self, coro: Coroutine[Any, Any, _T], timeout: float = 10.0) -> _T:
        if self._loop is None:
            coro.close()
            raise RuntimeError("the embedded IMAP server is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _start(self) -> None:
        args = Namespace(
            host=self.host,
            port=self.port,
            debug=False,
            cert=None,
            key=None,
            tls=False,
            passlib_cfg=None,
            proxy_protocol=None,
            inherited_sockets=None,
            demo_data=False,
            demo_user="",
            demo_password="",
        )
        config = _Config.from_args(
            args,
            hash_context=_Cleartext(),
            invalid_user_sleep=0,
            cpu_subsystem=Subsystem.for_asyncio(),
        )
        config.apply_context()
        self._config, self._login = config, Login(config)
        backend = DictBackend(self._login, config)
        self._stack = AsyncExitStack()
        await backend.start(self._stack)
        await IMAPService(backend, config).start(self._stack)

    async def _stop(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        for task in tasks:  # open client connections
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _add_user(self, username: str, password: str) -> None:
        assert self._config is not None and self._login is not None
        hashed = await Passwords(self._config).hash_password(password)
        user = UserMetadata(
            self._config,
            username,
            password=hashed,
            previous_entity_tag=UserMetadata.REPLACE_ANY,
        )
        await Identity(username, self._login, None, frozenset()).set(user)

    async def _append(self, username: str, raw: bytes, folder: str) -> None:
        assert self._login is not None
        identity = Identity(username, self._login, None, frozenset())
        async with identity.new_session() as session:
            message = AppendMessage(raw, self.clock.now(), frozenset())
            await session.append_messages(folder, [message])


# --- SMTP: an aiosmtpd sink -------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    peer: str = ""  # the client's host:port, one per SMTP session


@dataclass(frozen=True)
class _Failure:
    code: int
    text: str
    stage: str


class SmtpSink:
    """An SMTP server on loopback that records every message; can be stopped and restarted
    on the same port, and told to answer with an error code."""

    STAGES = ("mail", "rcpt", "data")

    def __init__(
        self,
        host: str = LOOPBACK,
        port: int | None = None,
        deliver: Callable[[ReceivedMail], None] | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._deliver = deliver
        self._messages: list[ReceivedMail] = []
        self._changed = threading.Condition()
        self._failure: _Failure | None = None
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._changed:
            return list(self._messages)

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is not None:
            return
        controller = Controller(
            _Handler(self), hostname=self.host, port=self.port, server_hostname="devmail.localhost"
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def clear(self) -> None:
        with self._changed:
            self._messages.clear()

    def fail_with(
        self, code: int | None, text: str = "Try again later", stage: str = "data"
    ) -> None:
        """Answer `code text` at MAIL, RCPT or DATA from now on; `fail_with(None)` heals."""
        if stage not in self.STAGES:
            raise ValueError(f"stage must be one of {self.STAGES}")
        self._failure = None if code is None else _Failure(code, text, stage)

    def wait_for(self, count: int, timeout: float) -> list[ReceivedMail]:
        """Block until at least `count` messages arrived; all of them, or TimeoutError."""
        return self.wait_until(
            lambda messages: len(messages) >= count, timeout, f"{count} message(s)"
        )

    def wait_until(
        self, done: Callable[[list[ReceivedMail]], bool], timeout: float, what: str = "that"
    ) -> list[ReceivedMail]:
        """Block until `done(messages)` holds, woken by each arrival; all messages, or
        TimeoutError naming `what`."""
        with self._changed:
            if not self._changed.wait_for(lambda: done(self._messages), timeout):
                raise TimeoutError(
                    f"expected {what} within {timeout} s, {len(self._messages)} arrived"
                )
            return list(self._messages)

    def __enter__(self) -> SmtpSink:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _failure_at(self, stage: str) -> str | None:
        failure = self._failure
        if failure is None or failure.stage != stage:
            return None
        return f"{failure.code} {failure.text}"

    def _receive(self, mail: ReceivedMail) -> str:
        if self._deliver is not None:
            try:
                self._deliver(mail)
            except Exception as exc:
                return f"451 4.3.0 delivery failed: {exc}"
        with self._changed:
            self._messages.append(mail)
            self._changed.notify_all()
        return "250 2.0.0 OK"


class _Handler:
    """aiosmtpd handler hooks for SmtpSink."""

    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_MAIL(self, server, session, envelope, address, options) -> str:
        if failure := self._sink._failure_at("mail"):
            return failure
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        if failure := self._sink._failure_at("rcpt"):
            return failure
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if failure := self._sink._failure_at("data"):
            return failure
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        host, port = session.peer[:2] if session.peer else ("", 0)
        mail = ReceivedMail(
            envelope.mail_from or "", tuple(envelope.rcpt_tos), bytes(raw), f"{host}:{port}"
        )
        return await asyncio.get_running_loop().run_in_executor(None, self._sink._receive, mail)
