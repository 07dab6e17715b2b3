"""The IMAP mailbox adapter: the only importer of imapclient; every failure becomes an ImapError."""

from __future__ import annotations

import hashlib
import logging
import re
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING

from imapclient import DELETED, IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from mailbot.clock import SYSTEM_CLOCK, Clock
from mailbot.config.settings import ImapSettings
from mailbot.errors import AuthError, ImapAuthError, ImapError, ImapSessionExpired
from mailbot.mail.sasl import bearer_mechanism
from mailbot.model import FetchedMessage
from mailbot.procedure.retention import KeptCopy

if TYPE_CHECKING:
    from mailbot.oauth import TokenProvider

log = logging.getLogger(__name__)

WAIT_SLICE = 0.5  # seconds; the longest a wait goes without looking at should_stop
_ACTIVITY = frozenset({b"EXISTS", b"RECENT", b"EXPUNGE", b"FETCH", b"VANISHED"})
# Exchange Online ends a session whose token ran out:
# "* BYE Session invalidated - AccessTokenExpired"
_TOKEN_EXPIRED = re.compile(r"token\s*expired", re.IGNORECASE)
_SPECIAL_USE = {"\\all": "\\All", "\\trash": "\\Trash"}  # the RFC 6154 roles the purge uses


class ImapMailbox:
    """One IMAP connection to the configured mailbox, with its folder selected. With
    `auth = "oauth2"` it logs in with a bearer token from `tokens`, asked for at `clock`'s now."""

    def __init__(
        self,
        settings: ImapSettings,
        tokens: TokenProvider | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._settings = settings
        self._tokens = tokens
        self._clock = clock
        self._client: IMAPClient | None = None
        self._capabilities: frozenset[str] = frozenset()
        self._uidvalidity: int | None = None
        self._pause = threading.Event()  # never set: waited on for a bounded time only

    # --- connection -------------------------------------------------------------------------

    def connect(self) -> None:
        """Connect, log in, create the processed and quarantine folders, select the folder."""
        self.close()
        with self._translated("connect"):
            self._client = client = self._open()
            try:
                if self._settings.security == "starttls":
                    client.starttls(ssl.create_default_context())
                self._login(client)
                self._capabilities = frozenset(_text(cap).upper() for cap in client.capabilities())
                self._ensure_folders(client)
                self._select(client, self._settings.folder)
            except BaseException:
                self.close()
                raise
        log.info(
            "imap connected host=%s user=%s folder=%s",
            self._settings.host,
            self._settings.username,
            self._settings.folder,
        )

    def close(self) -> None:
        """Log out quietly; never raises."""
        client, self._client = self._client, None
        self._capabilities, self._uidvalidity = frozenset(), None
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # the connection may already be gone
            try:
                client.shutdown()
            except Exception as exc:
                log.debug("imap shutdown after failed logout: %s", exc)

    def __enter__(self) -> ImapMailbox:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def capabilities(self) -> frozenset[str]:
        """The server's capabilities after login, upper-case (e.g. "MOVE", "IDLE")."""
        return self._capabilities

    @property
    def uidvalidity(self) -> int:
        if self._uidvalidity is None:
            raise ImapError("not connected to an IMAP server")
        return self._uidvalidity

    # --- reading ----------------------------------------------------------------------------

    def pending_uids(self) -> list[int]:
        """UIDs in the selected folder that are not flagged \\Deleted, ascending."""
        with self._op("search") as client:
            client.noop()  # Dovecot searches its last synced view: sync with others' changes first
            return sorted(int(uid) for uid in client.search(["NOT", "DELETED"]))

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        """RFC822.SIZE of each message that still exists, without fetching bodies."""
        wanted = _unique(uids)
        if not wanted:
            return {}
        with self._op("fetch sizes") as client:
            data = client.fetch(wanted, ["RFC822.SIZE"])
        return {uid: int(data[uid][b"RFC822.SIZE"]) for uid in wanted if uid in data}

    def fetch(self, uids: Sequence[int]) -> list[FetchedMessage]:
        """The raw messages, fetched with BODY.PEEK[] (they stay unseen), in the order asked."""
        wanted = _unique(uids)
        if not wanted:
            return []
        with self._op("fetch") as client:
            data = client.fetch(wanted, ["BODY.PEEK[]", "RFC822.SIZE", "INTERNALDATE"])
        return [msg for uid in wanted if (msg := _fetched(uid, data.get(uid))) is not None]

    # --- changing ---------------------------------------------------------------------------

    def move(self, uids: Sequence[int], folder: str) -> None:
        """Move messages out of the selected folder; never a bare EXPUNGE, never deletion."""
        wanted = _unique(uids)
        if not wanted:
            return
        with self._op(f"move to {folder!r}") as client:
            self._move_selected(client, wanted, folder)

    def append(self, folder: str, raw: bytes) -> None:
        """Add a message to a folder (which must exist)."""
        with self._op(f"append to {folder!r}") as client:
            client.append(folder, raw)

    def special_folders(self) -> dict[str, str]:
        """The server's \\All and \\Trash folders (RFC 6154 special use) by role, e.g.
        {"\\All": "[Gmail]/All Mail", "\\Trash": "[Gmail]/Trash"}; empty when it names none."""
        with self._op("list folders") as client:
            return _special_use(client)

    def delete_copies(self, folder: str, copies: Iterable[KeptCopy], labels: bool = False) -> int:
        """Delete these mails from a folder (retention) and verify they are gone; the count.
        Each is found by its bytes (size, then SHA-256), or by Message-ID where its kept file
        is gone. One still found after the deletion is an ImapError (nothing is forgotten).

        Where folders are labels (`labels`, or the server has an \\All folder, as Gmail does),
        deleting from a folder only removes a label: the mails are moved to the \\Trash folder
        and expunged there by UID, and must then be gone from \\All as well."""
        wanted = list(copies)
        if not wanted:
            return 0
        with self._op(f"delete from {folder!r}") as client:
            if not client.folder_exists(folder):
                return 0
            special = _special_use(client)
            try:
                if labels or "\\All" in special:
                    return self._delete_via_trash(client, folder, wanted, special)
                return self._delete_in(client, folder, wanted)
            finally:
                self._select(client, self._settings.folder)

    # --- waiting ----------------------------------------------------------------------------

    def wait_for_mail(
        self, timeout: float, should_stop: Callable[[], bool] = lambda: False
    ) -> bool:
        """Wait up to `timeout` s for the server to report a change (IDLE); True if it did.

        Without IDLE this only waits and returns False: the caller polls. `should_stop` is
        checked before every slice of at most WAIT_SLICE s (with IDLE: once IDLE is running).
        """
        deadline = time.monotonic() + max(0.0, timeout)
        if not (self._settings.idle and "IDLE" in self.capabilities):
            self._pause_until(deadline, should_stop)
            return False
        with self._op("IDLE") as client:
            return self._idle(client, deadline, should_stop)

    # --- internals --------------------------------------------------------------------------

    def _open(self) -> IMAPClient:
        s = self._settings
        if s.security not in ("tls", "starttls", "none"):
            raise ImapError(f"unknown IMAP security {s.security!r} for {s.host}")
        use_tls = s.security == "tls"
        context = ssl.create_default_context() if use_tls else None
        client = IMAPClient(
            s.host, port=s.port, ssl=use_tls, ssl_context=context, timeout=s.timeout_seconds
        )
        client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return client

    def _login(self, client: IMAPClient) -> None:
        s = self._settings
        if s.auth == "oauth2":
            self._bearer_login(client)
            return
        try:
            if (s.username + s.password).isascii():
                client.login(s.username, s.password)
            else:  # LOGIN is ASCII-only in imaplib; AUTHENTICATE PLAIN carries UTF-8
                client.plain_login(s.username, s.password)
        except LoginError as exc:
            if isinstance(exc.__context__, IMAPClientAbortError):  # connection lost, not refused
                raise
            raise ImapAuthError(
                f"IMAP server {s.host}:{s.port} refused the login of user {s.username!r}: {exc}"
            ) from exc

    def _bearer_login(self, client: IMAPClient) -> None:
        """AUTHENTICATE with a bearer token by the mechanism the server offers (OAUTHBEARER
        before XOAUTH2). A refused cached token gets one fresh token and one retry: a server
        may end a token's life before its announced expiry (revocation, clock skew)."""
        s, tokens = self._settings, self._tokens
        where = f"IMAP server {s.host}:{s.port}"
        if tokens is None:
            raise ImapAuthError(f"{where}: imap.auth is oauth2 but no token provider was given")
        offered = [
            _text(c)[5:] for c in client.capabilities() if _text(c).upper().startswith("AUTH=")
        ]
        mechanism = bearer_mechanism(offered)
        if mechanism is None:
            raise ImapAuthError(
                f"{where} offers neither AUTH=OAUTHBEARER nor AUTH=XOAUTH2 (it offers "
                f"{', '.join(offered) or 'no AUTH= mechanism'}), so it cannot take an OAuth "
                "2.0 token"
            )
        now = self._clock.now()
        try:
            fetched = tokens.fetches
            token = tokens.token(now)
            try:
                self._authenticate(client, mechanism, token)
                return
            except LoginError as exc:
                if isinstance(exc.__context__, IMAPClientAbortError) or tokens.fetches != fetched:
                    raise  # the connection was lost, or the token was new: no retry helps
                log.info("imap refused the cached OAuth 2.0 token; one retry with a fresh one")
            self._authenticate(client, mechanism, tokens.refresh(now))
        except AuthError as exc:
            raise ImapAuthError(f"{where}: no OAuth 2.0 token for {s.username!r}: {exc}") from exc
        except LoginError as exc:
            if isinstance(exc.__context__, IMAPClientAbortError):
                raise
            raise ImapAuthError(
                f"{where} refused the {mechanism} login of {s.username!r} with an OAuth 2.0 "
                f"token: {exc}"
            ) from exc

    def _authenticate(self, client: IMAPClient, mechanism: str, token: str) -> None:
        if mechanism == "OAUTHBEARER":
            client.oauthbearer_login(self._settings.username, token)
        else:
            client.oauth2_login(self._settings.username, token)

    def _ensure_folders(self, client: IMAPClient) -> None:
        for folder in (self._settings.processed_folder, self._settings.quarantine_folder):
            if not client.folder_exists(folder):
                client.create_folder(folder)
                log.info("imap created folder %s", folder)

    def _select(self, client: IMAPClient, folder: str) -> None:
        response = client.select_folder(folder)
        self._uidvalidity = int(response[b"UIDVALIDITY"])

    def _move_selected(self, client: IMAPClient, uids: list[int], folder: str) -> None:
        if "MOVE" in self.capabilities:
            client.move(uids, folder)
        else:
            client.copy(uids, folder)
            self._flag_and_expunge(client, uids)

    def _flag_and_expunge(self, client: IMAPClient, uids: list[int]) -> None:
        client.add_flags(uids, [DELETED], silent=True)
        if "UIDPLUS" in self.capabilities:
            client.uid_expunge(uids)
        else:
            log.warning(
                "imap server lacks UIDPLUS: %d message(s) left flagged \\Deleted", len(uids)
            )

    def _delete_in(self, client: IMAPClient, folder: str, copies: list[KeptCopy]) -> int:
        """Flag and UID EXPUNGE the copies in `folder`, then verify they are gone."""
        client.select_folder(folder)
        uids = self._find_copies(client, copies)
        if uids:
            self._flag_and_expunge(client, uids)
            self._verify_gone(client, folder, copies, len(uids))
        return len(uids)

    def _delete_via_trash(
        self, client: IMAPClient, folder: str, copies: list[KeptCopy], special: dict[str, str]
    ) -> int:
        host = self._settings.host
        trash, all_mail = special.get("\\Trash"), special.get("\\All")
        if trash is None:
            raise ImapError(
                f"IMAP purge on {host}: folders there are labels, so deleting from {folder!r} "
                "would only remove a label, and the server names no \\Trash folder to move the "
                "mail to; nothing was deleted, the cases stay"
            )
        client.select_folder(folder)
        uids = self._find_copies(client, copies)
        if uids:
            self._move_selected(client, uids, trash)
            self._verify_gone(client, folder, copies, len(uids))
        # Also what an earlier purge moved to the Trash but could not expunge there.
        deleted = self._delete_in(client, trash, copies)
        if all_mail is not None:
            client.select_folder(all_mail, readonly=True)
            # Not taken from there: the same bytes in the INBOX may be mail not yet read.
            hint = f"; under another label (folder) too: move it from {all_mail!r} to {trash!r}"
            self._verify_gone(client, all_mail, copies, deleted, hint)
        log.info("imap purge: %d mail(s) moved from %r to %r and expunged", deleted, folder, trash)
        return deleted

    def _verify_gone(
        self, client: IMAPClient, folder: str, copies: list[KeptCopy], deleted: int, hint: str = ""
    ) -> None:
        left = self._find_copies(client, copies)
        if left:
            raise ImapError(
                f"IMAP purge in {folder!r} on {self._settings.host}: {len(left)} message(s) "
                f"still there after deletion of {deleted} (UIDs "
                f"{', '.join(map(str, left[:10]))}){hint}; the cases stay until they are gone"
            )

    def _find_copies(self, client: IMAPClient, copies: list[KeptCopy]) -> list[int]:
        """UIDs (not flagged \\Deleted) in the selected folder holding any of `copies`."""
        found: set[int] = set()
        shas_by_size: dict[int, set[str]] = {}
        for copy in copies:
            if copy.size is not None:
                shas_by_size.setdefault(copy.size, set()).add(copy.sha256)
        for size, shas in shas_by_size.items():
            same_size = client.search(["NOT", "DELETED", "LARGER", size - 1, "SMALLER", size + 1])
            for uid in same_size:  # one at a time: each may be as big as a mail can be
                body = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {}).get(b"BODY[]")
                if body is not None and hashlib.sha256(body).hexdigest() in shas:
                    found.add(int(uid))
        # Kept file gone (an older purge, a restored backup): the Message-ID is all there is.
        for mid in sorted({_bracketed(c.message_id) for c in copies if c.size is None}):
            charset = None if mid.isascii() else "UTF-8"
            criteria = ["NOT", "DELETED", "HEADER", "Message-ID", mid]
            found.update(int(u) for u in client.search(criteria, charset))
        return sorted(found)

    def _idle(self, client: IMAPClient, deadline: float, should_stop: Callable[[], bool]) -> bool:
        # pymap reports changes made before IDLE began only when IDLE ends: ask first
        _, responses = client.noop()
        if any(_is_activity(r) for r in responses):
            return True
        while True:
            client.idle()
            try:
                readable = self._await_input(client, deadline, should_stop)
            except BaseException:  # e.g. should_stop raised: leave IDLE, then pass it on
                with suppress(IMAPClientError, OSError):
                    client.idle_done()
                raise
            _, responses = client.idle_done()
            if any(_is_activity(r) for r in responses):
                return True
            if not readable or time.monotonic() >= deadline or should_stop():
                return False
            # only a keep-alive ("* OK Still here"): idle again for the time that is left

    def _await_input(
        self, client: IMAPClient, deadline: float, should_stop: Callable[[], bool]
    ) -> bool:
        sock = client.socket()
        if self._has_buffered_input(client, sock):
            return True
        while (left := deadline - time.monotonic()) > 0:
            if should_stop():
                return False
            readable, _, _ = select.select([sock], [], [], min(WAIT_SLICE, left))
            if readable:
                return True
        return False

    def _has_buffered_input(self, client: IMAPClient, sock: socket.socket) -> bool:
        """Whether a response already sits in a buffer where select() cannot see it."""
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True
        reader = getattr(getattr(client, "_imap", None), "file", None)  # imaplib's reader
        if not hasattr(reader, "peek"):
            return False
        sock.setblocking(False)
        try:
            return bool(reader.peek(1))
        except OSError:
            return False
        finally:
            sock.settimeout(self._settings.timeout_seconds)

    def _pause_until(self, deadline: float, should_stop: Callable[[], bool]) -> None:
        while (left := deadline - time.monotonic()) > 0 and not should_stop():
            self._pause.wait(min(WAIT_SLICE, left))

    @contextmanager
    def _op(self, what: str) -> Iterator[IMAPClient]:
        if self._client is None:
            raise ImapError(f"IMAP {what}: not connected to {self._settings.host}")
        with self._translated(what):
            yield self._client

    @contextmanager
    def _translated(self, what: str) -> Iterator[None]:
        s = self._settings
        try:
            yield
        except ImapError:
            raise
        except (IMAPClientError, OSError, EOFError) as exc:
            detail = str(exc) or type(exc).__name__
            farewell = self._farewell()
            if farewell is not None:
                detail = f"the server ended the session: {farewell}"
            # The BYE may be in the untagged responses or, when it ends a command (say the
            # LIST while connecting), in the error itself.
            said = farewell or str(exc)
            kind = ImapSessionExpired if _TOKEN_EXPIRED.search(said) else ImapError
            raise kind(
                f"IMAP {what} on {s.host}:{s.port} as {s.username!r} failed: {detail}"
            ) from exc

    def _farewell(self) -> str | None:
        """The text of the server's BYE, when it ended the session (imaplib keeps it among
        the untagged responses; the error itself may only say EOF)."""
        imap = getattr(self._client, "_imap", None)
        said = getattr(imap, "untagged_responses", {}).get("BYE")
        return _text(said[-1]).strip() if said else None


