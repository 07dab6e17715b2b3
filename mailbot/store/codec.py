"""Pure conversion between mailbot's dataclasses and JSON-ready dicts (ISO 8601 times)."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


_PLAIN = frozenset({str, int, float, bool, type(None)})


def to_dict(obj: Any) -> Any:
    """A dataclass (or value) as plain JSON types; datetimes as ISO 8601 with offset."""
    kind = type(obj)
    if kind in _PLAIN:  # most values: answered without further checks (this runs per field)
        return obj
    names = _field_names(kind)
    if names is not None:
        return {name: to_dict(getattr(obj, name)) for name in names}
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, tuple | list):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


@cache
def _field_names(kind: type) -> tuple[str, ...] | None:
    if dataclasses.is_dataclass(kind):
        return tuple(f.name for f in dataclasses.fields(kind))
    return None


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Rebuild a dataclass written by `to_dict`; unknown keys are ignored."""
    return cls(**{name: convert(data[name]) for name, convert in _plan(cls) if name in data})


Convert = Callable[[Any], Any]


@cache
def _plan(cls: type) -> tuple[tuple[str, Convert], ...]:
    """Each field's name and the conversion of its JSON value, worked out once per class."""
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    return tuple((f.name, _converter(hints[f.name])) for f in fields)


@cache
def _converter(hint: Any) -> Convert:
    """The conversion for one type hint; None stays None whatever the hint."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return _converter(args[0]) if len(args) == 1 else _as_is
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _converter(args[0])
            return _nullable(lambda v: tuple(item(x) for x in v))
        items = tuple(_converter(a) for a in args)
        return _nullable(lambda v: tuple(c(x) for c, x in zip(items, v, strict=True)))
    if hint is datetime:
        return _nullable(datetime.fromisoformat)
    if hint is date:
        return _nullable(date.fromisoformat)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _nullable(lambda v: from_dict(hint, v))
    return _as_is


def _as_is(value: Any) -> Any:
    return value


def _nullable(convert: Convert) -> Convert:
    return lambda value: None if value is None else convert(value)
