"""systemd notification: readiness, watchdog pings, and silence without systemd."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from mailbot.daemon.sdnotify import Notifier


def test_messages_reach_the_notify_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        server.settimeout(5)
        notifier = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000"})
        notifier.ready("watching INBOX")
        notifier.watchdog()
        notifier.stopping()
        got = [server.recv(1024).decode() for _ in range(3)]
    assert got == ["READY=1\nSTATUS=watching INBOX", "WATCHDOG=1", "STOPPING=1"]
    assert notifier.watchdog_seconds == 15.0


def test_without_systemd_nothing_is_sent() -> None:
    notifier = Notifier({})
    assert not notifier.enabled and not notifier.send("READY=1")
    assert notifier.watchdog_seconds is None


def test_a_watchdog_meant_for_another_process_is_ignored() -> None:
    notifier = Notifier({"WATCHDOG_USEC": "1000000", "WATCHDOG_PID": str(os.getpid() + 1)})
    assert notifier.watchdog_seconds is None


def test_a_full_notify_queue_drops_pings_instead_of_blocking(tmp_path: Path) -> None:
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(path)  # bound, never read: its queue fills up
        notifier = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "2"})
        sent = [notifier.send("WATCHDOG=1") for _ in range(500)]  # would block at the first full
        assert sent[0] and not sent[-1]
        systemd.settimeout(1)
        assert systemd.recv(64) == b"WATCHDOG=1"  # what fitted was delivered
