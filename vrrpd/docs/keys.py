"""Every config key, walked from the Structs of `vrrpd.config.schema`, with its docstring.

Field docstrings (the string literal after a field) are read from the schema's source, so
documentation sits next to the field it describes and needs no runtime metadata.
"""

from __future__ import annotations

import ast
import inspect
import socket
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from vrrpd.config import schema

# Top-level TOML tables in file order: name, Struct, one table per NAME (`[instances.NAME]`).
SECTIONS: tuple[tuple[str, type[msgspec.Struct], bool], ...] = (
    ("global", schema.RawGlobal, False),
    ("log", schema.RawLog, False),
    ("mqtt", schema.RawMqtt, False),
    ("metrics", schema.RawMetrics, False),
    ("instances", schema.RawInstance, True),
    ("scripts", schema.RawScript, True),
    ("track_files", schema.RawTrackFile, True),
    ("track_processes", schema.RawTrackProcess, True),
    ("sync_groups", schema.RawSyncGroup, True),
)
# Defaults computed at start-up, in words (a generated page must not carry the build host's).
FACTORY_WORDS: dict[Callable[[], object], str] = {socket.gethostname: "the host name"}


@dataclass(frozen=True)
class Key:
    name: str  # as written in TOML
    type: str  # in words: "integer", "list of strings", ...
    default: str | None  # a TOML literal or words; None: required
    doc: str


@dataclass(frozen=True)
class Table:
    title: str  # "[global]", "[instances.NAME]", "instances.NAME.virtual_routes[]" (nested)
    doc: str
    keys: tuple[Key, ...]


def tables() -> list[Table]:
    """Every table of the file, top-level sections first, then the nested tables they use."""
    found: list[Table] = []
    nested: dict[type[msgspec.Struct], list[str]] = {}
    for name, cls, named in SECTIONS:
        title = f"[{name}.NAME]" if named else f"[{name}]"
        found.append(_table(title, cls))
        _collect_nested(cls, title.strip("[]"), nested)
    for cls, places in nested.items():
        found.append(_table(", ".join(places), cls))
    return found


def field_docs(cls: type) -> dict[str, str]:
    """attribute name -> the docstring that follows its field in the class body."""
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for first, second in zip(body, body[1:], strict=False):
        if (
            isinstance(first, ast.AnnAssign)
            and isinstance(first.target, ast.Name)
            and isinstance(second, ast.Expr)
            and isinstance(second.value, ast.Constant)
            and isinstance(second.value.value, str)
        ):
            docs[first.target.id] = inspect.cleandoc(second.value.value)
    return docs


def struct_doc(cls: type) -> str:
    return inspect.cleandoc(cls.__doc__ or "")


def type_words(tp: object) -> str:
    """How a field's type reads in the page: `integer`, `list of (string or table)`."""
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return "table"
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple:
        inner = type_words(args[0])
        return f"list of {'(' + inner + ')' if ' or ' in inner else _plural(inner)}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_words(arg) for arg in args if arg is not type(None))
    words = {str: "string", int: "integer", float: "number", bool: "boolean"}
    return words[tp]  # type: ignore[index]  # a new type needs its words here


def default_words(field: msgspec.structs.FieldInfo) -> str | None:
    """The default as TOML would spell it, `none` for an optional key without one."""
    if field.required:
        return None
    if field.default_factory is not msgspec.NODEFAULT:
        return FACTORY_WORDS[field.default_factory]
    value = field.default
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple) and not value:
        return "[]"
    return repr(value)


def _table(title: str, cls: type[msgspec.Struct]) -> Table:
    docs = field_docs(cls)
    keys = tuple(
        Key(
            name=field.encode_name,
            type=type_words(field.type),
            default=default_words(field),
            doc=docs.get(field.name, ""),
        )
        for field in msgspec.structs.fields(cls)
    )
    return Table(title=title, doc=struct_doc(cls), keys=keys)


def _collect_nested(
    cls: type[msgspec.Struct], path: str, nested: dict[type[msgspec.Struct], list[str]]
) -> None:
    for field in msgspec.structs.fields(cls):
        for inner in _structs_in(field.type):
            listed = typing.get_origin(field.type) is tuple
            place = f"{path}.{field.encode_name}" + ("[]" if listed else "")
            if inner not in nested:
                nested[inner] = []
                _collect_nested(inner, place, nested)
            nested[inner].append(place)


def _structs_in(tp: object) -> list[type[msgspec.Struct]]:
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return [tp]
    return [found for arg in typing.get_args(tp) for found in _structs_in(arg)]


def _plural(word: str) -> str:
    return {"boolean": "booleans"}.get(word, word + "s")
