"""Symbolic links planted in the data dir: refused at open, never followed by a write."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailbot.errors import StoreError
from mailbot.model import Party
from mailbot.procedure import new_case
from mailbot.store.coldstore import ColdStore
from mailbot.store.fsutil import append_lines, atomic_write, find_symlink
from mailbot.store.store import Store

from e2e import Deployment

PAYLOAD = b"%PDF-1.4 bijlage van de klant\n"
NAME = hashlib.sha256(PAYLOAD).hexdigest() + ".bin"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "elders"
    folder.mkdir()
    return folder


def fresh_store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "data")
    store.commit()
    return store


@pytest.mark.parametrize(
    "where", ["attachments", "attachments/ab", "mail/cd/x.eml", "archive/cases", "store.json"]
)
def test_a_data_dir_holding_a_link_is_refused_at_open_naming_it(
    tmp_path: Path, outside: Path, where: str
) -> None:
    data = tmp_path / "data"
    link = data / where
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside)
    with pytest.raises(StoreError) as caught:
        Store.open(data)
    assert str(caught.value).startswith(f"{link} is a symbolic link inside the data dir {data}")
    assert "remove the link" in str(caught.value)
    assert list(outside.iterdir()) == []


def test_the_data_dir_itself_may_be_a_link(tmp_path: Path) -> None:
    """systemd's DynamicUser= makes /var/lib/NAME a link to /var/lib/private/NAME."""
    real = tmp_path / "private" / "mailbot"
    real.mkdir(parents=True)
    (tmp_path / "mailbot").symlink_to(real)
    with Store.open(tmp_path / "mailbot") as store:
        name = store.save_attachment(PAYLOAD)
        store.commit()
    assert (real / "attachments" / name[:2] / name).read_bytes() == PAYLOAD


def test_an_attachment_folder_linked_after_open_is_not_written_through(
    tmp_path: Path, outside: Path
) -> None:
    store = fresh_store(tmp_path)
    folder = store.data_dir / "attachments"
    folder.mkdir()
    (folder / NAME[:2]).symlink_to(outside)  # planted while mailbot runs
    with pytest.raises(StoreError, match="symbolic link is in the way"):
        store.save_attachment(PAYLOAD)
    assert list(outside.iterdir()) == []
    store.close()


def test_a_link_planted_at_the_temp_name_is_refused(tmp_path: Path, outside: Path) -> None:
    store = fresh_store(tmp_path)
    target = outside / "doel.txt"
    target.write_bytes(b"niet overschrijven\n")
    folder = store.data_dir / "attachments" / NAME[:2]
    folder.mkdir(parents=True)
    (folder / f".{NAME}.{os.getpid()}.tmp").symlink_to(target)
    with pytest.raises(StoreError, match="symbolic link is in the way"):
        store.save_attachment(PAYLOAD)
    assert target.read_bytes() == b"niet overschrijven\n"
    store.close()


def test_a_link_at_the_file_name_is_replaced_not_followed(tmp_path: Path, outside: Path) -> None:
    store = fresh_store(tmp_path)
    target = outside / "doel.txt"
    target.write_bytes(b"x" * len(PAYLOAD))  # the same size: not taken for the kept file
    path = store.attachment_path(NAME)
    path.parent.mkdir(parents=True)
    path.symlink_to(target)
    assert store.save_attachment(PAYLOAD) == NAME
    assert not path.is_symlink() and path.read_bytes() == PAYLOAD
    assert target.read_bytes() == b"x" * len(PAYLOAD)
    store.close()


def test_atomic_write_and_append_never_follow_a_link(tmp_path: Path, outside: Path) -> None:
    target = outside / "doel.txt"
    target.write_bytes(b"origineel\n")
    link = tmp_path / "bestand"
    link.symlink_to(target)
    atomic_write(link, b"nieuw\n")
    assert not link.is_symlink() and link.read_bytes() == b"nieuw\n"
    link.unlink()
    link.symlink_to(target)
    with pytest.raises(OSError):
        append_lines(link, ["regel"])
    assert target.read_bytes() == b"origineel\n"
    assert find_symlink(tmp_path) == link


def test_check_and_poll_once_name_the_planted_link(
    tmp_path: Path, outside: Path, imap_server, smtp_sink, make_mail
) -> None:
    dep = Deployment(tmp_path, imap_server, smtp_sink)
    data = dep.settings.storage.data_dir
    (data / "attachments").mkdir(parents=True)
    (data / "attachments" / NAME[:2]).symlink_to(outside)
    dep.deliver(make_mail(subject="Klacht met bijlage"))
    code, out = dep.cli("check")
    assert code != 0
    assert f"{data / 'attachments' / NAME[:2]} is a symbolic link inside the data dir" in out
    code, _ = dep.poll()
    assert code != 0
    assert len(dep.imap.messages("INBOX")) == 1  # left where it was, nothing lost
    assert list(outside.iterdir()) == []


def test_an_archive_folder_linked_after_open_is_not_written_through(
    tmp_path: Path, outside: Path
) -> None:
    cold = ColdStore(tmp_path / "archive")
    cold.load()
    (cold.root / "KL-2026").symlink_to(outside)
    when = datetime(2026, 3, 16, 9, tzinfo=UTC)
    case = new_case("KL-2026-0001", "direct", Party("Jan", "jan@example.org"), "nl", when)
    with pytest.raises(OSError, match="symbolic link is in the way"):
        cold.put_cases([case])
    assert list(outside.iterdir()) == []
