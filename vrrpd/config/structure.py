"""Structural decoding of TOML tables into the msgspec Structs of `schema.py`.

msgspec stops at the first problem in a value, which would make a user fix a file one
mistake per run.  So each table is first converted by msgspec (the fast, authoritative
path); only when that fails do we walk it key by key to report every unknown key (with a
"did you mean" hint), every missing key and every wrong type, each at its own path.
Tables, lists, `X | None` and `str | Table` are walked; any other type is handed to msgspec
whole.
"""

from __future__ import annotations

import datetime
import difflib
import re
import types
import typing
from collections.abc import Iterable
from typing import Any

import msgspec

from vrrpd.config.errors import ConfigProblem

INVALID: Any = object()  # a value that failed to decode (its problems are already recorded)

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_MSGSPEC_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_MSGSPEC_EXPECTED = re.compile(r"^Expected `(?P<want>[^`]+)`, got `(?P<got>[^`]+)`(?P<rest>.*)$")
_MSGSPEC_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<key>[^`]+)`$")
_TYPE_WORDS = {
    "int": "an integer",
    "float": "a number",
    "str": "a string",
    "bool": "true or false",
    "array": "a list",
    "object": "a table",
    "null": "nothing",
    "datetime": "a date-time",
    "date": "a date",
    "time": "a time",
}


def join_path(parent: str, key: str) -> str:
    """`parent.key`, with the key quoted the TOML way when it is not a bare key."""
    part = key if _BARE_KEY.fullmatch(key) else quote_key(key)
    return f"{parent}.{part}" if parent else part


def quote_key(key: str) -> str:
    """`key` as a TOML basic string, every quote, backslash and unprintable character escaped,
    so a hostile key cannot break the one-line `FILE: path: message` format."""
    return '"' + "".join(_escape(char) for char in key) + '"'


def _escape(char: str) -> str:
    if char in '"\\':
        return "\\" + char
    if char.isprintable():
        return char
    return f"\\u{ord(char):04X}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08X}"


def unknown_key(key: str, known: Iterable[str], path: str) -> ConfigProblem:
    """`unknown key 'priorty' (did you mean 'priority'?)`, reported at the parent `path`."""
    names = list(known)
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    if not close:
        close = [name for name in names if name.lower() == key.lower()]
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ConfigProblem(path, f"unknown key {key!r}{hint}")


def decode_fields(
    table: dict[str, Any], cls: type[msgspec.Struct], path: str, problems: list[ConfigProblem]
) -> dict[str, Any]:
    """Decode the keys of `table` meant for `cls`, key by key, in file order.

    Returns attribute name -> value for every field that decoded (defaults filled in);
    fields that failed are left out and their problems appended to `problems`.
    """
    fields = {field.encode_name: field for field in msgspec.structs.fields(cls)}
    decoded: dict[str, Any] = {}
    for key, value in table.items():
        field = fields.get(key)
        if field is None:
            problems.append(unknown_key(key, fields, path))
            continue
        result = decode_value(value, field.type, join_path(path, key), problems)
        if result is not INVALID:
            decoded[field.name] = result
    for key, field in fields.items():
        if key in table:
            continue
        if field.required:
            problems.append(ConfigProblem(join_path(path, key), "required key is missing"))
        elif field.default_factory is not msgspec.NODEFAULT:
            decoded[field.name] = field.default_factory()
        else:
            decoded[field.name] = field.default
    return decoded


def decode_value(value: Any, tp: Any, path: str, problems: list[ConfigProblem]) -> Any:
    """`value` converted to type `tp`, or INVALID after recording why at `path`."""
    if _is_table(tp):
        return _decode_table(value, tp, path, problems)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple:
        return _decode_list(value, args[0], path, problems)
    if origin in (typing.Union, types.UnionType):
        return _decode_union(value, [arg for arg in args if arg is not type(None)], path, problems)
    try:
        return msgspec.convert(value, tp)
    except msgspec.ValidationError:
        problems.append(_expected(tp, value, path))
        return INVALID


def translate_validation_error(error: msgspec.ValidationError, path: str) -> ConfigProblem:
    """A msgspec error (`Expected `int`, got `str` - at `$.a[1].b``) in plain words, its
    `$`-path appended to `path` as dotted keys."""
    match = _MSGSPEC_AT.match(str(error))
    assert match is not None  # the pattern matches any text
    where = match["path"] or ""
    if not path:
        where = where.lstrip(".")
    message = match["message"]
    if expected := _MSGSPEC_EXPECTED.match(message):
        message = (
            f"expected {_words(expected['want'])}, got {_words(expected['got'])}{expected['rest']}"
        )
    elif unknown := _MSGSPEC_UNKNOWN.match(message):
        message = f"unknown key {unknown['key']!r}"
    else:
        message = message[:1].lower() + message[1:]
    return ConfigProblem(path + where, message)


def describe_value(value: Any) -> str:
    """How a TOML value reads in a message: `the string '150'`, `a list`, `true`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return f"the date/time {value.isoformat()}"
    return f"a {type(value).__name__}"


def _decode_table(
    value: Any, cls: type[msgspec.Struct], path: str, problems: list[ConfigProblem]
) -> Any:
    if not isinstance(value, dict):
        problems.append(_expected(cls, value, path))
        return INVALID
    try:
        return msgspec.convert(value, cls)
    except msgspec.ValidationError as error:
        already = len(problems)
        decode_fields(value, cls, path, problems)
        if len(problems) == already:  # our walk missed what msgspec saw: report msgspec's
            problems.append(translate_validation_error(error, path))
        return INVALID


def _decode_list(value: Any, item_type: Any, path: str, problems: list[ConfigProblem]) -> Any:
    if not isinstance(value, list):
        problems.append(_expected(tuple, value, path))
        return INVALID
    items = [
        decode_value(item, item_type, f"{path}[{index}]", problems)
        for index, item in enumerate(value)
    ]
    return INVALID if any(item is INVALID for item in items) else tuple(items)


def _decode_union(value: Any, members: list[Any], path: str, problems: list[ConfigProblem]) -> Any:
    if len(members) == 1:  # `X | None`: TOML has no null, so absent is the only None
        return decode_value(value, members[0], path, problems)
    tables = [member for member in members if _is_table(member)]
    if isinstance(value, dict) and tables:
        return _decode_table(value, tables[0], path, problems)
    for member in members:
        if _is_table(member):
            continue
        try:
            return msgspec.convert(value, member)
        except msgspec.ValidationError:
            continue
    problems.append(_expected(members, value, path))
    return INVALID


def _expected(tp: Any, value: Any, path: str) -> ConfigProblem:
    return ConfigProblem(path, f"expected {_describe_type(tp)}, got {describe_value(value)}")


def _describe_type(tp: Any) -> str:
    if isinstance(tp, list):
        return " or ".join(_describe_type(member) for member in tp)
    if _is_table(tp) or tp is dict:
        return "a table"
    if tp is tuple:
        return "a list"
    return _TYPE_WORDS.get(getattr(tp, "__name__", ""), str(tp))


def _words(msgspec_types: str) -> str:
    return " or ".join(_TYPE_WORDS.get(name, f"`{name}`") for name in msgspec_types.split(" | "))


def _is_table(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)
