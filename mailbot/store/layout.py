"""Where the store keeps each of its files, relative to the data dir (docs/storage.md)."""

STORE_FILE = "store.json"  # the hot file, TinyDB's layout (hotfile.py)
LOCK_FILE = "mailbot.lock"  # flock of the one writing process, its pid inside (datadir.py)
SENT_JOURNAL = "outbox-sent.log"  # sent marks; sealed ones end in .1, .2, ... (journal.py)
COLD_DIR = "archive"  # closed cases and their indexes (coldstore.py)
BACKUP_DIR = "backups"  # daily copies of the hot file (backups.py)
MAIL_DIR = "mail"  # kept originals: <sha256[:2]>/<sha256>.eml (kept.py)
ATTACHMENT_DIR = "attachments"  # kept attachments: <name[:2]>/<name> (kept.py)
