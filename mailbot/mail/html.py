"""HTML mail bodies as readable plain text: the only module that imports html2text."""

from __future__ import annotations

import re

import html2text

_BLANK_RUNS = re.compile(r"\n{3,}")


class _PlainHtml2Text(html2text.HTML2Text):
    # html2text backslash-escapes Markdown characters in the text ("1\.", "\-", "C:\\");
    # the result is read by people, not by a Markdown renderer.
    def handle_data(self, data: str, entity_char: bool = False) -> None:
        super().handle_data(data, entity_char=True)


def html_to_text(html: str) -> str:
    """Readable plain text from an HTML body: paragraphs, lists, links as `[text](url)`."""
    converter = _PlainHtml2Text(bodywidth=0)
    converter.unicode_snob = True  # keep "é" instead of "e"
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.single_line_break = False
    try:
        text = converter.handle(html)
    except Exception:
        return html
    lines = (line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n") + "\n"
