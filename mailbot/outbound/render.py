"""Rendering mail from Jinja2 templates: the only module that imports jinja2."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import jinja2.meta
from babel.dates import format_date, format_datetime

from mailbot.errors import TemplateError

LANGUAGES = ("nl", "en")
# English mail is written for British-neutral readers: "Monday, 4 May 2026".
_LOCALES = {"nl": "nl_NL", "en": "en_GB"}


def package_templates_dir() -> Path:
    """Templates shipped in the wheel, or the repository's `templates/` in a checkout."""
    here = Path(__file__).resolve().parents[1]  # the mailbot package
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise TemplateError(f"no templates found next to {here}")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None = None


class Renderer:
    """Renders `<lang>/<name>.txt.j2` (and an optional `.html.j2`); operator files win."""

    def __init__(self, override_dir: Path | None = None, timezone: str = "Europe/Amsterdam"):
        dirs = [str(override_dir)] if override_dir else []
        dirs.append(str(package_templates_dir()))
        self._tz = ZoneInfo(timezone)
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(dirs),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._reads: dict[tuple[str, str], tuple[Any, bool]] = {}

    def render(self, name: str, lang: str, context: dict[str, Any]) -> Rendered:
        if lang not in LANGUAGES:
            raise TemplateError(f"unknown language {lang!r} for template {name!r}")
        text_module = self._module(f"{lang}/{name}.txt.j2", lang, context)
        subject = getattr(text_module, "subject", None)
        if not isinstance(subject, str) or not subject.strip():
            raise TemplateError(f"template {lang}/{name}.txt.j2 sets no subject")
        html = self._render_optional(f"{lang}/{name}.html.j2", lang, context)
        body = str(text_module).strip() + "\n"
        return Rendered(subject=" ".join(subject.split()), text=body, html=html)

    def reads(self, name: str, lang: str, variable: str) -> bool:
        """Whether the mail's templates (text, and HTML if there is one) use `variable`;
        True when that cannot be told (a template that includes another)."""
        return any(
            self._template_reads(f"{lang}/{name}.{kind}.j2", variable) for kind in ("txt", "html")
        )

    def _template_reads(self, path: str, variable: str) -> bool:
        known = self._reads.get((path, variable))
        if known is not None and known[0]():  # still the same file
            return known[1]
        assert self._env.loader is not None
        try:
            source, _, uptodate = self._env.loader.get_source(self._env, path)
        except jinja2.TemplateNotFound:
            return False  # not cached: an operator may add the file later
        try:
            tree = self._env.parse(source)
        except jinja2.TemplateError as exc:
            raise TemplateError(f"template {path}: {exc}") from exc
        answer = variable in jinja2.meta.find_undeclared_variables(tree) or any(
            True for _ in jinja2.meta.find_referenced_templates(tree)
        )
        self._reads[(path, variable)] = (uptodate or (lambda: False), answer)
        return answer

    def template_names(self) -> list[tuple[str, str]]:
        """Every (lang, name) for which a text template exists."""
        found = set()
        for path in self._env.list_templates(extensions=["j2"]):
            lang, _, file = path.partition("/")
            if lang in LANGUAGES and file.endswith(".txt.j2"):
                found.add((lang, file.removesuffix(".txt.j2")))
        return sorted(found)

    def _module(self, path: str, lang: str, context: dict[str, Any]) -> Any:
        try:
            template = self._env.get_template(path)
            return template.make_module(self._context(lang, context))
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(f"template {path} not found") from exc
        except jinja2.TemplateError as exc:
            raise TemplateError(f"template {path}: {exc}") from exc

    def _render_optional(self, path: str, lang: str, context: dict[str, Any]) -> str | None:
        try:
            template = self._env.get_template(path)
        except jinja2.TemplateNotFound:
            return None
        try:
            return template.render(self._context(lang, context))
        except jinja2.TemplateError as exc:
            raise TemplateError(f"template {path}: {exc}") from exc

    def _context(self, lang: str, context: dict[str, Any]) -> dict[str, Any]:
        return {
            **context,
            "lang": lang,
            "fmt_date": lambda d: self.format_date(d, lang),
            "fmt_datetime": lambda d: self._format_datetime(d, lang),
        }

    def format_date(self, value: date | datetime, lang: str, length: str = "full") -> str:
        """A local date in words: "vrijdag 4 december 2026" (full) or "4 december 2026"
        (long, the date line of a letter)."""
        if isinstance(value, datetime):
            value = value.astimezone(self._tz).date()
        return format_date(value, format=length, locale=_LOCALES[lang])

    def _format_datetime(self, value: datetime, lang: str) -> str:
        moment = value.astimezone(self._tz)
        day = format_date(moment.date(), format="full", locale=_LOCALES[lang])
        clock = format_datetime(moment, "HH:mm", tzinfo=self._tz, locale=_LOCALES[lang])
        return f"{day} {'om' if lang == 'nl' else 'at'} {clock}"
