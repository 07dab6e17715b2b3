"""Pure: the config file's sections, keys and defaults, derived from the settings dataclasses."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, fields, is_dataclass
from types import MappingProxyType
from typing import Any

from mailbot.config.settings import TOML_KEYS, Settings

REQUIRED: Any = MISSING  # the default of a key that must be written


@dataclass(frozen=True)
class Section:
    """One [section] of the file, or one [[array]] of tables, and the type it becomes."""

    name: str
    type: type | None  # the settings dataclass; None for a mapping such as [deadlines]
    keys: tuple[str, ...]
    required: bool
    array: bool  # written as [[name]]: one table per entry

    def default(self, key: str) -> Any:
        """The value of `key` when the file leaves it out; REQUIRED when it must be there."""
        found = [f for f in fields(self.type) if f.name == key] if self.type else []
        return _default(found[0]) if found else REQUIRED


def keys_of(cls: type, name: str) -> tuple[str, ...]:
    """The config keys that give field `name` of a settings dataclass."""
    return _keys(next(f for f in fields(cls) if f.name == name))


def _keys(f: Field[Any]) -> tuple[str, ...]:
    return f.metadata.get(TOML_KEYS, (f.name,))


def _default(f: Field[Any]) -> Any:
    if f.default is not MISSING:
        return f.default
    return f.default_factory() if f.default_factory is not MISSING else REQUIRED


def _section(f: Field[Any], hint: Any) -> Section:
    array = typing.get_origin(hint) is tuple
    if array:
        hint = typing.get_args(hint)[0]
    elif isinstance(hint, types.UnionType):  # `OAuth2Settings | None`: an optional section
        hint = next(arg for arg in typing.get_args(hint) if arg is not types.NoneType)
    cls = hint if is_dataclass(hint) else None
    keys = _keys(f) if cls is None else tuple(k for g in fields(cls) for k in _keys(g))
    return Section(f.name, cls, keys, required=_default(f) is REQUIRED, array=array)


def _sections() -> Mapping[str, Section]:
    hints = typing.get_type_hints(Settings)
    written = [f for f in fields(Settings) if _keys(f)]  # not `source` and `warnings`
    return MappingProxyType({f.name: _section(f, hints[f.name]) for f in written})


SECTIONS = _sections()
# The allowed keys of every section; anything else is reported as unknown.
SECTION_KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {name: section.keys for name, section in SECTIONS.items()}
)