def _fetched(uid: int, data: dict | None) -> FetchedMessage | None:
    body = data.get(b"BODY[]") if data else None
    if body is None:
        return None
    raw = bytes(body)
    size = int(data.get(b"RFC822.SIZE", len(raw)))
    return FetchedMessage(
        uid=uid, raw=raw, size=size, received_at=_aware(data.get(b"INTERNALDATE"))
    )


def _special_use(client: IMAPClient) -> dict[str, str]:
    """The folders the server's LIST answer gives the roles \\All and \\Trash (RFC 6154,
    flags matched without regard to case); the first folder wins."""
    found: dict[str, str] = {}
    for flags, _, name in client.list_folders():
        for flag in flags:
            role = _text(flag)
            if role.lower() in _SPECIAL_USE:
                found.setdefault(_SPECIAL_USE[role.lower()], name)
    return found


def _aware(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    # imapclient gives local naive times unless told otherwise; make the zone explicit.
    return value if value.tzinfo is not None else value.astimezone()


def _is_activity(response: tuple) -> bool:
    return any(isinstance(item, bytes) and item.upper() in _ACTIVITY for item in response[:2])


def _unique(uids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(int(uid) for uid in uids))


def _bracketed(message_id: str) -> str:
    return f"<{message_id.strip().strip('<>')}>"


def _text(value: bytes | str) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else value
