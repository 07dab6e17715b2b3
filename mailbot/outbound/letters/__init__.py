"""Printable letters: a letter's text from its template and its PDF."""
