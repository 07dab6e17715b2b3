"""mailbot.imap against real servers on loopback: Dovecot and embedded pymap."""

from __future__ import annotations

import hashlib
import threading
import time

import pytest
from imapclient import DELETED, SEEN

from mailbot.demo.devmail import free_port
from mailbot.errors import ImapAuthError, ImapError
from mailbot.inbound.imap import ImapMailbox
from mailbot.procedure.retention import KeptCopy


def _normalised(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n")


def _subject(raw: bytes) -> str:
    for line in _normalised(raw).split(b"\n"):
        if line.startswith(b"Subject: "):
            return line[len(b"Subject: ") :].decode()
    raise AssertionError("no Subject header")


class NoMoveMailbox(ImapMailbox):
    """A mailbox that acts as if the server lacked MOVE (and optionally UIDPLUS)."""

    hidden = frozenset({"MOVE"})

    @property
    def capabilities(self) -> frozenset[str]:
        return super().capabilities - self.hidden


class NoMoveNoUidplusMailbox(NoMoveMailbox):
    hidden = frozenset({"MOVE", "UIDPLUS"})


# --- connecting -------------------------------------------------------------------------------


def test_connect_creates_folders_and_selects(imap_server):
    with ImapMailbox(imap_server.settings()) as mailbox:
        assert {"IDLE", "MOVE", "UIDPLUS"} <= mailbox.capabilities
        assert mailbox.uidvalidity > 0
        assert mailbox.pending_uids() == []
    assert {"Processed", "Quarantine"} <= set(imap_server.folders())
    with ImapMailbox(imap_server.settings()) as mailbox:  # folders exist now: no error
        assert mailbox.pending_uids() == []


def test_connect_uses_configured_folder_names(imap_server, make_mail):
    imap_server.append(make_mail(subject="in Klachten"), folder="Klachten")
    settings = imap_server.settings(
        folder="Klachten", processed_folder="Afgehandeld", quarantine_folder="Apart"
    )
    with ImapMailbox(settings) as mailbox:
        assert len(mailbox.pending_uids()) == 1
    assert {"Klachten", "Afgehandeld", "Apart"} <= set(imap_server.folders())
    assert "Processed" not in imap_server.folders()


def test_wrong_password_is_an_auth_error_naming_the_user_not_the_password(imap_server):
    wrong = "verkeerd-wachtwoord-123"
    with pytest.raises(ImapAuthError) as caught:
        ImapMailbox(imap_server.settings(password=wrong)).connect()
    message = str(caught.value)
    assert imap_server.username in message
    assert imap_server.host in message
    assert wrong not in message
    assert imap_server.password not in message


def test_non_ascii_password_logs_in(imap_server):
    password = "wachtwoord-\u00e9\u00e8n-\u20ac"
    imap_server.server.add_user(imap_server.username, password)
    with ImapMailbox(imap_server.settings(password=password)) as mailbox:
        assert mailbox.pending_uids() == []
    with pytest.raises(ImapAuthError):
        ImapMailbox(imap_server.settings(password="wachtwoord-\u00e9")).connect()


def test_unreachable_port_is_an_imap_error(imap_server):
    settings = imap_server.settings(port=free_port(), password="geheim-456")
    with pytest.raises(ImapError) as caught:
        ImapMailbox(settings).connect()
    assert not isinstance(caught.value, ImapAuthError)
    assert "geheim-456" not in str(caught.value)


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_against_a_plain_server_is_an_imap_error(imap_server, security):
    with pytest.raises(ImapError) as caught:
        ImapMailbox(imap_server.settings(security=security)).connect()
    assert not isinstance(caught.value, ImapAuthError)


def test_calls_before_connect_raise_imap_error(imap_server):
    mailbox = ImapMailbox(imap_server.settings())
    with pytest.raises(ImapError):
        mailbox.pending_uids()
    with pytest.raises(ImapError):
        _ = mailbox.uidvalidity
    mailbox.close()  # closing what never opened is fine
    assert mailbox.capabilities == frozenset()


# --- reading ----------------------------------------------------------------------------------


def test_pending_uids_ascending_and_without_deleted(imap_server, make_mail):
    for n in range(3):
        imap_server.append(make_mail(subject=f"klacht {n}"))
    with ImapMailbox(imap_server.settings()) as mailbox:
        uids = mailbox.pending_uids()
        assert len(uids) == 3
        assert uids == sorted(uids)
        with imap_server.client("INBOX", readonly=False) as other:
            other.add_flags([uids[1]], [DELETED])
        assert mailbox.pending_uids() == [uids[0], uids[2]]


def test_fetch_uses_peek_and_keeps_messages_unseen(imap_server, make_mail):
    raws = [make_mail(subject=f"klacht {n}", body=f"tekst {n}\n") for n in range(2)]
    for raw in raws:
        imap_server.append(raw)
    with ImapMailbox(imap_server.settings()) as mailbox:
        uids = mailbox.pending_uids()
        fetched = mailbox.fetch(uids)
    assert [m.uid for m in fetched] == uids
    assert [m.raw for m in fetched] == raws
    assert all(m.size == len(m.raw) for m in fetched)
    flags = imap_server.flags()
    assert len(flags) == 2
    assert all(SEEN not in f for f in flags)


def test_fetch_keeps_the_order_asked_and_skips_vanished(imap_server, make_mail):
    for n in range(3):
        imap_server.append(make_mail(subject=f"klacht {n}"))
    with ImapMailbox(imap_server.settings()) as mailbox:
        uids = mailbox.pending_uids()
        fetched = mailbox.fetch([uids[2], uids[0], uids[2] + 100])
        assert [m.uid for m in fetched] == [uids[2], uids[0]]
        assert [_subject(m.raw) for m in fetched] == ["klacht 2", "klacht 0"]
        assert mailbox.fetch([]) == []


def test_sizes_match_the_messages(imap_server, make_mail):
    imap_server.append(make_mail(body="kort\n"))
    imap_server.append(make_mail(body="lang " * 2000 + "\n"))
    with ImapMailbox(imap_server.settings()) as mailbox:
        uids = mailbox.pending_uids()
        sizes = mailbox.sizes([*uids, uids[-1] + 50])
        fetched = {m.uid: len(m.raw) for m in mailbox.fetch(uids)}
        assert mailbox.sizes([]) == {}
    assert sizes == fetched
    assert sizes[uids[1]] > 10_000 > sizes[uids[0]]
    assert all(SEEN not in f for f in imap_server.flags())


# --- moving -----------------------------------------------------------------------------------


def test_move_to_processed(imap_server, make_mail):
    imap_server.append(make_mail(subject="verwerkt"))
    with ImapMailbox(imap_server.settings()) as mailbox:
        mailbox.move(mailbox.pending_uids(), "Processed")
        assert mailbox.pending_uids() == []
    assert imap_server.messages("INBOX") == []
    assert [_subject(r) for r in imap_server.messages("Processed")] == ["verwerkt"]


@pytest.mark.parametrize("mailbox_class", [ImapMailbox, NoMoveMailbox], ids=["move", "fallback"])
def test_move_touches_only_the_given_uids(imap_server, make_mail, mailbox_class):
    for subject in ("weg", "blijft", "al-verwijderd"):
        imap_server.append(make_mail(subject=subject))
    with mailbox_class(imap_server.settings()) as mailbox:
        if mailbox_class is NoMoveMailbox:
            assert "MOVE" not in mailbox.capabilities
        first, second, third = mailbox.pending_uids()
        with imap_server.client("INBOX", readonly=False) as other:
            other.add_flags([third], [DELETED])  # flagged by someone else, not expunged
        mailbox.move([first], "Quarantine")
        assert mailbox.pending_uids() == [second]
    # a bare EXPUNGE would have removed "al-verwijderd" too
    assert [_subject(r) for r in imap_server.messages("INBOX")] == ["blijft", "al-verwijderd"]
    assert [_subject(r) for r in imap_server.messages("Quarantine")] == ["weg"]


def test_fallback_without_uidplus_leaves_the_original_flagged_deleted(imap_server, make_mail):
    imap_server.append(make_mail(subject="weg"))
    imap_server.append(make_mail(subject="blijft"))
    with NoMoveNoUidplusMailbox(imap_server.settings()) as mailbox:
        first, second = mailbox.pending_uids()
        mailbox.move([first], "Processed")
        assert mailbox.pending_uids() == [second]
    assert [_subject(r) for r in imap_server.messages("INBOX")] == ["weg", "blijft"]
    assert [DELETED in f for f in imap_server.flags("INBOX")] == [True, False]
    assert [_subject(r) for r in imap_server.messages("Processed")] == ["weg"]


def test_move_of_nothing_is_a_no_op(imap_server, make_mail):
    imap_server.append(make_mail())
    with ImapMailbox(imap_server.settings()) as mailbox:
        mailbox.move([], "Processed")
        assert len(mailbox.pending_uids()) == 1


def test_move_to_a_missing_folder_is_an_imap_error(imap_server, make_mail):
    imap_server.append(make_mail())
    with ImapMailbox(imap_server.settings()) as mailbox:
        with pytest.raises(ImapError):
            mailbox.move(mailbox.pending_uids(), "Bestaat-Niet")
        assert len(mailbox.pending_uids()) == 1


# --- append and retention ---------------------------------------------------------------------


def test_append(imap_server, make_mail):
    raw = make_mail(subject="toegevoegd")
    with ImapMailbox(imap_server.settings()) as mailbox:
        mailbox.append("Processed", raw)
        assert mailbox.pending_uids() == []
    assert imap_server.messages("Processed") == [raw]


def copy_of(raw: bytes, message_id: str = "", kept: bool = True) -> KeptCopy:
    return KeptCopy(hashlib.sha256(raw).hexdigest(), len(raw) if kept else None, message_id)


def test_delete_copies_by_their_bytes_and_verify(imap_server, make_mail):
    old = [make_mail(subject=f"oud {n}", message_id=f"<oud-{n}@example.org>") for n in range(4)]
    for raw in old:
        imap_server.append(raw, folder="Processed")
    twin = old[1].replace(b"oud 1", b"oud 9")  # the same size, other bytes: stays
    imap_server.append(twin, folder="Processed")
    imap_server.append(make_mail(subject="nieuw in inbox"))
    with ImapMailbox(imap_server.settings()) as mailbox:
        copies = [copy_of(old[0]), copy_of(old[1]), copy_of(old[2], "<oud-2@example.org>", False)]
        assert mailbox.delete_copies("Processed", copies) == 3
        assert len(mailbox.pending_uids()) == 1  # the configured folder is selected again
        assert mailbox.delete_copies("Processed", copies) == 0  # gone
        assert mailbox.delete_copies("Processed", []) == 0
        assert mailbox.delete_copies("Bestaat-Niet", [copy_of(old[3])]) == 0
    assert sorted(imap_server.messages("Processed")) == sorted([old[3], twin])


# --- waiting ----------------------------------------------------------------------------------


def _append_when(event: threading.Event, imap_server, raw: bytes) -> threading.Thread:
    def run() -> None:
        if event.wait(10):
            imap_server.append(raw)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_idle_wakes_when_another_connection_appends(imap_server, make_mail):
    idling = threading.Event()

    def should_stop() -> bool:
        idling.set()  # first called once IDLE is running
        return False

    with ImapMailbox(imap_server.settings()) as mailbox:
        assert mailbox.pending_uids() == []
        thread = _append_when(idling, imap_server, make_mail(subject="tijdens idle"))
        started = time.monotonic()
        assert mailbox.wait_for_mail(10, should_stop) is True
        assert time.monotonic() - started < 5
        thread.join(5)
        assert len(mailbox.pending_uids()) == 1


def test_idle_reports_mail_that_came_before_it_started(imap_server, make_mail):
    with ImapMailbox(imap_server.settings()) as mailbox:
        assert mailbox.pending_uids() == []
        imap_server.append(make_mail(subject="net voor idle"))
        started = time.monotonic()
        assert mailbox.wait_for_mail(10) is True
        assert time.monotonic() - started < 5
        assert len(mailbox.pending_uids()) == 1


def test_idle_times_out_without_mail(imap_server):
    with ImapMailbox(imap_server.settings()) as mailbox:
        started = time.monotonic()
        assert mailbox.wait_for_mail(0.3) is False
        elapsed = time.monotonic() - started
        assert 0.3 <= elapsed < 3
        assert mailbox.pending_uids() == []  # the connection is usable after IDLE


def test_idle_left_cleanly_when_should_stop_raises(imap_server):
    def should_stop() -> bool:
        raise KeyboardInterrupt

    with ImapMailbox(imap_server.settings()) as mailbox:
        with pytest.raises(KeyboardInterrupt):
            mailbox.wait_for_mail(5, should_stop)
        assert mailbox.pending_uids() == []  # IDLE was ended: the connection still works


def test_idle_stops_when_asked(imap_server):
    with ImapMailbox(imap_server.settings()) as mailbox:
        started = time.monotonic()
        assert mailbox.wait_for_mail(30, lambda: True) is False
        assert time.monotonic() - started < 3
        assert mailbox.pending_uids() == []


def test_wait_without_idle_returns_false_after_the_timeout(imap_server, make_mail):
    calls = []

    def should_stop() -> bool:
        calls.append(time.monotonic())
        return False

    imap_server.append(make_mail())  # mail is there, but without IDLE the caller polls
    with ImapMailbox(imap_server.settings(idle=False)) as mailbox:
        started = time.monotonic()
        assert mailbox.wait_for_mail(0.7, should_stop) is False
        elapsed = time.monotonic() - started
        assert 0.7 <= elapsed < 2
        assert 2 <= len(calls) <= 3  # slices of at most 0.5 s, not a busy loop


def test_wait_without_idle_stops_when_asked(imap_server):
    with ImapMailbox(imap_server.settings(idle=False)) as mailbox:
        started = time.monotonic()
        assert mailbox.wait_for_mail(30, lambda: True) is False
        assert time.monotonic() - started < 1


# --- server failure ---------------------------------------------------------------------------


@pytest.mark.parametrize("imap_server", ["dovecot"], indirect=True)
def test_server_restart_breaks_the_old_connection_and_reconnect_works(imap_server, make_mail):
    mailbox = ImapMailbox(imap_server.settings())
    mailbox.connect()
    try:
        imap_server.restart_server()
        with pytest.raises(ImapError):
            mailbox.pending_uids()
        mailbox.close()  # quietly, although the connection is dead
        imap_server.append(make_mail())
        mailbox.connect()
        assert len(mailbox.pending_uids()) == 1
    finally:
        mailbox.close()


@pytest.mark.parametrize("imap_server", ["dovecot"], indirect=True)
def test_server_restart_during_idle_is_an_imap_error(imap_server):
    restarted = []

    def restart_once() -> bool:
        if not restarted:
            restarted.append(True)
            imap_server.restart_server()
        return False

    with ImapMailbox(imap_server.settings()) as mailbox:
        started = time.monotonic()
        with pytest.raises(ImapError):
            mailbox.wait_for_mail(10, restart_once)
        assert time.monotonic() - started < 5
