"""The case store: hot file, closed cases, indexes, sent journal, backups (docs/storage.md)."""
