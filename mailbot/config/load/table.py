"""Reading one TOML table: typed getters that collect every problem instead of stopping."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mailbot.config.schema import REQUIRED, SECTIONS, Section
from mailbot.config.wording import describe, join_key, unknown
from mailbot.errors import ConfigError

FROM_SCHEMA: Any = object()  # the default of the settings field the key gives
_ABSENT: Any = object()


class InvalidConfigError(ConfigError):
    """Every problem found in one config file; `errors` holds them one by one."""

    def __init__(self, file: str, errors: list[ConfigError]) -> None:
        self.errors = tuple(errors)
        if len(errors) == 1:
            super().__init__(file, errors[0].key, errors[0].problem)
            return
        lines = "\n".join(f"  {e.key}: {e.problem}" if e.key else f"  {e.problem}" for e in errors)
        super().__init__(file, None, f"{len(errors)} problems:\n{lines}")


class Invalid(Exception):
    """A value failed its check; the message is the problem, `at` a sub-key like "[2]"."""

    def __init__(self, problem: str, at: str = "") -> None:
        super().__init__(problem)
        self.at = at


class Context:
    """What one load collects: errors, warnings, and where relative paths start."""

    def __init__(self, file: str, base: Path, env: Mapping[str, str]) -> None:
        self.file = file
        self.base = base
        self.env = env
        self.errors: list[ConfigError] = []
        self.warnings: list[str] = []

    def error(self, key: str | None, problem: str) -> None:
        self.errors.append(ConfigError(self.file, key, problem))

    def raise_if_errors(self) -> None:
        if self.errors:
            raise InvalidConfigError(self.file, self.errors)


class Table:
    """One TOML table being read: typed getters that record problems instead of raising."""

    def __init__(
        self,
        ctx: Context,
        data: Mapping[str, Any],
        prefix: str,
        section: Section,
        *,
        quiet: bool = False,
    ) -> None:
        self.ctx = ctx
        self.data = data
        self.prefix = prefix
        self.section = section
        self.quiet = quiet  # a missing or broken section: its missing keys are no news
        if section.type is not None:  # deadline names are checked with their values
            for name in data:
                if name not in section.keys:
                    self.error(name, unknown(name, section.keys, "key"))

    def key(self, name: str) -> str:
        return join_key(self.prefix, name)

    def error(self, name: str, problem: str, at: str = "") -> None:
        if not self.quiet:
            self.ctx.error(self.key(name) + at, problem)

    def has(self, name: str) -> bool:
        return name in self.data

    def default(self, name: str) -> Any:
        """The settings field's default for key `name`."""
        return self.section.default(name)

    def get(self, name: str, check: Callable[[Any], Any], default: Any = FROM_SCHEMA) -> Any:
        """The checked value; the default when absent (the settings field's unless given);
        None, and an error, when invalid or when a required key is absent."""
        if name not in self.data:
            if default is FROM_SCHEMA:
                default = self.default(name)
            if default is REQUIRED:
                self.error(name, "required key is missing")
                return None
            return default
        try:
            return check(self.data[name])
        except Invalid as exc:
            self.error(name, str(exc), at=exc.at)
            return None


def section(ctx: Context, data: Mapping[str, Any], name: str) -> Table:
    """The [name] table; an empty one, after an error if it is required, when absent."""
    schema = SECTIONS[name]
    value = data.get(name, _ABSENT)
    if isinstance(value, dict):
        return Table(ctx, value, name, schema)
    if value is not _ABSENT:
        ctx.error(name, f"expected a table [{name}], got {describe(value)}")
    elif schema.required:
        ctx.error(name, f"required section [{name}] is missing")
    return Table(ctx, {}, name, schema, quiet=value is not _ABSENT or schema.required)


def entries(ctx: Context, data: Mapping[str, Any], name: str) -> list[Table]:
    """The tables of [[name]]: at least one is required."""
    value = data.get(name, _ABSENT)
    if value is _ABSENT or value == []:
        ctx.error(name, f"at least one [[{name}]] entry is required")
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        ctx.error(name, f"expected an array of tables [[{name}]], got {describe(value)}")
        return []
    schema = SECTIONS[name]
    return [Table(ctx, entry, f"{name}[{i}]", schema) for i, entry in enumerate(value, 1)]
