"""Mail out: effects built into mail, rendered, sent over SMTP in lanes, or printed as letters."""
